"""Notifications: events that parts publish, delivered to an in-app inbox, e-mail and webhooks."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "verbund.notifications"
    verbose_name = "Benachrichtigungen"

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)

        add_beat_schedule()


def add_beat_schedule() -> None:
    """The periodic tasks of this part, added to the Celery app's ``beat_schedule`` (merged with what
    other parts put there); django-celery-beat's database scheduler stores them when it starts."""
    from celery import current_app
    from celery.schedules import crontab
    from django.conf import settings

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule["notifications.retry_due"] = {"task": "notifications.retry_due", "schedule": 60.0}
    schedule["notifications.send_digests"] = {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=0, hour=int(getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 7))),
    }
    current_app.conf.beat_schedule = schedule
