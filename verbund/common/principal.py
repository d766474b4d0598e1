"""The principal: who is asking, with everything the access rules need, read once.

A :class:`Principal` is immutable and carries the platform roles, the roles held in bodies, the
*grants* that parts register (an alliance's coordination, later a crisis-staff function or a TLP
recipient list) and, for a system actor, its capabilities. It is built by
:func:`verbund.accounts.principal.principal_for` (one query for roles, one per grant kind), once per
request (``request.principal``) and freshly inside every service, so no cache on a user object has
to be forgotten when a role changes.

Each part states its rules as pure predicates over a principal in its ``policies`` module; this
type lives in ``common`` so that every floor, the audit log included, can read it.

The superuser rule
==================
A Django superuser is treated as holding **Plattformbetrieb**, and nothing more: no roles in
bodies, no grants, no decisions of the funding authority, no confidential data. It is the
operator's account for repairs, not a key to everything.

Sensitivity
===========
:class:`Sensitivity` follows the Traffic Light Protocol. ``PUBLIC`` and ``INTERNAL`` data are decided
by roles as usual ("reads everything" roles such as the Beratungsstelle see internal data);
``CONFIDENTIAL`` (TLP:AMBER) and ``STRICT`` (TLP:RED) are seen **only** by principals that hold a grant
for that object — no role, not even Plattformbetrieb, bypasses it (:meth:`Principal.clears`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType
from typing import Any

from .i18n import _
from .roles import READS_EVERYTHING, Role


class Sensitivity(IntEnum):
    PUBLIC = 0  # TLP:CLEAR
    INTERNAL = 1  # TLP:GREEN and ordinary internal data
    CONFIDENTIAL = 2  # TLP:AMBER, TLP:AMBER+STRICT
    STRICT = 3  # TLP:RED

    @property
    def label(self) -> str:
        return {
            0: _("öffentlich (TLP:CLEAR)"),
            1: _("intern (TLP:GREEN)"),
            2: _("vertraulich (TLP:AMBER)"),
            3: _("streng vertraulich (TLP:RED)"),
        }[int(self)]


@dataclass(frozen=True)
class GrantKind:
    """A kind of grant a part registers: ``alliance.coordinator`` on alliances, and so on.

    ``scope`` says what the granted ids are (``"alliance"``, ``"body"`` or a part's own object);
    ``audit`` whether holding it lets one read the audit history of that alliance or body.
    """

    name: str
    label: str
    scope: str
    audit: bool = False


GRANT_KINDS: dict[str, GrantKind] = {}


def register_grant_kind(name: str, *, label: str, scope: str, audit: bool = False) -> GrantKind:
    """Declare a grant kind (idempotent for the same declaration)."""
    kind = GrantKind(name=name, label=label, scope=scope, audit=audit)
    existing = GRANT_KINDS.get(name)
    if existing is not None and existing != kind:
        raise ValueError(f"grant kind {name!r} is already registered differently")
    GRANT_KINDS[name] = kind
    return kind


_EMPTY: Mapping[int, frozenset[str]] = MappingProxyType({})
_NO_GRANTS: Mapping[str, frozenset[int]] = MappingProxyType({})


@dataclass(frozen=True)
class Principal:
    """Who is asking. Build it with :func:`verbund.accounts.principal.principal_for`."""

    user_id: int | None = None
    #: the user name, or the system actor's name; "" for anonymous visitors
    name: str = ""
    is_authenticated: bool = False
    is_superuser: bool = False
    is_system: bool = False
    platform_roles: frozenset[str] = frozenset()
    body_roles: Mapping[int, frozenset[str]] = field(default_factory=lambda: _EMPTY)
    grants: Mapping[str, frozenset[int]] = field(default_factory=lambda: _NO_GRANTS)
    capabilities: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform_roles", frozenset(self.platform_roles))
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        object.__setattr__(
            self, "body_roles", MappingProxyType({int(k): frozenset(v) for k, v in self.body_roles.items()})
        )
        object.__setattr__(
            self, "grants", MappingProxyType({k: frozenset(v) for k, v in self.grants.items() if v})
        )

    # --- identity ---------------------------------------------------------------------------------

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated and not self.is_system

    @property
    def is_person(self) -> bool:
        return self.is_authenticated and not self.is_system

    # --- roles ------------------------------------------------------------------------------------

    def has_platform_role(self, *roles: str) -> bool:
        return bool(self.platform_roles.intersection(roles))

    @property
    def is_operator(self) -> bool:
        """Plattformbetrieb (a superuser counts as Plattformbetrieb, see the module doc)."""
        return Role.PLATTFORMBETRIEB in self.platform_roles

    def reads_everything(self, sensitivity: Sensitivity = Sensitivity.INTERNAL) -> bool:
        """Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb read everything up to INTERNAL."""
        return sensitivity <= Sensitivity.INTERNAL and bool(self.platform_roles & READS_EVERYTHING)

    def body_ids(self, *roles: str) -> frozenset[int]:
        """The bodies the principal works for (holding one of ``roles`` there, if given)."""
        if not roles:
            return frozenset(self.body_roles)
        wanted = set(roles)
        return frozenset(body_id for body_id, held in self.body_roles.items() if held & wanted)

    def holds(self, *roles: str, body: int | None = None) -> bool:
        """Holds one of the body ``roles`` (for ``body``, or for any body when ``body`` is None)."""
        if body is None:
            return any(held.intersection(roles) for held in self.body_roles.values())
        return bool(self.body_roles.get(int(body), frozenset()).intersection(roles))

    def heads(self, body: int) -> bool:
        """Verwaltungsleitung of ``body``."""
        return self.holds(Role.VERWALTUNGSLEITUNG, body=body)

    def works_for(self, body: int) -> bool:
        """Sachbearbeitung or Verwaltungsleitung of ``body``."""
        return self.holds(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG, body=body)

    # --- grants and capabilities ------------------------------------------------------------------

    def granted(self, kind: str) -> frozenset[int]:
        """The ids for which the principal holds a grant of ``kind``."""
        return self.grants.get(kind, frozenset())

    def has_grant(self, kind: str, object_id: int | None) -> bool:
        return object_id is not None and int(object_id) in self.granted(kind)

    def capable(self, capability: str) -> bool:
        """A system actor's capability (people have none: they act through roles and grants)."""
        return self.is_system and capability in self.capabilities

    def clears(self, sensitivity: Sensitivity, *, grant_kind: str = "", object_id: int | None = None) -> bool:
        """May see data of ``sensitivity`` about ``object_id``, given the grant kind that opens it?

        Up to INTERNAL the part's ordinary rules decide (this returns True); above, only a grant of
        ``grant_kind`` for ``object_id`` opens it, whatever the principal's roles.
        """
        if sensitivity <= Sensitivity.INTERNAL:
            return True
        return bool(grant_kind) and self.has_grant(grant_kind, object_id)

    def audit_scope(self) -> tuple[frozenset[int], frozenset[int]]:
        """``(alliance_ids, body_ids)`` whose audit history the principal reads (besides operators)."""
        alliances: set[int] = set()
        bodies: set[int] = set(self.body_ids(Role.VERWALTUNGSLEITUNG))
        for name, ids in self.grants.items():
            kind = GRANT_KINDS.get(name)
            if kind is None or not kind.audit:
                continue
            if kind.scope == "alliance":
                alliances |= ids
            elif kind.scope == "body":
                bodies |= ids
        return frozenset(alliances), frozenset(bodies)


ANONYMOUS = Principal()


def principal_of_system(name: str, capabilities: Iterable[str]) -> Principal:
    return Principal(name=name, is_system=True, capabilities=frozenset(capabilities))


# --- building principals from below the accounts part ---------------------------------------------
#
# The accounts part (which knows the role rows and the grant providers) registers its builder at
# start-up; parts on the lowest floor (registry, audit) reach the principal through these two
# functions without importing accounts.

_BUILDER: list[Callable[[Any], Principal]] = []
_REQUEST_ATTR = "_verbund_principal"


def set_principal_builder(builder: Callable[[Any], Principal]) -> None:
    """Called once by ``verbund.accounts`` in ``AppConfig.ready()``."""
    _BUILDER[:] = [builder]


def principal_for(actor: Any) -> Principal:
    """The principal of ``actor`` (a user, a system actor, or a principal), read fresh."""
    if isinstance(actor, Principal):
        return actor
    if not _BUILDER:
        raise RuntimeError("no principal builder registered (is verbund.accounts installed?)")
    return _BUILDER[0](actor)


def principal_of(request: Any) -> Principal:
    """The principal of this request's user, built on first use and kept on the request (never on
    the user object), so a page asks the database once however many checks it makes."""
    user = getattr(request, "user", None)
    cached = getattr(request, _REQUEST_ATTR, None)
    if cached is not None and cached[0] is user:
        return cached[1]
    principal = principal_for(user) if user is not None else ANONYMOUS
    setattr(request, _REQUEST_ATTR, (user, principal))
    return principal
