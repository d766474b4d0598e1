"""Demo users: one per role of ARCHITECTURE.md (a head and a clerk per body passed in), all with the
demo password, created through the audited services, and a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts.access import body_roles, has_role, is_operator, platform_roles
from verbund.accounts.demo import DEMO_PASSWORD, ensure_demo_users
from verbund.accounts.models import Role, RoleAssignment, User
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
    assert is_operator(users["betrieb"]) and users["betrieb"].is_staff
    assert platform_roles(users["beratung"]) == {Role.BERATUNGSSTELLE}
    assert platform_roles(users["foerderung"]) == {Role.BEWILLIGUNGSBEHOERDE}
    assert body_roles(users["leitung.landstuhl"]) == {body.pk: {Role.VERWALTUNGSLEITUNG}}
    assert body_roles(users["sachbearbeitung.ramstein-miesenbach"]) == {other_body.pk: {Role.SACHBEARBEITUNG}}
    assert not has_role(users["sachbearbeitung.landstuhl"], Role.SACHBEARBEITUNG, body=other_body)
    assert AuditEntry.objects.filter(actor_label="load_demo", action="user.create").count() == len(names)
    assert AuditEntry.objects.filter(actor_label="load_demo", action="role.assign").count() == len(names)


def test_second_run_changes_nothing(body: Any) -> None:
    first = ensure_demo_users(bodies={"landstuhl": body})
    counts = (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count())
    assert ensure_demo_users(bodies={"landstuhl": body}) == first
    assert (User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()) == counts


def test_a_changed_password_is_reset(body: Any) -> None:
    ensure_demo_users(bodies={"landstuhl": body})
    user = User.objects.get(username="leitung.landstuhl")
    user.set_password("etwas-anderes-99")
    user.is_active = False
    user.save()
    ensure_demo_users(bodies={"landstuhl": body})
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD) and user.is_active
    assert AuditEntry.objects.filter(action="user.set_password", object_id=str(user.pk)).count() == 1


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
