"""Allocation keys are plugins: the registry, the base classes and the shipped keys (pure)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar

import numpy as np

from verbund.common.i18n import _, gettext_noop

from .base import (
    _INT64_SAFE,
    FULL,
    PERCENT_SCALE,
    PRICE_SCALE,
    VOLUME_SCALE,
    AllocationError,
    Array,
    KeyConfigError,
    MemberTable,
)
from .describe import _percent_str, _price_str, format_percent, format_price
from .results import Component
from .rounding import _half_up_div, largest_remainder

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
        raise KeyConfigError(_("Ein Schlüssel ist ein Objekt mit dem Feld „type“."), path)
    key_type = config.get("type")
    cls = KEY_TYPES.get(key_type) if isinstance(key_type, str) else None
    if cls is None:
        known = ", ".join(sorted(KEY_TYPES))
        raise KeyConfigError(
            _("Unbekannter Schlüsseltyp %(type)r; möglich: %(known)s.") % {"type": key_type, "known": known},
            _join(path, "type"),
        )
    allowed = {"type", *cls.fields}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise KeyConfigError(_("Unbekannte Angabe(n): %(names)s.") % {"names": ", ".join(unknown)}, path)
    return cls.from_config(config, path)


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
            raise AllocationError(
                _("Schlüssel „%(key)s“: die Summe der Werte ist 0.") % {"key": _(self.label)}
            )
        cents = largest_remainder(total_cents, weights)
        return [
            Component(
                label=_(self.label),
                basis_label=_(self.basis_label),
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
    label = gettext_noop("Grundbetrag")
    help = gettext_noop(
        "Alle Mitglieder zahlen gleich viel (bei Beteiligung über einen Teil des Jahres anteilig)."
    )
    basis_label = gettext_noop("Beteiligungstage")

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> EqualKey:
        return cls()

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return _("Grundbetrag zu gleichen Teilen")

    def basis(self, table: MemberTable) -> Array:
        return table.days

    def weights(self, table: MemberTable) -> Array:
        return table.days


@register_key
class PopulationKey(WeightKey):
    type = "population"
    label = gettext_noop("Einwohner")
    help = gettext_noop("Nach Einwohnerzahl zum vereinbarten Stichtag (z. B. 30.06. des Vorjahres).")
    fields = ("reference",)
    basis_label = gettext_noop("Einwohner")

    def __init__(self, reference: str = "") -> None:
        self.reference = reference

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> PopulationKey:
        return cls(reference=_text(config.get("reference", ""), _join(path, "reference"), 100))

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type, **({"reference": self.reference} if self.reference else {})}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        if self.reference:
            return _("nach Einwohnern (Stichtag: %(date)s)") % {"date": self.reference}
        return _("nach Einwohnern")

    def basis(self, table: MemberTable) -> Array:
        return table.column("population")


@register_key
class AreaKey(WeightKey):
    type = "area"
    label = gettext_noop("Fläche")
    help = gettext_noop("Nach Fläche des Gebiets (Hektar).")
    basis_label = gettext_noop("Fläche (ha)")

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> AreaKey:
        return cls()

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return _("nach Fläche")

    def basis(self, table: MemberTable) -> Array:
        return table.column("area_ha")


@register_key
class VolumeKey(WeightKey):
    type = "volume"
    label = gettext_noop("Menge")
    help = gettext_noop("Nach erfasster Menge (Fälle, Stunden …) im Abrechnungszeitraum.")
    fields = ("unit",)
    basis_label = gettext_noop("Menge")
    basis_scale = VOLUME_SCALE

    def __init__(self, unit: str = "") -> None:
        self.unit = unit

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> VolumeKey:
        return cls(unit=_text(config.get("unit", ""), _join(path, "unit"), 60))

    def to_config(self) -> dict[str, Any]:
        return {"type": self.type, **({"unit": self.unit} if self.unit else {})}

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return _("nach %(unit)s") % {"unit": self.unit} if self.unit else _("nach erfasster Menge")

    def basis(self, table: MemberTable) -> Array:
        return table.column("volume")

    def weights(self, table: MemberTable) -> Array:
        # Volumes were only counted while the member took part: no pro-rata factor.
        return table.column("volume")


@register_key
class MixKey(AllocationKey):
    """Weighted mixture: the total is split among the parts by their percentages, each part by its key."""

    type = "mix"
    label = gettext_noop("Mischschlüssel")
    help = gettext_noop(
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
            raise KeyConfigError(_("Ein Mischschlüssel braucht mindestens zwei Teile."), here)
        parts = []
        for i, item in enumerate(raw):
            where = f"{here}[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"weight", "key"}:
                raise KeyConfigError(_("Jeder Teil hat genau „weight“ (Prozent) und „key“."), where)
            weight = _percent(item["weight"], _join(where, "weight"))
            if weight == 0:
                raise KeyConfigError(_("Ein Teil mit 0 % ist überflüssig."), _join(where, "weight"))
            key = parse_key(item["key"], _join(where, "key"))
            if key.is_charge:
                raise KeyConfigError(_("Ein Preis je Einheit kann nicht Teil einer Mischung sein."), where)
            parts.append((weight, key))
        total = sum(w for w, _ in parts)
        if total != FULL:
            raise KeyConfigError(
                _("Die Gewichte ergeben %(total)s %%, nicht 100 %%.") % {"total": format_percent(total)}, here
            )
        return cls(parts)

    def to_config(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "parts": [{"weight": _percent_str(w), "key": k.to_config()} for w, k in self.parts],
        }

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return " + ".join(f"{format_percent(w)} % {k.describe(names)}" for w, k in self.parts)

    def components(self, total_cents: int, table: MemberTable, notes: list[str]) -> list[Component]:
        weights = np.array([w for w, _ in self.parts], dtype=np.int64)
        amounts = largest_remainder(total_cents, weights)
        result = []
        for (weight, key), amount in zip(self.parts, amounts, strict=True):
            for part in key.components(int(amount), table, notes):
                result.append(_relabel(part, f"{format_percent(weight)} % {part.label}"))
        return result


@register_key
class FixedShareKey(AllocationKey):
    """Named members pay fixed percentages (pro rata temporis); the rest is split among the others."""

    type = "fixed_share"
    label = gettext_noop("Fester Anteil")
    help = gettext_noop(
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
            raise KeyConfigError(_("Mindestens ein Mitglied mit festem Anteil angeben."), here)
        shares = {}
        for member_key, value in raw.items():
            if not isinstance(member_key, str) or not member_key.strip():
                raise KeyConfigError(_("Mitglieder werden mit ihrem Schlüssel angegeben."), here)
            shares[member_key.strip()] = _percent(value, f"{here}.{member_key}")
        fixed_total = sum(shares.values())
        if fixed_total > FULL:
            raise KeyConfigError(
                _("Die festen Anteile ergeben %(total)s %%, mehr als 100 %%.")
                % {"total": format_percent(fixed_total)},
                here,
            )
        rest = None
        if "rest" in config and config["rest"] is not None:
            rest = parse_key(config["rest"], _join(path, "rest"))
            if rest.is_charge:
                raise KeyConfigError(
                    _("Der Rest kann nicht nach Preis je Einheit verteilt werden."), _join(path, "rest")
                )
        elif fixed_total < FULL:
            raise KeyConfigError(_("Für den Rest ist ein Schlüssel anzugeben („rest“)."), _join(path, "rest"))
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
            _("%(member)s trägt fest %(percent)s %%")
            % {"member": names.get(k, k), "percent": format_percent(v)}
            for k, v in self.shares.items()
        )
        if self.rest is None or self.rest_percent == 0:
            return fixed
        return _("%(fixed)s; der Rest (%(percent)s %%): %(rest)s") % {
            "fixed": fixed,
            "percent": format_percent(self.rest_percent),
            "rest": self.rest.describe(names),
        }

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
                    _(
                        "%(member)s ist in diesem Jahr nicht beteiligt; "
                        "sein fester Anteil wird mit dem Rest verteilt."
                    )
                    % {"member": member_key}
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
            label = _("Fester Anteil %(percent)s %%") % {"percent": format_percent(self.shares[member_key])}
            result.append(
                Component(label=label, basis_label=_("fester Anteil"), amount_cents=int(amount), cents=cents)
            )
        rest_cents = int(amounts[-1])
        if rest_cents:
            assert self.rest is not None  # rest_weight is 0 without a rest key
            sub, sub_positions = table.subset(set(fixed_keys))
            if len(sub) == 0:
                raise AllocationError(
                    _("Außer den Mitgliedern mit festem Anteil ist niemand beteiligt, der den Rest trägt.")
                )
            prefix = _("Rest (%(percent)s %%): ") % {"percent": format_percent(self.rest_percent)}
            for part in self.rest.components(rest_cents, sub, notes):
                result.append(part.scattered(sub_positions, len(table), prefix))
        return result


@register_key
class PricePerUnitKey(AllocationKey):
    """A charge: each member pays price × its units (pro rata temporis for per-year units)."""

    type = "price_per_unit"
    label = gettext_noop("Preis je Einheit")
    help = gettext_noop(
        "Ein Entgelt je Einheit, z. B. 1,90 EUR je Einwohner oder 175 EUR je Stunde; "
        "die Summe ist der Gesamtbetrag."
    )
    fields = ("price", "unit", "unit_label")
    is_charge = True
    UNITS: ClassVar[dict[str, str]] = {
        "population": gettext_noop("Einwohner"),
        "volume": gettext_noop("Einheit (erfasste Menge)"),
        "area": gettext_noop("Hektar"),
        "member": gettext_noop("Mitglied und Jahr"),
    }

    def __init__(self, price: int, unit: str, unit_label: str = "") -> None:
        self.price = price  # in 1/10,000 EUR
        self.unit = unit
        self.unit_label = unit_label

    @classmethod
    def from_config(cls, config: Mapping[str, Any], path: str) -> PricePerUnitKey:
        price = _scaled(config.get("price"), _join(path, "price"), PRICE_SCALE, _("Preis"), 4)
        unit = config.get("unit", "population")
        if unit not in cls.UNITS:
            raise KeyConfigError(
                _("Einheit muss eine von %(units)s sein.") % {"units": ", ".join(cls.UNITS)},
                _join(path, "unit"),
            )
        return cls(price, unit, _text(config.get("unit_label", ""), _join(path, "unit_label"), 60))

    def to_config(self) -> dict[str, Any]:
        config = {"type": self.type, "price": _price_str(self.price), "unit": self.unit}
        if self.unit_label:
            config["unit_label"] = self.unit_label
        return config

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        unit = self.unit_label or _(self.UNITS[self.unit])
        return _("%(price)s EUR je %(unit)s") % {"price": format_price(self.price), "unit": unit}

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
            raise AllocationError(_("Die Beträge sind zu groß für eine Berechnung auf den Cent."))
        cents = _half_up_div(numerator, denominator)
        return [
            Component(
                label=self.describe(),
                basis_label=self.unit_label or _(self.UNITS[self.unit]),
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
        raise KeyConfigError(_("Text erwartet."), path)
    value = value.strip()
    if len(value) > max_length:
        raise KeyConfigError(_("Höchstens %(count)s Zeichen.") % {"count": max_length}, path)
    return value


def _scaled(value: Any, path: str, scale: int, what: str, places: int) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise KeyConfigError(_("%(what)s: eine Zahl erwartet.") % {"what": what}, path)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise KeyConfigError(
            _("%(what)s: keine gültige Zahl (%(value)r).") % {"what": what, "value": value}, path
        ) from exc
    if not number.is_finite():
        raise KeyConfigError(
            _("%(what)s: keine gültige Zahl (%(value)r).") % {"what": what, "value": value}, path
        )
    if number < 0:
        raise KeyConfigError(_("%(what)s darf nicht negativ sein.") % {"what": what}, path)
    scaled = number * scale
    if scaled != scaled.to_integral_value():
        raise KeyConfigError(
            _("%(what)s: höchstens %(places)s Nachkommastellen.") % {"what": what, "places": places}, path
        )
    return int(scaled)


def _percent(value: Any, path: str) -> int:
    result = _scaled(value, path, PERCENT_SCALE, _("Prozentsatz"), 2)
    if result > FULL:
        raise KeyConfigError(_("Ein Prozentsatz liegt zwischen 0 und 100."), path)
    return result
