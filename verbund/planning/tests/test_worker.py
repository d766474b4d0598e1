"""End to end with a real Celery worker on the machine's Redis (marker ``worker``; skipped only when
Redis cannot be reached). Web server, worker and scheduler run as subprocesses on a file database of
their own (``worker_stack.py``):

* a planning run started in the planner's browser (the form, through the web server) finishes after
  the web process was killed mid-run and a new one started — the run lives in the worker;
* a worker killed mid-run leaves the run marked failed with the German reason by the scheduler's
  periodic task within the bound (``PLANNING_RUN_INTERRUPTED_AFTER``, 15 s here, checked every
  30 s), or finished by another worker; either way it does not stay "läuft".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .worker_stack import Stack, file_database, log_in, redis_problem, start_exact_run

pytestmark = pytest.mark.worker

#: Seconds a run may take on a busy 2-core machine (the exact run of the 8 × 8 grid takes 20–60 s).
RUN_DEADLINE = 240


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    problem = redis_problem()
    if problem:
        pytest.skip(problem)
    with file_database(tmp_path) as url:
        stack = Stack(tmp_path, url, PLANNING_RUN_INTERRUPTED_AFTER="15")
        try:
            stack.manage("migrate", "--no-input")
            credentials = stack.manage(
                "shell", "-c", "from verbund.planning.tests.worker_world import build; build(8, 8)"
            )
            stack.credentials = credentials.strip().splitlines()[-1].split(":", 1)  # type: ignore[attr-defined]
            yield stack
        finally:
            stack.stop_all()


def test_a_run_started_in_the_browser_survives_a_restart_of_the_web_process(stack: Stack) -> None:
    username, password = stack.credentials  # type: ignore[attr-defined]
    web = stack.start_web("web")
    stack.start_worker("worker")
    session = log_in(web, username, password)
    pk = start_exact_run(session, web)

    # the worker picked it up, the web process did not run it
    stack.wait_for(lambda: stack.scenario(pk)["status"] == "running", 120, "the worker starts the run")
    stack.kill("web")
    assert stack.scenario(pk)["status"] == "running", stack.scenario(pk)

    web = stack.start_web("web-again")
    status = stack.wait_for(
        lambda: (
            (s := session.get(f"{web}/planung/szenarien/{pk}/status.json", timeout=30).json())["status"]
            in ("done", "failed")
            and s
        ),
        RUN_DEADLINE,
        "the run finishes after the web restart",
    )
    assert status["status"] == "done", status
    assert status["progress"] == 100
    groups = stack.query("SELECT COUNT(*) FROM planning_scenariogroup WHERE scenario_id = %s", pk)[0][0]
    assert groups > 0
    page = session.get(f"{web}/planung/szenarien/{pk}/", timeout=60)
    assert page.status_code == 200 and "Ende-zu-Ende" in page.text


def test_a_killed_worker_leaves_the_run_failed_with_a_german_reason_or_done(stack: Stack) -> None:
    username, password = stack.credentials  # type: ignore[attr-defined]
    web = stack.start_web("web")
    stack.start_beat()
    stack.start_worker("worker-1")
    pk = start_exact_run(log_in(web, username, password), web)
    stack.wait_for(lambda: stack.scenario(pk)["status"] == "running", 120, "the first worker starts the run")

    stack.kill("worker-1")  # with its pool: the run stops mid-way, its heartbeat ends
    stack.start_worker("worker-2")  # runs the scheduler's periodic check
    outcome = stack.wait_for(
        lambda: (s := stack.scenario(pk))["status"] in ("failed", "done") and s,
        RUN_DEADLINE,
        "the interrupted run is marked failed (or finished) within the bound",
    )
    if outcome["status"] == "failed":
        assert outcome["error"].startswith(
            "Der Rechenprozess wurde unterbrochen (seit über 15 Sekunden kein Lebenszeichen"
        ), outcome
        assert outcome["progress"] < 100
    # a failed run can be restarted from the page and then finishes on the living worker
    if outcome["status"] == "failed":
        session = log_in(web, username, password)
        restart = session.post(
            f"{web}/planung/szenarien/{pk}/neu-starten/",
            data={"csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
            headers={"Referer": f"{web}/planung/szenarien/{pk}/"},
            timeout=60,
            allow_redirects=False,
        )
        assert restart.status_code == 302, restart.text[:2000]
        stack.wait_for(
            lambda: stack.scenario(pk)["status"] == "done", RUN_DEADLINE, "the restarted run finishes"
        )
