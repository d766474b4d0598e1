"""Re-cutting neighbouring groups exactly: the best partition of two or three adjacent groups (pure).

Single moves and swaps change one or two bodies at a time; greedy merging never undoes a merge.
Many poor plans differ from a better one by a different cut between neighbouring groups: two groups
of four where a group of five and one of three save more, a pair and a trio that should be two
pairs and a singleton … The union of two (or three) adjacent groups of up to ``max_bodies`` bodies
has few feasible subsets, so its best partition is found exactly by dynamic programming over the
subsets (every feasible group containing the lowest remaining body, or that body alone). The current
cut is one of the partitions, so a re-cut never makes the plan worse or infeasible.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .core import EPS, Clock
from .state import _State

#: Bodies in the union of neighbouring groups that is re-cut exactly (2^16 subsets at most).
RECUT_MAX_BODIES = 16
#: Sets of groups up to this many bodies and groups are always re-cut; larger ones (costly: many
#: feasible subsets) only when their bodies might fit into fewer groups (a fixed cost saved).
RECUT_NARROW_BODIES = 12
RECUT_NARROW_GROUPS = 4
#: Small groups whose sets of neighbouring groups are ranked together (by the groups they might save).
RECUT_RANK_ROOTS = 64
#: With a member limit up to this, the feasible subsets of a wide set are few: always re-cut it.
RECUT_SMALL_MEMBERS = 5
#: Neighbouring groups re-cut together around a small group (pairs first, then triples … up to five).
#: Four groups of 15 bodies (β = 0.5, at most 5 members: 5 + 3 + 2 + 5 → 5 + 5 + 5) and five groups
#: of 13 (distance and population limits: 3 + 3 + 3 + 2 + 2 → 4 + 3 + 3 + 3) were the cuts that
#: kept the heuristic below 0.99 of the optimum with 12 bodies and 4 groups.
RECUT_MAX_GROUPS = 5


#: The subsets of each byte, to list the subsets of a bit mask byte by byte.
_BYTE_SUBSETS = [np.array([s for s in range(256) if not s & ~b], dtype=np.int64) for b in range(256)]


#: Subset lists of small masks already built (they recur across re-cuts); read-only arrays.
_SUBSETS_CACHE: dict[int, np.ndarray] = {}


def _subsets(mask: int) -> np.ndarray:
    """Every subset of the bit mask ``mask`` (ascending within each byte), as an array."""
    original = mask
    cached = _SUBSETS_CACHE.get(mask)
    if cached is not None:
        return cached
    out = np.zeros(1, dtype=np.int64)
    shift = 0
    while mask:
        part = _BYTE_SUBSETS[mask & 255] << shift
        out = (out[:, None] | part[None, :]).ravel()
        mask >>= 8
        shift += 8
    if out.size <= 1024 and len(_SUBSETS_CACHE) < 4096:  # at most 32 MB
        out.setflags(write=False)
        _SUBSETS_CACHE[original] = out
    return out


def _savings_cache(state: _State) -> dict[tuple[int, ...], float]:
    """Savings of would-be groups (negative: infeasible), kept on the state across re-cuts."""
    cache: dict[tuple[int, ...], float] | None = getattr(state, "_recut_savings", None)
    if cache is None or len(cache) > 1_000_000:
        cache = {}
        state._recut_savings = cache  # type: ignore[attr-defined]
    return cache


def _best_partition(
    state: _State, union: list[int], floor: float = -math.inf
) -> tuple[float, list[list[int]]]:
    """The largest saving of a partition of ``union`` into feasible groups, and its groups of 2+.

    When a cheap upper bound shows that no partition saves more than ``floor`` (every body's best
    share ``saving / size`` over the feasible groups it could join, summed), the dynamic programme
    is skipped and ``(floor, [])`` returned: nothing better exists.
    """
    inst, c = state.inst, state.c
    u = len(union)
    largest = u if c.max_members is None else min(u, c.max_members)
    pop = [int(inst.population[b]) for b in union]
    cap = c.max_population
    # Pairs that can share a group at all: within twice the distance limit (both near one host),
    # in the same Kreis when asked (a cheap cut before the costs).
    close: list[int] = [(1 << u) - 1] * u
    if c.max_distance_km is not None or c.within_kreis:
        dist = inst.distance_matrix(union).tolist()
        limit = math.inf if c.max_distance_km is None else 2 * c.max_distance_km + 1e-9
        code = [int(inst.kreis_code[b]) for b in union]
        close = [
            sum(
                1 << j for j in range(u) if dist[i][j] <= limit and (not c.within_kreis or code[i] == code[j])
            )
            for i in range(u)
        ]
    savings = _savings_cache(state)
    by_low: list[list[tuple[int, float]]] = [[] for _ in range(u)]
    share = [0.0] * u  # the best saving per member of a group each body can be in

    def grow(combo: list[int], key: tuple[int, ...], mask: int, allowed: int, population: int) -> None:
        if len(combo) >= 2:
            saving = savings.get(key)
            if saving is None:
                cost = state.cost_of(list(key))
                saving = -1.0 if cost is None else cost.standalone - cost.cost
                savings[key] = saving
            if saving > EPS:
                by_low[combo[0]].append((mask, saving))
                per_member = saving / len(combo)
                for i in combo:
                    if per_member > share[i]:
                        share[i] = per_member
        if len(combo) == largest:
            return
        for j in range(combo[-1] + 1, u):
            if allowed >> j & 1 and (cap is None or population + pop[j] <= cap):
                grow([*combo, j], (*key, union[j]), mask | 1 << j, allowed & close[j], population + pop[j])

    for i in range(u):
        grow([i], (union[i],), 1 << i, close[i], pop[i])
    if sum(share) <= floor + max(EPS, 1e-9 * abs(floor)):
        return floor, []
    # f[mask]: the best saving of the bodies in ``mask``; the lowest body of a mask is alone or in a
    # group with only higher bodies, so masks are solved by their lowest body, from the highest down.
    # Each group updates exactly the masks that contain it (itself plus any subset of the higher
    # bodies outside it), so the work is the sum of 2^(free bits) over the groups, not
    # groups × masks: large groups, the common case, touch few masks.
    f = np.zeros(1 << u)
    choice = np.zeros(1 << u, dtype=np.int64)
    full = (1 << u) - 1
    for low in reversed(range(u)):
        shift = low + 1
        higher = full & ~((1 << shift) - 1)
        value = f[np.arange(1 << (u - shift), dtype=np.int64) << shift]  # the lowest body alone
        chosen = np.zeros(value.size, dtype=np.int64)
        for group, saving in by_low[low]:
            subs = _subsets(higher & ~group)
            index = (group | subs) >> shift
            candidate = saving + f[subs]
            better = candidate > value[index] + EPS
            if better.any():
                at = index[better]
                value[at] = candidate[better]
                chosen[at] = group
        masks = (np.arange(value.size, dtype=np.int64) << shift) | (1 << low)
        f[masks] = value
        choice[masks] = chosen
    total = float(f[full])
    groups: list[list[int]] = []
    mask = full
    while mask:
        pick = int(choice[mask])
        if pick:
            groups.append([union[i] for i in range(u) if pick >> i & 1])
            mask ^= pick
        else:
            mask &= mask - 1
    return total, groups


def _recut_neighbours(
    state: _State,
    adjacency: list[list[int]],
    deadline: float,
    *,
    max_bodies: int = RECUT_MAX_BODIES,
    max_groups: int = RECUT_MAX_GROUPS,
    rounds: int = 4,
    max_work: int | None = None,
    clock: Clock = time.perf_counter,
) -> tuple[int, set[int], int]:
    """Re-cut sets of two to ``max_groups`` adjacent groups with at most ``max_bodies`` bodies
    exactly, keeping better cuts, until a round improves nothing, ``max_work`` sets have been
    re-cut (the work budget: the same result on any machine) or the ``deadline`` passes (the
    seconds budget, a cap). Returns the number of improvements, the bodies whose groups changed and
    the number of sets re-cut."""
    inst, c = state.inst, state.c
    improvements = 0
    touched: set[int] = set()
    small = c.max_members if c.max_members is not None else 3

    def saving_of(gids: list[int]) -> float:
        return sum(float(inst.standalone[state.members[g]].sum()) - state.cost[g] for g in gids)

    def around(gid: int) -> list[int]:
        return sorted(
            {int(state.of[o]) for m in state.members[gid] for o in adjacency[m]} - {gid} - state.locked
        )

    examined: set[tuple[tuple[int, ...], ...]] = set()

    def try_recut(gids: list[int]) -> bool:
        union = sorted(b for g in gids for b in state.members[g])
        # The same groups again (unchanged since the last look) cannot be cut better.
        key = tuple(sorted(tuple(sorted(state.members[g])) for g in gids))
        if key in examined:
            return False
        examined.add(key)
        work_box[0] += 1
        current = saving_of(gids)
        value, groups = _best_partition(state, union, current)
        if value <= current + max(EPS, 1e-9 * abs(current)):
            return False
        for gid in gids:
            state.remove_group(gid)
        covered: set[int] = set()
        for members in groups:
            cost = state.cost_of(members)
            assert cost is not None
            gid = state.new_group(members[0])
            state.set_group(gid, sorted(members), cost)
            covered.update(members)
        for body in union:
            if body not in covered:
                state.new_group(body)
        touched.update(union)
        return True

    def group_sets(root: int, width: int, *, floor: int) -> list[list[int]]:
        """Connected sets of ``width`` groups containing ``root``, all other ids above ``floor``
        (ESU on the graph of groups; ``floor = root`` gives each set once over all roots)."""
        found: list[list[int]] = []

        def extend(chosen: list[int], bodies: int, ext: list[int], closed: set[int]) -> None:
            if len(chosen) == width:
                found.append(chosen)
                return
            ext = list(ext)
            while ext:
                other = ext.pop()
                size = bodies + len(state.members[other])
                if size > max_bodies:
                    continue
                new_ext = ext + [g for g in around(other) if g > floor and g not in closed]
                extend([*chosen, other], size, new_ext, closed | set(around(other)))

        near = [g for g in around(root) if g > floor]
        extend([root], len(state.members[root]), near, {root, *around(root)})
        return found

    def sweep(roots: list[int], widths: range, *, floor_at_root: bool) -> bool | None:
        """Re-cut the sets of groups around ``roots``; ``None`` when the deadline passed."""
        changed = False
        for width in widths:
            for gid in roots:
                if gid not in state.members or not any(adjacency[m] for m in state.members[gid]):
                    continue
                floor = gid if floor_at_root else -1
                for gids in group_sets(gid, width, floor=floor):
                    if clock() >= deadline or (max_work is not None and work_box[0] >= max_work):
                        return None
                    if not all(g in state.members for g in gids) or not worth(gids):
                        continue
                    if try_recut(gids):
                        improvements_box[0] += 1
                        changed = True
                    if gid not in state.members:
                        break
        return changed

    pairs_with: dict[int, bool] = {}

    def saves_in_pair(body: int) -> bool:
        """Whether ``body`` saves money in a pair with one of its candidate neighbours."""
        if body not in pairs_with:
            savings = _savings_cache(state)
            found = False
            for other in adjacency[body]:
                key = (min(body, other), max(body, other))
                saving = savings.get(key)
                if saving is None:
                    cost = state.cost_of(list(key))
                    saving = -1.0 if cost is None else cost.standalone - cost.cost
                    savings[key] = saving
                if saving > EPS:
                    found = True
                    break
            pairs_with[body] = found
        return pairs_with[body]

    def potential(gids: list[int]) -> int:
        """Groups a re-cut of ``gids`` might save at most: their number less the fewest groups
        their bodies fit into under the member and population limits (a fixed cost each). A body
        alone that saves nothing in any pair is left out (it mostly stays alone)."""
        gids = [g for g in gids if len(state.members[g]) > 1 or saves_in_pair(state.members[g][0])]
        if not gids:
            return 0
        bodies = sum(len(state.members[g]) for g in gids)
        fewest = 1
        if c.max_members is not None:
            fewest = max(fewest, -(-bodies // c.max_members))
        if c.max_population is not None and c.max_population > 0:
            population = sum(int(inst.population[state.members[g]].sum()) for g in gids)
            fewest = max(fewest, -(-population // c.max_population))
        return len(gids) - fewest

    def worth(gids: list[int]) -> bool:
        bodies = sum(len(state.members[g]) for g in gids)
        if bodies <= RECUT_NARROW_BODIES and len(gids) <= RECUT_NARROW_GROUPS:
            return True
        if c.max_members is not None and c.max_members <= RECUT_SMALL_MEMBERS:
            return True  # few feasible subsets: a wide set is cheap to re-cut
        return potential(gids) >= 1

    def sweep_ranked(roots: list[int], widths: range) -> bool | None:
        """Re-cut the sets of groups around ``roots`` (``RECUT_RANK_ROOTS`` roots at a time), those
        that might need fewer groups first (the large gains: a fixed cost each); ``None`` when a
        budget ran out."""
        changed = False
        for start in range(0, len(roots), RECUT_RANK_ROOTS):
            sets: dict[frozenset[int], list[int]] = {}
            for gid in roots[start : start + RECUT_RANK_ROOTS]:
                if clock() >= deadline:
                    return None
                if gid not in state.members or not any(adjacency[m] for m in state.members[gid]):
                    continue
                for width in widths:
                    for gids in group_sets(gid, width, floor=-1):
                        if worth(gids):
                            sets.setdefault(frozenset(gids), gids)
            # Stable: among equals the order found (root by root, narrower sets first).
            for gids in sorted(sets.values(), key=potential, reverse=True):
                if clock() >= deadline or (max_work is not None and work_box[0] >= max_work):
                    return None
                if not all(g in state.members for g in gids):
                    continue
                if try_recut(gids):
                    improvements_box[0] += 1
                    changed = True
        return changed

    improvements_box = [0]
    work_box = [0]
    for _round in range(rounds):
        # First around the small groups (where greedy merging leaves its tiling defects), with up
        # to ``max_groups`` groups; then every pair of neighbouring groups.
        small_groups = sorted(
            (g for g, m in state.members.items() if g not in state.locked and len(m) < small),
            key=lambda g: (len(state.members[g]), g),
        )
        first = sweep_ranked(small_groups, range(2, max_groups + 1))
        if first is None:
            break
        pairs = sweep(
            sorted(g for g in state.members if g not in state.locked), range(2, 3), floor_at_root=True
        )
        if pairs is None or not (first or pairs):
            break
    improvements = improvements_box[0]
    return improvements, touched, work_box[0]
