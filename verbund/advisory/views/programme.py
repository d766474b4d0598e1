"""``/beratung/programm/``: the programme dashboard for the ministry and the ADD (office and funding
authority): key figures, tables per year and per Kreis, a map of participation by Kreis, fields of
action, legal forms, maturity and the funding conditions at risk; filters year and Kreis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from verbund.common.errors import Forbidden
from verbund.common.principal import principal_of
from verbund.funding.models import ProgrammeYear
from verbund.registry.models import KREIS_KINDS, Body, Kind
from verbund.registry.selectors import map_labels, region_outlines

from ..policies import reads_programme
from ..services.programme import programme_summary


def _kreis_choices() -> list[tuple[str, str]]:
    rows = Body.objects.filter(
        state="07", kind__in=[*KREIS_KINDS, Kind.KREISFREIE_STADT], dissolved_on__isnull=True
    ).values_list("ars", "name")
    return sorted(((ars[:5], name) for ars, name in rows), key=lambda r: r[1])


def _year_choices(today: dt.date) -> list[int]:
    years = set(ProgrammeYear.objects.values_list("year", flat=True).distinct())
    years |= {today.year}
    return sorted(years, reverse=True)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not reads_programme(principal):
        raise Forbidden(_("Die Programmzahlen sehen die Beratungsstelle und die Bewilligungsbehörde."))
    today = timezone.localdate()
    kreise = _kreis_choices()
    years = _year_choices(today)
    kreis = request.GET.get("kreis", "")
    if kreis not in {k for k, _name in kreise}:
        kreis = ""
    try:
        year = int(request.GET.get("jahr", ""))
    except ValueError:
        year = 0
    if year not in years:
        year = 0
    summary = programme_summary(years=[year] if year else None, kreis=kreis or None, today=today)
    money_max = max([Decimal(r["granted"]) for r in summary.money_by_year] + [Decimal(1)])
    people_max = max([r["inhabitants"] for r in summary.participation_by_year] + [1])
    charts = {
        "money": [
            {
                "year": r["year"],
                "granted": round(300 * Decimal(r["granted"]) / money_max),
                "paid": round(300 * Decimal(r["paid"]) / money_max),
            }
            for r in summary.money_by_year
        ],
        "people": [
            {"year": r["year"], "width": round(300 * r["inhabitants"] / people_max)}
            for r in summary.participation_by_year
        ],
    }
    points = [r for r in summary.participation_by_kreis if r["lat"] is not None and r["lon"] is not None]
    states = {"07"}
    context: dict[str, Any] = {
        "nav": "advisory",
        "s": summary,
        "charts": charts,
        "kreise": kreise,
        "years": years,
        "kreis": kreis,
        "year": year,
        "map_points": [
            {
                "name": r["name"],
                "lat": r["lat"],
                "lon": r["lon"],
                "inhabitants": r["inhabitants"],
                "bodies": r["bodies"],
                "share": r["share_percent"],
            }
            for r in points
        ],
        "map_background": {"outlines": region_outlines(states), "labels": map_labels(states)}
        if points
        else {},
        "tile_url": str(getattr(settings, "VERBUND_MAP_TILE_URL", "") or ""),
        "tile_attribution": str(getattr(settings, "VERBUND_MAP_TILE_ATTRIBUTION", "") or ""),
    }
    return render(request, "advisory/programme/dashboard.html", context)


urlpatterns: list[URLPattern | URLResolver] = [path("programm/", dashboard, name="programme")]
