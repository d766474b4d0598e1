"""The maps of issue 11: legends, place names, the optional base map (server side).

* The directory's legend is HTML beside the map: one entry per alliance shown, each with its own
  colour, the same colours as the points (``alliance_colours`` in the map data), readable on white;
  it follows the filters (HTMX, out of band).
* Place names come from the registry (:func:`verbund.registry.selectors.map_labels`): every Kreis
  and the towns from 20,000 inhabitants, with their points.
* The base map's attribution is text under the map when the operator switched one on, and absent
  when not (the default: nothing is fetched from elsewhere).
"""

from __future__ import annotations

import re

import pytest

from verbund.alliances.colours import MIN_CONTRAST, PALETTE, alliance_colours, contrast_with_white
from verbund.registry.selectors import MAP_TOWN_POPULATION, map_labels, region_outlines
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory

from .factories import AllianceFactory
from .test_views import DIRECTORY, client_for, embedded_json, page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 10, 12, 13, 40, 250])
def test_alliance_colours_never_repeat_and_are_readable_on_white(count: int) -> None:
    colours = alliance_colours(count)
    assert len(colours) == count
    assert len(set(colours)) == count
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert min(contrast_with_white(c) for c in colours) >= MIN_CONTRAST
    assert colours[: len(PALETTE)] == list(PALETTE[:count])


def _legend(html: str) -> list[tuple[str, str]]:
    block = html.split('id="vb-directory-legend"', 1)[1].split("</div>", 1)[0]
    return re.findall(
        r'<li data-colour="(#[0-9a-f]{6})">.*?<a class="kern-link" href="[^"]+">([^<]+)</a>', block, re.S
    )


def test_the_directory_legend_has_one_entry_and_one_colour_per_alliance_shown(world) -> None:
    names = [f"Verbund {n:02d}" for n in range(14)]  # more than the old palette of ten colours
    for name in names:
        AllianceFactory(name=name, published=True, members=[world.vg_a])
    AllianceFactory(
        name="Ohne Ort", published=True, members=[BodyFactory(centroid_lat=None, centroid_lon=None)]
    )
    html = page(client_for().get(DIRECTORY, {"per_page": 50}))
    legend = _legend(html)
    assert [name for _colour, name in legend] == names  # the alliance without a point is not on the map
    assert len({colour for colour, _name in legend}) == len(names)
    data = embedded_json(html, "vb-directory-data")
    # the points are drawn in the legend's colours (alliance_colours follows data["alliances"])
    assert [a[1] for a in data["alliances"]] == names
    assert data["alliance_colours"] == [colour for colour, _name in legend]
    # the filters replace the legend with the results (HTMX out of band)
    fragment = page(client_for().get(DIRECTORY, {"q": "Verbund 03"}, HTTP_HX_REQUEST="true"))
    assert 'id="vb-directory-legend" hx-swap-oob="true"' in fragment
    assert [name for _c, name in _legend(fragment)] == ["Verbund 03"]


def test_map_labels_name_every_kreis_and_the_larger_towns(world) -> None:
    kreis = world.kreis
    big = BodyFactory.create(parent=world.vg_a, name="Großstadt, Stadt", population=MAP_TOWN_POPULATION)
    small = BodyFactory.create(parent=world.vg_a, name="Kleindorf", population=MAP_TOWN_POPULATION - 1)
    assert big.centroid_lat is not None and big.centroid_lon is not None
    labels = map_labels({"07"})
    by_name = {label["name"]: label for label in labels}
    assert by_name["Landkreis " + kreis.name]["kind"] == "kreis"
    assert (by_name["Landkreis " + kreis.name]["lat"], by_name["Landkreis " + kreis.name]["lon"]) == (
        round(kreis.centroid_lat, 5),
        round(kreis.centroid_lon, 5),
    )
    assert by_name["Großstadt"] == {
        "name": "Großstadt",
        "kind": "stadt",
        "lat": round(big.centroid_lat, 5),
        "lon": round(big.centroid_lon, 5),
    }
    assert small.name not in by_name and "Kleindorf" not in by_name
    assert map_labels({"09"}) == [] and map_labels([]) == []
    # the directory embeds them with its map
    AllianceFactory(name="Sichtbar", published=True, members=[world.vg_a])
    data = embedded_json(page(client_for().get(DIRECTORY)), "vb-directory-data")
    assert "Großstadt" in {label["name"] for label in data["labels"]}


def test_region_outlines_draw_the_land_and_its_kreise(world) -> None:
    other = BodyFactory(landkreis=True, name="Kusel")
    BodyBoundaryFactory(body=other, lon=7.3, lat=49.5)
    outlines = region_outlines({"07"})
    roles = sorted(f["properties"]["role"] for f in outlines["features"])
    assert roles == ["kreis", "kreis", "land"]
    assert outlines["features"][0]["properties"]["role"] == "land"  # drawn first, under its Kreise
    assert region_outlines({"09"}) == {"type": "FeatureCollection", "features": []}


def test_the_base_map_attribution_is_shown_only_when_a_base_map_is_on(world, settings) -> None:
    AllianceFactory(name="Sichtbar", published=True, members=[world.vg_a])
    html = page(client_for().get(DIRECTORY))
    assert "vb-map-credits" not in html and 'data-tile-url=""' in html
    settings.VERBUND_MAP_TILE_URL = settings.BASEMAP_DE_TILE_URL
    settings.VERBUND_MAP_TILE_ATTRIBUTION = settings.BASEMAP_DE_ATTRIBUTION
    html = page(client_for().get(DIRECTORY))
    assert 'data-tile-url="https://sgx.geodatenzentrum.de/wmts_basemapde/' in html
    credits = re.search(r'<p class="[^"]*vb-map-credits">(.*?)</p>', html, re.S)
    assert credits is not None and "basemap.de / BKG" in credits[1] and "GeoBasis-DE" in credits[1]
