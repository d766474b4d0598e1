"""Run the benchmarks: ``python -m bench [name ...]`` (names as in bench/bench_<name>.py)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    bench_db = ROOT / "var" / "bench.sqlite3"
    if "DATABASE_URL" not in os.environ:
        bench_db.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{bench_db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_db}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    names = argv or sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(ROOT / "bench")])
        if m.name.startswith("bench_")
    )
    from django.db import connection

    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        for result in module.run():
            result.setdefault("benchmark", name)
            result.setdefault("database", connection.vendor)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        print(
            json.dumps(
                {"benchmark": name, "metric": "total_s", "value": round(time.perf_counter() - started, 3)}
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
