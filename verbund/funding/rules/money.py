"""Money and numbers of the rule engine, on the platform's one definition (pure: no Django).

``cents`` and ``CENT`` are :mod:`verbund.common.money`'s; ``eur`` and ``percent`` write the German way
through :mod:`verbund.common.german` (rounded half up to the cent first, as German public finance
rounds); ``split_evenly`` spreads an amount over budget years with largest-remainder rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from verbund.common import german
from verbund.common import money as common_money
from verbund.common.money import CENT, cents

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

__all__ = ["CENT", "HUNDRED", "ZERO", "cents", "eur", "join_words", "percent", "split_evenly"]

join_words = german.join_words


def eur(value: Decimal | int | None) -> str:
    """German money format: ``321.411,61 EUR`` (exact, no float on the way)."""
    if value is None:
        return "–"
    return german.format_money(cents(value))


def percent(value: Decimal) -> str:
    """``85,00 %``."""
    return german.format_percent(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP), 2)


def split_evenly(total: Decimal, years: Sequence[int]) -> dict[int, Decimal]:
    """Split ``total`` over ``years`` to the cent; the first years take the remaining cents."""
    if not years:
        return {}
    return dict(zip(years, common_money.split_evenly(cents(total), len(years)), strict=True))
