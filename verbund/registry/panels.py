"""Panels that parts above the registry add to a body's page, without the registry importing them.

The registry is floor 0: it cannot know alliances, services or funding, yet a body's page should
list what the body takes part in. A higher part registers a function in its ``AppConfig.ready()``::

    from verbund.registry.panels import register_body_panel

    register_body_panel(alliances_panel)   # alliances_panel(request, body) -> str | None

The body page calls every registered function in registration order and renders what they return
(already escaped HTML, usually ``render_to_string`` of the part's own template) at the end of the
page; ``None`` or an empty string adds nothing. A panel does its own access checks with
``request.user``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from .models import Body

BodyPanel = Callable[[HttpRequest, "Body"], str | None]

_panels: list[BodyPanel] = []


def register_body_panel(func: BodyPanel) -> BodyPanel:
    """Add a panel to every body page (idempotent: a function registered twice renders once)."""
    if func not in _panels:
        _panels.append(func)
    return func


def unregister_body_panel(func: BodyPanel) -> None:
    """Remove a panel (tests)."""
    if func in _panels:
        _panels.remove(func)


def body_panels(request: HttpRequest, body: Body) -> list[SafeString]:
    """The rendered panels for ``body``, in registration order, empty ones left out."""
    rendered = []
    for panel in list(_panels):
        html = panel(request, body)
        if html:
            # Panels return template output, which Django has escaped already.
            rendered.append(mark_safe(html))
    return rendered
