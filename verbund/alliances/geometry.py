"""The area of an alliance as one geometry: its members' boundaries merged (pure: no Django).

Used by the GeoJSON export of the directory. The rules, so that a reader of the open data knows
what a geometry means:

* Members with a boundary: their polygons are merged with shapely's ``unary_union`` (overlaps, such
  as a Verbandsgemeinde inside a member Landkreis, and shared borders disappear) and the result is
  always a ``MultiPolygon``, also when the members form one contiguous area (then with one part),
  so that consumers handle one geometry type.
* Members without a boundary are not part of the polygons; the export lists them separately. When
  *no* member has a boundary, the members' centroids form a ``MultiPoint`` instead.
* No boundary and no centroid at all: the geometry is ``None`` (GeoJSON ``null``).

Coordinates are WGS84 (lon, lat) as stored in the registry, rounded to 6 decimals (about 0.1 m),
which keeps files small without changing what a map shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, mapping, shape

#: Grid size of the output coordinates in degrees (6 decimals).
PRECISION = 1e-6


def _polygons(geometry: Any) -> list[Polygon]:
    """The polygons of any geometry (a GeometryCollection from ``make_valid`` may hold lines too)."""
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    parts = getattr(geometry, "geoms", ())
    return [p for part in parts for p in _polygons(part)]


def merge_boundaries(boundaries: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The union of GeoJSON (Multi)Polygons as a GeoJSON ``MultiPolygon``; ``None`` if there are none."""
    shapes = []
    for geojson in boundaries:
        geometry = shape(geojson)
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        shapes.extend(_polygons(geometry))
    if not shapes:
        return None
    merged = shapely.set_precision(shapely.unary_union(shapes), PRECISION)
    polygons = _polygons(merged)
    if not polygons:
        return None
    return _rounded(mapping(MultiPolygon(polygons)))


def centroid_points(points: Iterable[tuple[float, float]]) -> dict[str, Any] | None:
    """Centroids ``(lon, lat)`` as a GeoJSON ``MultiPoint``; ``None`` if there are none."""
    unique = list(dict.fromkeys((round(lon, 6), round(lat, 6)) for lon, lat in points))
    if not unique:
        return None
    return _rounded(mapping(MultiPoint(unique)))


def alliance_geometry(
    boundaries: Iterable[Mapping[str, Any]], centroids: Iterable[tuple[float, float]] = ()
) -> dict[str, Any] | None:
    """The geometry of an alliance by the rules of this module.

    ``boundaries``: GeoJSON geometries of the members that have one; ``centroids``: ``(lon, lat)`` of
    the members, used only when no member has a boundary.
    """
    merged = merge_boundaries(boundaries)
    if merged is not None:
        return merged
    return centroid_points(centroids)


def simplified(geojson: Mapping[str, Any], tolerance: float) -> dict[str, Any]:
    """A geometry simplified to ``tolerance`` degrees (topology kept), for a light background map."""
    geometry = shape(geojson)
    return _rounded(mapping(geometry.simplify(tolerance, preserve_topology=True)))


def _rounded(geojson: Mapping[str, Any]) -> dict[str, Any]:
    """GeoJSON with plain lists and coordinates rounded to 6 decimals (``mapping`` gives tuples)."""

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {"type": geojson["type"], "coordinates": walk(geojson["coordinates"])}
