"""DEPRECATED shim: the old user-based access helpers, delegating to the principal and the policies.

Use instead (issue 9):

* ``verbund.common.principal.principal_of(request)`` / ``principal_for(actor)`` and the predicates
  of :mod:`verbund.accounts.policies` (``may_view_audit``, ``may_change_body``, ``may_manage_role``…)
  or the principal's own methods (``is_operator``, ``holds``, ``heads``, ``works_for``, ``body_ids``);
* ``verbund.common.access.access_object`` for single objects (404/403).

Every function here builds a fresh principal (one query) for the user it is given, or takes a
principal as it is; nothing is cached on user objects. This module is deleted once no part imports
it any more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from verbund.common.principal import Principal
from verbund.common.roles import BODY_ROLES

from . import policies
from .models import ApiToken, RoleAssignment
from .principal import principal_for

if TYPE_CHECKING:
    from verbund.registry.models import Body, BodyQuerySet

__all__ = [
    "NOT_FOUND",
    "access_api_token",
    "access_body",
    "access_role_assignment",
    "bodies_of",
    "body_roles",
    "can_change_body",
    "can_manage_role",
    "can_manage_users",
    "can_view_audit",
    "forget_roles",
    "get_visible_or_404",
    "has_role",
    "is_operator",
    "is_platform_role",
    "platform_roles",
]

M = TypeVar("M", bound=models.Model)

NOT_FOUND = "Nicht gefunden."


def _principal(user: Any) -> Principal:
    if isinstance(user, Principal):
        return user
    if user is None:
        return Principal()
    return principal_for(user)


def _body_id(body: Any) -> int:
    return int(body if isinstance(body, int) else body.pk)


def forget_roles(user: Any) -> None:
    """No-op: roles are no longer cached on user objects."""


def body_roles(user: Any) -> dict[int, set[str]]:
    return {body_id: set(roles) for body_id, roles in _principal(user).body_roles.items()}


def platform_roles(user: Any) -> set[str]:
    return set(_principal(user).platform_roles)


def is_platform_role(user: Any, role: str) -> bool:
    return _principal(user).has_platform_role(role)


def has_role(user: Any, *roles: str, body: Body | int | None = None) -> bool:
    """Holds one of ``roles`` platform-wide, or as a body role (for ``body`` when given)."""
    if not roles:
        raise ValueError("has_role needs at least one role")
    principal = _principal(user)
    if principal.has_platform_role(*roles):
        return True
    return principal.holds(*roles, body=None if body is None else _body_id(body))


def bodies_of(user: Any, *roles: str) -> BodyQuerySet:
    from verbund.registry.models import Body

    return Body.objects.filter(pk__in=_principal(user).body_ids(*(roles or tuple(BODY_ROLES))))


def is_operator(user: Any) -> bool:
    return _principal(user).is_operator


def can_view_audit(user: Any) -> bool:
    return policies.may_view_audit(_principal(user))


def can_manage_role(user: Any, role: str, body: Body | int | None) -> bool:
    return policies.may_manage_role(_principal(user), role, None if body is None else _body_id(body))


def can_manage_users(user: Any) -> bool:
    return policies.may_manage_users(_principal(user))


def can_change_body(user: Any, body: Body | int) -> bool:
    return policies.may_change_body(_principal(user), _body_id(body))


def get_visible_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def access_body(user: Any, ars: str, *, for_change: bool = False) -> Body:
    from verbund.registry.models import Body

    principal = _principal(user)
    body = get_visible_or_404(Body.objects.all(), ars=ars)
    if for_change and not policies.may_change_body(principal, body.pk):
        raise PermissionDenied("Sie dürfen die Daten dieser Körperschaft nicht ändern.")
    return body


def access_api_token(user: Any, token_id: int, *, for_change: bool = False) -> ApiToken:
    return get_visible_or_404(
        ApiToken.objects.visible_to(_principal(user)).select_related("user"), pk=token_id
    )


def access_role_assignment(user: Any, assignment_id: int, *, for_change: bool = False) -> RoleAssignment:
    principal = _principal(user)
    assignment = get_visible_or_404(
        RoleAssignment.objects.visible_to(principal).select_related("user", "body"), pk=assignment_id
    )
    if for_change and not policies.may_revoke_assignment(principal, assignment):
        raise PermissionDenied("Sie dürfen diese Rolle nicht ändern.")
    return assignment
