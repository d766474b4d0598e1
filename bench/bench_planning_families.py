"""Planning: heuristic ÷ exact optimum on a wide suite of instance families nobody tuned for.

``make bench BENCH_ARGS="planning_families"``. The quality suite of :mod:`bench.bench_planning`
holds three families with the catalogue's cost models (each Kreis's VGs, Kreis clusters, Ortsgemeinden
of three VGs); the heuristic was tuned on them. This suite builds about 80 other instances, seeded and
deterministic, from the same registry (official data in ``VERBUND_DATA_DIR``; without it from a
synthetic Land of 2,300 Delaunay cells grouped into 170 "VGs" and 36 "Kreise"):

* ``beta095_high_fixed``: connected regions of 25–40 VG-level bodies grown across Kreis borders,
  β = 0.95 with a fixed cost of 400,000 EUR, contiguous groups of at most 4;
* ``beta05``: the same kind of regions, β = 0.5 (strong economies of scale in the variable part),
  contiguous groups of at most 5;
* ``travel_dominant``: high travel costs per case and km, groups not contiguous, at most 4
  members within 30 km of the host;
* ``contiguous_max3``: regions of 30–45 bodies, contiguous groups of at most 3, and the whole VG
  level of the Land with contiguous groups of at most 3;
* ``distance_population_fixed``: non-contiguous groups within 20 km of the host and under a
  population limit, with two existing alliances (neighbouring pairs) kept as fixed groups;
* ``cross_kreis_gemeinden``: the Gemeinden of two neighbouring VGs in different Kreise;
* ``kreis_population_cap``: the Kreis level of the whole Land, contiguous, under a population cap;
* ``grid_equal``: grids of equal bodies (rook neighbours), where ties make tiling hard;
* ``ortsgemeinden``: the Ortsgemeinden of two neighbouring VGs (pairs, not the triples of the
  tuned suite), contiguous groups of at most 4–6, several cost models.

Each instance is solved by the heuristic (default settings, ``value``), by its search alone
(``search_value``: a frozen clock, so no budget runs out, and no HiGHS windows: the figure does not
depend on the machine or its load) and exactly (HiGHS, ``EXACT_LIMIT``). The summary gives, over
the instances the exact solver proves: count, median, 5th percentile and minimum of heuristic ÷
exact optimum and how many lie below 0.99, per family and overall, for both, and on how many
instances the clock rather than the work budget ended the exact re-cuts (``recut_ended_by_clock``).

``PLANNING_FAMILIES_ONLY="beta05/Region 2 ;distance_population_fixed"`` runs only the instances
whose ``family/name`` contains one of the ``;``-separated parts (to iterate on a few fast).
"""

from __future__ import annotations

import itertools
import os
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verbund.planning.model import CostParameters, Instance
from verbund.planning.solvers import Constraints, PlanningError, plan_exact, plan_heuristic, plan_problems

