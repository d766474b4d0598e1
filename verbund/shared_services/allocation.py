"""The allocation engine: how the cost of a shared service is split among its members.

Pure Python and NumPy, **no Django import**, so that it can be tested, property-tested and benchmarked
alone. The Django side (:mod:`verbund.shared_services.calculation`) turns services, recipients,
volumes and registry figures into :class:`Member` rows and a total, and stores what comes back.

Keys are plugins
================
An allocation key (Umlageschlüssel) is a class registered under a name with :func:`register_key`;
a key configuration is JSON (``{"type": "population", ...}``) that :func:`parse_key` validates and
turns into a key object. A new kind of key is a new class, never a new branch in a long function.
Shipped keys (DOMAIN.md §5):

``equal``           Grundbetrag: equal parts
``population``      by inhabitants (the figures of a reference date are supplied by the caller)
``area``            by area (ha)
``volume``          by recorded volume (cases, hours …)
``mix``             weighted mixture, e.g. 50 % ``equal`` + 50 % ``population`` (LK Traunstein)
``fixed_share``     named members pay fixed percentages, the rest by another key (LK Rosenheim: 30 %,
                    the remaining 70 % half equal, half by inhabitants)
``price_per_unit``  a charge: price × units (1.90 EUR per inhabitant, 175 EUR per hour); the total
                    is the sum of the charges

Keys compose: the rest of ``fixed_share`` and the parts of ``mix`` are keys themselves.

Money and rounding
==================
Amounts are handled in integer cents. A share key splits a total ``T`` (cents) by integer weights
``w_i``: member ``i`` is entitled to exactly ``T·w_i / W`` cents (``W = Σ w``). Each member first gets
the whole cents of that, ``⌊T·w_i / W⌋``; the cents still missing (fewer than the number of members)
go one each to the members with the **largest remainders** ``T·w_i mod W``; equal remainders are
broken by the **member key in ascending order** (e.g. the ARS). So shares are exact to the cent,
add up to the total exactly, are never negative, differ from the exact value by less than one cent
per component, and do not depend on the order in which members are given (the engine sorts them by
key first). A ``mix`` first splits the total among its parts by the same rule (ties: earlier part
first), then each part among the members; a ``fixed_share`` splits the total into the fixed parts and
the rest by the same rule. Charges (``price_per_unit``) are rounded per member half up to the cent
(kaufmännische Rundung); their sum is the total.

Pro rata temporis
=================
A member that receives the service for only part of the year (joins or leaves during the year) has
``days`` < ``year_days``. Its weight in ``equal``, ``population`` and ``area`` is multiplied by its
days, so it pays for its part of the year; a fixed percentage is multiplied by ``days / year_days``;
a charge is multiplied by ``days / year_days``. Recorded volumes are not scaled: they were counted
only while the member took part. **The part a member does not pay because it was not there all year
is borne by the other members by the same key** (the shared cost does not shrink because one member
left; the total is always allocated in full). A charge is not redistributed: a member that was
there half the year is charged half, and the provider bears the rest.
"""

from __future__ import annotations

import calendar
import datetime as dt
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

import numpy as np

CENT = Decimal("0.01")
#: Percentages are held in hundredths of a percent (two decimal places): 100 % = 10,000.
PERCENT_SCALE = 100
FULL = 100 * PERCENT_SCALE
#: Volumes are held in hundredths (two decimal places, e.g. 12.5 hours = 1250).
VOLUME_SCALE = 100
#: Prices per unit are held in ten-thousandths of a euro (e.g. 1.90 EUR = 19,000).
PRICE_SCALE = 10_000
_INT64_SAFE = 2**62

Array = np.ndarray


# --- errors -----------------------------------------------------------------------------------------


class AllocationError(ValueError):
    """The cost cannot be allocated with these figures (missing populations, no volume …). German."""


