"""Validating configurations and allocating a total among members (pure: no Django)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import numpy as np

from verbund.common.i18n import _

from .base import AllocationError, Member, MemberTable
from .keys import KEY_TYPES, AllocationKey, parse_key
from .results import Allocation
from .rounding import to_cents


def validate_key(config: Any) -> dict[str, Any]:
    """The normalised configuration (what :meth:`AllocationKey.to_config` writes back), or KeyConfigError."""
    return parse_key(config).to_config()


def named_members(config: Any) -> set[str]:
    """The member keys a configuration names (fixed shares, at any depth)."""
    found: set[str] = set()
    if isinstance(config, Mapping):
        if config.get("type") == "fixed_share" and isinstance(config.get("shares"), Mapping):
            found |= {str(k) for k in config["shares"]}
        for value in config.values():
            found |= named_members(value)
    elif isinstance(config, list):
        for value in config:
            found |= named_members(value)
    return found


def key_types() -> list[dict[str, Any]]:
    """The registered keys for a key editor or the API: type, German label, help, fields."""
    return [
        {"type": cls.type, "label": _(cls.label), "help": _(cls.help), "fields": list(cls.fields)}
        for cls in KEY_TYPES.values()
    ]


def allocate(
    key: AllocationKey | Mapping[str, Any],
    total: Decimal | int | str | None,
    members: MemberTable | Iterable[Member],
    *,
    year_days: int = 365,
    names: Mapping[str, str] | None = None,
) -> Allocation:
    """Allocate ``total`` (EUR) among ``members`` by ``key`` (a key or its configuration).

    For a charge key (``price_per_unit``) ``total`` is ignored (give ``None``): the charges are the
    result and their sum the total.
    """
    if not isinstance(key, AllocationKey):
        key = parse_key(key)
    table = members if isinstance(members, MemberTable) else MemberTable(members, year_days=year_days)
    if names is None:
        names = _LazyNames(table)
    notes: list[str] = []
    if key.is_charge:
        components = key.components(0, table, notes)
        total_cents = sum(c.amount_cents for c in components)
    else:
        if total is None:
            raise AllocationError(_("Für diesen Schlüssel wird ein zu verteilender Betrag benötigt."))
        total_cents = to_cents(total)
        if total_cents < 0:
            raise AllocationError(_("Der zu verteilende Betrag darf nicht negativ sein."))
        if len(table) == 0:
            if total_cents:
                raise AllocationError(_("Es gibt kein beteiligtes Mitglied, auf das verteilt werden kann."))
            components = []
        else:
            components = key.components(total_cents, table, notes)
    cents = np.zeros(len(table), dtype=np.int64)
    for part in components:
        cents += part.cents
    return Allocation(
        keys=table.keys,
        total_cents=total_cents,
        cents=cents,
        components=tuple(components),
        description=key.describe(names),
        is_charge=key.is_charge,
        notes=tuple(notes),
        table=table,
    )


class _LazyNames(Mapping[str, str]):
    """The members' names, collected only if a description asks for one (fixed shares do)."""

    def __init__(self, table: MemberTable) -> None:
        self._table = table
        self._names: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._names is None:
            self._names = self._table.names()
        return self._names

    def __getitem__(self, key: str) -> str:
        if self._names is None:  # one name: no need to collect them all
            i = self._table.position(key)
            if i is None or not self._table.members[i].name:
                raise KeyError(key)
            return self._table.members[i].name
        return self._names[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def describe_config(config: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """German description of a stored configuration (``parse_key(config).describe(names)``)."""
    return parse_key(config).describe(names)
