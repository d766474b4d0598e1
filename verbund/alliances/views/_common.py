"""What the pages of alliances share: status badges, map settings, the way back to an alliance."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect

from ..models import Alliance, Status

#: Slugs that name pages of this part (``/verbuende/neu/``) and so cannot address an alliance.
RESERVED_SLUGS = frozenset({"neu"})
#: KERN badge variant per status.
STATUS_BADGES: dict[str, str] = {
    Status.IDEE.value: "info",
    Status.ANBAHNUNG.value: "info",
    Status.VEREINBARUNG.value: "warning",
    Status.UMSETZUNG.value: "success",
    Status.REGELBETRIEB.value: "success",
    Status.BEENDET.value: "danger",
}


def map_settings() -> dict[str, str]:
    return {
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
    }


def alliance_url(alliance: Alliance, anchor: str = "") -> str:
    return alliance.get_absolute_url() + (f"#{anchor}" if anchor else "")


def back(alliance: Alliance, anchor: str = "") -> HttpResponse:
    return redirect(alliance_url(alliance, anchor))
