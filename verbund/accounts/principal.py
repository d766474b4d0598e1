"""Building principals: from a user (per request, or freshly in a service) or a system actor.

``principal_for(actor)`` reads the roles in one query and each registered grant kind in one more.
It is registered as the builder behind :func:`verbund.common.principal.principal_for` and
``principal_of(request)`` (which keeps the request's principal on the request, never on the user
object); every part calls those, services through :func:`verbund.common.access.authorize`.

Parts register grant providers in their ``AppConfig.ready()``::

    register_grant_provider(COORDINATOR, lambda user_id: AllianceRole.objects.filter(
        user_id=user_id).values_list("alliance_id", flat=True))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from verbund.common.actors import SystemActor
from verbund.common.principal import ANONYMOUS, GRANT_KINDS, Principal, principal_of_system

# Re-exported for older callers; new code imports it from verbund.common.principal.
from verbund.common.roles import Role

from .models import RoleAssignment

GrantProvider = Callable[[int], Iterable[int]]
#: a provider of several kinds at once (one query): ``provider(user_id)`` → kind → ids
GrantsProvider = Callable[[int], Mapping[str, Iterable[int]]]

_PROVIDERS: dict[str, GrantProvider] = {}
_MULTI_PROVIDERS: dict[tuple[str, ...], GrantsProvider] = {}


def register_grant_provider(kind: str, provider: GrantProvider) -> None:
    """``provider(user_id)`` returns the ids the user holds a grant of ``kind`` for."""
    if kind not in GRANT_KINDS:
        raise ValueError(f"grant kind {kind!r} is not registered (register_grant_kind first)")
    _PROVIDERS[kind] = provider


def register_grants_provider(kinds: Iterable[str], provider: GrantsProvider) -> None:
    """``provider(user_id)`` returns, in one query, the ids for each of ``kinds`` (a kind it leaves out
    is held for no id): for grants read from the same rows, such as a part's positions."""
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in GRANT_KINDS:
            raise ValueError(f"grant kind {kind!r} is not registered (register_grant_kind first)")
        _PROVIDERS.pop(kind, None)
    _MULTI_PROVIDERS[kinds] = provider


def _grants(user_id: int) -> dict[str, frozenset[int]]:
    grants = {kind: frozenset(int(i) for i in provider(user_id)) for kind, provider in _PROVIDERS.items()}
    for kinds, provider in _MULTI_PROVIDERS.items():
        found = provider(user_id)
        for kind in kinds:
            grants[kind] = frozenset(int(i) for i in found.get(kind, ()))
    return grants


def principal_for(actor: Any) -> Principal:
    """The principal of ``actor``: a user (signed in or anonymous), a :class:`SystemActor`, or a
    principal (returned as it is). Strings and other objects raise ``TypeError``."""
    if isinstance(actor, Principal):
        return actor
    if isinstance(actor, SystemActor):
        return principal_of_system(actor.name, actor.capabilities)
    if actor is None or (not isinstance(actor, AbstractBaseUser) and not hasattr(actor, "is_anonymous")):
        raise TypeError(f"cannot build a principal from {type(actor).__name__}")
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return ANONYMOUS
    platform: set[str] = set()
    by_body: dict[int, set[str]] = {}
    for role, body_id in RoleAssignment.objects.filter(user_id=actor.pk).values_list("role", "body_id"):
        if body_id is None:
            platform.add(role)
        else:
            by_body.setdefault(body_id, set()).add(role)
    is_superuser = bool(getattr(actor, "is_superuser", False))
    if is_superuser:
        platform.add(Role.PLATTFORMBETRIEB)  # the one superuser rule (verbund.common.principal)
    grants = _grants(actor.pk)
    return Principal(
        user_id=actor.pk,
        name=actor.get_username(),
        is_authenticated=True,
        is_superuser=is_superuser,
        platform_roles=frozenset(platform),
        body_roles={body_id: frozenset(roles) for body_id, roles in by_body.items()},
        grants=grants,
    )
