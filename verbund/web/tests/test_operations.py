"""Operations (issue 10, item 6): ``/healthz`` and ``/readyz``, the request id in the response, the
logs and the tasks, and the Prometheus metrics at ``/metrics`` with their access rule."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.utils import timezone
from django_celery_results.models import TaskResult
from kombu.exceptions import OperationalError

from verbund.web.operations import broker, celery_signals, context, health, metrics
from verbund.web.operations.logs import JsonFormatter, RequestContextFilter, with_request_context

# --- /healthz and /readyz ---------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": {"status": "ok"}}}
    assert "no-store" in response["Cache-Control"]


def test_probes_answer_any_host_name_and_need_no_login(client, db, settings) -> None:
    # an orchestrator calls the pod by its address, which is not among ALLOWED_HOSTS
    settings.ALLOWED_HOSTS = ["verbund.example.org"]
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path, HTTP_HOST="10.0.0.7:8000")
        assert response.status_code == 200, path
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_checks_database_queue_and_storage(client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    # the probe file is gone again
    assert (
        not default_storage.exists(health.PROBE_FOLDER)
        or default_storage.listdir(health.PROBE_FOLDER)[1] == []
    )


@pytest.mark.django_db
def test_readyz_fails_with_503_and_names_no_secret(client, monkeypatch) -> None:
    secret = "redis://:geheimes-passwort@broker.intern:6379/1"

    def unreachable() -> None:
        raise ConnectionRefusedError(f"Error 111 connecting to {secret}")

    monkeypatch.setattr(health, "CHECKS", {**health.CHECKS, "queue": unreachable})
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["queue"] == {"status": "fail", "error": "ConnectionRefusedError"}
    assert body["checks"]["database"]["status"] == "ok"
    assert "geheim" not in response.content.decode() and "broker.intern" not in response.content.decode()


def test_filesystem_broker_is_ready_only_with_writable_folders(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "queue"
    monkeypatch.setattr(broker, "broker_url", lambda: "filesystem://")
    monkeypatch.setattr(broker, "filesystem_folders", lambda: [str(folder)])
    with pytest.raises(PermissionError):
        broker.check()
    folder.mkdir()
    broker.check()


def test_an_unreachable_broker_fails_fast(monkeypatch) -> None:
    app = broker.celery_app()
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    with pytest.raises(OperationalError):
        broker.check()


# --- request id and logs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234.abc")
    assert kept["X-Request-ID"] == "proxy-1234.abc"

    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="böse\nzeile")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])

    fresh = client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])


@pytest.mark.django_db
def test_every_request_writes_one_access_line_with_its_id(client, caplog) -> None:
    from verbund.accounts.tests.factories import UserFactory

    user = UserFactory.create()
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="verbund.request"):
        response = client.get("/verbuende/?q=geheimer+suchbegriff", HTTP_X_REQUEST_ID="abc-123")

    lines = [r for r in caplog.records if r.name == "verbund.request"]
    assert len(lines) == 1
    record = lines[0]
    assert record.request_id == "abc-123"
    assert record.status == response.status_code
    assert record.path == "/verbuende/"
    assert record.user_id == user.pk
    assert record.view == "alliances:directory"

    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123" and line["method"] == "GET" and line["path"] == "/verbuende/"
    assert line["status"] == response.status_code and line["user_id"] == user.pk
    assert isinstance(line["duration_ms"], float)
    assert {"timestamp", "level", "logger", "message"} <= set(line)
    # no personal data beyond the id: no user name, no query string
    text = json.dumps(line)
    assert user.username not in text and "suchbegriff" not in text


def test_other_log_lines_carry_the_current_request_id() -> None:
    record = logging.LogRecord("verbund.x", logging.INFO, __file__, 1, "Hallo %s", ("Welt",), None)
    token = context.activate(context.RequestContext(request_id="r-42", method="POST", path="/a/"))
    try:
        RequestContextFilter().filter(record)
    finally:
        context.restore(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Hallo Welt"
    assert line["request_id"] == "r-42" and line["method"] == "POST" and line["path"] == "/a/"

    outside = logging.LogRecord("verbund.x", logging.INFO, __file__, 1, "x", (), None)
    RequestContextFilter().filter(outside)
    assert getattr(outside, "request_id", None) == "-"


def test_log_format_setting() -> None:
    console = {"class": "logging.StreamHandler"}
    base: dict[str, Any] = {"version": 1, "handlers": {"console": console}, "root": {}}
    config = with_request_context(base, log_format="json")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["handlers"]["console"]["filters"] == ["request_context"]
    assert "filters" not in base["handlers"]["console"]  # the settings' dictionary is not changed
    with pytest.raises(ImproperlyConfigured):
        with_request_context(base, log_format="xml")


def test_tasks_carry_the_request_id_that_enqueued_them() -> None:
    headers: dict[str, Any] = {}
    token = context.activate(context.RequestContext(request_id="req-7"))
    try:
        celery_signals._before_publish(headers=headers)
    finally:
        context.restore(token)
    assert headers == {celery_signals.HEADER: "req-7"}

    # in the worker: the header becomes the current request id while the task runs
    task = SimpleNamespace(name="planning.run", request=SimpleNamespace(is_eager=False, headers=headers))
    celery_signals._prerun(task_id="t-1", task=task)
    try:
        assert context.current() == context.RequestContext(request_id="req-7", task="planning.run")
    finally:
        celery_signals._postrun(task_id="t-1")
    assert context.current() is None

    # enqueued outside a request (beat): the task id
    beat = SimpleNamespace(name="x", request=SimpleNamespace(is_eager=False, headers={}))
    celery_signals._prerun(task_id="t-2", task=beat)
    assert context.current_request_id() == "t-2"
    celery_signals._postrun(task_id="t-2")


# --- /metrics -------------------------------------------------------------------------------------------


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db
def test_metrics_count_requests_by_view_name_not_path(client) -> None:
    before = client.get("/metrics").content.decode()
    client.get("/")
    client.get("/gibt-es-nicht/12345/")
    after = client.get("/metrics")

    assert after.status_code == 200
    assert after["Content-Type"].startswith("text/plain")
    text = after.content.decode()
    for view, status in (("web:home", "200"), ("<unresolved>", "404")):
        labels = {"view": view, "method": "GET", "status": status}
        old = _sample(before, "verbund_http_requests_total", **labels) or 0
        assert _sample(text, "verbund_http_requests_total", **labels) == old + 1
    assert _sample(text, "verbund_http_request_duration_seconds_count", view="web:home", method="GET")
    assert "gibt-es-nicht" not in text


@pytest.mark.django_db
def test_metrics_show_queue_length_and_task_durations(client) -> None:
    now = timezone.now()
    # date_done is set by the model (auto_now) when the row is saved: now, give or take a moment
    for seconds, status in ((2, "SUCCESS"), (4, "SUCCESS"), (30, "FAILURE")):
        TaskResult.objects.create(
            task_id=f"t-{seconds}",
            task_name="planning.run_scenario",
            status=status,
            date_started=now - dt.timedelta(seconds=seconds),
            date_done=now,
        )
    TaskResult.objects.create(task_id="old", task_name="planning.run_scenario", status="SUCCESS")
    TaskResult.objects.filter(task_id="old").update(date_done=now - dt.timedelta(hours=3))
    with broker.connection() as conn:
        queue = conn.SimpleQueue("celery")
        queue.put({"wartet": 1})
        queue.put({"wartet": 2})
        try:
            text = client.get("/metrics").content.decode()
        finally:
            queue.clear()
            queue.close()

    assert _sample(text, "verbund_queue_broker_up") == 1
    assert _sample(text, "verbund_queue_length", queue="celery") == 2
    assert _sample(text, "verbund_task_results", state="SUCCESS") == 3
    assert _sample(text, "verbund_task_results", state="FAILURE") == 1
    task = "planning.run_scenario"
    assert _sample(text, "verbund_tasks_finished", task=task, state="SUCCESS") == 2  # not the old one
    assert _sample(text, "verbund_tasks_finished", task=task, state="FAILURE") == 1
    assert _sample(text, "verbund_task_duration_seconds", task=task, quantile="0.5") == pytest.approx(
        4, abs=1
    )
    assert _sample(text, "verbund_task_duration_seconds", task=task, quantile="1") == pytest.approx(30, abs=1)
    assert _sample(text, "verbund_task_duration_mean_seconds", task=task) == pytest.approx(12, abs=1)


@pytest.mark.django_db
def test_metrics_only_for_allowed_addresses_or_the_token(client, settings) -> None:
    settings.METRICS_TOKEN = "s3cr3t-token"
    settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.1", "::1", "10.1.0.0/16"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 403
    # through the proxy REMOTE_ADDR is the proxy's own: only the token counts
    assert (
        client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 403
    )
    token = {"HTTP_AUTHORIZATION": "Bearer s3cr3t-token"}
    assert (
        client.get("/metrics", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="x", **token).status_code == 200
    )
    wrong = {"HTTP_AUTHORIZATION": "Bearer falsch"}
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **wrong).status_code == 403

    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10", **token).status_code == 403
    assert client.post("/metrics").status_code == 405


def test_quantile_is_nearest_rank() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert metrics._quantile(values, 0.5) == 2.0
    assert metrics._quantile(values, 0.95) == 4.0
    assert metrics._quantile(values, 1) == 4.0
    assert metrics._quantile([], 0.5) == 0.0