SEED = 20261204
EXACT_LIMIT = 30.0
TARGET_RATIO = 0.99
VG_LEVEL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
KREIS_LEVEL = ["landkreis", "kreisfreie_stadt"]
GEMEINDE_LEVEL = ["ortsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]


def _params(**overrides: float) -> CostParameters:
    base: dict[str, float] = {
        "fixed_cost": 120_000,
        "unit_cost": 150,
        "scale_exponent": 0.8,
        "volume_per_inhabitant": 0.02,
        "overhead_per_member": 8_000,
        "travel_cost_per_case_km": 0.2,
        "detour_factor": 1.3,
    }
    base.update(overrides)
    return CostParameters(**base)


#: Cost models of the families (VG level unless said otherwise).
BETA095_HIGH_FIXED = _params(
    fixed_cost=400_000, unit_cost=60, scale_exponent=0.95, overhead_per_member=20_000
)
BETA05 = _params(fixed_cost=60_000, unit_cost=4_000, scale_exponent=0.5, overhead_per_member=6_000)
TRAVEL_DOMINANT = _params(
    fixed_cost=90_000,
    unit_cost=40,
    scale_exponent=0.9,
    volume_per_inhabitant=0.3,
    travel_cost_per_case_km=0.9,
)
CONTIGUOUS = _params()
DISTANCE_POPULATION = _params(
    fixed_cost=150_000, unit_cost=90, scale_exponent=0.85, travel_cost_per_case_km=0.5
)
# fixed cost, unit cost, β, volume per inhabitant, overhead per member, travel per case and km
KREIS_MODELS = [
    _params(fixed_cost=f, unit_cost=u, scale_exponent=b, volume_per_inhabitant=v, overhead_per_member=o,
            travel_cost_per_case_km=t)
    for f, u, b, v, o, t in [
        (180_000, 35, 0.85, 0.2, 12_000, 0.25),
        (500_000, 20, 0.95, 0.2, 30_000, 0.1),
        (60_000, 200, 0.6, 0.012, 6_000, 0.1),
    ]
]  # fmt: skip
GEMEINDE_MODELS = [
    _params(fixed_cost=f, unit_cost=u, scale_exponent=b, volume_per_inhabitant=v, overhead_per_member=o,
            travel_cost_per_case_km=t)
    for f, u, b, v, o, t in [
        (150_000, 48, 0.95, 1.2, 10_000, 0.8),
        (40_000, 30, 0.7, 0.5, 3_000, 0.3),
        (25_000, 80, 0.5, 0.1, 2_000, 1.5),
    ]
]  # fmt: skip


@dataclass
class Case:
    family: str
    name: str
    instance: Instance
    constraints: Constraints


# --- the three levels of the Land ------------------------------------------------------------------


@dataclass
class Levels:
    source: str
    vg: Instance
    kreis: Instance
    gemeinde: Instance


def _real_levels() -> Levels | None:
    from bench.bench_planning import _load_registry, _problem

    if _load_registry():
        return None
    return Levels(
        source="GV100AD und Verwaltungsgrenzen (Land 07)",
        vg=_problem("standesamt", VG_LEVEL),
        kreis=_problem("kfz-zulassung", KREIS_LEVEL),
        gemeinde=_problem("bauhof", GEMEINDE_LEVEL),
    )


def _synthetic_levels(seed: int = SEED) -> Levels:
    """A synthetic Land in RLP's bounding box: 2,300 Delaunay cells ("Gemeinden"), grouped into 170
    "VGs" (nearest of 170 random centres) and those into 36 "Kreise" (likewise)."""
    from scipy.spatial import Delaunay, cKDTree

    rng = np.random.default_rng(seed)
    n = 2300
    lat = 48.97 + rng.random(n) * (50.94 - 48.97)
    lon = 6.11 + rng.random(n) * (8.51 - 6.11)
    plane = np.c_[lon * np.cos(np.radians(50.0)), lat]
    edges = {
        (int(min(a, b)), int(max(a, b)))
        for tri in Delaunay(plane).simplices
        for a, b in itertools.combinations(tri.tolist(), 2)
    }
    population = rng.lognormal(mean=6.8, sigma=1.0, size=n).astype(np.int64) + 80
    vg_of = cKDTree(plane[rng.choice(n, 170, replace=False)]).query(plane)[1]
    vg_centres = np.array([plane[vg_of == v].mean(axis=0) for v in range(170)])
    kreis_of_vg = cKDTree(vg_centres[rng.choice(170, 36, replace=False)]).query(vg_centres)[1]
    keys = [f"{kreis_of_vg[vg_of[i]]:05d}{vg_of[i]:04d}{i:03d}" for i in range(n)]

    def level(label: str, of: np.ndarray, count: int) -> Instance:
        pop = np.bincount(of, weights=population, minlength=count).astype(np.int64)
        w = np.bincount(of, minlength=count).astype(np.float64)
        lat_c = np.bincount(of, weights=lat * population, minlength=count) / np.maximum(pop, 1)
        lon_c = np.bincount(of, weights=lon * population, minlength=count) / np.maximum(pop, 1)
        del w
        links = {(min(of[a], of[b]), max(of[a], of[b])) for a, b in edges if of[a] != of[b]}
        kreis = (
            [f"{kreis_of_vg[v]:05d}" for v in range(count)]
            if label == "vg"
            else [f"{k:05d}" for k in range(count)]
        )
        return Instance(
            keys=[f"{kreis[j]}{j:04d}000" for j in range(count)],
            names=[f"{label} {j}" for j in range(count)],
            population=pop,
            lat=lat_c,
            lon=lon_c,
            kreis=kreis,
            edges=sorted((int(a), int(b)) for a, b in links),
            params=CONTIGUOUS,
        )

    kreis_of_gemeinde = kreis_of_vg[vg_of]
    gemeinde = Instance(
        keys=keys,
        names=[f"Gemeinde {i}" for i in range(n)],
        population=population,
        lat=lat,
        lon=lon,
        kreis=[k[:5] for k in keys],
        edges=sorted(edges),
        params=CONTIGUOUS,
        kinds=["ortsgemeinde"] * n,
    )
    del kreis_of_gemeinde
    return Levels(
        source="synthetisch (keine amtlichen Daten)",
        vg=level("vg", vg_of, 170),
        kreis=level("kreis", kreis_of_vg[vg_of], 36),
        gemeinde=gemeinde,
    )


# --- building instances ----------------------------------------------------------------------------


def derive(base: Instance, indices: Sequence[int], params: CostParameters) -> Instance:
    """The bodies ``indices`` of ``base`` (in that order) with their edges, under other cost parameters."""
    index = {int(i): j for j, i in enumerate(indices)}
    edges = sorted(
        (min(index[a], index[b]), max(index[a], index[b]))
        for a, b in base.edges
        if a in index and b in index and a != b
    )
    pick = list(index)
    return Instance(
        keys=[base.keys[i] for i in pick],
        names=[base.names[i] for i in pick],
        population=base.population[pick],
        lat=base.lat[pick],
        lon=base.lon[pick],
        kreis=[base.kreis[i] for i in pick],
        edges=edges,
        params=params,
        kinds=[base.kinds[i] for i in pick],
    )


def grow_region(base: Instance, rng: np.random.Generator, size: int) -> list[int]:
    """A connected region of ``size`` bodies grown from a random start by random frontier picks."""
    located = np.flatnonzero(base.located)
    start = int(rng.choice(located))
    region = [start]
    inside = {start}
    frontier = sorted(set(base.adjacency[start]))
    while frontier and len(region) < size:
        pick = frontier.pop(int(rng.integers(len(frontier))))
        if pick in inside or not base.located[pick]:
            continue
        inside.add(pick)
        region.append(pick)
        frontier = sorted((set(frontier) | set(base.adjacency[pick])) - inside)
    return sorted(region)


def grid(rows: int, cols: int, params: CostParameters, *, population: int = 8_000) -> Instance:
    """Equal bodies on a grid (about 9 km apart), neighbours left/right/up/down."""
    n = rows * cols
    lat = np.array([50.0 + 0.08 * (i // cols) for i in range(n)])
    lon = np.array([7.0 + 0.125 * (i % cols) for i in range(n)])
    edges = [(i, i + 1) for i in range(n) if (i + 1) % cols] + [(i, i + cols) for i in range(n - cols)]
    return Instance(
        keys=[f"{i:012d}" for i in range(n)],
        names=[f"Zelle {i}" for i in range(n)],
        population=np.full(n, population, dtype=np.int64),
        lat=lat,
        lon=lon,
        kreis=["00000"] * n,
        edges=edges,
        params=params,
    )


def _vg_groups(gemeinde: Instance, kind: str | None = None) -> dict[str, list[int]]:
    """The Gemeinden of each Gemeindeverband (ARS prefix of 9 digits), ``kind`` only if given."""
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(gemeinde.keys):
        if kind is None or gemeinde.kinds[i] == kind:
            groups.setdefault(key[:9], []).append(i)
    return groups


def _vg_pairs(
    gemeinde: Instance, groups: dict[str, list[int]], *, cross_kreis: bool
) -> list[tuple[str, str]]:
    """Neighbouring Gemeindeverbände (a border between their Gemeinden); in different Kreise or the same."""
    of = {i: vg for vg, members in groups.items() for i in members}
    pairs = set()
    for a, b in gemeinde.edges:
        va, vb = of.get(a), of.get(b)
        if va is None or vb is None or va == vb:
            continue
        if (va[:5] != vb[:5]) == cross_kreis:
            pairs.add((min(va, vb), max(va, vb)))
    return sorted(pairs)


def _fixed_pairs(inst: Instance, rng: np.random.Generator, count: int) -> tuple[tuple[int, ...], ...]:
    edges = list(inst.edges)
    order = rng.permutation(len(edges)).tolist()
    used: set[int] = set()
    fixed: list[tuple[int, ...]] = []
    for j in order:
        a, b = edges[j]
        if a in used or b in used:
            continue
        fixed.append((a, b))
        used.update((a, b))
        if len(fixed) == count:
            break
    return tuple(fixed)


def cases(levels: Levels, seed: int = SEED) -> list[Case]:
    rng = np.random.default_rng(seed)
    out: list[Case] = []
    vg = levels.vg
    for j in range(10):
        region = grow_region(vg, rng, int(rng.integers(25, 41)))
        out.append(
            Case(
                "beta095_high_fixed",
                f"Region {j + 1} ({len(region)} VG-Ebene)",
                derive(vg, region, BETA095_HIGH_FIXED),
                Constraints(max_members=4, contiguous=True),
            )
        )
    for j in range(10):
        region = grow_region(vg, rng, int(rng.integers(25, 41)))
        out.append(
            Case(
                "beta05",
                f"Region {j + 1} ({len(region)} VG-Ebene)",
                derive(vg, region, BETA05),
                Constraints(max_members=5, contiguous=True),
            )
        )
    for j in range(10):
        region = grow_region(vg, rng, int(rng.integers(25, 36)))
        out.append(
            Case(
                "travel_dominant",
                f"Region {j + 1} ({len(region)} VG-Ebene)",
                derive(vg, region, TRAVEL_DOMINANT),
                Constraints(max_members=4, max_distance_km=30.0),
            )
        )
    for j in range(9):
        region = grow_region(vg, rng, int(rng.integers(30, 46)))
        out.append(
            Case(
                "contiguous_max3",
                f"Region {j + 1} ({len(region)} VG-Ebene)",
                derive(vg, region, CONTIGUOUS),
                Constraints(max_members=3, contiguous=True),
            )
        )
    out.append(
        Case(
            "contiguous_max3",
            f"ganze VG-Ebene ({vg.n})",
            derive(vg, list(range(vg.n)), CONTIGUOUS),
            Constraints(max_members=3, contiguous=True),
        )
    )
    for j in range(10):
        region = grow_region(vg, rng, int(rng.integers(25, 36)))
        inst = derive(vg, region, DISTANCE_POPULATION)
        out.append(
            Case(
                "distance_population_fixed",
                f"Region {j + 1} ({len(region)} VG-Ebene)",
                inst,
                Constraints(
                    max_distance_km=20.0,
                    max_population=int(rng.choice([60_000, 80_000, 100_000])),
                    fixed_groups=_fixed_pairs(inst, rng, 2),
                ),
            )
        )
    gemeinde = levels.gemeinde
    all_groups = _vg_groups(gemeinde)
    cross = _vg_pairs(gemeinde, all_groups, cross_kreis=True)
    small_cross = [p for p in cross if 12 <= len(all_groups[p[0]]) + len(all_groups[p[1]]) <= 45]
    for j, idx in enumerate(sorted(rng.choice(len(small_cross), min(8, len(small_cross)), replace=False))):
        a, b = small_cross[int(idx)]
        region = sorted(all_groups[a] + all_groups[b])
        model = GEMEINDE_MODELS[j % len(GEMEINDE_MODELS)]
        out.append(
            Case(
                "cross_kreis_gemeinden",
                f"{a} + {b} ({len(region)} Gemeinden)",
                derive(gemeinde, region, model),
                Constraints(max_members=4 + j % 2, contiguous=True),
            )
        )
    kreis = levels.kreis
    everything = list(range(kreis.n))
    for j, (model, cap) in enumerate(itertools.product(KREIS_MODELS, (300_000, 450_000))):
        out.append(
            Case(
                "kreis_population_cap",
                f"Kreisebene, Modell {j // 2 + 1}, höchstens {cap} Einwohner",
                derive(kreis, everything, model),
                Constraints(max_population=cap, contiguous=True),
            )
        )
    for rows, cols, k, model in [
        (6, 6, 3, CONTIGUOUS),
        (6, 6, 4, CONTIGUOUS),
        (5, 8, 5, BETA095_HIGH_FIXED),
        (7, 7, 3, BETA05),
        (7, 7, 4, CONTIGUOUS),
        (4, 10, 4, BETA095_HIGH_FIXED),
        (6, 7, 5, CONTIGUOUS),
        (8, 8, 3, CONTIGUOUS),
    ]:
        out.append(
            Case(
                "grid_equal",
                f"{rows} × {cols}, höchstens {k}",
                grid(rows, cols, model),
                Constraints(max_members=k, contiguous=True),
            )
        )
    og = _vg_groups(gemeinde, "ortsgemeinde")
    og_pairs = [
        p
        for p in _vg_pairs(gemeinde, og, cross_kreis=False) + _vg_pairs(gemeinde, og, cross_kreis=True)
        if 15 <= len(og[p[0]]) + len(og[p[1]]) <= 45
    ]
    for j, idx in enumerate(sorted(rng.choice(len(og_pairs), min(10, len(og_pairs)), replace=False))):
        a, b = og_pairs[int(idx)]
        region = sorted(og[a] + og[b])
        model = GEMEINDE_MODELS[(j + 1) % len(GEMEINDE_MODELS)]
        out.append(
            Case(
                "ortsgemeinden",
                f"{a} + {b} ({len(region)} Ortsgemeinden)",
                derive(gemeinde, region, model),
                Constraints(max_members=4 + j % 3, contiguous=True),
            )
        )
    return out


# --- running ---------------------------------------------------------------------------------------


def compare(case: Case, exact_limit: float = EXACT_LIMIT) -> dict[str, Any]:
    inst, constraints = case.instance, case.constraints
    heuristic = plan_heuristic(inst, constraints)
    assert plan_problems(inst, constraints, heuristic.groups) == [], case.name
    row: dict[str, Any] = {
        "metric": "heuristic_over_exact",
        "suite": case.family,
        "instance": case.name,
        "bodies": inst.n,
        "heuristic_saving": round(heuristic.total_saving, 2),
        "heuristic_s": round(heuristic.seconds, 3),
        # What ended the exact re-cuts with the default budgets: "done", "work" or "clock" (then
        # the plan depends on the machine's speed and load).
        "recut_end": heuristic.details.get("recut_end"),
        "recut_sets": heuristic.details.get("recut_sets"),
    }
    # The search alone, independent of the machine: a frozen clock (no budget runs out) and no
    # windows (HiGHS has its own wall-clock limit).
    search = plan_heuristic(inst, constraints, window_size=0, clock=lambda: 0.0)
    assert plan_problems(inst, constraints, search.groups) == [], case.name
    row["search_saving"] = round(search.total_saving, 2)
    try:
        exact = plan_exact(inst, constraints, time_limit=exact_limit)
    except PlanningError as exc:
        return {**row, "value": None, "proven": False, "exact_note": str(exc)}
    ratio = heuristic.total_saving / exact.total_saving if exact.total_saving > 0 else 1.0
    return {
        **row,
        "value": round(ratio, 6),
        "search_value": round(search.total_saving / exact.total_saving, 6) if exact.total_saving > 0 else 1.0,
        "exact_saving": round(exact.total_saving, 2),
        "exact_s": round(exact.seconds, 3),
        "proven": bool(exact.proven_optimal),
        "gap": exact.gap,
        "columns": exact.details.get("columns"),
    }


def distribution(rows: Sequence[dict[str, Any]], key: str = "value") -> dict[str, Any]:
    """Count, proven count, median, 5th percentile, minimum and count below the target of the ratios
    (``key``) over the instances the exact solver proved."""
    ratios = sorted(r[key] for r in rows if r.get("proven") and r.get(key) is not None)
    return {
        "ratio": key,
        "instances": len(rows),
        "proven": len(ratios),
        "median": round(statistics.median(ratios), 6) if ratios else None,
        "p5": round(float(np.percentile(ratios, 5)), 6) if ratios else None,
        "min": ratios[0] if ratios else None,
        "below_target": sum(1 for r in ratios if r < TARGET_RATIO),
        "target": TARGET_RATIO,
        "heuristic_s_max": max((r["heuristic_s"] for r in rows), default=None),
        "recut_ended_by_clock": sum(1 for r in rows if r.get("recut_end") == "clock"),
    }


def run() -> Iterator[dict[str, Any]]:
    levels = _real_levels()
    if levels is None:
        levels = _synthetic_levels()
    yield {"metric": "source", "value": levels.source}
    rows: list[dict[str, Any]] = []
    only = [part for part in os.environ.get("PLANNING_FAMILIES_ONLY", "").split(";") if part]
    for case in cases(levels):
        if only and not any(part in f"{case.family}/{case.name}" for part in only):
            continue
        row = compare(case)
        rows.append(row)
        yield row
    for key in ("value", "search_value"):
        for family in dict.fromkeys(r["suite"] for r in rows):
            yield {
                "metric": "family_distribution",
                "suite": family,
                **distribution([r for r in rows if r["suite"] == family], key),
            }
        yield {"metric": "families_distribution", "suite": "all", **distribution(rows, key)}
