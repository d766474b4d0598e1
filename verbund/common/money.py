"""Money to the cent: EUR as ``Decimal`` with two places, integer cents, largest-remainder rounding.

Pure (NumPy, no Django), so that the allocation engine, funding's rules and the invoices share one
definition. ARCHITECTURE.md: shares that must add up are rounded so that they add up exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np

from .i18n import _

CENT = Decimal("0.01")
_INT64_SAFE = 2**62


class MoneyError(ValueError):
    """An amount that is not a valid amount of EUR (German message)."""


def cents(value: Decimal | int | str | float) -> Decimal:
    """``value`` as a Decimal rounded to the cent (half up, as in German public finance)."""
    return Decimal(str(value) if isinstance(value, float) else value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal | int | str) -> int:
    """EUR (at most two decimal places) → integer cents; more places are an error, not rounded."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise MoneyError(_("Kein gültiger Betrag: %(amount)r.") % {"amount": amount}) from exc
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise MoneyError(_("Beträge haben höchstens zwei Nachkommastellen: %(amount)s.") % {"amount": amount})
    return int(scaled)


def cents_to_decimal(amount_cents: int) -> Decimal:
    """Integer cents → EUR as a Decimal with two places."""
    return (Decimal(int(amount_cents)) / 100).quantize(CENT)


def largest_remainder(total_cents: int, weights: Any) -> Any:
    """Split ``total_cents`` (≥ 0) in proportion to integer ``weights`` (≥ 0), exactly.

    Each position gets the whole cents of its exact share; the cents still missing go one each to
    the positions with the largest remainders, ties to the smaller position (callers keep
    positions sorted by a stable key, e.g. the ARS). Returns an ``int64`` array that sums to
    ``total_cents``. Raises :class:`MoneyError` for a negative total or a total with no weight.
    """
    weights = np.asarray(weights, dtype=np.int64)
    n = len(weights)
    if total_cents < 0:
        raise MoneyError(_("Der zu verteilende Betrag darf nicht negativ sein."))
    if n == 0:
        if total_cents:
            raise MoneyError(_("Es gibt kein Mitglied, auf das der Betrag verteilt werden kann."))
        return np.zeros(0, dtype=np.int64)
    weight_sum = int(weights.sum())
    if weight_sum <= 0:
        if total_cents == 0:
            return np.zeros(n, dtype=np.int64)
        raise MoneyError(_("Die Summe der Schlüsselwerte ist 0; der Betrag kann nicht verteilt werden."))
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


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` EUR in ``parts`` amounts that differ by at most a cent and add up exactly."""
    return [cents_to_decimal(int(c)) for c in largest_remainder(to_cents(cents(total)), np.ones(parts))]
