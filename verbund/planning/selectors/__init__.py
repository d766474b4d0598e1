"""Reads of the planning part, one module per concern; ``from verbund.planning.selectors import X``
works for every public name.

* :mod:`.costs` — the cost model in force for a task and Land, its snapshot, access to it.
* :mod:`.problem` — the registry becomes a pure :class:`~verbund.planning.model.Instance` (two
  queries: the bodies holding the task, and the neighbour links among them); existing alliances as
  fixed groups; everything after that is pure computation.
* :mod:`.results` — scenarios: access (404 for what a principal may not see), groups, map,
  comparison, status quo.
* :mod:`.recommendations` — partner recommendations for one body.
* :mod:`.describe` — a plan's parameters as German text (numbers, Länder, Kreise, kinds by name).
"""

from .costs import (
    COST_FIELDS,
    HOLDER_KIND_CHOICES,
    access_cost_model,
    cost_model_snapshot,
    cost_models_for_state,
    cost_parameters,
    effective_cost_model,
    task_by_slug,
)
from .describe import (
    constraints_text,
    cost_model_text,
    kinds_text,
    kreise_names,
    region_text,
    scenario_description,
)
from .problem import (
    BODY_FIELDS,
    BodyRow,
    ExistingAlliance,
    Problem,
    alliance_names_of,
    build_problem,
    constraints_from,
    existing_alliances,
    fixed_groups,
    holders,
    scenario_problem,
)
from .recommendations import (
    Cooperation,
    Recommendations,
    RecommendationView,
    access_recommendation_body,
    body_recommendations,
    holds_task,
    own_bodies,
    tasks_of_body,
)
from .results import (
    PALETTE,
    Comparison,
    GroupView,
    MovedBody,
    StatusQuo,
    StatusQuoRow,
    access_scenario,
    bodies_by_id,
    group_views,
    scenario_compare,
    scenario_map_features,
    scenario_status_quo,
    visible_scenarios,
)

__all__ = [
    "BODY_FIELDS",
    "COST_FIELDS",
    "HOLDER_KIND_CHOICES",
    "PALETTE",
    "BodyRow",
    "Comparison",
    "Cooperation",
    "ExistingAlliance",
    "GroupView",
    "MovedBody",
    "Problem",
    "RecommendationView",
    "Recommendations",
    "StatusQuo",
    "StatusQuoRow",
    "access_cost_model",
    "access_recommendation_body",
    "access_scenario",
    "alliance_names_of",
    "bodies_by_id",
    "body_recommendations",
    "build_problem",
    "constraints_from",
    "constraints_text",
    "cost_model_snapshot",
    "cost_model_text",
    "cost_models_for_state",
    "cost_parameters",
    "effective_cost_model",
    "existing_alliances",
    "fixed_groups",
    "group_views",
    "holders",
    "holds_task",
    "kinds_text",
    "kreise_names",
    "own_bodies",
    "region_text",
    "scenario_compare",
    "scenario_description",
    "scenario_map_features",
    "scenario_problem",
    "scenario_status_quo",
    "task_by_slug",
    "tasks_of_body",
    "visible_scenarios",
]
