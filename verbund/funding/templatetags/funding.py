"""Template filters of the funding pages: money and percentages the German way, status badges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from verbund.funding import rules

register = template.Library()

_BADGES = {
    "entwurf": "info",
    "eingereicht": "info",
    "in_pruefung": "warning",
    "rueckfrage": "warning",
    "bewilligt": "success",
    "nachweis": "warning",
    "abgeschlossen": "success",
    "abgelehnt": "danger",
    "zurueckgezogen": "info",
    "beantragt": "warning",
    "freigegeben": "success",
    "zurueckgegeben": "danger",
    "angenommen": "success",
    rules.OK: "success",
    rules.FAIL: "danger",
    rules.WARNING: "warning",
    rules.NOT_APPLICABLE: "info",
}


@register.filter
def eur(value: Any) -> str:
    """``321.411,61 EUR``; empty for ``None``."""
    if value is None or value == "":
        return "–"
    return rules.eur(Decimal(str(value)))


@register.filter
def pct(value: Any) -> str:
    if value is None:
        return "–"
    return rules.percent(Decimal(str(value)))


@register.filter
def badge(status: str) -> str:
    """The KERN badge variant for a status."""
    return _BADGES.get(status, "info")
