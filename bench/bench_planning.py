"""Planning: quality of the heuristic against the exact optimum on real RLP instances, and the time of
whole-Land plans.

Quality suite (heuristic saving ÷ exact optimum, target ≥ 0.99 on every instance the exact solver
proves within 60 s; the time of both):

* ``vg_per_kreis``: each Landkreis's Verbandsgemeinden and verbandsfreie Gemeinden, Standesamt
  (a VG-level task), contiguous groups of at most 4;
* ``kreis_clusters``: each Landkreis with its neighbouring Kreise and kreisfreie Städte,
  Kfz-Zulassung (a Kreis-level task), contiguous groups of at most 3;
* ``og_of_vgs``: the Ortsgemeinden of three neighbouring Verbandsgemeinden. The catalogue has no
  task held by Ortsgemeinden, so the Bauhof's cost model is used with the holders overridden to
  ``ortsgemeinde`` (a what-if the planner can also ask for); contiguous groups of at most 6.

Whole-Land plans (heuristic, median of three runs): all 170 RLP bodies of the VG level (target
≤ 0.5 s), the 2,300 Gemeinden (target ≤ 3 s) and a synthetic Germany-sized instance of 11,000
bodies (Delaunay neighbours of random points in Germany's bounding box, target ≤ 20 s).

The registry comes from the official data (GV100AD of Land 07 and the three boundary layers,
through the registry importers); without it only the synthetic instance runs.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS, data_file
from verbund.planning.model import Instance
from verbund.planning.solvers import Constraints, PlanningError, plan_exact, plan_heuristic, plan_problems
from verbund.registry.models import Body, BodyNeighbour, Kind

EXACT_LIMIT = 60.0
TARGET_RATIO = 0.99
REPEAT = 3
VG_LEVEL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
KREIS_LEVEL = ["landkreis", "kreisfreie_stadt"]
GEMEINDE_LEVEL = ["ortsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
#: Instances of the Ortsgemeinden suite (each three neighbouring VGs): spread over the Land.
OG_INSTANCES = 10


def _load_registry() -> str | None:
    """Import Land 07 and its boundaries unless present; the reason when the data is missing."""
    if (
        Body.objects.in_state("07").of_kind(Kind.VERBANDSGEMEINDE).filter(centroid_lat__isnull=False).count()
        > 100
    ):
        return None
    gv100ad = data_file(GV100AD_LATEST)
    layers = [data_file(layer) for layer in RLP_BOUNDARY_LAYERS]
    if gv100ad is None or any(layer is None for layer in layers):
        return "official data (GV100AD, RLP boundary layers) missing in VERBUND_DATA_DIR"
    from verbund.common.actors import SystemActor
    from verbund.registry.policies import IMPORT
    from verbund.registry.services import registry_import_boundaries, registry_import_gv100ad

    actor = SystemActor(name="Benchmark", capabilities=frozenset({IMPORT}))
    registry_import_gv100ad(path=gv100ad, state="07", actor=actor)
    for layer in layers:
        assert layer is not None
        registry_import_boundaries(path=layer, actor=actor)
    return None


def _problem(task_slug: str, kinds: Sequence[str], prefixes: Sequence[str] = ()) -> Instance:
    from verbund.planning.selectors import build_problem, cost_parameters, effective_cost_model
    from verbund.shared_services.models import Task

    task = Task.objects.get(slug=task_slug)
    model = effective_cost_model(task, "07")
    assert model is not None
    return build_problem(
        task=task, state="07", params=cost_parameters(model), kinds=kinds, kreise=prefixes
    ).instance


def _compare(suite: str, name: str, inst: Instance, constraints: Constraints) -> dict[str, Any]:
    heuristic = plan_heuristic(inst, constraints)
    assert plan_problems(inst, constraints, heuristic.groups) == [], name
    row: dict[str, Any] = {
        "metric": "heuristic_over_exact",
        "suite": suite,
        "instance": name,
        "bodies": inst.n,
        "edges": len(inst.edges),
        "heuristic_saving": round(heuristic.total_saving, 2),
        "heuristic_s": round(heuristic.seconds, 4),
    }
    try:
        exact = plan_exact(inst, constraints, time_limit=EXACT_LIMIT)
    except PlanningError as exc:
        return {**row, "value": None, "proven": False, "exact_note": str(exc)}
    ratio = heuristic.total_saving / exact.total_saving if exact.total_saving > 0 else 1.0
    return {
        **row,
        "value": round(ratio, 6),
        "exact_saving": round(exact.total_saving, 2),
        "exact_s": round(exact.seconds, 3),
        "proven": bool(exact.proven_optimal),
        "columns": exact.details.get("columns"),
        "target": TARGET_RATIO,
        "ok": (ratio >= TARGET_RATIO) if exact.proven_optimal else None,
    }


def _kreis_prefixes() -> list[str]:
    return [
        ars[:5]
        for ars in Body.objects.current()
        .in_state("07")
        .of_kind(Kind.LANDKREIS)
        .order_by("ars")
        .values_list("ars", flat=True)
    ]


def _kreis_clusters() -> list[tuple[str, list[str]]]:
    """Each Landkreis with its neighbours among the Kreise and kreisfreie Städte (deduplicated)."""
    kreise = {b.pk: b for b in Body.objects.current().in_state("07").of_kind(*KREIS_LEVEL)}
    links: dict[int, set[int]] = {}
    for a, b in BodyNeighbour.objects.filter(body_id__in=kreise, neighbour_id__in=kreise).values_list(
        "body_id", "neighbour_id"
    ):
        links.setdefault(a, set()).add(b)
    seen: set[frozenset[str]] = set()
    clusters = []
    for pk, body in sorted(kreise.items(), key=lambda item: item[1].ars):
        if body.kind != Kind.LANDKREIS:
            continue
        members = frozenset(kreise[i].ars[:5] for i in {pk, *links.get(pk, set())})
        if members in seen:
            continue
        seen.add(members)
        clusters.append((body.name, sorted(members)))
    return clusters


def _vg_triples() -> list[tuple[str, list[str]]]:
    """Three neighbouring Verbandsgemeinden each, spread over the Land."""
    vgs = {b.pk: b for b in Body.objects.current().in_state("07").of_kind(Kind.VERBANDSGEMEINDE)}
    links: dict[int, list[int]] = {}
    for a, b in (
        BodyNeighbour.objects.filter(body_id__in=vgs, neighbour_id__in=vgs)
        .order_by("neighbour__ars")
        .values_list("body_id", "neighbour_id")
    ):
        links.setdefault(a, []).append(b)
    ordered = sorted(vgs.values(), key=lambda b: b.ars)
    step = max(1, len(ordered) // OG_INSTANCES)
    triples = []
    for body in ordered[::step][:OG_INSTANCES]:
        partners = links.get(body.pk, [])[:2]
        if len(partners) < 2:
            continue
        members = [body, *(vgs[p] for p in partners)]
        triples.append((" + ".join(b.name for b in members), [b.ars[:9] for b in members]))
    return triples


def _quality() -> Iterator[dict[str, Any]]:
    suites: list[tuple[str, list[dict[str, Any]]]] = []
    rows: list[dict[str, Any]] = []
    vg = Constraints(max_members=4, contiguous=True)
    for prefix in _kreis_prefixes():
        inst = _problem("standesamt", VG_LEVEL, [prefix])
        name = Body.objects.get(ars__startswith=prefix, kind=Kind.LANDKREIS).name
        row = _compare("vg_per_kreis", name, inst, vg)
        rows.append(row)
        yield row
    suites.append(("vg_per_kreis", rows))
    rows = []
    kreis = Constraints(max_members=3, contiguous=True)
    for name, prefixes in _kreis_clusters():
        inst = _problem("kfz-zulassung", KREIS_LEVEL, prefixes)
        row = _compare("kreis_clusters", f"{name} und Nachbarn", inst, kreis)
        rows.append(row)
        yield row
    suites.append(("kreis_clusters", rows))
    rows = []
    og = Constraints(max_members=6, contiguous=True)
    for name, prefixes in _vg_triples():
        inst = _problem("bauhof", ["ortsgemeinde"], prefixes)
        row = _compare("og_of_vgs", name, inst, og)
        rows.append(row)
        yield row
    suites.append(("og_of_vgs", rows))
    for suite, suite_rows in suites:
        proven = [r for r in suite_rows if r.get("proven")]
        ratios = [r["value"] for r in proven]
        yield {
            "metric": "heuristic_over_exact_min",
            "suite": suite,
            "value": round(min(ratios), 6) if ratios else None,
            "mean": round(statistics.fmean(ratios), 6) if ratios else None,
            "instances": len(suite_rows),
            "proven": len(proven),
            "not_proven": [r["instance"] for r in suite_rows if not r.get("proven")],
            "target": TARGET_RATIO,
            "ok": bool(ratios) and min(ratios) >= TARGET_RATIO,
            "heuristic_s_max": max((r["heuristic_s"] for r in suite_rows), default=None),
            "exact_s_max": max((r.get("exact_s", 0) for r in suite_rows), default=None),
        }


def _timed(
    metric: str, inst: Instance, constraints: Constraints, target: float, **extra: Any
) -> dict[str, Any]:
    timings = []
    result = None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = plan_heuristic(inst, constraints)
        timings.append(time.perf_counter() - started)
    assert result is not None
    assert plan_problems(inst, constraints, result.groups) == []
    value = statistics.median(timings)
    return {
        "metric": metric,
        "value": round(value, 3),
        "min_s": round(min(timings), 3),
        "bodies": inst.n,
        "edges": len(inst.edges),
        "groups": len(result.cooperating),
        "alone": sum(1 for g in result.groups if g.size == 1),
        "total_saving": round(result.total_saving, 2),
        "target": target,
        "ok": value <= target,
        **extra,
    }


def synthetic_germany(n: int = 11_000, *, seed: int = 2026) -> Instance:
    """Random points in Germany's bounding box, Delaunay neighbours, lognormal populations (mean about
    7,500), 400 "Kreise" as cells of a 20 × 20 grid, and the Bauhof's default cost parameters."""
    from scipy.spatial import Delaunay

    from verbund.planning.model import CostParameters

    rng = np.random.default_rng(seed)
    lat = 47.3 + rng.random(n) * (55.0 - 47.3)
    lon = 5.9 + rng.random(n) * (15.0 - 5.9)
    triangles = Delaunay(np.c_[lon * np.cos(np.radians(51.0)), lat]).simplices
    edges = {
        (int(min(a, b)), int(max(a, b)))
        for tri in triangles
        for a, b in itertools.combinations(tri.tolist(), 2)
    }
    population = rng.lognormal(mean=8.2, sigma=1.1, size=n).astype(np.int64) + 100
    cell = ((lat - 47.3) / (55.0 - 47.3) * 20).astype(int) * 20 + ((lon - 5.9) / (15.0 - 5.9) * 20).astype(
        int
    )
    params = CostParameters(
        fixed_cost=150_000,
        unit_cost=48,
        scale_exponent=0.95,
        volume_per_inhabitant=1.2,
        overhead_per_member=10_000,
        travel_cost_per_case_km=0.8,
        detour_factor=1.3,
    )
    return Instance(
        keys=[f"{i:012d}" for i in range(n)],
        names=[f"Gemeinde {i}" for i in range(n)],
        population=population,
        lat=lat,
        lon=lon,
        kreis=[f"{c:05d}" for c in cell.tolist()],
        edges=sorted(edges),
        params=params,
    )


def run() -> Iterator[dict[str, Any]]:
    skipped = _load_registry()
    if skipped:
        yield {"skipped": skipped}
    else:
        yield from _quality()
        yield _timed(
            "whole_land_vg_level_s",
            _problem("standesamt", VG_LEVEL),
            Constraints(max_members=5, contiguous=True),
            0.5,
            task="standesamt",
        )
        yield _timed(
            "whole_land_gemeinde_level_s",
            _problem("bauhof", GEMEINDE_LEVEL),
            Constraints(max_members=6, contiguous=True, within_kreis=True),
            3.0,
            task="bauhof (Träger: alle Gemeinden)",
        )
    yield _timed(
        "synthetic_germany_s",
        synthetic_germany(),
        Constraints(max_members=6, contiguous=True),
        20.0,
        task="synthetisch (Bauhof-Parameter)",
    )
