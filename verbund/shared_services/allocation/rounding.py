"""Cents and rounding of the allocation engine, on :mod:`verbund.common.money` (pure: no Django).

The engine promised :class:`~.base.AllocationError` for amounts it cannot split; the common helpers
raise :class:`~verbund.common.money.MoneyError`, which is translated here.
"""

from __future__ import annotations

from decimal import Decimal

from verbund.common import money

from .base import CENT, AllocationError, Array


def largest_remainder(total_cents: int, weights: Array) -> Array:
    """Split ``total_cents`` (≥ 0) in proportion to integer ``weights`` (≥ 0), exactly.

    :func:`verbund.common.money.largest_remainder`; ties of the remainder go to the smaller position
    (callers keep positions sorted by member key). Raises :class:`AllocationError`.
    """
    try:
        return money.largest_remainder(total_cents, weights)
    except money.MoneyError as exc:
        raise AllocationError(str(exc)) from exc


def to_cents(amount: Decimal | int | str) -> int:
    """EUR (at most two decimal places) → integer cents; :class:`AllocationError` otherwise."""
    try:
        return money.to_cents(amount)
    except money.MoneyError as exc:
        raise AllocationError(str(exc)) from exc


cents_to_decimal = money.cents_to_decimal


def _half_up_div(numerator: Array, denominator: int) -> Array:
    """``round(numerator / denominator)`` half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _unscale(value: int, scale: int) -> Decimal:
    return Decimal(value) if scale == 1 else (Decimal(value) / scale).quantize(CENT)


__all__ = ["cents_to_decimal", "largest_remainder", "to_cents"]
