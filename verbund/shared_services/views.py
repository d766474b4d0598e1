"""HTML pages of shared services under ``/dienste/``: thin views over forms, services and selectors.

Every object is fetched through :mod:`.access` (404 across tenants, 403 when visible but not
allowed). Actions are POST forms that redirect back with a German message; the key editor's preview
answers an HTMX request with a fragment, and works as a plain form without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from verbund.alliances.access import access_alliance, access_alliance_internal, can_change, viewer_for
from verbund.alliances.models import AgreementDocument, Alliance, Membership
from verbund.common.errors import DomainError
from verbund.registry.models import Body

from . import allocation, exports, services
from .access import access_service, access_settlement, permissions, require
from .calculation import preview, rates_for_year
from .forms import (
    ComputeForm,
    CorrectionForm,
    CostItemForm,
    CostPlanCopyForm,
    KeyForm,
    PopulationForm,
    RecipientEndForm,
    RecipientForm,
    ServiceEditForm,
    ServiceForm,
    VolumeForm,
    VolumeImportForm,
    apply_error,
    key_initial,
)
from .models import (
    CostItem,
    PayGrade,
    PlanKind,
    PopulationFigure,
    ServiceRecipient,
    Settlement,
    SettlementKind,
    SharedService,
)
from .selectors import (
    alliance_overview,
    cost_plan_view,
    cost_plan_years,
    latest_settlement_year,
    population_figures,
    recipients_history,
    service_list,
    settlement_diff,
    settlement_lines,
    settlement_versions,
    volume_rows,
)

NAV = "shared_services"


def _this_year() -> int:
    return timezone.localdate().year


def _year(request: HttpRequest, default: int) -> int:
    try:
        year = int(request.GET.get("jahr", default))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _say(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, DomainError):
        return exc.detail
    return str(exc)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _choices(bodies: list[Body]) -> list[tuple[str, str]]:
    return [(b.ars, b.name) for b in bodies]


def _recipient_bodies(service: SharedService) -> list[Body]:
    seen: dict[int, Body] = {}
    for recipient in recipients_history(service):
        seen.setdefault(recipient.body_id, recipient.body)
    return sorted(seen.values(), key=lambda b: b.name)


def _body_of(service: SharedService, ars: str) -> Body:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Http404("Keine solche Körperschaft.")
    return body


# --- index and alliance pages -----------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The services the user sees, grouped by alliance, and the alliances they may add services to."""
    rows = list(service_list(request.user))
    groups: dict[int, dict[str, Any]] = {}
    for service in rows:
        group = groups.setdefault(service.alliance_id, {"alliance": service.alliance, "services": []})
        group["services"].append(service)
    viewer = viewer_for(request.user)
    coordinated = Alliance.objects.filter(pk__in=viewer.coordinated).exclude(pk__in=groups).order_by("name")
    context = {"groups": list(groups.values()), "coordinated": list(coordinated), "nav": NAV}
    return render(request, "shared_services/index.html", context)


def alliance_services(request: HttpRequest, slug: str) -> HttpResponse:
    """An alliance's services with the settlement of a year: totals, own shares, savings (estimate)."""
    alliance = access_alliance_internal(request.user, slug)
    year = _year(request, latest_settlement_year(request.user, alliance) or _this_year() - 1)
    overview = alliance_overview(request.user, alliance, year)
    context = {
        "alliance": alliance,
        "overview": overview,
        "year": year,
        "years": list(range(_this_year() + 1, _this_year() - 6, -1)),
        "can_create": can_change(request.user, alliance),
        "sees_savings": any(r.perms.sees_all_lines for r in overview.rows),
        "has_own": bool(viewer_for(request.user).body_ids),
        "nav": NAV,
    }
    return render(request, "shared_services/alliance_services.html", context)


def _member_choices(alliance: Alliance) -> list[tuple[str, str]]:
    members = (
        Membership.objects.current().filter(alliance=alliance).select_related("body").order_by("body__name")
    )
    return [(m.body.ars, m.body.name) for m in members]


