"""Access helpers: the only way views and endpoints decide who may see or change what.

The vocabulary every part uses
==============================

Roles (ARCHITECTURE.md) are :class:`~verbund.accounts.models.RoleAssignment` rows. Sachbearbeitung
and Verwaltungsleitung are held *for a body*; Beratungsstelle, Bewilligungsbehörde and
Plattformbetrieb are held platform-wide. Alliance roles (Verbundkoordination) belong to the alliances
part, which builds its own helpers on top of these.

* ``has_role(user, *roles, body=None)``: does the user hold one of ``roles`` (for ``body``)?
  Platform-wide roles count for every body.
* ``body_roles(user)``, ``bodies_of(user, *roles)``: the bodies the user works for.
* ``is_operator(user)`` (Plattformbetrieb or superuser), ``can_view_audit(user)``,
  ``can_manage_role(user, role, body)``: named permissions.

A superuser holds no role implicitly; helpers that let a superuser through say so in their name or
docstring (``is_operator`` and what builds on it). That keeps "which bodies does X work for" honest.

The pattern for tenant data
===========================

* **Lists** go through ``<Model>.objects.visible_to(user)``, a QuerySet method of the model's part
  that filters to what ``user`` may see (and nothing else: no ordering, no paging).
* **Single objects** go through ``access_<thing>(user, id, *, for_change=False)``:

  - the object is looked up *inside* ``visible_to(user)``; when it is missing **or** not visible
    the helper raises :class:`~django.http.Http404` with the same message, so that nobody can
    probe another tenant's ids;
  - with ``for_change=True`` an object that is visible but not changeable raises
    :class:`~django.core.exceptions.PermissionDenied` (403).

  The API maps both to ``{"detail", "code"}`` (``not_found``/``forbidden``); HTML views get Django's
  404/403 pages. Services re-check the permission they need, so a helper forgotten in a view cannot
  open a write.

Role lookups are cached on the user object (one query per request, however many checks a page
makes); a service that changes roles calls :func:`forget_roles` on the user it changed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from .models import BODY_ROLES, ApiToken, Role, RoleAssignment

if TYPE_CHECKING:
    from verbund.registry.models import Body, BodyQuerySet

M = TypeVar("M", bound=models.Model)

NOT_FOUND = "Nicht gefunden."
_CACHE_ATTR = "_verbund_role_cache"


@dataclass(frozen=True)
class _Roles:
    platform: frozenset[str] = frozenset()
    by_body: dict[int, frozenset[str]] = field(default_factory=dict)


_NO_ROLES = _Roles()


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", True))


def _roles(user: Any) -> _Roles:
    """All roles of ``user`` in one query, memoised on the user object for its lifetime."""
    if not _authenticated(user):
        return _NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    platform: set[str] = set()
    by_body: dict[int, set[str]] = {}
    for role, body_id in RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "body_id"):
        if body_id is None:
            platform.add(role)
        else:
            by_body.setdefault(body_id, set()).add(role)
    roles = _Roles(frozenset(platform), {k: frozenset(v) for k, v in by_body.items()})
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the memoised roles of ``user`` (after a role was assigned or revoked)."""
    with contextlib.suppress(AttributeError):
        delattr(user, _CACHE_ATTR)


def _body_id(body: Any) -> int:
    return int(body if isinstance(body, int) else body.pk)


def body_roles(user: Any) -> dict[int, set[str]]:
    """``{body_id: {role, ...}}`` for the bodies ``user`` works for (Sachbearbeitung/Verwaltungsleitung)."""
    return {body_id: set(roles) for body_id, roles in _roles(user).by_body.items()}


def platform_roles(user: Any) -> set[str]:
    """The platform-wide roles of ``user`` (Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb)."""
    return set(_roles(user).platform)


def is_platform_role(user: Any, role: str) -> bool:
    """Does ``user`` hold ``role`` platform-wide?"""
    return role in _roles(user).platform