class KeyConfigError(AllocationError):
    """A key configuration is invalid. ``path`` names where in the JSON (``rest.parts[1].weight``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


# --- members and periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One member taking part in a service in one year, with the figures a key may need.

    ``days``: days of the year the member received the service (``None``: the whole year).
    ``population``: inhabitants at the reference date the caller chose; ``area_ha``: area in hectares;
    ``volume``: recorded volume (cases, hours …) while it took part. A figure a key does not use may
    be left ``None``.
    """

    key: str
    name: str = ""
    population: int | None = None
    area_ha: int | None = None
    volume: Decimal | None = None
    days: int | None = None


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def period_days(year: int, periods: Iterable[tuple[dt.date, dt.date | None]]) -> int:
    """Days of ``year`` covered by the union of ``periods`` (both ends inclusive; open end ``None``).

    A member that left and joined again has two periods; overlapping periods count once.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    clipped = []
    for start, end in periods:
        s = max(start, first)
        e = min(end or last, last)
        if s <= e:
            clipped.append((s, e))
    clipped.sort()
    total = 0
    current_start: dt.date | None = None
    current_end: dt.date | None = None
    for s, e in clipped:
        if current_end is None or current_start is None or s > current_end + dt.timedelta(days=1):
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).days + 1
            current_start, current_end = s, e
        elif e > current_end:
            current_end = e
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).days + 1
    return total


class MemberTable:
    """Members sorted by key, with the columns keys need as integer NumPy arrays (built on demand).

    Sorting by key first makes every result independent of the order members were given in, and
    makes "ties go to the smaller key" the same as "ties go to the smaller position". A table made
    by :meth:`subset` is a view: its members and keys are only materialised when asked for.
    """

    __slots__ = ("_columns", "_keys", "_members", "_parent", "_positions", "days", "year_days")

    def __init__(self, members: Iterable[Member], *, year_days: int = 365) -> None:
        ordered = sorted(members, key=_KEY)
        keys = tuple(map(_KEY, ordered))
        if len(set(keys)) != len(keys):
            dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
            raise AllocationError(f"Mitglied mehrfach angegeben: {', '.join(dupes)}.")
        if year_days not in (365, 366):
            raise AllocationError("Ein Jahr hat 365 oder 366 Tage.")
        raw_days = list(map(_DAYS, ordered))
        if None in raw_days:
            raw_days = [year_days if d is None else d for d in raw_days]
        days = np.array(raw_days, dtype=np.int64)
        if len(days) and (days.min() < 0 or days.max() > year_days):
            bad = [m.key for m, d in zip(ordered, raw_days, strict=True) if d < 0 or d > year_days]
            raise AllocationError(f"Beteiligungstage außerhalb von 0 bis {year_days}: {', '.join(bad)}.")
        self._members: tuple[Member, ...] | None = tuple(ordered)
        self._keys: tuple[str, ...] | None = keys
        self._parent: MemberTable | None = None
        self._positions: Array | None = None
        self.year_days = year_days
        self.days: Array = days
        self._columns: dict[str, Array] = {}

    @property
    def members(self) -> tuple[Member, ...]:
        if self._members is None:
            assert self._parent is not None and self._positions is not None
            parent = self._parent.members
            self._members = tuple(parent[i] for i in self._positions.tolist())
        return self._members

    @property
    def keys(self) -> tuple[str, ...]:
        if self._keys is None:
            self._keys = tuple(map(_KEY, self.members))
        return self._keys

    def __len__(self) -> int:
        return len(self.days)

    def column(self, name: str) -> Array:
        """``population``, ``area_ha`` or ``volume`` (in hundredths) as int64; AllocationError if missing."""
        cached = self._columns.get(name)
        if cached is not None:
            return cached
        label = _COLUMN_LABELS[name]
        raw = list(map(attrgetter(name), self.members))
        if None in raw:
            missing = [m.name or m.key for m, value in zip(self.members, raw, strict=True) if value is None]
            raise AllocationError(f"Es fehlt {label} für: {', '.join(missing)}.")
        values = np.array(_hundredths(raw) if name == "volume" else raw, dtype=np.int64)
        if len(values) and values.min() < 0:
            negative = [m.name or m.key for m, v in zip(self.members, raw, strict=True) if v < 0]
            raise AllocationError(f"Negative Werte ({label}) für: {', '.join(negative)}.")
        self._columns[name] = values
        return values

    def subset(self, exclude: set[str]) -> tuple[MemberTable, Array]:
        """The table without the members in ``exclude``, and the positions of the rest in this table."""
        dropped = [i for i in map(self.position, exclude) if i is not None]
        positions = np.delete(np.arange(len(self)), dropped)
        sub = MemberTable.__new__(MemberTable)
        sub._members = None
        sub._keys = None
        sub._parent = self
        sub._positions = positions
        sub.year_days = self.year_days
        sub.days = self.days[positions]
        sub._columns = {name: column[positions] for name, column in self._columns.items()}
        return sub, positions

    def names(self) -> dict[str, str]:
        return {m.key: m.name for m in self.members if m.name}

    def position(self, key: str) -> int | None:
        """The position of the member ``key`` (binary search in the sorted keys), or ``None``."""
        keys = self.keys
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else None


_KEY = attrgetter("key")
_DAYS = attrgetter("days")
_COLUMN_LABELS = {"population": "die Einwohnerzahl", "area_ha": "die Fläche", "volume": "die Menge"}


def _hundredths(values: list[Decimal | int | float]) -> list[int]:
    """Volumes → integer hundredths; AllocationError for more than two decimal places."""
    out = []
    for value in values:
        scaled = (value if type(value) is Decimal else Decimal(str(value))).scaleb(2)
        if scaled != scaled.to_integral_value():  # Decimal with Decimal: no slow mixed comparison
            raise AllocationError(f"Mengen haben höchstens zwei Nachkommastellen: {value}.")
        out.append(int(scaled))
    return out


# --- rounding ---------------------------------------------------------------------------------------


def largest_remainder(total_cents: int, weights: Array) -> Array:
    """Split ``total_cents`` (≥ 0) in proportion to integer ``weights`` (≥ 0), exactly (see module doc).

    Ties of the remainder go to the smaller position (callers keep positions sorted by member key).
    """
    weights = np.asarray(weights, dtype=np.int64)
    n = len(weights)
    if total_cents < 0:
        raise AllocationError("Der zu verteilende Betrag darf nicht negativ sein.")
    if n == 0:
        if total_cents:
            raise AllocationError("Es gibt kein Mitglied, auf das der Betrag verteilt werden kann.")
        return np.zeros(0, dtype=np.int64)
    weight_sum = int(weights.sum())
    if weight_sum <= 0:
        if total_cents == 0:
            return np.zeros(n, dtype=np.int64)
        raise AllocationError("Die Summe der Schlüsselwerte ist 0; der Betrag kann nicht verteilt werden.")
    if total_cents == 0:
        return np.zeros(n, dtype=np.int64)
    if total_cents * int(weights.max()) < _INT64_SAFE:
        product = weights * total_cents
        floors = product // weight_sum
        remainders = product % weight_sum
    else:  # beyond int64: the same arithmetic with Python's unbounded integers
        pairs = [divmod(int(w) * total_cents, weight_sum) for w in weights]
        floors = np.array([q for q, _ in pairs], dtype=np.int64)
        remainders = np.array([r for _, r in pairs], dtype=object)
    missing = total_cents - int(floors.sum())
    if missing:
        if remainders.dtype == object:
            winners = sorted(range(n), key=lambda i: (-remainders[i], i))[:missing]
            floors[winners] += 1
        else:
            # lexsort: last key first; largest remainder, then smallest position
            order = np.lexsort((np.arange(n), -remainders))
            floors[order[:missing]] += 1
    return floors


def _half_up_div(numerator: Array, denominator: int) -> Array:
    """``round(numerator / denominator)`` half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One part of an allocation (e.g. "Grundbetrag (50 %)"), with each member's cents and basis.

    ``basis`` is the figure per member the part was split by (inhabitants, ha, volume, days; ``None``
    for a fixed share), ``weights`` the integer weights after the pro-rata factor.
    """

    label: str
    basis_label: str
    amount_cents: int
    cents: Array
    basis: Array | None = None
    weights: Array | None = None
    #: the basis is held in 1/basis_scale units (volumes: hundredths)
    basis_scale: int = 1

    def scattered(self, positions: Array, size: int, prefix: str) -> Component:
        """This component of a sub-table, placed at ``positions`` of a table of ``size`` members."""

        def spread(values: Array | None) -> Array | None:
            if values is None:
                return None
            out = np.zeros(size, dtype=values.dtype)
            out[positions] = values
            return out

        cents = spread(self.cents)
        assert cents is not None
        return Component(
            label=f"{prefix}{self.label}",
            basis_label=self.basis_label,
            amount_cents=self.amount_cents,
            cents=cents,
            basis=spread(self.basis),
            weights=spread(self.weights),
            basis_scale=self.basis_scale,
        )


@dataclass(frozen=True)
class ComponentShare:
    """A member's part of one component, for invoices: ``amount`` and the basis it was computed from."""

    label: str
    basis_label: str
    amount: Decimal
    component_total: Decimal
    basis: Decimal | None
    basis_total: Decimal | None
    weight_share: Decimal | None  # the member's weight ÷ all weights (0…1), 6 places


