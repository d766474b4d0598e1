"""The portfolio map in headless Chromium: the circles lie on the Land and its Kreise (drawn under
them, not clickable), the Kreis is named, and the legend is text beside the map."""

from __future__ import annotations

import pytest

from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .test_browser import log_in
from .test_views import make_grants

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_portfolio_map_draws_the_land_and_its_kreise_under_the_circles(
    live_server,
    page,  # noqa: F811
    world,
    programme,
):
    from playwright.sync_api import expect

    world.authority.set_password(PASSWORD)
    world.authority.save()
    make_grants(world, programme, 2)
    log_in(page, live_server, world.authority.username)
    page.goto(live_server.url + "/foerderung/portfolio/")
    expect(page.locator("#vb-portfolio-map.vb-map--ready")).to_be_visible()
    drawn = page.evaluate(
        """() => {
          const map = document.getElementById('vb-portfolio-map').vbMap;
          const found = {circles: 0, land: 0, kreise: 0};
          map.eachLayer(layer => {
            if (layer instanceof L.CircleMarker) found.circles += 1;
            else if (layer.feature && layer.feature.properties.role === 'land') found.land += 1;
            else if (layer.feature && layer.feature.properties.role === 'kreis') found.kreise += 1;
          });
          return found;
        }"""
    )
    assert drawn["circles"] >= 1 and drawn["land"] == 1 and drawn["kreise"] >= 1
    # only the circles answer the pointer; the outlines lie under them
    expect(page.locator("#vb-portfolio-map .leaflet-interactive")).to_have_count(drawn["circles"])
    kreis_label = page.locator("#vb-portfolio-map .vb-map-label--kreis", has_text="Landkreis Kaiserslautern")
    expect(kreis_label).to_have_count(1)
    expect(page.locator("#vb-portfolio-legend li")).to_have_count(3)
