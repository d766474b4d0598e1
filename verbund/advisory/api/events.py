"""``/api/v1/advisory``: events of the office (workshops, the annual conference, webinars).

* ``GET /events`` (paginated; ``upcoming``) and ``GET /events/{event_id}`` — everyone logged in sees
  the published events (the office also drafts).
* ``POST /events/{event_id}/registrations`` — register oneself (``body``, ``remark``); a full event
  puts the registration on the waiting list. ``DELETE /events/{event_id}/registration`` — cancel one's
  own registration (the first on the waiting list moves up).
* Office: ``POST /events`` (a new, unpublished event) and ``PATCH /events/{event_id}`` (only the
  fields sent), through the same services as the pages (:func:`svc.event_create`,
  :func:`svc.event_update`, which check and audit); moments in ISO 8601 or German (``12.03.2027
  09:30``, local time), places as a number or German text (``1.000``). Bad input is a 422 naming the
  field, and nothing is stored. ``GET /events/{event_id}/participants`` and
  ``PUT /events/{event_id}/attendance``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import (
    DbId,
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_principal,
    api_user,
    choices_enum,
    named_refusal,
)
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.german import GermanNumberError, format_number, normalize_number
from verbund.common.principal import Principal

from ..models.events import Event, EventKind, Registration, RegistrationStatus
from ..policies import manages_events
from ..services import events as svc
from .cases import _run

router = Router()
_READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


AdvisoryEventKind = choices_enum("AdvisoryEventKind", EventKind, "Art der Veranstaltung")
#: The most places an event may offer through the API (far beyond any hall; keeps the column's range).
MAX_CAPACITY = 1_000_000
_MOMENT = "Zeitpunkt: ISO 8601 oder deutsch („12.03.2027 09:30“; ohne Zeitzone: Ortszeit)"
_CAPACITY = "Plätze: ganze Zahl oder deutsch geschrieben („1.000“); null oder leer: unbegrenzt"


class AdvisoryEventIn(Schema):
    kind: AdvisoryEventKind  # type: ignore[valid-type]
    title: str = Field(..., min_length=1, max_length=200)
    starts_at: str = Field(..., min_length=1, max_length=40, description=_MOMENT)
    ends_at: str = Field(..., min_length=1, max_length=40, description=_MOMENT)
    place: str = Field("", max_length=300, description="Ort (oder ein Online-Link)")
    online_url: str = Field("", max_length=500)
    capacity: int | str | None = Field(None, description=_CAPACITY)
    registration_deadline: str | None = Field(None, max_length=40, description=_MOMENT)
    field_of_action: DbId | None = Field(None, description="Id des Handlungsfelds")
    description: str = Field("", max_length=20000)
    agenda: str = Field("", max_length=20000)


class AdvisoryEventPatch(Schema):
    """Only the fields sent change; ``null`` empties an optional field."""

    kind: AdvisoryEventKind | None = None  # type: ignore[valid-type]
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: str | None = Field(None, min_length=1, max_length=40, description=_MOMENT)
    ends_at: str | None = Field(None, min_length=1, max_length=40, description=_MOMENT)
    place: str | None = Field(None, max_length=300)
    online_url: str | None = Field(None, max_length=500)
    capacity: int | str | None = Field(None, description=_CAPACITY)
    registration_deadline: str | None = Field(None, max_length=40, description=_MOMENT)
    field_of_action: DbId | None = None
    description: str | None = Field(None, max_length=20000)
    agenda: str | None = Field(None, max_length=20000)


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


# --- creating and changing (the office) ------------------------------------------------------------

_REQUIRED = ("kind", "title", "starts_at", "ends_at")
_MOMENTS = ("starts_at", "ends_at", "registration_deadline")


def _moment(text: str) -> dt.datetime:
    """ISO 8601 or what the pages accept (:data:`svc.DATETIME_FORMATS`); naive means local time."""
    value = text.strip()
    moment: dt.datetime | None = None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        for pattern in svc.DATETIME_FORMATS:
            try:
                moment = dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(_("ist kein Zeitpunkt (z. B. 12.03.2027 09:30 oder 2027-03-12T09:30:00+01:00)"))
    if not 2000 <= moment.year <= 2200:  # also keeps the conversion to UTC inside datetime's range
        raise ValueError(_("liegt nicht zwischen den Jahren 2000 und 2200"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _capacity(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            number = Decimal(normalize_number(value))
        except GermanNumberError as exc:
            raise ValueError(str(exc)) from exc
        if number != number.to_integral_value():
            raise ValueError(_("Bitte eine ganze Zahl eingeben."))
        value = int(number)
    if value < 1:
        raise ValueError(_("Eine Veranstaltung hat mindestens einen Platz (leer: unbegrenzt)."))
    if value > MAX_CAPACITY:
        raise ValueError(_("höchstens %(limit)s Plätze") % {"limit": format_number(MAX_CAPACITY)})
    return value


def _event_values(sent: dict[str, Any]) -> dict[str, Any]:
    """The sent fields as the service takes them (the values the page's form cleans to); every bad
    field at once as a refusal naming it."""
    from verbund.alliances.models import FieldOfAction

    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in sent.items():
        try:
            if value is None and name in _REQUIRED:
                raise ValueError(_("darf nicht leer sein"))
            if name in _MOMENTS:
                values[name] = None if value is None else _moment(value)
            elif name == "capacity":
                values[name] = _capacity(value)
            elif name == "field_of_action":
                found = None if value is None else FieldOfAction.objects.filter(pk=value).first()
                if value is not None and found is None:
                    raise ValueError(_("Dieses Handlungsfeld gibt es nicht."))
                values[name] = found
            elif name in ("place", "online_url"):
                values[name] = (value or "").strip()
            elif name in ("description", "agenda"):
                values[name] = value or ""
            elif name == "kind":
                values[name] = str(value)
            else:
                values[name] = value.strip() if isinstance(value, str) else value
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise named_refusal(Invalid(fields=errors))
    return values


def _office(request: HttpRequest) -> tuple[Any, Principal]:
    user = api_user(request)
    principal = api_person(request)
    if not manages_events(principal):
        raise Forbidden(_("Nur die Beratungsstelle verwaltet Veranstaltungen."))
    return user, principal


@router.post(
    "/events",
    response={201: AdvisoryEventDetail, **_WRITE_ERRORS},
    url_name="advisory_event_create",
    summary="Veranstaltung anlegen",
)
def create_event(request: HttpRequest, data: AdvisoryEventIn) -> HttpStatus:
    """Eine neue Veranstaltung (noch nicht veröffentlicht; nur die Beratungsstelle). Zeitpunkte
    ISO 8601 oder deutsch, Plätze als Zahl oder deutsch geschrieben; eine ungültige Angabe ist ein 422,
    das das Feld nennt."""
    user, principal = _office(request)
    values = _event_values(data.model_dump())
    event = _run(lambda: svc.event_create(actor=user, values=values))
    return HttpStatus(201, _event_detail(principal, svc.get_event(principal, event.pk)))


@router.patch(
    "/events/{event_id}",
    response={200: AdvisoryEventDetail, **_WRITE_ERRORS},
    url_name="advisory_event_update",
    summary="Veranstaltung ändern",
)
def update_event(request: HttpRequest, event_id: ObjectId, data: AdvisoryEventPatch) -> dict[str, Any]:
    """Die gesendeten Felder ändern (nur die Beratungsstelle). Eine Änderung von Termin, Ort oder
    Link erhöht `sequence` und benachrichtigt die Angemeldeten; mehr Plätze holen Wartende nach."""
    principal = api_person(request)
    svc.get_event(principal, event_id)  # 404 before 403: a draft stays invisible to others
    user, principal = _office(request)
    values = _event_values(data.model_dump(include=data.model_fields_set))
    _run(lambda: svc.event_update(actor=user, event_id=event_id, values=values))
    if "capacity" in values:
        svc.capacity_changed(actor=user, event_id=event_id)
    return _event_detail(principal, svc.get_event(principal, event_id))


@router.get(
    "/events/{event_id}",
    response={200: AdvisoryEventDetail, **_READ_ERRORS},
    url_name="advisory_event",
    summary="Veranstaltung",
)
def get_event(request: HttpRequest, event_id: ObjectId) -> dict[str, Any]:
    principal = api_person(request)
    return _event_detail(principal, svc.get_event(principal, event_id))


def _event_detail(principal: Principal, event: Event) -> dict[str, Any]:
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
