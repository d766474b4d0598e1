"""The SQLite variant of the drawdown race: SQLite has no row locks, but Verbund starts every
transaction ``IMMEDIATE`` (settings), which takes the database's write lock at ``BEGIN``, so the
services' read-check-write steps queue up. The in-memory test database cannot show that (its shared
cache fails on table locks instead of waiting), so this test migrates a temporary SQLite *file* in a
subprocess and fires 200 drawdown requests from 32 threads at one grant there
(:func:`bench.bench_funding.drawdown_race`): none lost, none over the grant, every approval paid once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite variant runs when the suite runs on SQLite"
)


def test_drawdown_race_on_a_sqlite_file(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_funding"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = {
        r["metric"]: r
        for r in (json.loads(line) for line in done.stdout.splitlines() if line.startswith("{"))
    }

    requests = results["drawdown_requests_concurrent"]
    assert requests["database"] == "sqlite"
    assert requests["errors"] == 0, requests["error_examples"]
    assert requests["none_lost"] and requests["none_over_grant"]
    assert (requests["accepted"], requests["refused"]) == (142, 58)  # 142 × 700 = 99,400 ≤ 100,000
    approvals = results["drawdown_approvals_concurrent"]
    assert approvals["errors"] == 0 and approvals["none_over_grant"]
    assert approvals["drawn"] == "99400.00" and approvals["pending"] == "0.00"
