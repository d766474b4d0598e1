"""Small pure instances for the solver tests (no database)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from verbund.planning.model import CostParameters, Instance

#: A task where cooperation pays: high fixed cost, economies of scale, some travel.
PARAMS = CostParameters(
    fixed_cost=100_000,
    unit_cost=150,
    scale_exponent=0.8,
    volume_per_inhabitant=0.02,
    overhead_per_member=8_000,
    travel_cost_per_case_km=0.2,
    detour_factor=1.3,
)
#: One km east at 50° N in degrees of longitude.
KM_LON = 1 / (111.32 * math.cos(math.radians(50)))
KM_LAT = 1 / 110.57


def instance(
    points_km: Sequence[tuple[float, float]],
    *,
    population: Sequence[int] | int = 10_000,
    edges: Sequence[tuple[int, int]] | None = None,
    kreis: Sequence[str] | None = None,
    params: CostParameters = PARAMS,
    alliances: Sequence[frozenset[str]] | None = None,
    kinds: Sequence[str] | None = None,
) -> Instance:
    """Bodies at (x, y) km from 50° N, 7° E; neighbours as given (default: a path 0–1–2–…)."""
    n = len(points_km)
    pops = [population] * n if isinstance(population, int) else list(population)
    if edges is None:
        edges = [(i, i + 1) for i in range(n - 1)]
    return Instance(
        keys=[f"07{i:010d}" for i in range(n)],
        names=[f"Gemeinde {i}" for i in range(n)],
        population=np.array(pops, dtype=np.int64),
        lat=np.array([50 + y * KM_LAT for _x, y in points_km]),
        lon=np.array([7 + x * KM_LON for x, _y in points_km]),
        kreis=list(kreis) if kreis is not None else ["07111"] * n,
        edges=list(edges),
        params=params,
        alliances=list(alliances) if alliances is not None else [],
        kinds=list(kinds) if kinds is not None else ["verbandsgemeinde"] * n,
    )


def grid(width: int, height: int, *, spacing_km: float = 10.0, **kwargs: object) -> Instance:
    """A width × height grid of bodies with 4-neighbourhood edges."""
    points = [(x * spacing_km, y * spacing_km) for y in range(height) for x in range(width)]
    edges = []
    for y in range(height):
        for x in range(width):
            i = y * width + x
            if x + 1 < width:
                edges.append((i, i + 1))
            if y + 1 < height:
                edges.append((i, i + width))
    return instance(points, edges=edges, **kwargs)  # type: ignore[arg-type]
