"""Events (Schadenslagen): opening with a level, alerting the staff, confirmations, presence, level
changes and closing.

Decisions
=========
* **Who**: opening, changing the level and closing are for those who lead the staff
  (:func:`verbund.emergency.policies.leads_staff`); level and close also need to see the event (a
  coordinator without a function gets 404 like everyone outside). Confirming, declining and presence
  are for members of the event's staff (:func:`~verbund.emergency.policies.sees_event`): a member
  answers for themselves; the Leitung des Stabes, the HVB and the Koordinierungsgruppe register
  anyone's arrival and departure at the staff room.
* **Who is alerted**: every current holder of a standing position of the staff (and of a position for
  this event). Deputies of a function are alerted when its holder is absent — a substitute shift
  runs for the holder's position (the substitute is alerted in the holder's place, with a position
  for the event so that they can open it), or the holder declines — and when the function has no
  holder at all. Positions added later are alerted when the level changes.
* **Log**: each step is also an entry in the event's log (category "Personal und Stab", written in
  German, the source language) through :func:`verbund.emergency.services.log.system_entry`.
* **Audit**: opening, level and closing are audited; confirmations and presence are staff work and
  stand in the hash-chained log instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body

from .. import audit_actions, events_notify
from ..models import (
    LEADING_FUNCTIONS,
    SCREENING_FUNCTIONS,
    Alert,
    Event,
    EventLevel,
    EventStatus,
    LogCategory,
    Position,
    PositionRole,
    Staff,
)
from ..policies import as_principal, held_functions, leads_staff, sees_event
from . import log as log_services
from .staffs import LEAD_REFUSAL, current_positions, member_bodies, person_name, substitutes_now

_ARRIVAL_SLACK = dt.timedelta(minutes=5)
_ARRIVAL_MAX = dt.timedelta(days=2)


def _german(text: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text() if callable(text) else text)


def _log(event: Event, actor: Actor, text: str, *, staff_id: int) -> None:
    """A step written to the log: the author and the function they hold (if one)."""
    principal = authorize(actor)
    functions = (
        held_functions(principal, staff_id=staff_id, event_id=event.pk) if principal.is_person else set()
    )
    lead = sorted(functions & LEADING_FUNCTIONS) or sorted(functions)
    log_services.system_entry(
        event,
        text=text,
        category=LogCategory.STAFF,
        author_name=log_services.author_name(actor),
        function=lead[0] if lead else "",
    )


def _fmt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"


# --- reading ---------------------------------------------------------------------------------------


def visible_events(who: Actor | Principal) -> QuerySet[Event]:
    return log_services.visible_events(who).select_related("staff")


def get_event(who: Actor | Principal, event_id: int) -> Event:
    return log_services.get_event(who, event_id)


def alerts_of(event: Event) -> QuerySet[Alert]:
    """The alerts of the event: the roster of who is called in, confirmed and present."""
    return (
        Alert.objects.filter(event=event)
        .select_related("person", "position", "position__body")
        .order_by("position__function", "position__role", "alerted_at", "pk")
    )


def own_alerts(who: Actor | Principal, event: Event) -> QuerySet[Alert]:
    principal = as_principal(who)
    return alerts_of(event).filter(person_id=principal.user_id)


def may_register_presence(principal: Principal, event: Event) -> bool:
    """The staff's Leitung, HVB and Koordinierungsgruppe register anyone's arrival and departure."""
    if principal.is_system:
        return sees_event(principal, staff_id=event.staff_id, event_id=event.pk)
    held = held_functions(principal, staff_id=event.staff_id, event_id=event.pk)
    return bool(held & (LEADING_FUNCTIONS | SCREENING_FUNCTIONS))


def default_centre(staff: Staff) -> tuple[float | None, float | None]:
    """The centroid of the staff's body; for a joint staff the mean of its members' centroids."""
    if staff.body_id is not None:
        body = Body.objects.filter(pk=staff.body_id).values_list("centroid_lat", "centroid_lon").first()
        return body if body else (None, None)
    mean = (
        member_bodies(staff)
        .filter(centroid_lat__isnull=False, centroid_lon__isnull=False)
        .aggregate(lat=Avg("centroid_lat"), lon=Avg("centroid_lon"))
    )
    return mean["lat"], mean["lon"]


# --- alerting ---------------------------------------------------------------------------------------


def _alert(event: Event, position: Position, person_id: int, now: dt.datetime) -> Alert | None:
    if Alert.objects.filter(event=event, position=position).exists():
        return None
    return Alert.objects.create(event=event, position=position, person_id=person_id, alerted_at=now)


def _deputies_of(event: Event, function: str) -> list[Position]:
    positions = current_positions(event.staff, event=event)
    return list(positions.filter(function=function, role=PositionRole.DEPUTY))


def _substitute_position(event: Event, shift: Any) -> Position:
    """The position through which a substitute of a running shift holds the function for the event."""
    today = timezone.localdate()
    existing = current_positions(event.staff, event=event).filter(
        person_id=shift.person_id, function=shift.function
    )
    found = existing.first()
    if found is not None:
        return found
    return Position.objects.create(
        staff=event.staff,
        event=event,
        function=shift.function,
        role=PositionRole.DEPUTY,
        person_id=shift.person_id,
        body_id=shift.body_id,
        phone=shift.reachable,
        starts_on=today,
    )


def _alert_staff(event: Event, now: dt.datetime) -> list[Alert]:
    """Alert everyone who is due and not alerted yet (see the module doc)."""
    created: list[Alert] = []
    positions = list(current_positions(event.staff, event=event))
    absent = {shift.substitutes_id: shift for shift in substitutes_now(event.staff, at=now)}
    declined = set(
        Alert.objects.filter(event=event, declined=True).values_list("position__function", flat=True)
    )
    holders_by_function: dict[str, list[Position]] = {}
    for position in positions:
        if position.role == PositionRole.HOLDER:
            holders_by_function.setdefault(position.function, []).append(position)
    need_deputies: set[str] = set(declined)
    for position in positions:
        if position.role != PositionRole.HOLDER:
            continue
        shift = absent.get(position.pk)
        if shift is not None:
            need_deputies.add(position.function)
            substitute = _substitute_position(event, shift)
            alert = _alert(event, substitute, shift.person_id, now)
        else:
            alert = _alert(event, position, position.person_id, now)
        if alert is not None:
            created.append(alert)
    for position in positions:
        if position.role != PositionRole.DEPUTY:
            continue
        if position.function in need_deputies or position.function not in holders_by_function:
            alert = _alert(event, position, position.person_id, now)
            if alert is not None:
                created.append(alert)
    return created


def _describe(alerts: list[Alert]) -> str:
    names = [
        f"{person_name(a.person)} ({a.position.function}"
        + (f", {_german(PositionRole.DEPUTY.label)}" if a.position.role == PositionRole.DEPUTY else "")
        + ")"
        for a in alerts
    ]
    return ", ".join(names)


def _send(actor: Actor, event: Event, alerts: list[Alert]) -> None:
    if not alerts:
        return
    ids = [a.pk for a in alerts]
    transaction.on_commit(
        lambda: events_notify.send_alerts(
            actor=actor,
            event=event,
            alerts=Alert.objects.filter(pk__in=ids).select_related("position"),
        ),
        robust=True,
    )


# --- opening, level, closing ------------------------------------------------------------------------


def _check_open(
    *, title: str, level: int, description: str, centre: tuple[float | None, float | None], interval: int
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Bitte eine Bezeichnung angeben.")]
    elif len(title) > 200:
        errors["title"] = [_("Die Bezeichnung ist zu lang (höchstens 200 Zeichen).")]
    if level not in EventLevel.values:
        errors["level"] = [_("Unbekannte Stufe.")]
    if len(description) > 20_000:
        errors["description"] = [_("Der Text ist zu lang.")]
    lat, lon = centre
    if (lat is None) != (lon is None):
        errors["center_lat"] = [_("Breite und Länge des Mittelpunkts gehören zusammen.")]
    elif lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["center_lat"] = [_("Der Mittelpunkt liegt nicht auf der Erde.")]
    if not 15 <= interval <= 24 * 60:
        errors["report_interval_minutes"] = [_("Zwischen 15 Minuten und 24 Stunden.")]
    return errors


def event_open(
    *,
    actor: Actor,
    staff: Staff,
    title: str,
    level: int = EventLevel.PARTIAL,
    exercise: bool = False,
    description: str = "",
    center_lat: float | None = None,
    center_lon: float | None = None,
    report_interval_minutes: int = 180,
) -> Event:
    """Open an event for ``staff`` and alert its members (after commit)."""
    principal = authorize(actor)
    if not leads_staff(principal, staff):
        raise Forbidden(_(LEAD_REFUSAL))
    title = (title or "").strip()
    description = (description or "").strip()
    centre = (center_lat, center_lon)
    errors = _check_open(
        title=title, level=level, description=description, centre=centre, interval=report_interval_minutes
    )
    if errors:
        raise Invalid(fields=errors)
    if center_lat is None:
        centre = default_centre(staff)
    now = timezone.now()
    with transaction.atomic():
        Staff.objects.select_for_update().get(pk=staff.pk)
        event = Event.objects.create(
            staff=staff,
            title=title,
            description=description,
            exercise=exercise,
            level=level,
            opened_at=now,
            opened_by=actor if isinstance(actor, get_user_model()) else None,
            center_lat=centre[0],
            center_lon=centre[1],
            report_interval_minutes=report_interval_minutes,
        )
        _log(
            event,
            actor,
            _german(
                lambda: (
                    _("Lage eröffnet: %(title)s, %(level)s%(exercise)s.")
                    % {
                        "title": title,
                        "level": EventLevel(level).label,
                        "exercise": _(" (Übung)") if exercise else "",
                    }
                )
            ),
            staff_id=staff.pk,
        )
        alerts = _alert_staff(event, now)
        if alerts:
            _log(
                event,
                actor,
                _german(lambda: _("Alarmiert: %(names)s.") % {"names": _describe(alerts)}),
                staff_id=staff.pk,
            )
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_OPEN,
            target=event,
            object_repr=log_services.audit_repr(event),
            body=staff.body_id,
            alliance=staff.alliance_id,
            changes={"Stufe": level, "Übung": exercise, "Alarmiert": len(alerts)},
        )
        _send(actor, event, alerts)
    return event


def _led_event(principal: Principal, event_id: int) -> Event:
    """The event locked for a change of the staff's leaders: 404 when not seen, 403 when not led."""
    event = Event.objects.select_for_update(of=("self",)).select_related("staff").filter(pk=event_id).first()
    if event is None or not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    if not leads_staff(principal, event.staff, event_id=event.pk):
        raise Forbidden(_(LEAD_REFUSAL))
    return event


