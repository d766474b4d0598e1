"""Reads of the registry across models, shared by the API and the HTML pages.

Every read starts from ``Body.objects.visible_to(principal)``: the registry is public (see
:mod:`verbund.registry.policies`), but the pattern stays the same in every part so that a later
restriction changes one policy, not each view. One body is reached through :func:`access_body`
(404 for an unknown ARS).
Lists decide their joins here (``select_related``) so that their query count does not grow with the
number of rows shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.access import access_object
from verbund.common.data import sha256_of_file
from verbund.common.principal import Principal

from .labels import body_label, kreis_label, state_name  # noqa: F401  (the public face for other parts)
from .models import KREIS_KINDS, Body, BodyBoundary, BodyNeighbour, BodyQuerySet, Kind, RegistryImport

#: Kinds that are a Kreis themselves or act as one (a kreisfreie Stadt is Gemeinde and Kreis).
KREIS_LEVEL_KINDS = frozenset(KREIS_KINDS | {Kind.KREISFREIE_STADT})

#: How far up the parent chain a detail read joins in one query (Gemeinde → VG → Kreis → RB → Land).
PARENT_CHAIN_DEPTH = 4


def latest_gv100ad_import() -> RegistryImport | None:
    return (
        RegistryImport.objects.filter(source=RegistryImport.Source.GV100AD)
        .order_by("-imported_at", "-id")
        .first()
    )


def registry_attribution() -> str:
    """The attribution Destatis requires, for the issue last imported."""
    latest = latest_gv100ad_import()
    if latest is None or latest.gebietsstand is None:
        return ""
    return _("Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Stand %(day)s") % {
        "day": f"{latest.gebietsstand:%d.%m.%Y}"
    }


def registry_overview() -> dict[str, Any]:
    """Counts of current bodies by kind, for the start page (one query)."""
    counts = dict(Body.objects.current().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    labels = dict(Kind.choices)
    rows = [{"kind": k, "label": labels[k], "count": counts[k]} for k in labels if counts.get(k)]
    return {"total": sum(counts.values()), "rows": rows}


def body_search(
    *,
    principal: Principal,
    q: str = "",
    state: str = "",
    kinds: Iterable[str] = (),
    parent_ars: str = "",
    include_dissolved: bool = False,
) -> BodyQuerySet:
    """Bodies matching the filters of the list page and ``GET /api/v1/bodies``, ordered by ARS.

    ``parent_ars`` selects the direct children of that body. The parent is joined, so that a page
    of results costs one query however many rows it has.
    """
    qs = Body.objects.visible_to(principal)
    if not include_dissolved:
        qs = qs.current()
    if state:
        qs = qs.in_state(state)
    kinds = [k for k in kinds if k]
    if kinds:
        qs = qs.of_kind(*kinds)
    if parent_ars:
        qs = qs.filter(parent__ars=parent_ars)
    if q:
        qs = qs.search(q)
    return qs.select_related("parent").order_by("ars")


BODY_NOT_FOUND = gettext_noop("Körperschaft nicht gefunden.")


def access_body(
    principal: Principal,
    ars: str,
    *,
    need: Callable[[Principal, Body], bool] | None = None,
    refusal: str = "",
    queryset: BodyQuerySet | None = None,
) -> Body:
    """The body with this ARS among those ``principal`` sees.

    :class:`~verbund.common.errors.NotFound` (404) for an unknown ARS, and
    :class:`~verbund.common.errors.Forbidden` (403) when ``need`` (a policy predicate such as
    ``lambda p, body: policies.may_change_body(p, body.pk)``) refuses. ``queryset`` adds joins or
    annotations to the one query.
    """
    body: Body = access_object(
        queryset if queryset is not None else Body.objects.all(),
        principal,
        need=need,
        refusal=refusal,
        not_found=_(BODY_NOT_FOUND),
        ars=ars,
    )
    return body


def body_get(*, principal: Principal, ars: str) -> Body:
    """One body with its parent chain joined (404 through :func:`access_body` for an unknown ARS)."""
    chain = "__".join(["parent"] * PARENT_CHAIN_DEPTH)
    return access_body(principal, ars, queryset=Body.objects.select_related(chain))


def body_kreis(body: Body) -> Body | None:
    """The Kreis a body lies in (itself for a Kreis or a kreisfreie Stadt), from parents already
    loaded: it never queries, so a list can show the Kreis of every row for free when it joined
    ``parent__parent``. ``None`` for a Land or when the chain was not loaded far enough."""
    node: Body | None = body
    while node is not None:
        if node.kind in KREIS_LEVEL_KINDS:
            return node
        if node.parent_id is None or not Body.parent.is_cached(node):
            return None
        node = node.parent
    return None


def body_neighbours(*, principal: Principal, body: Body, kinds: Iterable[str] = ()) -> list[BodyNeighbour]:
    """Neighbour links of ``body`` (one query), the neighbour and its parent joined, by name."""
    qs = (
        BodyNeighbour.objects.filter(body=body, neighbour__in=Body.objects.visible_to(principal))
        .select_related("neighbour__parent__parent")
        .order_by("neighbour__name", "neighbour__ars")
    )
    kinds = [k for k in kinds if k]
    if kinds:
        qs = qs.filter(neighbour__kind__in=kinds)
    return list(qs)


def body_children(*, principal: Principal, body: Body) -> BodyQuerySet:
    """Current bodies directly below ``body`` (e.g. the Ortsgemeinden of a Verbandsgemeinde)."""
    return Body.objects.visible_to(principal).current().filter(parent=body).order_by("name", "ars")


def boundary_feature(boundary: BodyBoundary, **properties: Any) -> dict[str, Any]:
    """A boundary as a GeoJSON Feature with the body's identity as properties."""
    body = boundary.body
    return {
        "type": "Feature",
        "geometry": boundary.geometry,
        "properties": {"ars": body.ars, "name": body.name, "kind": body.kind, **properties},
    }


