"""The registry's background jobs: imports started on the operator's page (:mod:`verbund.registry.jobs`)."""

from __future__ import annotations

from celery import shared_task

from .jobs import registry_import_fail_interrupted, registry_import_job_run


@shared_task(name="registry.import_files", acks_late=True, reject_on_worker_lost=True)
def import_registry_files(job_id: int) -> str:
    """Import the files of job ``job_id``; returns its status ("" when another worker has it)."""
    job = registry_import_job_run(job_id=job_id)
    return "" if job is None else str(job.status)


@shared_task(name="registry.fail_interrupted_imports")
def fail_interrupted_imports() -> int:
    """Periodic (config/celery.py): imports whose worker died end as failed with a German reason."""
    return registry_import_fail_interrupted()
