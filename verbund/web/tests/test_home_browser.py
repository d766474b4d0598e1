"""The start page in headless Chromium: Leaflet draws the members of the public alliances from the
embedded data (no inline script), the legend sits beside the map, a point's popup links to its
alliance, and the footer leads to the accessibility statement."""

from __future__ import annotations

import re
from typing import Any

import pytest

from verbund.alliances.models import Membership

from .public_world import public_world
from .test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_start_page_draws_the_alliance_map(live_server: Any, page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    world = public_world()
    points = (
        Membership.objects.current()
        .filter(alliance=world.active, body__centroid_lat__isnull=False)
        .values("body_id")
        .distinct()
        .count()
    )
    assert points > 0

    page.goto(live_server.url + "/")
    map_container = page.locator("#vb-home-map")
    expect(map_container).to_have_class(re.compile(r"\bvb-map--ready\b"), timeout=60_000)
    expect(map_container).to_have_attribute("data-points", str(points))
    # Canvas renderer: the points are drawn into one canvas of the overlay pane.
    expect(map_container.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
    expect(page.locator("#vb-home-legend")).to_contain_text("Umsetzung")
    expect(page.locator("[data-figure=alliances] .vb-figure__value")).to_have_text("1")

    # Clicking a point opens its popup with a link to the alliance.
    first = world.active.memberships.filter(body__centroid_lat__isnull=False).select_related("body").first()
    assert first is not None
    x, y = page.evaluate(
        """([lat, lon]) => {
            const p = document.getElementById('vb-home-map').vbMap.latLngToContainerPoint([lat, lon]);
            return [p.x, p.y];
        }""",
        [first.body.centroid_lat, first.body.centroid_lon],
    )
    map_container.click(position={"x": x, "y": y})
    popup = map_container.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(first.body.name)
    expect(popup.get_by_role("link", name="Gemeinsame Vergabestelle")).to_have_attribute(
        "href", f"/verbuende/{world.active.slug}/"
    )

    page.get_by_role("link", name="Barrierefreiheit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
    expect(page.get_by_label("Ihre Nachricht")).to_be_visible()
