"""Large neighbourhood search: small windows of neighbouring groups re-optimised exactly (pure)."""

from __future__ import annotations

import time

import numpy as np

from .core import EPS, EXACT_MIP_GAP, WINDOW_TIME_LIMIT, Clock, ExactTooLarge, PlanningError
from .exact import _enumerate, _solve_packing
from .state import _State


def _improve_windows(
    state: _State,
    adjacency: list[list[int]],
    deadline: float,
    *,
    window_size: int,
    max_window_groups: int = 20_000,
    passes: int = 4,
    clock: Clock = time.perf_counter,
) -> tuple[int, set[int]]:
    """Re-optimise small windows of neighbouring groups exactly (large neighbourhood search).

    Greedy merging and single moves leave stranded bodies: a body alone between full groups, two
    groups of three where a better cut gives one of five and one alone. A window is a group that
    could take more members (or any group when there is no member limit) together with the
    neighbouring groups around it, up to ``window_size`` bodies; its bodies are re-partitioned
    optimally (enumeration and HiGHS, as :func:`plan_exact`, on the window only) and the result is
    kept when it saves more. The current groups are a solution of the window problem, so a window
    never gets worse and never infeasible. Windows whose enumeration exceeds ``max_window_groups``
    are skipped.

    The ``deadline`` (on ``clock``) holds for everything: the enumeration of a window stops when it
    passes, HiGHS gets at most the time that is left (and at most ``WINDOW_TIME_LIMIT``), and no
    window starts once it has passed.
    """
    inst, c = state.inst, state.c
    improvements = 0
    touched: set[int] = set()
    for pass_no in range(passes):
        full = c.max_members
        # First the groups that could take more members (stranded bodies lie next to them), then,
        # once those improve nothing, every group: a plan of full groups can still be cut better.
        seeds = sorted(
            gid
            for gid, members in state.members.items()
            if gid not in state.locked
            and adjacency[members[0]]
            and (pass_no > 0 or full is None or len(members) < full)
        )
        if not seeds:
            continue
        changed = False
        for seed in seeds:
            if clock() >= deadline:
                return improvements, touched
            if seed not in state.members:
                continue  # already re-cut in an earlier window of this pass
            window = [seed]
            bodies = list(state.members[seed])
            frontier = [seed]
            while frontier and len(bodies) < window_size:
                next_frontier = []
                for gid in frontier:
                    around = sorted(
                        {int(state.of[o]) for m in state.members[gid] for o in adjacency[m]}
                        - set(window)
                        - state.locked
                    )
                    for other in around:
                        if len(bodies) + len(state.members[other]) > window_size:
                            continue
                        window.append(other)
                        bodies.extend(state.members[other])
                        next_frontier.append(other)
                frontier = next_frontier
            if len(window) < 2 and len(bodies) < 2:
                continue
            current = sum(float(inst.standalone[state.members[g]].sum()) - state.cost[g] for g in window)
            try:
                by_size = _enumerate(
                    inst,
                    c,
                    np.array(sorted(bodies), dtype=np.int64),
                    max_groups=max_window_groups,
                    deadline=deadline,
                    clock=clock,
                )
            except ExactTooLarge:
                continue
            remaining = deadline - clock()
            if remaining <= 0:
                return improvements, touched
            try:
                packing = _solve_packing(
                    inst,
                    by_size,
                    c,
                    time_limit=min(WINDOW_TIME_LIMIT, remaining),
                    mip_rel_gap=EXACT_MIP_GAP,
                )
            except PlanningError:
                continue  # HiGHS found nothing in time: the window stays as it is
            if packing.saving <= current + max(EPS, 1e-9 * abs(current)):
                continue
            for gid in window:
                state.remove_group(gid)
            covered: set[int] = set()
            for members in packing.chosen:
                cost = inst.group_cost(members, max_distance_km=c.max_distance_km)
                assert cost is not None
                gid = state.new_group(members[0])
                state.set_group(gid, sorted(members), cost)
                covered.update(members)
            for body in bodies:
                if body not in covered:
                    state.new_group(body)
            touched.update(bodies)
            improvements += 1
            changed = True
        if not changed and pass_no > 0:
            break
    return improvements, touched
