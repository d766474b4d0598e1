"""Boundary files without a database: parsing and key detection, the errors that name file, feature
and field, area centroids, and the neighbour rule (shared border of at least 5 m in EPSG:25832) on
synthetic squares and against the published RLP neighbour lists."""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Transformer

from conftest import shared_data_file
from verbund.common.errors import ImportFileError
from verbund.registry.geometry import (
    BoundaryCollection,
    KeyKind,
    compute_boundaries,
    detect_key,
    load_boundaries,
)

# A point in the Hunsrück, in ETRS89 / UTM 32N metres: synthetic shapes are drawn in metres from here.
ORIGIN_X, ORIGIN_Y = 400_000.0, 5_530_000.0
TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def rectangle(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def polygon(ring_m: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """A GeoJSON Polygon (WGS84) from a ring given in metres relative to the origin."""
    coords = [list(TO_WGS84.transform(ORIGIN_X + x, ORIGIN_Y + y)) for x, y in ring_m]
    return {"type": "Polygon", "coordinates": [coords]}


def feature(key: str, geometry: dict[str, Any] | None, prop: str = "ags", **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {prop: key, **extra}, "geometry": geometry}


def collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def compute(*features: dict[str, Any]) -> BoundaryCollection:
    return compute_boundaries(collection(*features), file_name="test.geojson")


SQUARE = rectangle(0, 0, 100, 100)


# The rule measures the boundary of A inside B buffered by 1 m, so a straight contact of length L is
# measured as L + 2 m (1 m of A's boundary beyond each end of the contact lies within B's buffer).
# A corner-only contact therefore measures 2 m and stays below the 5 m minimum.
@pytest.mark.parametrize(
    ("other", "expected_m"),
    [
        pytest.param(rectangle(100, 47, 200, 53), 8.0, id="edge-6m-neighbours"),
        pytest.param(rectangle(100, 48.25, 200, 51.75), 5.5, id="edge-3.5m-just-above-5m"),
        pytest.param(rectangle(100, 48.75, 200, 51.25), None, id="edge-2.5m-just-below-5m"),
        pytest.param(rectangle(100, 100, 200, 200), None, id="corner-only"),
        pytest.param(rectangle(100.5, 0, 200, 100), 101.0, id="gap-0.5m-within-buffer"),
        pytest.param(rectangle(102, 0, 200, 100), None, id="gap-2m-not-touching"),
        pytest.param(rectangle(1000, 0, 1100, 100), None, id="far-apart"),
    ],
)
def test_neighbour_rule_on_synthetic_shapes(
    other: list[tuple[float, float]], expected_m: float | None
) -> None:
    result = compute(feature("07000001", polygon(SQUARE)), feature("07000002", polygon(other)))
    if expected_m is None:
        assert result.pairs == []
    else:
        [pair] = result.pairs
        assert (pair.key_a, pair.key_b) == ("07000001", "07000002")
        assert pair.shared_border_m == pytest.approx(expected_m, abs=0.1)


def test_full_shared_edge_measures_the_edge_plus_the_buffer_and_key_order_decides_a() -> None:
    # Listed in reverse order: the pair still comes out as (smaller key, larger key).
    result = compute(
        feature("07000009", polygon(rectangle(100, 0, 200, 100))),
        feature("07000001", polygon(SQUARE)),
        feature("07000005", polygon(rectangle(0, 100, 100, 200))),
    )
    pairs = {(p.key_a, p.key_b): p.shared_border_m for p in result.pairs}
    # 07000009 and 07000005 meet only in the corner (100, 100).
    assert set(pairs) == {("07000001", "07000005"), ("07000001", "07000009")}
    assert pairs["07000001", "07000009"] == pytest.approx(102.0, abs=0.1)


def test_multipolygon_enclave_and_holes_are_handled() -> None:
    # B is an enclave: a hole in A; C is a MultiPolygon with one part touching A's outer edge.
    outer = polygon(rectangle(0, 0, 300, 300))
    hole = polygon(rectangle(100, 100, 200, 200))
    a = {"type": "Polygon", "coordinates": [outer["coordinates"][0], hole["coordinates"][0][::-1]]}
    c = {
        "type": "MultiPolygon",
        "coordinates": [
            polygon(rectangle(300, 0, 400, 300))["coordinates"],
            polygon(rectangle(1000, 1000, 1100, 1100))["coordinates"],
        ],
    }
    result = compute(
        feature("07000001", a),
        feature("07000002", polygon(rectangle(100, 100, 200, 200))),
        feature("07000003", c),
    )
    pairs = {(p.key_a, p.key_b): p.shared_border_m for p in result.pairs}
    assert set(pairs) == {("07000001", "07000002"), ("07000001", "07000003")}
    assert pairs["07000001", "07000002"] == pytest.approx(400.0, abs=0.1)  # the whole hole ring
    assert pairs["07000001", "07000003"] == pytest.approx(302.0, abs=0.1)


def test_centroid_is_the_area_centroid_in_the_metric_projection() -> None:
    # An L shape: 100 x 100 square plus a 100 x 50 strip to its right at the bottom.
    # Area-weighted centroid: ((50 * 10000 + 150 * 5000) / 15000, (50 * 10000 + 25 * 5000) / 15000).
    l_shape = [(0, 0), (200, 0), (200, 50), (100, 50), (100, 100), (0, 100), (0, 0)]
    [result] = compute(feature("07000001", polygon(l_shape))).features
    expected_lon, expected_lat = TO_WGS84.transform(ORIGIN_X + 250 / 3, ORIGIN_Y + 125 / 3)
    assert result.centroid == pytest.approx((expected_lon, expected_lat), abs=1e-8)  # about 1 mm


def test_bbox_and_geometry_are_in_wgs84_and_the_geometry_is_unchanged() -> None:
    geometry = polygon(SQUARE)
    [result] = compute(feature("07000001", geometry, name="Musterdorf")).features
    lons = [c[0] for c in geometry["coordinates"][0]]
    lats = [c[1] for c in geometry["coordinates"][0]]
    assert result.bbox == (min(lons), min(lats), max(lons), max(lats))
    assert result.geometry == geometry
    assert result.name == "Musterdorf"


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        pytest.param(
            {
                "ars": "071110000000",
                "ags": "07111000",
                "gemeindeverband_ars": "071110000",
                "kreis_ags": "07111",
            },
            ("071110000000", KeyKind.ARS),
            id="gemeinde-layer-ars-wins",
        ),
        pytest.param({"ars": "", "ags": "07111000"}, ("07111000", KeyKind.AGS), id="empty-ars-skipped"),
        pytest.param(
            {"gemeindeverband_ars": "073335004", "kreis_ags": "07333", "verbandsgemeinde_ars": ""},
            ("073335004", KeyKind.ASSOCIATION),
            id="vg-layer",
        ),
        pytest.param(
            {"kreis_ags": "07140", "name": "Rhein-Hunsrück-Kreis"}, ("07140", KeyKind.KREIS), id="kreis"
        ),
    ],
)
def test_detect_key(properties: dict[str, Any], expected: tuple[str, KeyKind]) -> None:
    assert detect_key(properties, file_name="x.geojson", index=0) == expected


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        pytest.param({"name": "Irgendwo"}, "features[3].properties", id="missing"),
        pytest.param({"ags": "0711100"}, "features[3].properties.ags", id="too-short"),
        pytest.param({"kreis_ags": 7111}, "features[3].properties.kreis_ags", id="number-lost-leading-zero"),
        pytest.param({"ars": "07111000000X"}, "features[3].properties.ars", id="not-digits"),
    ],
)
def test_detect_key_errors_name_file_feature_and_field(properties: dict[str, Any], field: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        detect_key(properties, file_name="x.geojson", index=3)
    assert caught.value.path == "x.geojson"
    assert caught.value.field == field
    assert "x.geojson" in str(caught.value)
    assert field in str(caught.value)


def write(tmp_path: Path, content: str | dict[str, Any], name: str = "grenzen.geojson") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_unparseable_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",,}\n]}')
    with pytest.raises(ImportFileError) as caught:
        load_boundaries(path)
    assert caught.value.path == "grenzen.geojson"
    assert caught.value.line == 3
    assert "kein gültiges JSON" in str(caught.value)


def test_not_a_feature_collection(tmp_path: Path) -> None:
    with pytest.raises(
        ImportFileError, match=r"grenzen\.geojson, Feld type: keine GeoJSON-FeatureCollection"
    ):
        load_boundaries(write(tmp_path, {"type": "Feature", "properties": {}, "geometry": None}))


def test_missing_file_is_an_import_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"fehlt\.geojson: Datei kann nicht gelesen werden"):
        load_boundaries(tmp_path / "fehlt.geojson")


