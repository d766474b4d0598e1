"""Boundary files: parse a GeoJSON FeatureCollection, compute centroids and the neighbour graph.

Pure computation (no Django), so that the parser and the neighbour rule are tested without a
database and benchmarked alone (``bench/bench_neighbours.py``).

The neighbour rule (the same as the cross-check lists in the shared data): two features A and B are
neighbours when the boundary of A, intersected with B buffered by 1 m, is at least 5 m long. Lengths
and buffers are measured in ETRS89 / UTM zone 32N (EPSG:25832), the official metric projection of
Rhineland-Palatinate, because degrees are not metres; the 5 m minimum excludes corner-only contacts
(four municipalities meeting in one point), and the 1 m buffer absorbs the gaps and overlaps that
rounding coordinates to 6 decimals (about 0.1 m) leaves between polygons that share a border.

An invalid polygon (a self-intersecting ring, a hole outside its shell …) is refused with the
feature's key, name and index and the reason GEOS gives (``explain_validity``): stored, it would
replace a real boundary with a shape that has no defined area, border or neighbours.

All geometry work runs on arrays of geometries with shapely 2's vectorised functions: one pyproj
call transforms every coordinate of the file, an STRtree finds the candidate pairs, and one
``shapely.intersection`` over the arrays of candidate pairs measures the shared borders.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from verbund.common.errors import ImportFileError

#: The metric projection of the computation (ETRS89 / UTM 32N) and the CRS of GeoJSON (WGS84).
METRIC_CRS = "EPSG:25832"
GEOGRAPHIC_CRS = "EPSG:4326"
#: The neighbour rule: boundary of A inside B buffered by ``NEIGHBOUR_BUFFER_M`` is at least
#: ``MIN_SHARED_BORDER_M`` long.
NEIGHBOUR_BUFFER_M = 1.0
MIN_SHARED_BORDER_M = 5.0

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


class KeyKind(enum.StrEnum):
    """Which official key identifies the features of a boundary file (the property's name)."""

    ARS = "ars"  # 12 digits: a Gemeinde (Amtlicher Regionalschlüssel)
    AGS = "ags"  # 8 digits: a Gemeinde (Amtlicher Gemeindeschlüssel)
    ASSOCIATION = "gemeindeverband_ars"  # 9 digits: a Gemeindeverband or a verbandsfreie Gemeinde
    KREIS = "kreis_ags"  # 5 digits: a Kreis or a kreisfreie Stadt

    @property
    def digits(self) -> int:
        return _KEY_DIGITS[self]


_KEY_DIGITS = {KeyKind.ARS: 12, KeyKind.AGS: 8, KeyKind.ASSOCIATION: 9, KeyKind.KREIS: 5}
#: Precedence when a feature carries several keys: the most specific one identifies the feature
#: (a Gemeinde feature also names its Gemeindeverband and Kreis; those are not its own keys).
KEY_PRECEDENCE = (KeyKind.ARS, KeyKind.AGS, KeyKind.ASSOCIATION, KeyKind.KREIS)


@dataclass(frozen=True, slots=True)
class BoundaryFeature:
    """One feature of a boundary file with what the registry stores about it.

    ``centroid`` is the area centroid as (lon, lat) in WGS84, computed in the metric projection;
    ``bbox`` is (min_lon, min_lat, max_lon, max_lat); ``geometry`` is the input GeoJSON geometry,
    unchanged (WGS84).
    """

    key: str
    key_kind: KeyKind
    name: str
    centroid: tuple[float, float]
    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]


@dataclass(frozen=True, slots=True, order=True)
class NeighbourPair:
    """Two neighbouring features (``key_a < key_b``) and the length of their shared border in metres."""

    key_a: str
    key_b: str
    shared_border_m: float


@dataclass(frozen=True, slots=True)
class BoundaryCollection:
    """A parsed boundary file: its features, the neighbour pairs among them and the collection's metadata."""

    file_name: str
    features: list[BoundaryFeature]
    pairs: list[NeighbourPair]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """``metadata.source`` of the collection (the publisher of the geometry), or ``""``."""
        value = self.metadata.get("source", "")
        return value if isinstance(value, str) else ""


@cache
def _transformer(source: str, target: str) -> Transformer:
    # Building a Transformer reads the PROJ database; one per direction and process is enough.
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(geometries: np.ndarray) -> np.ndarray:
    """Transform an array of WGS84 geometries to EPSG:25832 (all coordinates in one pyproj call)."""
    transformer = _transformer(GEOGRAPHIC_CRS, METRIC_CRS)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(geometries, project)


def to_geographic(points: np.ndarray) -> np.ndarray:
    """(n, 2) array of EPSG:25832 x/y to (n, 2) array of WGS84 lon/lat."""
    if len(points) == 0:
        return np.empty((0, 2))
    lon, lat = _transformer(METRIC_CRS, GEOGRAPHIC_CRS).transform(points[:, 0], points[:, 1])
    return np.column_stack((lon, lat))


