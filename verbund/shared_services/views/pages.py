"""The index, an alliance's services, a service's page and what the coordinator changes on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.alliances import policies as alliance_policies
from verbund.alliances.models import AgreementDocument, Alliance
from verbund.alliances.selectors import access_alliance
from verbund.common.principal import principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form

from .. import allocation, policies, services
from ..forms import PopulationForm, RecipientEndForm, RecipientForm, ServiceEditForm, ServiceForm
from ..models import PopulationFigure, ServiceRecipient, SharedService
from ..selectors import (
    access_service,
    alliance_overview,
    cost_plan_years,
    latest_settlement_year,
    population_figures,
    recipients_history,
    service_access,
    service_list,
    settlement_versions,
)
from ._common import (
    NAV,
    back,
    body_of,
    choices,
    form_problems,
    member_choices,
    recipient_bodies,
    this_year,
    year_param,
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The services the user sees, grouped by alliance, and the alliances they may add services to."""
    principal = principal_of(request)
    groups: dict[int, dict[str, Any]] = {}
    for service in service_list(principal):
        group = groups.setdefault(service.alliance_id, {"alliance": service.alliance, "services": []})
        group["services"].append(service)
    coordinated = (
        Alliance.objects.filter(pk__in=principal.granted(alliance_policies.COORDINATOR))
        .exclude(pk__in=groups)
        .order_by("name")
    )
    context = {"groups": list(groups.values()), "coordinated": list(coordinated), "nav": NAV}
    return render(request, "shared_services/index.html", context)


def alliance_services(request: HttpRequest, slug: str) -> HttpResponse:
    """An alliance's services with the settlement of a year: totals, own shares, savings (estimate)."""
    principal = principal_of(request)
    alliance = access_alliance(principal, slug, need="internal")
    year = year_param(request, latest_settlement_year(principal, alliance) or this_year() - 1)
    overview = alliance_overview(principal, alliance, year)
    context = {
        "alliance": alliance,
        "overview": overview,
        "year": year,
        "years": list(range(this_year() + 1, this_year() - 6, -1)),
        "can_create": policies.may_create(principal, alliance.pk),
        "sees_savings": any(r.perms.sees_all_lines for r in overview.rows),
        "has_own": bool(principal.body_ids()),
        "nav": NAV,
    }
    return render(request, "shared_services/alliance_services.html", context)