@pytest.mark.parametrize(
    ("geometry", "field", "message"),
    [
        pytest.param(
            {"type": "Point", "coordinates": [7.5, 50.0]},
            "features[1].geometry.type",
            "Geometrietyp 'Point' nicht unterstützt",
            id="point",
        ),
        pytest.param(
            {"type": "LineString", "coordinates": [[7.5, 50.0], [7.6, 50.0]]},
            "features[1].geometry.type",
            "nicht unterstützt",
            id="line",
        ),
        pytest.param(None, "features[1].geometry", "Geometrie fehlt", id="null"),
        pytest.param(
            {"type": "Polygon", "coordinates": [[[7.5, 50.0], [7.6, 50.0]]]},
            "features[1].geometry.coordinates",
            "Koordinaten nicht lesbar",
            id="ring-too-short",
        ),
        pytest.param(
            {
                "type": "Polygon",
                "coordinates": [[[400000, 5530000], [400100, 5530000], [400100, 5530100], [400000, 5530000]]],
            },
            "features[1].geometry.coordinates",
            "außerhalb von WGS84",
            id="still-in-utm",
        ),
        pytest.param(
            {"type": "Polygon", "coordinates": []}, "features[1].geometry.coordinates", "leer", id="empty"
        ),
    ],
)
def test_geometry_errors_name_file_feature_and_field(
    tmp_path: Path, geometry: dict[str, Any] | None, field: str, message: str
) -> None:
    path = write(tmp_path, collection(feature("07000001", polygon(SQUARE)), feature("07000002", geometry)))
    with pytest.raises(ImportFileError) as caught:
        load_boundaries(path)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"grenzen.geojson, Feld {field}: ")
    assert message in str(caught.value)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature("07000001", polygon(SQUARE)), feature("07000001", polygon(rectangle(0, 200, 100, 300)))
        ),
    )
    with pytest.raises(
        ImportFileError, match=r"Feld features\[1\]\.properties\.ags: Schlüssel 07000001 kommt doppelt"
    ):
        load_boundaries(path)


