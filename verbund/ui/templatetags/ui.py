"""German numbers, money and dates in templates: ``{% load ui %}`` then ``{{ value|de_money }}``."""

from __future__ import annotations

from typing import Any

from django import template

from verbund.common import german

register = template.Library()


@register.filter
def de_number(value: Any, places: int = 0) -> str:
    """``{{ 1234.5|de_number:1 }}`` → ``1.234,5``."""
    if value in (None, ""):
        return "–"
    return german.format_number(value, places)


@register.filter
def de_money(value: Any) -> str:
    """``{{ 1234.5|de_money }}`` → ``1.234,50 EUR``."""
    return german.format_money(value)


@register.filter
def de_date(value: Any) -> str:
    """``{{ some_date|de_date }}`` → ``03.12.2026``."""
    return german.format_date(value)
