"""``{% load licence %}{% licence_note %}``: the licence of the open data on a directory page."""

from __future__ import annotations

from typing import Any

from django import template

from verbund.common.licence import open_data_licence

register = template.Library()


@register.inclusion_tag("common/licence_note.html")
def licence_note() -> dict[str, Any]:
    return {"licence": open_data_licence()}