def body_map_features(*, body: Body, neighbours: Iterable[Body]) -> dict[str, Any]:
    """One FeatureCollection with the boundary of ``body`` and of its neighbours (one query).

    The body page embeds it, so that its map needs no further request. ``role`` tells the map
    script which feature is the body itself.
    """
    neighbour_ids = [n.pk for n in neighbours]
    boundaries = BodyBoundary.objects.filter(body_id__in=[body.pk, *neighbour_ids]).select_related("body")
    features = [
        boundary_feature(
            b,
            role="body" if b.body_id == body.pk else "neighbour",
            url=b.body.get_absolute_url(),
        )
        for b in boundaries
    ]
    # The body last, so that it is drawn on top of its neighbours.
    features.sort(key=lambda f: f["properties"]["role"] == "body")
    return {"type": "FeatureCollection", "features": features}


def already_imported(path: Path) -> bool:
    """Whether a registry import of exactly this file (by its SHA-256) has run in this database."""
    return RegistryImport.objects.filter(sha256=sha256_of_file(path)).exists()


# --- what the maps draw under their data: outlines and names ---------------------------------------------

#: Towns with at least this many inhabitants get their name on the maps (Kreise always do).
MAP_TOWN_POPULATION = 20_000
_MAP_KREIS_KINDS = (*KREIS_KINDS, Kind.KREISFREIE_STADT)
_MAP_TOWN_KINDS = (Kind.VERBANDSFREIE_GEMEINDE, Kind.ORTSGEMEINDE, Kind.ERFUELLENDE_GEMEINDE)


def _town_name(name: str) -> str:
    """ "Kaiserslautern, Stadt" → "Kaiserslautern" (the map shows the place, not its title)."""
    base, sep, _suffix = name.partition(", ")
    return base if sep else name


def member_map(members: Iterable[Any], order: Callable[[Body], Any] | None = None) -> dict[str, Any]:
    """Members of something (an alliance's memberships, a good-practice record's members: objects
    with ``body``, ``role`` and ``get_role_display()``) as the GeoJSON FeatureCollection the member
    maps draw (``alliances/alliance-maps.js``; ``role`` ``federfuehrend`` darker): each body's
    boundary, else its centroid, else left out; in the order ``order`` gives (default: Kreise before
    the rest, so that small members stay clickable on top); with the registry's place names around
    (:func:`map_labels`). One query for the boundaries, one for the labels."""
    members = list(members)
    boundaries = dict(
        BodyBoundary.objects.filter(body_id__in=[m.body.pk for m in members]).values_list(
            "body_id", "geometry"
        )
    )
    features = []
    for member in members:
        body = member.body
        geometry = boundaries.get(body.pk)
        if geometry is None and body.centroid_lon is not None and body.centroid_lat is not None:
            geometry = {"type": "Point", "coordinates": [body.centroid_lon, body.centroid_lat]}
        if geometry is None:
            continue
        features.append(
            (
                body,
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {
                        "ars": body.ars,
                        "name": body.name,
                        "kind": body.get_kind_display(),
                        "role": member.role,
                        "role_label": str(member.get_role_display()),
                        "url": body.get_absolute_url(),
                    },
                },
            )
        )
    key = order or (lambda body: body.kind not in KREIS_KINDS)
    features.sort(key=lambda pair: key(pair[0]))
    labels = map_labels({m.body.state for m in members}) if features else []
    return {"type": "FeatureCollection", "features": [f for _, f in features], "labels": labels}


