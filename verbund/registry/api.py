"""``/api/v1/bodies``: the registry of municipal bodies, read-only and public.

Every body is addressed by its 12-digit ARS. Lists have the shape ``{"items": [...], "count": N}``
and cost two queries (count and page) whatever ``limit`` is. ``area_km2`` is a JSON number with two
decimals (hectares of the directory ÷ 100); ``area_ha`` in the detail is the exact integer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import BaseModel

from verbund.common.api import ErrorOut, PageParams, api_principal, paginate
from verbund.common.errors import NotFound

from .models import Body, BodyBoundary, Kind
from .selectors import PARENT_CHAIN_DEPTH, access_body, body_neighbours, body_search, boundary_feature

router = Router()

ARS_PATTERN = r"^[0-9]{12}$"
KIND_LABELS = dict(Kind.choices)
GEOJSON_MEDIA_TYPE = "application/geo+json"


# --- Schemas ----------------------------------------------------------------------------------------
# Output schemas are plain pydantic models, built by the endpoints from ``values()`` rows: ninja's
# ``Schema`` (made to read ORM objects) wraps every nested value on validation, and model instances
# for a page of 500 rows would cost more than the page's queries.


class Centroid(BaseModel):
    lat: float = Field(description="Breite (WGS84)")
    lon: float = Field(description="Länge (WGS84)")


class BodyRef(BaseModel):
    ars: str
    name: str
    kind: Kind


class BodyItem(BaseModel):
    ars: str = Field(description="Amtlicher Regionalschlüssel, 12 Ziffern")
    ags: str = Field(description="Amtlicher Gemeindeschlüssel, 8 Ziffern (leer für Verbände und Länder)")
    key: str = Field(description="Schlüssel, der über Ausgaben des Verzeichnisses gleich bleibt")
    name: str
    kind: Kind
    kind_label: str
    is_stadt: bool
    state: str = Field(description="Land, 2 Ziffern (07 = Rheinland-Pfalz)")
    parent_ars: str | None
    population: int | None
    population_date: dt.date | None = Field(description="Stichtag der Einwohnerzahl")
    area_km2: float | None = Field(description="Fläche in km², zwei Nachkommastellen")
    postcode: str
    centroid: Centroid | None = Field(description="Flächenschwerpunkt (WGS84), falls bekannt")
    dissolved_on: dt.date | None = Field(
        description="Gebietsstand, ab dem es die Körperschaft nicht mehr gibt"
    )
    url: str = Field(description="URL dieser Körperschaft in der API")


class BodyPage(BaseModel):
    items: list[BodyItem]
    count: int


class BodyDetail(BodyItem):
    seat: str = Field(description="Verwaltungssitz")
    textkennzeichen: str = Field(description="Textkennzeichen des GV100AD")
    gebietsstand: dt.date
    population_male: int | None
    area_ha: int | None = Field(description="Fläche in Hektar, wie im Verzeichnis")
    postcode_multiple: bool = Field(description="Die Körperschaft hat mehrere Postleitzahlen")
    parents: list[BodyRef] = Field(
        description="Übergeordnete Körperschaften vom direkten Elternteil bis zum Land"
    )
    children_count: int = Field(description="Anzahl der aktuellen direkt untergeordneten Körperschaften")
    successors: list[BodyRef] = Field(description="Nachfolger einer aufgelösten Körperschaft")
    predecessors: list[BodyRef] = Field(description="Aufgelöste Vorgänger")
    has_boundary: bool
    boundary_url: str | None
    neighbours_url: str


class NeighbourItem(BodyItem):
    shared_border_m: float = Field(description="Länge der gemeinsamen Grenze in Metern")


class NeighbourPage(BaseModel):
    items: list[NeighbourItem]
    count: int


class BoundaryProperties(BaseModel):
    ars: str
    name: str
    kind: Kind


class BoundaryFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] = Field(description="GeoJSON-Geometrie (Polygon oder MultiPolygon, WGS84)")
    properties: BoundaryProperties


class NeighbourFilters(Schema):
    kind: list[Kind] | None = Field(None, description="Nur Nachbarn dieser Art(en)")


class BodyFilters(Schema):
    state: str | None = Field(
        None, pattern=r"^[0-9]{2}$", description="Land, 2 Ziffern (07 = Rheinland-Pfalz)"
    )
    kind: list[Kind] | None = Field(None, description="Art; mehrfach angeben für mehrere Arten")
    parent: str | None = Field(
        None, pattern=ARS_PATTERN, description="ARS der übergeordneten Körperschaft: nur ihre direkten Kinder"
    )
    q: str | None = Field(
        None, max_length=100, description="Name enthält … oder AGS/ARS beginnt mit … (nur Ziffern)"
    )
    include_dissolved: bool = Field(False, description="Auch aufgelöste Körperschaften")


#: The boundary endpoint answers ``application/geo+json``; ninja documents a declared response
#: schema as ``application/json`` only, so the 200 response is written out here.
BOUNDARY_FEATURE_SCHEMA: dict[str, Any] = {
    "title": "BoundaryFeature",
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"type": "object", "description": "GeoJSON-Geometrie (Polygon oder MultiPolygon, WGS84)"},
        "properties": {
            "type": "object",
            "required": ["ars", "name", "kind"],
            "properties": {
                "ars": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"$ref": "#/components/schemas/Kind"},
            },
        },
    },
}


# --- Building the responses ------------------------------------------------------------------------


#: Columns of a list item, read with ``values()``: a page of 500 rows builds no model instances.
ITEM_FIELDS = (
    "ars",
    "ags",
    "key",
    "name",
    "kind",
    "is_stadt",
    "state",
    "parent__ars",
    "population",
    "population_date",
    "area_ha",
    "postcode",
    "centroid_lat",
    "centroid_lon",
    "dissolved_on",
)


def _row(body: Body) -> dict[str, Any]:
    """A loaded body as the row ``values(*ITEM_FIELDS)`` would give (its parent must be joined)."""
    row = {field: getattr(body, field) for field in ITEM_FIELDS if field != "parent__ars"}
    row["parent__ars"] = body.parent.ars if body.parent is not None else None
    return row


def _item_fields(row: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The fields of :class:`BodyItem` from a ``values()`` row; ``base_url`` is reversed once per
    request, not once per row."""
    area_ha, lat, lon = row["area_ha"], row["centroid_lat"], row["centroid_lon"]
    return {
        "ars": row["ars"],
        "ags": row["ags"],
        "key": row["key"],
        "name": row["name"],
        "kind": row["kind"],
        "kind_label": str(KIND_LABELS.get(row["kind"], row["kind"])),
        "is_stadt": row["is_stadt"],
        "state": row["state"],
        "parent_ars": row["parent__ars"],
        "population": row["population"],
        "population_date": row["population_date"],
        "area_km2": None if area_ha is None else round(area_ha / 100, 2),
        "postcode": row["postcode"],
        "centroid": None if lat is None or lon is None else Centroid(lat=lat, lon=lon),
        "dissolved_on": row["dissolved_on"],
        "url": f"{base_url}/{row['ars']}",
    }


