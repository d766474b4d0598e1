"""The cost model of a task, pure (NumPy, no Django): what one office costs, what a group costs.

One office serving a yearly volume ``v`` (cases, hours …) costs ``C(v) = F + c · v^β`` with β ≤ 1:
a fixed cost and economies of scale. A group ``G`` whose task is performed by the host ``h`` costs

    cost(G, h) = C(Σ_{i∈G} v_i) + Σ_{i≠h} (overhead + travel_i),
    travel_i   = v_i · travel cost per case and km · detour factor · distance(centroid_i, centroid_h),

and saves ``Σ C(v_i) − min_h cost(G, h)`` against every member running the task alone. The host term
``C(Σv) + (|G|−1)·overhead`` does not depend on the host, so the best host is the member that minimises
the volume-weighted distance ``Σ v_i · d(i, h)`` (a weighted 1-median), which :class:`Instance`
computes from great-circle distances between centroids (in km).

A :class:`Instance` is the input of every solver: the bodies that hold one task, their neighbour
graph and the cost parameters. It is built by ``verbund.planning.selectors`` from the registry, by
the benchmarks from official data or synthetic points, and by the tests by hand.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
_TWO_R = 2 * EARTH_RADIUS_KM
#: Groups up to this size are costed in plain Python (faster than NumPy for a few members).
_SMALL_GROUP = 16

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CostParameters:
    """The parameters of one task's cost model (amounts in EUR per year, volumes per year)."""

    fixed_cost: float
    unit_cost: float
    scale_exponent: float
    volume_per_inhabitant: float
    overhead_per_member: float
    travel_cost_per_case_km: float
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        if not 0 < self.scale_exponent <= 1:
            raise ValueError("scale_exponent (β) must lie in (0, 1]")
        for name in (
            "fixed_cost",
            "unit_cost",
            "volume_per_inhabitant",
            "overhead_per_member",
            "travel_cost_per_case_km",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.detour_factor < 1:
            raise ValueError("detour_factor must be at least 1")

    @property
    def travel_rate(self) -> float:
        """EUR per case and straight-line km (the detour factor turns km as the crow flies into road km)."""
        return self.travel_cost_per_case_km * self.detour_factor

    def office_cost(self, volume: npt.ArrayLike) -> FloatArray:
        """``C(v) = F + c · v^β`` for a volume or an array of volumes."""
        v = np.maximum(np.asarray(volume, dtype=np.float64), 0.0)
        return self.fixed_cost + self.unit_cost * np.power(v, self.scale_exponent)

    def as_dict(self) -> dict[str, float]:
        return {
            "fixed_cost": self.fixed_cost,
            "unit_cost": self.unit_cost,
            "scale_exponent": self.scale_exponent,
            "volume_per_inhabitant": self.volume_per_inhabitant,
            "overhead_per_member": self.overhead_per_member,
            "travel_cost_per_case_km": self.travel_cost_per_case_km,
            "detour_factor": self.detour_factor,
        }


def unit_vectors(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> FloatArray:
    """Points on the unit sphere (n × 3); the chord between two of them gives their great-circle distance."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def chord_to_km(chord: npt.ArrayLike) -> FloatArray:
    """Great-circle distance (km) from the chord length between two unit vectors (exact, stable near 0)."""
    c = np.clip(np.asarray(chord, dtype=np.float64), 0.0, 2.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(c / 2.0)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class GroupCost:
    """A group of bodies (indices into an :class:`Instance`), its host and what it costs and saves."""

    members: tuple[int, ...]
    host: int
    #: What the group costs per year with the best host (office + overhead + travel).
    cost: float
    #: What the members would pay alone, ``Σ C(v_i)``.
    standalone: float
    office: float
    overhead: float
    travel: float
    #: Largest distance (km) of a member's centroid to the host's.
    max_distance_km: float
    #: An existing alliance kept as it is (not subject to the planner's constraints).
    fixed: bool = False

    @property
    def saving(self) -> float:
        return self.standalone - self.cost

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class Instance:
    """The bodies holding one task in a region, their neighbour graph and the task's cost parameters.

    ``edges`` are pairs of indices of bodies that share a border. A body without a centroid
    (``lat``/``lon`` NaN) has no distance to anyone: the solvers keep it alone.
    """

    keys: list[str]
    names: list[str]
    population: IntArray
    lat: FloatArray
    lon: FloatArray
    #: The Kreis of each body (ARS prefix, 5 digits), for "stay within a Landkreis".
    kreis: list[str]
    edges: list[tuple[int, int]]
    params: CostParameters
    #: Names of the existing alliances each body belongs to (for the reasons of a recommendation).
    alliances: list[frozenset[str]] = field(default_factory=list)
    #: Registry kinds (``verbandsgemeinde`` …), for the supervisory authority named in the reasons.
    kinds: list[str] = field(default_factory=list)
    volume_label: str = "Fälle"

    def __post_init__(self) -> None:
        n = len(self.keys)
        self.population = np.asarray(self.population, dtype=np.int64).reshape(n)
        self.lat = np.asarray(self.lat, dtype=np.float64).reshape(n)
        self.lon = np.asarray(self.lon, dtype=np.float64).reshape(n)
        if len(self.names) != n or len(self.kreis) != n:
            raise ValueError("keys, names and kreis must have the same length")
        if not self.alliances:
            self.alliances = [frozenset()] * n
        if not self.kinds:
            self.kinds = [""] * n
        self.located = ~(np.isnan(self.lat) | np.isnan(self.lon))
        self.xyz = unit_vectors(np.where(self.located, self.lat, 0.0), np.where(self.located, self.lon, 0.0))
        self.volume = self.population.astype(np.float64) * self.params.volume_per_inhabitant
        self.standalone = self.params.office_cost(self.volume)
        kreis_codes: dict[str, int] = {}
        self.kreis_code = np.array(
            [kreis_codes.setdefault(k, len(kreis_codes)) for k in self.kreis], dtype=np.int64
        )
        adjacency: list[set[int]] = [set() for _ in range(n)]
        for a, b in self.edges:
            if a == b:
                continue
            adjacency[a].add(b)
            adjacency[b].add(a)
        self.adjacency: list[list[int]] = [sorted(s) for s in adjacency]
        self.neighbour_sets: list[frozenset[int]] = [frozenset(s) for s in adjacency]
        # Plain lists for the small-group fast path of group_cost.
        self._x, self._y, self._z = (self.xyz[:, k].tolist() for k in range(3))
        self._vol: list[float] = self.volume.tolist()
        self._alone: list[float] = self.standalone.tolist()
        self._loc: list[bool] = self.located.tolist()

    @property
    def n(self) -> int:
        return len(self.keys)

    def index_of(self, key: str) -> int:
        return self.keys.index(key)

    # --- distances ----------------------------------------------------------------------------------

    def distance_km(self, i: int, j: int) -> float:
        if not (self.located[i] and self.located[j]):
            return 0.0
        return float(chord_to_km(np.linalg.norm(self.xyz[i] - self.xyz[j])))

    def distances_from(self, i: int, others: npt.ArrayLike) -> FloatArray:
        """Distances (km) from body ``i`` to each of ``others``."""
        idx = np.asarray(others, dtype=np.int64)
        return chord_to_km(np.linalg.norm(self.xyz[idx] - self.xyz[i], axis=-1))

    def distance_matrix(self, members: npt.ArrayLike) -> FloatArray:
        """Pairwise distances (km) among ``members`` (m × m)."""
        idx = np.asarray(members, dtype=np.int64)
        pts = self.xyz[idx]
        return chord_to_km(np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=-1))

    def cross_distances(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        """Distances (km) between the members of ``a`` (rows) and of ``b`` (columns)."""
        pa = self.xyz[np.asarray(a, dtype=np.int64)]
        pb = self.xyz[np.asarray(b, dtype=np.int64)]
        return chord_to_km(np.linalg.norm(pa[:, None, :] - pb[None, :, :], axis=-1))

    # --- costs --------------------------------------------------------------------------------------

    def singleton(self, i: int) -> GroupCost:
        c = float(self.standalone[i])
        return GroupCost((i,), i, c, c, c, 0.0, 0.0, 0.0)

    def group_cost(
        self, members: Iterable[int], *, max_distance_km: float | None = None, fixed: bool = False
    ) -> GroupCost | None:
        """The cost of ``members`` with the best host; ``None`` when no member can host the group
        within ``max_distance_km`` of every other member (the limit does not apply to ``fixed``).

        Plain Python for small groups (the heuristic costs tens of thousands of them, and NumPy's
        per-call overhead would dominate), NumPy for large ones; both give the same host and cost.
        """
        idx = sorted(set(members))
        if not idx:
            raise ValueError("a group needs at least one member")
        if len(idx) == 1:
            return dataclasses.replace(self.singleton(idx[0]), fixed=fixed)
        limit = None if fixed or max_distance_km is None else max_distance_km + 1e-9
        found = self._host_small(idx, limit) if len(idx) <= _SMALL_GROUP else self._host_large(idx, limit)
        if found is None:
            return None
        host, host_sum, farthest = found
        p = self.params
        volume = sum(self._vol[i] for i in idx)
        office = p.fixed_cost + p.unit_cost * volume**p.scale_exponent
        overhead = (len(idx) - 1) * p.overhead_per_member
        travel = p.travel_rate * host_sum
        return GroupCost(
            members=tuple(idx),
            host=host,
            cost=office + overhead + travel,
            standalone=sum(self._alone[i] for i in idx),
            office=office,
            overhead=overhead,
            travel=travel,
            max_distance_km=farthest,
            fixed=fixed,
        )

    def _host_small(self, idx: list[int], limit: float | None) -> tuple[int, float, float] | None:
        """Best host, its volume-weighted distance sum and its farthest member, in plain Python."""
        m = len(idx)
        xs, ys, zs, vol, loc = self._x, self._y, self._z, self._vol, self._loc
        dist = [[0.0] * m for _ in range(m)]
        for a in range(m):
            i = idx[a]
            if not loc[i]:
                continue  # a member without a centroid contributes no travel (only in fixed groups)
            xi, yi, zi = xs[i], ys[i], zs[i]
            row = dist[a]
            for b in range(a + 1, m):
                j = idx[b]
                if not loc[j]:
                    continue
                chord = math.sqrt((xi - xs[j]) ** 2 + (yi - ys[j]) ** 2 + (zi - zs[j]) ** 2)
                d = _TWO_R * math.asin(min(1.0, chord / 2.0))
                row[b] = d
                dist[b][a] = d
        best: tuple[int, float, float] | None = None
        for a in range(m):
            row = dist[a]
            farthest = max(row)
            if limit is not None and farthest > limit:
                continue
            total = 0.0
            for b in range(m):
                total += row[b] * vol[idx[b]]
            if best is None or total < best[1]:
                best = (idx[a], total, farthest)
        return best

    def _host_large(self, idx: list[int], limit: float | None) -> tuple[int, float, float] | None:
        members = np.array(idx, dtype=np.int64)
        dist = self.distance_matrix(members)
        unlocated = ~self.located[members]
        if unlocated.any():
            dist[unlocated, :] = 0.0
            dist[:, unlocated] = 0.0
        host_sums = dist @ self.volume[members]
        farthest = dist.max(axis=1)
        if limit is not None:
            host_sums = np.where(farthest <= limit, host_sums, np.inf)
        best = int(np.argmin(host_sums))
        if not np.isfinite(host_sums[best]):
            return None
        return idx[best], float(host_sums[best]), float(farthest[best])

    def member_savings(self, group: GroupCost) -> FloatArray:
        """Each member's share of the group's saving, proportional to what it would pay alone.

        Every member then saves the same percentage; this is how the planning reports savings per
        member (the real split is the alliance's allocation key, decided in the shared-services part).
        """
        alone = self.standalone[list(group.members)]
        total = float(alone.sum())
        if total <= 0:
            return np.zeros(len(group.members))
        return alone * (group.saving / total)


def evaluate_partition(
    instance: Instance, groups: Sequence[Sequence[int]], *, fixed: Sequence[bool] | None = None
) -> list[GroupCost]:
    """The cost of every group of a partition (bodies missing from ``groups`` are added alone)."""
    seen: set[int] = set()
    result: list[GroupCost] = []
    for k, members in enumerate(groups):
        members = [int(m) for m in members]
        if seen.intersection(members):
            raise ValueError("groups of a partition must not overlap")
        seen.update(members)
        cost = instance.group_cost(members, fixed=bool(fixed[k]) if fixed is not None else False)
        assert cost is not None  # without a distance limit every group has a host
        result.append(cost)
    result.extend(instance.singleton(i) for i in range(instance.n) if i not in seen)
    return result
