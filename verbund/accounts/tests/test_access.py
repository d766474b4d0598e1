"""Access helpers: role checks (body and platform roles), the bodies a user works for, per-object
access with 404 for missing and hidden alike and 403 for visible but unchangeable, and that role
lookups cost one query per user object however many checks a request makes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from verbund.accounts.access import (
    access_api_token,
    access_body,
    access_role_assignment,
    bodies_of,
    body_roles,
    can_manage_role,
    can_view_audit,
    forget_roles,
    has_role,
    is_operator,
    is_platform_role,
    platform_roles,
)
from verbund.accounts.models import ApiToken, Role, RoleAssignment
from verbund.accounts.services import token_issue
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_body_roles_and_bodies_of(head: Any, body: Any, other_body: Any) -> None:
    RoleAssignment.objects.create(user=head, role=Role.SACHBEARBEITUNG, body=other_body)
    forget_roles(head)
    assert body_roles(head) == {body.pk: {Role.VERWALTUNGSLEITUNG}, other_body.pk: {Role.SACHBEARBEITUNG}}
    assert set(bodies_of(head)) == {body, other_body}
    assert list(bodies_of(head, Role.VERWALTUNGSLEITUNG)) == [body]
    assert list(bodies_of(AnonymousUser())) == []


def test_has_role_scopes_body_roles_to_their_body(head: Any, body: Any, other_body: Any) -> None:
    assert has_role(head, Role.VERWALTUNGSLEITUNG)
    assert has_role(head, Role.VERWALTUNGSLEITUNG, body=body)
    assert has_role(head, Role.VERWALTUNGSLEITUNG, body=body.pk)
    assert not has_role(head, Role.VERWALTUNGSLEITUNG, body=other_body)
    assert not has_role(head, Role.SACHBEARBEITUNG, body=body)
    assert has_role(head, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG, body=body)


def test_platform_roles_count_for_every_body(body: Any) -> None:
    adviser = RoleAssignmentFactory.create(role=Role.BERATUNGSSTELLE).user
    assert is_platform_role(adviser, Role.BERATUNGSSTELLE)
    assert not is_platform_role(adviser, Role.PLATTFORMBETRIEB)
    assert platform_roles(adviser) == {Role.BERATUNGSSTELLE}
    assert has_role(adviser, Role.BERATUNGSSTELLE, body=body)
    assert body_roles(adviser) == {}


def test_anonymous_and_inactive_users_hold_no_role(head: Any) -> None:
    assert not has_role(AnonymousUser(), *Role.values)
    head.is_active = False
    forget_roles(head)
    assert not has_role(head, Role.VERWALTUNGSLEITUNG)


def test_superuser_holds_no_role_but_is_operator(db: Any) -> None:
    root = UserFactory.create(is_superuser=True)
    assert not has_role(root, *Role.values)
    assert is_operator(root)
    assert can_view_audit(root)


def test_operator_and_audit_permission(operator: Any, head: Any) -> None:
    assert is_operator(operator) and can_view_audit(operator)
    assert not is_operator(head) and not can_view_audit(head)
    assert not can_view_audit(AnonymousUser())


def test_can_manage_role(head: Any, operator: Any, body: Any, other_body: Any, clerk: Any) -> None:
    assert can_manage_role(head, Role.SACHBEARBEITUNG, body)
    assert not can_manage_role(head, Role.SACHBEARBEITUNG, other_body)
    assert not can_manage_role(head, Role.VERWALTUNGSLEITUNG, body)
    assert not can_manage_role(head, Role.PLATTFORMBETRIEB, None)
    assert not can_manage_role(clerk, Role.SACHBEARBEITUNG, body)
    assert can_manage_role(operator, Role.VERWALTUNGSLEITUNG, other_body)
    assert can_manage_role(operator, Role.PLATTFORMBETRIEB, None)


def test_role_lookups_are_memoised_per_user_object(
    head: Any, body: Any, other_body: Any, django_assert_num_queries: Any
) -> None:
    forget_roles(head)
    with django_assert_num_queries(1):
        for _ in range(10):
            has_role(head, Role.VERWALTUNGSLEITUNG, body=body)
            has_role(head, Role.SACHBEARBEITUNG, body=other_body)
            body_roles(head)
            is_operator(head)
    RoleAssignment.objects.create(user=head, role=Role.SACHBEARBEITUNG, body=other_body)
    assert not has_role(head, Role.SACHBEARBEITUNG, body=other_body)  # still the memo
    forget_roles(head)
    assert has_role(head, Role.SACHBEARBEITUNG, body=other_body)


def test_access_body_reads_for_everyone_changes_with_a_role(
    head: Any, clerk: Any, other_head: Any, body: Any
) -> None:
    assert access_body(AnonymousUser(), body.ars) == body
    assert access_body(head, body.ars, for_change=True) == body
    assert access_body(clerk, body.ars, for_change=True) == body
    with pytest.raises(PermissionDenied):
        access_body(other_head, body.ars, for_change=True)
    with pytest.raises(PermissionDenied):
        access_body(AnonymousUser(), body.ars, for_change=True)
    with pytest.raises(Http404):
        access_body(head, "079999999999")


def test_access_api_token_hides_other_peoples_tokens(head: Any, clerk: Any, operator: Any) -> None:
    token, _ = token_issue(user=head, name="Kasse", acting_user=head)
    assert access_api_token(head, token.pk, for_change=True) == token
    assert access_api_token(operator, token.pk, for_change=True) == token
    # Another user's token and a token that does not exist answer alike.
    with pytest.raises(Http404) as hidden:
        access_api_token(clerk, token.pk)
    with pytest.raises(Http404) as missing:
        access_api_token(clerk, token.pk + 1000)
    assert str(hidden.value) == str(missing.value)
    assert list(ApiToken.objects.visible_to(AnonymousUser())) == []


def test_role_assignments_visible_to_holder_head_and_operator(
    head: Any, clerk: Any, other_head: Any, operator: Any
) -> None:
    assignment = RoleAssignment.objects.get(user=clerk)
    assert set(RoleAssignment.objects.visible_to(head)) == {assignment, RoleAssignment.objects.get(user=head)}
    assert list(RoleAssignment.objects.visible_to(clerk)) == [assignment]
    assert RoleAssignment.objects.visible_to(operator).count() == RoleAssignment.objects.count()
    assert access_role_assignment(head, assignment.pk, for_change=True) == assignment
    with pytest.raises(Http404):
        access_role_assignment(other_head, assignment.pk)
    # The clerk sees their own role but may not revoke it.
    with pytest.raises(PermissionDenied):
        access_role_assignment(clerk, assignment.pk, for_change=True)
    # The head sees their own Verwaltungsleitung but only the operator changes it.
    own = RoleAssignment.objects.get(user=head)
    with pytest.raises(PermissionDenied):
        access_role_assignment(head, own.pk, for_change=True)
