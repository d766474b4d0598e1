"""The results of an allocation: components, a member's breakdown, the allocation (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .base import Array, MemberTable
from .rounding import _unscale, cents_to_decimal


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
