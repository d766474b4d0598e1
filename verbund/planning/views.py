"""HTML pages of the planning part under ``/planung/``. Thin: forms validate, services write,
selectors read; access through :mod:`verbund.planning.access` (404 for what a user may not see)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from verbund.accounts.access import bodies_of
from verbund.alliances.forms import apply_service_error
from verbund.registry.models import Body
from verbund.shared_services.models import Task

from . import exports, services
from .access import (
    BODY_STAFF_ROLES,
    access_scenario,
    can_edit_cost_models,
    can_plan,
    can_recommend,
    can_use_planning,
)
from .forms import BodySearchForm, CostModelForm, RecommendationForm, ScenarioForm
from .models import RunStatus, Scenario
from .selectors import (
    body_recommendations,
    cost_models_for_state,
    effective_cost_model,
    group_views,
    scenario_compare,
    scenario_map_features,
    scenario_status_quo,
    tasks_of_body,
)
from .solvers import Constraints

GROUPS_PER_PAGE = 50


def _require_use(request: HttpRequest) -> None:
    if not can_use_planning(request.user):
        raise Http404("Nicht gefunden.")


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


# --- start ---------------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """What planning is; for planners their scenarios, for body staff their bodies' recommendations."""
    user = request.user
    planner = can_plan(user)
    context: dict[str, Any] = {"nav": "planning", "planner": planner, "user_can_use": can_use_planning(user)}
    if planner:
        context["scenarios"] = list(
            Scenario.objects.visible_to(user).select_related("task", "created_by")[:50]
        )
    if user.is_authenticated:
        context["own_bodies"] = list(bodies_of(user, *BODY_STAFF_ROLES).order_by("name"))
    return render(request, "planning/index.html", context)


# --- cost models ----------------------------------------------------------------------------------------


def cost_models(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    state = request.GET.get("state", "07")
    if not state.isdigit() or len(state) != 2:
        state = "07"
    rows = cost_models_for_state(state)
    return render(
        request,
        "planning/cost_models.html",
        {"rows": rows, "state": state, "can_edit": can_edit_cost_models(request.user), "nav": "planning"},
    )


def cost_model_edit(request: HttpRequest, slug: str, state: str) -> HttpResponse:
    if not can_edit_cost_models(request.user):
        if can_use_planning(request.user):
            raise PermissionDenied("Kostenmodelle bearbeitet die Beratungsstelle.")
        raise Http404("Nicht gefunden.")
    task = get_object_or_404(Task, slug=slug)
    if not state.isdigit() or len(state) != 2:
        raise Http404("Nicht gefunden.")
    model = effective_cost_model(task, state)
    if model is None:
        raise Http404("Kein Kostenmodell.")
    if request.method == "POST":
        if request.POST.get("reset"):
            services.cost_model_reset(acting_user=request.user, task=task, state=state)
            messages.success(request, f"Für {task.name} gilt im Land {state} wieder das Standardmodell.")
            return redirect(f"{reverse('planning:cost_models')}?state={state}")
        form = CostModelForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            assumptions = data.pop("assumptions")
            try:
                services.cost_model_update(
                    acting_user=request.user, task=task, state=state, data=data, assumptions=assumptions
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"Kostenmodell {task.name} (Land {state}) gespeichert.")
                return redirect(f"{reverse('planning:cost_models')}?state={state}")
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


# --- recommendations --------------------------------------------------------------------------------------


def recommendation_start(request: HttpRequest) -> HttpResponse:
    """Choose a body: one's own bodies, or (planners) any body found by name."""
    _require_use(request)
    form = BodySearchForm(request.GET or None)
    results: list[Body] = []
    if can_plan(request.user) and form.is_valid() and form.cleaned_data["q"]:
        holder_kinds = {k for t in Task.objects.all() for k in t.holder_kinds}
        results = list(
            Body.objects.current()
            .of_kind(*holder_kinds)
            .search(form.cleaned_data["q"])
            .order_by("name", "ars")[:50]
        )
    own = list(bodies_of(request.user, *BODY_STAFF_ROLES).order_by("name"))
    return render(
        request,
        "planning/recommendation_start.html",
        {"form": form, "results": results, "own": own, "planner": can_plan(request.user), "nav": "planning"},
    )


def _recommendation_body(request: HttpRequest, ars: str) -> Body:
    body = Body.objects.visible_to(request.user).select_related("parent").filter(ars=ars).first()
    if body is None or not can_recommend(request.user, body):
        raise Http404("Nicht gefunden.")
    return body


def recommendations(request: HttpRequest, ars: str) -> HttpResponse:
    body = _recommendation_body(request, ars)
    tasks = tasks_of_body(body)
    data = request.GET.copy()
    if tasks and "task" not in data:
        data["task"] = tasks[0].slug
    data.setdefault("max_size", "4")  # a link with only the task (the body page's panel) shows results
    form = RecommendationForm(data if tasks else None, tasks=tasks)
    result = None
    error = ""
    if tasks and form.is_valid():
        task = next(t for t in tasks if t.slug == form.cleaned_data["task"])
        try:
            result = body_recommendations(
                user=request.user,
                body=body,
                task=task,
                max_size=form.cleaned_data["max_size"],
                constraints=Constraints(
                    max_distance_km=form.cleaned_data.get("max_distance_km"),
                    contiguous=form.cleaned_data.get("contiguous") or False,
                    within_kreis=form.cleaned_data.get("within_kreis") or False,
                ),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "planning/recommendations.html",
        {"body": body, "form": form, "tasks": tasks, "result": result, "error": error, "nav": "planning"},
    )


@require_POST
def recommendation_adopt(request: HttpRequest, ars: str) -> HttpResponse:
    body = _recommendation_body(request, ars)
    task = get_object_or_404(Task, slug=request.POST.get("task", ""))
    partner_ars = [a for a in request.POST.getlist("partner") if a != body.ars]
    partners = list(Body.objects.filter(ars__in=partner_ars))
    if not partners or len(partners) != len(set(partner_ars)):
        messages.error(request, "Bitte eine Empfehlung mit Partnern wählen.")
        return redirect("planning:recommendations", ars=body.ars)
    try:
        alliance = services.recommendation_adopt(
            acting_user=request.user, body=body, task=task, partners=partners
        )
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"Der Verbund wurde nicht angelegt: {text}")
        return redirect(f"{reverse('planning:recommendations', kwargs={'ars': body.ars})}?task={task.slug}")
    messages.success(
        request,
        f"Verbund „{alliance.name}“ im Status „Idee“ angelegt; Sie koordinieren ihn. "
        "Nächster Schritt: die Partner ansprechen.",
    )
    url = alliance.get_absolute_url()
    return redirect(url or reverse("planning:recommendations", kwargs={"ars": body.ars}))