def _ref(body: Body) -> BodyRef:
    return BodyRef(ars=body.ars, name=body.name, kind=Kind(body.kind))


def _list_base_url() -> str:
    # The detail route is the list route + "/{ars}" (see the decorators below).
    return reverse("api:body_list")


# --- Endpoints --------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: BodyPage, 422: ErrorOut},
    url_name="body_list",
    summary="Körperschaften suchen und filtern",
)
def list_bodies(request: HttpRequest, filters: Query[BodyFilters], page: Query[PageParams]) -> BodyPage:
    """Aktuelle Körperschaften (mit `include_dissolved=true` auch aufgelöste), nach ARS sortiert."""
    qs = body_search(
        principal=api_principal(request),
        q=filters.q or "",
        state=filters.state or "",
        kinds=filters.kind or (),
        parent_ars=filters.parent or "",
        include_dissolved=filters.include_dissolved,
    )
    base_url = _list_base_url()
    return BodyPage.model_validate(
        paginate(qs.values(*ITEM_FIELDS), page, convert=lambda row: BodyItem(**_item_fields(row, base_url)))
    )


@router.get(
    "/{ars}",
    response={200: BodyDetail, 404: ErrorOut, 422: ErrorOut},
    url_name="body_detail",
    summary="Eine Körperschaft",
)
def get_body(request: HttpRequest, ars: str = Path(..., pattern=ARS_PATTERN)) -> BodyDetail:
    """Stammdaten, übergeordnete Körperschaften bis zum Land, Nachfolger und Vorgänger."""
    chain = "__".join(["parent"] * PARENT_CHAIN_DEPTH)
    body = access_body(
        api_principal(request),
        ars,
        queryset=Body.objects.select_related(chain).annotate(
            has_boundary=Exists(BodyBoundary.objects.filter(body=OuterRef("pk")))
        ),
    )
    has_boundary = bool(body.has_boundary)  # type: ignore[attr-defined]
    return BodyDetail(
        **_item_fields(_row(body), _list_base_url()),
        seat=body.seat,
        textkennzeichen=body.textkennzeichen,
        gebietsstand=body.gebietsstand,
        population_male=body.population_male,
        area_ha=body.area_ha,
        postcode_multiple=body.postcode_multiple,
        parents=[_ref(p) for p in body.ancestors()],
        children_count=body.children.current().count(),
        successors=[_ref(b) for b in body.successors.order_by("ars")],
        predecessors=[_ref(b) for b in body.predecessors.order_by("ars")],
        has_boundary=has_boundary,
        boundary_url=reverse("api:body_boundary", kwargs={"ars": ars}) if has_boundary else None,
        neighbours_url=reverse("api:body_neighbours", kwargs={"ars": ars}),
    )


