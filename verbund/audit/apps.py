"""Append-only record of every change."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "verbund.audit"
    verbose_name = _("Protokoll")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)

        add_beat_schedule()


def add_beat_schedule() -> None:
    """The periodic tasks of this part, merged into the Celery app's ``beat_schedule``."""
    from celery import current_app
    from celery.schedules import crontab

    schedule = dict(current_app.conf.beat_schedule or {})
    # Exports older than KEEP_EXPORTS are deleted with their files; stuck jobs end as failed.
    schedule["audit.delete_old_exports"] = {
        "task": "audit.delete_old_exports",
        "schedule": crontab(minute=40),  # hourly
    }
    current_app.conf.beat_schedule = schedule
