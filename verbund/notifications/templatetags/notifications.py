"""``{% unread_notifications as count %}``: the header's unread count (one query, count only)."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user.pk)
