"""The Celery application: background jobs of every part.

Tasks are declared in each part's ``tasks.py`` with ``@shared_task`` and found by
``autodiscover_tasks``. The broker is a directory in ``var/`` by default (kombu's filesystem
transport, no server needed: ``make run`` starts web, worker and scheduler together); set
``CELERY_BROKER_URL=redis://…`` or ``amqp://…`` to run any number of workers on other machines.
Results are kept in the database (django-celery-results), periodic tasks in the database too
(django-celery-beat, editable in the admin).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("verbund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks, declared in code (versioned with the tasks they call). The DatabaseScheduler writes
# them into django-celery-beat's tables when beat starts, where the admin shows them.
app.conf.beat_schedule = {
    # A planning run whose worker died is marked failed (German reason) and can be restarted.
    "planning-fail-interrupted-runs": {"task": "planning.fail_interrupted_runs", "schedule": 30.0},
    # Likewise a registry import started from the operator's page.
    "registry-fail-interrupted-imports": {"task": "registry.fail_interrupted_imports", "schedule": 60.0},
}
