"""German text of keys: percentages, prices, configurations built in code (pure: no Django)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from verbund.common.german import format_number

from .base import CENT, PERCENT_SCALE, PRICE_SCALE


def _percent_str(value: int) -> str:
    return str((Decimal(value) / PERCENT_SCALE).quantize(CENT))


def _price_str(value: int) -> str:
    """1.9 → "1.90", 0.0125 → "0.0125": at least two, at most four decimal places."""
    price = Decimal(value) / PRICE_SCALE
    if price == price.quantize(CENT):
        return str(price.quantize(CENT))
    return format(price.quantize(Decimal("0.0001")).normalize(), "f")


def format_percent(value: int) -> str:
    """Hundredths of a percent → German text without trailing zeros: 5000 → "50", 1250 → "12,5"."""
    return format_number(Decimal(value) / PERCENT_SCALE, None)


def format_price(value: int) -> str:
    """Ten-thousandths of a euro → German text with at least two places: 19000 → "1,90"."""
    price = Decimal(value) / PRICE_SCALE
    exponent = price.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return format_number(price, places)


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
