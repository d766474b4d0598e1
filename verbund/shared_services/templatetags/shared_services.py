"""Template filters of the shared-services pages: money and figures in German notation."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from verbund.common import german
from verbund.common.german import format_date, format_money, format_number
from verbund.shared_services.exports import basis_text

register = template.Library()


@register.filter
def eur(value: Any) -> str:
    """``1234.5`` → ``1.234,50 EUR``; empty → ``–``."""
    if value is None or value == "":
        return "–"
    try:
        return format_money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def number(value: Any, places: int = 0) -> str:
    """German notation with ``places`` decimals (``12.345`` → ``12.345``)."""
    if value is None or value == "":
        return "–"
    try:
        return format_number(Decimal(str(value)), int(places))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def isodate(value: Any) -> str:
    """An ISO date string (as stored in JSON) → ``TT.MM.JJJJ``."""
    return format_date(value) if value else "–"


@register.filter
def basis(component: dict[str, Any]) -> str:
    return basis_text(component)


@register.filter
def signed_eur(value: Any) -> str:
    """A difference with its sign: ``+12,00 EUR`` / ``−3,50 EUR``."""
    if value is None:
        return "–"
    amount = Decimal(str(value))
    sign = "+" if amount > 0 else ("−" if amount < 0 else "±")
    return f"{sign}{format_money(abs(amount))}"


@register.filter
def member_name(result: Any, key: str) -> str:
    """The name of member ``key`` in an allocation result."""
    return str(result.name(key))


@register.filter
def public_text(value: Any) -> str:
    """A stored text without references to the platform's internal documents."""
    return german.public_text(str(value or ""))
