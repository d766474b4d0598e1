"""The admin for accounts: pages render for operators; roles added or removed there go through the
services (audited, checked); user edits are audited without secrets; API tokens can be listed and
revoked but not added, edited or deleted, and their digest is never shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from verbund.accounts.models import ApiToken, Role, RoleAssignment, User
from verbund.accounts.services import token_issue
from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, db: Any) -> Client:
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def test_pages_render(admin_client: Client, head: Any) -> None:
    token, plaintext = token_issue(actor=head, user=head, name="Kasse")
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[head.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_roleassignment_changelist"),
        reverse("admin:accounts_roleassignment_add"),
        reverse("admin:accounts_apitoken_changelist"),
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert token.digest not in html and plaintext not in html


def test_role_added_in_admin_goes_through_the_service(
    admin_client: Client, body: Any, plain_user: Any
) -> None:
    response = admin_client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": plain_user.pk, "role": Role.SACHBEARBEITUNG, "body": body.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=plain_user)
    entry = AuditEntry.objects.get(action="role.assign")
    assert entry.actor_label == "root" and entry.object_id == str(assignment.pk)


def test_role_deleted_in_admin_is_revoked_through_the_service(admin_client: Client, clerk: Any) -> None:
    assignment = RoleAssignment.objects.get(user=clerk)
    url = reverse("admin:accounts_roleassignment_delete", args=[assignment.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.get(action="role.revoke").changes["user"] == "sachbearbeitung"


def _change_form(user: User, **extra: Any) -> dict[str, Any]:
    """The POST data of the admin's change form for ``user`` as it stands (no inline changes)."""
    joined = timezone.localtime(user.date_joined)
    assignments = list(RoleAssignment.objects.filter(user=user))
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.strftime("%d.%m.%Y"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        # The admin compares fields with a callable default against these hidden initial values.
        "initial-date_joined_0": joined.strftime("%d.%m.%Y"),
        "initial-date_joined_1": joined.strftime("%H:%M:%S"),
        "role_assignments-TOTAL_FORMS": str(len(assignments)),
        "role_assignments-INITIAL_FORMS": str(len(assignments)),
        "api_tokens-TOTAL_FORMS": "0",
        "api_tokens-INITIAL_FORMS": "0",
    }
    for i, assignment in enumerate(assignments):
        data[f"role_assignments-{i}-id"] = assignment.pk
        data[f"role_assignments-{i}-user"] = user.pk
    data.update(extra)
    return data


def test_user_edit_is_audited(admin_client: Client, clerk: Any) -> None:
    url = reverse("admin:accounts_user_change", args=[clerk.pk])
    response = admin_client.post(url, _change_form(clerk, first_name="Klara"))
    assert response.status_code == 302, response.content.decode()[:3000]
    clerk.refresh_from_db()
    assert clerk.first_name == "Klara"
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.changes == {"first_name": ["Erika", "Klara"]}
    # Saving without a change records nothing.
    assert admin_client.post(url, _change_form(clerk)).status_code == 302
    assert AuditEntry.objects.filter(action="admin.change").count() == 1


def test_role_added_as_user_inline_is_audited(admin_client: Client, clerk: Any, other_body: Any) -> None:
    url = reverse("admin:accounts_user_change", args=[clerk.pk])
    data = _change_form(
        clerk,
        **{
            "role_assignments-TOTAL_FORMS": "2",
            "role_assignments-0-DELETE": "on",
            "role_assignments-1-user": clerk.pk,
            "role_assignments-1-role": Role.VERWALTUNGSLEITUNG,
            "role_assignments-1-body": other_body.pk,
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(RoleAssignment.objects.filter(user=clerk).values_list("role", "body")) == [
        (Role.VERWALTUNGSLEITUNG, other_body.pk)
    ]
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["role.assign", "role.revoke"]


def test_password_change_in_admin_is_audited_without_the_password(admin_client: Client, clerk: Any) -> None:
    url = reverse("admin:auth_user_password_change", args=[clerk.pk])
    response = admin_client.post(
        url,
        {"password1": "neues-admin-passwort", "password2": "neues-admin-passwort", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    clerk.refresh_from_db()
    assert clerk.check_password("neues-admin-passwort")
    entry = AuditEntry.objects.get(action="user.set_password")
    assert entry.changes == {"password": "geändert"}


def test_user_added_in_admin_is_audited(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "neu",
            "password1": "ein-gutes-passwort",
            "password2": "ein-gutes-passwort",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="neu")
    entry = AuditEntry.objects.get(action="admin.add")
    assert entry.object_id == str(user.pk)
    assert entry.changes["password"] == "geändert"
    assert "ein-gutes-passwort" not in str(entry.changes)


def test_tokens_cannot_be_added_changed_or_deleted(admin_client: Client, head: Any) -> None:
    token, _ = token_issue(actor=head, user=head, name="Kasse")
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:accounts_apitoken_change", args=[token.pk]), {"name": "x"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    token.refresh_from_db()
    assert token.name == "Kasse"


def test_tokens_are_revoked_by_an_admin_action(admin_client: Client, head: Any) -> None:
    token, _ = token_issue(actor=head, user=head, name="Kasse")
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.get(action="token.revoke").actor_label == "root"
    assert ApiToken.objects.active().count() == 0


def _staff_operator(client: Client) -> Client:
    """A Plattformbetrieb account with admin access and every Django permission on users, but no
    superuser: the admin must still follow the accounts policies."""
    from django.contrib.auth.models import Permission

    operator = UserFactory.create(username="betrieb.admin", operator=True, is_staff=True)
    operator.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(operator)
    return client


def test_operator_in_admin_cannot_make_superusers_or_take_one_over(client: Client, head: Any) -> None:
    client = _staff_operator(client)
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)

    page = client.get(reverse("admin:accounts_user_change", args=[head.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert 'name="is_staff"' in page  # the operator gives admin access

    root_page = client.get(reverse("admin:accounts_user_change", args=[root.pk])).content.decode()
    assert 'name="is_active"' not in root_page and 'name="email"' not in root_page

    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "ein-ganz-neues-Passwort-9", "password2": "ein-ganz-neues-Passwort-9"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert not root.check_password("ein-ganz-neues-Passwort-9")


def test_superuser_keeps_every_admin_field(admin_client: Client, head: Any) -> None:
    page = admin_client.get(reverse("admin:accounts_user_change", args=[head.pk])).content.decode()
    assert 'name="is_superuser"' in page and 'name="is_staff"' in page
