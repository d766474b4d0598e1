"""``/api/v1/planning``: cost models, partner recommendations and Land-wide scenarios.

Access as on the pages (:mod:`verbund.planning.access`): without a login 401; users without a
planning role 403 on the task catalogue and 404 on scenarios and recommendations; the staff of a
body get the recommendations for their own body and read the cost models; the Beratungsstelle and
operators everything, including editing cost models and running scenarios. A rule that refuses an
input answers 422 with the German reason. Money is a decimal string with two places (EUR per year).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status as HttpStatus

from verbund.common.api import ErrorOut
from verbund.registry.models import Body, Kind
from verbund.shared_services.models import Task, TaskCostModel

from . import services
from .access import access_scenario, can_edit_cost_models, can_plan, can_recommend, can_use_planning
from .models import RunStatus, Scenario, SolverKind
from .selectors import (
    COST_FIELDS,
    body_recommendations,
    cost_models_for_state,
    effective_cost_model,
    group_views,
    scenario_compare,
    scenario_status_quo,
)
from .solvers import Constraints

router = Router()

ARS_PATTERN = r"^[0-9]{12}$"
STATE_PATTERN = r"^[0-9]{2}$"


def _user(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not getattr(user, "is_authenticated", False):
        raise AuthenticationError()
    return user


def _reader(request: HttpRequest) -> Any:
    user = _user(request)
    if not can_use_planning(user):
        raise PermissionDenied(
            "Die Planung steht der Beratungsstelle und den Verwaltungen der Kommunen offen."
        )
    return user


def _money(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else services.cents(value)


# --- schemas ----------------------------------------------------------------------------------------


class CostModelOut(Schema):
    task: str
    state: str = Field(description="Land, für das das Modell gilt; leer = Standard für alle Länder")
    source: str = Field(description="„Land 07“ (eigenes Modell des Landes) oder „Standard“")
    fixed_cost: Decimal = Field(description="Fixkosten F einer Dienststelle (EUR/Jahr)")
    unit_cost: Decimal = Field(description="Kosten je Einheit c (EUR)")
    scale_exponent: Decimal = Field(description="Größenexponent β ≤ 1: C(v) = F + c · v^β")
    volume_per_inhabitant: Decimal = Field(description="Menge (Fälle, Stunden …) je Einwohner und Jahr")
    overhead_per_member: Decimal = Field(description="Koordinationsaufwand je weiterem Mitglied (EUR/Jahr)")
    travel_cost_per_case_km: Decimal = Field(description="Wegekosten je Fall und km (EUR)")
    detour_factor: Decimal = Field(description="Umwegfaktor auf die Luftlinie")
    assumptions: str
    updated_at: dt.datetime | None


class TaskOut(Schema):
    slug: str
    name: str
    holder_kinds: list[str]
    volume_unit: str
    volume_unit_label: str
    cost_model: CostModelOut | None


class TaskPage(Schema):
    items: list[TaskOut]
    count: int


class CostModelIn(Schema):
    fixed_cost: Decimal | None = Field(None, ge=0)
    unit_cost: Decimal | None = Field(None, ge=0)
    scale_exponent: Decimal | None = Field(None, gt=0, le=1)
    volume_per_inhabitant: Decimal | None = Field(None, ge=0)
    overhead_per_member: Decimal | None = Field(None, ge=0)
    travel_cost_per_case_km: Decimal | None = Field(None, ge=0)
    detour_factor: Decimal | None = Field(None, ge=1)
    assumptions: str | None = None


class BodyRef(Schema):
    ars: str
    name: str
    kind: str
    population: int


class RecommendationOut(Schema):
    rank: int
    members: list[BodyRef]
    host: BodyRef
    saving: Decimal = Field(description="Einsparung der Gruppe gegenüber allen allein (EUR/Jahr)")
    standalone_cost: Decimal
    cost: Decimal
    own_saving: Decimal = Field(
        description="Anteil der angefragten Körperschaft (anteilig zu ihren Kosten allein)"
    )
    saving_share: float
    max_distance_km: float
    reasons: list[str]


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    count: int
    body: BodyRef
    task: str
    cost_model: CostModelOut


class AdoptIn(Schema):
    body: str = Field(pattern=ARS_PATTERN)
    task: str
    partners: list[str] = Field(min_length=1, max_length=9)
    name: str = ""


class AdoptOut(Schema):
    alliance: str = Field(description="Kürzel des neuen Verbunds (Status „Idee“)")
    name: str
    url: str


class ScenarioIn(Schema):
    task: str
    state: str = Field("07", pattern=STATE_PATTERN)
    solver: SolverKind = SolverKind.HEURISTIC
    name: str = ""
    max_members: int | None = Field(None, ge=2)
    max_population: int | None = Field(None, gt=0)
    max_distance_km: float | None = Field(None, gt=0)
    contiguous: bool = False
    within_kreis: bool = False
    kreise: list[str] = Field(default_factory=list, description="nur diese Kreise (5-stellige Schlüssel)")
    holder_kinds: list[Kind] = Field(default_factory=list, description="abweichende Träger der Aufgabe")
    keep_alliances: bool = False
    alliances: list[int] | None = Field(
        None, description="feste Verbünde (Standard: die mit geteiltem Dienst)"
    )
    background: bool | None = Field(None, description="im Hintergrund rechnen (Standard: nach Größe)")


class ScenarioItem(Schema):
    id: int
    name: str
    task: str
    state: str
    solver: str
    status: RunStatus
    status_label: str
    progress: int
    total_saving: Decimal | None
    created_at: dt.datetime
    created_by: str | None


class ScenarioPage(Schema):
    items: list[ScenarioItem]
    count: int


class ScenarioDetail(ScenarioItem):
    progress_note: str
    error: str
    parameters: dict[str, Any]
    statistics: dict[str, Any]
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class MemberOut(BodyRef):
    saving: Decimal


class GroupOut(Schema):
    number: int
    size: int
    host: BodyRef | None
    members: list[MemberOut]
    population: int
    standalone_cost: Decimal
    cost: Decimal
    saving: Decimal
    travel_cost: Decimal
    max_distance_km: float
    fixed: bool
    alliance: str | None


class GroupPage(Schema):
    items: list[GroupOut]
    count: int


class MovedOut(Schema):
    ars: str
    name: str
    partners_a: list[str]
    partners_b: list[str]


class CompareOut(Schema):
    a: int
    b: int
    saving_a: Decimal
    saving_b: Decimal
    difference: Decimal
    groups_a: int
    groups_b: int
    groups_in_both: int
    bodies: int
    moved_count: int
    moved: list[MovedOut]


class StatusQuoGroupOut(Schema):
    alliances: list[str]
    members: list[str]
    saving: Decimal
    kept: bool


class StatusQuoOut(Schema):
    saving: Decimal = Field(description="Einsparung der bestehenden geteilten Dienste (Schätzung)")
    scenario_saving: Decimal
    difference: Decimal
    kept: int
    groups: list[StatusQuoGroupOut]
    candidates: list[str] = Field(description="weitere Verbünde ohne erfassten Dienst für diese Aufgabe")
    warnings: list[str]


# --- helpers ------------------------------------------------------------------------------------------


def _cost_model(model: TaskCostModel) -> dict[str, Any]:
    return {
        "task": model.task.slug,
        "state": model.state,
        "source": f"Land {model.state}" if model.state else "Standard",
        **{name: getattr(model, name) for name in COST_FIELDS},
        "assumptions": model.assumptions,
        "updated_at": model.updated_at,
    }


def _body_ref(row: Any) -> dict[str, Any]:
    return {"ars": row.ars, "name": row.name, "kind": row.kind, "population": row.population or 0}


def _scenario_item(s: Scenario) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "task": s.task.slug,
        "state": s.state,
        "solver": s.solver,
        "status": s.status,
        "status_label": s.get_status_display(),
        "progress": s.progress,
        "total_saving": s.total_saving,
        "created_at": s.created_at,
        "created_by": s.created_by.get_username() if s.created_by else None,
    }


def _task(slug: str) -> Task:
    return get_object_or_404(Task, slug=slug)


# --- tasks and cost models ------------------------------------------------------------------------------


@router.get(
    "/tasks",
    response={200: TaskPage, 401: ErrorOut, 403: ErrorOut},
    url_name="planning_tasks",
    summary="Aufgaben und Kostenmodelle",
)
def list_tasks(request: HttpRequest, state: str = Query("07", pattern=STATE_PATTERN)) -> dict[str, Any]:
    """Jede Aufgabe des Katalogs mit dem Kostenmodell, das im Land `state` gilt (eigenes oder Standard)."""
    _reader(request)
    items = [
        {
            "slug": task.slug,
            "name": task.name,
            "holder_kinds": list(task.holder_kinds),
            "volume_unit": task.volume_unit,
            "volume_unit_label": task.volume_unit_label,
            "cost_model": _cost_model(model) if model else None,
        }
        for task, model in cost_models_for_state(state)
    ]
    return {"items": items, "count": len(items)}


@router.get(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="planning_cost_model",
    summary="Kostenmodell einer Aufgabe in einem Land",
)
def get_cost_model(request: HttpRequest, slug: str, state: str) -> dict[str, Any]:
    _reader(request)
    model = effective_cost_model(_task(slug), state)
    if model is None:
        raise Http404
    return _cost_model(model)


@router.put(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_cost_model_update",
    summary="Kostenmodell ändern (Beratungsstelle)",
)
def put_cost_model(request: HttpRequest, slug: str, state: str, payload: CostModelIn) -> dict[str, Any]:
    """Ändert das Modell des Landes `state` (beim ersten Mal als Kopie des Standards angelegt)."""
    user = _reader(request)
    if not can_edit_cost_models(user):
        raise PermissionDenied("Kostenmodelle bearbeitet die Beratungsstelle.")
    data = payload.dict(exclude_none=True)
    assumptions = data.pop("assumptions", None)
    model = services.cost_model_update(
        acting_user=user, task=_task(slug), state=state, data=data, assumptions=assumptions
    )
    return _cost_model(model)


@router.delete(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_cost_model_reset",
    summary="Landesmodell entfernen (Standard gilt wieder)",
)
def delete_cost_model(request: HttpRequest, slug: str, state: str) -> dict[str, Any]:
    user = _reader(request)
    if not can_edit_cost_models(user):
        raise PermissionDenied("Kostenmodelle bearbeitet die Beratungsstelle.")
    task = _task(slug)
    services.cost_model_reset(acting_user=user, task=task, state=state)
    model = effective_cost_model(task, state)
    if model is None:
        raise Http404
    return _cost_model(model)


# --- recommendations ------------------------------------------------------------------------------------


def _visible_body(user: Any, ars: str) -> Body:
    body = Body.objects.visible_to(user).filter(ars=ars).first()
    if body is None or not can_recommend(user, body):
        raise Http404
    return body


@router.get(
    "/recommendations",
    response={200: RecommendationPage, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_recommendations",
    summary="Partner für eine Körperschaft und eine Aufgabe",
)
def get_recommendations(
    request: HttpRequest,
    body: str = Query(..., pattern=ARS_PATTERN, description="ARS der Körperschaft"),
    task: str = Query(..., description="Aufgabe (Kürzel, z. B. standesamt)"),
    max_size: int = Query(4, ge=2, le=6, description="größte Gruppe (mit der Körperschaft)"),
    limit: int = Query(10, ge=1, le=50),
    max_population: int | None = Query(None, gt=0),
    max_distance_km: float | None = Query(None, gt=0),
    contiguous: bool = False,
    within_kreis: bool = False,
) -> dict[str, Any]:
    """Die besten Gruppen von 2 bis `max_size` Mitgliedern mit Begründung, nach Einsparung geordnet."""
    user = _user(request)
    the_body = _visible_body(user, body)
    result = body_recommendations(
        user=user,
        body=the_body,
        task=_task(task),
        max_size=max_size,
        limit=limit,
        constraints=Constraints(
            max_population=max_population,
            max_distance_km=max_distance_km,
            contiguous=contiguous,
            within_kreis=within_kreis,
        ),
    )
    items = [
        {
            "rank": item.rank,
            "members": [_body_ref(m) for m in item.members],
            "host": _body_ref(item.host),
            "saving": _money(item.cost.saving),
            "standalone_cost": _money(item.cost.standalone),
            "cost": _money(item.cost.cost),
            "own_saving": _money(item.own_saving),
            "saving_share": round(item.saving_share, 6),
            "max_distance_km": round(item.cost.max_distance_km, 3),
            "reasons": list(item.reasons),
        }
        for item in result.items
    ]
    return {
        "items": items,
        "count": len(items),
        "body": _body_ref(the_body),
        "task": result.task.slug,
        "cost_model": _cost_model(result.cost_model),
    }


@router.post(
    "/recommendations/adopt",
    response={201: AdoptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_recommendation_adopt",
    summary="Verbund aus einer Empfehlung anlegen (Status „Idee“)",
)
def post_adopt(request: HttpRequest, payload: AdoptIn) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    body = _visible_body(user, payload.body)
    partners = list(Body.objects.filter(ars__in=payload.partners))
    if len(partners) != len(set(payload.partners)):
        raise Http404
    alliance = services.recommendation_adopt(
        acting_user=user, body=body, task=_task(payload.task), partners=partners, name=payload.name
    )
    return HttpStatus(
        201, {"alliance": alliance.slug, "name": alliance.name, "url": alliance.get_absolute_url()}
    )


# --- scenarios -------------------------------------------------------------------------------------------


@router.get(
    "/scenarios",
    response={200: ScenarioPage, 401: ErrorOut},
    url_name="planning_scenarios",
    summary="Szenarien",
)
def list_scenarios(
    request: HttpRequest,
    task: str | None = None,
    state: str | None = Query(None, pattern=STATE_PATTERN),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Die Szenarien (nur für Beratungsstelle und Plattformbetrieb; sonst leer), neueste zuerst."""
    qs = Scenario.objects.visible_to(_user(request)).select_related("task", "created_by")
    if task:
        qs = qs.filter(task__slug=task)
    if state:
        qs = qs.filter(state=state)
    return {"count": qs.count(), "items": [_scenario_item(s) for s in qs[offset : offset + limit]]}


