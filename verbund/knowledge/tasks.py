"""The knowledge part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`retrain_router` — queued on commit after each staff correction of a routed request
  (:func:`verbund.knowledge.services.routing.correct`): rebuilds the router of the worker from the
  catalogue and all corrections and records a :class:`~verbund.knowledge.models.RouterEvaluation`
  on the held-out requests (when the Munich catalogue is loaded), which the algorithm register
  shows. Web processes learn the correction themselves with their next request (version stamp).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="knowledge.retrain_router", ignore_result=True)
def retrain_router() -> int | None:
    """Rebuild and measure the router; the id of the recorded evaluation (``None``: not measured)."""
    from .services.routing import retrain

    evaluation = retrain()
    return evaluation.pk if evaluation is not None else None
