"""Backup and restore of the demo database: time and peak memory of ``manage.py backup`` and of
``manage.py restore`` into a fresh database of the same kind.

The demo database is what ``make run`` builds: the registry from the best available source (the
official data directory with boundaries, else the bundled sample) and the demo data of every part,
with its stored files (grant notices) on the local disk. Each command runs in its own process, as
an operator runs it; its wall time includes starting Python and Django, and its peak memory is the
process's maximum resident set size (``wait4``). ``baseline`` is the same for ``manage.py check``:
what any Django process of Verbund costs before it does work. The difference is the command's own
memory, which stays flat with the size of the database because tables are streamed in batches.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
WORK = ROOT / "var" / "bench_backup"


def _environment(database_url: str, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "STORAGE_BACKEND": "local",
        "MEDIA_ROOT": str(media),
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "WARNING",
    }


def _measured(database_url: str, media: Path, *args: str) -> tuple[float, float, str]:
    """``(seconds, peak RSS in MB, stdout)`` of ``manage.py <args>`` in its own process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(database_url, media),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = "", ""
    # wait4 gives this child's own resource usage (ru_maxrss in KB on Linux)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stdout = process.stdout.read() if process.stdout else ""
    stderr = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{stdout}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stdout


@contextmanager
def _restore_database(source_url: str) -> Iterator[str]:
    """A fresh, empty database of the same kind as the bench database."""
    if source_url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        server, _, name = source_url.rpartition("/")
        target = f"{name}_restore"[:63]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
        try:
            yield f"{server}/{target}"
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
                )
        return
    path = WORK / "restore.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{path}"


def run() -> Iterator[dict[str, Any]]:
    source_url = os.environ["DATABASE_URL"]
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    media, restored_media = WORK / "media", WORK / "media_restore"

    load_s, _rss, output = _measured(source_url, media, "load_demo")
    source = next((line for line in output.splitlines() if line.startswith("Register-Quelle")), "")
    yield {"metric": "demo_load_s", "value": round(load_s, 2), "registry": source}

    startup_s, baseline_mb, _out = _measured(source_url, media, "check")
    yield {"metric": "baseline_s", "value": round(startup_s, 2), "note": "manage.py check: start-up only"}
    yield {"metric": "baseline_peak_rss_mb", "value": round(baseline_mb, 1), "note": "manage.py check"}

    backup_s, backup_mb, _out = _measured(source_url, media, "backup", str(WORK / "archive"))
    (archive,) = (WORK / "archive").glob("verbund-backup-*.zip")
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    rows = sum(table["rows"] for table in manifest["tables"])
    files = len(manifest["files"])
    raw_mb = (
        sum(t["size"] for t in manifest["tables"]) / 1e6 + sum(f["size"] for f in manifest["files"]) / 1e6
    )
    yield {
        "metric": "demo_database",
        "value": rows,
        "unit": "rows",
        "tables": len(manifest["tables"]),
        "files": files,
        "data_mb": round(raw_mb, 2),
        "archive_mb": round(archive.stat().st_size / 1e6, 2),
    }
    net = round(backup_s - startup_s, 2)
    yield {"metric": "backup_s", "value": round(backup_s, 2), "net_of_startup_s": net}
    yield {
        "metric": "backup_peak_rss_mb",
        "value": round(backup_mb, 1),
        "over_baseline_mb": round(backup_mb - baseline_mb, 1),
    }

    with _restore_database(source_url) as target:
        migrate_s, _rss, _out = _measured(target, restored_media, "migrate", "--no-input")
        yield {
            "metric": "restore_migrate_s",
            "value": round(migrate_s, 2),
            "note": "before the restore, not in restore_s",
        }
        restore_s, restore_mb, _out = _measured(target, restored_media, "restore", str(archive))
        yield {
            "metric": "restore_s",
            "value": round(restore_s, 2),
            "net_of_startup_s": round(restore_s - startup_s, 2),
        }
        yield {
            "metric": "restore_peak_rss_mb",
            "value": round(restore_mb, 1),
            "over_baseline_mb": round(restore_mb - baseline_mb, 1),
        }
    shutil.rmtree(WORK, ignore_errors=True)