def body_panel(request: HttpRequest, body: Body) -> str | None:
    """The "Kooperationspotenzial" panel of a body's page: a link to its recommendations (if allowed)."""
    if not can_recommend(request.user, body) or body.dissolved_on is not None:
        return None
    tasks = tasks_of_body(body)
    if not tasks:
        return None
    return render_to_string("planning/_body_panel.html", {"body": body, "tasks": tasks}, request=request)


# --- scenarios ---------------------------------------------------------------------------------------------


def scenario_create(request: HttpRequest) -> HttpResponse:
    if not can_plan(request.user):
        raise Http404("Nicht gefunden.")
    state = (request.POST or request.GET).get("state", "07")
    if not state.isdigit() or len(state) != 2:
        state = "07"
    if request.method == "POST":
        form = ScenarioForm(request.POST, state=state)
        if form.is_valid():
            d = form.cleaned_data
            task = get_object_or_404(Task, slug=d["task"])
            try:
                scenario = services.scenario_create(
                    acting_user=request.user,
                    task=task,
                    state=d["state"],
                    solver=d["solver"],
                    name=d["name"],
                    max_members=d["max_members"],
                    max_population=d["max_population"],
                    max_distance_km=d["max_distance_km"],
                    contiguous=d["contiguous"],
                    within_kreis=d["within_kreis"],
                    kreise=d["kreise"],
                    holder_kinds=d["holder_kinds"] or None,
                    keep_alliances=d["keep_alliances"],
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                scenario = services.scenario_start(scenario=scenario)
                return redirect(scenario.get_absolute_url())
    else:
        initial = {"state": state}
        if request.GET.get("task"):
            initial["task"] = request.GET["task"]
        form = ScenarioForm(initial=initial, state=state)
    return render(request, "planning/scenario_form.html", {"form": form, "nav": "planning"})


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    scenario = access_scenario(request.user, pk)
    if scenario.is_stale:
        scenario = services.scenario_mark_stale(scenario=scenario)
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
    }
    if scenario.status == RunStatus.DONE:
        groups = scenario.groups.filter(size__gt=1).select_related("alliance").order_by("number")
        page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            {
                "page_obj": page,
                "groups": group_views(list(page.object_list)),
                "map_features": scenario_map_features(scenario),
                "others": list(
                    Scenario.objects.visible_to(request.user)
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
    if scenario.is_finished and _htmx(request):
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
def scenario_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    services.scenario_delete(acting_user=request.user, scenario=scenario)
    messages.success(request, f"Szenario „{scenario.name}“ gelöscht.")
    return redirect("planning:index")


@require_POST
def scenario_restart(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    try:
        scenario = services.scenario_restart(acting_user=request.user, scenario=scenario)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        services.scenario_start(scenario=scenario)
    return redirect(scenario.get_absolute_url())


def scenario_compare_view(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    other_id = request.GET.get("mit", "")
    if not other_id.isdigit():
        raise Http404("Nicht gefunden.")
    other = _scenario(request, int(other_id))
    try:
        result = scenario_compare(scenario, other)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(scenario.get_absolute_url())
    return render(
        request, "planning/scenario_compare.html", {"result": result, "scenario": scenario, "nav": "planning"}
    )


def scenario_status_quo_view(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    if scenario.status != RunStatus.DONE:
        raise Http404("Nicht gefunden.")
    result = scenario_status_quo(scenario)
    return render(
        request,
        "planning/scenario_status_quo.html",
        {"result": result, "scenario": scenario, "nav": "planning"},
    )


def scenario_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    if scenario.status != RunStatus.DONE:
        raise Http404("Nicht gefunden.")
    response = HttpResponse(exports.export_csv(scenario), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="szenario-{scenario.pk}.csv"'
    return response


def scenario_export_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    if scenario.status != RunStatus.DONE:
        raise Http404("Nicht gefunden.")
    response = HttpResponse(
        exports.dumps(exports.export_geojson(scenario)), content_type="application/geo+json"
    )
    response["Content-Disposition"] = f'attachment; filename="szenario-{scenario.pk}.geojson"'
    return response
