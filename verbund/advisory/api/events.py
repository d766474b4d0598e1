"""``/api/v1/advisory``: events of the office (workshops, the annual conference, webinars).

* ``GET /events`` (paginated; ``upcoming``) and ``GET /events/{event_id}`` — everyone logged in sees
  the published events (the office also drafts).
* ``POST /events/{event_id}/registrations`` — register oneself (``body``, ``remark``); a full event
  puts the registration on the waiting list. ``DELETE /events/{event_id}/registration`` — cancel one's
  own registration (the first on the waiting list moves up).
* Office: ``GET /events/{event_id}/participants`` and ``PUT /events/{event_id}/attendance``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_principal, api_user
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Forbidden, NotFound

from ..models.events import Event, Registration, RegistrationStatus
from ..policies import manages_events
from ..services import events as svc
from .cases import _run

router = Router()
_READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AdvisoryEventOut(Schema):
    id: int
    kind: str = Field(description="workshop, jahreskonferenz, webinar, netzwerktreffen")
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    online_url: str
    capacity: int | None = Field(description="Plätze (null: unbegrenzt)")
    registration_deadline: dt.datetime | None
    published: bool
    cancelled: bool
    sequence: int = Field(description="iCalendar-SEQUENCE (steigt bei jeder Änderung von Termin oder Ort)")
    registered: int
    waiting: int


class AdvisoryEventDetail(AdvisoryEventOut):
    description: str
    agenda: str
    field_of_action: str | None
    places_left: int | None
    own_status: str | None = Field(description="angemeldet, warteliste oder null")
    own_waiting_rank: int | None


class AdvisoryEventFilter(Schema):
    upcoming: bool = Field(False, description="nur Veranstaltungen, die noch nicht vorbei sind")


class AdvisoryRegistrationIn(Schema):
    body: int | None = Field(None, ge=1, description="Id der Körperschaft (nötig bei mehreren)")
    remark: str = Field("", max_length=300)


class AdvisoryRegistrationOut(Schema):
    id: int
    event: int
    user: str
    name: str
    body: int | None
    body_name: str | None
    status: str
    waiting_rank: int | None
    remark: str
    attended: bool | None


class AdvisoryAttendanceMark(Schema):
    registration: int = Field(ge=1)
    attended: bool | None


class AdvisoryAttendanceIn(Schema):
    marks: list[AdvisoryAttendanceMark] = Field(max_length=5000)


class AdvisoryAttendanceOut(Schema):
    changed: int


def _event_out(event: Event, registered: int | None = None, waiting: int | None = None) -> dict[str, Any]:
    if registered is None or waiting is None:
        registered, waiting = svc.counts(event)
    return {
        "id": event.pk,
        "kind": event.kind,
        "title": event.title,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "place": event.place,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "registration_deadline": event.registration_deadline,
        "published": event.published,
        "cancelled": event.cancelled_at is not None,
        "sequence": event.sequence,
        "registered": registered,
        "waiting": waiting,
    }


def _registration_out(registration: Registration) -> dict[str, Any]:
    user = registration.user
    return {
        "id": registration.pk,
        "event": registration.event_id,
        "user": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "body": registration.body_id,
        "body_name": registration.body.name if registration.body else None,
        "status": registration.status,
        "waiting_rank": svc.waiting_rank(registration),
        "remark": registration.remark,
        "attended": registration.attended,
    }


@router.get(
    "/events",
    response={200: Page[AdvisoryEventOut], **_READ_ERRORS},
    url_name="advisory_events",
    summary="Veranstaltungen",
)
def list_events(
    request: HttpRequest, filters: Query[AdvisoryEventFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Workshops, Jahreskonferenz, Online-Seminare und Netzwerktreffen (veröffentlichte; die
    Beratungsstelle auch Entwürfe), nach Beginn."""
    principal = api_person(request)
    events = svc.with_counts(svc.events_for(principal)).order_by("starts_at", "id")
    if filters.upcoming:
        events = events.filter(ends_at__gte=timezone.now())
    return paginate_api(events, page, convert=lambda e: _event_out(e, e.registered_count, e.waiting_count))


