"""HTML pages of the planning part under ``/planung/``. Thin: forms validate, services write,
selectors read; access through the principal (:mod:`verbund.planning.policies`): 404 for what a
user may not see, 403 for what they see but may not change (a cost model for a body's staff)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import principal_of
from verbund.registry.models import Body
from verbund.registry.selectors import state_name
from verbund.shared_services.models import Task
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import is_htmx, paginate, refusals_as_messages

from . import exports, policies, services
from .forms import BodySearchForm, CostModelForm, RecommendationForm, ScenarioForm
from .models import RunStatus, Scenario
from .selectors import (
    access_cost_model,
    access_recommendation_body,
    access_scenario,
    body_recommendations,
    cost_models_for_state,
    group_views,
    own_bodies,
    region_text,
    scenario_compare,
    scenario_description,
    scenario_map_features,
    scenario_status_quo,
    task_by_slug,
    tasks_of_body,
    visible_scenarios,
)
from .solvers import Constraints

GROUPS_PER_PAGE = 50


def _require_use(request: HttpRequest) -> None:
    if not policies.uses_planning(principal_of(request)):
        raise Http404(_("Nicht gefunden."))


def _state(value: str | None) -> str:
    return value if value and value.isdigit() and len(value) == 2 else "07"


# --- start ---------------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """What planning is; for planners their scenarios, for body staff their bodies' recommendations."""
    principal = principal_of(request)
    planner = policies.plans(principal)
    context: dict[str, Any] = {
        "nav": "planning",
        "planner": planner,
        "user_can_use": policies.uses_planning(principal),
        "own_bodies": own_bodies(principal),
    }
    if planner:
        context["scenarios"] = list(visible_scenarios(principal)[:50])
    return render(request, "planning/index.html", context)


# --- cost models ----------------------------------------------------------------------------------------


