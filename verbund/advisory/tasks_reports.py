"""The advisory part's report job (Celery; imported by :class:`verbund.advisory.apps.AdvisoryConfig`).

* :func:`build_programme_report` — queued on commit by
  :func:`verbund.advisory.services.reports.report_request`: builds the PDF and the XLSX of one
  :class:`~verbund.advisory.models.ProgrammeReport` and notifies the person who asked for it.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="advisory.build_programme_report", ignore_result=True)
def build_programme_report(report_id: int) -> str | None:
    """Build the report ``report_id``; its status afterwards (``None``: the report is gone)."""
    from .services.reports import report_build

    report = report_build(report_id)
    return None if report is None else str(report.status)