@dataclass(frozen=True)
class Allocation:
    """The result: each member's cents (aligned with ``keys``, sorted), the parts, an explanation."""

    keys: tuple[str, ...]
    total_cents: int
    cents: Array
    components: tuple[Component, ...]
    description: str
    is_charge: bool = False
    notes: tuple[str, ...] = ()
    table: MemberTable | None = field(default=None, repr=False, compare=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def name(self, key: str) -> str:
        """The member's name as given (its key if it has none)."""
        if self.table is None:
            return key
        return self.table.members[self._position(key)].name or key

    @property
    def total(self) -> Decimal:
        return cents_to_decimal(self.total_cents)

    @property
    def shares(self) -> dict[str, Decimal]:
        """``{member key: share in EUR}``."""
        return {key: cents_to_decimal(int(c)) for key, c in zip(self.keys, self.cents, strict=True)}

    def _position(self, key: str) -> int:
        if not self._index:
            self._index.update({k: i for i, k in enumerate(self.keys)})
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"{key} ist an dieser Verteilung nicht beteiligt") from None

    def share(self, key: str) -> Decimal:
        return cents_to_decimal(int(self.cents[self._position(key)]))

    def breakdown(self, key: str) -> list[ComponentShare]:
        """The member's part of each component it takes part in, with the basis (for the invoice)."""
        i = self._position(key)
        rows = []
        for part in self.components:
            takes_part = (part.weights is not None and int(part.weights[i]) > 0) or int(part.cents[i]) != 0
            if not takes_part:
                continue
            weight_share = None
            if part.weights is not None:
                total_weight = int(part.weights.sum())
                if total_weight:
                    weight_share = (Decimal(int(part.weights[i])) / Decimal(total_weight)).quantize(
                        Decimal("0.000001")
                    )
            rows.append(
                ComponentShare(
                    label=part.label,
                    basis_label=part.basis_label,
                    amount=cents_to_decimal(int(part.cents[i])),
                    component_total=cents_to_decimal(part.amount_cents),
                    basis=None if part.basis is None else _unscale(int(part.basis[i]), part.basis_scale),
                    basis_total=None
                    if part.basis is None
                    else _unscale(int(part.basis.sum()), part.basis_scale),
                    weight_share=weight_share,
                )
            )
        return rows