def cost_models(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    state = _state(request.GET.get("state"))
    return render(
        request,
        "planning/cost_models.html",
        {
            "rows": cost_models_for_state(state),
            "state": state,
            "can_edit": policies.edits_cost_models(principal_of(request)),
            "nav": "planning",
        },
    )


def cost_model_edit(request: HttpRequest, slug: str, state: str) -> HttpResponse:
    task, model = access_cost_model(principal_of(request), slug, state, need="edit")
    back = f"{reverse('planning:cost_models')}?state={state}"
    if request.method == "POST" and request.POST.get("reset"):
        return _cost_model_reset(request, task=task, state=state, back=back)
    if request.method == "POST":
        form = CostModelForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            assumptions = data.pop("assumptions")
            if run_on_form(
                form,
                lambda: services.cost_model_update(
                    actor=request_actor(request), task=task, state=state, data=data, assumptions=assumptions
                ),
            ):
                messages.success(
                    request,
                    _("Kostenmodell %(task)s (%(state)s) gespeichert.")
                    % {"task": task.name, "state": state_name(state)},
                )
                return redirect(back)
    else:
        form = CostModelForm(initial=CostModelForm.initial_from(model))
    return render(
        request,
        "planning/cost_model_form.html",
        {
            "form": form,
            "task": task,
            "state": state,
            "model": model,
            "own": model.state == state,
            "nav": "planning",
        },
    )


@refusals_as_messages
def _cost_model_reset(request: HttpRequest, *, task: Task, state: str, back: str) -> HttpResponse:
    services.cost_model_reset(actor=request_actor(request), task=task, state=state)
    messages.success(
        request,
        _("Für %(task)s gilt in %(state)s wieder das Standardmodell.")
        % {"task": task.name, "state": state_name(state)},
    )
    return redirect(back)


# --- recommendations --------------------------------------------------------------------------------------


def recommendation_start(request: HttpRequest) -> HttpResponse:
    """Choose a body: one's own bodies, or (planners) any body found by name."""
    _require_use(request)
    principal = principal_of(request)
    planner = policies.plans(principal)
    form = BodySearchForm(request.GET or None)
    results: list[Body] = []
    if planner and form.is_valid() and form.cleaned_data["q"]:
        holder_kinds = {k for t in Task.objects.all() for k in t.holder_kinds}
        results = list(
            Body.objects.current()
            .of_kind(*holder_kinds)
            .search(form.cleaned_data["q"])
            .order_by("name", "ars")[:50]
        )
    return render(
        request,
        "planning/recommendation_start.html",
        {
            "form": form,
            "results": results,
            "own": own_bodies(principal),
            "planner": planner,
            "nav": "planning",
        },
    )


def recommendations(request: HttpRequest, ars: str) -> HttpResponse:
    principal = principal_of(request)
    body = access_recommendation_body(principal, ars)
    tasks = tasks_of_body(body)
    data = request.GET.copy()
    if tasks and "task" not in data:
        data["task"] = tasks[0].slug
    data.setdefault("max_size", "4")  # a link with only the task (the body page's panel) shows results
    form = RecommendationForm(data if tasks else None, tasks=tasks)
    result = None
    if tasks and form.is_valid():
        task = next(t for t in tasks if t.slug == form.cleaned_data["task"])
        distance = form.cleaned_data.get("max_distance_km")
        result = run_on_form(
            form,
            lambda: body_recommendations(
                principal=principal,
                body=body,
                task=task,
                max_size=form.cleaned_data["max_size"],
                constraints=Constraints(
                    max_distance_km=float(distance) if distance is not None else None,
                    contiguous=form.cleaned_data.get("contiguous") or False,
                    within_kreis=form.cleaned_data.get("within_kreis") or False,
                ),
            ),
        )
    error = " ".join(str(e) for e in form.non_field_errors()) if form.is_bound else ""
    return render(
        request,
        "planning/recommendations.html",
        {"body": body, "form": form, "tasks": tasks, "result": result, "error": error, "nav": "planning"},
    )


@require_POST
@refusals_as_messages
def recommendation_adopt(request: HttpRequest, ars: str) -> HttpResponse:
    body = access_recommendation_body(principal_of(request), ars)
    task = task_by_slug(request.POST.get("task", ""))
    partner_ars = [a for a in request.POST.getlist("partner") if a != body.ars]
    partners = list(Body.objects.filter(ars__in=partner_ars))
    if not partners or len(partners) != len(set(partner_ars)):
        raise Invalid(_("Bitte eine Empfehlung mit Partnern wählen."))
    alliance = services.recommendation_adopt(
        actor=request_actor(request), body=body, task=task, partners=partners
    )
    messages.success(
        request,
        _(
            "Verbund „%(name)s“ im Status „Idee“ angelegt; Sie koordinieren ihn. "
            "Nächster Schritt: die Partner ansprechen."
        )
        % {"name": alliance.name},
    )
    url = alliance.get_absolute_url()
    return redirect(url or reverse("planning:recommendations", kwargs={"ars": body.ars}))


def body_panel(request: HttpRequest, body: Body) -> str | None:
    """The "Kooperationspotenzial" panel of a body's page: a link to its recommendations (if allowed)."""
    if not policies.recommends_for(principal_of(request), body.pk) or body.dissolved_on is not None:
        return None
    tasks = tasks_of_body(body)
    if not tasks:
        return None
    return render_to_string("planning/_body_panel.html", {"body": body, "tasks": tasks}, request=request)


# --- scenarios ---------------------------------------------------------------------------------------------


def scenario_create(request: HttpRequest) -> HttpResponse:
    if not policies.plans(principal_of(request)):
        raise Http404(_("Nicht gefunden."))
    state = _state((request.POST or request.GET).get("state"))
    if request.method == "POST":
        form = ScenarioForm(request.POST, state=state)
        if form.is_valid():
            d = form.cleaned_data
            task = task_by_slug(d["task"])
            distance = d["max_distance_km"]
            scenario = run_on_form(
                form,
                lambda: services.scenario_create(
                    actor=request_actor(request),
                    task=task,
                    state=d["state"],
                    solver=d["solver"],
                    name=d["name"],
                    max_members=d["max_members"],
                    max_population=d["max_population"],
                    max_distance_km=float(distance) if distance is not None else None,
                    contiguous=d["contiguous"],
                    within_kreis=d["within_kreis"],
                    kreise=d["kreise"],
                    holder_kinds=d["holder_kinds"] or None,
                    keep_alliances=d["keep_alliances"],
                ),
            )
            if scenario:
                scenario = services.scenario_start(actor=request_actor(request), scenario=scenario)
                return redirect(scenario.get_absolute_url())
    else:
        initial = {"state": state}
        if request.GET.get("task"):
            initial["task"] = request.GET["task"]
        form = ScenarioForm(initial=initial, state=state)
    return render(request, "planning/scenario_form.html", {"form": form, "nav": "planning"})


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    # A run that stopped (its worker died) is marked failed by the periodic task
    # planning.fail_interrupted_runs, not when someone opens it.
    return access_scenario(principal_of(request), pk)


def _done_scenario(request: HttpRequest, pk: int) -> Scenario:
    scenario = _scenario(request, pk)
    if scenario.status != RunStatus.DONE:
        raise NotFound()
    return scenario


def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    stats = scenario.statistics or {}
    context: dict[str, Any] = {
        "scenario": scenario,
        "nav": "planning",
        "stats": stats,
        "saving_percent": 100 * float(stats.get("saving_share") or 0),
        "ratio_percent": 100 * float(stats["ratio_to_optimum"]) if stats.get("ratio_to_optimum") else None,
        "bound_percent": 100 * float(stats["ratio_to_bound"]) if stats.get("ratio_to_bound") else None,
        "gap_percent": 100 * float(stats["gap"]) if stats.get("gap") is not None else None,
        "described": scenario_description(scenario),
    }
    if scenario.status == RunStatus.DONE:
        groups = scenario.groups.filter(size__gt=1).select_related("alliance").order_by("number")
        page = paginate(request, groups, per_page=GROUPS_PER_PAGE)
        context.update(
            {
                "page_obj": page,
                "groups": group_views(list(page.object_list)),
                "map_features": scenario_map_features(scenario),
                "others": list(
                    Scenario.objects.visible_to(principal_of(request))
                    .filter(task=scenario.task, state=scenario.state, status=RunStatus.DONE)
                    .exclude(pk=scenario.pk)
                    .only("id", "name", "created_at")[:50]
                ),
                "tile_url": settings.VERBUND_MAP_TILE_URL,
                "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
            }
        )
    return render(request, "planning/scenario_detail.html", context)


def scenario_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment polled by HTMX; a finished run makes the page reload with the result."""
    scenario = _scenario(request, pk)
    response = render(request, "planning/_scenario_progress.html", {"scenario": scenario})
    if scenario.is_finished and is_htmx(request):
        response["HX-Refresh"] = "true"
    return response


def scenario_status(request: HttpRequest, pk: int) -> JsonResponse:
    scenario = _scenario(request, pk)
    return JsonResponse(
        {
            "status": scenario.status,
            "progress": scenario.progress,
            "note": scenario.progress_note,
            "error": scenario.error,
        }
    )


@require_POST
@refusals_as_messages
def scenario_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    services.scenario_delete(actor=request_actor(request), scenario=scenario)
    messages.success(request, _("Szenario „%(name)s“ gelöscht.") % {"name": scenario.name})
    return redirect("planning:index")


@require_POST
@refusals_as_messages
def scenario_restart(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    scenario = services.scenario_restart(actor=request_actor(request), scenario=scenario)
    services.scenario_start(actor=request_actor(request), scenario=scenario)
    return redirect(scenario.get_absolute_url())


@refusals_as_messages
def scenario_compare_view(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    other_id = request.GET.get("mit", "")
    if not other_id.isdigit():
        raise Http404(_("Nicht gefunden."))
    other = _scenario(request, int(other_id))
    result = scenario_compare(scenario, other)
    return render(
        request,
        "planning/scenario_compare.html",
        {
            "result": result,
            "scenario": scenario,
            "region_a": region_text(result.a.state, result.a.parameters or {}),
            "region_b": region_text(result.b.state, result.b.parameters or {}),
            "nav": "planning",
        },
    )


def scenario_status_quo_view(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _done_scenario(request, pk)
    return render(
        request,
        "planning/scenario_status_quo.html",
        {"result": scenario_status_quo(scenario), "scenario": scenario, "nav": "planning"},
    )


def scenario_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _done_scenario(request, pk)
    response = HttpResponse(exports.export_csv(scenario), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="szenario-{scenario.pk}.csv"'
    return response


def scenario_export_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _done_scenario(request, pk)
    response = HttpResponse(
        exports.dumps(exports.export_geojson(scenario)), content_type="application/geo+json"
    )
    response["Content-Disposition"] = f'attachment; filename="szenario-{scenario.pk}.geojson"'
    return response
