"""The accounts rules over a principal: who manages which roles and accounts, who reads the audit
log; what ``visible_to(principal)`` shows of users, roles and tokens; 404 for missing and invisible
alike and 403 for visible but not allowed (``access_object``); principals are read fresh (no cache on
user objects); the deprecated ``access`` shim still answers like the policies."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts import policies
from verbund.accounts.models import ApiToken, Role, RoleAssignment, User
from verbund.accounts.principal import principal_for
from verbund.accounts.selectors import access_assignment, access_user
from verbund.accounts.services import token_issue
from verbund.accounts.tests.factories import UserFactory
from verbund.common.access import access_object
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import ANONYMOUS

pytestmark = pytest.mark.django_db

SYSTEM = principal_for(SystemActor(name="Test", capabilities=frozenset({policies.MANAGE})))
POWERLESS = principal_for(SystemActor(name="Ohne Befugnis"))


def test_may_manage_role(head: Any, operator: Any, body: Any, other_body: Any, clerk: Any) -> None:
    h, o, c = principal_for(head), principal_for(operator), principal_for(clerk)
    assert policies.may_manage_role(h, Role.SACHBEARBEITUNG, body.pk)
    assert not policies.may_manage_role(h, Role.SACHBEARBEITUNG, other_body.pk)
    assert not policies.may_manage_role(h, Role.VERWALTUNGSLEITUNG, body.pk)
    assert not policies.may_manage_role(h, Role.PLATTFORMBETRIEB, None)
    assert not policies.may_manage_role(c, Role.SACHBEARBEITUNG, body.pk)
    assert policies.may_manage_role(o, Role.VERWALTUNGSLEITUNG, other_body.pk)
    assert policies.may_manage_role(o, Role.PLATTFORMBETRIEB, None)
    assert policies.may_manage_role(SYSTEM, Role.PLATTFORMBETRIEB, None)
    assert not policies.may_manage_role(POWERLESS, Role.SACHBEARBEITUNG, body.pk)
    assert not policies.may_manage_role(ANONYMOUS, Role.SACHBEARBEITUNG, body.pk)


def test_may_manage_and_create_users(head: Any, operator: Any, clerk: Any) -> None:
    assert policies.may_manage_users(principal_for(head))
    assert not policies.may_create_users(principal_for(head))
    assert policies.may_create_users(principal_for(operator))
    assert not policies.may_manage_users(principal_for(clerk))
    assert not policies.may_manage_users(ANONYMOUS)
    assert policies.may_create_users(SYSTEM) and not policies.may_create_users(POWERLESS)


def test_superuser_counts_as_operator_and_nothing_more(body: Any) -> None:
    root = principal_for(UserFactory.create(is_superuser=True))
    assert root.is_operator and policies.may_view_audit(root)
    assert policies.may_manage_role(root, Role.VERWALTUNGSLEITUNG, body.pk)
    assert root.body_roles == {} and not root.works_for(body.pk)


def test_may_view_audit(head: Any, clerk: Any, operator: Any) -> None:
    assert policies.may_view_audit(principal_for(operator))
    assert policies.may_view_audit(principal_for(head))  # their body's history
    assert not policies.may_view_audit(principal_for(clerk))
    assert not policies.may_view_audit(ANONYMOUS)


def test_may_change_body(head: Any, clerk: Any, other_head: Any, operator: Any, body: Any) -> None:
    assert policies.may_change_body(principal_for(head), body.pk)
    assert policies.may_change_body(principal_for(clerk), body.pk)
    assert policies.may_change_body(principal_for(operator), body.pk)
    assert not policies.may_change_body(principal_for(other_head), body.pk)
    assert not policies.may_change_body(ANONYMOUS, body.pk)


def test_may_deactivate(head: Any, clerk: Any, other_head: Any, operator: Any, other_body: Any) -> None:
    h = principal_for(head)
    assert policies.may_deactivate(h, principal_for(clerk))
    assert not policies.may_deactivate(h, principal_for(head))  # not oneself
    assert not policies.may_deactivate(h, principal_for(other_head))
    assert not policies.may_deactivate(principal_for(other_head), principal_for(clerk))
    # A clerk who also works for another body is not the head's alone.
    RoleAssignment.objects.create(user=clerk, role=Role.SACHBEARBEITUNG, body=other_body)
    assert not policies.may_deactivate(h, principal_for(clerk))
    assert policies.may_deactivate(principal_for(operator), principal_for(clerk))
    assert not policies.may_deactivate(principal_for(operator), principal_for(operator))


def test_principals_are_read_fresh(head: Any, other_body: Any) -> None:
    assert not principal_for(head).works_for(other_body.pk)
    RoleAssignment.objects.create(user=head, role=Role.SACHBEARBEITUNG, body=other_body)
    assert principal_for(head).works_for(other_body.pk)  # nothing to forget
    head.is_active = False
    assert principal_for(head) == ANONYMOUS


def test_role_assignments_visible_to_holder_head_and_operator(
    head: Any, clerk: Any, other_head: Any, operator: Any
) -> None:
    own = RoleAssignment.objects.get(user=head)
    staff = RoleAssignment.objects.get(user=clerk)
    assert set(RoleAssignment.objects.visible_to(principal_for(head))) == {own, staff}
    assert list(RoleAssignment.objects.visible_to(principal_for(clerk))) == [staff]
    assert (
        RoleAssignment.objects.visible_to(principal_for(operator)).count() == RoleAssignment.objects.count()
    )
    assert not RoleAssignment.objects.visible_to(ANONYMOUS).exists()
    assert not RoleAssignment.objects.visible_to(POWERLESS).exists()


def test_users_visible_to(head: Any, clerk: Any, other_head: Any, operator: Any, plain_user: Any) -> None:
    assert set(User.objects.visible_to(principal_for(head))) == {head, clerk}
    assert list(User.objects.visible_to(principal_for(clerk))) == [clerk]
    assert User.objects.visible_to(principal_for(operator)).count() == User.objects.count()
    assert not User.objects.visible_to(ANONYMOUS).exists()
    # A second role in the same body does not list the account twice.
    RoleAssignment.objects.create(
        user=clerk, role=Role.VERWALTUNGSLEITUNG, body=RoleAssignment.objects.get(user=head).body
    )
    assert User.objects.visible_to(principal_for(head)).filter(pk=clerk.pk).count() == 1


def test_head_cannot_see_another_bodys_users_404(head: Any, other_head: Any) -> None:
    with pytest.raises(NotFound) as hidden:
        access_user(principal_for(head), other_head.username)
    with pytest.raises(NotFound) as missing:
        access_user(principal_for(head), "gibt.es.nicht")
    assert str(hidden.value) == str(missing.value)


def test_head_sees_but_cannot_revoke_a_head_role_403(head: Any, clerk: Any, body: Any) -> None:
    p = principal_for(head)
    assert access_assignment(p, username="leitung", role=Role.VERWALTUNGSLEITUNG, ars=body.ars)
    with pytest.raises(Forbidden):
        access_assignment(p, username="leitung", role=Role.VERWALTUNGSLEITUNG, ars=body.ars, for_change=True)
    assert access_assignment(
        p, username="sachbearbeitung", role=Role.SACHBEARBEITUNG, ars=body.ars, for_change=True
    )
    # The clerk sees their own role but may not revoke it.
    with pytest.raises(Forbidden):
        access_assignment(
            principal_for(clerk),
            username="sachbearbeitung",
            role=Role.SACHBEARBEITUNG,
            ars=body.ars,
            for_change=True,
        )


def test_api_tokens_hidden_from_others(head: Any, clerk: Any, operator: Any) -> None:
    token, _ = token_issue(actor=head, user=head, name="Kasse")
    for who in (head, operator):
        assert (
            access_object(ApiToken.objects, principal_for(who), need=policies.may_change_token, pk=token.pk)
            == token
        )
    with pytest.raises(NotFound):
        access_object(ApiToken.objects, principal_for(clerk), pk=token.pk)
    assert not ApiToken.objects.visible_to(ANONYMOUS).exists()
