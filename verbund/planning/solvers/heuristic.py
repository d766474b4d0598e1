"""The Land-wide heuristic: greedy merging, local search, ejection chains and exact windows (pure)."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from verbund.common.i18n import gettext_noop

from ..model import GroupCost, Instance, chord_to_km
from .core import (
    EPS,
    RECUT_BUDGET_BASE,
    RECUT_BUDGET_PER_BODY,
    RECUT_WORK_BASE,
    RECUT_WORK_PER_BODY,
    STORED_MESSAGES,
    WINDOW_BUDGET_BASE,
    WINDOW_BUDGET_PER_BODY,
    WINDOW_SIZE,
    Clock,
    Constraints,
    PlanResult,
    Progress,
    _finish,
    _warnings,
    is_connected,
)
from .recut import _recut_neighbours
from .state import _State, candidate_edges
from .windows import _improve_windows

#: The progress notes of the heuristic (stored by a run in German, shown by verbund.planning.messages).
CANDIDATES = gettext_noop("Kandidaten werden bestimmt")
MERGING = gettext_noop("Runde %(round)s: Gruppen werden zusammengelegt")
IMPROVING = gettext_noop("Runde %(round)s: Gruppen werden verbessert")
DISSOLVING = gettext_noop("Kleine Gruppen werden über Ketten aufgelöst")
RECUTTING = gettext_noop("Benachbarte Gruppen werden paarweise exakt neu geschnitten")
WINDOWS = gettext_noop("Fenster benachbarter Gruppen werden exakt neu aufgeteilt")
STORED_MESSAGES.extend([CANDIDATES, MERGING, IMPROVING, DISSOLVING, RECUTTING, WINDOWS])


def _greedy_merge(
    state: _State, a_edges: np.ndarray, b_edges: np.ndarray, adjacency: list[list[int]]
) -> tuple[int, set[int]]:
    """Merge the pair of neighbouring groups with the best gain until no merge gains anything."""
    inst, c = state.inst, state.c
    if c.max_members is not None and c.max_members < 2:
        return 0, set()
    heap: list[tuple[float, int, int, int, int]] = []
    # All pairs of different groups along candidate edges: pairs of two bodies still alone are
    # costed at once (vectorised), pairs involving larger groups one by one.
    ga, gb = state.of[a_edges], state.of[b_edges]
    differ = ga != gb
    ga, gb = ga[differ], gb[differ]
    sizes = {gid: len(m) for gid, m in state.members.items()}
    movable = np.array(
        [
            g not in state.locked and h not in state.locked
            for g, h in zip(ga.tolist(), gb.tolist(), strict=True)
        ],
        dtype=bool,
    )
    ga, gb = ga[movable], gb[movable]
    both = np.array(
        [sizes[g] == 1 and sizes[h] == 1 for g, h in zip(ga.tolist(), gb.tolist(), strict=True)], dtype=bool
    )
    if both.any():
        sa, sb = ga[both], gb[both]
        ia = np.array([state.members[g][0] for g in sa.tolist()], dtype=np.int64)
        ib = np.array([state.members[g][0] for g in sb.tolist()], dtype=np.int64)
        p = inst.params
        vol_a, vol_b = inst.volume[ia], inst.volume[ib]
        d = chord_to_km(np.linalg.norm(inst.xyz[ia] - inst.xyz[ib], axis=1))
        pair_cost = (
            p.office_cost(vol_a + vol_b)
            + p.overhead_per_member
            + p.travel_rate * np.minimum(vol_a, vol_b) * d
        )
        gain = inst.standalone[ia] + inst.standalone[ib] - pair_cost
        ok = gain > EPS
        if c.max_population is not None:
            ok &= inst.population[ia] + inst.population[ib] <= c.max_population
        if c.max_distance_km is not None:
            ok &= d <= c.max_distance_km + 1e-9
        for g, x, y in zip(gain[ok].tolist(), sa[ok].tolist(), sb[ok].tolist(), strict=True):
            heap.append((-g, state.version[x], state.version[y], x, y))
    seen: set[tuple[int, int]] = set()
    for x, y in zip(ga[~both].tolist(), gb[~both].tolist(), strict=True):
        key = (min(x, y), max(x, y))
        if key in seen:
            continue
        seen.add(key)
        result = state.merged(*key)
        if result is not None and result[0] > EPS:
            heap.append((-result[0], state.version[key[0]], state.version[key[1]], key[0], key[1]))
    heapq.heapify(heap)
    merges = 0
    changed: set[int] = set()
    while heap:
        _neg_gain, va, vb, a, b = heapq.heappop(heap)
        if state.version.get(a) != va or state.version.get(b) != vb:
            continue  # one of the two groups changed since this gain was computed
        result = state.merged(a, b)
        if result is None:  # cannot happen with current versions; kept as a guard
            continue
        _gain, cost, sums, far = result
        state.merge(a, b, cost, sums, far)
        changed.add(a)
        merges += 1
        others = {int(state.of[o]) for m in state.members[a] for o in adjacency[m]}
        others.discard(a)
        for o in sorted(others - state.locked):
            result = state.merged(a, o)
            if result is not None and result[0] > EPS:
                heapq.heappush(heap, (-result[0], state.version[a], state.version[o], a, o))
    touched = {m for gid in changed if gid in state.members for m in state.members[gid]}
    return merges, touched


def _local_search(
    state: _State,
    adjacency: list[list[int]],
    deadline: float,
    dirty: set[int] | None = None,
    clock: Clock = time.perf_counter,
) -> tuple[int, set[int]]:
    """Move single bodies to a neighbouring group or out alone, or swap two, while that saves money.

    Only bodies in ``dirty`` (default: all) are looked at; a change marks the bodies of the groups
    it touched and their candidate neighbours dirty again. Returns the number of improvements and
    the bodies whose groups changed.
    """
    inst = state.inst
    improvements = 0
    touched: set[int] = set()
    todo = set(range(inst.n)) if dirty is None else set(dirty)

    def mark(gids: Iterable[int]) -> None:
        for gid in gids:
            for m in state.members.get(gid, ()):
                touched.add(m)
                todo.add(m)
                todo.update(adjacency[m])

    while todo and clock() < deadline:
        current, todo = sorted(todo), set()
        for v in current:
            g = int(state.of[v])
            if g in state.locked or not adjacency[v]:
                continue
            members = state.members[g]
            rest = [m for m in members if m != v]
            rest_cost = state.cost_of(rest) if rest else None
            alone = float(inst.standalone[v])
            best_delta: float = EPS
            best_move: tuple[Any, ...] | None = None
            if rest_cost is not None:
                delta = state.cost[g] - rest_cost.cost - alone
                if delta > best_delta:
                    best_delta, best_move = delta, ("alone",)
            can_leave = rest_cost is not None or not rest
            base = rest_cost.cost if rest_cost is not None else 0.0
            for h in sorted({int(state.of[o]) for o in adjacency[v]} - {g} - state.locked):
                if can_leave:
                    joined = state.cost_of([*state.members[h], v])
                    if joined is not None:
                        delta = state.cost[g] + state.cost[h] - base - joined.cost
                        if delta > best_delta:
                            best_delta, best_move = delta, ("move", h, joined)
                if rest and len(state.members[h]) > 1:
                    for u in adjacency[v]:
                        if int(state.of[u]) != h:
                            continue
                        cost_g = state.cost_of([*rest, u])
                        if cost_g is None:
                            continue
                        new_h = [m for m in state.members[h] if m != u] + [v]
                        cost_h = state.cost_of(new_h)
                        if cost_h is None:
                            continue
                        delta = state.cost[g] + state.cost[h] - cost_g.cost - cost_h.cost
                        if delta > best_delta:
                            best_delta, best_move = delta, ("swap", h, u, cost_g, new_h, cost_h)
            if best_move is None:
                continue
            if best_move[0] == "alone":
                assert rest_cost is not None
                state.set_group(g, rest, rest_cost)
                mark([g, state.new_group(v)])
            elif best_move[0] == "move":
                _, h, joined = best_move
                if rest_cost is None:
                    state.remove_group(g)
                else:
                    state.set_group(g, rest, rest_cost)
                state.set_group(h, [*state.members[h], v], joined)
                mark([g, h])
            else:
                _, h, u, cost_g, new_h, cost_h = best_move
                state.set_group(g, [*rest, u], cost_g)
                state.set_group(h, new_h, cost_h)
                mark([g, h])
            improvements += 1
    return improvements, touched


#: Groups of up to this many members are "small" for the ejection chains when there is no member limit.
SMALL_WITHOUT_LIMIT = 2


def _dissolve_small_groups(
    state: _State,
    adjacency: list[list[int]],
    deadline: float,
    *,
    max_depth: int = 8,
    clock: Clock = time.perf_counter,
) -> tuple[int, set[int]]:
    """Empty small groups by ejection chains: one group fewer saves roughly one fixed cost.

    With a member limit, greedy merging leaves bodies alone or in small groups between full ones
    (a tiling problem). A body ``e`` of a small group ``E`` can still join a full neighbour group
    ``G1`` if ``G1`` passes one of its bodies to a neighbour ``G2``, which passes one on …, until a
    group with room takes the last one: a chain found by breadth-first search over the groups,
    every intermediate group staying connected and feasible. ``E`` is dissolved when all its bodies
    find such chains; the change is kept only if the total cost falls. Returns the number of groups
    dissolved and the bodies whose groups changed.
    """
    inst, c = state.inst, state.c
    if c.max_members is not None and c.max_members < 2:
        return 0, set()
    # Without a member limit (a population or distance limit makes the tiling problem) the small
    # groups are those of up to SMALL_WITHOUT_LIMIT members.
    k = c.max_members if c.max_members is not None else inst.n
    small = k if c.max_members is not None else SMALL_WITHOUT_LIMIT + 1
    dissolved = 0
    touched: set[int] = set()
    targets = sorted(
        (gid for gid, m in state.members.items() if len(m) < small and gid not in state.locked),
        key=lambda gid: (len(state.members[gid]), gid),
    )
    for target in targets:
        if clock() >= deadline:
            break
        if target not in state.members or not all(adjacency[m] for m in state.members[target]):
            continue
        overlay: dict[int, list[int]] = {}  # group id → members after the chains found so far

        def members_of(gid: int, overlay: dict[int, list[int]] = overlay) -> list[int]:
            return overlay.get(gid, state.members.get(gid, []))

        group_of: dict[int, int] = {}  # body → group id, where the overlay moved it

        def gid_of(body: int, group_of: dict[int, int] = group_of) -> int:
            return group_of.get(body, int(state.of[body]))

        success = True
        while members_of(target):
            remaining = members_of(target)
            # Leave the rest of the target connected: take a body whose removal keeps it so.
            order = [
                e
                for e in remaining
                if len(remaining) == 1 or is_connected(inst, [m for m in remaining if m != e])
            ]
            chain = None
            for e in order:
                chain = _find_chain(state, adjacency, e, target, members_of, gid_of, k, max_depth)
                if chain is not None:
                    break
            if chain is None:
                success = False
                break
            for body, source, dest in chain:
                overlay[source] = [m for m in members_of(source) if m != body]
                overlay[dest] = [*members_of(dest), body]
                group_of[body] = dest
        if not success:
            continue
        before = sum(state.cost[g] for g in overlay)
        new_costs: dict[int, GroupCost] = {}
        for gid, members in overlay.items():
            if not members:
                continue
            cost = state.cost_of(members)
            if cost is None:
                break
            new_costs[gid] = cost
        else:
            after = sum(cost.cost for cost in new_costs.values())
            if after < before - EPS:
                for gid, members in overlay.items():
                    touched.update(state.members.get(gid, []))
                    if members:
                        state.set_group(gid, members, new_costs[gid])
                    else:
                        state.remove_group(gid)
                dissolved += 1
    return dissolved, touched


def _find_chain(
    state: _State,
    adjacency: list[list[int]],
    e: int,
    source: int,
    members_of: Callable[[int], list[int]],
    gid_of: Callable[[int], int],
    k: int,
    max_depth: int,
) -> list[tuple[int, int, int]] | None:
    """Breadth-first search for moves ``(body, from group, to group)`` that bring ``e`` into another
    group, each receiving group passing one body on until one has room (see
    :func:`_dissolve_small_groups`). Every group along the chain stays connected and within the limits."""
    start = [(gid_of(o), e) for o in adjacency[e] if gid_of(o) != source]
    queue: list[tuple[int, int, list[tuple[int, int, int]]]] = []
    seen = {source}
    for gid, body in sorted(set(start)):
        if gid in state.locked or gid in seen:
            continue
        seen.add(gid)
        queue.append((gid, body, [(body, source, gid)]))
    head = 0
    while head < len(queue):
        gid, incoming, path = queue[head]
        head += 1
        members = [*members_of(gid), incoming]
        if len(members) <= k and state.cost_of(members) is not None:
            return path
        if len(path) >= max_depth:
            continue
        for u in members:
            if u == incoming:
                continue
            rest = [m for m in members if m != u]
            if state.cost_of(rest) is None:
                continue  # passing u on would break this group (contiguity, distance, population)
            for o in adjacency[u]:
                nxt = gid_of(o)
                if nxt in seen or nxt in state.locked:
                    continue
                seen.add(nxt)
                queue.append((nxt, u, [*path, (u, gid, nxt)]))
    return None


def plan_heuristic(
    instance: Instance,
    constraints: Constraints | None = None,
    *,
    progress: Progress | None = None,
    time_limit: float | None = None,
    rounds: int = 4,
    window_size: int = WINDOW_SIZE,
    clock: Clock = time.perf_counter,
) -> PlanResult:
    """A good partition fast: greedy merging and local search, alternating until nothing improves,
    then exact re-optimisation of small windows (``window_size`` bodies, 0 = none) and a last local
    search around what the windows changed.

    ``time_limit`` (seconds) bounds the local search and the windows; the greedy phase always
    completes, and whatever is done when time runs out is a feasible plan. The windows keep their own
    budget (``WINDOW_BUDGET_BASE + WINDOW_BUDGET_PER_BODY · n``, never beyond ``time_limit``) on the
    ``clock`` (injected by the tests).
    """
    started = clock()
    constraints = constraints or Constraints()
    deadline = started + time_limit if time_limit is not None else math.inf
    report = progress or (lambda fraction, note: None)
    report(0.0, CANDIDATES)
    a_edges, b_edges = candidate_edges(instance, constraints)
    adjacency: list[list[int]] = [[] for _ in range(instance.n)]
    for a, b in zip(a_edges.tolist(), b_edges.tolist(), strict=True):
        adjacency[a].append(b)
        adjacency[b].append(a)
    state = _State(instance, constraints)
    merges = moves = 0
    dirty: set[int] | None = None
    for round_no in range(rounds):
        report(0.1 + 0.8 * round_no / rounds, MERGING % {"round": round_no + 1})
        merged, merged_bodies = _greedy_merge(state, a_edges, b_edges, adjacency)
        if round_no and not merged:
            break
        if dirty is not None:
            dirty |= merged_bodies | {o for m in merged_bodies for o in adjacency[m]}
        report(0.1 + 0.8 * (round_no + 0.5) / rounds, IMPROVING % {"round": round_no + 1})
        improved, touched = _local_search(state, adjacency, deadline, dirty, clock)
        dirty = touched | {o for m in touched for o in adjacency[m]}
        merges += merged
        moves += improved
        if not improved or clock() >= deadline:
            break
    report(0.85, DISSOLVING)
    dissolved, touched = _dissolve_small_groups(state, adjacency, deadline, clock=clock)
    if touched:
        improved, _ = _local_search(
            state, adjacency, deadline, touched | {o for m in touched for o in adjacency[m]}, clock
        )
        moves += improved
    recuts = recut_sets = 0
    recut_end = "skipped"
    if clock() < deadline:
        report(0.88, RECUTTING)
        budget = RECUT_BUDGET_BASE + RECUT_BUDGET_PER_BODY * instance.n
        recut_deadline = min(deadline, clock() + budget)
        max_work = RECUT_WORK_BASE + RECUT_WORK_PER_BODY * instance.n
        recuts, touched, recut_sets = _recut_neighbours(
            state, adjacency, recut_deadline, max_work=max_work, clock=clock
        )
        # What ended the re-cuts: nothing left to improve, the work budget or the clock.
        recut_end = "work" if recut_sets >= max_work else "clock" if clock() >= recut_deadline else "done"
        if touched:
            improved, _ = _local_search(
                state, adjacency, deadline, touched | {o for m in touched for o in adjacency[m]}, clock
            )
            moves += improved
    windows = 0
    if window_size > 1 and clock() < deadline:
        report(0.9, WINDOWS)
        budget = WINDOW_BUDGET_BASE + WINDOW_BUDGET_PER_BODY * instance.n
        window_deadline = min(deadline, clock() + budget)
        windows, touched = _improve_windows(
            state, adjacency, window_deadline, window_size=window_size, clock=clock
        )
        if touched:
            improved, _ = _local_search(
                state, adjacency, deadline, touched | {o for m in touched for o in adjacency[m]}, clock
            )
            moves += improved
    report(1.0, "fertig")
    return _finish(
        instance,
        constraints,
        "heuristic",
        list(state.members.values()),
        started,
        clock=clock,
        details={
            "merges": merges,
            "moves": moves,
            "dissolved": dissolved,
            "recuts": recuts,
            "recut_sets": recut_sets,
            "recut_end": recut_end,
            "windows": windows,
            "candidate_edges": int(a_edges.size),
        },
        warnings=_warnings(instance),
    )
