"""Start page and programmes (public); creating and changing programmes is the authority's."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from verbund.common.access import require
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form

from .. import policies, rules, services
from ..forms import BudgetForm, ProgrammeForm, draft_options
from ..models import Programme
from ..selectors import access_programme, application_list, budget_overview


def index(request: HttpRequest) -> HttpResponse:
    """Programmes (public) and, for signed-in users, their applications and the authority's links."""
    principal = principal_of(request)
    programmes = list(Programme.objects.visible_to(principal).prefetch_related("years").order_by("name"))
    context: dict[str, Any] = {
        "programmes": programmes,
        "nav": "funding",
        "is_authority": policies.is_authority(principal),
        "reads_portfolio": policies.reads_portfolio(principal),
    }
    if principal.is_authenticated:
        context["applications"] = list(application_list(principal)[:20])
        context["may_draft"] = bool(draft_options(principal))
    return render(request, "funding/index.html", context)


def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    programme = access_programme(principal, slug)
    try:
        rule_set: rules.RuleSet | None = programme.rules
    except rules.RuleSetError:
        rule_set = None
    return render(
        request,
        "funding/programme_detail.html",
        {
            "programme": programme,
            "rules": rule_set,
            "budget": budget_overview(programme),
            "conditions": rules.CONDITIONS,
            "bases": rules.BASES,
            "is_authority": policies.is_authority(principal),
            "nav": "funding",
        },
    )


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    require(policies.may_decide(principal_of(request)), _("Programme legt die Bewilligungsbehörde an."))
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        programme = run_on_form(
            form,
            lambda: services.programme_create(
                actor=request_actor(request),
                name=data["name"],
                code=data["code"],
                slug=data["slug"] or "",
                preset=data["preset"],
                rule_set=data["rule_set"],
                description=data["description"],
                eligible_categories=data["eligible_categories"],
                window_opens=data["window_opens"],
                window_closes=data["window_closes"],
                budgets=form.budgets(),
            ),
        )
        if programme:
            messages.success(request, f"Programm „{programme.name}“ angelegt.")
            return redirect(programme)
    return render(request, "funding/programme_form.html", {"form": form, "nav": "funding", "programme": None})


@login_required
def programme_edit(request: HttpRequest, slug: str) -> HttpResponse:
    programme = access_programme(principal_of(request), slug, need="change")
    initial = {
        "name": programme.name,
        "code": programme.code,
        "slug": programme.slug,
        "description": programme.description,
        "preset": programme.preset,
        "rule_set": json.dumps(programme.rule_set, ensure_ascii=False, indent=2),
        "eligible_categories": programme.eligible_categories,
        "window_opens": programme.window_opens,
        "window_closes": programme.window_closes,
        "second_approval_above": programme.second_approval_above,
    }
    years = [(y.year, y.budget) for y in programme.years.order_by("year")]
    form = ProgrammeForm(request.POST or None, initial=initial, programme=programme)
    budget_form = BudgetForm(request.POST or None, years=years, prefix="b")
    if request.method == "POST" and form.is_valid() and budget_form.is_valid():
        data = form.cleaned_data

        @transaction.atomic
        def save() -> None:
            services.programme_update(
                actor=request_actor(request),
                programme=programme,
                data={
                    "name": data["name"],
                    "code": data["code"],
                    "description": data["description"],
                    "preset": data["preset"],
                    "rule_set": data["rule_set"] if data["rule_set"] is not None else programme.rule_set,
                    "eligible_categories": data["eligible_categories"],
                    "window_opens": data["window_opens"],
                    "window_closes": data["window_closes"],
                    "second_approval_above": data["second_approval_above"],
                },
            )
            for year, budget in {**budget_form.budgets(), **form.budgets()}.items():
                services.programme_year_set(
                    actor=request_actor(request), programme=programme, year=year, budget=budget
                )

        if run_on_form(form, save):
            messages.success(request, _("Programm gespeichert."))
            return redirect(programme)
    return render(
        request,
        "funding/programme_form.html",
        {"form": form, "budget_form": budget_form, "programme": programme, "nav": "funding"},
    )
