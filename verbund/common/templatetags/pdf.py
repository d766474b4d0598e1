"""``{% load pdf %}``: German typography for text printed into documents."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from verbund.common.pdf import typographic

register = template.Library()


@register.filter(is_safe=True)
def typo(value: object) -> SafeString:
    """„Deutsche“ Anführungszeichen und Gedankenstriche, then escaped like any other text. Markup
    that is already safe passes unchanged (its attribute quotes must stay straight)."""
    if isinstance(value, SafeString):
        return value
    return conditional_escape(typographic(str(value)))
