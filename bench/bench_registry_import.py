"""Importing the GV100AD of 30.11.2025 into an empty registry, against a plain bulk insert.

For Rhineland-Palatinate (``--state 07``) and for all of Germany: the time of the whole service
(read, check, merge, compare, write, audit; best of five runs, each into an emptied registry) next
to the floor, a plain ``bulk_create`` of the very same Body rows (built beforehand) on the same
database. Target for Germany: ≤ 5 s on SQLite. Also reported: parsing alone (no database), a second
import of the same file (nothing to write), and Germany 31.12.2022 → 30.11.2025 (every row updated,
territorial changes found).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction

from verbund.common.actors import SystemActor
from verbund.common.data import GV100AD_LATEST, GV100AD_PREVIOUS, data_file
from verbund.registry import gv100ad
from verbund.registry.models import Body, BodyBoundary, BodyNeighbour, RegistryImport, TerritorialChange
from verbund.registry.policies import IMPORT
from verbund.registry.services import registry_import_gv100ad

#: Who imports in the benchmark (a system actor with the import capability).
ACTOR = SystemActor(name="Benchmark", capabilities=frozenset({IMPORT}))

RUNS = 5
TARGET_GERMANY_S = 5.0


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def _clear_registry() -> None:
    """Empty the registry tables (raw deletes: the parent link is PROTECT, the rows go together)."""
    with transaction.atomic():
        for model in (TerritorialChange, BodyNeighbour, BodyBoundary, RegistryImport):
            model.objects.all()._raw_delete(model.objects.db)
        Body.successors.through.objects.all()._raw_delete(Body.objects.db)
        Body.objects.all()._raw_delete(Body.objects.db)


def _import_runs(path: Any, state: str | None) -> tuple[list[float], int]:
    times, rows = [], 0
    for _ in range(RUNS):
        _clear_registry()
        elapsed, result = _timed(lambda: registry_import_gv100ad(path=path, state=state, actor=ACTOR))
        times.append(elapsed)
        rows = result.created
    return times, rows


def _floor_runs() -> list[float]:
    """``bulk_create`` of the rows the import just wrote (same ids, so parents resolve)."""
    fields = [f.attname for f in Body._meta.concrete_fields]
    values = list(Body.objects.order_by("id").values(*fields))
    times = []
    for _ in range(RUNS):
        _clear_registry()
        objects = [Body(**row) for row in values]

        def insert(objects: list[Body] = objects) -> None:
            with transaction.atomic():
                Body.objects.bulk_create(objects, batch_size=2000)

        times.append(_timed(insert)[0])
    return times


def run() -> Iterator[dict[str, Any]]:
    latest = data_file(GV100AD_LATEST)
    if latest is None:
        yield {"metric": "gv100ad_import_germany_s", "skipped": f"{GV100AD_LATEST} not in the data directory"}
        return

    parse_s, rows = _timed(lambda: gv100ad.build_bodies(gv100ad.parse_gv100ad(latest)))
    yield {"metric": "gv100ad_parse_germany_s", "value": round(parse_s, 3), "rows": len(rows)}

    scopes: tuple[tuple[str, str | None], ...] = (("rlp", "07"), ("germany", None))
    for label, state in scopes:
        times, count = _import_runs(latest, state)
        started = time.perf_counter()
        again = registry_import_gv100ad(path=latest, state=state, actor=ACTOR)
        again_s = time.perf_counter() - started
        assert not again.changed, "the second import of the same file must write nothing"
        floor = _floor_runs()
        best, floor_best = min(times), min(floor)
        result: dict[str, Any] = {
            "metric": f"gv100ad_import_{label}_s",
            "value": round(best, 3),
            "median_s": round(statistics.median(times), 3),
            "floor_s": round(floor_best, 3),
            "ratio_to_floor": round(best / floor_best, 2),
            "rows": count,
            "runs": RUNS,
        }
        if state is None:
            result["target_s"] = TARGET_GERMANY_S
            result["within_target"] = best <= TARGET_GERMANY_S
        yield result
        yield {"metric": f"gv100ad_reimport_unchanged_{label}_s", "value": round(again_s, 3), "rows": count}

    previous = data_file(GV100AD_PREVIOUS)
    if previous is None:
        yield {
            "metric": "gv100ad_update_germany_s",
            "skipped": f"{GV100AD_PREVIOUS} not in the data directory",
        }
        return
    _clear_registry()
    registry_import_gv100ad(path=previous, actor=ACTOR)
    update_s, update = _timed(lambda: registry_import_gv100ad(path=latest, actor=ACTOR))
    yield {
        "metric": "gv100ad_update_germany_s",
        "value": round(update_s, 3),
        "rows": update.bodies,
        "updated": update.updated,
        "created": update.created,
        "dissolved": update.dissolved,
        "territorial_changes": len(update.changes),
        "note": "31.12.2022 → 30.11.2025 over an imported 2022 registry",
    }
    _clear_registry()
    yield {"metric": "database_vendor", "value": connection.vendor}
