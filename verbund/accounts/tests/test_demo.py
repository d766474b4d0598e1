"""Demo users: one per role of ARCHITECTURE.md (a head and a clerk per body passed in), all with the
demo password and an ``@verbund.invalid`` address, created through the audited services by the
system actor "Demodaten"; a second run changes nothing, and what users changed in between survives
(a new password, a lock, a revoked role, a new name)."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts.demo import ACTOR, DEMO_PASSWORD, ensure_demo_user, ensure_demo_users
from verbund.accounts.models import Role, RoleAssignment, User
from verbund.accounts.principal import principal_for
from verbund.accounts.services import role_revoke, user_deactivate, user_set_password, user_update
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


def test_users_for_every_role(body: Any, other_body: Any) -> None:
    rows = ensure_demo_users(bodies={"landstuhl": body, "ramstein-miesenbach": other_body})
    names = [row[0] for row in rows]
    assert names == [
        "betrieb",
        "beratung",
        "foerderung",
        "leitung.landstuhl",
        "sachbearbeitung.landstuhl",
        "leitung.ramstein-miesenbach",
        "sachbearbeitung.ramstein-miesenbach",
    ]
    assert {row[1] for row in rows} == {DEMO_PASSWORD}
    assert all(row[2] for row in rows)
    users = {u.username: u for u in User.objects.all()}
    assert all(users[name].check_password(DEMO_PASSWORD) for name in names)
    assert all(users[name].email == f"{name}@verbund.invalid" for name in names)
    betrieb = principal_for(users["betrieb"])
    assert betrieb.is_operator and users["betrieb"].is_staff
    assert principal_for(users["beratung"]).platform_roles == {Role.BERATUNGSSTELLE}
    assert principal_for(users["foerderung"]).platform_roles == {Role.BEWILLIGUNGSBEHOERDE}
    assert principal_for(users["leitung.landstuhl"]).body_roles == {body.pk: {Role.VERWALTUNGSLEITUNG}}
    assert principal_for(users["sachbearbeitung.ramstein-miesenbach"]).body_roles == {
        other_body.pk: {Role.SACHBEARBEITUNG}
    }
    assert not principal_for(users["sachbearbeitung.landstuhl"]).works_for(other_body.pk)
    assert AuditEntry.objects.filter(actor_label="Demodaten", action="user.create").count() == len(names)
    assert AuditEntry.objects.filter(actor_label="Demodaten", action="role.assign").count() == len(names)
    # Role entries carry the body they concern.
    assert AuditEntry.objects.filter(action="role.assign", body_id=body.pk).count() == 2


def test_second_run_changes_nothing(body: Any) -> None:
    first = ensure_demo_users(bodies={"landstuhl": body})
    counts = (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count())
    assert ensure_demo_users(bodies={"landstuhl": body}) == first
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == counts


def test_user_edits_survive_a_second_run(body: Any) -> None:
    ensure_demo_users(bodies={"landstuhl": body})
    head = User.objects.get(username="leitung.landstuhl")
    clerk = User.objects.get(username="sachbearbeitung.landstuhl")
    adviser = User.objects.get(username="beratung")
    # What people do between two runs: a new password, a new name, a lock, a revoked role.
    user_set_password(actor=head, user=head, password="etwas-anderes-99")
    user_update(actor=head, user=head, last_name="Umbenannt", email="leitung@landstuhl.example")
    user_deactivate(actor=head, user=clerk)
    role_revoke(actor=ACTOR, assignment=RoleAssignment.objects.get(user=adviser))
    entries = AuditEntry.objects.count()

    ensure_demo_users(bodies={"landstuhl": body})

    head.refresh_from_db()
    clerk.refresh_from_db()
    assert head.check_password("etwas-anderes-99") and not head.check_password(DEMO_PASSWORD)
    assert (head.last_name, head.email) == ("Umbenannt", "leitung@landstuhl.example")
    assert not clerk.is_active
    assert not RoleAssignment.objects.filter(user=adviser).exists()
    assert AuditEntry.objects.count() == entries


def test_other_parts_demo_users_are_left_alone_too(body: Any, other_body: Any) -> None:
    user = ensure_demo_user(
        username="koordination", first_name="K", last_name="K", roles=[(Role.SACHBEARBEITUNG, body)]
    )
    again = ensure_demo_user(
        username="koordination", first_name="X", last_name="Y", roles=[(Role.SACHBEARBEITUNG, other_body)]
    )
    assert again == user and again.first_name == "K"
    assert list(RoleAssignment.objects.filter(user=user).values_list("body", flat=True)) == [body.pk]


def test_body_names_become_safe_user_names(body: Any) -> None:
    rows = ensure_demo_users(bodies={"VG Zweibrücken-Land": body})
    assert "leitung.vg-zweibrucken-land" in [row[0] for row in rows]


def test_registry_keys_become_body_names(body: Any, other_body: Any) -> None:
    twin = BodyFactory.create(verbandsgemeinde=True, name=body.name)
    rows = ensure_demo_users(bodies={"073355011": body, other_body.key: other_body, twin.key: twin})
    names = [row[0] for row in rows]
    assert "leitung.verbandsgemeinde-landstuhl" in names
    assert "sachbearbeitung.verbandsgemeinde-ramstein-miesenbach" in names
    assert f"leitung.verbandsgemeinde-landstuhl-{twin.ars}" in names
    assert len(set(names)) == len(names)
