"""Panels that parts above the registry add to a body's page, without the registry importing them.

The registry is floor 0: it cannot know alliances, services or funding, yet a body's page should
list what the body takes part in. A higher part registers a function in its ``AppConfig.ready()``::

    from verbund.registry.panels import register_body_panel

    register_body_panel(alliances_panel)   # alliances_panel(request, body) -> str | None

See :mod:`verbund.common.panels` for the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verbund.common.panels import PanelHook

if TYPE_CHECKING:
    from .models import Body

_hook: PanelHook[Body] = PanelHook()

register_body_panel = _hook.register
unregister_body_panel = _hook.unregister
body_panels = _hook.render
