"""The audit log is append-only through the application: saving a stored entry, deleting one, and
QuerySet update/delete/bulk_update all raise; deleting a user keeps their entries; the admin shows
entries read-only and refuses add, change and delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.audit.services import audit_record
from verbund.common.actors import SystemActor
from verbund.common.models import AppendOnlyError as AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(db: Any) -> AuditEntry:
    return audit_record(
        actor=SystemActor(name="Test"),
        action="user.update",
        object_type="x.y",
        object_id="1",
        changes={"a": [1, 2]},
    )


def test_save_of_a_stored_entry_raises(entry: AuditEntry) -> None:
    entry.action = "user.create"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "user.update"


def test_delete_raises(entry: AuditEntry) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_bulk_update_raise(entry: AuditEntry) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="user.create")
    entry.action = "user.create"
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "user.update"


def test_deleting_a_user_keeps_their_entries(db: Any) -> None:
    user = UserFactory.create(username="weg")
    entry = audit_record(actor=user, action="user.update", object_type="x.y")
    user.delete()
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor is None and kept.actor_label == "weg"


def test_admin_is_read_only(client: Client, entry: AuditEntry) -> None:
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    view = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "user.create"})
    assert change.status_code == 403
    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEntry.objects.get(pk=entry.pk).action == "user.update"


def test_admin_hides_the_log_from_staff_without_operator_role(client: Client, entry: AuditEntry) -> None:
    client.force_login(UserFactory.create(username="staff", is_staff=True))
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 403