def _unscale(value: int, scale: int) -> Decimal:
    return Decimal(value) if scale == 1 else (Decimal(value) / scale).quantize(CENT)


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def to_cents(amount: Decimal | int | str) -> int:
    """EUR (at most two decimal places) → integer cents."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise AllocationError(f"Kein gültiger Betrag: {amount!r}.") from exc
    cents = value * 100
    if cents != cents.to_integral_value():
        raise AllocationError(f"Beträge haben höchstens zwei Nachkommastellen: {amount}.")
    return int(cents)


# --- the plugin registry ----------------------------------------------------------------------------

K = TypeVar("K", bound="type[AllocationKey]")

KEY_TYPES: dict[str, type[AllocationKey]] = {}


def register_key(cls: K) -> K:
    """Class decorator: make a key available under ``cls.type`` in configurations."""
    if cls.type in KEY_TYPES and KEY_TYPES[cls.type] is not cls:
        raise ValueError(f"allocation key type {cls.type!r} is registered twice")
    KEY_TYPES[cls.type] = cls
    return cls


def parse_key(config: Any, path: str = "") -> AllocationKey:
    """Validate a key configuration and build the key; :class:`KeyConfigError` (German) if invalid."""
    if not isinstance(config, Mapping):
        raise KeyConfigError("Ein Schlüssel ist ein Objekt mit dem Feld „type“.", path)
    key_type = config.get("type")
    cls = KEY_TYPES.get(key_type) if isinstance(key_type, str) else None
    if cls is None:
        known = ", ".join(sorted(KEY_TYPES))
        raise KeyConfigError(f"Unbekannter Schlüsseltyp {key_type!r}; möglich: {known}.", _join(path, "type"))
    allowed = {"type", *cls.fields}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise KeyConfigError(f"Unbekannte Angabe(n): {', '.join(unknown)}.", path)
    return cls.from_config(config, path)


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
        {"type": cls.type, "label": cls.label, "help": cls.help, "fields": list(cls.fields)}
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
            raise AllocationError("Für diesen Schlüssel wird ein zu verteilender Betrag benötigt.")
        total_cents = to_cents(total)
        if total_cents < 0:
            raise AllocationError("Der zu verteilende Betrag darf nicht negativ sein.")
        if len(table) == 0:
            if total_cents:
                raise AllocationError("Es gibt kein beteiligtes Mitglied, auf das verteilt werden kann.")
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


# --- keys -------------------------------------------------------------------------------------------


class AllocationKey(ABC):
    """A key: from a validated configuration to components (each member's cents of the total)."""

    #: name in configurations
    type: ClassVar[str]
    #: German name for the key editor
    label: ClassVar[str]
    help: ClassVar[str] = ""
    #: configuration fields besides ``type``
    fields: ClassVar[tuple[str, ...]] = ()
    #: a charge (price × units): the total is the sum of the charges, not an input
    is_charge: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> AllocationKey: ...

    @abstractmethod
    def to_config(self) -> dict[str, Any]: ...

    @abstractmethod
    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """The key in one German sentence, for the invoice."""

    @abstractmethod
    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        """Split ``total_cents`` among ``table`` (positions of the table), adding German ``notes``."""


class WeightKey(AllocationKey):
    """A share key given by one integer weight per member (the basis × the member's days)."""

    basis_label: ClassVar[str]
    basis_scale: ClassVar[int] = 1

    @abstractmethod
    def basis(self, table: MemberTable) -> Array:
        """The figure per member (inhabitants, ha, volume in hundredths, days)."""

    def weights(self, table: MemberTable) -> Array:
        return self.basis(table) * table.days

    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        basis = self.basis(table)
        weights = self.weights(table)
        if total_cents and int(weights.sum()) == 0:
            raise AllocationError(f"Schlüssel „{self.label}“: die Summe der Werte ist 0.")
        cents = largest_remainder(total_cents, weights)
        return [
            Component(
                label=self.label,
                basis_label=self.basis_label,
                amount_cents=total_cents,
                cents=cents,
                basis=basis,
                weights=weights,
                basis_scale=self.basis_scale,
            )
        ]


@register_key
class EqualKey(WeightKey):
    type = "equal"
    label = "Grundbetrag"
    help = "Alle Mitglieder zahlen gleich viel (bei Beteiligung über einen Teil des Jahres anteilig)."
    basis_label = "Beteiligungstage"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> EqualKey:
        return cls()

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return "Grundbetrag zu gleichen Teilen"

    def basis(self, table: MemberTable) -> Array:
        return table.days

    def weights(self, table: MemberTable) -> Array:
        return table.days


@register_key
class PopulationKey(WeightKey):
    type = "population"
    label = "Einwohner"
    help = "Nach Einwohnerzahl zum vereinbarten Stichtag (z. B. 30.06. des Vorjahres)."
    fields = ("reference",)
    basis_label = "Einwohner"

    def __init__(self, reference: str = "") -> None:
        self.reference = reference

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> PopulationKey:
        return cls(reference=_text(config.get("reference", ""), _join(path, "reference"), 100))

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type, **({"reference": self.reference} if self.reference else {})}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return "nach Einwohnern" + (f" (Stichtag: {self.reference})" if self.reference else "")

    def basis(self, table: MemberTable) -> Array:
        return table.column("population")