def test_invalid_polygon_is_refused_with_the_feature_and_the_reason() -> None:
    # A bow tie (self-intersecting ring) has no defined area, border or neighbours: refused, naming
    # the feature (key, name, index) and GEOS's reason in German with its location.
    bow_tie = [(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)]
    square = feature("07000002", polygon(rectangle(100, 0, 200, 100)))
    invalid = feature("07000001", polygon(bow_tie))
    invalid["properties"]["name"] = "Schleifenheim"
    with pytest.raises(ImportFileError) as caught:
        compute(square, invalid)
    message = str(caught.value)
    assert caught.value.field == "features[1].geometry.coordinates"
    assert "ungültige Geometrie von 07000001 (Schleifenheim): Selbstüberschneidung bei " in message
    assert "(GEOS: Self-intersection[" in message


def test_a_hole_outside_its_shell_is_refused() -> None:
    geometry = {
        "type": "Polygon",
        "coordinates": [
            polygon(rectangle(0, 0, 100, 100))["coordinates"][0],
            polygon(rectangle(200, 200, 300, 300))["coordinates"][0],
        ],
    }
    with pytest.raises(ImportFileError, match="ein Loch liegt außerhalb der Außengrenze"):
        compute(feature("07000001", geometry))


def test_metadata_source_is_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(feature("07000001", polygon(SQUARE)), metadata={"source": "Landeswahlleiter RLP"}),
    )
    result = load_boundaries(path)
    assert result.source == "Landeswahlleiter RLP"
    assert result.file_name == "grenzen.geojson"


# --- The real RLP layers against the published neighbour lists (same rule, computed independently) ---

RLP = "geo/rlp/"


@pytest.fixture(scope="module")
def gemeinden() -> BoundaryCollection:
    # The slowest computation of this module (about a second): done once for all tests using it.
    return load_boundaries(shared_data_file(RLP + "rlp_gemeinden.geojson"))


