"""Reading the audit log: what a principal may read, and the names of its scopes.

The log stores the scope of an entry as plain ids (``alliance_id``, ``body_id``): the audit part sits
below the alliances and the registry and cannot import them. The parts above register how to name
those ids (:func:`register_scope_names`; the web shell does it at start-up), so the filter lists
read "Verbund Cyber-Sicherheit" instead of a number. Without a registered namer the id is named
"Verbund Nr. 7".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from verbund.common.i18n import gettext, gettext_noop
from verbund.common.principal import Principal

from .models import AuditEntry, AuditEntryQuerySet, SensitiveRead, SensitiveReadQuerySet

ScopeNamer = Callable[[Iterable[int]], dict[int, str]]

#: "alliance" / "body" → a function naming ids (one query for all of them)
SCOPE_NAMERS: dict[str, ScopeNamer] = {}
SCOPE_WORDS = {"alliance": gettext_noop("Verbund"), "body": gettext_noop("Körperschaft")}


def register_scope_names(kind: str, namer: ScopeNamer) -> None:
    """Let a higher part name the alliances or bodies of audit entries (``kind``: alliance/body)."""
    if kind not in SCOPE_WORDS:
        raise ValueError(f"unknown audit scope {kind!r}")
    SCOPE_NAMERS[kind] = namer


def scope_names(kind: str, ids: Iterable[int]) -> dict[int, str]:
    """``{id: name}`` for ``ids`` (one query when a namer is registered, none otherwise)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    namer = SCOPE_NAMERS.get(kind)
    named = namer(wanted) if namer is not None else {}
    return {
        i: named.get(i) or gettext("%(word)s Nr. %(id)s") % {"word": gettext(SCOPE_WORDS[kind]), "id": i}
        for i in wanted
    }


def may_read_audit(principal: Principal) -> bool:
    """Operators, and whoever's :meth:`Principal.audit_scope` is not empty (coordinators, heads)."""
    if principal.is_operator:
        return True
    alliances, bodies = principal.audit_scope()
    return bool(alliances or bodies)


def may_read_sensitive_reads(principal: Principal) -> bool:
    """Only operators read who read confidential data."""
    return principal.is_operator


def audit_entries(principal: Principal) -> AuditEntryQuerySet:
    return AuditEntry.objects.visible_to(principal)


def sensitive_reads(principal: Principal) -> SensitiveReadQuerySet:
    return SensitiveRead.objects.visible_to(principal)
