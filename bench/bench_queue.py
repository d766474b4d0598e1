"""The latency the task queue adds to a planning run: the same small scenario (a heuristic plan of
16 Verbandsgemeinden on a grid, contiguous groups of at most 4) run in-process (``scenario_run``, as
in the request) and through a real Celery worker on the machine's Redis (``run_scenario`` queued,
the worker a subprocess on this benchmark's database), timed from the start to the finished
scenario in the database (polled every 10 ms). Medians of :data:`REPEAT` runs after one warm-up
each; the ratio and the absolute time the queue adds. Skipped (one line saying why) without Redis.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPEAT = 7


def _scenario(planner: Any) -> Any:
    from verbund.planning import services
    from verbund.shared_services.models import Task

    return services.scenario_create(
        actor=planner, task=Task.objects.get(slug="standesamt"), state="07", max_members=4, contiguous=True
    )


def run() -> Iterator[dict[str, Any]]:
    from django.contrib.auth import get_user_model

    from config.celery import app
    from verbund.planning import services, tasks
    from verbund.planning.models import RunStatus, Scenario
    from verbund.planning.tests.worker_stack import REDIS_URL, Stack, redis_problem
    from verbund.planning.tests.worker_world import PLANNER, build

    problem = redis_problem()
    if problem:
        yield {"metric": "skipped", "reason": problem}
        return
    build(4, 4)
    planner = get_user_model().objects.get(username=PLANNER)

    in_process = []
    for attempt in range(REPEAT + 1):
        scenario = _scenario(planner)
        started = time.perf_counter()
        done = services.scenario_run(actor=planner, scenario_id=scenario.pk, reference=True)
        if attempt:  # the first one warms up
            in_process.append(time.perf_counter() - started)
        assert done.status == RunStatus.DONE, done.error

    with tempfile.TemporaryDirectory(prefix="verbund-bench-queue-") as folder:
        stack = Stack(Path(folder), os.environ["DATABASE_URL"])
        app.conf.task_always_eager = False
        stack.start_worker("worker")
        # A connection of its own: this process was set up with the test settings (memory broker).
        connection = app.connection_for_write(stack.env["CELERY_BROKER_URL"])
        producer = app.amqp.Producer(connection)
        try:
            queued = []
            for attempt in range(REPEAT + 1):
                scenario = _scenario(planner)
                started = time.perf_counter()
                tasks.run_scenario.apply_async(args=[scenario.pk], queue=stack.queue, producer=producer)
                deadline = time.monotonic() + 180
                while Scenario.objects.filter(pk=scenario.pk, status=RunStatus.DONE).count() == 0:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the worker did not finish the run\n{stack.tail()}")
                    time.sleep(0.01)
                if attempt:  # the first one waits for the worker to start
                    queued.append(time.perf_counter() - started)
        finally:
            connection.release()
            stack.stop_all()

    local, remote = statistics.median(in_process), statistics.median(queued)
    common = {"bodies": 16, "repeat": REPEAT, "broker": REDIS_URL}
    yield {"metric": "planning_run_in_process_s", "value": round(local, 4), **common}
    yield {"metric": "planning_run_through_worker_s", "value": round(remote, 4), **common}
    yield {"metric": "queue_added_latency_s", "value": round(remote - local, 4), **common}
    yield {"metric": "queue_ratio", "value": round(remote / local, 2) if local else None, **common}
