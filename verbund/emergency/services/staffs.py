"""Staffs, the functions people hold in them and the duty roster.

Decisions
=========
* **Who**: creating a body's staff is for its Verwaltungsleitung, a joint staff of an alliance for
  the alliance's coordinators; positions and the roster are changed by whoever leads the staff
  (:func:`verbund.emergency.policies.leads_staff`: the heads of the body, the coordinators, the
  Leitung des Stabes and the HVB). Every change is audited (:mod:`verbund.emergency.audit_actions`).
* **Who sees a staff** (its positions and roster): the people who hold a function in it and those
  who lead it (they appoint the members before they hold a function themselves). An event of the
  staff, its log and everything else stays closed to anyone without a function
  (:func:`verbund.emergency.policies.sees_event`).
* **Sending body** of a position or shift: the staff's body, or a current member of its alliance.
* **Roster**: a shift ends after it starts; one person never has two shifts that overlap (in any
  staff: a person is in one place at a time). A substitute (``Shift.substitutes``) stands in for
  the holder of a position of the same function and comes from another member body; when the
  registry knows the neighbours of the absent holder's body, from one of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances import policies as alliance_policies
from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.common.principal import Principal
from verbund.common.roles import Role
from verbund.registry.models import Body, BodyNeighbour

from .. import audit_actions
from ..models import Event, Position, PositionRole, Shift, Staff, StaffFunction, StaffKind
from ..policies import MANAGE, STAFF_MEMBER, as_principal, leads_staff, person_name

LEAD_REFUSAL = "Den Stab führen die Verwaltungsleitung, die Verbundkoordination und die Leitung des Stabes."


# --- reading ---------------------------------------------------------------------------------------


def led_staffs_filter(principal: Principal) -> Q:
    """Staffs whose body the principal heads or whose alliance they coordinate (not by function)."""
    if principal.is_system:
        return Q() if principal.capable(MANAGE) else Q(pk__in=[])
    return Q(body_id__in=principal.body_ids(Role.VERWALTUNGSLEITUNG)) | Q(
        alliance_id__in=principal.granted(alliance_policies.COORDINATOR)
    )


def visible_staffs(who: Actor | Principal) -> QuerySet[Staff]:
    """The staffs the principal holds a standing function in, or leads by office."""
    principal = as_principal(who)
    return (
        Staff.objects.filter(Q(pk__in=principal.granted(STAFF_MEMBER)) | led_staffs_filter(principal))
        .select_related("body", "alliance")
        .order_by("name", "pk")
    )


def get_staff(who: Actor | Principal, staff_id: int) -> Staff:
    """The staff, or :class:`NotFound` when ``who`` neither holds a function in it nor leads it."""
    principal = as_principal(who)
    staff = Staff.objects.select_related("body", "alliance").filter(pk=staff_id).first()
    if staff is None:
        raise NotFound()
    if principal.has_grant(STAFF_MEMBER, staff.pk) or leads_staff(principal, staff):
        return staff
    raise NotFound()


def current_positions(
    staff: Staff, *, on: dt.date | None = None, event: Event | None = None
) -> QuerySet[Position]:
    """The positions of ``staff`` that run on ``on`` (today): the standing ones and, with ``event``,
    those for that event."""
    day = on or timezone.localdate()
    scope = Q(event__isnull=True) | Q(event=event) if event is not None else Q(event__isnull=True)
    return (
        Position.objects.filter(staff=staff, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .filter(scope)
        .select_related("person", "body")
        .order_by("function", "role", "pk")
    )


def member_bodies(staff: Staff) -> QuerySet[Body]:
    """The bodies that may send people into ``staff``: its body, or the current alliance members."""
    if staff.body_id is not None:
        return Body.objects.filter(pk=staff.body_id)
    return Body.objects.filter(
        pk__in=Membership.objects.current().filter(alliance_id=int(staff.alliance_id or 0)).values("body_id")
    ).order_by("name")


@dataclass(frozen=True)
class RosterRow:
    function: str
    label: str
    shifts: list[Shift]


def roster(staff: Staff, *, since: dt.datetime | None = None) -> list[RosterRow]:
    """The shifts of the staff that have not ended before ``since`` (now), grouped by function in the
    order of :class:`StaffFunction`."""
    start = since or timezone.now()
    shifts = (
        Shift.objects.filter(staff=staff, ends_at__gt=start)
        .select_related("person", "body", "substitutes__person", "substitutes__body")
        .order_by("starts_at", "pk")
    )
    grouped: dict[str, list[Shift]] = defaultdict(list)
    for shift in shifts:
        grouped[shift.function].append(shift)
    return [
        RosterRow(function=value, label=str(label), shifts=grouped[value])
        for value, label in StaffFunction.choices
        if grouped.get(value)
    ]


# --- checks ----------------------------------------------------------------------------------------


def _lead(principal: Principal, staff: Staff, *, event_id: int | None = None) -> None:
    if not leads_staff(principal, staff, event_id=event_id):
        raise Forbidden(_(LEAD_REFUSAL))


def _check_body(staff: Staff, body: Body | None, field: str = "body") -> Body:
    if body is None or not member_bodies(staff).filter(pk=body.pk).exists():
        raise Invalid(
            fields={
                field: [
                    _(
                        "Die entsendende Körperschaft muss die des Stabes oder ein aktuelles Mitglied "
                        "des Verbunds sein."
                    )
                ]
            }
        )
    return body


def _check_person(person: Any, field: str = "person") -> Any:
    if person is None or not isinstance(person, get_user_model()) or not person.is_active:
        raise Invalid(fields={field: [_("Bitte eine Person mit aktivem Benutzerkonto wählen.")]})
    return person


def _check_function(function: str) -> str:
    if function not in StaffFunction.values:
        raise Invalid(fields={"function": [_("Unbekannte Funktion.")]})
    return function


def _check_event(staff: Staff, event: Event | None) -> None:
    if event is not None and event.staff_id != staff.pk:
        raise Invalid(fields={"event": [_("Die Lage gehört nicht zu diesem Stab.")]})


def _locked(staff: Staff) -> Staff:
    return Staff.objects.select_for_update().get(pk=staff.pk)


# --- staffs ----------------------------------------------------------------------------------------


def staff_create(
    *,
    actor: Actor,
    name: str,
    body: Body | None = None,
    alliance: Alliance | None = None,
    kind: str = StaffKind.ADMINISTRATIVE,
) -> Staff:
    """A body's staff (its Verwaltungsleitung) or the joint staff of an alliance (its coordinators)."""
    principal = authorize(actor)
    if (body is None) == (alliance is None):
        raise Invalid(
            fields={"body": [_("Ein Stab gehört entweder zu einer Körperschaft oder zu einem Verbund.")]}
        )
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Bitte eine Bezeichnung angeben.")]
    elif len(name) > 200:
        errors["name"] = [_("Die Bezeichnung ist zu lang (höchstens 200 Zeichen).")]
    if kind not in StaffKind.values:
        errors["kind"] = [_("Unbekannte Art des Stabes.")]
    staff = Staff(name=name, kind=kind, body=body, alliance=alliance)
    # A new staff has no functions yet: only the heads of the body or the coordinators lead it.
    if not leads_staff(principal, staff):
        if body is not None:
            raise Forbidden(_("Den Stab einer Körperschaft richtet ihre Verwaltungsleitung ein."))
        raise Forbidden(_("Den gemeinsamen Stab eines Verbunds richtet die Verbundkoordination ein."))
    if errors:
        raise Invalid(fields=errors)
    with transaction.atomic():
        staff.save()
        audit_record(
            actor=actor,
            action=audit_actions.STAFF_CREATE,
            target=staff,
            changes={"Bezeichnung": staff.name, "Art": staff.kind},
        )
    return staff


