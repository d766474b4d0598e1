"""Run the benchmarks: ``python -m bench [name ...]`` (names as in bench/bench_<name>.py).

Each benchmark runs in its own process on its own fresh, migrated database, so that one
benchmark's rows never disturb another's: a SQLite file ``var/bench_<name>.sqlite3`` by default,
or, when ``DATABASE_URL`` names a PostgreSQL database, a database ``<that name>_bench_<name>``
created next to it and dropped afterwards. Results are JSON lines on standard output.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def available() -> list[str]:
    modules = pkgutil.iter_modules([str(ROOT / "bench")])
    return sorted(m.name.removeprefix("bench_") for m in modules if m.name.startswith("bench_"))


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A database URL for one benchmark, empty before it runs and removed after."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        server, _, database = base.rpartition("/")
        bench_db = f"{database}_bench_{name}"[:63]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(bench_db)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(bench_db)))
        try:
            yield f"{server}/{bench_db}"
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(bench_db))
                )
        return
    path = ROOT / "var" / f"bench_{name}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{path}"


def run_one(name: str) -> int:
    """In the child process: set up Django on the given database, migrate, run one benchmark."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    module = importlib.import_module(f"bench.bench_{name}")
    started = time.perf_counter()
    for result in module.run():
        result.setdefault("benchmark", name)
        result.setdefault("database", connection.vendor)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    total = {"benchmark": name, "metric": "total_s", "value": round(time.perf_counter() - started, 3)}
    print(json.dumps(total), flush=True)
    return 0


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name in names:
        with fresh_database(name) as url:
            env = {**os.environ, "DATABASE_URL": url}
            code = subprocess.call([sys.executable, "-m", "bench", "--one", name], cwd=ROOT, env=env)
        if code:
            failed.append(name)
            print(json.dumps({"benchmark": name, "metric": "failed", "value": code}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
