"""audit_record: who (a user, a system label, or "System"), which object, and JSON-safe changes;
diff_fields reports only the fields whose value changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.audit.services import SYSTEM, audit_record, diff_fields

pytestmark = pytest.mark.django_db


def test_actor_is_user_label_or_system(db: Any) -> None:
    user = UserFactory.create(username="erika")
    assert (audit_record(actor=user, action="a").actor_label, audit_record(actor=user, action="a").actor) == (
        "erika",
        user,
    )
    assert audit_record(actor="import_registry", action="a").actor_label == "import_registry"
    assert audit_record(actor=None, action="a").actor_label == SYSTEM
    assert audit_record(actor=AnonymousUser(), action="a").actor_label == SYSTEM


def test_target_fills_object_fields_and_changes_are_json_safe(db: Any) -> None:
    user = UserFactory.create(username="ziel")
    entry = audit_record(
        actor="t",
        action="thing_do",
        target=user,
        changes={"amount": [Decimal("1.10"), Decimal("2.20")], "on": dt.date(2025, 1, 31), "who": user},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.object_type, stored.object_id, stored.object_repr) == (
        "accounts.user",
        str(user.pk),
        str(user),
    )
    assert stored.changes == {"amount": ["1.10", "2.20"], "on": "2025-01-31", "who": str(user.pk)}
    assert list(AuditEntry.objects.for_object(user)) == [stored]


def test_diff_fields(db: Any) -> None:
    user = UserFactory.create(first_name="A", last_name="B")
    assert diff_fields(user, {"first_name": "A", "last_name": "C"}) == {"last_name": ["B", "C"]}
    assert diff_fields(user, {"first_name": "Z", "last_name": "C"}, fields=["first_name"]) == {
        "first_name": ["A", "Z"]
    }
