"""Open data of the published directory: the merge of member boundaries (pure, no database: adjacent
squares become one polygon, overlaps count once, centroids when no boundary, null without geodata),
and the CSV (BOM, semicolons, lists joined, formulas defused), JSON and GeoJSON exports with only
published alliances and public fields, at a query count that does not grow with the alliances."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from verbund.alliances.geometry import alliance_geometry, centroid_points, merge_boundaries, simplified
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, square

from .factories import AllianceFactory

# --- the pure merge --------------------------------------------------------------------------------


def test_two_adjacent_squares_become_one_polygon():
    merged = merge_boundaries([square(7.0, 50.0, 0.02), square(7.02, 50.0, 0.02)])
    assert merged is not None and merged["type"] == "MultiPolygon"
    assert len(merged["coordinates"]) == 1
    geometry = shape(merged)
    assert geometry.area == pytest.approx(0.0008)
    assert geometry.bounds == pytest.approx((7.0, 50.0, 7.04, 50.02))


def test_disjoint_members_stay_separate_parts_and_overlaps_count_once():
    apart = merge_boundaries([square(7.0, 50.0), square(8.0, 50.0)])
    assert apart is not None and len(apart["coordinates"]) == 2
    inside = merge_boundaries([square(7.0, 50.0, 0.1), square(7.02, 50.02, 0.02)])  # a VG in its Kreis
    assert inside is not None and len(inside["coordinates"]) == 1
    assert shape(inside).area == pytest.approx(0.01)


def test_multipolygons_and_invalid_rings_are_accepted():
    multi = {"type": "MultiPolygon", "coordinates": [square(7.0, 50.0)["coordinates"]]}
    ring = [[7.1, 50.0], [7.12, 50.02], [7.12, 50.0], [7.1, 50.02], [7.1, 50.0]]  # crosses itself
    bowtie = {"type": "Polygon", "coordinates": [ring]}
    merged = merge_boundaries([multi, bowtie])
    assert merged is not None and merged["type"] == "MultiPolygon"
    assert shape(merged).is_valid


def test_fallbacks_without_boundaries():
    assert alliance_geometry([], [(7.5, 49.5), (7.6, 49.6), (7.5, 49.5)]) == {
        "type": "MultiPoint",
        "coordinates": [[7.5, 49.5], [7.6, 49.6]],
    }
    assert alliance_geometry([], []) is None
    assert centroid_points([]) is None
    # with at least one boundary the polygons win; the centroids are not mixed in
    polygons = alliance_geometry([square(7.0, 50.0)], [(9.0, 49.0)])
    assert polygons is not None and polygons["type"] == "MultiPolygon"


def test_simplified_outline_keeps_the_shape_with_fewer_points():
    zigzag = [[7.0 + 0.001 * i, 50.0 + (0.0001 if i % 2 else 0.0)] for i in range(100)]
    ring = [*zigzag, [7.1, 50.1], [7.0, 50.1]]
    detailed = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    light = simplified(detailed, 0.004)
    assert light["type"] == "Polygon"
    assert len(light["coordinates"][0]) < 10
    assert shape(light).area == pytest.approx(shape(detailed).area, rel=0.01)


def test_coordinates_are_rounded_plain_lists():
    merged = merge_boundaries([square(7.123456789, 50.0)])
    assert merged is not None
    ring = merged["coordinates"][0][0]
    assert isinstance(ring, list) and isinstance(ring[0], list)
    assert all(len(str(c).split(".")[1]) <= 6 for point in ring for c in point)


# --- the exports -----------------------------------------------------------------------------------


@pytest.fixture
def published(db) -> SimpleNamespace:
    kreis = BodyFactory(landkreis=True, name="Kaiserslautern")

    def vg(name: str, lon: float, lat: float) -> Any:
        return BodyFactory(verbandsgemeinde=True, parent=kreis, name=name, centroid_lon=lon, centroid_lat=lat)

    west, east, bare = vg("Landstuhl", 7.0, 50.0), vg("Ramstein", 7.02, 50.0), vg("Ohne Grenze", 7.5, 49.5)
    BodyBoundaryFactory(body=west)
    BodyBoundaryFactory(body=east)
    cyber = AllianceFactory(
        name="Cybersicherheit",
        slug="cyber",
        published=True,
        members=[west, east, bare],
        public_summary='=HYPERLINK("http://example.org")',
        description="Nur intern",
    )
    points = AllianceFactory(name="Nur Punkte", slug="punkte", published=True, members=[bare])
    hidden = AllianceFactory(name="Geheimverbund", slug="geheim", members=[west])
    return SimpleNamespace(cyber=cyber, points=points, hidden=hidden, west=west, east=east, bare=bare)


def test_csv_is_semicolon_separated_utf8_with_bom(published):
    response = Client().get("/verbuende/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="verbuende.csv"' in response["Content-Disposition"]
    assert response["Access-Control-Allow-Origin"] == "*"
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Kürzel", "Name", "Kurzname"]
    by_slug = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_slug) == {"cyber", "punkte"}
    cyber = by_slug["cyber"]
    assert cyber["Mitglieder"] == "Landstuhl; Ohne Grenze; Ramstein"
    assert cyber["Regionalschlüssel der Mitglieder"] == "; ".join(
        [published.west.ars, published.bare.ars, published.east.ars]
    )
    assert cyber["Anzahl Mitglieder"] == "3"
    assert cyber["Kurzbeschreibung"].startswith("'=HYPERLINK")  # no formula in a spreadsheet
    assert cyber["Adresse"] == "http://testserver/verbuende/cyber/"
    assert "Nur intern" not in raw.decode("utf-8-sig")


def test_json_has_the_public_fields_of_published_alliances(published):
    response = Client().get("/verbuende/export.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 2
    assert [item["slug"] for item in data["items"]] == ["cyber", "punkte"]
    item = data["items"][0]
    assert set(item) == {
        "slug",
        "name",
        "short_name",
        "status",
        "status_label",
        "public_summary",
        "fields",
        "members",
        "url",
    }
    assert item["public_summary"] == '=HYPERLINK("http://example.org")'  # unchanged in JSON
    assert "Geheimverbund" not in response.content.decode()


def test_geojson_merges_member_boundaries_per_alliance(published):
    response = Client().get("/verbuende/export.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["slug"]: f for f in data["features"]}
    assert set(features) == {"cyber", "punkte"}
    cyber = features["cyber"]
    # the two adjacent squares are one polygon; the member without boundary is listed, not drawn
    assert cyber["geometry"]["type"] == "MultiPolygon"
    assert len(cyber["geometry"]["coordinates"]) == 1
    assert shape(cyber["geometry"]).bounds == pytest.approx((7.0, 50.0, 7.04, 50.02))
    assert cyber["properties"]["members_without_boundary"] == [published.bare.ars]
    assert cyber["properties"]["members"] == [
        {"ars": published.west.ars, "name": "Landstuhl"},
        {"ars": published.bare.ars, "name": "Ohne Grenze"},
        {"ars": published.east.ars, "name": "Ramstein"},
    ]
    assert set(cyber["properties"]) >= {"name", "short_name", "slug", "status", "fields", "public_summary"}
    assert "description" not in cyber["properties"]
    assert features["punkte"]["geometry"] == {"type": "MultiPoint", "coordinates": [[7.5, 49.5]]}


@pytest.mark.parametrize("kind", ["csv", "json", "geojson"])
def test_export_queries_do_not_grow_with_the_alliances(published, kind):
    url = f"/verbuende/export.{kind}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(8):
        AllianceFactory(published=True, members=[published.west, published.east])
    assert queries() == few