def service_create(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    members = _member_choices(alliance)
    form = ServiceForm(
        request.POST or None, members=members, initial={"start_date": dt.date(_this_year(), 1, 1)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bodies = {b.ars: b for b in Body.objects.filter(ars__in=[data["provider"], *data["recipients"]])}
        try:
            service = services.service_create(
                acting_user=request.user,
                alliance=alliance,
                task=data["task"],
                provider=bodies[data["provider"]],
                name=data["name"],
                description=data["description"],
                start_date=data["start_date"],
                recipients=[bodies[ars] for ars in data["recipients"]],
            )
        except ValidationError as exc:
            apply_error(form, exc, default_field="name")
        else:
            messages.success(
                request, f"Der Dienst „{service.name}“ ist angelegt. Legen Sie jetzt den Schlüssel fest."
            )
            return redirect("shared_services:key_edit", service_id=service.pk)
    return render(
        request, "shared_services/service_form.html", {"alliance": alliance, "form": form, "nav": NAV}
    )


# --- a service --------------------------------------------------------------------------------------


def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id)
    perms = permissions(request.user, service)
    history = recipients_history(service)
    current = {r.body_id for r in history if r.until_date is None}
    candidates = [
        (ars, name)
        for ars, name in _member_choices(service.alliance)
        if not any(r.body.ars == ars and r.body_id in current for r in history)
    ]
    year = _year(request, _this_year())
    try:
        key_description = allocation.describe_config(
            service.allocation_key, {r.body.ars: r.body.name for r in history}
        )
    except allocation.KeyConfigError as exc:
        key_description = f"ungültig: {exc}"
    context = {
        "service": service,
        "access": perms,
        "history": history,
        "key_description": key_description,
        "recipient_form": RecipientForm(candidates=candidates, initial={"from_date": timezone.localdate()}),
        "edit_form": _edit_form(service),
        "end_form": RecipientEndForm(initial={"until_date": timezone.localdate()}),
        "population_form": PopulationForm(
            recipients=_choices(_recipient_bodies(service)),
            initial={"year": year, "reference_date": dt.date(year - 1, 6, 30)},
        ),
        "population_figures": population_figures(service, year),
        "year": year,
        "years": cost_plan_years(service) or [_this_year()],
        "settlements": settlement_versions(service)[:8],
        "nav": NAV,
    }
    return render(request, "shared_services/service_detail.html", context)


def _agreements(service: SharedService) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.title} (Fassung {a.version})")
        for a in AgreementDocument.objects.filter(alliance_id=service.alliance_id).order_by(
            "title", "-version"
        )
    ]


def _edit_form(service: SharedService, data: Any = None) -> ServiceEditForm:
    initial = {
        "name": service.name,
        "legal_basis": str(service.legal_basis_id or ""),
        "legal_basis_note": service.legal_basis_note,
        "advance_instalments": service.advance_instalments,
        "description": service.description,
    }
    return ServiceEditForm(data, agreements=_agreements(service), initial=initial)


@require_POST
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    form = _edit_form(service, request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Bitte die Angaben prüfen: "
            + "; ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
                if name in form.fields
            ),
        )
        return _back(service, "angaben")
    data = dict(form.cleaned_data)
    data["legal_basis"] = (
        AgreementDocument.objects.filter(pk=data["legal_basis"], alliance_id=service.alliance_id).first()
        if data["legal_basis"]
        else None
    )
    try:
        services.service_update(acting_user=request.user, service=service, data=data)
    except ValidationError as exc:
        messages.error(request, f"Nicht gespeichert: {_say(exc)}")
    else:
        messages.success(request, "Die Angaben sind gespeichert.")
    return _back(service, "angaben")


