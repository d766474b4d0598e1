"""Cost plans and volumes: the providing body's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.common.access import require
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form

from .. import policies, services
from ..calculation import rates_for_year
from ..forms import CostItemForm, CostPlanCopyForm, VolumeForm, VolumeImportForm
from ..models import CostItem, PayGrade, PlanKind, SharedService
from ..selectors import access_service, cost_plan_view, cost_plan_years, service_access, volume_rows
from ._common import NAV, body_of, choices, form_problems, recipient_bodies, this_year, year_param


def _check_kind(kind: str) -> str:
    if kind not in PlanKind.values:
        raise Http404(_("Kein solcher Kostenplan."))
    return kind


def _plan_url(service: SharedService, year: int, kind: str) -> str:
    return reverse("shared_services:cost_plan", args=[service.pk, year, kind])


def _cost_plan_page(
    request: HttpRequest,
    principal: Principal,
    service: SharedService,
    year: int,
    kind: str,
    item_form: CostItemForm | None = None,
) -> HttpResponse:
    view = cost_plan_view(service, year, kind)
    rates, rate_year = rates_for_year(year)
    items = list(view.plan.items.all()) if view.plan else []
    priced = list(view.totals.lines) if view.totals else []
    rows = [{"item": item, "priced": priced[i] if i < len(priced) else None} for i, item in enumerate(items)]
    context = {
        "service": service,
        "access": service_access(principal, service),
        "year": year,
        "kind": kind,
        "page_title": (
            _("Kostenplan Plan %(year)s") if kind == PlanKind.PLAN else _("Kostenplan Ist %(year)s")
        )
        % {"year": year},
        "other_kind": PlanKind.ACTUAL if kind == PlanKind.PLAN else PlanKind.PLAN,
        "view": view,
        "rows": rows,
        "rates": list(
            PayGrade.objects.filter(year=rate_year or 0)
            .order_by("sort_order")
            .values_list("code", "annual_cost")
        ),
        "rate_year": rate_year,
        "item_form": item_form or CostItemForm(pay_grades=list(rates)),
        "copy_form": CostPlanCopyForm(
            initial={
                "source_year": year if kind == PlanKind.ACTUAL else year - 1,
                "source_kind": PlanKind.PLAN,
            }
        ),
        "years": sorted({*cost_plan_years(service), year, this_year()}, reverse=True),
        "nav": NAV,
    }
    return render(request, "shared_services/cost_plan.html", context)


def cost_plan(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    principal = principal_of(request)
    service = access_service(principal, service_id)
    return _cost_plan_page(request, principal, service, year, _check_kind(kind))


@require_POST
def cost_item_add(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    """Add a line; a refused one shows the cost plan again with the errors at the fields."""
    principal = principal_of(request)
    service = access_service(principal, service_id, need="maintain")
    _check_kind(kind)
    rates, _rate_year = rates_for_year(year)
    form = CostItemForm(request.POST, pay_grades=list(rates))

    def add() -> CostItem:
        data = form.cleaned_data
        plan = services.cost_plan_ensure(actor=request_actor(request), service=service, year=year, kind=kind)
        return services.cost_item_add(
            actor=request_actor(request),
            plan=plan,
            category=data["category"],
            description=data["description"],
            fte=data.get("fte"),
            pay_grade=data.get("pay_grade") or "",
            amount=data.get("amount"),
            percent=data.get("percent"),
        )

    if form.is_valid() and run_on_form(form, add, default_field="description"):
        messages.success(
            request, _("„%(item)s“ ist hinzugefügt.") % {"item": form.cleaned_data["description"]}
        )
        return redirect(_plan_url(service, year, kind) + "#positionen")
    return _cost_plan_page(request, principal, service, year, kind, item_form=form)


@require_POST
def cost_item_delete(
    request: HttpRequest, service_id: int, year: int, kind: str, item_id: int
) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="maintain")
    item = get_object_or_404(CostItem, pk=item_id, plan__service=service, plan__year=year, plan__kind=kind)
    services.cost_item_delete(actor=request_actor(request), item=item)
    messages.success(request, _("„%(item)s“ ist entfernt.") % {"item": item.description})
    return redirect(_plan_url(service, year, kind) + "#positionen")


@require_POST
def cost_plan_copy(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="maintain")
    _check_kind(kind)
    form = CostPlanCopyForm(request.POST)
    source = None
    if form.is_valid():
        source = service.cost_plans.filter(
            year=form.cleaned_data["source_year"], kind=form.cleaned_data["source_kind"]
        ).first()
        if source is None:
            form.add_error("source_year", _("Diesen Kostenplan gibt es nicht."))
    if source is not None and run_on_form(
        form,
        lambda: services.cost_plan_copy(actor=request_actor(request), source=source, year=year, kind=kind),
        default_field="source_kind",
    ):
        messages.success(request, _("Die Positionen aus %(plan)s sind übernommen.") % {"plan": source})
    else:
        messages.error(request, form_problems(form))
    return redirect(_plan_url(service, year, kind))


# --- volumes ----------------------------------------------------------------------------------------


def volumes(request: HttpRequest, service_id: int) -> HttpResponse:
    """The year's volumes; the provider enters one or imports a CSV (every bad line is named)."""
    principal = principal_of(request)
    service = access_service(principal, service_id)
    year = year_param(request, this_year())
    recipients = choices(recipient_bodies(service))
    form = VolumeForm(
        recipients=recipients,
        initial={"period_start": dt.date(year, 1, 1), "period_end": dt.date(year, 12, 31)},
    )
    import_form = VolumeImportForm()
    if request.method == "POST":
        require(policies.maintains(principal, service), policies.REFUSALS["maintain"])
        if "file" in request.FILES:
            import_form = VolumeImportForm(request.POST, request.FILES)
            result = import_form.is_valid() and run_on_form(
                import_form,
                lambda: services.volume_import_csv(
                    actor=request_actor(request),
                    service=service,
                    file=import_form.cleaned_data["file"],
                    name=import_form.cleaned_data["file"].name,
                ),
                default_field="file",
            )
            if result:
                messages.success(
                    request,
                    _("Import von %(file)s: %(summary)s")
                    % {"file": import_form.cleaned_data["file"].name, "summary": result.summary},
                )
                return redirect(reverse("shared_services:volumes", args=[service.pk]) + f"?jahr={year}")
        else:
            form = VolumeForm(request.POST, recipients=recipients)
            if form.is_valid():
                data = form.cleaned_data
                if run_on_form(
                    form,
                    lambda: services.volume_set(
                        actor=request_actor(request),
                        service=service,
                        body=body_of(data["ars"]),
                        period_start=data["period_start"],
                        period_end=data["period_end"],
                        quantity=data["quantity"],
                        note=data["note"],
                    ),
                    default_field="period_start",
                ):
                    messages.success(request, _("Die Menge ist erfasst."))
                    return redirect(
                        reverse("shared_services:volumes", args=[service.pk])
                        + f"?jahr={data['period_start'].year}"
                    )
    context: dict[str, Any] = {
        "service": service,
        "access": service_access(principal, service),
        "year": year,
        "years": list(range(this_year() + 1, this_year() - 6, -1)),
        "view": volume_rows(service, year, service_access(principal, service)),
        "form": form,
        "import_form": import_form,
        "import_errors": [str(e) for e in import_form.errors.get("file", [])] if import_form.is_bound else [],
        "unit": service.task.volume_unit_label or service.task.get_volume_unit_display(),
        "nav": NAV,
    }
    return render(request, "shared_services/volumes.html", context)
