"""Every write of the planning part. Keyword-only, ``actor: Actor`` first, atomic, permission
checked (:mod:`verbund.planning.policies`), audited. One module per concern; import from here.

==============================  ===================================================================
``cost_model_update``           planners: a task's cost model for a Land (creates the Land's own row
                                from the default on first edit)
``cost_model_reset``            planners: drop a Land's own row (the default applies again)
``scenario_create``             planners: a scenario with its parameter snapshot, queued
``scenario_start``              planners: runs it now, or as a task on the queue after the commit
``scenario_run``                the run itself (solver, groups, statistics); also the task's body
``scenario_restart``            planners: run a failed or interrupted scenario again
``scenario_fail_interrupted``   running scenarios without a heartbeat for a while become "failed"
                                (the periodic task ``planning.fail_interrupted_runs``)
``scenario_delete``             planners
``recommendation_adopt``        planners and the body's staff: an alliance in status "Idee" with the
                                recommended partners (through the alliance services and their rules)
==============================  ===================================================================

Planners are the Beratungsstelle and Plattformbetrieb; system actors need ``planning.manage``
(:data:`verbund.planning.policies.MANAGE`). Refusals are those of :mod:`verbund.common.errors`
(Django's ``ValidationError`` from a rule maps to ``Invalid``).
"""

from ._common import RUN_ACTOR, member_shares
from .cost_models import cost_model_reset, cost_model_update
from .recommendations import TASK_FIELDS, recommendation_adopt
from .runs import (
    EAGER_MAX_BODIES,
    REFERENCE_MAX_BODIES,
    runs_in_background,
    scenario_fail_interrupted,
    scenario_run,
)
from .scenarios import scenario_create, scenario_delete, scenario_restart, scenario_start

__all__ = [
    "EAGER_MAX_BODIES",
    "REFERENCE_MAX_BODIES",
    "RUN_ACTOR",
    "TASK_FIELDS",
    "cost_model_reset",
    "cost_model_update",
    "member_shares",
    "recommendation_adopt",
    "runs_in_background",
    "scenario_create",
    "scenario_delete",
    "scenario_fail_interrupted",
    "scenario_restart",
    "scenario_run",
    "scenario_start",
]
