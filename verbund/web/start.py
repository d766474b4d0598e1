"""What the start page shows: alliances on a map, funding at a glance, the programme's figures and
the registry counts — each only as far as the visitor may see it (:mod:`verbund.web.figures`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from verbund.common.principal import principal_of
from verbund.funding.policies import reads_portfolio
from verbund.registry.selectors import map_labels, region_outlines, registry_overview

from .figures import alliance_map, funding_overview, programme_figures


def home_context(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    figures = programme_figures(principal)
    map_data = alliance_map(principal)
    states = {feature["properties"]["ars"][:2] for feature in map_data["features"]}
    return {
        "overview": registry_overview(),
        "figures": figures,
        "legend": [row for row in figures.by_status if row["count"]],
        "map_data": map_data,
        # the Land and its Kreise with the names of Kreise and towns under the points (registry)
        "map_background": {"outlines": region_outlines(states), "labels": map_labels(states)},
        "funding": funding_overview(principal),
        "reads_portfolio": reads_portfolio(principal),
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
    }