def _alerted_ids(event: Event) -> list[int]:
    """The alerted people who have not declined and still hold a function in the event's staff (one
    whose position has ended no longer sees the event and is not told its title)."""
    alerted = Alert.objects.filter(event=event, declined=False).values_list("person_id", flat=True)
    return sorted(
        set(
            current_positions(event.staff, event=event)
            .filter(person_id__in=alerted)
            .values_list("person_id", flat=True)
        )
    )


def event_set_level(*, actor: Actor, event_id: int, level: int) -> Event:
    """Change the level; members appointed since the opening are alerted now."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _led_event(principal, event_id)
        if event.status == EventStatus.CLOSED:
            raise Conflict(_("Die Lage ist beendet."))
        if level not in EventLevel.values:
            raise Invalid(fields={"level": [_("Unbekannte Stufe.")]})
        before = event.level
        if before == level:
            return event
        event.level = level
        event.save(update_fields=["level"])
        _log(
            event,
            actor,
            _german(
                lambda: (
                    _("Stufe geändert: %(before)s → %(after)s.")
                    % {"before": EventLevel(before).label, "after": EventLevel(level).label}
                )
            ),
            staff_id=event.staff_id,
        )
        alerts = _alert_staff(event, timezone.now())
        if alerts:
            _log(
                event,
                actor,
                _german(lambda: _("Alarmiert: %(names)s.") % {"names": _describe(alerts)}),
                staff_id=event.staff_id,
            )
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_LEVEL,
            target=event,
            object_repr=log_services.audit_repr(event),
            body=event.staff.body_id,
            alliance=event.staff.alliance_id,
            changes={"Stufe": [before, level]},
        )
        recipients = [i for i in _alerted_ids(event) if i not in {a.person_id for a in alerts}]
        transaction.on_commit(
            lambda: events_notify.event_changed(actor=actor, event=event, user_ids=recipients), robust=True
        )
        _send(actor, event, alerts)
    return event


def event_close(*, actor: Actor, event_id: int) -> Event:
    """Close the event: its log takes no more entries."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _led_event(principal, event_id)
        if event.status == EventStatus.CLOSED:
            raise Conflict(_("Die Lage ist schon beendet."))
        _log(event, actor, _german(lambda: _("Lage beendet.")), staff_id=event.staff_id)
        event.status = EventStatus.CLOSED
        event.closed_at = timezone.now()
        event.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_CLOSE,
            target=event,
            object_repr=log_services.audit_repr(event),
            body=event.staff.body_id,
            alliance=event.staff.alliance_id,
            changes={"Stand": [EventStatus.OPEN, EventStatus.CLOSED]},
        )
        recipients = _alerted_ids(event)
        transaction.on_commit(
            lambda: events_notify.event_changed(actor=actor, event=event, user_ids=recipients, closed=True),
            robust=True,
        )
    return event


