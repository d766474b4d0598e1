"""Coordination, actors and audit scope of the alliance services: sharing the coordination only with
staff of members (the operator: anyone), handing it over, never leaving an alliance without one; a
string or anonymous actor is a TypeError, a system actor needs ``alliances.manage``; audit entries
carry the alliance and, for memberships, the member body."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from verbund.alliances import services
from verbund.alliances.models import (
    Alliance,
    AllianceRole,
    DecidingOrgan,
    MemberRole,
    Membership,
    Status,
    StatusChange,
)
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid

from .test_services import REFUSED, TODAY, audit

pytestmark = pytest.mark.django_db


def test_coordinators_share_only_with_staff_of_members(world: SimpleNamespace, alliance: Alliance) -> None:
    # the outsider's clerk works for no member body: a coordinator cannot name them …
    with pytest.raises(Invalid) as excinfo:
        services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=world.clerk_outsider)
    assert "keine Mitgliedskörperschaft" in str(excinfo.value) and "user" in excinfo.value.fields
    # … the operator can name anyone
    services.coordinator_assign(actor=world.operator, alliance=alliance, user=world.clerk_outsider)
    assert AllianceRole.objects.filter(alliance=alliance, user=world.clerk_outsider).exists()
    world.nobody.is_active = False
    world.nobody.save()
    with pytest.raises(Invalid):
        services.coordinator_assign(actor=world.operator, alliance=alliance, user=world.nobody)
    with pytest.raises(Conflict):
        services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=world.clerk_outsider)


def test_coordinator_hands_over(world: SimpleNamespace, alliance: Alliance) -> None:
    # only a coordinator hands over (the operator changes, but does not coordinate)
    with pytest.raises(Forbidden):
        services.coordinator_handover(actor=world.operator, alliance=alliance, user=world.clerk_a)
    with pytest.raises(Invalid):
        services.coordinator_handover(actor=world.coordinator, alliance=alliance, user=world.coordinator)
    services.coordinator_handover(actor=world.coordinator, alliance=alliance, user=world.clerk_a)
    assert list(AllianceRole.objects.filter(alliance=alliance).values_list("user__username", flat=True)) == [
        "sachbearbeitung.a"
    ]
    # the old coordinator can no longer act; the new one cannot leave the alliance without anyone
    with pytest.raises(Forbidden):
        services.alliance_update(actor=world.coordinator, alliance=alliance, data={"short_name": "X"})
    with pytest.raises(Conflict) as excinfo:
        services.coordinator_revoke(actor=world.clerk_a, alliance=alliance, user=world.clerk_a)
    assert "mindestens eine Koordination" in str(excinfo.value)
    assert [e.changes["coordinator"] for e in audit(alliance, "alliance.coordinator_assign")] == [
        "sachbearbeitung.a"
    ]
    assert [e.changes["coordinator"] for e in audit(alliance, "alliance.coordinator_revoke")] == [
        "koordination"
    ]
    # a handover to someone who already coordinates just ends one's own role
    services.coordinator_assign(actor=world.clerk_a, alliance=alliance, user=world.head_b)
    services.coordinator_handover(actor=world.clerk_a, alliance=alliance, user=world.head_b)
    assert list(AllianceRole.objects.filter(alliance=alliance).values_list("user__username", flat=True)) == [
        "leitung.b"
    ]


# --- actors --------------------------------------------------------------------------------------------


def test_a_string_or_anonymous_actor_is_a_type_error(world: SimpleNamespace, alliance: Alliance) -> None:
    from django.contrib.auth.models import AnonymousUser

    for actor in ("load_demo", None, AnonymousUser()):
        with pytest.raises(TypeError):
            services.alliance_update(actor=actor, alliance=alliance, data={"short_name": "X"})  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            services.alliance_create(actor=actor, name="Neu")  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()


def test_a_system_actor_needs_the_capability(world: SimpleNamespace, alliance: Alliance) -> None:
    from verbund.alliances.policies import MANAGE
    from verbund.common.actors import SystemActor

    feed = SystemActor(name="Feed", capabilities=frozenset({"registry.import"}))
    for call in (
        lambda: services.alliance_create(actor=feed, name="Neu"),
        lambda: services.alliance_update(actor=feed, alliance=alliance, data={"short_name": "X"}),
        lambda: services.alliance_transition(actor=feed, alliance=alliance, to_status=Status.ANBAHNUNG),
        lambda: services.member_add(actor=feed, alliance=alliance, body=world.vg_c),
        lambda: services.coordinator_assign(actor=feed, alliance=alliance, user=world.clerk_a),
    ):
        with pytest.raises(Forbidden):
            call()
    demo = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))
    created = services.alliance_create(
        actor=demo, name="Vom System", created_at=timezone.now() - dt.timedelta(days=400)
    )
    assert not AllianceRole.objects.filter(alliance=created).exists()  # a system actor coordinates nothing
    (start,) = StatusChange.objects.filter(alliance=created)
    assert start.changed_by is None
    assert timezone.localdate(start.changed_at) == TODAY() - dt.timedelta(days=400)
    services.member_add(actor=demo, alliance=alliance, body=world.vg_c, joined_on=dt.date(2024, 5, 1))
    (entry,) = audit(alliance, "alliance.member_add")
    assert entry.actor_label == "Demodaten" and entry.is_system and entry.actor is None
    with pytest.raises(REFUSED):
        services.alliance_transition(
            actor=demo,
            alliance=alliance,
            to_status=Status.ANBAHNUNG,
            changed_at=timezone.now() + dt.timedelta(days=1),
        )


def test_audit_entries_carry_the_alliance_and_member_body(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(actor=world.coordinator, alliance=alliance, data={"short_name": "Cyber"})
    services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.ANBAHNUNG)
    membership = services.member_add(actor=world.coordinator, alliance=alliance, body=world.vg_c)
    services.member_set_role(actor=world.coordinator, membership=membership, role=MemberRole.FEDERFUEHREND)
    services.membership_confirm(
        actor=world.head_a, membership=Membership.objects.get(alliance=alliance, body=world.vg_a)
    )
    services.member_remove(actor=world.coordinator, membership=membership)
    services.resolution_record(
        actor=world.head_a,
        alliance=alliance,
        body=world.vg_a,
        decided_on=dt.date(2025, 11, 20),
        decided_by=DecidingOrgan.VERBANDSGEMEINDERAT,
        subject="Beitritt",
    )
    services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=world.clerk_a)
    entries = AuditEntry.objects.filter(alliance_id=alliance.pk)
    assert entries.count() == 8
    by_action = {e.action: e for e in entries}
    for action in ("alliance.update", "alliance.transition", "alliance.coordinator_assign"):
        assert by_action[action].body_id is None
    for action in ("alliance.member_add", "alliance.member_set_role", "alliance.member_remove"):
        assert by_action[action].body_id == world.vg_c.pk
        assert by_action[action].object_repr == world.vg_c.name
    assert by_action["alliance.membership_confirm"].body_id == world.vg_a.pk
    assert by_action["alliance.resolution_record"].body_id == world.vg_a.pk