@register_key
class AreaKey(WeightKey):
    type = "area"
    label = "Fläche"
    help = "Nach Fläche des Gebiets (Hektar)."
    basis_label = "Fläche (ha)"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> AreaKey:
        return cls()

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return "nach Fläche"

    def basis(self, table: MemberTable) -> Array:
        return table.column("area_ha")


@register_key
class VolumeKey(WeightKey):
    type = "volume"
    label = "Menge"
    help = "Nach erfasster Menge (Fälle, Stunden …) im Abrechnungszeitraum."
    fields = ("unit",)
    basis_label = "Menge"
    basis_scale = VOLUME_SCALE

    def __init__(self, unit: str = "") -> None:
        self.unit = unit

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> VolumeKey:
        return cls(unit=_text(config.get("unit", ""), _join(path, "unit"), 60))

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type, **({"unit": self.unit} if self.unit else {})}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"nach {self.unit}" if self.unit else "nach erfasster Menge"

    def basis(self, table: MemberTable) -> Array:
        return table.column("volume")

    def weights(self, table: MemberTable) -> Array:
        # Volumes were only counted while the member took part: no pro-rata factor.
        return table.column("volume")


@register_key
class MixKey(AllocationKey):
    """Weighted mixture: the total is split among the parts by their percentages, each part by its key."""

    type = "mix"
    label = "Mischschlüssel"
    help = (
        "Mehrere Schlüssel mit Gewichten, die zusammen 100 % ergeben "
        "(z. B. 50 % Grundbetrag + 50 % Einwohner)."
    )
    fields = ("parts",)

    def __init__(self, parts: Sequence[tuple[int, AllocationKey]]) -> None:
        self.parts = list(parts)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> MixKey:
        raw = config.get("parts")
        here = _join(path, "parts")
        if not isinstance(raw, list) or len(raw) < 2:
            raise KeyConfigError("Ein Mischschlüssel braucht mindestens zwei Teile.", here)
        parts = []
        for i, item in enumerate(raw):
            where = f"{here}[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"weight", "key"}:
                raise KeyConfigError("Jeder Teil hat genau „weight“ (Prozent) und „key“.", where)
            weight = _percent(item["weight"], _join(where, "weight"))
            if weight == 0:
                raise KeyConfigError("Ein Teil mit 0 % ist überflüssig.", _join(where, "weight"))
            key = parse_key(item["key"], _join(where, "key"))
            if key.is_charge:
                raise KeyConfigError("Ein Preis je Einheit kann nicht Teil einer Mischung sein.", where)
            parts.append((weight, key))
        total = sum(w for w, _ in parts)
        if total != FULL:
            raise KeyConfigError(f"Die Gewichte ergeben {_format_percent(total)} %, nicht 100 %.", here)
        return cls(parts)

    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "parts": [{"weight": _percent_str(w), "key": k.to_config()} for w, k in self.parts],
        }

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return " + ".join(f"{_format_percent(w)} % {k.describe(names)}" for w, k in self.parts)

    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        weights = np.array([w for w, _ in self.parts], dtype=np.int64)
        amounts = largest_remainder(total_cents, weights)
        result = []
        for (weight, key), amount in zip(self.parts, amounts, strict=True):
            for part in key.components(int(amount), table, notes):
                result.append(_relabel(part, f"{_format_percent(weight)} % {part.label}"))
        return result


