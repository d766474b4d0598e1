"""The planning part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`run_scenario` — one planning run on a worker, queued by
  :func:`verbund.planning.services.scenario_start` after the commit. Acknowledged only after it ran
  (``acks_late``): when the worker dies, the broker delivers it again and it takes over the run once
  the dead worker's heartbeat is old (:data:`~verbund.planning.services.runs.RECLAIM_AFTER`); while
  another worker's heartbeat is fresh it waits and tries again (shown as "Wiederholung" in the
  operator's queue view).
* :func:`fail_interrupted_runs` — every 30 s (``config/celery.py``, beat): runs without a heartbeat for
  ``PLANNING_RUN_INTERRUPTED_AFTER`` seconds become "fehlgeschlagen" with a German reason.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from .models import RunStatus
from .services import RUN_ACTOR, scenario_fail_interrupted, scenario_run
from .services.runs import RECLAIM_AFTER

#: Times a delivered run waits for a running one with a fresh heartbeat before it gives up.
MAX_WAITS = 6


@shared_task(
    bind=True,
    name="planning.run_scenario",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_WAITS,
)
def run_scenario(self: Any, scenario_id: int) -> str:
    """Run scenario ``scenario_id`` (queued, or running on a worker that died); returns its status."""
    scenario = scenario_run(
        actor=RUN_ACTOR,
        scenario_id=scenario_id,
        background=True,
        reclaim_after=RECLAIM_AFTER,
        pulse=not self.request.is_eager,  # no second connection inside the caller's transaction
    )
    if scenario.status == RunStatus.RUNNING and self.request.retries < MAX_WAITS:
        # Someone else's heartbeat is fresh: either another worker runs it (then this copy ends after
        # a few waits) or the worker just died (then this copy takes over once the heartbeat is old).
        raise self.retry(countdown=int(RECLAIM_AFTER.total_seconds()) + 1)
    return str(scenario.status)


@shared_task(name="planning.fail_interrupted_runs")
def fail_interrupted_runs() -> list[int]:
    """Mark runs whose worker stopped as failed (periodic, see ``config/celery.py``)."""
    return scenario_fail_interrupted(actor=RUN_ACTOR)
