"""Solvers of the planning part, pure (NumPy/SciPy, no Django), one module per concern.

* :mod:`.recommend` — :func:`recommend`: the best partner groups of 2 to k members for one body, with
  German reasons (:mod:`.explain`).
* :mod:`.heuristic` — :func:`plan_heuristic`: a Land-wide partition into groups that maximises the
  total saving, fast: greedy merging along the edges of a candidate graph (:mod:`.state`) by the best
  gain, then local search (moving one body to a neighbouring group or out on its own, swapping two
  bodies), repeated until nothing improves; ejection chains that dissolve small groups; and small
  windows re-optimised exactly (:mod:`.windows`). Every step keeps every group feasible, so the
  result is never infeasible.
* :mod:`.exact` — :func:`plan_exact`: the exact reference for small regions: every feasible group is
  enumerated (connected subgraphs within the limits, each exactly once: the ESU algorithm of
  Wernicke, 2006), and the set-partitioning problem is solved with HiGHS through
  ``scipy.optimize.milp``. A body alone saves nothing, so the partition problem is a packing problem
  ("each body in at most one group") over the groups that save something, which is much smaller and
  has the same optimum.
* :mod:`.core` — :class:`Constraints` (maximum members, maximum population, maximum distance of every
  member to the host, contiguous groups, staying within a Kreis, and fixed groups: existing
  alliances kept as they are, exempt from the other limits), feasibility checks, :class:`PlanResult`.

``from verbund.planning.solvers import X`` keeps working for every public name.
"""

from .core import (
    EPS,
    EXACT_MAX_GROUPS,
    EXACT_MIP_GAP,
    EXACT_TIME_LIMIT,
    NEAREST_CANDIDATES,
    STORED_MESSAGES,
    WINDOW_BUDGET_BASE,
    WINDOW_BUDGET_PER_BODY,
    WINDOW_SIZE,
    WINDOW_TIME_LIMIT,
    Constraints,
    ExactTooLarge,
    PlanningError,
    PlanResult,
    Progress,
    group_problems,
    is_connected,
    plan_problems,
)
from .exact import enumerate_groups, group_costs, plan_exact
from .explain import KREISANGEHOERIG, explain
from .heuristic import plan_heuristic
from .recommend import Recommendation, recommend
from .state import candidate_edges

__all__ = [
    "EPS",
    "EXACT_MAX_GROUPS",
    "EXACT_MIP_GAP",
    "EXACT_TIME_LIMIT",
    "KREISANGEHOERIG",
    "NEAREST_CANDIDATES",
    "STORED_MESSAGES",
    "WINDOW_BUDGET_BASE",
    "WINDOW_BUDGET_PER_BODY",
    "WINDOW_SIZE",
    "WINDOW_TIME_LIMIT",
    "Constraints",
    "ExactTooLarge",
    "PlanResult",
    "PlanningError",
    "Progress",
    "Recommendation",
    "candidate_edges",
    "enumerate_groups",
    "explain",
    "group_costs",
    "group_problems",
    "is_connected",
    "plan_exact",
    "plan_heuristic",
    "plan_problems",
    "recommend",
]
