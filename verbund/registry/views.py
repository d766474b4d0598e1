"""HTML pages of the registry: the searchable list and the page of one body.

Thin views: a form validates the filters, selectors read, templates render. The list answers an
HTMX request with the results fragment only, so the filter form updates the table in place and
still works as a plain GET form without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from verbund.common.errors import NotFound
from verbund.common.principal import principal_of
from verbund.ui.views import is_htmx, paginate

from .models import Body, Kind
from .panels import body_panels
from .selectors import (
    BODY_NOT_FOUND,
    body_children,
    body_get,
    body_kreis,
    body_map_features,
    body_neighbours,
    body_search,
)

PAGE_SIZE = 50


class BodyFilterForm(forms.Form):
    q = forms.CharField(label=_("Name oder Gemeindeschlüssel"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Land"), required=False)
    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("Alle Arten")), *Kind.choices])
    parent = forms.RegexField(
        label=_("Übergeordnete Körperschaft (ARS)"), regex=r"^[0-9]{12}$", required=False
    )
    include_dissolved = forms.BooleanField(label=_("Auch aufgelöste Körperschaften"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lands = Body.objects.current().of_kind(Kind.LAND).order_by("state").values_list("state", "name")
        self.fields["state"].choices = [("", _("Alle Länder")), *lands]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is dropped (and shown at its field) instead of failing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "state": data.get("state") or "",
            "kinds": [data["kind"]] if data.get("kind") else [],
            "parent_ars": data.get("parent") or "",
            "include_dissolved": bool(data.get("include_dissolved")),
        }


def body_list(request: HttpRequest) -> HttpResponse:
    form = BodyFilterForm(request.GET or None)
    filters = form.filters()
    principal = principal_of(request)
    # parent__parent: the Kreis column of an Ortsgemeinde (its VG's parent) without a query per row.
    bodies = body_search(principal=principal, **filters).select_related("parent__parent")
    page = paginate(request, bodies, per_page=PAGE_SIZE)
    parent = None
    if filters["parent_ars"]:
        parent = Body.objects.visible_to(principal).filter(ars=filters["parent_ars"]).first()
    rows = [{"body": body, "kreis": body_kreis(body)} for body in page.object_list]
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "parent": parent,
        "filtered": any(filters.values()),
        "nav": "registry",
    }
    template = "registry/_body_results.html" if is_htmx(request) else "registry/body_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def body_detail(request: HttpRequest, ars: str) -> HttpResponse:
    principal = principal_of(request)
    try:
        body = body_get(principal=principal, ars=ars)
    except NotFound:
        raise Http404(_(BODY_NOT_FOUND)) from None
    links = body_neighbours(principal=principal, body=body)
    neighbours = [
        {
            "body": link.neighbour,
            "shared_border_km": link.shared_border_m / 1000,
            "kreis": body_kreis(link.neighbour),
        }
        for link in links
    ]
    map_features = body_map_features(body=body, neighbours=[link.neighbour for link in links])
    has_boundary = any(f["properties"]["role"] == "body" for f in map_features["features"])
    context = {
        "body": body,
        "ancestors": list(reversed(body.ancestors())),
        "kreis": body_kreis(body),
        "children": list(body_children(principal=principal, body=body)),
        "neighbours": neighbours,
        "successors": list(body.successors.order_by("name")) if body.dissolved_on else [],
        "predecessors": list(body.predecessors.order_by("name")),
        "map_features": map_features,
        "has_boundary": has_boundary,
        "has_centroid": body.centroid_lat is not None and body.centroid_lon is not None,
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
        # What higher parts add (e.g. the body's alliances), see verbund.registry.panels.
        "panels": body_panels(request, body),
        "nav": "registry",
    }
    return render(request, "registry/body_detail.html", context)