@register_key
class FixedShareKey(AllocationKey):
    """Named members pay fixed percentages (pro rata temporis); the rest is split among the others."""

    type = "fixed_share"
    label = "Fester Anteil"
    help = (
        "Benannte Mitglieder tragen einen festen Prozentsatz (z. B. der Landkreis 30 %); "
        "der Rest wird unter den übrigen Mitgliedern nach einem weiteren Schlüssel verteilt."
    )
    fields = ("shares", "rest")

    def __init__(self, shares: Mapping[str, int], rest: AllocationKey | None) -> None:
        self.shares = dict(sorted(shares.items()))
        self.rest = rest

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> FixedShareKey:
        raw = config.get("shares")
        here = _join(path, "shares")
        if not isinstance(raw, Mapping) or not raw:
            raise KeyConfigError("Mindestens ein Mitglied mit festem Anteil angeben.", here)
        shares = {}
        for member_key, value in raw.items():
            if not isinstance(member_key, str) or not member_key.strip():
                raise KeyConfigError("Mitglieder werden mit ihrem Schlüssel angegeben.", here)
            shares[member_key.strip()] = _percent(value, f"{here}.{member_key}")
        fixed_total = sum(shares.values())
        if fixed_total > FULL:
            raise KeyConfigError(
                f"Die festen Anteile ergeben {_format_percent(fixed_total)} %, mehr als 100 %.", here
            )
        rest = None
        if "rest" in config and config["rest"] is not None:
            rest = parse_key(config["rest"], _join(path, "rest"))
            if rest.is_charge:
                raise KeyConfigError(
                    "Der Rest kann nicht nach Preis je Einheit verteilt werden.", _join(path, "rest")
                )
        elif fixed_total < FULL:
            raise KeyConfigError("Für den Rest ist ein Schlüssel anzugeben („rest“).", _join(path, "rest"))
        return cls(shares, rest)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "type": self.type,
            "shares": {k: _percent_str(v) for k, v in self.shares.items()},
        }
        if self.rest is not None:
            config["rest"] = self.rest.to_config()
        return config

    @property
    def rest_percent(self) -> int:
        return FULL - sum(self.shares.values())

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        names = {} if names is None else names
        fixed = ", ".join(
            f"{names.get(k, k)} trägt fest {_format_percent(v)} %" for k, v in self.shares.items()
        )
        if self.rest is None or self.rest_percent == 0:
            return fixed
        return f"{fixed}; der Rest ({_format_percent(self.rest_percent)} %): {self.rest.describe(names)}"

    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        fixed_keys = list(self.shares)
        positions = {k: table.position(k) for k in fixed_keys}
        # Parts over the common denominator FULL × year_days: each fixed member pays its percentage
        # for its days; the rest is what they do not pay.
        part_weights = []
        for member_key in fixed_keys:
            i = positions.get(member_key)
            days = int(table.days[i]) if i is not None else 0
            if i is None:
                notes.append(
                    f"{member_key} ist in diesem Jahr nicht beteiligt; "
                    "sein fester Anteil wird mit dem Rest verteilt."
                )
            part_weights.append(self.shares[member_key] * days)
        # 100 % fixed (no rest key): what a member does not pay for its missing days is borne by the
        # other fixed members in proportion to their percentages.
        rest_weight = 0 if self.rest is None else FULL * table.year_days - sum(part_weights)
        amounts = largest_remainder(total_cents, np.array([*part_weights, rest_weight], dtype=np.int64))
        result = []
        for member_key, amount in zip(fixed_keys, amounts[:-1], strict=True):
            i = positions.get(member_key)
            if i is None:
                continue
            cents = np.zeros(len(table), dtype=np.int64)
            cents[i] = amount
            label = f"Fester Anteil {_format_percent(self.shares[member_key])} %"
            result.append(
                Component(label=label, basis_label="fester Anteil", amount_cents=int(amount), cents=cents)
            )
        rest_cents = int(amounts[-1])
        if rest_cents:
            assert self.rest is not None  # rest_weight is 0 without a rest key
            sub, sub_positions = table.subset(set(fixed_keys))
            if len(sub) == 0:
                raise AllocationError(
                    "Außer den Mitgliedern mit festem Anteil ist niemand beteiligt, der den Rest trägt."
                )
            prefix = f"Rest ({_format_percent(self.rest_percent)} %): "
            for part in self.rest.components(rest_cents, sub, notes):
                result.append(part.scattered(sub_positions, len(table), prefix))
        return result