def _back(service: SharedService, anchor: str = "") -> HttpResponse:
    return redirect(service.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@require_POST
def recipient_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    form = RecipientForm(request.POST, candidates=_member_choices(service.alliance))
    if not form.is_valid():
        messages.error(request, "Bitte Körperschaft und Beginn angeben.")
        return _back(service, "empfaenger")
    try:
        recipient = services.recipient_add(
            acting_user=request.user,
            service=service,
            body=_body_of(service, form.cleaned_data["ars"]),
            from_date=form.cleaned_data["from_date"],
        )
    except ValidationError as exc:
        messages.error(request, f"Nicht möglich: {_say(exc)}")
    else:
        messages.success(
            request, f"{recipient.body.name} erhält den Dienst ab {recipient.from_date:%d.%m.%Y}."
        )
    return _back(service, "empfaenger")


@require_POST
def recipient_end(request: HttpRequest, service_id: int, recipient_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    recipient = get_object_or_404(
        ServiceRecipient.objects.select_related("body"), pk=recipient_id, service=service
    )
    form = RecipientEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Bitte ein gültiges Enddatum angeben.")
        return _back(service, "empfaenger")
    try:
        services.recipient_end(
            acting_user=request.user, recipient=recipient, until_date=form.cleaned_data["until_date"]
        )
    except ValidationError as exc:
        messages.error(request, f"Nicht möglich: {_say(exc)}")
    else:
        messages.success(
            request,
            f"{recipient.body.name} erhält den Dienst bis {form.cleaned_data['until_date']:%d.%m.%Y}.",
        )
    return _back(service, "empfaenger")


@require_POST
def population_set(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    form = PopulationForm(request.POST, recipients=_choices(_recipient_bodies(service)))
    if not form.is_valid():
        messages.error(
            request,
            "Bitte alle Angaben zur Einwohnerzahl machen: "
            + "; ".join(
                f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
                if name in form.fields
            ),
        )
        return _back(service, "stichtag")
    data = form.cleaned_data
    try:
        services.population_figure_set(
            acting_user=request.user,
            service=service,
            year=data["year"],
            body=_body_of(service, data["ars"]),
            population=data["population"],
            reference_date=data["reference_date"],
            source=data["source"],
        )
    except ValidationError as exc:
        messages.error(request, f"Nicht möglich: {_say(exc)}")
    else:
        messages.success(request, "Die Einwohnerzahl zum Stichtag ist eingetragen.")
    return redirect(
        reverse("shared_services:service_detail", args=[service.pk]) + f"?jahr={data['year']}#stichtag"
    )


@require_POST
def population_delete(request: HttpRequest, service_id: int, figure_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    figure = get_object_or_404(
        PopulationFigure.objects.select_related("body", "service"), pk=figure_id, service=service
    )
    services.population_figure_delete(acting_user=request.user, figure=figure)
    messages.success(
        request, f"Der Stichtagswert von {figure.body.name} ist entfernt; es gilt wieder das Register."
    )
    return redirect(
        reverse("shared_services:service_detail", args=[service.pk]) + f"?jahr={figure.year}#stichtag"
    )


# --- the key editor ---------------------------------------------------------------------------------


def _key_form(service: SharedService, data: Any = None) -> KeyForm:
    members = _choices(_recipient_bodies(service))
    initial = {"preview_year": _this_year(), **key_initial(service.allocation_key)}
    return KeyForm(data, members=members, initial=initial)


def _preview_context(service: SharedService, form: KeyForm) -> dict[str, Any]:
    context: dict[str, Any] = {"service": service, "form": form, "preview": None, "preview_error": ""}
    if not form.is_valid():
        context["preview_error"] = (
            "Der Schlüssel ist noch nicht vollständig oder nicht gültig (siehe Hinweise am Feld)."
        )
        return context
    year = form.cleaned_data.get("preview_year") or _this_year()
    try:
        context["preview"] = preview(service, form.config, year, form.cleaned_data.get("preview_total"))
    except allocation.AllocationError as exc:
        context["preview_error"] = str(exc)
    context["preview_year"] = year
    return context


def key_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id, need="manage")
    form = _key_form(service, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_set_key(acting_user=request.user, service=service, config=form.config)
        except ValidationError as exc:
            apply_error(form, exc, default_field="config_json")
        else:
            messages.success(
                request, "Der Verteilungsschlüssel ist gespeichert. Offene Entwürfe bitte neu berechnen."
            )
            return _back(service, "schluessel")
    if request.method == "POST":
        context = _preview_context(service, form)
    else:  # show the shares of the stored key right away
        context = _preview_context(service, _key_form(service, _initial_data(form)))
        context["form"] = form
    context.update(nav=NAV, access=permissions(request.user, service))
    return render(request, "shared_services/key_edit.html", context)


def _initial_data(form: KeyForm) -> dict[str, Any]:
    """The form's initial values as submitted data (for the preview of the stored key)."""
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if value is not None:
            data[name] = str(value)
    return data


@require_POST
def key_preview(request: HttpRequest, service_id: int) -> HttpResponse:
    """The shares the edited key would give (HTMX fragment; the whole page without HTMX)."""
    service = access_service(request.user, service_id, need="compute")
    form = _key_form(service, request.POST)
    context = _preview_context(service, form)
    template = "shared_services/_key_preview.html" if _is_htmx(request) else "shared_services/key_edit.html"
    context.update(nav=NAV, access=permissions(request.user, service))
    return render(request, template, context)


# --- cost plans -------------------------------------------------------------------------------------


def _check_kind(kind: str) -> str:
    if kind not in PlanKind.values:
        raise Http404("Kein solcher Kostenplan.")
    return kind


def cost_plan(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    service = access_service(request.user, service_id)
    perms = permissions(request.user, service)
    _check_kind(kind)
    view = cost_plan_view(service, year, kind)
    rates, rate_year = rates_for_year(year)
    items = list(view.plan.items.all()) if view.plan else []
    priced = list(view.totals.lines) if view.totals else []
    rows = [{"item": item, "priced": priced[i] if i < len(priced) else None} for i, item in enumerate(items)]
    context = {
        "service": service,
        "access": perms,
        "year": year,
        "kind": kind,
        "page_title": f"Kostenplan {'Plan' if kind == PlanKind.PLAN else 'Ist'} {year}",
        "other_kind": PlanKind.ACTUAL if kind == PlanKind.PLAN else PlanKind.PLAN,
        "view": view,
        "rows": rows,
        "rates": list(
            PayGrade.objects.filter(year=rate_year or 0)
            .order_by("sort_order")
            .values_list("code", "annual_cost")
        ),
        "rate_year": rate_year,
        "item_form": CostItemForm(pay_grades=list(rates)),
        "copy_form": CostPlanCopyForm(
            initial={
                "source_year": year if kind == PlanKind.ACTUAL else year - 1,
                "source_kind": PlanKind.PLAN,
            }
        ),
        "years": sorted({*cost_plan_years(service), year, _this_year()}, reverse=True),
        "nav": NAV,
    }
    return render(request, "shared_services/cost_plan.html", context)


def _plan_url(service: SharedService, year: int, kind: str) -> str:
    return reverse("shared_services:cost_plan", args=[service.pk, year, kind])


@require_POST
def cost_item_add(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    service = access_service(request.user, service_id, need="maintain")
    _check_kind(kind)
    rates, _rate_year = rates_for_year(year)
    form = CostItemForm(request.POST, pay_grades=list(rates))
    if not form.is_valid():
        messages.error(request, "Bitte die Position vollständig angeben.")
        return redirect(_plan_url(service, year, kind))
    data = form.cleaned_data
    try:
        plan = services.cost_plan_ensure(acting_user=request.user, service=service, year=year, kind=kind)
        services.cost_item_add(
            acting_user=request.user,
            plan=plan,
            category=data["category"],
            description=data["description"],
            fte=data.get("fte"),
            pay_grade=data.get("pay_grade") or "",
            amount=data.get("amount"),
            percent=data.get("percent"),
        )
    except ValidationError as exc:
        messages.error(request, f"Die Position wurde nicht gespeichert: {_say(exc)}")
    else:
        messages.success(request, f"„{data['description']}“ ist hinzugefügt.")
    return redirect(_plan_url(service, year, kind) + "#positionen")


@require_POST
def cost_item_delete(
    request: HttpRequest, service_id: int, year: int, kind: str, item_id: int
) -> HttpResponse:
    service = access_service(request.user, service_id, need="maintain")
    item = get_object_or_404(CostItem, pk=item_id, plan__service=service, plan__year=year, plan__kind=kind)
    services.cost_item_delete(acting_user=request.user, item=item)
    messages.success(request, f"„{item.description}“ ist entfernt.")
    return redirect(_plan_url(service, year, kind) + "#positionen")


@require_POST
def cost_plan_copy(request: HttpRequest, service_id: int, year: int, kind: str) -> HttpResponse:
    service = access_service(request.user, service_id, need="maintain")
    _check_kind(kind)
    form = CostPlanCopyForm(request.POST)
    source = None
    if form.is_valid():
        source = service.cost_plans.filter(
            year=form.cleaned_data["source_year"], kind=form.cleaned_data["source_kind"]
        ).first()
    if source is None:
        messages.error(request, "Diesen Kostenplan gibt es nicht.")
        return redirect(_plan_url(service, year, kind))
    try:
        services.cost_plan_copy(acting_user=request.user, source=source, year=year, kind=kind)
    except ValidationError as exc:
        messages.error(request, f"Nicht übernommen: {_say(exc)}")
    else:
        messages.success(request, f"Die Positionen aus {source} sind übernommen.")
    return redirect(_plan_url(service, year, kind))


# --- volumes ----------------------------------------------------------------------------------------


def volumes(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id)
    perms = permissions(request.user, service)
    year = _year(request, _this_year())
    recipients = _choices(_recipient_bodies(service))
    form = VolumeForm(
        recipients=recipients,
        initial={"period_start": dt.date(year, 1, 1), "period_end": dt.date(year, 12, 31)},
    )
    import_errors: list[str] = []
    import_form = VolumeImportForm()
    if request.method == "POST":
        require(request.user, service, "maintain")
        if "file" in request.FILES:
            import_form = VolumeImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                upload = import_form.cleaned_data["file"]
                try:
                    result = services.volume_import_csv(
                        acting_user=request.user, service=service, file=upload, name=upload.name
                    )
                except services.VolumeImportError as exc:
                    import_errors = exc.errors
                except DomainError as exc:
                    import_errors = [exc.detail]
                else:
                    messages.success(request, f"Import von {upload.name}: {result.summary}")
                    return redirect(reverse("shared_services:volumes", args=[service.pk]) + f"?jahr={year}")
        else:
            form = VolumeForm(request.POST, recipients=recipients)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.volume_set(
                        acting_user=request.user,
                        service=service,
                        body=_body_of(service, data["ars"]),
                        period_start=data["period_start"],
                        period_end=data["period_end"],
                        quantity=data["quantity"],
                        note=data["note"],
                    )
                except ValidationError as exc:
                    apply_error(form, exc, default_field="period_start")
                else:
                    messages.success(request, "Die Menge ist erfasst.")
                    return redirect(
                        reverse("shared_services:volumes", args=[service.pk])
                        + f"?jahr={data['period_start'].year}"
                    )
    view = volume_rows(service, year, perms)
    context = {
        "service": service,
        "access": perms,
        "year": year,
        "years": list(range(_this_year() + 1, _this_year() - 6, -1)),
        "view": view,
        "form": form,
        "import_form": import_form,
        "import_errors": import_errors,
        "unit": service.task.volume_unit_label or service.task.get_volume_unit_display(),
        "nav": NAV,
    }
    return render(request, "shared_services/volumes.html", context)


# --- settlements ------------------------------------------------------------------------------------


def settlements(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(request.user, service_id)
    perms = permissions(request.user, service)
    form = ComputeForm(request.POST or None, initial={"year": _this_year() - 1, "kind": SettlementKind.FINAL})
    if request.method == "POST":
        require(request.user, service, "compute")
        if form.is_valid():
            try:
                settlement = services.settlement_compute(
                    acting_user=request.user,
                    service=service,
                    year=form.cleaned_data["year"],
                    kind=form.cleaned_data["kind"],
                )
            except (ValidationError, DomainError) as exc:
                messages.error(request, f"Nicht berechnet: {_say(exc)}")
            else:
                messages.success(request, f"{settlement} ist berechnet (Entwurf).")
                return redirect(settlement.get_absolute_url())
    context = {
        "service": service,
        "access": perms,
        "form": form,
        "versions": settlement_versions(service),
        "nav": NAV,
    }
    return render(request, "shared_services/settlements.html", context)


def settlement_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id)
    service = settlement.service
    perms = permissions(request.user, service)
    lines = settlement_lines(settlement, perms)
    diff = settlement_diff(settlement, perms)
    versions = [s for s in settlement_versions(service, settlement.year) if s.kind == settlement.kind]
    standalone = [line.standalone_cost for line in lines if line.standalone_cost is not None]
    context = {
        "settlement": settlement,
        "page_title": f"{settlement.get_kind_display()} {settlement.year}",
        "service": service,
        "access": perms,
        "lines": lines,
        "diff": diff,
        "versions": versions,
        "is_latest": bool(versions) and versions[0].pk == settlement.pk,
        "totals": settlement.snapshot.get("cost_plan", {}).get("totals", {}),
        "basis_totals": settlement.snapshot.get("basis_totals", {}),
        "notes": settlement.snapshot.get("notes", []),
        "cost_model": settlement.snapshot.get("cost_model"),
        "standalone_total": sum(standalone, Decimal("0.00")) if standalone else None,
        "share_total": sum((line.share for line in lines), Decimal("0.00")),
        "correction_form": CorrectionForm(),
        "nav": NAV,
    }
    if standalone and context["standalone_total"] is not None:
        estimated = sum((line.share for line in lines if line.standalone_cost is not None), Decimal("0.00"))
        context["saving_total"] = context["standalone_total"] - estimated
    return render(request, "shared_services/settlement_detail.html", context)


@require_POST
def settlement_finalize(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id, need="manage")
    try:
        services.settlement_finalize(acting_user=request.user, settlement=settlement)
    except DomainError as exc:
        messages.error(request, f"Nicht abgeschlossen: {exc.detail}")
    else:
        messages.success(request, f"{settlement} ist abgeschlossen und kann nicht mehr geändert werden.")
    return redirect(settlement.get_absolute_url())


@require_POST
def settlement_correct(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id, need="manage")
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Bitte den Grund der Korrektur angeben.")
        return redirect(settlement.get_absolute_url())
    try:
        draft = services.settlement_correct(
            acting_user=request.user, settlement=settlement, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, DomainError) as exc:
        messages.error(request, f"Keine Korrektur angelegt: {_say(exc)}")
        return redirect(settlement.get_absolute_url())
    messages.success(
        request, f"Fassung {draft.version} ist als Entwurf angelegt; sie zeigt die Unterschiede."
    )
    return redirect(draft.get_absolute_url())


@require_POST
def settlement_recompute(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id, need="compute")
    try:
        services.settlement_compute(
            acting_user=request.user, service=settlement.service, year=settlement.year, kind=settlement.kind
        )
    except (ValidationError, DomainError) as exc:
        messages.error(request, f"Nicht berechnet: {_say(exc)}")
    else:
        messages.success(request, "Der Entwurf ist mit den aktuellen Grundlagen neu berechnet.")
    return redirect(settlement.get_absolute_url())


@require_POST
def settlement_discard(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id, need="manage")
    service = settlement.service
    try:
        services.settlement_discard(acting_user=request.user, settlement=settlement)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(settlement.get_absolute_url())
    messages.success(request, "Der Entwurf ist verworfen.")
    return redirect("shared_services:settlements", service_id=service.pk)


# --- downloads --------------------------------------------------------------------------------------


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def invoice_pdf(request: HttpRequest, settlement_id: int, ars: str) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id)
    perms = permissions(request.user, settlement.service)
    line = settlement.lines.select_related("body").filter(body__ars=ars).first()
    if line is None:
        raise Http404("Keine solche Zeile.")
    if not perms.sees_line_of(line.body_id):
        raise PermissionDenied("Sie sehen nur die Rechnungen Ihrer eigenen Körperschaft.")
    filename = exports.export_filename(settlement, f"-{ars}.pdf")
    return _download(exports.invoice_pdf(settlement, line), "application/pdf", filename)


def _overview_lines(request: HttpRequest, settlement: Settlement) -> list[Any]:
    perms = permissions(request.user, settlement.service)
    if not perms.sees_all_lines:
        raise PermissionDenied(
            "Die Übersicht aller Mitglieder sehen Koordination und erbringende Körperschaft."
        )
    return settlement_lines(settlement, perms)


def overview_xlsx(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id)
    lines = _overview_lines(request, settlement)
    return _download(
        exports.overview_xlsx(settlement, lines),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.export_filename(settlement, ".xlsx"),
    )


def overview_csv(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(request.user, settlement_id)
    lines = _overview_lines(request, settlement)
    return _download(
        exports.overview_csv(settlement, lines),
        "text/csv; charset=utf-8",
        exports.export_filename(settlement, ".csv"),
    )


# --- panel on a body's page -------------------------------------------------------------------------


def body_services_panel(request: HttpRequest, body: Body) -> str:
    """Services the body provides or receives that the visitor may see (nothing for the public)."""
    from django.db.models import Q
    from django.template.loader import render_to_string

    if not getattr(request.user, "is_authenticated", False):
        return ""
    rows = list(
        SharedService.objects.visible_to(request.user)
        .filter(Q(provider=body) | Q(recipients__body=body, recipients__until_date__isnull=True))
        .select_related("alliance", "task", "provider")
        .distinct()
        .order_by("name")
    )
    if not rows:
        return ""
    return render_to_string(
        "shared_services/_body_panel.html", {"body": body, "services": rows}, request=request
    )


def alliance_services_panel(request: HttpRequest, alliance: Alliance) -> str:
    """The alliance page's section on its shared services, for those who may see them."""
    from django.template.loader import render_to_string

    if not getattr(request.user, "is_authenticated", False):
        return ""
    rows = list(
        SharedService.objects.visible_to(request.user)
        .filter(alliance=alliance)
        .select_related("task", "provider")
        .order_by("name")
    )
    if not rows:
        return ""
    return render_to_string(
        "shared_services/_alliance_panel.html", {"alliance": alliance, "services": rows}, request=request
    )
