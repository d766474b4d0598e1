"""``/api/v1/emergency/events``: the events (Schadenslagen) of the caller's staffs.

As on the pages and with the same rules (:mod:`verbund.emergency.services.events`, which logs and
audits): ``GET /events`` lists the events in whose staff the caller holds a function, ``GET
/events/{id}`` shows one with who is alerted, confirmed and present; those who lead the staff open
an event (``POST /events``, the members are alerted), change its level (``POST /events/{id}/level``)
and close it (``POST /events/{id}/close``). Everyone else gets 404 for an event, like one that does
not exist; a member who does not lead gets 403 for level and close. Staffs are named by their id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from ..models import Event, EventLevel, Staff
from ..services import events as event_services
from ..services import staffs as staff_services

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EmergencyEventOut(Schema):
    id: int
    staff: int = Field(description="Kennung des Stabes")
    staff_name: str
    title: str
    level: int = Field(description="Stufe 1 (Vorwarnung) bis 4 (Katastrophenfall)")
    exercise: bool = Field(description="Übung")
    status: str = Field(description="offen oder beendet")
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    center_lat: float | None
    center_lon: float | None


class EmergencyAlertOut(Schema):
    id: int
    function: str = Field(description="Kürzel der Stabsfunktion, z. B. S2, KGS, LdS")
    role: str = Field(description="inhaber oder vertretung")
    person: str = Field(description="Name der alarmierten Person")
    body: str = Field(description="ARS der entsendenden Körperschaft")
    alerted_at: dt.datetime
    confirmed_at: dt.datetime | None
    arrival_at: dt.datetime | None = Field(description="voraussichtliches Eintreffen")
    present_at: dt.datetime | None
    left_at: dt.datetime | None
    state: str = Field(description="alerted, confirmed, declined, present oder left")


class EmergencyEventDetailOut(EmergencyEventOut):
    description: str
    report_interval_minutes: int
    alerts: list[EmergencyAlertOut]
    present: int = Field(description="Zahl der Anwesenden")


class EmergencyEventIn(Schema):
    staff: DbId = Field(description="Kennung des Stabes")
    title: str = Field(min_length=1, max_length=200)
    level: int = Field(EventLevel.PARTIAL, ge=1, le=4, description="Stufe 1 bis 4")
    exercise: bool = False
    description: str = Field("", max_length=20_000)
    center_lat: float | None = Field(None, ge=-90, le=90, description="leer: Schwerpunkt des Stabes")
    center_lon: float | None = Field(None, ge=-180, le=180)
    report_interval_minutes: int = Field(180, ge=15, le=1440, description="Lagemeldung alle … Minuten")


class EmergencyLevelIn(Schema):
    level: int = Field(ge=1, le=4, description="Stufe 1 bis 4")


def _event(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "staff": e.staff_id,
        "staff_name": e.staff.name,
        "title": e.title,
        "level": e.level,
        "exercise": e.exercise,
        "status": e.status,
        "opened_at": e.opened_at,
        "closed_at": e.closed_at,
        "center_lat": e.center_lat,
        "center_lon": e.center_lon,
    }


def _detail(event: Event) -> dict[str, Any]:
    alerts = list(event_services.alerts_of(event))
    rows = [
        {
            "id": a.pk,
            "function": a.position.function,
            "role": a.position.role,
            "person": staff_services.person_name(a.person),
            "body": a.position.body.ars,
            "alerted_at": a.alerted_at,
            "confirmed_at": a.confirmed_at,
            "arrival_at": a.arrival_at,
            "present_at": a.present_at,
            "left_at": a.left_at,
            "state": event_services.alert_state(a),
        }
        for a in alerts
    ]
    return {
        **_event(event),
        "description": event.description,
        "report_interval_minutes": event.report_interval_minutes,
        "alerts": rows,
        "present": sum(1 for r in rows if r["state"] == "present"),
    }


def _visible(principal: Principal, event_id: int) -> Event:
    return event_services.get_event(principal, event_id)


@router.get("/events", response={200: Page[EmergencyEventOut], 401: ErrorOut}, url_name="emergency_events")
def list_events(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die Lagen, in deren Stab der Aufrufer eine Funktion hat (neueste zuerst)."""
    principal = api_person(request)
    events = event_services.visible_events(principal).order_by("-opened_at", "-pk")
    return paginate(events, page, convert=_event)


@router.post(
    "/events", response={201: EmergencyEventDetailOut, **_WRITE_ERRORS}, url_name="emergency_event_open"
)
def open_event(request: HttpRequest, payload: EmergencyEventIn) -> HttpStatus:
    """Eine Lage eröffnen und die Mitglieder des Stabes alarmieren (wer den Stab führt)."""
    user = api_user(request)
    principal = api_person(request)
    staff = Staff.objects.filter(pk=payload.staff).first()
    if staff is None or not (staff_services.visible_staffs(principal).filter(pk=staff.pk).exists()):
        raise Invalid(fields={"staff": [_("Unbekannter Stab.")]})
    if (payload.center_lat is None) != (payload.center_lon is None):
        raise Invalid(fields={"center_lat": [_("Breite und Länge des Mittelpunkts gehören zusammen.")]})
    event = event_services.event_open(
        actor=user,
        staff=staff,
        title=payload.title,
        level=payload.level,
        exercise=payload.exercise,
        description=payload.description,
        center_lat=payload.center_lat,
        center_lon=payload.center_lon,
        report_interval_minutes=payload.report_interval_minutes,
    )
    return HttpStatus(201, _detail(Event.objects.select_related("staff").get(pk=event.pk)))


@router.get(
    "/events/{event_id}", response={200: EmergencyEventDetailOut, **_ERRORS}, url_name="emergency_event"
)
def get_event(request: HttpRequest, event_id: ObjectId) -> dict[str, Any]:
    """Eine Lage mit den Alarmierten, Zusagen und Anwesenden."""
    principal = api_person(request)
    return _detail(_visible(principal, event_id))


@router.post(
    "/events/{event_id}/level",
    response={200: EmergencyEventDetailOut, **_WRITE_ERRORS},
    url_name="emergency_event_level",
)
def set_level(request: HttpRequest, event_id: ObjectId, payload: EmergencyLevelIn) -> dict[str, Any]:
    """Die Stufe ändern; seit der Eröffnung besetzte Funktionen werden alarmiert."""
    user = api_user(request)
    principal = api_person(request)
    _visible(principal, event_id)
    event_services.event_set_level(actor=user, event_id=event_id, level=payload.level)
    return _detail(_visible(principal, event_id))


@router.post(
    "/events/{event_id}/close",
    response={200: EmergencyEventDetailOut, **_WRITE_ERRORS},
    url_name="emergency_event_close",
)
def close_event(request: HttpRequest, event_id: ObjectId) -> dict[str, Any]:
    """Die Lage beenden; das Einsatztagebuch nimmt danach keine Einträge mehr an (schon beendet: 409)."""
    user = api_user(request)
    principal = api_person(request)
    _visible(principal, event_id)
    event_services.event_close(actor=user, event_id=event_id)
    return _detail(_visible(principal, event_id))
