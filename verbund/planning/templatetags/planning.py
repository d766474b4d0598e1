"""Template filters of the planning pages."""

from __future__ import annotations

from django import template

from verbund.planning.messages import stored_text as _stored_text

register = template.Library()


@register.filter
def stored_text(value: str) -> str:
    """A warning, progress note or refusal stored by a run (German), in the reader's language."""
    return _stored_text(str(value)) if value else value