@register_key
class PricePerUnitKey(AllocationKey):
    """A charge: each member pays price × its units (pro rata temporis for per-year units)."""

    type = "price_per_unit"
    label = "Preis je Einheit"
    help = (
        "Ein Entgelt je Einheit, z. B. 1,90 EUR je Einwohner oder 175 EUR je Stunde; "
        "die Summe ist der Gesamtbetrag."
    )
    fields = ("price", "unit", "unit_label")
    is_charge = True
    UNITS: ClassVar[dict[str, str]] = {
        "population": "Einwohner",
        "volume": "Einheit (erfasste Menge)",
        "area": "Hektar",
        "member": "Mitglied und Jahr",
    }

    def __init__(self, price: int, unit: str, unit_label: str = "") -> None:
        self.price = price  # in 1/10,000 EUR
        self.unit = unit
        self.unit_label = unit_label

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> PricePerUnitKey:
        price = _scaled(config.get("price"), _join(path, "price"), PRICE_SCALE, "Preis", 4)
        unit = config.get("unit", "population")
        if unit not in cls.UNITS:
            raise KeyConfigError(f"Einheit muss eine von {', '.join(cls.UNITS)} sein.", _join(path, "unit"))
        return cls(price, unit, _text(config.get("unit_label", ""), _join(path, "unit_label"), 60))

    def to_config(self) -> dict[str, Any]:
        config = {"type": self.type, "price": _price_str(self.price), "unit": self.unit}
        if self.unit_label:
            config["unit_label"] = self.unit_label
        return config

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        unit = self.unit_label or self.UNITS[self.unit]
        return f"{_format_decimal(Decimal(self.price) / PRICE_SCALE, min_places=2)} EUR je {unit}"

    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        if self.unit == "volume":
            basis = table.column("volume")
            # price (1/10,000 EUR) × volume (1/100) → 1/1,000,000 EUR → cents: ÷ 10,000
            numerator, denominator = basis * self.price, PRICE_SCALE * VOLUME_SCALE // 100
            weights = basis
        else:
            basis = {
                "population": lambda: table.column("population"),
                "area": lambda: table.column("area_ha"),
                "member": lambda: np.ones(len(table), dtype=np.int64),
            }[self.unit]()
            weights = basis * table.days
            # price (1/10,000 EUR) × units × days / year_days → cents: ÷ (100 × year_days)
            numerator, denominator = weights * self.price, (PRICE_SCALE // 100) * table.year_days
        if len(numerator) and int(numerator.max()) >= _INT64_SAFE // 2:
            raise AllocationError("Die Beträge sind zu groß für eine Berechnung auf den Cent.")
        cents = _half_up_div(numerator, denominator)
        return [
            Component(
                label=self.describe(),
                basis_label=self.unit_label or self.UNITS[self.unit],
                amount_cents=int(cents.sum()),
                cents=cents,
                basis=basis,
                weights=weights,
                basis_scale=VOLUME_SCALE if self.unit == "volume" else 1,
            )
        ]


# --- helpers ----------------------------------------------------------------------------------------


def _relabel(part: Component, label: str) -> Component:
    return Component(
        label=label,
        basis_label=part.basis_label,
        amount_cents=part.amount_cents,
        cents=part.cents,
        basis=part.basis,
        weights=part.weights,
        basis_scale=part.basis_scale,
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text(value: Any, path: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise KeyConfigError("Text erwartet.", path)
    value = value.strip()
    if len(value) > max_length:
        raise KeyConfigError(f"Höchstens {max_length} Zeichen.", path)
    return value


def _scaled(value: Any, path: str, scale: int, what: str, places: int) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise KeyConfigError(f"{what}: eine Zahl erwartet.", path)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise KeyConfigError(f"{what}: keine gültige Zahl ({value!r}).", path) from exc
    if not number.is_finite():
        raise KeyConfigError(f"{what}: keine gültige Zahl ({value!r}).", path)
    if number < 0:
        raise KeyConfigError(f"{what} darf nicht negativ sein.", path)
    scaled = number * scale
    if scaled != scaled.to_integral_value():
        raise KeyConfigError(f"{what}: höchstens {places} Nachkommastellen.", path)
    return int(scaled)


def _percent(value: Any, path: str) -> int:
    result = _scaled(value, path, PERCENT_SCALE, "Prozentsatz", 2)
    if result > FULL:
        raise KeyConfigError("Ein Prozentsatz liegt zwischen 0 und 100.", path)
    return result


def _percent_str(value: int) -> str:
    return str((Decimal(value) / PERCENT_SCALE).quantize(CENT))


def _price_str(value: int) -> str:
    """1.9 → "1.90", 0.0125 → "0.0125": at least two, at most four decimal places."""
    price = Decimal(value) / PRICE_SCALE
    if price == price.quantize(CENT):
        return str(price.quantize(CENT))
    return format(price.quantize(Decimal("0.0001")).normalize(), "f")


def _format_percent(value: int) -> str:
    return _format_decimal(Decimal(value) / PERCENT_SCALE)


def _format_decimal(value: Decimal, *, min_places: int = 0) -> str:
    """German notation without trailing zeros beyond ``min_places``: 50 → "50", 12.5 → "12,5"."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{value:,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_eur(value: Decimal | int) -> str:
    """``1234.5`` → ``1.234,50 EUR`` (German notation)."""
    return f"{_format_decimal(Decimal(value).quantize(CENT), min_places=2)} EUR"


def describe_config(config: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """German description of a stored configuration (``parse_key(config).describe(names)``)."""
    return parse_key(config).describe(names)


#: For callers that want to build configurations in code (demo data, tests).
def mix(*parts: tuple[str | int | Decimal, Mapping[str, Any]]) -> dict[str, Any]:
    return {"type": "mix", "parts": [{"weight": str(w), "key": dict(k)} for w, k in parts]}


def fixed_share(shares: Mapping[str, str | int | Decimal], rest: Mapping[str, Any] | None) -> dict[str, Any]:
    config: dict[str, Any] = {"type": "fixed_share", "shares": {k: str(v) for k, v in shares.items()}}
    if rest is not None:
        config["rest"] = dict(rest)
    return config


EQUAL: dict[str, Any] = {"type": "equal"}
POPULATION: dict[str, Any] = {"type": "population"}
