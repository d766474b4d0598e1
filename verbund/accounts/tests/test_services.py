"""Services of accounts: who may create users, assign and revoke roles, issue and revoke tokens;
that every write leaves one audit record in its transaction (none when refused) and that a token is
stored only as its SHA-256 digest."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from verbund.accounts.access import has_role
from verbund.accounts.models import ApiToken, Role, RoleAssignment, User
from verbund.accounts.services import (
    role_assign,
    role_revoke,
    token_issue,
    token_revoke,
    user_create,
    user_set_password,
    user_update,
)
from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_user_create_by_operator_is_audited(operator: Any) -> None:
    user = user_create(
        username="neu",
        password="ein-langes-passwort",
        email="Neu@Example.ORG",
        first_name="Nele",
        last_name="Neumann",
        acting_user=operator,
    )
    assert user.check_password("ein-langes-passwort")
    assert user.email == "Neu@example.org"
    entry = AuditEntry.objects.for_object(user).get()
    assert (entry.action, entry.actor, entry.actor_label) == ("user.create", operator, "betrieb")
    assert entry.changes["username"] == "neu"
    assert entry.changes["password"] == "gesetzt"
    assert "ein-langes-passwort" not in str(entry.changes)


def test_user_create_without_password_cannot_log_in(db: Any) -> None:
    user = user_create(username="nur.sso", acting_user="oidc")
    assert not user.has_usable_password()
    assert AuditEntry.objects.for_object(user).get().actor_label == "oidc"


@pytest.mark.parametrize("who", ["clerk", "plain_user", "anonymous"])
def test_user_create_refused_for_others(who: str, request: Any) -> None:
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        user_create(username="neu", acting_user=actor)
    assert not User.objects.filter(username="neu").exists()
    assert not AuditEntry.objects.filter(action="user.create").exists()


def test_head_creates_users_but_not_staff_or_superusers(head: Any) -> None:
    assert user_create(username="neu", acting_user=head).username == "neu"
    with pytest.raises(PermissionDenied):
        user_create(username="neu2", is_staff=True, acting_user=head)
    with pytest.raises(PermissionDenied):
        user_create(username="neu3", is_superuser=True, acting_user=head)


def test_user_create_validates_and_rolls_back(operator: Any) -> None:
    with pytest.raises(ValidationError):
        user_create(username="kurz", password="123", acting_user=operator)
    with pytest.raises(ValidationError):
        user_create(username="betrieb", acting_user=operator)  # taken
    with pytest.raises(ValidationError):
        user_create(username="mit leerzeichen", acting_user=operator)
    assert AuditEntry.objects.count() == 0


def test_user_update_records_only_changes(clerk: Any, operator: Any) -> None:
    user_update(user=clerk, first_name=clerk.first_name, acting_user=clerk)
    assert AuditEntry.objects.count() == 0
    user_update(user=clerk, first_name="Klara", acting_user=clerk)
    entry = AuditEntry.objects.get()
    assert entry.changes == {"first_name": ["Erika", "Klara"]}
    clerk.refresh_from_db()
    assert clerk.first_name == "Klara"
    with pytest.raises(PermissionDenied):
        user_update(user=clerk, is_active=False, acting_user=clerk)
    user_update(user=clerk, is_active=False, acting_user=operator)
    clerk.refresh_from_db()
    assert not clerk.is_active


def test_user_update_of_someone_else_refused(clerk: Any, head: Any) -> None:
    with pytest.raises(PermissionDenied):
        user_update(user=head, last_name="X", acting_user=clerk)


def test_user_set_password(clerk: Any, head: Any) -> None:
    user_set_password(user=clerk, password="ganz-neues-passwort", acting_user=clerk)
    clerk.refresh_from_db()
    assert clerk.check_password("ganz-neues-passwort")
    assert AuditEntry.objects.get().changes == {"password": "geändert"}
    with pytest.raises(PermissionDenied):
        user_set_password(user=clerk, password="anderes-passwort-1", acting_user=head)


def test_head_assigns_and_revokes_staff_of_own_body(head: Any, body: Any, plain_user: Any) -> None:
    assignment = role_assign(user=plain_user, role=Role.SACHBEARBEITUNG, body=body, acting_user=head)
    assert has_role(plain_user, Role.SACHBEARBEITUNG, body=body)
    entry = AuditEntry.objects.get(action="role.assign")
    assert entry.changes == {"user": "ohne.rolle", "role": "sachbearbeitung", "body": body.ars}
    assert entry.actor == head
    # Assigning twice changes nothing.
    assert role_assign(user=plain_user, role=Role.SACHBEARBEITUNG, body=body, acting_user=head) == assignment
    assert AuditEntry.objects.filter(action="role.assign").count() == 1

    pk = assignment.pk
    role_revoke(assignment=assignment, acting_user=head)
    assert not RoleAssignment.objects.filter(pk=pk).exists()
    assert not has_role(plain_user, Role.SACHBEARBEITUNG)
    revoked = AuditEntry.objects.get(action="role.revoke")
    assert revoked.object_id == str(pk)
    assert revoked.changes["body"] == body.ars


def test_head_may_not_manage_other_bodies_or_other_roles(
    head: Any, body: Any, other_body: Any, other_head: Any, plain_user: Any
) -> None:
    with pytest.raises(PermissionDenied):
        role_assign(user=plain_user, role=Role.SACHBEARBEITUNG, body=other_body, acting_user=head)
    with pytest.raises(PermissionDenied):
        role_assign(user=plain_user, role=Role.VERWALTUNGSLEITUNG, body=body, acting_user=head)
    with pytest.raises(PermissionDenied):
        role_assign(user=plain_user, role=Role.PLATTFORMBETRIEB, acting_user=head)
    with pytest.raises(PermissionDenied):
        role_revoke(assignment=RoleAssignment.objects.get(user=other_head), acting_user=head)
    assert not AuditEntry.objects.exists()


def test_clerk_and_anonymous_may_not_assign(clerk: Any, body: Any, plain_user: Any) -> None:
    for actor in (clerk, AnonymousUser(), None):
        with pytest.raises(PermissionDenied):
            role_assign(user=plain_user, role=Role.SACHBEARBEITUNG, body=body, acting_user=actor)


def test_operator_assigns_every_role_and_scope_is_validated(
    operator: Any, body: Any, plain_user: Any
) -> None:
    role_assign(user=plain_user, role=Role.VERWALTUNGSLEITUNG, body=body, acting_user=operator)
    role_assign(user=plain_user, role=Role.BEWILLIGUNGSBEHOERDE, acting_user=operator)
    assert has_role(plain_user, Role.BEWILLIGUNGSBEHOERDE) and has_role(
        plain_user, Role.VERWALTUNGSLEITUNG, body=body
    )
    with pytest.raises(ValidationError) as missing_body:
        role_assign(user=plain_user, role=Role.SACHBEARBEITUNG, acting_user=operator)
    assert "Körperschaft" in str(missing_body.value)
    with pytest.raises(ValidationError):
        role_assign(user=plain_user, role=Role.BERATUNGSSTELLE, body=body, acting_user=operator)
    assert AuditEntry.objects.filter(action="role.assign").count() == 2


def test_token_issue_stores_only_the_digest(clerk: Any) -> None:
    token, plaintext = token_issue(user=clerk, name="Kasse", acting_user=clerk)
    assert plaintext.startswith(ApiToken.PREFIX) and len(plaintext) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in {stored.digest, stored.hint, stored.name}
    assert plaintext.startswith(stored.hint)
    entry = AuditEntry.objects.get(action="token.issue")
    assert plaintext not in str(entry.changes) and stored.digest not in str(entry.changes)
    assert entry.changes == {"user": "sachbearbeitung", "name": "Kasse", "hint": stored.hint}


def test_tokens_are_personal(clerk: Any, head: Any, operator: Any) -> None:
    with pytest.raises(PermissionDenied):
        token_issue(user=clerk, name="fremd", acting_user=head)
    token, _ = token_issue(user=clerk, name="vom Betrieb", acting_user=operator)
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, acting_user=head)
    token_revoke(token=token, acting_user=clerk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Revoking twice is a no-op and writes no second record.
    token_revoke(token=token, acting_user=operator)
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_no_token_for_inactive_user(operator: Any) -> None:
    sleeper = UserFactory.create(is_active=False)
    with pytest.raises(PermissionDenied):
        token_issue(user=sleeper, name="x", acting_user=operator)
