"""Panels that parts above the alliances add to an alliance's page (its services, its funding).

Floor 2 parts register in their ``AppConfig.ready()``::

    from verbund.alliances.panels import register_alliance_panel

    register_alliance_panel(services_panel)   # services_panel(request, alliance) -> str | None

See :mod:`verbund.common.panels` for the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verbund.common.panels import PanelHook

if TYPE_CHECKING:
    from .models import Alliance

_hook: PanelHook[Alliance] = PanelHook()

register_alliance_panel = _hook.register
unregister_alliance_panel = _hook.unregister
alliance_panels = _hook.render
