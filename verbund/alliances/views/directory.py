"""The directory of alliances (with its map and filters), the open-data exports and the panel on a
body's page. Everything is read through :func:`verbund.alliances.selectors.alliance_list` and
friends, so a principal only ever sees what :mod:`verbund.alliances.policies` allows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from verbund.common.licence import add_licence_header
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body, BodyBoundary, Kind
from verbund.registry.selectors import map_labels
from verbund.ui.views import is_htmx, paginate

from .. import exports, policies
from ..forms import DirectoryFilterForm
from ..geometry import simplified
from ..models import AllianceQuerySet
from ..selectors import alliance_list, alliances_of_body, current_memberships, member_points
from ._common import STATUS_BADGES, map_settings


def directory_queryset(principal: Principal, filters: dict[str, Any]) -> AllianceQuerySet:
    """The filtered directory (through :func:`selectors.alliance_list`, so visible only)."""
    return alliance_list(
        principal,
        field=filters["field"] or None,
        status=filters["status"] or None,
        kreis=filters["kreis"] or None,
        member=filters["member"] or None,
        q=filters["q"] or None,
    )


def directory_map(qs: AllianceQuerySet, *, outlines: bool = True) -> dict[str, Any]:
    """The members of the alliances in ``qs`` (:func:`~verbund.alliances.selectors.member_points`).

    ``outlines`` holds the simplified Kreise of the Länder shown (:func:`kreis_outlines`, cached); an
    HTMX update of the results leaves it out, because the map keeps the outlines it has.
    """
    data = member_points(qs)
    if outlines:
        states = {f["properties"]["ars"][:2] for f in data["features"]}
        data["outlines"] = kreis_outlines(states)
        data["labels"] = map_labels(states)
    return data


def map_legend(data: dict[str, Any]) -> list[dict[str, str]]:
    """One legend entry per alliance on the map, with its colour (the same as its points)."""
    base = reverse("alliances:directory")
    return [
        {"name": name, "colour": colour, "url": f"{base}{slug}/"}
        for (slug, name, _status), colour in zip(data["alliances"], data["alliance_colours"], strict=True)
    ]


#: Simplification of the Kreis outlines under the directory map (degrees, about 400 m).
OUTLINE_TOLERANCE = 0.004
_KREIS_LEVEL = (Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND, Kind.KREISFREIE_STADT)


def kreis_outlines(states: Iterable[str]) -> dict[str, Any]:
    """Simplified outlines of the Kreise of ``states``: the background that makes the points readable.

    The registry's boundaries are detailed (hundreds of kilobytes per Land); simplified to about
    400 m they are a few dozen kilobytes. The result is cached until a boundary of those Kreise
    changes (one query to check; one more to rebuild after an import).
    """
    states = sorted(set(states))
    if not states:
        return {"type": "FeatureCollection", "features": []}
    boundaries = BodyBoundary.objects.filter(
        body__kind__in=_KREIS_LEVEL, body__state__in=states, body__dissolved_on__isnull=True
    )
    stamp = boundaries.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = f"alliances:kreis-outlines:{','.join(states)}:{stamp['n']}:{last}"
    outlines = cache.get(key)
    if outlines is None:
        outlines = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": simplified(geometry, OUTLINE_TOLERANCE), "properties": {}}
                for geometry in boundaries.values_list("geometry", flat=True).iterator()
            ],
        }
        cache.set(key, outlines, timeout=None)
    return outlines


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    fragment = is_htmx(request)
    form = DirectoryFilterForm(request.GET or None, principal=principal)
    filters = form.filters()
    qs = directory_queryset(principal, filters)
    page = paginate(request, qs, per_page=filters["per_page"])
    rows = [
        {"alliance": a, "badge": STATUS_BADGES.get(a.status, "info"), "members": current_memberships(a)}
        for a in page.object_list
    ]
    map_data = directory_map(qs, outlines=not fragment)
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "map_data": map_data,
        "legend": map_legend(map_data),
        "legend_oob": fragment,
        "filtered": any(v for k, v in filters.items() if k != "per_page"),
        "may_create": policies.may_create(principal),
        "nav": "alliances",
        **map_settings(),
    }
    template = "alliances/_directory_results.html" if fragment else "alliances/directory.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- open data ---------------------------------------------------------------------------------------


def _open_data(response: HttpResponse) -> HttpResponse:
    # Open data: any site may read it (no credentials are involved). Its content is German in every
    # UI language (status labels, column headers): the same file for everyone, linkable and cacheable.
    response["Access-Control-Allow-Origin"] = "*"
    return add_licence_header(response)  # the licence as a Link header (verbund.common.licence)


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    with translation.override("de"):
        text = exports.export_csv(request)
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verbuende.csv"'
    return _open_data(response)


@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    with translation.override("de"):
        data = exports.export_json(request)
    return _open_data(HttpResponse(exports.dumps(data), content_type="application/json"))


@require_GET
def export_geojson(request: HttpRequest) -> HttpResponse:
    with translation.override("de"):
        data = exports.export_geojson(request)
    return _open_data(HttpResponse(exports.dumps(data), content_type="application/geo+json"))


# --- panel on a body's page ------------------------------------------------------------------------


def body_alliances_panel(request: HttpRequest, body: Body) -> str:
    """The alliances ``body`` belongs to that the user may see (registered in ``AppConfig.ready``)."""
    alliances = [
        {"alliance": a, "badge": STATUS_BADGES.get(a.status, "info")}
        for a in alliances_of_body(principal_of(request), body)
    ]
    return render_to_string(
        "alliances/_body_panel.html", {"body": body, "alliances": alliances}, request=request
    )
