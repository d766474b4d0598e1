"""Who an event is for: an :class:`Audience`, and the resolvers that turn it into user ids.

This part sits on the lowest floor and knows neither roles rows (accounts) nor coordinators and
members (alliances). Those parts register a resolver per kind in their ``AppConfig.ready()``::

    register_audience_resolver("role", lambda role: RoleAssignment.objects.filter(...).values_list(...))
    register_audience_resolver("body", lambda body_id, roles: ...)
    register_audience_resolver("alliance", lambda alliance_id: ...)  # coordinators + heads of members
    register_audience_resolver("alliance.coordinator", lambda alliance_id: ...)  # a grant kind

Kinds: ``"role"`` (``fn(role)``, platform roles), ``"body"`` (``fn(body_id, roles)``, roles may be
empty for everyone working for the body), ``"alliance"`` (``fn(alliance_id)``) and any grant kind
name (``fn(object_id)``: who holds that grant for the object).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Resolver = Callable[..., Iterable[int]]

_RESOLVERS: dict[str, Resolver] = {}


def register_audience_resolver(kind: str, resolver: Resolver) -> None:
    """Register (or replace) the resolver of ``kind``; see the module doc for the signatures."""
    _RESOLVERS[kind] = resolver


@dataclass(frozen=True)
class Audience:
    """The recipients of an event, by platform role, body (+ roles in it), alliance, grant or user.

    Combine with ``|``: ``Audience.role("bewilligungsbehoerde") | Audience.users(application.created_by_id)``.
    """

    roles: tuple[str, ...] = ()
    bodies: tuple[tuple[int, tuple[str, ...]], ...] = ()
    alliances: tuple[int, ...] = ()
    grants: tuple[tuple[str, int], ...] = ()
    user_ids: tuple[int, ...] = field(default=())

    # --- constructors -----------------------------------------------------------------------------

    @classmethod
    def role(cls, *roles: str) -> Audience:
        return cls(roles=tuple(str(r) for r in roles))

    @classmethod
    def body(cls, body_id: int | None, *roles: str) -> Audience:
        if body_id is None:
            return cls()
        return cls(bodies=((int(body_id), tuple(str(r) for r in roles)),))

    @classmethod
    def alliance(cls, *alliance_ids: int | None) -> Audience:
        return cls(alliances=tuple(int(a) for a in alliance_ids if a is not None))

    @classmethod
    def grant(cls, kind: str, object_id: int | None) -> Audience:
        if object_id is None:
            return cls()
        return cls(grants=((kind, int(object_id)),))

    @classmethod
    def users(cls, *user_ids: int | None) -> Audience:
        return cls(user_ids=tuple(int(u) for u in user_ids if u is not None))

    def __or__(self, other: Audience) -> Audience:
        return Audience(
            roles=_merge(self.roles, other.roles),
            bodies=_merge(self.bodies, other.bodies),
            alliances=_merge(self.alliances, other.alliances),
            grants=_merge(self.grants, other.grants),
            user_ids=_merge(self.user_ids, other.user_ids),
        )

    def __bool__(self) -> bool:
        return bool(self.roles or self.bodies or self.alliances or self.grants or self.user_ids)

    # --- storage ----------------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        return {
            "roles": list(self.roles),
            "bodies": [[b, list(r)] for b, r in self.bodies],
            "alliances": list(self.alliances),
            "grants": [[k, i] for k, i in self.grants],
            "users": list(self.user_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            roles=tuple(data.get("roles", ())),
            bodies=tuple((int(b), tuple(r)) for b, r in data.get("bodies", ())),
            alliances=tuple(int(a) for a in data.get("alliances", ())),
            grants=tuple((str(k), int(i)) for k, i in data.get("grants", ())),
            user_ids=tuple(int(u) for u in data.get("users", ())),
        )

    # --- resolution -------------------------------------------------------------------------------

    def resolve(self) -> set[int]:
        """The user ids of this audience (before the actor and inactive accounts are removed)."""
        ids: set[int] = set(self.user_ids)
        for role in self.roles:
            ids |= _call("role", role)
        for body_id, roles in self.bodies:
            ids |= _call("body", body_id, roles)
        for alliance_id in self.alliances:
            ids |= _call("alliance", alliance_id)
        for kind, object_id in self.grants:
            ids |= _call(kind, object_id)
        return ids


def _merge(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    return a + tuple(x for x in b if x not in a)


def _call(kind: str, *args: Any) -> set[int]:
    resolver = _RESOLVERS.get(kind)
    if resolver is None:
        logger.warning("Kein Empfänger-Auflöser für %r registriert; Empfänger übersprungen.", kind)
        return set()
    return {int(i) for i in resolver(*args) if i is not None}