def has_role(user: Any, *roles: str, body: Body | int | None = None) -> bool:
    """Does ``user`` hold one of ``roles``?

    Without ``body``: held platform-wide or for any body. With ``body`` (instance or pk): a body role
    must be held for that body; platform-wide roles count everywhere.
    """
    if not roles:
        raise ValueError("has_role needs at least one role")
    held = _roles(user)
    if held.platform.intersection(roles):
        return True
    if body is None:
        return any(body_set.intersection(roles) for body_set in held.by_body.values())
    return bool(held.by_body.get(_body_id(body), frozenset()).intersection(roles))


def bodies_of(user: Any, *roles: str) -> BodyQuerySet:
    """The bodies ``user`` works for (optionally: holding one of ``roles`` there), as a QuerySet."""
    from verbund.registry.models import Body

    wanted = set(roles) if roles else set(BODY_ROLES)
    ids = [body_id for body_id, held in _roles(user).by_body.items() if held & wanted]
    return Body.objects.filter(pk__in=ids)


def is_operator(user: Any) -> bool:
    """Plattformbetrieb or a superuser: administers users, imports and configuration."""
    if not _authenticated(user):
        return False
    return bool(user.is_superuser) or is_platform_role(user, Role.PLATTFORMBETRIEB)


def can_view_audit(user: Any) -> bool:
    """Operators (Plattformbetrieb) and superusers read the audit log."""
    return is_operator(user)


def can_manage_role(user: Any, role: str, body: Body | int | None) -> bool:
    """May ``user`` assign or revoke ``role`` (for ``body``)?

    Operators may assign every role. A Verwaltungsleitung manages the Sachbearbeitung of its own
    body (ARCHITECTURE.md: "manages own body's users"); heads are appointed by the operator.
    """
    if is_operator(user):
        return True
    return (
        role == Role.SACHBEARBEITUNG
        and body is not None
        and has_role(user, Role.VERWALTUNGSLEITUNG, body=body)
    )


def can_manage_users(user: Any) -> bool:
    """May ``user`` create accounts at all (operators, and heads for their own body's staff)?"""
    return is_operator(user) or has_role(user, Role.VERWALTUNGSLEITUNG)


def can_change_body(user: Any, body: Body | int) -> bool:
    """Staff and heads change their own body's data; superusers may repair any."""
    if not _authenticated(user):
        return False
    return bool(user.is_superuser) or has_role(user, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG, body=body)


# --- single objects ---------------------------------------------------------------------------------


def get_visible_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    """One object of an already ``visible_to(user)``-filtered queryset; missing and hidden look alike."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def access_body(user: Any, ars: str, *, for_change: bool = False) -> Body:
    """The body with the 12-digit ``ars``. The registry is public; changing needs a role there."""
    from verbund.registry.models import Body

    body = get_visible_or_404(Body.objects.visible_to(user), ars=ars)
    if for_change and not can_change_body(user, body):
        raise PermissionDenied("Sie dürfen die Daten dieser Körperschaft nicht ändern.")
    return body


def access_api_token(user: Any, token_id: int, *, for_change: bool = False) -> ApiToken:
    """An API token: its owner and operators see and revoke it; for others it does not exist."""
    # Whoever sees a token may also revoke it, so for_change needs no second check.
    return get_visible_or_404(ApiToken.objects.visible_to(user).select_related("user"), pk=token_id)


def access_role_assignment(user: Any, assignment_id: int, *, for_change: bool = False) -> RoleAssignment:
    """A role assignment; visible to its holder, the heads of its body and operators."""
    assignment = get_visible_or_404(
        RoleAssignment.objects.visible_to(user).select_related("user", "body"), pk=assignment_id
    )
    if for_change and not can_manage_role(user, assignment.role, assignment.body_id):
        raise PermissionDenied("Sie dürfen diese Rolle nicht ändern.")
    return assignment
