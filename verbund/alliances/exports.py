"""Open data: the published alliance directory as CSV, JSON and GeoJSON.

Only published alliances and only their public fields (:func:`selectors.alliance_public_data`),
whoever asks: the export is the same for everyone, so it can be linked, cached and harvested. Each
export costs a constant number of queries (the directory's three, plus one for the boundaries).

* **CSV** (``verbuende.csv``): one row per alliance; lists (fields, members) joined with ``"; "``.
  Semicolon-separated and UTF-8 with a byte order mark, because that is what German Excel opens
  correctly by double-click (it expects ``;`` where the decimal separator is ``,`` and reads UTF-8
  only with a BOM); other tools read it with ``delimiter=";"`` and ``encoding="utf-8-sig"``. A cell
  that begins with ``=``, ``+``, ``-``, ``@`` or a tab/return gets a leading ``'``, so that a
  spreadsheet does not run user-entered text as a formula (CSV injection); the JSON export carries
  the text unchanged.
* **JSON** (``verbuende.json``): ``{"count", "items": [...], "source", "generated_at"}`` with the
  public fields as in ``GET /api/v1/alliances``.
* **GeoJSON** (``verbuende.geojson``): a FeatureCollection with one Feature per alliance; its
  geometry is the union of the current members' boundaries (rules in :mod:`.geometry`: a
  ``MultiPolygon``; a ``MultiPoint`` of centroids when no member has a boundary; ``null`` without
  any geodata). Members without a boundary are listed in ``members_without_boundary``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone

from verbund.common.licence import licence_note
from verbund.common.principal import ANONYMOUS
from verbund.registry.models import Body, BodyBoundary

from .geometry import alliance_geometry
from .models import Alliance
from .selectors import alliance_list, alliance_public_data, current_memberships

SOURCE = "Verbund – Verzeichnis der veröffentlichten Kooperationsverbünde"
CSV_COLUMNS = (
    ("slug", "Kürzel"),
    ("name", "Name"),
    ("short_name", "Kurzname"),
    ("status", "Status"),
    ("status_label", "Status (Text)"),
    ("fields", "Handlungsfelder"),
    ("member_count", "Anzahl Mitglieder"),
    ("members", "Mitglieder"),
    ("member_ars", "Regionalschlüssel der Mitglieder"),
    ("public_summary", "Kurzbeschreibung"),
    ("url", "Adresse"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def published_alliances() -> list[Alliance]:
    """The published directory with list data (whoever asks: the public's view)."""
    return list(alliance_list(ANONYMOUS))


def _absolute(request: Any, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def export_items(request: Any = None) -> list[dict[str, Any]]:
    """The public data of every published alliance, with the address of its page."""
    return [
        {**alliance_public_data(a), "url": _absolute(request, reverse("alliances:detail", args=[a.slug]))}
        for a in published_alliances()
    ]


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_rows(items: list[dict[str, Any]]) -> Iterator[list[str]]:
    """Header and one row per alliance, lists joined with ``"; "``."""
    yield [label for _, label in CSV_COLUMNS]
    for item in items:
        flat = {
            **item,
            "fields": "; ".join(f["name"] for f in item["fields"]),
            "member_count": len(item["members"]),
            "members": "; ".join(m["name"] for m in item["members"]),
            "member_ars": "; ".join(m["ars"] for m in item["members"]),
        }
        yield [_csv_cell(flat[key]) for key, _ in CSV_COLUMNS]


def export_csv(request: Any = None) -> str:
    """The directory as CSV text (without the BOM, which the response adds)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows(export_items(request)))
    return buffer.getvalue()


def export_json(request: Any = None) -> dict[str, Any]:
    items = export_items(request)
    return {
        "source": SOURCE,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "license": licence_note(),
        "count": len(items),
        "items": items,
    }


def export_geojson(request: Any = None) -> dict[str, Any]:
    """The directory as a GeoJSON FeatureCollection, one Feature per alliance (see module docstring)."""
    alliances = published_alliances()
    body_ids = {m.body_id for a in alliances for m in current_memberships(a)}
    geometries: dict[int, Any] = defaultdict(lambda: None)
    geometries.update(
        BodyBoundary.objects.filter(body_id__in=body_ids).values_list("body_id", "geometry").iterator()
    )
    features = []
    for alliance in alliances:
        data = alliance_public_data(alliance)
        members: list[Body] = [m.body for m in current_memberships(alliance)]
        boundaries = [geometries[b.pk] for b in members if geometries[b.pk] is not None]
        centroids = [
            (b.centroid_lon, b.centroid_lat)
            for b in members
            if b.centroid_lon is not None and b.centroid_lat is not None
        ]
        features.append(
            {
                "type": "Feature",
                "id": alliance.slug,
                "geometry": alliance_geometry(boundaries, centroids),
                "properties": {
                    "name": data["name"],
                    "short_name": data["short_name"],
                    "slug": data["slug"],
                    "status": data["status"],
                    "status_label": data["status_label"],
                    "fields": [f["name"] for f in data["fields"]],
                    "members": [{"ars": m["ars"], "name": m["name"]} for m in data["members"]],
                    "members_without_boundary": [b.ars for b in members if geometries[b.pk] is None],
                    "public_summary": data["public_summary"],
                    "url": _absolute(request, reverse("alliances:detail", args=[alliance.slug])),
                },
            }
        )
    # "license" is a foreign member, which GeoJSON allows (RFC 7946, 6.1).
    return {"type": "FeatureCollection", "name": "verbuende", "license": licence_note(), "features": features}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
