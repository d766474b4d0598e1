"""The exact reference for small regions: enumeration of every feasible group (ESU) and the
packing problem solved with HiGHS through ``scipy.optimize.milp`` (pure)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_array
from scipy.spatial import cKDTree

from verbund.common.german import format_number
from verbund.common.i18n import _, gettext_noop

from ..model import FloatArray, Instance, chord_to_km
from .core import (
    CLOCK_EVERY,
    EPS,
    EXACT_MAX_GROUPS,
    EXACT_MIP_GAP,
    EXACT_TIME_LIMIT,
    STORED_MESSAGES,
    Clock,
    Constraints,
    ExactTooLarge,
    PlanningError,
    PlanResult,
    Progress,
    _finish,
    _warnings,
)

#: Refusals and progress notes, German in the code; a run stores them, :mod:`verbund.planning.messages`
#: shows the stored German text in the reader's language.
NO_LIMITS = gettext_noop(
    "Ohne Höchstzahl an Mitgliedern, Entfernungsgrenze oder zusammenhängende Gruppen ist jede "
    "Teilmenge eine mögliche Gruppe; die exakte Lösung braucht mindestens eine dieser Grenzen."
)
TOO_MANY_GROUPS = gettext_noop(
    "Mehr als %(count)s mögliche Gruppen: für die exakte Lösung ist die Region zu groß. "
    "Region verkleinern, Grenzen enger fassen oder die Heuristik wählen."
)
ENUMERATION_TIMEOUT = gettext_noop("Zeitgrenze beim Aufzählen der möglichen Gruppen erreicht.")
NO_SOLUTION = gettext_noop("HiGHS fand in %(seconds)s s keine Lösung (%(message)s).")
ENUMERATING = gettext_noop("Mögliche Gruppen werden aufgezählt")
SOLVING = gettext_noop("HiGHS löst das Aufteilungsproblem (%(count)s mögliche Gruppen)")
STORED_MESSAGES.extend([NO_LIMITS, TOO_MANY_GROUPS, ENUMERATION_TIMEOUT, NO_SOLUTION, ENUMERATING, SOLVING])

# --- exact ------------------------------------------------------------------------------------------


def _exact_graph(instance: Instance, constraints: Constraints, allowed: np.ndarray) -> dict[int, list[int]]:
    """The graph whose connected subgraphs contain every feasible group (see :func:`enumerate_groups`),
    over the bodies ``allowed``."""
    nodes = allowed.tolist()
    ok = set(nodes)
    c = constraints
    adjacency: dict[int, list[int]] = {}
    if c.contiguous:
        adjacency = {node: [o for o in instance.adjacency[node] if o in ok] for node in nodes}
    elif c.max_distance_km is not None:
        # Every member lies within the limit of the host: the group is a star around the host in
        # the graph of pairs within the limit, so it is connected there.
        adjacency = {node: [] for node in nodes}
        tree = cKDTree(instance.xyz[allowed])
        chord = 2 * math.sin(min(c.max_distance_km, math.pi * 6371.0) / (2 * 6371.0088))
        for x, y in tree.query_pairs(chord + 1e-12, output_type="ndarray").tolist():
            adjacency[nodes[x]].append(nodes[y])
            adjacency[nodes[y]].append(nodes[x])
    else:
        adjacency = {node: [o for o in nodes if o != node] for node in nodes}
    if c.within_kreis:
        code = instance.kreis_code
        adjacency = {a: [b for b in nbrs if code[b] == code[a]] for a, nbrs in adjacency.items()}
    return {node: sorted(set(nbrs)) for node, nbrs in adjacency.items()}


def enumerate_groups(
    instance: Instance,
    constraints: Constraints,
    *,
    max_groups: int = EXACT_MAX_GROUPS,
    deadline: float = math.inf,
    progress: Progress | None = None,
) -> dict[int, np.ndarray]:
    """Every candidate group of at least two members, by size: ``{size: array (count × size)}``.

    Each connected subgraph of :func:`_exact_graph` is produced exactly once (ESU: extend a subgraph
    only by vertices larger than its first vertex that are not already next to it). Branches are cut
    by the monotone limits (members, population, every pair within twice the distance limit); the
    remaining condition, a host within the limit of every member, is checked with the costs.
    Raises :class:`ExactTooLarge` beyond ``max_groups`` groups or when the ``deadline`` passes.
    """
    c = constraints
    fixed = c.fixed_members
    allowed = np.array(
        [i for i in range(instance.n) if instance.located[i] and i not in fixed], dtype=np.int64
    )
    if not c.contiguous and c.max_distance_km is None and c.max_members is None and allowed.size > 20:
        raise ExactTooLarge(_(NO_LIMITS))
    return _enumerate(instance, c, allowed, max_groups=max_groups, deadline=deadline, progress=progress)


def _enumerate(
    instance: Instance,
    c: Constraints,
    allowed: np.ndarray,
    *,
    max_groups: int,
    deadline: float = math.inf,
    progress: Progress | None = None,
    clock: Clock = time.perf_counter,
) -> dict[int, np.ndarray]:
    """:func:`enumerate_groups` over the bodies ``allowed`` only (a window of the heuristic, or all).

    The ``clock`` is read every :data:`CLOCK_EVERY` steps of the search (subgraphs tried, found or
    cut), so a ``deadline`` also stops a search that finds few groups but tries many."""
    k = c.max_members if c.max_members is not None else int(allowed.size)
    if k < 2 or allowed.size < 2:
        return {}
    adjacency = _exact_graph(instance, c, allowed)
    population: list[int] = instance.population.tolist()
    max_pop = c.max_population
    pair_limit = 2 * c.max_distance_km + 1e-9 if c.max_distance_km is not None else None
    xyz = instance.xyz
    out: dict[int, list[tuple[int, ...]]] = {}
    count = 0
    report = progress or (lambda fraction, note: None)
    ticks = 0
    timed = math.isfinite(deadline)

    near: dict[int, set[int]] = {}
    if pair_limit is not None:
        # Bodies within twice the limit of each other (a member and the host within the limit each).
        nodes_ = allowed.tolist()
        near = {node: {node} for node in nodes_}
        chord = 2 * math.sin(min(pair_limit, math.pi * 6371.0) / (2 * 6371.0088))
        for x, y in cKDTree(xyz[allowed]).query_pairs(chord + 1e-12, output_type="ndarray").tolist():
            near[nodes_[x]].add(nodes_[y])
            near[nodes_[y]].add(nodes_[x])

    def far_from(sub: list[int], w: int) -> bool:
        if pair_limit is None:
            return False
        close = near[w]
        return any(s not in close for s in sub)

    def extend(sub: list[int], pop: int, ext: list[int], closed: set[int], root: int) -> None:
        nonlocal count, ticks
        if len(sub) >= 2:
            out.setdefault(len(sub), []).append(tuple(sub))
            count += 1
            if count > max_groups:
                raise ExactTooLarge(_(TOO_MANY_GROUPS) % {"count": format_number(max_groups)})
        if len(sub) == k:
            return
        ext = list(ext)
        while ext:
            if timed:
                ticks += 1
                if ticks >= CLOCK_EVERY:
                    ticks = 0
                    if clock() > deadline:
                        raise ExactTooLarge(_(ENUMERATION_TIMEOUT))
            w = ext.pop()
            new_pop = pop + population[w]
            if max_pop is not None and new_pop > max_pop:
                continue
            if far_from(sub, w):
                continue
            new_ext = ext + [u for u in adjacency[w] if u > root and u not in closed]
            extend([*sub, w], new_pop, new_ext, closed.union(adjacency[w]), root)

    nodes = allowed.tolist()
    if timed and clock() > deadline:
        raise ExactTooLarge(_(ENUMERATION_TIMEOUT))
    for position, v in enumerate(nodes):
        if position % 50 == 0:
            report(0.5 * position / len(nodes), ENUMERATING)
        extend([v], population[v], [u for u in adjacency[v] if u > v], {v, *adjacency[v]}, v)
    return {size: np.array(groups, dtype=np.int64) for size, groups in sorted(out.items())}


@dataclass
class _Packing:
    """The groups HiGHS chose, the proven bound on their saving, and what the solver reported."""

    chosen: list[list[int]]
    saving: float
    upper_bound: float | None
    proven: bool
    details: dict[str, Any]


def _count_cuts(
    rows: np.ndarray, cols: np.ndarray, sizes: np.ndarray, weights: np.ndarray
) -> LinearConstraint | None:
    """Valid inequalities that close most of the gap of the packing LP.

    Any partition of ``m`` bodies into groups of at most ``k`` has at least ``⌈m/k⌉`` groups, so the
    number of merges, ``Σ (|G| − 1) x_G``, is at most ``m − ⌈m/k⌉``. The LP relaxation ignores this
    rounding (26 bodies in groups of 4 make 6.5 groups in the LP, 7 in reality), which leaves HiGHS
    a gap of about one fixed cost that it closes only by long branching. One inequality per
    connected set of bodies (bodies that can share a group, transitively) restores it. The same
    holds for population (``weights``): with groups of at most ``P_max`` inhabitants (the largest
    candidate group, or the largest body alone), ``m`` bodies with ``P`` inhabitants need at least
    ``⌈P/P_max⌉`` groups; the stronger of the two bounds is used.
    """
    n_rows = weights.size
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    # Link the bodies of each group in a chain; components of that graph are the connected sets.
    order = np.argsort(cols, kind="stable")
    r, c = rows[order], cols[order]
    same = c[1:] == c[:-1]
    graph = coo_array((np.ones(int(same.sum())), (r[:-1][same], r[1:][same])), shape=(n_rows, n_rows))
    count, label = connected_components(graph, directed=False)
    start = np.concatenate([[True], ~same])
    comp_of_column = np.empty(sizes.size, dtype=np.int64)
    comp_of_column[c[start]] = label[r[start]]
    members = np.bincount(label, minlength=count)
    largest = np.zeros(count, dtype=np.int64)
    np.maximum.at(largest, comp_of_column, sizes)
    column_weight = np.bincount(c, weights=weights[r], minlength=sizes.size)
    heaviest = np.zeros(count)
    np.maximum.at(heaviest, label, weights.astype(np.float64))
    np.maximum.at(heaviest, comp_of_column, column_weight)
    total = np.bincount(label, weights=weights, minlength=count)
    groups_needed = np.ceil(members / np.maximum(largest, 1)).astype(np.int64)
    by_weight = np.where(heaviest > 0, np.ceil(total / np.where(heaviest > 0, heaviest, 1) - 1e-9), 0)
    groups_needed = np.maximum(groups_needed, by_weight.astype(np.int64))
    bound = members - groups_needed
    # Only bounds below the trivial one (every group as large as the largest) cut anything off.
    useful = [j for j in range(count) if largest[j] >= 2 and bound[j] < members[j] - members[j] / largest[j]]
    if not useful:
        return None
    index = {j: i for i, j in enumerate(useful)}
    pick = np.array([index.get(int(j), -1) for j in comp_of_column], dtype=np.int64)
    keep = pick >= 0
    matrix = csc_array(
        ((sizes - 1)[keep].astype(np.float64), (pick[keep], np.flatnonzero(keep))),
        shape=(len(useful), sizes.size),
    )
    upper = bound[useful].astype(np.float64)
    return LinearConstraint(matrix, -np.inf, upper)


def _solve_packing(
    instance: Instance,
    by_size: dict[int, np.ndarray],
    constraints: Constraints,
    *,
    time_limit: float,
    mip_rel_gap: float,
) -> _Packing:
    """Choose disjoint groups among ``by_size`` with the largest total saving (MILP, HiGHS).

    HiGHS gets exactly ``time_limit`` seconds, the caller's remaining budget (no minimum: a window
    of the heuristic must not overrun its budget); with nothing left it is not started and
    :class:`PlanningError` says so."""
    columns: list[np.ndarray] = []
    savings: list[float] = []
    enumerated = 0
    for groups in by_size.values():
        enumerated += len(groups)
        costs, _hosts = group_costs(instance, groups, max_distance_km=constraints.max_distance_km)
        saving = instance.standalone[groups].sum(axis=1) - costs
        good = np.isfinite(costs) & (saving > EPS)
        columns.extend(groups[good])
        savings.extend(saving[good].tolist())
    details: dict[str, Any] = {"enumerated_groups": enumerated, "columns": len(columns)}
    if not columns:
        return _Packing([], 0.0, 0.0, True, details)
    bodies = np.concatenate(columns)
    nodes, rows = np.unique(bodies, return_inverse=True)  # one row per body that occurs at all
    sizes = np.array([len(c) for c in columns], dtype=np.int64)
    cols = np.repeat(np.arange(len(columns)), sizes)
    matrix = csc_array((np.ones(rows.size), (rows, cols)), shape=(nodes.size, len(columns)))
    details["count_cuts"] = 0
    constraints_ = [LinearConstraint(matrix, -np.inf, 1)]
    cuts = _count_cuts(rows, cols, sizes, instance.population[nodes].astype(np.float64))
    if cuts is not None:
        constraints_.append(cuts)
        details["count_cuts"] = int(cuts.A.shape[0])
    if not time_limit > 0:
        raise PlanningError(
            _(NO_SOLUTION) % {"seconds": format_number(0, 0), "message": "time limit reached"}
        )
    res = milp(
        -np.asarray(savings),
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=constraints_,
        options={"time_limit": float(time_limit), "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    details.update(
        {
            "milp_status": int(res.status),
            "milp_message": str(res.message),
            "milp_nodes": int(getattr(res, "mip_node_count", 0) or 0),
        }
    )
    if res.x is None:
        raise PlanningError(
            _(NO_SOLUTION) % {"seconds": format_number(time_limit, 0), "message": res.message}
        )
    picked = np.flatnonzero(res.x > 0.5)
    bound = getattr(res, "mip_dual_bound", None)
    upper = -float(bound) if bound is not None and math.isfinite(bound) else None
    value = float(np.asarray(savings)[picked].sum())
    proven = res.status == 0
    if proven and upper is None:
        upper = value
    return _Packing([columns[j].tolist() for j in picked], value, upper, proven, details)


def group_costs(
    instance: Instance, groups: np.ndarray, *, max_distance_km: float | None = None, chunk: int = 50_000
) -> tuple[FloatArray, np.ndarray]:
    """Cost with the best host and the host for many groups of one size at once (``count × size``).

    An infeasible group (no host within the distance limit of every member) costs ``inf``.
    """
    p = instance.params
    count, size = groups.shape
    costs = np.empty(count)
    hosts = np.empty(count, dtype=np.int64)
    for start in range(0, count, chunk):
        g = groups[start : start + chunk]
        pts = instance.xyz[g]
        dist = chord_to_km(np.linalg.norm(pts[:, :, None, :] - pts[:, None, :, :], axis=-1))
        vol = instance.volume[g]
        sums = np.einsum("nij,nj->ni", dist, vol)
        if max_distance_km is not None:
            sums = np.where(dist.max(axis=2) <= max_distance_km + 1e-9, sums, np.inf)
        best = np.argmin(sums, axis=1)
        rows = np.arange(g.shape[0])
        travel = sums[rows, best]
        feasible = np.isfinite(travel)
        cost = (
            p.office_cost(vol.sum(axis=1))
            + (size - 1) * p.overhead_per_member
            + p.travel_rate * np.where(feasible, travel, 0.0)
        )
        costs[start : start + chunk] = np.where(feasible, cost, np.inf)
        hosts[start : start + chunk] = g[rows, best]
    return costs, hosts


def plan_exact(
    instance: Instance,
    constraints: Constraints | None = None,
    *,
    time_limit: float = EXACT_TIME_LIMIT,
    max_groups: int = EXACT_MAX_GROUPS,
    mip_rel_gap: float = EXACT_MIP_GAP,
    progress: Progress | None = None,
) -> PlanResult:
    """The optimal partition (or the best HiGHS finds within ``time_limit``, with its proven bound).

    "Proven optimal" means that HiGHS closed the gap between the plan and its bound to
    ``mip_rel_gap`` (default 10⁻⁴, HiGHS's own default). Raises :class:`ExactTooLarge` when the
    region has too many feasible groups or their enumeration alone exceeds the time limit.
    """
    started = time.perf_counter()
    constraints = constraints or Constraints()
    report = progress or (lambda fraction, note: None)
    deadline = started + time_limit
    by_size = enumerate_groups(
        instance, constraints, max_groups=max_groups, deadline=deadline, progress=report
    )
    columns = sum(len(g) for g in by_size.values())
    report(0.6, SOLVING % {"count": format_number(columns)})
    packing = _solve_packing(
        instance,
        by_size,
        constraints,
        time_limit=deadline - time.perf_counter(),
        mip_rel_gap=mip_rel_gap,
    )
    fixed_saving = _fixed_saving(instance, constraints)
    report(1.0, "fertig")
    return _finish(
        instance,
        constraints,
        "exact",
        _with_singletons(instance, [list(g) for g in constraints.fixed_groups] + packing.chosen),
        started,
        proven_optimal=packing.proven,
        upper_bound=None if packing.upper_bound is None else packing.upper_bound + fixed_saving,
        details=packing.details,
        warnings=_warnings(instance),
    )


def _fixed_saving(instance: Instance, constraints: Constraints) -> float:
    total = 0.0
    for group in constraints.fixed_groups:
        cost = instance.group_cost(group, fixed=True)
        assert cost is not None
        total += cost.saving
    return total


def _with_singletons(instance: Instance, groups: list[list[int]]) -> list[list[int]]:
    covered = {i for g in groups for i in g}
    return groups + [[i] for i in range(instance.n) if i not in covered]