@router.get(
    "/events/{event_id}",
    response={200: AdvisoryEventDetail, **_READ_ERRORS},
    url_name="advisory_event",
    summary="Veranstaltung",
)
def get_event(request: HttpRequest, event_id: ObjectId) -> dict[str, Any]:
    principal = api_person(request)
    event = svc.get_event(principal, event_id)
    own = svc.own_registration(principal.user_id, event)
    active = own if own is not None and own.status != RegistrationStatus.CANCELLED else None
    return {
        **_event_out(event),
        "description": event.description,
        "agenda": event.agenda,
        "field_of_action": str(event.field_of_action) if event.field_of_action else None,
        "places_left": svc.places_left(event),
        "own_status": active.status if active else None,
        "own_waiting_rank": svc.waiting_rank(active) if active else None,
    }


@router.post(
    "/events/{event_id}/registrations",
    response={201: AdvisoryRegistrationOut, **_WRITE_ERRORS},
    url_name="advisory_event_register",
    summary="Zu einer Veranstaltung anmelden",
)
def register(request: HttpRequest, event_id: ObjectId, data: AdvisoryRegistrationIn) -> HttpStatus:
    """Sich selbst anmelden (wer für eine Körperschaft arbeitet). Ist die Veranstaltung voll, kommt
    die Anmeldung auf die Warteliste (`status` warteliste, `waiting_rank`)."""
    user = api_user(request)
    svc.get_event(api_principal(request), event_id)
    registration = _run(
        lambda: svc.register(actor=user, event_id=event_id, body_id=data.body, remark=data.remark)
    )
    registration = Registration.objects.select_related("user", "body").get(pk=registration.pk)
    return HttpStatus(201, _registration_out(registration))


@router.delete(
    "/events/{event_id}/registration",
    response={204: None, **_WRITE_ERRORS},
    url_name="advisory_event_unregister",
    summary="Eigene Anmeldung zurücknehmen",
)
def unregister(request: HttpRequest, event_id: ObjectId) -> HttpStatus:
    """Die eigene Anmeldung zurücknehmen; der Platz geht an die erste Person der Warteliste."""
    user = api_user(request)
    principal = api_principal(request)
    event = svc.get_event(principal, event_id)
    own = svc.own_registration(principal.user_id, event)
    if own is None or own.status == RegistrationStatus.CANCELLED:
        raise NotFound(_("Diese Anmeldung gibt es nicht."))
    svc.registration_cancel(actor=user, registration_id=own.pk)
    return HttpStatus(204, None)


@router.get(
    "/events/{event_id}/participants",
    response={200: list[AdvisoryRegistrationOut], **_WRITE_ERRORS},
    url_name="advisory_event_participants",
    summary="Teilnehmende einer Veranstaltung",
)
def participants(request: HttpRequest, event_id: ObjectId) -> list[dict[str, Any]]:
    """Angemeldete und Warteliste (nur die Beratungsstelle)."""
    principal = api_person(request)
    event = svc.get_event(principal, event_id)
    if not manages_events(principal):
        raise Forbidden(_("Nur die Beratungsstelle verwaltet Veranstaltungen."))
    return [_registration_out(r) for r in svc.registrations_of(event)]


@router.put(
    "/events/{event_id}/attendance",
    response={200: AdvisoryAttendanceOut, **_WRITE_ERRORS},
    url_name="advisory_event_attendance",
    summary="Teilnahme erfassen",
)
def attendance(request: HttpRequest, event_id: ObjectId, data: AdvisoryAttendanceIn) -> dict[str, Any]:
    """Ob jede angemeldete Person teilgenommen hat (ja, nein, null); erst nach Beginn."""
    user = api_user(request)
    principal = api_person(request)
    svc.get_event(principal, event_id)
    if not manages_events(principal):
        raise Forbidden(_("Nur die Beratungsstelle verwaltet Veranstaltungen."))
    changed = svc.attendance_set(
        actor=user, event_id=event_id, marks={m.registration: m.attended for m in data.marks}
    )
    return {"changed": changed}
