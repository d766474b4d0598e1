"""``{% load legal_tags %}``: what the footer's legal links need."""

from __future__ import annotations

from typing import Any

from django import template

from verbund.common.principal import principal_of

register = template.Library()


@register.filter
def manages_legal_texts(request: Any) -> bool:
    """Whether the request's user edits the legal texts (Plattformbetrieb)."""
    if request is None or not getattr(getattr(request, "user", None), "is_authenticated", False):
        return False
    from ..legal.services import may_manage

    return may_manage(principal_of(request))