def _detail(s: Scenario) -> dict[str, Any]:
    return {
        **_scenario_item(s),
        "progress_note": s.progress_note,
        "error": s.error,
        "parameters": s.parameters,
        "statistics": s.statistics,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
    }


@router.post(
    "/scenarios",
    response={201: ScenarioDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_scenario_create",
    summary="Szenario anlegen und rechnen",
)
def post_scenario(request: HttpRequest, payload: ScenarioIn) -> HttpStatus[dict[str, Any]]:
    """Legt ein Szenario an und rechnet es: kleine sofort (Antwort mit Ergebnis), große im Hintergrund
    (Antwort mit Status „wartet“; Fortschritt über `GET /scenarios/{id}`)."""
    user = _user(request)
    if not can_plan(user):
        raise PermissionDenied("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")
    scenario = services.scenario_create(
        acting_user=user,
        task=_task(payload.task),
        state=payload.state,
        solver=str(payload.solver),
        name=payload.name,
        max_members=payload.max_members,
        max_population=payload.max_population,
        max_distance_km=payload.max_distance_km,
        contiguous=payload.contiguous,
        within_kreis=payload.within_kreis,
        kreise=payload.kreise,
        holder_kinds=[str(k) for k in payload.holder_kinds] or None,
        keep_alliances=payload.keep_alliances,
        alliance_ids=payload.alliances,
    )
    scenario = services.scenario_start(scenario=scenario, background=payload.background)
    scenario = access_scenario(user, scenario.pk)
    return HttpStatus(201, _detail(scenario))


@router.get(
    "/scenarios/{scenario_id}",
    response={200: ScenarioDetail, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_detail",
    summary="Ein Szenario",
)
def get_scenario(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    scenario = access_scenario(_user(request), scenario_id)
    if scenario.is_stale:
        scenario = services.scenario_mark_stale(scenario=scenario)
    return _detail(scenario)


@router.delete(
    "/scenarios/{scenario_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_delete",
    summary="Szenario löschen",
)
def delete_scenario(request: HttpRequest, scenario_id: int) -> HttpStatus[None]:
    user = _user(request)
    services.scenario_delete(acting_user=user, scenario=access_scenario(user, scenario_id))
    return HttpStatus(204, None)


@router.get(
    "/scenarios/{scenario_id}/groups",
    response={200: GroupPage, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_groups",
    summary="Gruppen eines Szenarios",
)
def list_groups(
    request: HttpRequest,
    scenario_id: int,
    cooperating: bool = Query(True, description="nur Gruppen mit mindestens zwei Mitgliedern"),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Gruppen mit Gastgeber, Mitgliedern und Einsparung je Mitglied; zwei Abfragen je Seite."""
    scenario = access_scenario(_user(request), scenario_id)
    qs = scenario.groups.select_related("alliance").order_by("number")
    if cooperating:
        qs = qs.filter(size__gt=1)
    page = list(qs[offset : offset + limit])
    items = []
    for view in group_views(page):
        g = view.group
        items.append(
            {
                "number": g.number,
                "size": g.size,
                "host": _body_ref(view.host) if view.host else None,
                "members": [{**_body_ref(b), "saving": share} for b, share in view.members],
                "population": g.population,
                "standalone_cost": g.standalone_cost,
                "cost": g.cost,
                "saving": g.saving,
                "travel_cost": g.travel_cost,
                "max_distance_km": g.max_distance_km,
                "fixed": g.fixed,
                "alliance": g.alliance.slug if g.alliance else None,
            }
        )
    return {"count": qs.count(), "items": items}


@router.get(
    "/scenarios/{scenario_id}/compare/{other_id}",
    response={200: CompareOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_scenario_compare",
    summary="Zwei Szenarien vergleichen",
)
def compare_scenarios(request: HttpRequest, scenario_id: int, other_id: int) -> dict[str, Any]:
    user = _user(request)
    result = scenario_compare(access_scenario(user, scenario_id), access_scenario(user, other_id))
    return {**result, "a": result["a"].pk, "b": result["b"].pk}


@router.get(
    "/scenarios/{scenario_id}/status-quo",
    response={200: StatusQuoOut, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_status_quo",
    summary="Vergleich mit den bestehenden Verbünden",
)
def status_quo(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    result = scenario_status_quo(access_scenario(_user(request), scenario_id))
    return {
        "saving": result["saving"],
        "scenario_saving": result["scenario_saving"],
        "difference": result["difference"],
        "kept": result["kept"],
        "groups": [
            {
                "alliances": [a["name"] for a in row.alliances],
                "members": row.members,
                "saving": _money(row.cost.saving),
                "kept": row.kept,
            }
            for row in result["rows"]
        ],
        "candidates": [a.name for a in result["candidates"]],
        "warnings": result["warnings"],
    }
