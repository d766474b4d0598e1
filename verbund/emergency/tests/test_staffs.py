"""Staffs, positions and the duty roster: who may create and change them, the sending body, and the
roster's rules (end after start, no overlapping shifts of one person, substitutes from a neighbouring
member Kreis). Every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency.models import Position, PositionRole, Shift, Staff, StaffFunction
from verbund.emergency.services import staffs
from verbund.registry.models import BodyNeighbour
from verbund.registry.tests.factories import BodyFactory

from .factories import joint_staff_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return joint_staff_world()


def _at(hours: float) -> dt.datetime:
    base = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return base + dt.timedelta(hours=hours)


def test_a_body_staff_is_created_by_its_head_only(world) -> None:
    kreis = world.kreise[0]
    staff = staffs.staff_create(actor=world.head, name="Verwaltungsstab Nord", body=kreis)
    assert staff.body == kreis and not staff.is_joint
    assert AuditEntry.objects.filter(action="emergency.staff_create", object_id=str(staff.pk)).exists()
    for person in (world.clerk, world.coordinator, world.outsider):
        with pytest.raises(Forbidden):
            staffs.staff_create(actor=person, name="Stab", body=kreis)


def test_a_joint_staff_is_created_by_the_coordinators(world) -> None:
    staff = staffs.staff_create(actor=world.coordinator, name="Gemeinsamer Stab 2", alliance=world.alliance)
    assert staff.is_joint
    with pytest.raises(Forbidden):
        staffs.staff_create(actor=world.head, name="Gemeinsamer Stab 3", alliance=world.alliance)
    with pytest.raises(Invalid) as refused:
        staffs.staff_create(actor=world.coordinator, name=" ", alliance=world.alliance)
    assert "name" in refused.value.fields


def test_positions_are_set_and_ended_by_leaders_with_a_member_body(world) -> None:
    person = UserFactory(staff_of=world.kreise[1])
    position = staffs.position_set(
        actor=world.lead,
        staff=world.staff,
        function=StaffFunction.S4,
        person=person,
        body=world.kreise[1],
        phone="06352 1234",
    )
    assert position.role == PositionRole.HOLDER
    assert AuditEntry.objects.filter(action="emergency.position_set").count() == 1
    # the body must be a member of the alliance
    with pytest.raises(Invalid) as refused:
        staffs.position_set(
            actor=world.lead, staff=world.staff, function=StaffFunction.S1, person=person, body=world.other
        )
    assert "body" in refused.value.fields
    # the same person, function and role twice at the same time
    with pytest.raises(Invalid):
        staffs.position_set(
            actor=world.coordinator,
            staff=world.staff,
            function=StaffFunction.S4,
            person=person,
            body=world.kreise[1],
        )
    # S2 does not lead the staff
    with pytest.raises(Forbidden):
        staffs.position_set(
            actor=world.s2, staff=world.staff, function=StaffFunction.S5, person=person, body=world.kreise[1]
        )
    ended = staffs.position_end(actor=world.lead, position=position)
    assert ended.ends_on == timezone.localdate()
    with pytest.raises(Conflict):
        staffs.position_end(
            actor=world.lead, position=position, ends_on=timezone.localdate() + dt.timedelta(days=3)
        )
    assert AuditEntry.objects.filter(action="emergency.position_end").count() == 1


def test_a_staff_is_seen_by_members_and_leaders_only(world) -> None:
    assert staffs.get_staff(world.s2, world.staff.pk) == world.staff
    assert staffs.get_staff(world.coordinator, world.staff.pk) == world.staff
    for person in (world.clerk, world.outsider, world.head):
        with pytest.raises(NotFound):
            staffs.get_staff(person, world.staff.pk)
    assert list(staffs.visible_staffs(world.clerk)) == []
    assert list(staffs.visible_staffs(world.kgs)) == [world.staff]


def test_a_shift_ends_after_it_starts(world) -> None:
    with pytest.raises(Invalid) as refused:
        staffs.shift_add(
            actor=world.lead,
            staff=world.staff,
            function=StaffFunction.S2,
            person=world.s2,
            body=world.kreise[2],
            starts_at=_at(8),
            ends_at=_at(6),
        )
    assert "ends_at" in refused.value.fields
    assert not Shift.objects.exists()


def test_one_person_has_no_overlapping_shifts(world) -> None:
    first = staffs.shift_add(
        actor=world.lead,
        staff=world.staff,
        function=StaffFunction.S2,
        person=world.s2,
        body=world.kreise[2],
        starts_at=_at(6),
        ends_at=_at(14),
        reachable="0171 555",
    )
    with pytest.raises(Invalid) as refused:
        staffs.shift_add(
            actor=world.lead,
            staff=world.staff,
            function=StaffFunction.S3,
            person=world.s2,
            body=world.kreise[2],
            starts_at=_at(13),
            ends_at=_at(20),
        )
    assert "starts_at" in refused.value.fields
    # back to back is fine, and another person at the same time too
    staffs.shift_add(
        actor=world.lead,
        staff=world.staff,
        function=StaffFunction.S2,
        person=world.s2,
        body=world.kreise[2],
        starts_at=_at(14),
        ends_at=_at(22),
    )
    staffs.shift_add(
        actor=world.lead,
        staff=world.staff,
        function=StaffFunction.KGS,
        person=world.kgs,
        body=world.kreise[1],
        starts_at=_at(6),
        ends_at=_at(14),
    )
    rows = staffs.roster(world.staff, since=_at(0))
    assert [r.function for r in rows] == [StaffFunction.KGS, StaffFunction.S2]
    assert rows[1].shifts[0] == first and len(rows[1].shifts) == 2
    assert AuditEntry.objects.filter(action="emergency.shift_set").count() == 3
    with pytest.raises(Forbidden):
        staffs.shift_remove(actor=world.s2, shift=first)
    staffs.shift_remove(actor=world.lead, shift=first)
    assert Shift.objects.count() == 2


def test_a_substitute_comes_from_a_neighbouring_member_kreis(world) -> None:
    absent = Position.objects.get(staff=world.staff, person=world.s2)  # S2 of Süd
    substitute = UserFactory(staff_of=world.kreise[0])
    far = UserFactory(staff_of=world.kreise[1])
    kwargs = {
        "actor": world.lead,
        "staff": world.staff,
        "function": StaffFunction.S2,
        "starts_at": _at(6),
        "ends_at": _at(14),
        "substitutes": absent,
    }
    # from the absent person's own Kreis: no substitution across borders
    with pytest.raises(Invalid) as refused:
        staffs.shift_add(person=substitute, body=world.kreise[2], **kwargs)
    assert "body" in refused.value.fields
    # another function than the absent one's
    with pytest.raises(Invalid):
        staffs.shift_add(person=substitute, body=world.kreise[0], **{**kwargs, "function": StaffFunction.S3})
    # the registry knows Süd's neighbours: Nord is one, Mitte is not
    BodyNeighbour.objects.create(body=world.kreise[2], neighbour=world.kreise[0], shared_border_m=1200)
    BodyNeighbour.objects.create(body=world.kreise[0], neighbour=world.kreise[2], shared_border_m=1200)
    with pytest.raises(Invalid):
        staffs.shift_add(person=far, body=world.kreise[1], **kwargs)
    shift = staffs.shift_add(person=substitute, body=world.kreise[0], **kwargs)
    assert shift.substitutes == absent
    assert list(staffs.substitutes_now(world.staff, at=_at(7))) == [shift]


def test_body_staff_takes_people_of_its_body_only(world) -> None:
    kreis = world.kreise[0]
    staff = Staff.objects.create(name="Stab Nord", body=kreis)
    elsewhere: Any = BodyFactory(landkreis=True)
    with pytest.raises(Invalid):
        staffs.position_set(
            actor=world.head, staff=staff, function=StaffFunction.LDS, person=world.clerk, body=elsewhere
        )
    staffs.position_set(
        actor=world.head, staff=staff, function=StaffFunction.LDS, person=world.clerk, body=kreis
    )
    assert staffs.get_staff(world.clerk, staff.pk) == staff
