"""Re-cutting neighbouring groups exactly: the best partition of two or three adjacent groups (pure).

Single moves and swaps change one or two bodies at a time; greedy merging never undoes a merge.
Many poor plans differ from a better one by a different cut between neighbouring groups: two groups
of four where a group of five and one of three save more, a pair and a trio that should be two
pairs and a singleton … The union of two (or three) adjacent groups of up to ``max_bodies`` bodies
has few feasible subsets, so its best partition is found exactly. The current cut is one of the
partitions, so a re-cut never makes the plan worse or infeasible.

A re-cut must be cheap (hundreds are tried, and a seconds cap must not decide which): the feasible
groups of the union are listed and costed in bulk with NumPy (:func:`_union_groups`), a bound from
the linear relaxation (every body's share of the savings, :func:`_tighten`) usually shows at once
that the current cut cannot be beaten, and otherwise a branch and bound on that bound finds the
best partition; only where it would visit too many nodes does the dynamic programme over all
subsets (:func:`_partition_dp`) decide.
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


def _union_groups(state: _State, union: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The feasible groups of two or more bodies of ``union`` that save money, costed in bulk with
    NumPy: their bit masks (bit ``i`` = ``union[i]``), savings and member positions (a row per
    group, ascending, padded with ``len(union)``). The costs are those of
    :meth:`Instance.group_cost` (up to rounding).

    The candidates grow level by level (size 2, 3 …) while they keep within the member and
    population limits, in one Kreis when asked and, under a distance limit, near one body (a
    possible host) together; contiguity and the costs are then computed for all at once.
    """
    inst, c = state.inst, state.c
    u = len(union)
    idx = np.asarray(union, dtype=np.int64)
    largest = u if c.max_members is None else min(u, c.max_members)
    cols = np.arange(u, dtype=np.int64)
    bit = np.left_shift(np.int64(1), cols)
    dist = np.zeros((u + 1, u + 1))  # the last row and column: the member that pads a row (none)
    dist[:u, :u] = inst.distance_matrix(idx)
    pop = np.zeros(u + 1, dtype=np.int64)
    pop[:u] = inst.population[idx]
    same_kreis = None
    if c.within_kreis:
        code = inst.kreis_code[idx]
        same_kreis = code[:, None] == code[None, :]
    near_masks = None
    if c.max_distance_km is not None:
        near = dist[:u, :u] <= c.max_distance_km + 1e-9
        near_masks = np.where(near, bit[None, :], 0).sum(axis=1)
    masks, members = _grown(u, largest, pop[:u], c.max_population, same_kreis, near_masks)
    if c.contiguous and masks.size:  # connected: all reached from the first member within the group
        adjacent = np.zeros((u + 1, u + 1), dtype=bool)
        adjacent[:u, :u] = [[union[j] in inst.neighbour_sets[union[i]] for j in range(u)] for i in range(u)]
        sub = adjacent[members[:, :, None], members[:, None, :]]
        reach = members == u
        reach[:, 0] = True
        for _ in range(members.shape[1] - 1):
            wider = reach | (reach[:, :, None] & sub).any(axis=1)
            if np.array_equal(wider, reach):
                break
            reach = wider
        connected = reach.all(axis=1)
        masks, members = masks[connected], members[connected]
    if not masks.size:
        return masks, np.zeros(0), members
    unlocated = ~inst.located[idx]
    if unlocated.any():  # no travel for a member without a centroid, as in ``group_cost``
        dist[:u, :u][unlocated, :] = 0.0
        dist[:u, :u][:, unlocated] = 0.0
    vol = np.zeros(u + 1)
    vol[:u] = inst.volume[idx]
    alone = np.zeros(u + 1)
    alone[:u] = inst.standalone[idx]
    d = dist[members[:, :, None], members[:, None, :]]
    volumes = vol[members]
    host_sums = np.einsum("nab,nb->na", d, volumes)
    no_host = members == u
    if c.max_distance_km is not None:
        no_host |= d.max(axis=2) > c.max_distance_km + 1e-9
    host_sums[no_host] = np.inf
    best = host_sums.min(axis=1)
    feasible = np.isfinite(best)
    p = inst.params
    cost = (
        p.fixed_cost
        + p.unit_cost * volumes.sum(axis=1) ** p.scale_exponent
        + ((members < u).sum(axis=1) - 1) * p.overhead_per_member
        + p.travel_rate * np.where(feasible, best, 0.0)
    )
    saving = alone[members].sum(axis=1) - cost
    good = feasible & (saving > EPS)
    return masks[good], saving[good], members[good]


