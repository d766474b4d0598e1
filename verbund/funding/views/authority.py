"""The authority's and the ministry's pages: work queue, portfolio, exports; and the alliance page's
funding panel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from verbund.common.licence import add_licence_header
from verbund.common.principal import principal_of
from verbund.registry.selectors import map_labels, region_outlines
from verbund.ui.views import paginate

from .. import exports, policies
from ..forms import DecisionForm, PortfolioFilterForm
from ..models import Application, Programme
from ..selectors import budget_overview, grant_rows, granted_notices, portfolio, require_portfolio, work_queue

PAGE_SIZE = 50


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The funding authority's work queue (the advisory office and operators may look)."""
    principal = principal_of(request)
    require_portfolio(principal)
    work = work_queue(principal)
    now = timezone.now()
    rows = [
        {"application": a, "waiting_days": (now - (a.submitted_at or a.created_at)).days}
        for a in work.applications
    ]
    return render(
        request,
        "funding/queue.html",
        {
            "rows": rows,
            "drawdowns": work.drawdowns,
            "decision_form": DecisionForm(),
            "is_authority": policies.may_decide(principal),
            "nav": "funding",
        },
    )


@login_required
def portfolio_view(request: HttpRequest) -> HttpResponse:
    """Portfolio by year, field of action, Landkreis and on a map; budget per year; grants table."""
    principal = principal_of(request)
    require_portfolio(principal)
    form = PortfolioFilterForm(request.GET or None)
    filters = form.filters()
    data = portfolio(principal, **filters)
    programmes = [filters["programme"]] if filters["programme"] else list(Programme.objects.order_by("name"))
    budgets = [{"programme": p, "rows": budget_overview(p)} for p in programmes]
    page = paginate(request, grant_rows(granted_notices(principal, **filters)), per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "funding/portfolio.html",
        {
            "form": form,
            "data": data,
            "budgets": budgets,
            "page_obj": page,
            "query": query.urlencode(),
            "map_points": data.map_points,
            "map_background": _map_background(data.map_points),
            "tile_url": _setting("VERBUND_MAP_TILE_URL"),
            "tile_attribution": _setting("VERBUND_MAP_TILE_ATTRIBUTION"),
            "nav": "funding",
        },
    )


def _map_background(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The Land and its Kreise under the portfolio's circles, with the names of Kreise and towns."""
    states = {str(point["ars"])[:2] for point in points}
    return {"outlines": region_outlines(states), "labels": map_labels(states)}


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def _export_notices(request: HttpRequest) -> Any:
    principal = principal_of(request)
    require_portfolio(principal)
    form = PortfolioFilterForm(request.GET or None)
    return granted_notices(principal, **form.filters())


def _download(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The grants are published data (transparency platform): the export names their licence.
    return add_licence_header(response)


# The exports are records for the ministry and the transparency platform: German headers and labels
# in every UI language, so that their readers (people and programs) always get the same columns.
@login_required
@translation.override("de")
def export_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        exports.grants_csv(_export_notices(request)), "text/csv; charset=utf-8", "bewilligungen.csv"
    )


@login_required
@translation.override("de")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(
        exports.grants_xlsx(_export_notices(request)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "bewilligungen.xlsx",
    )


@login_required
@translation.override("de")
def export_transparency(request: HttpRequest) -> HttpResponse:
    return _download(
        exports.transparency_csv(_export_notices(request)),
        "text/csv; charset=utf-8",
        "transparenz-zuwendungen.csv",
    )


def alliance_funding_panel(request: HttpRequest, alliance: Any) -> str:
    """The alliance page's section on its funding applications, for those who may see them."""
    from django.template.loader import render_to_string

    principal = principal_of(request)
    if not principal.is_authenticated:
        return ""
    applications = list(
        Application.objects.visible_to(principal).filter(alliance=alliance).order_by("-created_at")
    )
    if not applications:
        return ""
    return render_to_string("funding/_alliance_panel.html", {"applications": applications}, request=request)