# --- answers of the members ---------------------------------------------------------------------------


def _member_event(principal: Principal, event_id: int) -> Event:
    event = Event.objects.select_for_update(of=("self",)).select_related("staff").filter(pk=event_id).first()
    if event is None or not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    if event.status == EventStatus.CLOSED:
        raise Conflict(_("Die Lage ist beendet."))
    return event


def _own_alert(principal: Principal, event: Event, alert_id: int | None) -> Alert:
    alerts = Alert.objects.select_for_update().filter(event=event, person_id=principal.user_id)
    if alert_id is not None:
        alerts = alerts.filter(pk=alert_id)
    alert = alerts.select_related("position", "person").order_by("pk").first()
    if alert is None:
        raise Conflict(_("Sie sind für diese Lage nicht alarmiert."))
    return alert


def alert_confirm(
    *, actor: Actor, event_id: int, arrival_at: dt.datetime, alert_id: int | None = None
) -> Alert:
    """The alerted member confirms and says when they expect to arrive."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _member_event(principal, event_id)
        alert = _own_alert(principal, event, alert_id)
        now = timezone.now()
        if arrival_at is None or timezone.is_naive(arrival_at):
            raise Invalid(fields={"arrival_at": [_("Der Zeitpunkt braucht eine Zeitzone.")]})
        if log_services.off_calendar(arrival_at):
            raise Invalid(fields={"arrival_at": [_(log_services.CALENDAR_REFUSAL)]})
        if arrival_at < alert.alerted_at - _ARRIVAL_SLACK:
            raise Invalid(fields={"arrival_at": [_("Die Ankunft liegt vor der Alarmierung.")]})
        if arrival_at > now + _ARRIVAL_MAX:
            raise Invalid(fields={"arrival_at": [_("Die Ankunft liegt mehr als zwei Tage in der Zukunft.")]})
        alert.confirmed_at = now
        alert.arrival_at = arrival_at
        alert.declined = False
        alert.save(update_fields=["confirmed_at", "arrival_at", "declined"])
        _log(
            event,
            actor,
            _german(
                lambda: (
                    _("%(name)s (%(function)s) bestätigt, Eintreffen voraussichtlich %(arrival)s.")
                    % {
                        "name": person_name(alert.person),
                        "function": alert.position.function,
                        "arrival": _fmt(arrival_at),
                    }
                )
            ),
            staff_id=event.staff_id,
        )
    return alert


def alert_decline(*, actor: Actor, event_id: int, alert_id: int | None = None) -> Alert:
    """The alerted member cannot come; the deputies of the function are alerted."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _member_event(principal, event_id)
        alert = _own_alert(principal, event, alert_id)
        if alert.present_at is not None and alert.left_at is None:
            raise Conflict(_("Sie sind als anwesend eingetragen."))
        alert.declined = True
        alert.confirmed_at = None
        alert.arrival_at = None
        alert.save(update_fields=["declined", "confirmed_at", "arrival_at"])
        _log(
            event,
            actor,
            _german(
                lambda: (
                    _("%(name)s (%(function)s) ist nicht verfügbar.")
                    % {"name": person_name(alert.person), "function": alert.position.function}
                )
            ),
            staff_id=event.staff_id,
        )
        now = timezone.now()
        deputies = [
            created
            for position in _deputies_of(event, alert.position.function)
            if position.person_id != alert.person_id
            for created in [_alert(event, position, position.person_id, now)]
            if created is not None
        ]
        if deputies:
            _log(
                event,
                actor,
                _german(lambda: _("Vertretung alarmiert: %(names)s.") % {"names": _describe(deputies)}),
                staff_id=event.staff_id,
            )
        _send(actor, event, deputies)
    return alert


