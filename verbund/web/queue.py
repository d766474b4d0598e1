"""The operator's view of the task queue (``/betrieb/warteschlange/``, Plattformbetrieb only).

What waits: the number of messages in each queue of the broker, where the transport tells
(``filesystem://``: the message files in the queue folder; Redis and RabbitMQ: a passive queue
declaration with a short timeout). What runs, failed or is retried: django-celery-results'
``TaskResult`` rows that the workers write (``CELERY_TASK_TRACK_STARTED``: a started task is
recorded before it ends). Task names are shown with German labels where a part declared one.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_results.models import TaskResult

from verbund.common.principal import principal_of

#: German labels of the tasks (by Celery task name); unknown tasks are shown by their name.
TASK_LABELS: dict[str, Any] = {
    "planning.run_scenario": gettext_lazy("Planungslauf"),
    "planning.fail_interrupted_runs": gettext_lazy("Unterbrochene Planungsläufe prüfen"),
    "registry.import_files": gettext_lazy("Registerimport"),
}
#: German labels of the task states.
STATE_LABELS: dict[str, Any] = {
    "PENDING": gettext_lazy("wartet"),
    "RECEIVED": gettext_lazy("angenommen"),
    "STARTED": gettext_lazy("läuft"),
    "SUCCESS": gettext_lazy("erledigt"),
    "FAILURE": gettext_lazy("fehlgeschlagen"),
    "RETRY": gettext_lazy("wird wiederholt"),
    "REVOKED": gettext_lazy("abgebrochen"),
}
#: Rows per list on the page.
ROWS = 50
#: Seconds the page waits for the broker.
BROKER_TIMEOUT = 2.0
#: "Failed" and "done" lists look back this far.
RECENT = dt.timedelta(days=7)


def register_task_label(name: str, label: Any) -> None:
    """Let a part name its task in German on this page (call it in ``AppConfig.ready()``)."""
    TASK_LABELS[name] = label


@dataclass(frozen=True)
class Waiting:
    """Messages waiting in the broker: per queue, or why it is not known."""

    transport: str
    queues: dict[str, int]
    problem: str = ""

    @property
    def total(self) -> int:
        return sum(self.queues.values())


def _app() -> Any:
    from config.celery import app

    return app


def _transport_label(url: str) -> str:
    scheme = url.split("://", 1)[0].lower()
    return {
        "filesystem": _("Dateisystem (ein Rechner, ohne Server)"),
        "redis": "Redis",
        "rediss": "Redis (TLS)",
        "amqp": "RabbitMQ (AMQP)",
        "pyamqp": "RabbitMQ (AMQP)",
        "memory": _("Arbeitsspeicher (Tests)"),
    }.get(scheme, scheme)


def queue_names() -> list[str]:
    app = _app()
    return sorted(set(app.amqp.queues.keys()) | {app.conf.task_default_queue or "celery"})


def waiting() -> Waiting:
    """The messages waiting in each queue of the broker, or the reason they are unknown."""
    app = _app()
    url = str(app.conf.broker_url or "")
    transport = _transport_label(url)
    names = queue_names()
    if url.startswith("filesystem://"):
        folder = (app.conf.broker_transport_options or {}).get("data_folder_in")
        if not folder or not os.path.isdir(folder):
            return Waiting(transport, {}, _("Der Ordner der Warteschlange fehlt."))
        files = os.listdir(folder)
        return Waiting(
            transport, {name: sum(1 for f in files if f.endswith(f".{name}.msg")) for name in names}
        )
    options = dict(app.conf.broker_transport_options or {})
    if url.startswith(("redis://", "rediss://")):
        options.setdefault("socket_connect_timeout", BROKER_TIMEOUT)
        options.setdefault("socket_timeout", BROKER_TIMEOUT)
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)
            queues = {}
            for name in names:
                try:
                    with conn.channel() as channel:
                        queues[name] = int(channel.queue_declare(queue=name, passive=True).message_count)
                except Exception:  # a queue nobody declared yet holds nothing
                    queues[name] = 0
            return Waiting(transport, queues)
    except Exception as exc:
        return Waiting(
            transport,
            {},
            _("Der Broker ist nicht erreichbar (%(error)s).") % {"error": exc.__class__.__name__},
        )


def _rows(queryset: Any) -> list[dict[str, Any]]:
    rows = []
    for result in queryset[:ROWS]:
        rows.append(
            {
                "id": result.task_id,
                "task": TASK_LABELS.get(result.task_name or "", result.task_name or _("unbekannt")),
                "name": result.task_name or "",
                "state": STATE_LABELS.get(result.status, result.status),
                "args": result.task_args or "",
                "worker": result.worker or "",
                "created": result.date_created,
                "done": result.date_done,
                "error": (result.traceback or "").strip().splitlines()[-1:] or [""],
            }
        )
    return rows


def queue_overview() -> dict[str, Any]:
    since = timezone.now() - RECENT
    results = TaskResult.objects.order_by("-date_created")
    counts = dict(
        TaskResult.objects.filter(date_created__gte=since)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "waiting": waiting(),
        "running": _rows(results.filter(status__in=["STARTED", "RECEIVED"])),
        "retrying": _rows(results.filter(status="RETRY")),
        "failed": _rows(results.filter(status="FAILURE", date_created__gte=since)),
        "done": _rows(results.filter(status="SUCCESS", date_created__gte=since))[:10],
        "counts": {STATE_LABELS.get(status, status): n for status, n in sorted(counts.items())},
    }


def queue_view(request: HttpRequest) -> HttpResponse:
    """The queue: waiting, running, retried and failed tasks (Plattformbetrieb only; others 404)."""
    if not principal_of(request).is_operator:
        raise Http404(_("Nicht gefunden."))
    return render(request, "web/queue.html", {"nav": "queue", **queue_overview()})