@router.get(
    "/{ars}/neighbours",
    response={200: NeighbourPage, 404: ErrorOut, 422: ErrorOut},
    url_name="body_neighbours",
    summary="Nachbarn einer Körperschaft",
)
def list_neighbours(
    request: HttpRequest,
    filters: Query[NeighbourFilters],
    ars: str = Path(..., pattern=ARS_PATTERN),
) -> NeighbourPage:
    """Körperschaften mit einer gemeinsamen Grenze von mindestens 5 m, nach Name sortiert."""
    principal = api_principal(request)
    body = access_body(principal, ars)
    links = body_neighbours(principal=principal, body=body, kinds=filters.kind or ())
    base_url = _list_base_url()
    items = [
        NeighbourItem(**_item_fields(_row(link.neighbour), base_url), shared_border_m=link.shared_border_m)
        for link in links
    ]
    return NeighbourPage(items=items, count=len(items))


@router.get(
    "/{ars}/boundary",
    response={404: ErrorOut, 422: ErrorOut},
    url_name="body_boundary",
    summary="Grenze einer Körperschaft (GeoJSON)",
    openapi_extra={
        "responses": {
            200: {
                "description": "GeoJSON-Feature mit der Grenze",
                "content": {GEOJSON_MEDIA_TYPE: {"schema": BOUNDARY_FEATURE_SCHEMA}},
            }
        }
    },
)
def get_boundary(request: HttpRequest, ars: str = Path(..., pattern=ARS_PATTERN)) -> HttpResponse:
    """Ein GeoJSON-Feature (`application/geo+json`) mit der Grenze in WGS84; 404, wenn keine vorliegt."""
    body = access_body(api_principal(request), ars)
    boundary = BodyBoundary.objects.filter(body=body).select_related("body").first()
    if boundary is None:
        raise NotFound(_("Für diese Körperschaft ist keine Grenze hinterlegt."))
    feature = BoundaryFeature.model_validate(boundary_feature(boundary))
    # Written here rather than by ninja: the media type is application/geo+json.
    return HttpResponse(feature.model_dump_json(), content_type=GEOJSON_MEDIA_TYPE)
