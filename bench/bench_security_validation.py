"""CSAF validation throughput: :func:`verbund.security.csaf.validate` over the real advisories of the
data directory, next to the ``csaf`` package's CSAF 2.0 validator called alone on the same documents
in the same run.

Both start from the file's bytes (ours: decode, size check, version check, the package, failures
mapped to test numbers and paths; the package alone: ``msgspec`` decode and ``validate(preset="basic")``,
schema plus mandatory tests). Figures: documents per second over the whole set (best of a few rounds),
and the same without the one 3 MB Red Hat VEX file, which dominates the total.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
from csaf.csaf.v20 import validate as package_validate

from verbund.common.data import data_dir
from verbund.security.csaf import decode, validate

ROUNDS = 5


def _documents() -> list[tuple[str, bytes]]:
    root = data_dir() / "csaf" / "real_advisories"
    paths = sorted([*root.glob("**/*.json"), *root.glob("**/*.json.gz")])
    return [(str(path.relative_to(root)), path.read_bytes()) for path in paths]


def _package_alone(raw: bytes) -> bool:
    document = decode(raw) if raw[:2] == b"\x1f\x8b" else msgspec.json.decode(raw)
    return bool(package_validate(document, preset="basic").overall_valid)


def _ours(raw: bytes) -> bool:
    return validate(raw).ok


def _best_rates(
    functions: dict[str, Callable[[bytes], bool]], documents: list[tuple[str, bytes]]
) -> dict[str, tuple[float, int]]:
    """Documents per second of each function, best of :data:`ROUNDS`; the functions take turns in
    each round so that a busy machine slows them alike."""
    best = dict.fromkeys(functions, float("inf"))
    valid = dict.fromkeys(functions, 0)
    for _ in range(ROUNDS):
        for name, function in functions.items():
            started = time.perf_counter()
            valid[name] = sum(function(raw) for _name, raw in documents)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: (len(documents) / best[name], valid[name]) for name in functions}


def run() -> Iterator[dict[str, Any]]:
    root: Path = data_dir() / "csaf" / "real_advisories"
    if not root.is_dir():
        yield {"skipped": f"CSAF advisories missing in VERBUND_DATA_DIR: {root}"}
        return
    documents = _documents()
    # warm up: schema registry and rule catalogue are built once per process
    _package_alone(documents[0][1])
    _ours(documents[0][1])
    without_large = [(name, raw) for name, raw in documents if not name.endswith(".gz")]
    for label, subset in (("all", documents), ("without_large_vex", without_large)):
        rates = _best_rates({"verbund": _ours, "csaf_package": _package_alone}, subset)
        for validator, (rate, valid) in rates.items():
            yield {
                "metric": f"csaf_validation_{label}_{validator}_docs_per_s",
                "value": round(rate, 1),
                "documents": len(subset),
                "valid": valid,
                "bytes": sum(len(raw) for _name, raw in subset),
            }