def map_labels(states: Iterable[str], *, town_population: int = MAP_TOWN_POPULATION) -> list[dict[str, Any]]:
    """Place names for the maps of ``states`` (one query): every Kreis and every larger town.

    Each label is ``{"name", "kind", "lat", "lon"}``: ``kind`` is ``"kreis"`` for a Landkreis at its
    representative point (the registry's centroid, which lies inside a Kreis for RLP's shapes),
    ``"stadt"`` for a kreisfreie Stadt and for a kreisangehörige Gemeinde of at least
    ``town_population`` inhabitants. Bodies without a point are left out; larger places come first,
    so that a map that thins out labels keeps the important ones.
    """
    states = sorted(set(states))
    if not states:
        return []
    rows = (
        Body.objects.current()
        .filter(state__in=states, centroid_lat__isnull=False, centroid_lon__isnull=False)
        .filter(Q(kind__in=_MAP_KREIS_KINDS) | Q(kind__in=_MAP_TOWN_KINDS, population__gte=town_population))
        .order_by("-population", "name")
        .values_list("name", "kind", "centroid_lat", "centroid_lon")
    )
    labels = []
    for name, kind, lat, lon in rows:
        assert lat is not None and lon is not None  # filtered above
        is_kreis = kind in KREIS_KINDS
        labels.append(
            {
                "name": kreis_label(name) if is_kreis else _town_name(name),
                "kind": "kreis" if is_kreis else "stadt",
                "lat": round(lat, 5),
                "lon": round(lon, 5),
            }
        )
    return labels


#: Simplification of the outlines under a map (degrees, about 400 m).
MAP_OUTLINE_TOLERANCE = 0.004


def region_outlines(states: Iterable[str], *, tolerance: float = MAP_OUTLINE_TOLERANCE) -> dict[str, Any]:
    """The Länder ``states`` and their Kreise as simplified outlines (``role`` "land" or "kreis").

    The background of a map whose data are points (the funding portfolio): without it the circles
    float on an empty area. Cached until a boundary of those bodies changes (one query to check).
    """
    from django.core.cache import cache
    from django.db.models import Max
    from shapely.geometry import shape
    from shapely.ops import unary_union

    states = sorted(set(states))
    if not states:
        return {"type": "FeatureCollection", "features": []}
    boundaries = BodyBoundary.objects.filter(
        Q(body__kind=Kind.LAND) | Q(body__kind__in=_MAP_KREIS_KINDS),
        body__state__in=states,
        body__dissolved_on__isnull=True,
    )
    stamp = boundaries.aggregate(n=Count("pk"), last=Max("updated_at"))
    if not stamp["n"]:
        return {"type": "FeatureCollection", "features": []}
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = f"registry:region-outlines:{','.join(states)}:{tolerance}:{stamp['n']}:{last}"
    outlines: dict[str, Any] | None = cache.get(key)
    if outlines is None:
        features = []
        kreise: dict[str, list[Any]] = {}
        with_land = set()
        for state, kind, geometry in boundaries.values_list(
            "body__state", "body__kind", "geometry"
        ).iterator():
            polygon = shape(geometry)
            if kind == Kind.LAND:
                with_land.add(state)
            else:
                kreise.setdefault(state, []).append(polygon)
            features.append(_outline(polygon, "land" if kind == Kind.LAND else "kreis", tolerance))
        for state, polygons in kreise.items():
            if state not in with_land:  # the Land as the union of its Kreise (no Land layer imported)
                features.append(_outline(unary_union(polygons), "land", tolerance))
        # The Land first, so that its Kreise are drawn over it.
        features.sort(key=lambda f: f["properties"]["role"] != "land")
        outlines = {"type": "FeatureCollection", "features": features}
        cache.set(key, outlines, timeout=None)
    return outlines


def _outline(geometry: Any, role: str, tolerance: float) -> dict[str, Any]:
    from shapely.geometry import mapping

    simple = mapping(geometry.simplify(tolerance, preserve_topology=True))
    return {
        "type": "Feature",
        "geometry": {"type": simple["type"], "coordinates": _rounded(simple["coordinates"])},
        "properties": {"role": role},
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value
