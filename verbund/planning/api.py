"""``/api/v1/planning``: cost models, partner recommendations and Land-wide scenarios.

Access as on the pages (:mod:`verbund.planning.policies`): without a login 401; users without a
planning role 403 on the task catalogue and 404 on scenarios and recommendations; the staff of a
body get the recommendations for their own body and read the cost models (403 when they try to
edit one); the Beratungsstelle and operators everything, including editing cost models and running
scenarios. A rule that refuses an input answers 422 with the German reason. Schemas:
:mod:`verbund.planning.schemas`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus

from verbund.common.access import require
from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.common.errors import NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body

from . import policies, services
from .models import Scenario
from .schemas import (
    ARS_PATTERN,
    STATE_PATTERN,
    AdoptIn,
    AdoptOut,
    CompareOut,
    CostModelIn,
    CostModelOut,
    GroupOut,
    PlanningBodyRef,
    PlanningCooperationOut,
    PlanningTaskOut,
    RecommendationOut,
    RecommendationPage,
    ScenarioDetail,
    ScenarioIn,
    ScenarioItem,
    StatusQuoOut,
)
from .selectors import (
    access_cost_model,
    access_recommendation_body,
    access_scenario,
    body_recommendations,
    cost_models_for_state,
    effective_cost_model,
    group_views,
    scenario_compare,
    scenario_status_quo,
    task_by_slug,
    visible_scenarios,
)
from .solvers import Constraints

router = Router()


def _reader(request: HttpRequest) -> Principal:
    """A signed-in caller with a planning page to see (planners and body staff); else 401/403."""
    principal = api_person(request)
    require(policies.uses_planning(principal), _(policies.USE_REFUSAL))
    return principal


# --- tasks and cost models ------------------------------------------------------------------------------


@router.get(
    "/tasks",
    response={200: Page[PlanningTaskOut], 401: ErrorOut, 403: ErrorOut},
    url_name="planning_tasks",
    summary="Aufgaben und Kostenmodelle",
)
def list_tasks(
    request: HttpRequest,
    state: str = Query("07", pattern=STATE_PATTERN),
    page: PageParams = Query(...),  # noqa: B008
) -> object:
    """Jede Aufgabe des Katalogs mit dem Kostenmodell, das im Land `state` gilt (eigenes oder Standard)."""
    _reader(request)
    return paginate(cost_models_for_state(state), page, convert=PlanningTaskOut.of)


@router.get(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="planning_cost_model",
    summary="Kostenmodell einer Aufgabe in einem Land",
)
def get_cost_model(request: HttpRequest, slug: str, state: str) -> CostModelOut:
    _task, model = access_cost_model(_reader(request), slug, state)
    return CostModelOut.of(model)


@router.put(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_cost_model_update",
    summary="Kostenmodell ändern (Beratungsstelle)",
)
def put_cost_model(request: HttpRequest, slug: str, state: str, payload: CostModelIn) -> CostModelOut:
    """Ändert das Modell des Landes `state` (beim ersten Mal als Kopie des Standards angelegt)."""
    task, _model = access_cost_model(_reader(request), slug, state, need="edit")
    data = payload.dict(exclude_none=True)
    assumptions = data.pop("assumptions", None)
    model = services.cost_model_update(
        actor=api_user(request), task=task, state=state, data=data, assumptions=assumptions
    )
    return CostModelOut.of(model)


@router.delete(
    "/tasks/{slug}/cost-models/{state}",
    response={200: CostModelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_cost_model_reset",
    summary="Landesmodell entfernen (Standard gilt wieder)",
)
def delete_cost_model(request: HttpRequest, slug: str, state: str) -> CostModelOut:
    task, _model = access_cost_model(_reader(request), slug, state, need="edit")
    services.cost_model_reset(actor=api_user(request), task=task, state=state)
    model = effective_cost_model(task, state)
    if model is None:
        raise NotFound()
    return CostModelOut.of(model)


# --- recommendations ------------------------------------------------------------------------------------


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
) -> RecommendationPage:
    """Die besten Gruppen von 2 bis `max_size` Mitgliedern mit Begründung, nach Einsparung geordnet."""
    principal = api_person(request)
    the_body = access_recommendation_body(principal, body)
    result = body_recommendations(
        principal=principal,
        body=the_body,
        task=task_by_slug(task),
        max_size=max_size,
        limit=limit,
        constraints=Constraints(
            max_population=max_population,
            max_distance_km=max_distance_km,
            contiguous=contiguous,
            within_kreis=within_kreis,
        ),
    )
    items = [RecommendationOut.of(item) for item in result.items]
    return RecommendationPage(
        items=items,
        count=len(items),
        body=PlanningBodyRef.of(the_body),
        task=result.task.slug,
        cost_model=CostModelOut.of(result.cost_model),
        existing=[PlanningCooperationOut.of(coop) for coop in result.existing],
    )


@router.post(
    "/recommendations/adopt",
    response={201: AdoptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="planning_recommendation_adopt",
    summary="Verbund aus einer Empfehlung anlegen (Status „Idee“)",
)
def post_adopt(request: HttpRequest, payload: AdoptIn) -> HttpStatus[AdoptOut]:
    body = access_recommendation_body(api_person(request), payload.body)
    partners = list(Body.objects.filter(ars__in=payload.partners))
    if len(partners) != len(set(payload.partners)):
        raise NotFound()
    alliance = services.recommendation_adopt(
        actor=api_user(request),
        body=body,
        task=task_by_slug(payload.task),
        partners=partners,
        name=payload.name,
    )
    return HttpStatus(
        201, AdoptOut(alliance=alliance.slug, name=alliance.name, url=alliance.get_absolute_url())
    )


# --- scenarios -------------------------------------------------------------------------------------------


@router.get(
    "/scenarios",
    response={200: Page[ScenarioItem], 401: ErrorOut},
    url_name="planning_scenarios",
    summary="Szenarien",
)
def list_scenarios(
    request: HttpRequest,
    task: str | None = None,
    state: str | None = Query(None, pattern=STATE_PATTERN),
    page: PageParams = Query(...),  # noqa: B008
) -> object:
    """Die Szenarien (nur für Beratungsstelle und Plattformbetrieb; sonst leer), neueste zuerst."""
    qs = visible_scenarios(api_person(request))
    if task:
        qs = qs.filter(task__slug=task)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs, page, convert=ScenarioItem.of)


@router.post(
    "/scenarios",
    response={201: ScenarioDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_scenario_create",
    summary="Szenario anlegen und rechnen",
)
def post_scenario(request: HttpRequest, payload: ScenarioIn) -> HttpStatus[ScenarioDetail]:
    """Legt ein Szenario an und rechnet es: kleine sofort (Antwort mit Ergebnis), große im Hintergrund
    (Antwort mit Status „wartet“; Fortschritt über `GET /scenarios/{id}`)."""
    principal = api_person(request)
    require(policies.plans(principal), _(policies.PLANNERS_ONLY))
    user = api_user(request)
    scenario = services.scenario_create(
        actor=user,
        task=task_by_slug(payload.task),
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
    scenario = services.scenario_start(actor=user, scenario=scenario, background=payload.background)
    return HttpStatus(201, ScenarioDetail.of(access_scenario(principal, scenario.pk)))


def _scenario(request: HttpRequest, scenario_id: ObjectId) -> Scenario:
    return access_scenario(api_person(request), scenario_id)


@router.get(
    "/scenarios/{scenario_id}",
    response={200: ScenarioDetail, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_detail",
    summary="Ein Szenario",
)
def get_scenario(request: HttpRequest, scenario_id: ObjectId) -> ScenarioDetail:
    return ScenarioDetail.of(_scenario(request, scenario_id))


@router.delete(
    "/scenarios/{scenario_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_delete",
    summary="Szenario löschen",
)
def delete_scenario(request: HttpRequest, scenario_id: ObjectId) -> HttpStatus[None]:
    scenario = access_scenario(api_person(request), scenario_id)
    services.scenario_delete(actor=api_user(request), scenario=scenario)
    return HttpStatus(204, None)


@router.get(
    "/scenarios/{scenario_id}/groups",
    response={200: Page[GroupOut], 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_groups",
    summary="Gruppen eines Szenarios",
)
def list_groups(
    request: HttpRequest,
    scenario_id: ObjectId,
    cooperating: bool = Query(True, description="nur Gruppen mit mindestens zwei Mitgliedern"),
    page: PageParams = Query(...),  # noqa: B008
) -> object:
    """Gruppen mit Gastgeber, Mitgliedern und Einsparung je Mitglied; drei Abfragen je Seite."""
    scenario = access_scenario(api_person(request), scenario_id)
    qs = scenario.groups.select_related("alliance").order_by("number")
    if cooperating:
        qs = qs.filter(size__gt=1)
    result = paginate(qs, page)
    result["items"] = [GroupOut.of(view) for view in group_views(result["items"])]
    return result


@router.get(
    "/scenarios/{scenario_id}/compare/{other_id}",
    response={200: CompareOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="planning_scenario_compare",
    summary="Zwei Szenarien vergleichen",
)
def compare_scenarios(request: HttpRequest, scenario_id: ObjectId, other_id: ObjectId) -> CompareOut:
    principal = api_person(request)
    return CompareOut.of(
        scenario_compare(access_scenario(principal, scenario_id), access_scenario(principal, other_id))
    )


@router.get(
    "/scenarios/{scenario_id}/status-quo",
    response={200: StatusQuoOut, 401: ErrorOut, 404: ErrorOut},
    url_name="planning_scenario_status_quo",
    summary="Vergleich mit den bestehenden Verbünden",
)
def status_quo(request: HttpRequest, scenario_id: ObjectId) -> StatusQuoOut:
    return StatusQuoOut.of(scenario_status_quo(access_scenario(api_person(request), scenario_id)))