def reference_pairs(relative: str) -> dict[tuple[str, str], float]:
    with shared_data_file(relative).open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return {(a, b): float(metres) for a, b, metres in rows[1:]}


def ags_of(ars: str) -> str:
    # AGS = Land, Regierungsbezirk, Kreis (5 digits) + Gemeinde (last 3 digits of the ARS).
    return ars[:5] + ars[9:]


def assert_same_graph(
    computed: dict[tuple[str, str], float], reference: dict[tuple[str, str], float]
) -> None:
    """Same pairs; every length within 1 m + 0.5 %, the median within 0.01 %.

    The reference was measured on the source geometry in EPSG:25832 before it was rounded to 6
    decimals in WGS84 (about 0.1 m) and, at the Gemeinde level, with A = the smaller AGS where we take
    the smaller ARS; on long borders that moves a length by a few metres, never across the 5 m line
    (the shortest border in RLP is 53 m).
    """
    assert set(computed) == set(reference)
    deviations = {pair: abs(computed[pair] - reference[pair]) for pair in reference}
    too_far = {pair: d for pair, d in deviations.items() if d > 1.0 + 0.005 * reference[pair]}
    assert not too_far
    assert statistics.median(d / reference[pair] for pair, d in deviations.items()) <= 1e-4


def test_rlp_gemeinden_neighbours_match_the_published_list(gemeinden: BoundaryCollection) -> None:
    reference = reference_pairs(RLP + "rlp_gemeinden_neighbours.csv")
    assert len(reference) == 6677
    computed = {tuple(sorted((ags_of(p.key_a), ags_of(p.key_b)))): p.shared_border_m for p in gemeinden.pairs}
    assert len(computed) == len(gemeinden.pairs) == 6677
    assert_same_graph(computed, reference)  # type: ignore[arg-type]
    # "Every municipality has at least one neighbour."
    assert {k for p in gemeinden.pairs for k in (p.key_a, p.key_b)} == {f.key for f in gemeinden.features}


def test_rlp_gemeinden_features_keys_and_centroids(gemeinden: BoundaryCollection) -> None:
    assert len(gemeinden.features) == 2300
    assert {f.key_kind for f in gemeinden.features} == {KeyKind.ARS}
    assert "Landeswahlleiter" in gemeinden.source
    with shared_data_file(RLP + "rlp_gemeinden_centroids.csv").open(encoding="utf-8") as handle:
        reference = {row["ags"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(handle)}
    computed = {ags_of(f.key): f.centroid for f in gemeinden.features}
    assert set(computed) == set(reference)
    # 1e-5 degrees is under 1 m; a centroid taken in degrees instead of metres is off by up to 1.5e-4.
    worst = max(
        max(abs(c - r) for c, r in zip(computed[ags], reference[ags], strict=True)) for ags in reference
    )
    assert worst < 1e-5


def test_rlp_gemeinden_bboxes_lie_in_rlp_and_hold_the_centroid(gemeinden: BoundaryCollection) -> None:
    for f in gemeinden.features:
        min_lon, min_lat, max_lon, max_lat = f.bbox
        assert 5.8 < min_lon < max_lon < 8.6 and 48.9 < min_lat < max_lat < 51.0  # inside RLP
        assert shapely.contains_xy(shapely.box(*f.bbox), *f.centroid)


@pytest.mark.parametrize(
    ("layer", "neighbours", "features", "kind", "count"),
    [
        (
            "rlp_verbandsgemeinden.geojson",
            "rlp_verbandsgemeinden_neighbours.csv",
            170,
            KeyKind.ASSOCIATION,
            449,
        ),
        ("rlp_kreise.geojson", "rlp_kreise_neighbours.csv", 36, KeyKind.KREIS, 73),
    ],
)
def test_rlp_upper_layers_match_the_published_lists(
    layer: str, neighbours: str, features: int, kind: KeyKind, count: int
) -> None:
    result = load_boundaries(shared_data_file(RLP + layer))
    assert len(result.features) == features
    assert {f.key_kind for f in result.features} == {kind}
    reference = reference_pairs(RLP + neighbours)
    assert len(reference) == count
    assert_same_graph({(p.key_a, p.key_b): p.shared_border_m for p in result.pairs}, reference)
