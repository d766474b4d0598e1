"""What the maps draw, in headless Chromium (same set-up as ``verbund/web/tests/test_browser.py``).

The directory map draws each alliance's points in the colour its legend entry names (none repeated),
the Kreis outlines and the names of the Kreise under them, and asks no third party for tiles; the
alliance's own map names the Kreis too; towns appear once the map is zoomed in.
"""

from __future__ import annotations

import pytest

from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory
from verbund.web.tests.test_browser import page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_directory_map_draws_legend_colours_and_place_names(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern", centroid_lon=7.6, centroid_lat=49.45)
    BodyBoundaryFactory.create(body=kreis, lon=7.3, lat=49.3, size=0.5)
    town = BodyFactory.create(
        verbandsfreie_gemeinde=True,
        parent=kreis,
        name="Großstadt, Stadt",
        population=50_000,
        centroid_lon=7.45,
        centroid_lat=49.5,
    )
    members = [
        BodyFactory.create(
            verbandsgemeinde=True, parent=kreis, centroid_lon=7.35 + n * 0.03, centroid_lat=49.35
        )
        for n in range(12)
    ]
    for n, member in enumerate(members):
        AllianceFactory.create(
            name=f"Verbund {n:02d}", published=True, members=[member, town] if n == 0 else [member]
        )
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto(live_server.url + "/verbuende/")
    expect(page.locator("#vb-directory-map.vb-map--ready")).to_be_visible()
    legend = page.locator("#vb-directory-legend li")
    expect(legend).to_have_count(12)
    legend_colours = legend.evaluate_all("items => items.map(i => i.dataset.colour)")
    assert len(set(legend_colours)) == 12
    drawn = page.evaluate(
        """() => {
          const map = document.getElementById('vb-directory-map').vbMap;
          const colours = [];
          map.eachLayer(layer => {
            if (layer instanceof L.CircleMarker) colours.push(layer.options.fillColor);
          });
          return colours;
        }"""
    )
    assert set(drawn) == set(legend_colours)  # every alliance's points in its legend colour
    # the Kreis is named on the map; the town only when zoomed in (from zoom 9)
    expect(page.locator("#vb-directory-map .vb-map-label--kreis")).to_have_text("Landkreis Kaiserslautern")
    town_label = page.locator("#vb-directory-map .vb-map-label--stadt", has_text="Großstadt")
    expect(town_label).to_have_count(1)
    page.evaluate("() => document.getElementById('vb-directory-map').vbMap.setZoom(10, {animate: false})")
    expect(town_label).to_be_visible()
    page.evaluate("() => document.getElementById('vb-directory-map').vbMap.setZoom(7, {animate: false})")
    expect(town_label).to_be_hidden()
    assert outside == []  # no base map configured: nothing is fetched from elsewhere