# --- positions -------------------------------------------------------------------------------------


def position_set(
    *,
    actor: Actor,
    staff: Staff,
    function: str,
    person: Any,
    body: Body | None,
    role: str = PositionRole.HOLDER,
    phone: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    event: Event | None = None,
) -> Position:
    """Appoint ``person`` to ``function`` (as holder or deputy), standing or for one ``event``."""
    principal = authorize(actor)
    _lead(principal, staff, event_id=event.pk if event is not None else None)
    _check_function(function)
    if role not in PositionRole.values:
        raise Invalid(fields={"role": [_("Unbekannte Rolle.")]})
    _check_person(person)
    sending = _check_body(staff, body)
    _check_event(staff, event)
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on < starts_on:
        raise Invalid(fields={"ends_on": [_("Das Ende liegt vor dem Beginn.")]})
    phone = (phone or "").strip()
    if len(phone) > 100:
        raise Invalid(fields={"phone": [_("Höchstens 100 Zeichen.")]})
    with transaction.atomic():
        _locked(staff)
        overlapping = Position.objects.filter(
            staff=staff, person=person, function=function, event=event, role=role
        ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        if overlapping.exists():
            raise Invalid(
                fields={"person": [_("Diese Person hat die Funktion in diesem Zeitraum schon inne.")]}
            )
        position = Position.objects.create(
            staff=staff,
            event=event,
            function=function,
            role=role,
            person=person,
            body=sending,
            phone=phone,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit_record(
            actor=actor,
            action=audit_actions.POSITION_SET,
            target=staff,
            changes={
                "Funktion": function,
                "Rolle": str(PositionRole(role).label),
                "Person": person_name(person),
                "entsendet von": sending.name,
                "Beginn": starts_on,
                "Ende": ends_on,
                "Lage": event.pk if event is not None else None,
            },
        )
    return position


def position_end(*, actor: Actor, position: Position, ends_on: dt.date | None = None) -> Position:
    """End a position on ``ends_on`` (today; the position still runs that day)."""
    principal = authorize(actor)
    staff = position.staff
    _lead(principal, staff, event_id=position.event_id)
    day = ends_on or timezone.localdate()
    with transaction.atomic():
        locked = Position.objects.select_for_update().get(pk=position.pk)
        if locked.ends_on is not None and locked.ends_on < day:
            raise Conflict(_("Die Funktion endet schon früher."))
        if day < locked.starts_on:
            raise Invalid(fields={"ends_on": [_("Das Ende liegt vor dem Beginn.")]})
        before = locked.ends_on
        locked.ends_on = day
        locked.save(update_fields=["ends_on"])
        audit_record(
            actor=actor,
            action=audit_actions.POSITION_END,
            target=staff,
            changes={
                "Funktion": locked.function,
                "Person": person_name(locked.person),
                "Ende": [before, day],
            },
        )
    return locked


# --- the roster ------------------------------------------------------------------------------------


def _neighbour_ids(body_id: int) -> set[int]:
    return set(BodyNeighbour.objects.filter(body_id=body_id).values_list("neighbour_id", flat=True))


def _check_substitute(staff: Staff, function: str, body: Body, substitutes: Position | None) -> None:
    if substitutes is None:
        return
    if substitutes.staff_id != staff.pk:
        raise Invalid(fields={"substitutes": [_("Die vertretene Funktion gehört nicht zu diesem Stab.")]})
    if substitutes.function != function:
        raise Invalid(fields={"substitutes": [_("Die Vertretung muss dieselbe Funktion übernehmen.")]})
    if substitutes.body_id == body.pk:
        raise Invalid(
            fields={
                "body": [_("Eine Vertretung kommt aus einer anderen Körperschaft als die abwesende Person.")]
            }
        )
    neighbours = _neighbour_ids(substitutes.body_id)
    if neighbours and body.pk not in neighbours:
        raise Invalid(
            fields={"body": [_("Die Vertretung kommt aus einer Nachbarkörperschaft der abwesenden Person.")]}
        )


def shift_add(
    *,
    actor: Actor,
    staff: Staff,
    function: str,
    person: Any,
    body: Body | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reachable: str = "",
    substitutes: Position | None = None,
    event: Event | None = None,
) -> Shift:
    """A shift of the roster (see the module doc for the rules)."""
    principal = authorize(actor)
    _lead(principal, staff, event_id=event.pk if event is not None else None)
    _check_function(function)
    _check_person(person)
    body = _check_body(staff, body)
    _check_event(staff, event)
    errors: dict[str, list[str]] = {}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None or timezone.is_naive(value):
            errors[field] = [_("Der Zeitpunkt braucht eine Zeitzone.")]
    if errors:
        raise Invalid(fields=errors)
    if ends_at <= starts_at:
        raise Invalid(fields={"ends_at": [_("Das Ende der Schicht liegt nicht nach ihrem Beginn.")]})
    reachable = (reachable or "").strip()
    if len(reachable) > 100:
        raise Invalid(fields={"reachable": [_("Höchstens 100 Zeichen.")]})
    _check_substitute(staff, function, body, substitutes)
    with transaction.atomic():
        _locked(staff)
        # The person's shifts in every staff: one person is in one place at a time.
        clash = (
            Shift.objects.select_for_update()
            .filter(person=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .order_by("starts_at")
            .first()
        )
        if clash is not None:
            local = timezone.localtime
            raise Invalid(
                fields={
                    "starts_at": [
                        _("%(person)s hat schon eine Schicht von %(start)s bis %(end)s.")
                        % {
                            "person": person_name(person),
                            "start": f"{local(clash.starts_at):%d.%m.%Y %H:%M}",
                            "end": f"{local(clash.ends_at):%d.%m.%Y %H:%M}",
                        }
                    ]
                }
            )
        shift = Shift.objects.create(
            staff=staff,
            event=event,
            function=function,
            person=person,
            body=body,
            starts_at=starts_at,
            ends_at=ends_at,
            reachable=reachable,
            substitutes=substitutes,
        )
        audit_record(
            actor=actor,
            action=audit_actions.SHIFT_SET,
            target=staff,
            changes={
                "Schicht": "neu",
                "Funktion": function,
                "Person": person_name(person),
                "entsendet von": body.name,
                "Beginn": starts_at,
                "Ende": ends_at,
                "Vertritt": person_name(substitutes.person) if substitutes is not None else "",
            },
        )
    return shift


def shift_remove(*, actor: Actor, shift: Shift) -> None:
    """Take a shift out of the roster."""
    principal = authorize(actor)
    staff = shift.staff
    _lead(principal, staff, event_id=shift.event_id)
    with transaction.atomic():
        locked = Shift.objects.select_for_update().filter(pk=shift.pk).first()
        if locked is None:
            raise NotFound()
        audit_record(
            actor=actor,
            action=audit_actions.SHIFT_SET,
            target=staff,
            changes={
                "Schicht": "entfernt",
                "Funktion": locked.function,
                "Person": person_name(locked.person),
                "Beginn": locked.starts_at,
                "Ende": locked.ends_at,
            },
        )
        locked.delete()


def substitutes_now(staff: Staff, *, at: dt.datetime | None = None) -> QuerySet[Shift]:
    """The shifts running at ``at`` (now) in which someone stands in for an absent holder."""
    moment = at or timezone.now()
    return Shift.objects.filter(
        staff=staff, substitutes__isnull=False, starts_at__lte=moment, ends_at__gt=moment
    ).select_related("person", "body", "substitutes")
