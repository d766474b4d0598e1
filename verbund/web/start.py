"""What the start page shows: alliances on a map, funding at a glance, the programme's figures and
the registry counts — each only as far as the visitor may see it (:mod:`verbund.web.figures`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from verbund.common.principal import principal_of
from verbund.funding.policies import reads_portfolio
from verbund.registry.selectors import registry_overview

from .figures import alliance_map, funding_overview, programme_figures


def home_context(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    figures = programme_figures(principal)
    return {
        "overview": registry_overview(),
        "figures": figures,
        "legend": [row for row in figures.by_status if row["count"]],
        "map_data": alliance_map(principal),
        "funding": funding_overview(principal),
        "reads_portfolio": reads_portfolio(principal),
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
    }
