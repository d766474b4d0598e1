"""Prometheus metrics at ``/metrics`` (text format).

**Requests** are counted by this process as they happen (:func:`observe_request`, called by the
request middleware): ``verbund_http_requests_total{view,method,status}`` and the latency histogram
``verbund_http_request_duration_seconds{view,method}``. ``view`` is the resolver's view name
(``alliances:detail``), never the raw path, so the number of series stays bounded; paths that
resolve to nothing count as ``<unresolved>``. Several gunicorn workers: set
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, docs/operations.md), else each
scrape sees the counters of the one worker that answered it.

**The queue and its tasks** are computed when Prometheus scrapes, from the broker and from the result
store in the database, so that they are right whichever process or machine runs the workers:

- ``verbund_queue_length{queue}``: messages waiting in the broker; ``verbund_queue_broker_up`` 1/0;
- ``verbund_task_results{state}``: rows of django-celery-results by state (PENDING, STARTED,
  SUCCESS, FAILURE, RETRY, REVOKED) — all rows the result store keeps;
- ``verbund_tasks_finished{task,state}`` and ``verbund_task_duration_seconds{task,quantile}``
  (quantile 0.5, 0.95 and 1 = the longest): the tasks finished in the last
  :data:`TASK_WINDOW_MINUTES` minutes, their duration from ``date_started`` (else ``date_created``)
  to ``date_done``.

Why not a histogram observed in the worker: the worker is another process, often on another machine;
prometheus_client's multiprocess mode covers processes of one machine only, and a metrics port per
worker is one more thing to open and scrape. The result store already holds start and end of every
task (``CELERY_RESULT_EXTENDED``, ``CELERY_TASK_TRACK_STARTED``), so one indexed query per scrape
gives the same figures for any number of workers anywhere. Because rows expire, these are gauges over
a window, not ever-growing counters.

**Access**: from the addresses in ``METRICS_ALLOWED_ADDRESSES`` (default 127.0.0.1 and ::1) when the
request did not come through a proxy (no ``X-Forwarded-For``/``Forwarded``/``X-Real-IP`` header),
or from anywhere with ``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
import statistics
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from . import broker

logger = logging.getLogger(__name__)

#: Views that answer probes and scrapes: counted, but not written to the access log.
QUIET_VIEWS = frozenset({"operations:healthz", "operations:readyz", "operations:metrics"})

#: Minutes of finished tasks that the task gauges look back on.
TASK_WINDOW_MINUTES = 15
#: At most this many finished tasks are read per scrape (the newest).
TASK_SAMPLE_LIMIT = 5000

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "verbund_http_requests",
    "HTTP requests answered, by view name, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "verbund_http_request_duration_seconds",
    "Time from the first middleware until the response, by view name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view, method=method).observe(seconds)


# --- computed at scrape time --------------------------------------------------------------------


def _quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ascending values."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


class QueueCollector(Collector):
    """The broker's queue lengths and the result store's tasks, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        from django.db import DatabaseError

        yield from self._queue()
        try:
            families = list(self._tasks())
        except DatabaseError as exc:
            logger.warning("Metriken: Datenbank nicht erreichbar (%s)", type(exc).__name__)
            families = []
        yield from families

    def _queue(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("verbund_queue_broker_up", "1 if the queue's broker answered this scrape.")
        length = GaugeMetricFamily(
            "verbund_queue_length", "Jobs waiting in the broker, by queue.", labels=["queue"]
        )
        try:
            lengths = broker.queue_lengths()
        except Exception as exc:
            logger.warning("Metriken: Broker nicht erreichbar (%s)", type(exc).__name__)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for name, count in sorted(lengths.items()):
                length.add_metric([name], count)
        yield up
        yield length

    def _tasks(self) -> Iterator[Metric]:
        from django.db.models import Count
        from django.db.models.functions import Coalesce
        from django_celery_results.models import TaskResult

        results = GaugeMetricFamily(
            "verbund_task_results", "Task results kept in the database, by state.", labels=["state"]
        )
        for state, count in (
            TaskResult.objects.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        ):
            results.add_metric([state], count)
        yield results

        since = timezone.now() - dt.timedelta(minutes=TASK_WINDOW_MINUTES)
        rows = (
            TaskResult.objects.filter(date_done__gte=since)
            .annotate(began=Coalesce("date_started", "date_created"))
            .order_by("-date_done")
            .values_list("task_name", "status", "began", "date_done")[:TASK_SAMPLE_LIMIT]
        )
        finished: dict[tuple[str, str], int] = defaultdict(int)
        durations: dict[str, list[float]] = defaultdict(list)
        for task_name, status, began, done in rows:
            name = task_name or "<unknown>"
            finished[(name, status)] += 1
            if began is not None and done is not None:
                durations[name].append(max(0.0, (done - began).total_seconds()))
        window = f"in the last {TASK_WINDOW_MINUTES} minutes"
        finished_family = GaugeMetricFamily(
            "verbund_tasks_finished", f"Tasks finished {window}, by task and state.", labels=["task", "state"]
        )
        for (name, status), count in sorted(finished.items()):
            finished_family.add_metric([name, status], count)
        yield finished_family
        duration_family = GaugeMetricFamily(
            "verbund_task_duration_seconds",
            f"Duration of the tasks finished {window} (start to end), by task; quantile 1 is the longest.",
            labels=["task", "quantile"],
        )
        mean_family = GaugeMetricFamily(
            "verbund_task_duration_mean_seconds",
            f"Mean duration of the tasks finished {window}.",
            labels=["task"],
        )
        for name, values in sorted(durations.items()):
            values.sort()
            for q in ("0.5", "0.95", "1"):
                duration_family.add_metric([name, q], _quantile(values, float(q)))
            mean_family.add_metric([name], statistics.fmean(values))
        yield duration_family
        yield mean_family


# --- the view ------------------------------------------------------------------------------------

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in settings.METRICS_ALLOWED_ADDRESSES:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.warning("METRICS_ALLOWED_ADDRESSES: %r ist keine Adresse und wird übergangen", entry)
    return networks


def may_scrape(request: HttpRequest) -> bool:
    """A valid bearer token, or a direct request (not through a proxy) from an allowed address."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())
    if any(request.META.get(name) for name in PROXY_HEADERS):
        # behind the proxy REMOTE_ADDR is the proxy's own address: only the token opens /metrics
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(QueueCollector())
    return counted + generate_latest(scraped)


@csrf_exempt
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponse(
            "Kein Zugriff auf die Metriken (Adresse nicht freigegeben oder Token falsch).\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
