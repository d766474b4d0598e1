"""Time to compute the RLP neighbour graph from the boundary files (pure, no database), per layer,
and the database import of the three layers on a registry loaded from GV100AD (first run and the
second run that finds nothing to change).

Figures: ``neighbours_rlp_<layer>_s`` is the median of a few runs of
:func:`verbund.registry.geometry.load_boundaries` (read, parse, project, centroids, neighbours);
``pairs`` must equal the published lists (6,677 / 449 / 73).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS, data_file
from verbund.registry.geometry import load_boundaries

REPEAT = 3


def run() -> Iterator[dict[str, Any]]:
    paths = {relative: data_file(relative) for relative in RLP_BOUNDARY_LAYERS}
    missing = [relative for relative, path in paths.items() if path is None]
    if missing:
        yield {"skipped": f"official data missing in VERBUND_DATA_DIR: {', '.join(missing)}"}
        return
    for path in paths.values():
        assert path is not None
        layer = path.stem.removeprefix("rlp_")
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            result = load_boundaries(path)
            timings.append(time.perf_counter() - started)
        yield {
            "metric": f"neighbours_rlp_{layer}_s",
            "value": round(statistics.median(timings), 3),
            "min_s": round(min(timings), 3),
            "features": len(result.features),
            "pairs": len(result.pairs),
        }
    yield from _database_import([path for path in paths.values() if path is not None])


def _database_import(layers: list[Any]) -> Iterator[dict[str, Any]]:
    gv100ad = data_file(GV100AD_LATEST)
    if gv100ad is None:
        yield {"skipped": f"boundary import into the database needs {GV100AD_LATEST}"}
        return
    from verbund.common.actors import SystemActor
    from verbund.registry.policies import IMPORT
    from verbund.registry.services import registry_import_boundaries, registry_import_gv100ad

    actor = SystemActor(name="Benchmark", capabilities=frozenset({IMPORT}))
    registry_import_gv100ad(path=gv100ad, state="07", actor=actor)
    for label in ("first", "unchanged"):
        started = time.perf_counter()
        results = [registry_import_boundaries(path=path, actor=actor) for path in layers]
        yield {
            "metric": f"import_boundaries_rlp_{label}_s",
            "value": round(time.perf_counter() - started, 3),
            "layers": len(layers),
            "boundaries": sum(r.boundaries for r in results),
            "neighbours": sum(r.neighbours for r in results),
            "changed": any(r.changed for r in results),
        }
