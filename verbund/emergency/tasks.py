"""The emergency part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`write_due_reports` — periodic (beat, every ``EMERGENCY_REPORT_CHECK_MINUTES``, default 5):
  writes the situation report of each open event whose ``report_interval_minutes`` have passed
  since its last report (:func:`verbund.emergency.services.situation.write_due_reports`).
* :func:`write_packs` — periodic (beat, checked every ``EMERGENCY_REPORT_CHECK_MINUTES``): writes the
  offline PDF pack of each open event whose newest pack is older than ``EMERGENCY_PACK_MINUTES``
  (default 60; :func:`verbund.emergency.services.packs.write_due_packs`).

:func:`add_beat_schedule` adds the periodic entry to the Celery app's ``beat_schedule`` (called from
:class:`verbund.emergency.apps.EmergencyConfig`); django-celery-beat's database scheduler copies it
into its tables when the scheduler starts.
"""

from __future__ import annotations

from celery import shared_task

REPORTS_ENTRY = "emergency.write_due_reports"
PACKS_ENTRY = "emergency.write_packs"


def report_check_minutes() -> float:
    from django.conf import settings

    return float(getattr(settings, "EMERGENCY_REPORT_CHECK_MINUTES", 5))


@shared_task(name="emergency.write_due_reports", ignore_result=True)
def write_due_reports() -> list[int]:
    """Write the due situation reports; returns their ids."""
    from .services.situation import write_due_reports as run

    return [report.pk for report in run()]


@shared_task(name="emergency.write_packs", ignore_result=True)
def write_packs(now: str | None = None) -> list[str]:
    """Write the due offline packs (as of ``now``, an ISO time, default the present); returns their
    storage paths."""
    import datetime as dt

    from .services.packs import write_due_packs

    return write_due_packs(dt.datetime.fromisoformat(now) if now else None)


def add_beat_schedule() -> None:
    """Add :func:`write_due_reports` and :func:`write_packs` to the beat schedule (merged with the
    other parts' entries)."""
    from celery import current_app

    from .services.packs import pack_minutes

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[REPORTS_ENTRY] = {
        "task": "emergency.write_due_reports",
        "schedule": report_check_minutes() * 60.0,
    }
    # Checked as often as the reports, so a pack comes at most one check after its interval
    # (EMERGENCY_PACK_MINUTES, services.packs.pack_minutes) is over.
    schedule[PACKS_ENTRY] = {
        "task": "emergency.write_packs",
        "schedule": min(report_check_minutes(), pack_minutes()) * 60.0,
    }
    current_app.conf.beat_schedule = schedule
