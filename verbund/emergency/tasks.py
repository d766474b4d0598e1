"""The emergency part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`write_due_reports` — periodic (beat, every ``EMERGENCY_REPORT_CHECK_MINUTES``, default 5):
  writes the situation report of each open event whose ``report_interval_minutes`` have passed
  since its last report (:func:`verbund.emergency.services.situation.write_due_reports`).

:func:`add_beat_schedule` adds the periodic entry to the Celery app's ``beat_schedule`` (called from
:class:`verbund.emergency.apps.EmergencyConfig`); django-celery-beat's database scheduler copies it
into its tables when the scheduler starts.
"""

from __future__ import annotations

from celery import shared_task

REPORTS_ENTRY = "emergency.write_due_reports"


def report_check_minutes() -> float:
    from django.conf import settings

    return float(getattr(settings, "EMERGENCY_REPORT_CHECK_MINUTES", 5))


@shared_task(name="emergency.write_due_reports", ignore_result=True)
def write_due_reports() -> list[int]:
    """Write the due situation reports; returns their ids."""
    from .services.situation import write_due_reports as run

    return [report.pk for report in run()]


def add_beat_schedule() -> None:
    """Add :func:`write_due_reports` to the beat schedule (merged with the other parts' entries)."""
    from celery import current_app

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[REPORTS_ENTRY] = {
        "task": "emergency.write_due_reports",
        "schedule": report_check_minutes() * 60.0,
    }
    current_app.conf.beat_schedule = schedule
