"""Template filters of the planning pages."""

from __future__ import annotations

from django import template

from verbund.common.german import public_text as _public_text
from verbund.planning.messages import stored_text as _stored_text
from verbund.registry.selectors import state_name

register = template.Library()


@register.filter
def stored_text(value: str) -> str:
    """A warning, progress note or refusal stored by a run (German), in the reader's language."""
    return _stored_text(str(value)) if value else value


@register.filter
def public_text(value: str) -> str:
    """A catalogue text without references to internal documents ("DOMAIN.md §5")."""
    return _public_text(str(value or ""))


@register.filter
def state_label(value: str) -> str:
    """A Land's key as its name: "07" → "Rheinland-Pfalz"."""
    return state_name(str(value or ""))


@register.filter
def gap_percent(ratio: object) -> float | None:
    """The gap to an upper bound in per cent from the ratio plan ÷ bound (0.97 → 3.0)."""
    try:
        return max(0.0, 100 * (1 - float(ratio)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