def _grown(
    u: int,
    largest: int,
    pop: np.ndarray,
    max_population: int | None,
    together: np.ndarray | None,
    near: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The subsets of 2 to ``largest`` of ``u`` bodies within the population limit whose members
    may all share a group (``together``: pairwise) and, with ``near`` (each body's mask of the
    bodies within the distance limit), have a member within the limit of all others; grown level
    by level (each limit only tightens as a subset grows), as masks and padded rows."""
    cols = np.arange(u, dtype=np.int64)
    bit = np.left_shift(np.int64(1), cols)
    full = (1 << u) - 1
    allowed_with = np.full(u, full, dtype=np.int64)
    if together is not None:
        allowed_with = np.where(together, bit[None, :], 0).sum(axis=1)
    near_of = near if near is not None else np.full(u, full, dtype=np.int64)
    members = cols[:, None]
    masks, pops, allowed, hosts = bit, pop, allowed_with, near_of
    out_masks: list[np.ndarray] = []
    out_members: list[np.ndarray] = []
    for _size in range(2, largest + 1):
        valid = ((allowed[:, None] >> cols[None, :]) & 1).astype(bool) & (cols[None, :] > members[:, -1:])
        if near is not None:  # some body stays within the limit of every member
            valid &= (hosts[:, None] & near[None, :]) != 0
        if max_population is not None:
            valid &= pops[:, None] + pop[None, :] <= max_population
        rows, extra = np.nonzero(valid)
        if not rows.size:
            break
        members = np.concatenate([members[rows], extra[:, None]], axis=1)
        masks, pops = masks[rows] | bit[extra], pops[rows] + pop[extra]
        allowed, hosts = allowed[rows] & allowed_with[extra], hosts[rows] & near_of[extra]
        hosted = (hosts & masks) != 0  # the host must be a member
        out_masks.append(masks[hosted])
        out_members.append(members[hosted])
    if not out_masks:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 1), dtype=np.int64)
    padded = np.full((sum(m.size for m in out_masks), out_members[-1].shape[1]), u, dtype=np.int64)
    at = 0
    for rows_of in out_members:
        padded[at : at + rows_of.shape[0], : rows_of.shape[1]] = rows_of
        at += rows_of.shape[0]
    return np.concatenate(out_masks), padded


#: Nodes the branch and bound of one re-cut may visit before the dynamic programme over every
#: subset (whose work does not depend on the bound) takes over.
RECUT_SEARCH_NODES = 20_000


def _best_partition(
    state: _State, union: list[int], floor: float = -math.inf
) -> tuple[float, list[list[int]]]:
    """The largest saving of a partition of ``union`` into feasible groups, and its groups of 2+.

    Only a partition saving more than ``floor`` (the current cut) is of interest: when none exists,
    ``(floor, [])`` is returned. Every body gets a share of the savings such that the shares of each
    group's members add up to at least its saving (its best ``saving / size``, then lowered by
    :func:`_tighten`): their sum bounds every partition. A branch and bound then places the lowest
    body not yet placed into one of its groups (those that lower the bound least first) or alone,
    and a branch ends when what it has saved plus the remaining bodies' shares cannot beat the best
    partition so far, or when it reaches a set of remaining bodies already reached with at least
    that saving. Usually the bound alone shows that the current cut is best; where the branch and
    bound would need more than ``RECUT_SEARCH_NODES`` nodes, the dynamic programme decides.
    """
    u = len(union)
    masks, savings, members = _union_groups(state, union)
    if not masks.size:
        return (floor, []) if floor >= 0 else (0.0, [])
    threshold = floor + max(EPS, 1e-9 * abs(floor)) if math.isfinite(floor) else floor
    share = np.zeros(u + 1)  # the last: the member that pads the rows of smaller groups (none)
    sizes = (members < u).sum(axis=1)
    np.maximum.at(share, members.ravel(), np.repeat(savings / sizes, members.shape[1]))
    share[u] = 0.0
    if share.sum() <= threshold:
        return floor, []
    share = _tighten(share, savings, members)
    total_share = float(share.sum())
    if total_share <= threshold:
        return floor, []
    # Each body's groups with it as their lowest member, those that lower the bound least first: a
    # group lowers it by its members' shares less its saving (never negative), so once one group
    # cannot beat the best partition, none after it can.
    slack = share[members].sum(axis=1) - savings
    lows = members[:, 0]
    order = np.lexsort((slack, lows))
    starts = np.searchsorted(lows[order], np.arange(u + 1)).tolist()
    rows = list(zip(masks[order].tolist(), savings[order].tolist(), slack[order].tolist(), strict=True))
    by_low = [rows[starts[i] : starts[i + 1]] for i in range(u)]
    shares: list[float] = share.tolist()
    best = 0.0 if floor < 0 else floor
    best_picks: list[int] | None = [] if floor < 0 else None
    picks: list[int] = []
    reached: dict[int, float] = {}
    nodes = 0

    def search(remaining: int, saved: float, bound: float) -> bool:
        """Place the bodies of ``remaining`` (``bound``: at most what the partition can save in
        all); ``False`` when the node budget ran out."""
        nonlocal best, best_picks, nodes
        if not remaining:
            if saved > best + EPS:
                best, best_picks = saved, list(picks)
            return True
        seen = reached.get(remaining)
        if seen is not None and saved <= seen + EPS:
            return True
        reached[remaining] = saved
        nodes += 1
        if nodes > RECUT_SEARCH_NODES:
            return False
        low = remaining & -remaining
        i = low.bit_length() - 1
        for mask, saving, slack in by_low[i]:
            if bound - slack <= best + EPS:
                break
            if mask & remaining == mask:
                picks.append(mask)
                if not search(remaining ^ mask, saved + saving, bound - slack):
                    return False
                picks.pop()
        if bound - shares[i] <= best + EPS:
            return True
        return search(remaining ^ low, saved, bound - shares[i])

    if not search((1 << u) - 1, 0.0, total_share):
        return _partition_dp(union, by_low, floor)
    if best_picks is None:
        return floor, []
    groups = [[union[i] for i in range(u) if pick >> i & 1] for pick in best_picks]
    return best, groups


def _tighten(share: np.ndarray, savings: np.ndarray, members: np.ndarray, sweeps: int = 2) -> np.ndarray:
    """Lower the bodies' shares while every group's members keep at least its saving together
    (a feasible solution of the dual of the partition's linear relaxation, so their sum still
    bounds what any partition saves): body by body, each to what its groups need of it at most."""
    share = share.copy()
    u = share.size - 1
    flat = members.ravel()
    rows = np.repeat(np.arange(members.shape[0]), members.shape[1])
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(u + 1)).tolist()
    groups_of = [rows[order[starts[i] : starts[i + 1]]] for i in range(u)]
    held = share[members].sum(axis=1)
    for _ in range(sweeps):
        for i in np.argsort(-share[:u], kind="stable").tolist():
            rows_i = groups_of[i]
            if not rows_i.size:
                continue
            need = max(0.0, float((savings[rows_i] - held[rows_i]).max()) + share[i])
            if need < share[i]:
                held[rows_i] += need - share[i]
                share[i] = need
    return share


def _partition_dp(
    union: list[int], by_low: list[list[tuple[int, float, float]]], floor: float
) -> tuple[float, list[list[int]]]:
    """The best partition of ``union`` by dynamic programming over all its subsets (``by_low``:
    the saving groups by their lowest body), as :func:`_best_partition` returns it."""
    u = len(union)
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
        for group, saving, _share in by_low[low]:
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
    if total <= floor + EPS:
        return floor, []
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

    alone: list[float] = inst.standalone.tolist()

    def saving_of(gids: list[int]) -> float:
        return sum(sum(alone[b] for b in state.members[g]) - state.cost[g] for g in gids)

    # The neighbouring groups of each group, until a re-cut changes groups (asked again and again
    # while the sets of groups are listed).
    neighbours: dict[int, list[int]] = {}

    def around(gid: int) -> list[int]:
        found = neighbours.get(gid)
        if found is None:
            of = state.of
            found = sorted(
                {int(of[o]) for m in state.members[gid] for o in adjacency[m]} - {gid} - state.locked
            )
            neighbours[gid] = found
        return found

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
        # The groups found are costed again one by one (the bulk costs may differ by rounding).
        costs = [state.cost_of(members) for members in groups]
        if any(cost is None for cost in costs):
            return False
        saving = sum(cost.standalone - cost.cost for cost in costs if cost is not None)
        if saving <= current + max(EPS, 1e-9 * abs(current)):
            return False
        for gid in gids:
            state.remove_group(gid)
        covered: set[int] = set()
        for members, cost in zip(groups, costs, strict=True):
            assert cost is not None
            gid = state.new_group(members[0])
            state.set_group(gid, sorted(members), cost)
            covered.update(members)
        for body in union:
            if body not in covered:
                state.new_group(body)
        neighbours.clear()
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
            population = sum(state.population[g] for g in gids)
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
