"""Test factories of the emergency part: a joint staff of Landkreise with people in functions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.emergency.models import Event, Position, PositionRole, Staff, StaffFunction
from verbund.registry.tests.factories import BodyFactory

START = dt.date(2024, 1, 1)


def position(
    staff: Staff, person: Any, function: str, *, body: Any, event: Event | None = None, **extra: Any
) -> Position:
    return Position.objects.create(
        staff=staff,
        event=event,
        function=function,
        person=person,
        body=body,
        starts_on=extra.pop("starts_on", START),
        role=extra.pop("role", PositionRole.HOLDER),
        **extra,
    )


def event(staff: Staff, **extra: Any) -> Event:
    values: dict[str, Any] = {"title": "Stromausfall", "opened_at": timezone.now()}
    values.update(extra)
    return Event.objects.create(staff=staff, **values)


def joint_staff_world() -> SimpleNamespace:
    """Three Landkreise in an alliance with a joint staff: a head of staff (LdS), a coordinator of the
    staff (KGS), S2 (Lage) and a clerk of a member Kreis without a function; an outsider Kreis."""
    kreise = [BodyFactory(landkreis=True, name=f"Landkreis {n}") for n in ("Nord", "Mitte", "Süd")]
    other = BodyFactory(landkreis=True, name="Landkreis Fremd")
    coordinator = UserFactory()
    alliance: Any = AllianceFactory(members=kreise, coordinator=coordinator)
    staff = Staff.objects.create(name="Gemeinsamer Verwaltungsstab", alliance=alliance)
    lead = UserFactory(staff_of=kreise[0], first_name="Lea", last_name="Leitung")
    kgs = UserFactory(staff_of=kreise[1], first_name="Karl", last_name="Koordinator")
    s2 = UserFactory(staff_of=kreise[2], first_name="Sina", last_name="Lage")
    world = SimpleNamespace(
        kreise=kreise,
        other=other,
        alliance=alliance,
        coordinator=coordinator,
        staff=staff,
        lead=lead,
        kgs=kgs,
        s2=s2,
        clerk=UserFactory(staff_of=kreise[0]),
        outsider=UserFactory(staff_of=other),
        head=UserFactory(head_of=kreise[0]),
    )
    position(staff, lead, StaffFunction.LDS, body=kreise[0])
    position(staff, kgs, StaffFunction.KGS, body=kreise[1])
    position(staff, s2, StaffFunction.S2, body=kreise[2])
    return world
