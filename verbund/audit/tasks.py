"""The audit log's background jobs: large CSV exports (:mod:`verbund.audit.exports`) and their
cleanup."""

from __future__ import annotations

from celery import shared_task

from .exports import audit_export_cleanup, audit_export_run


@shared_task(name="audit.run_export", acks_late=True, reject_on_worker_lost=True)
def run_audit_export(job_id: int) -> str:
    """Write the file of export ``job_id``; returns its status ("" when it was not queued)."""
    job = audit_export_run(job_id=job_id)
    return "" if job is None else str(job.status)


@shared_task(name="audit.delete_old_exports")
def delete_old_exports() -> int:
    """Delete exports older than a week with their files (hourly, from the beat schedule)."""
    return audit_export_cleanup()
