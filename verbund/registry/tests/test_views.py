"""The registry pages: the list with search, filters, pagination and its HTMX fragment at a constant
query count, and a body's page with breadcrumb, figures, dissolved notice, children, neighbours and
the data of its map."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import BodyBoundaryFactory, BodyFactory, LandFactory, make_neighbours

pytestmark = pytest.mark.django_db

LIST_URL = "/koerperschaften/"


def result_names(html: str) -> list[str]:
    """Names linked in the result table, in order."""
    table = html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    return re.findall(r'<a class="kern-link" href="/koerperschaften/\d{12}/">([^<]+)</a>', table)


@pytest.fixture
def vg():
    return BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Dahner Felsenland")


def test_list_searches_by_name_and_ags(client, vg):
    dahn = BodyFactory.create(parent=vg, stadt=True, name="Dahn", population=4567, area_ha=123456)
    BodyFactory.create(parent=vg, name="Hauenstein")

    by_name = client.get(LIST_URL, {"q": "dah"}).content.decode()
    by_ags = client.get(LIST_URL, {"q": dahn.ags}).content.decode()

    assert result_names(by_name) == ["Verbandsgemeinde Dahner Felsenland", "Dahn"]
    assert result_names(by_ags) == ["Dahn"]
    # figures in German notation, the Kreis of an Ortsgemeinde is its VG's parent
    assert "4.567" in by_ags
    assert "1.234,56" in by_ags
    assert vg.parent.name in by_ags
    assert "Ortsgemeinde (Stadt)" in by_ags


def test_list_filters_by_state_kind_parent_and_dissolved(client, vg):
    BodyFactory.create(parent=vg, name="Busenberg")
    BodyFactory.create(parent=vg, name="Erfweiler", dissolved=True)
    BodyFactory.create(parent__parent__parent=LandFactory.create(state="08"), name="Achern")

    def names(**params):
        response = client.get(LIST_URL, params)
        assert response.status_code == 200
        return result_names(response.content.decode())

    assert names(state="08", kind="ortsgemeinde") == ["Achern"]
    assert names(parent=vg.ars) == ["Busenberg"]
    assert names(parent=vg.ars, include_dissolved="on") == ["Busenberg", "Erfweiler"]
    assert set(names(kind="ortsgemeinde")) == {"Busenberg", "Achern"}
    page = client.get(LIST_URL, {"parent": vg.ars}).content.decode()
    assert "Direkt untergeordnet zu" in page
    assert vg.name in page


def test_state_choices_come_from_the_registry(client, vg):
    LandFactory.create(state="08")

    html = client.get(LIST_URL).content.decode()

    assert '<option value="07">Rheinland-Pfalz</option>' in html
    assert '<option value="08">Baden-Württemberg</option>' in html


def test_invalid_filter_is_shown_not_fatal(client, vg):
    BodyFactory.create(parent=vg, name="Busenberg")

    response = client.get(LIST_URL, {"parent": "123", "q": "busen"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "kern-alert--warning" in html
    assert result_names(html) == ["Busenberg"]


def test_htmx_request_gets_the_results_fragment(client, vg):
    BodyFactory.create(parent=vg, name="Busenberg")

    fragment = client.get(LIST_URL, {"q": "busen"}, HTTP_HX_REQUEST="true")
    restore = client.get(
        LIST_URL, {"q": "busen"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    html = fragment.content.decode()
    assert "<html" not in html
    assert "<h1" not in html
    assert result_names(html) == ["Busenberg"]
    assert "HX-Request" in fragment["Vary"]
    assert "<html" in restore.content.decode()
    # a boosted navigation (the pagination links) gets the whole page; HTMX picks the results
    boosted = client.get(LIST_URL, {"q": "busen"}, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "<html" in boosted.content.decode()


def test_list_form_works_with_and_without_javascript(client):
    html = client.get(LIST_URL).content.decode()
    form = html.split('<form class="vb-filters"', 1)[1].split("</form>", 1)[0]

    assert 'method="get"' in form
    assert f'action="{LIST_URL}"' in form
    assert f'hx-get="{LIST_URL}"' in form
    assert 'hx-target="#vb-results"' in form
    assert 'hx-push-url="true"' in form
    assert 'id="vb-results"' in html
    # every input has a label
    for input_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form):
        assert f'<label class="kern-label" for="{input_id}">' in form, input_id


def test_list_paginates(client, vg):
    BodyFactory.create_batch(55, parent=vg)

    first = client.get(LIST_URL, {"parent": vg.ars}).content.decode()
    second = client.get(LIST_URL, {"parent": vg.ars, "seite": 2}).content.decode()

    assert len(result_names(first)) == 50
    assert len(result_names(second)) == 5
    assert "Seite 1 von 2" in first
    assert f"?parent={vg.ars}&amp;seite=2" in first
    # paging stays in place: the links are boosted into the results region
    assert 'hx-boost="true" hx-target="#vb-results" hx-select="#vb-results"' in first
    assert "Vorherige Seite" in second


def test_list_query_count_does_not_grow_with_rows(client, vg):
    def queries(n_rows: int) -> int:
        parent = BodyFactory.create(verbandsgemeinde=True, parent=vg.parent)
        BodyFactory.create_batch(n_rows, parent=parent)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST_URL, {"parent": parent.ars})
        assert len(result_names(response.content.decode())) == n_rows
        return len(ctx.captured_queries)

    assert queries(3) == queries(40)


def test_body_page_shows_chain_figures_children_and_neighbours(client, vg):
    og = BodyFactory.create(
        parent=vg,
        name="Erfweiler",
        population=1234,
        area_ha=987,
        postcode="66996",
        centroid_lat=49.15,
        centroid_lon=7.81,
    )
    neighbour = BodyFactory.create(parent=vg, name="Schindhard")
    make_neighbours(og, neighbour, shared_border_m=2345.0)
    BodyFactory.create(parent=vg, name="Bundenthal")

    html = client.get(og.get_absolute_url()).content.decode()
    vg_html = client.get(vg.get_absolute_url()).content.decode()

    assert html.count("<h1") == 1
    assert re.search(r"<h1[^>]*>Erfweiler</h1>", html)
    breadcrumb = html.split('aria-label="Übergeordnete Körperschaften"', 1)[1].split("</nav>", 1)[0]
    assert [vg.parent.parent.name, vg.parent.name, vg.name] == re.findall(
        r'href="/koerperschaften/\d+/">([^<]+)<', breadcrumb
    )
    for figure in (og.ags, og.ars, "1.234", "31.12.2024", "9,87 km²", "66996", "30.11.2025"):
        assert figure in html, figure
    assert "Schindhard" in html
    assert "2,35 km" in html
    # the VG lists its Ortsgemeinden and links the filtered list
    assert "Untergeordnete Körperschaften (3)" in vg_html
    assert "Bundenthal" in vg_html
    assert f"?parent={vg.ars}" in vg_html
    assert f'Verwaltungssitz</dt>\n      <dd class="kern-description-list-item__value">{vg.seat}' in vg_html


def test_body_page_embeds_its_map_data_in_one_collection(client, vg):
    og = BodyFactory.create(parent=vg, name="Erfweiler")
    neighbours = BodyFactory.create_batch(3, parent=vg)
    BodyBoundaryFactory.create(body=og)
    for n in neighbours:
        make_neighbours(og, n)
        BodyBoundaryFactory.create(body=n)

    html = client.get(og.get_absolute_url()).content.decode()

    script = re.search(r'<script id="vb-map-data" type="application/json">(.*?)</script>', html, re.S)
    assert script is not None
    data = json.loads(script[1])
    assert data["type"] == "FeatureCollection"
    roles = {f["properties"]["ars"]: f["properties"]["role"] for f in data["features"]}
    assert roles == {og.ars: "body", **{n.ars: "neighbour" for n in neighbours}}
    assert data["features"][-1]["properties"]["ars"] == og.ars  # drawn on top
    assert 'data-vb-map="vb-map-data"' in html
    assert 'aria-label="Karte: Erfweiler und Nachbarn"' in html
    assert "registry/body-map.js" in html
    assert "vendor/leaflet/leaflet.js" in html
    assert 'data-tile-url=""' in html  # no external tiles by default
    # no inline script other than the JSON data
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html) == []


def test_body_page_passes_a_configured_tile_layer(client, vg, settings):
    settings.VERBUND_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.VERBUND_MAP_TILE_ATTRIBUTION = "© Beispiel"
    og = BodyFactory.create(parent=vg)

    html = client.get(og.get_absolute_url()).content.decode()

    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Beispiel"' in html


def test_body_without_boundary_shows_its_centroid_or_a_note(client, vg):
    with_centroid = BodyFactory.create(parent=vg, centroid_lat=49.1, centroid_lon=7.8)
    without = BodyFactory.create(parent=vg, centroid_lat=None, centroid_lon=None)

    html = client.get(with_centroid.get_absolute_url()).content.decode()
    bare = client.get(without.get_absolute_url()).content.decode()

    assert 'data-lat="49.100000"' in html
    assert "keine Grenze hinterlegt" in html
    assert "vb-body-map" not in bare
    assert "keine Geodaten hinterlegt" in bare
    assert "leaflet.js" not in bare


def test_dissolved_body_names_its_successors(client, vg):
    successor = BodyFactory.create(parent=vg, name="Obergeckler")
    gone = BodyFactory.create(parent=vg, name="Niedergeckler", dissolved=True)
    gone.successors.add(successor)

    html = client.get(gone.get_absolute_url()).content.decode()
    successor_html = client.get(successor.get_absolute_url()).content.decode()

    assert "besteht seit dem Gebietsstand 30.11.2025 nicht mehr" in html
    assert f'<a class="kern-link" href="{successor.get_absolute_url()}">Obergeckler</a>' in html
    assert "Hervorgegangen aus" in successor_html
    assert "Niedergeckler" in successor_html


def test_unknown_body_is_404(client):
    assert client.get(reverse("registry:body_detail", kwargs={"ars": "071119999999"})).status_code == 404


def test_kreis_column_for_each_level(client, vg):
    og = BodyFactory.create(parent=vg, name="Busenberg")
    city = BodyFactory.create(kreisfreie_stadt=True, name="Pirmasens")

    def kreis_cell(body) -> str:
        html = client.get(LIST_URL, {"q": body.ags or body.ars}).content.decode()
        row = html.split(f">{body.name}</a>", 1)[1].split("</tr>", 1)[0]
        return re.findall(r'<td class="kern-table__cell">([^<]*)</td>', row)[-1]

    assert kreis_cell(og) == vg.parent.name
    assert kreis_cell(vg) == vg.parent.name
    assert kreis_cell(city) == "kreisfrei"
    assert kreis_cell(vg.parent) == "–"