def detect_key(properties: dict[str, Any], *, file_name: str, index: int) -> tuple[str, KeyKind]:
    """The key of a feature: the first of :data:`KEY_PRECEDENCE` present in its properties.

    An empty value counts as absent (the shared Gemeinde file has ``verbandsgemeinde_ars: ""`` for
    verbandsfreie Gemeinden); a present key of the wrong form is an error, never skipped.
    """
    for kind in KEY_PRECEDENCE:
        value = properties.get(kind.value)
        if value is None or value == "":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            # A key written as a number has lost its leading zero ("07" for RLP); refuse rather than guess.
            value = str(value)
        if not isinstance(value, str) or len(value) != kind.digits or not value.isdigit():
            raise ImportFileError(
                f"Schlüssel muss aus {kind.digits} Ziffern bestehen (als Text), gefunden: {value!r}",
                path=file_name,
                field=f"features[{index}].properties.{kind.value}",
            )
        return value, kind
    names = ", ".join(kind.value for kind in KEY_PRECEDENCE)
    raise ImportFileError(
        f"Kein Schlüsselmerkmal gefunden; erwartet eines von: {names}",
        path=file_name,
        field=f"features[{index}].properties",
    )


def read_feature_collection(path: str | Path) -> dict[str, Any]:
    """Read and JSON-parse a boundary file; a broken file names the file, line and column."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except OSError as error:
        raise ImportFileError(
            f"Datei kann nicht gelesen werden ({error.strerror})", path=path.name
        ) from error
    except UnicodeDecodeError as error:
        raise ImportFileError("Datei ist nicht UTF-8-kodiert", path=path.name) from error
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"kein gültiges JSON ({error.msg}, Spalte {error.colno})", path=path.name, line=error.lineno
        ) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFileError("keine GeoJSON-FeatureCollection", path=path.name, field="type")
    if not isinstance(data.get("features"), list):
        raise ImportFileError("Liste der Features fehlt", path=path.name, field="features")
    return data


#: German for the reasons GEOS gives for an invalid geometry (``shapely.is_valid_reason``); the
#: location GEOS appends in brackets is kept.
_INVALIDITY_REASONS = {
    "Self-intersection": "Selbstüberschneidung",
    "Ring Self-intersection": "ein Ring überschneidet sich selbst",
    "Hole lies outside shell": "ein Loch liegt außerhalb der Außengrenze",
    "Holes are nested": "Löcher liegen ineinander",
    "Interior is disconnected": "das Innere ist nicht zusammenhängend",
    "Nested shells": "Außengrenzen liegen ineinander",
    "Duplicate Rings": "doppelte Ringe",
    "Too few points in geometry component": "zu wenige Punkte in einem Ring",
    "Invalid Coordinate": "ungültige Koordinate",
    "Ring is not closed": "ein Ring ist nicht geschlossen",
}


def invalidity_reason(geometry: shapely.Geometry) -> str | None:
    """Why ``geometry`` is not a valid (OGC simple features) geometry, in German; ``None`` if it is.

    ``"Selbstüberschneidung bei 7.1234 49.5678 (GEOS: Self-intersection)"``.
    """
    if shapely.is_valid(geometry):
        return None
    reason = shapely.is_valid_reason(geometry) or "invalid"
    text, _bracket, location = reason.partition("[")
    german = _INVALIDITY_REASONS.get(text.strip(), text.strip())
    where = f" bei {location.rstrip(']')}" if location else ""
    return f"{german}{where} (GEOS: {reason})"


def _parse_geometry(raw: Any, *, file_name: str, index: int, label: str = "") -> shapely.Geometry:
    where = f"features[{index}].geometry"
    if not isinstance(raw, dict):
        raise ImportFileError("Geometrie fehlt", path=file_name, field=where)
    kind = raw.get("type")
    if kind not in _POLYGONAL:
        raise ImportFileError(
            f"Geometrietyp {kind!r} nicht unterstützt; erwartet Polygon oder MultiPolygon",
            path=file_name,
            field=f"{where}.type",
        )
    try:
        geometry = shape(raw)
    except (
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AttributeError,
        shapely.errors.ShapelyError,
    ) as error:
        raise ImportFileError(
            f"Koordinaten nicht lesbar ({error})", path=file_name, field=f"{where}.coordinates"
        ) from error
    if geometry.is_empty:
        raise ImportFileError("Geometrie ist leer", path=file_name, field=f"{where}.coordinates")
    min_x, min_y, max_x, max_y = shapely.bounds(geometry)
    if not all(math.isfinite(v) for v in (min_x, min_y, max_x, max_y)) or not (
        -180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90
    ):
        # Typically a file still in the metric projection: GeoJSON is WGS84 lon/lat by definition.
        raise ImportFileError(
            "Koordinaten liegen außerhalb von WGS84 (Länge/Breite in Grad erwartet, EPSG:4326)",
            path=file_name,
            field=f"{where}.coordinates",
        )
    reason = invalidity_reason(geometry)
    if reason is not None:
        raise ImportFileError(
            f"ungültige Geometrie{' von ' + label if label else ''}: {reason}. Die Datei wurde nicht "
            "eingelesen; bitte die Geometrie reparieren (z. B. in QGIS „Geometrien reparieren“).",
            path=file_name,
            field=f"{where}.coordinates",
        )
    return geometry


def parse_features(
    data: dict[str, Any], *, file_name: str
) -> tuple[list[str], list[KeyKind], list[str], list[dict[str, Any]], np.ndarray]:
    """Validate every feature; return keys, key kinds, names, raw geometries and shapely geometries."""
    keys: list[str] = []
    kinds: list[KeyKind] = []
    names: list[str] = []
    raw_geometries: list[dict[str, Any]] = []
    geometries: list[shapely.Geometry] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(data["features"]):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ImportFileError("kein GeoJSON-Feature", path=file_name, field=f"features[{index}].type")
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            raise ImportFileError(
                "Eigenschaften fehlen", path=file_name, field=f"features[{index}].properties"
            )
        key, kind = detect_key(properties, file_name=file_name, index=index)
        if key in seen:
            raise ImportFileError(
                f"Schlüssel {key} kommt doppelt vor (auch features[{seen[key]}])",
                path=file_name,
                field=f"features[{index}].properties.{kind.value}",
            )
        seen[key] = index
        name = properties.get("name")
        name = name if isinstance(name, str) else ""
        label = f"{key} ({name})" if name else key
        geometries.append(
            _parse_geometry(feature.get("geometry"), file_name=file_name, index=index, label=label)
        )
        keys.append(key)
        kinds.append(kind)
        names.append(name)
        raw_geometries.append(feature["geometry"])
    return keys, kinds, names, raw_geometries, np.array(geometries, dtype=object)


def neighbour_pairs(
    keys: Sequence[str],
    metric: np.ndarray,
    *,
    buffer_m: float = NEIGHBOUR_BUFFER_M,
    min_shared_border_m: float = MIN_SHARED_BORDER_M,
) -> list[NeighbourPair]:
    """The neighbour pairs among metric (EPSG:25832) geometries, sorted by keys.

    The rule is asymmetric in A and B by a few metres at most (where the borders do not coincide
    exactly); A is the feature with the smaller key, as in the published cross-check lists, so the
    result does not depend on the order of the features in the file.
    """
    if len(keys) < 2:
        return []
    key_array = np.asarray(keys)
    # Each polygon is buffered once; the buffers serve both to find the candidates (a feature whose
    # polygon meets the buffer of another: an STRtree query, cheaper than a distance query) and to
    # measure the shared border.
    buffered = shapely.buffer(metric, buffer_m)
    right, left = shapely.STRtree(metric).query(buffered, predicate="intersects")
    # Each unordered pair once, with A (left) = the smaller key.
    keep = key_array[left] < key_array[right]
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return []
    boundaries = shapely.boundary(metric)
    lengths = shapely.length(shapely.intersection(boundaries[left], buffered[right]))
    found = lengths >= min_shared_border_m
    pairs = [
        NeighbourPair(str(a), str(b), round(float(length), 1))
        for a, b, length in zip(key_array[left[found]], key_array[right[found]], lengths[found], strict=True)
    ]
    pairs.sort()
    return pairs


def compute_boundaries(
    data: dict[str, Any],
    *,
    file_name: str,
    buffer_m: float = NEIGHBOUR_BUFFER_M,
    min_shared_border_m: float = MIN_SHARED_BORDER_M,
) -> BoundaryCollection:
    """Parse a FeatureCollection (already JSON-decoded) and compute centroids, bboxes and neighbours."""
    keys, kinds, names, raw_geometries, geometries = parse_features(data, file_name=file_name)
    metric = to_metric(geometries)
    centroids = to_geographic(shapely.get_coordinates(shapely.centroid(metric)))
    bounds = shapely.bounds(geometries)
    features = [
        BoundaryFeature(
            key=key,
            key_kind=kind,
            name=name,
            centroid=(float(centroid[0]), float(centroid[1])),
            bbox=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
            geometry=raw,
        )
        for key, kind, name, raw, centroid, box in zip(
            keys, kinds, names, raw_geometries, centroids, bounds, strict=True
        )
    ]
    pairs = neighbour_pairs(keys, metric, buffer_m=buffer_m, min_shared_border_m=min_shared_border_m)
    metadata = data.get("metadata")
    return BoundaryCollection(
        file_name=file_name,
        features=features,
        pairs=pairs,
        metadata=metadata if isinstance(metadata, dict) else {},
    )


def load_boundaries(
    path: str | Path,
    *,
    buffer_m: float = NEIGHBOUR_BUFFER_M,
    min_shared_border_m: float = MIN_SHARED_BORDER_M,
) -> BoundaryCollection:
    """Read a boundary GeoJSON file and compute everything the registry stores from it."""
    path = Path(path)
    return compute_boundaries(
        read_feature_collection(path),
        file_name=path.name,
        buffer_m=buffer_m,
        min_shared_border_m=min_shared_border_m,
    )