def presence_set(*, actor: Actor, event_id: int, alert_id: int, present: bool) -> Alert:
    """Register arrival (``present``) or departure: one's own, or anyone's by the staff's Leitung and
    Koordinierungsgruppe."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _member_event(principal, event_id)
        alert = (
            Alert.objects.select_for_update()
            .select_related("position", "person")
            .filter(event=event, pk=alert_id)
            .first()
        )
        if alert is None:
            raise NotFound()
        if alert.person_id != principal.user_id and not may_register_presence(principal, event):
            raise Forbidden(_("An- und Abmeldung anderer trägt die Leitung oder Koordinierungsgruppe ein."))
        now = timezone.now()
        if present:
            if alert.present_at is not None and alert.left_at is None:
                raise Conflict(_("Schon als anwesend eingetragen."))
            alert.present_at = now
            alert.left_at = None
            alert.declined = False
            if alert.confirmed_at is None:
                alert.confirmed_at = now
            text = _german(
                lambda: (
                    _("%(name)s (%(function)s) ist eingetroffen.")
                    % {"name": person_name(alert.person), "function": alert.position.function}
                )
            )
        else:
            if alert.present_at is None or alert.left_at is not None:
                raise Conflict(_("Nicht als anwesend eingetragen."))
            alert.left_at = now
            text = _german(
                lambda: (
                    _("%(name)s (%(function)s) hat den Stab verlassen.")
                    % {"name": person_name(alert.person), "function": alert.position.function}
                )
            )
        alert.save(update_fields=["present_at", "left_at", "declined", "confirmed_at"])
        _log(event, actor, text, staff_id=event.staff_id)
    return alert


def alert_state(alert: Alert) -> str:
    """``present``, ``left``, ``declined``, ``confirmed`` or ``alerted`` (for lists and the API)."""
    if alert.present_at is not None and alert.left_at is None:
        return "present"
    if alert.left_at is not None:
        return "left"
    if alert.declined:
        return "declined"
    if alert.confirmed_at is not None:
        return "confirmed"
    return "alerted"


def present_filter() -> Q:
    return Q(present_at__isnull=False, left_at__isnull=True)
