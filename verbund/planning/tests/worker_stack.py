"""A real Verbund on a real queue, as subprocesses, for the end-to-end tests (``test_worker.py``)
and the queue bench: a file database (a fresh SQLite file, or a fresh PostgreSQL database next to
the one ``DATABASE_URL`` names) migrated and filled by ``manage.py``, a Redis broker with a queue
name of its own (so that parallel runs on one Redis do not collide), and web server, worker and
scheduler started and killed at will (each in its own process group: killing one kills its pool
children too)."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("VERBUND_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_problem() -> str:
    """Why the machine's Redis cannot be used ("" when it answers)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} is unreachable ({exc.__class__.__name__}: {exc})"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """Environment, database and processes of one end-to-end run."""

    def __init__(self, folder: Path, database_url: str, **extra_env: str) -> None:
        self.folder = folder
        self.database_url = database_url
        self.queue = f"verbund-test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": f"{REDIS_URL}/{random.randint(1, 15)}",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(folder / "media"),
            "VERBUND_DEMO": "0",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    # --- commands -------------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(command),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_web(self, name: str = "web") -> str:
        port = free_port()
        self.start(name, sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload")
        url = f"http://127.0.0.1:{port}"
        self.wait_for(lambda: _answers(url), 120, f"{name} answers on {url}")
        return url

    def start_worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        celery = str(Path(sys.executable).with_name("celery"))
        return self.start(
            name,
            celery, "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1",
            "--hostname", f"{name}-{self.queue}@%h", "--without-gossip", "--without-mingle",
        )  # fmt: skip

    def start_beat(self) -> subprocess.Popen[bytes]:
        celery = str(Path(sys.executable).with_name("celery"))
        return self.start("beat", celery, "-A", "config", "beat", "--loglevel", "INFO")

    def kill(self, name: str) -> None:
        """SIGKILL the process and its children (its process group): a crash, not a shutdown."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def tail(self, lines: int = 40) -> str:
        out = []
        for name, log in self.logs.items():
            text = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            out.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(out)

    # --- reading the database directly (the web server may be dead) -------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.database_url.startswith("sqlite:///"):
            path = self.database_url.removeprefix("sqlite:///")
            with sqlite3.connect(path, timeout=60) as conn:
                return list(conn.execute(sql.replace("%s", "?"), params).fetchall())
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return list(conn.execute(sql, params).fetchall())

    def scenario(self, pk: int) -> dict[str, Any]:
        rows = self.query("SELECT status, progress, error FROM planning_scenario WHERE id = %s", pk)
        status, progress, error = rows[0]
        return {"status": status, "progress": progress, "error": error}

    def wait_for(self, condition: Any, seconds: float, what: str) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {seconds:.0f} s: {what}\n{self.tail()}")
            time.sleep(0.5)


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url + "/konto/anmelden/", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def file_database(folder: Path) -> Iterator[str]:
    """A database URL the subprocesses and this process share, empty before and removed after."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        server, _, database = base.rpartition("/")
        name = f"{database}_e2e_{uuid.uuid4().hex[:8]}"[:63]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{server}/{name}"
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    yield f"sqlite:///{folder / 'verbund.sqlite3'}"


def log_in(base_url: str, username: str, password: str) -> Any:
    """A requests session logged in through the login form."""
    import requests

    session = requests.Session()
    session.get(base_url + "/konto/anmelden/", timeout=30)
    response = session.post(
        base_url + "/konto/anmelden/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={"Referer": base_url + "/konto/anmelden/"},
        timeout=60,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise AssertionError(f"login failed: {response.status_code}\n{response.text[:2000]}")
    return session


def start_exact_run(session: Any, base_url: str, *, max_members: int = 5) -> int:
    """Create an exact scenario through the form (the planner's browser does the same); its id."""
    form = session.get(base_url + "/planung/szenarien/neu/?state=07", timeout=60)
    assert form.status_code == 200, form.text[:2000]
    response = session.post(
        base_url + "/planung/szenarien/neu/",
        data={
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            "task": "standesamt",
            "state": "07",
            "solver": "exact",
            "max_members": str(max_members),
            "contiguous": "on",
            "name": "Ende-zu-Ende",
        },
        headers={"Referer": base_url + "/planung/szenarien/neu/"},
        timeout=120,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:3000]
    match = re.search(r"/planung/szenarien/(\d+)/", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))
