"""Services of accounts: who may create and invite users, assign and revoke roles, lock accounts,
issue and revoke tokens; that every write leaves one audit record in its transaction (none when
refused), role entries in the scope of their body; that system actors need the capability
``accounts.manage`` and strings are no actors; and that a token is stored only as its digest."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from verbund.accounts.models import ApiToken, Role, RoleAssignment, User
from verbund.accounts.policies import MANAGE
from verbund.accounts.principal import principal_for
from verbund.accounts.services import (
    role_assign,
    role_revoke,
    token_issue,
    token_revoke,
    user_create,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_set_password,
    user_update,
)
from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Conflict, Forbidden

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor(name="Test-System", capabilities=frozenset({MANAGE}))
POWERLESS = SystemActor(name="Anderer Dienst", capabilities=frozenset({"alliances.manage"}))


def test_user_create_by_operator_is_audited(operator: Any) -> None:
    user = user_create(
        actor=operator,
        username="neu",
        password="ein-langes-passwort",
        email="Neu@Example.ORG",
        first_name="Nele",
        last_name="Neumann",
    )
    assert user.check_password("ein-langes-passwort")
    assert user.email == "Neu@example.org"
    entry = AuditEntry.objects.for_object(user).get()
    assert (entry.action, entry.actor, entry.actor_label) == ("user.create", operator, "betrieb")
    assert entry.changes["username"] == "neu"
    assert entry.changes["password"] == "gesetzt"
    assert "ein-langes-passwort" not in str(entry.changes)


def test_user_create_by_system_without_password_cannot_log_in(db: Any) -> None:
    user = user_create(actor=SYSTEM, username="nur.sso")
    assert not user.has_usable_password()
    entry = AuditEntry.objects.for_object(user).get()
    assert entry.actor_label == "Test-System" and entry.is_system


@pytest.mark.parametrize("who", ["clerk", "plain_user", "head"])
def test_user_create_refused_for_others(who: str, request: Any) -> None:
    with pytest.raises(Forbidden):
        user_create(actor=request.getfixturevalue(who), username="neu")
    assert not User.objects.filter(username="neu").exists()
    assert not AuditEntry.objects.filter(action="user.create").exists()


def test_system_actor_without_capability_is_refused(body: Any, plain_user: Any) -> None:
    with pytest.raises(Forbidden):
        user_create(actor=POWERLESS, username="neu")
    with pytest.raises(Forbidden):
        role_assign(actor=POWERLESS, user=plain_user, role=Role.SACHBEARBEITUNG, body=body)
    with pytest.raises(Forbidden):
        token_issue(actor=POWERLESS, user=plain_user, name="x")
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("actor", ["load_demo", "", None, AnonymousUser()])
def test_strings_and_anonymous_are_no_actors(actor: Any, body: Any, plain_user: Any) -> None:
    with pytest.raises(TypeError):
        user_create(actor=actor, username="neu")
    with pytest.raises(TypeError):
        role_assign(actor=actor, user=plain_user, role=Role.SACHBEARBEITUNG, body=body)
    assert not AuditEntry.objects.exists()


def test_inactive_user_cannot_act(operator: Any) -> None:
    operator.is_active = False
    with pytest.raises(TypeError):
        user_create(actor=operator, username="neu")


def test_only_operators_grant_admin_access_and_only_superusers_superusers(operator: Any) -> None:
    assert user_create(actor=operator, username="admin1", is_staff=True).is_staff
    with pytest.raises(Forbidden):
        user_create(actor=operator, username="root2", is_superuser=True)
    root = UserFactory.create(is_superuser=True)
    assert user_create(actor=root, username="root2", is_superuser=True).is_superuser
    assert user_create(actor=SYSTEM, username="root3", is_superuser=True).is_superuser


def test_user_create_validates_and_rolls_back(operator: Any) -> None:
    with pytest.raises(ValidationError):
        user_create(actor=operator, username="kurz", password="123")
    with pytest.raises(ValidationError):
        user_create(actor=operator, username="betrieb")  # taken
    with pytest.raises(ValidationError):
        user_create(actor=operator, username="mit leerzeichen")
    assert AuditEntry.objects.count() == 0


def test_head_invites_staff_of_own_body(head: Any, body: Any) -> None:
    user = user_invite(
        actor=head,
        body=body,
        username="neu.kollegin",
        first_name="Nina",
        last_name="Neu",
        email="nina@example.org",
    )
    assert not user.has_usable_password() and user.is_active
    assert principal_for(user).body_roles == {body.pk: {Role.SACHBEARBEITUNG}}
    invite = AuditEntry.objects.get(action="user.invite")
    assert invite.body_id == body.pk and invite.actor == head and invite.changes["body"] == body.ars
    assigned = AuditEntry.objects.get(action="role.assign")
    assert assigned.body_id == body.pk


def test_head_cannot_invite_for_another_body(head: Any, other_body: Any, clerk: Any, body: Any) -> None:
    with pytest.raises(Forbidden):
        user_invite(actor=head, body=other_body, username="neu")
    with pytest.raises(Forbidden):
        user_invite(actor=clerk, body=body, username="neu")
    assert not User.objects.filter(username="neu").exists()


def test_invite_with_a_taken_user_name_is_invalid(head: Any, body: Any) -> None:
    user_invite(actor=head, body=body, username="sachbearbeitung2")
    with pytest.raises(ValidationError) as taken:
        user_invite(actor=head, body=body, username="sachbearbeitung2")
    assert "username" in taken.value.message_dict
    assert AuditEntry.objects.filter(action="user.invite").count() == 1


def test_user_update_records_only_changes(clerk: Any, operator: Any) -> None:
    user_update(actor=clerk, user=clerk, first_name=clerk.first_name)
    assert AuditEntry.objects.count() == 0
    user_update(actor=clerk, user=clerk, first_name="Klara")
    entry = AuditEntry.objects.get()
    assert entry.changes == {"first_name": ["Erika", "Klara"]}
    clerk.refresh_from_db()
    assert clerk.first_name == "Klara"
    user_update(actor=operator, user=clerk, last_name="Operator")
    assert AuditEntry.objects.count() == 2


def test_user_update_of_someone_else_refused(clerk: Any, head: Any) -> None:
    with pytest.raises(Forbidden):
        user_update(actor=clerk, user=head, last_name="X")


def test_deactivate_and_reactivate(head: Any, clerk: Any, operator: Any, other_head: Any) -> None:
    with pytest.raises(Forbidden):
        user_deactivate(actor=other_head, user=clerk)
    with pytest.raises(Forbidden):
        user_deactivate(actor=clerk, user=clerk)
    user_deactivate(actor=head, user=clerk)
    clerk.refresh_from_db()
    assert not clerk.is_active
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert entry.actor == head
    # Locking twice is a no-op; unlocking is the operator's.
    user_deactivate(actor=head, user=clerk)
    assert AuditEntry.objects.filter(action="user.deactivate").count() == 1
    with pytest.raises(Forbidden):
        user_reactivate(actor=head, user=clerk)
    user_reactivate(actor=operator, user=clerk)
    clerk.refresh_from_db()
    assert clerk.is_active
    assert AuditEntry.objects.filter(action="user.reactivate").count() == 1


def test_head_cannot_lock_an_account_with_other_roles(head: Any, clerk: Any, other_body: Any) -> None:
    RoleAssignment.objects.create(user=clerk, role=Role.SACHBEARBEITUNG, body=other_body)
    with pytest.raises(Forbidden):
        user_deactivate(actor=head, user=clerk)
    clerk.refresh_from_db()
    assert clerk.is_active


def test_user_set_password(clerk: Any, head: Any) -> None:
    user_set_password(actor=clerk, user=clerk, password="ganz-neues-passwort")
    clerk.refresh_from_db()
    assert clerk.check_password("ganz-neues-passwort")
    assert AuditEntry.objects.get().changes == {"password": "geändert"}
    with pytest.raises(Forbidden):
        user_set_password(actor=head, user=clerk, password="anderes-passwort-1")


def test_head_assigns_and_revokes_staff_of_own_body(head: Any, body: Any, plain_user: Any) -> None:
    assignment = role_assign(actor=head, user=plain_user, role=Role.SACHBEARBEITUNG, body=body)
    assert principal_for(plain_user).works_for(body.pk)
    entry = AuditEntry.objects.get(action="role.assign")
    assert entry.changes == {"user": "ohne.rolle", "role": "sachbearbeitung", "body": body.ars}
    assert entry.actor == head and entry.body_id == body.pk
    # Assigning twice changes nothing.
    assert role_assign(actor=head, user=plain_user, role=Role.SACHBEARBEITUNG, body=body) == assignment
    assert AuditEntry.objects.filter(action="role.assign").count() == 1

    pk = assignment.pk
    role_revoke(actor=head, assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=pk).exists()
    assert not principal_for(plain_user).body_roles
    revoked = AuditEntry.objects.get(action="role.revoke")
    assert revoked.object_id == str(pk)
    assert revoked.changes["body"] == body.ars and revoked.body_id == body.pk


def test_platform_role_entries_have_no_body(operator: Any, plain_user: Any) -> None:
    role_assign(actor=operator, user=plain_user, role=Role.BERATUNGSSTELLE)
    assert AuditEntry.objects.get(action="role.assign").body_id is None


def test_head_may_not_manage_other_bodies_or_other_roles(
    head: Any, body: Any, other_body: Any, other_head: Any, plain_user: Any
) -> None:
    with pytest.raises(Forbidden):
        role_assign(actor=head, user=plain_user, role=Role.SACHBEARBEITUNG, body=other_body)
    with pytest.raises(Forbidden):
        role_assign(actor=head, user=plain_user, role=Role.VERWALTUNGSLEITUNG, body=body)
    with pytest.raises(Forbidden):
        role_assign(actor=head, user=plain_user, role=Role.PLATTFORMBETRIEB)
    with pytest.raises(Forbidden):
        role_revoke(actor=head, assignment=RoleAssignment.objects.get(user=other_head))
    assert not AuditEntry.objects.exists()


def test_clerk_may_not_assign(clerk: Any, body: Any, plain_user: Any) -> None:
    with pytest.raises(Forbidden):
        role_assign(actor=clerk, user=plain_user, role=Role.SACHBEARBEITUNG, body=body)


def test_operator_assigns_every_role_and_scope_is_validated(
    operator: Any, body: Any, plain_user: Any
) -> None:
    role_assign(actor=operator, user=plain_user, role=Role.VERWALTUNGSLEITUNG, body=body)
    role_assign(actor=operator, user=plain_user, role=Role.BEWILLIGUNGSBEHOERDE)
    p = principal_for(plain_user)
    assert p.has_platform_role(Role.BEWILLIGUNGSBEHOERDE) and p.heads(body.pk)
    with pytest.raises(ValidationError) as missing_body:
        role_assign(actor=operator, user=plain_user, role=Role.SACHBEARBEITUNG)
    assert "Körperschaft" in str(missing_body.value)
    with pytest.raises(ValidationError):
        role_assign(actor=operator, user=plain_user, role=Role.BERATUNGSSTELLE, body=body)
    assert AuditEntry.objects.filter(action="role.assign").count() == 2


def test_token_issue_stores_only_the_digest(clerk: Any) -> None:
    token, plaintext = token_issue(actor=clerk, user=clerk, name="Kasse")
    assert plaintext.startswith(ApiToken.PREFIX) and len(plaintext) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in {stored.digest, stored.hint, stored.name}
    assert plaintext.startswith(stored.hint)
    entry = AuditEntry.objects.get(action="token.issue")
    assert plaintext not in str(entry.changes) and stored.digest not in str(entry.changes)
    assert entry.changes == {"user": "sachbearbeitung", "name": "Kasse", "hint": stored.hint}


def test_tokens_are_personal(clerk: Any, head: Any, operator: Any) -> None:
    with pytest.raises(Forbidden):
        token_issue(actor=head, user=clerk, name="fremd")
    token, _ = token_issue(actor=operator, user=clerk, name="vom Betrieb")
    with pytest.raises(Forbidden):
        token_revoke(actor=head, token=token)
    token_revoke(actor=clerk, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Revoking twice is a no-op and writes no second record.
    token_revoke(actor=operator, token=token)
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_no_token_for_inactive_user(operator: Any) -> None:
    sleeper = UserFactory.create(is_active=False)
    with pytest.raises(Conflict):
        token_issue(actor=operator, user=sleeper, name="x")


def test_an_operator_cannot_take_over_a_superuser(operator: Any) -> None:
    """Setting a superuser's password or issuing its token would make the operator a superuser."""
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(Forbidden):
        user_set_password(actor=operator, user=root, password="ein-langes-neues-Passwort-1")
    with pytest.raises(Forbidden):
        token_issue(actor=operator, user=root, name="Übernahme")
    with pytest.raises(Forbidden):
        user_deactivate(actor=operator, user=root)
    other_root = UserFactory.create(username="root2", is_superuser=True)
    user_set_password(actor=other_root, user=root, password="ein-langes-neues-Passwort-1")
    root.refresh_from_db()
    assert root.check_password("ein-langes-neues-Passwort-1")
    # the operator still manages ordinary accounts
    plain = UserFactory.create(username="plain")
    user_set_password(actor=operator, user=plain, password="ein-langes-neues-Passwort-2")
