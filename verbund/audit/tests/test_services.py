"""audit_record: who (a user or a system actor, never a string), a declared action (an unknown one
raises), which object, its scope (body, alliance), and JSON-safe changes; diff_fields reports only
the fields whose value changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.actions import UnknownAuditAction, audit_action
from verbund.audit.models import AuditEntry
from verbund.audit.services import audit_record, diff_fields
from verbund.common.actors import SystemActor
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
SYSTEM = SystemActor(name="Registerimport")


def test_actor_is_a_user_or_a_system_actor(db: Any) -> None:
    user = UserFactory.create(username="erika")
    entry = audit_record(actor=user, action="user.update")
    assert (entry.actor_label, entry.actor, entry.is_system) == ("erika", user, False)
    system = audit_record(actor=SYSTEM, action="user.update")
    assert (system.actor_label, system.actor, system.is_system) == ("Registerimport", None, True)
    for wrong in ("import_registry", None, AnonymousUser()):
        with pytest.raises(TypeError):
            audit_record(actor=wrong, action="user.update")  # type: ignore[arg-type]


def test_unknown_action_raises(db: Any) -> None:
    with pytest.raises(UnknownAuditAction):
        audit_record(actor=SYSTEM, action="thing.undeclared")
    assert not AuditEntry.objects.exists()
    with pytest.raises(ValueError):
        audit_action("nodot", "hat etwas getan")
    with pytest.raises(ValueError):
        audit_action("user.update", "ein anderer Satz")


def test_scope_comes_from_the_target_or_is_given(db: Any) -> None:
    vg1, vg2 = BodyFactory.create(verbandsgemeinde=True), BodyFactory.create(verbandsgemeinde=True)
    alliance = AllianceFactory.create(members=[vg1, vg2])
    on_alliance = audit_record(actor=SYSTEM, action="alliance.update", target=alliance)
    assert (on_alliance.alliance_id, on_alliance.body_id) == (alliance.pk, None)
    on_body = audit_record(actor=SYSTEM, action="role.assign", target=vg1)
    assert (on_body.alliance_id, on_body.body_id) == (None, vg1.pk)
    membership = alliance.memberships.first()
    on_member = audit_record(actor=SYSTEM, action="alliance.member_add", target=membership)
    assert on_member.alliance_id == alliance.pk
    given = audit_record(
        actor=SYSTEM, action="alliance.member_add", object_type="x.y", alliance=alliance, body=vg2
    )
    assert (given.alliance_id, given.body_id) == (alliance.pk, vg2.pk)


def test_target_fills_object_fields_and_changes_are_json_safe(db: Any) -> None:
    user = UserFactory.create(username="ziel")
    entry = audit_record(
        actor=SYSTEM,
        action="user.update",
        target=user,
        changes={"amount": [Decimal("1.10"), Decimal("2.20")], "on": dt.date(2025, 1, 31), "who": user},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.object_type, stored.object_id, stored.object_repr) == (
        "accounts.user",
        str(user.pk),
        str(user),
    )
    assert stored.changes == {"amount": ["1.10", "2.20"], "on": "2025-01-31", "who": str(user)}
    assert list(AuditEntry.objects.for_object(user)) == [stored]


def test_diff_fields(db: Any) -> None:
    user = UserFactory.create(first_name="A", last_name="B")
    assert diff_fields(user, {"first_name": "A", "last_name": "C"}) == {"last_name": ["B", "C"]}
    assert diff_fields(user, {"first_name": "Z", "last_name": "C"}, fields=["first_name"]) == {
        "first_name": ["A", "Z"]
    }