def service_create(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(principal_of(request), slug, need="change")
    members = member_choices(alliance)
    form = ServiceForm(
        request.POST or None, members=members, initial={"start_date": dt.date(this_year(), 1, 1)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bodies = {b.ars: b for b in Body.objects.filter(ars__in=[data["provider"], *data["recipients"]])}
        service = run_on_form(
            form,
            lambda: services.service_create(
                actor=request_actor(request),
                alliance=alliance,
                task=data["task"],
                provider=bodies[data["provider"]],
                name=data["name"],
                description=data["description"],
                start_date=data["start_date"],
                recipients=[bodies[ars] for ars in data["recipients"]],
            ),
            default_field="name",
        )
        if service:
            messages.success(
                request,
                _("Der Dienst „%(name)s“ ist angelegt. Legen Sie jetzt den Schlüssel fest.")
                % {"name": service.name},
            )
            return redirect("shared_services:key_edit", service_id=service.pk)
    return render(
        request, "shared_services/service_form.html", {"alliance": alliance, "form": form, "nav": NAV}
    )


def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    principal = principal_of(request)
    service = access_service(principal, service_id)
    history = recipients_history(service)
    current = {r.body_id for r in history if r.until_date is None}
    candidates = [
        (ars, name)
        for ars, name in member_choices(service.alliance)
        if not any(r.body.ars == ars and r.body_id in current for r in history)
    ]
    year = year_param(request, this_year())
    try:
        key_description = allocation.describe_config(
            service.allocation_key, {r.body.ars: r.body.name for r in history}
        )
    except allocation.KeyConfigError as exc:
        key_description = _("ungültig: %(error)s") % {"error": exc}
    context = {
        "service": service,
        "access": service_access(principal, service),
        "history": history,
        "key_description": key_description,
        "recipient_form": RecipientForm(candidates=candidates, initial={"from_date": timezone.localdate()}),
        "edit_form": _edit_form(service),
        "end_form": RecipientEndForm(initial={"until_date": timezone.localdate()}),
        "population_form": PopulationForm(
            recipients=choices(recipient_bodies(service)),
            initial={"year": year, "reference_date": dt.date(year - 1, 6, 30)},
        ),
        "population_figures": population_figures(service, year),
        "year": year,
        "years": cost_plan_years(service) or [this_year()],
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
    service = access_service(principal_of(request), service_id, need="manage")
    form = _edit_form(service, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["legal_basis"] = (
            AgreementDocument.objects.filter(pk=data["legal_basis"], alliance_id=service.alliance_id).first()
            if data["legal_basis"]
            else None
        )
        if run_on_form(
            form, lambda: services.service_update(actor=request_actor(request), service=service, data=data)
        ):
            messages.success(request, _("Die Angaben sind gespeichert."))
            return back(service, "angaben")
    messages.error(request, form_problems(form))
    return back(service, "angaben")


@require_POST
def recipient_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="manage")
    form = RecipientForm(request.POST, candidates=member_choices(service.alliance))
    if form.is_valid():
        data = form.cleaned_data
        recipient = run_on_form(
            form,
            lambda: services.recipient_add(
                actor=request_actor(request),
                service=service,
                body=body_of(data["ars"]),
                from_date=data["from_date"],
            ),
            default_field="ars",
        )
        if recipient:
            messages.success(
                request,
                _("%(name)s erhält den Dienst ab %(date)s.")
                % {"name": recipient.body.name, "date": f"{recipient.from_date:%d.%m.%Y}"},
            )
            return back(service, "empfaenger")
    messages.error(request, form_problems(form))
    return back(service, "empfaenger")


@require_POST
def recipient_end(request: HttpRequest, service_id: int, recipient_id: int) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="manage")
    recipient = get_object_or_404(
        ServiceRecipient.objects.select_related("body"), pk=recipient_id, service=service
    )
    form = RecipientEndForm(request.POST)
    if form.is_valid() and run_on_form(
        form,
        lambda: services.recipient_end(
            actor=request_actor(request), recipient=recipient, until_date=form.cleaned_data["until_date"]
        ),
        default_field="until_date",
    ):
        messages.success(
            request,
            _("%(name)s erhält den Dienst bis %(date)s.")
            % {"name": recipient.body.name, "date": f"{form.cleaned_data['until_date']:%d.%m.%Y}"},
        )
    else:
        messages.error(request, form_problems(form))
    return back(service, "empfaenger")


@require_POST
def population_set(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="manage")
    form = PopulationForm(request.POST, recipients=choices(recipient_bodies(service)))
    if form.is_valid():
        data = form.cleaned_data
        if run_on_form(
            form,
            lambda: services.population_figure_set(
                actor=request_actor(request),
                service=service,
                year=data["year"],
                body=body_of(data["ars"]),
                population=data["population"],
                reference_date=data["reference_date"],
                source=data["source"],
            ),
            default_field="population",
        ):
            messages.success(request, _("Die Einwohnerzahl zum Stichtag ist eingetragen."))
            return back(service, "stichtag", f"jahr={data['year']}")
    messages.error(request, form_problems(form))
    return back(service, "stichtag")


@require_POST
def population_delete(request: HttpRequest, service_id: int, figure_id: int) -> HttpResponse:
    service = access_service(principal_of(request), service_id, need="manage")
    figure = get_object_or_404(
        PopulationFigure.objects.select_related("body", "service"), pk=figure_id, service=service
    )
    services.population_figure_delete(actor=request_actor(request), figure=figure)
    messages.success(
        request,
        _("Der Stichtagswert von %(name)s ist entfernt; es gilt wieder das Register.")
        % {"name": figure.body.name},
    )
    return redirect(
        reverse("shared_services:service_detail", args=[service.pk]) + f"?jahr={figure.year}#stichtag"
    )
