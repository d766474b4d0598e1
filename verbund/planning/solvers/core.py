"""The common ground of the solvers: limits (:class:`Constraints`), feasibility checks, the
result of a plan (:class:`PlanResult`) and the errors (pure: NumPy, no Django)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verbund.common.german import format_number
from verbund.common.i18n import _, gettext_noop

from ..model import GroupCost, Instance

#: ``progress(fraction 0..1, German note)``; called now and then by the long-running solvers.
Progress = Callable[[float, str], None]

#: Gains below this many EUR per year are noise, not improvements (floating point).
EPS = 1e-6
#: Largest number of groups the exact solver enumerates before it gives up.
EXACT_MAX_GROUPS = 1_000_000
#: The exact solver's default time limit (seconds), enumeration and MILP together.
EXACT_TIME_LIMIT = 60.0
#: Relative gap at which HiGHS stops and calls the plan optimal (HiGHS's default).
EXACT_MIP_GAP = 1e-4
#: Bodies in one window that the heuristic re-optimises exactly (see :func:`_improve_windows`).
WINDOW_SIZE = 24
#: Seconds the windows may take in all: a base plus a little per body (0.13 s for 170 bodies, 0.56 s for
#: 2,300, 2.3 s for 11,000). What the windows improve in that time is kept.
WINDOW_BUDGET_BASE = 0.1
WINDOW_BUDGET_PER_BODY = 0.0002
#: Seconds the exact re-cuts of neighbouring groups (:mod:`.recut`) may take in all, likewise: only
#: a cap for slow or loaded machines, as the work budget below normally ends them first (0.4 s
#: before the re-cuts became cheap, when this cap ended them on every non-contiguous plan).
RECUT_BUDGET_BASE = 0.6
RECUT_BUDGET_PER_BODY = 0.0001
#: Sets of neighbouring groups the re-cuts may examine in all (the work budget, the same on every
#: machine; the seconds above only cap it): a base plus some per body (600 for 30 bodies). On the
#: 82 instances of ``bench_planning_families`` the last set that improved was the 282nd; a set
#: costs about 0.5 ms (bulk costs and a branch and bound), so on a 2-core machine the work, not
#: the clock, normally ends the step.
RECUT_WORK_BASE = 300
RECUT_WORK_PER_BODY = 10
#: Seconds HiGHS may spend on one window.
WINDOW_TIME_LIMIT = 0.2
#: The enumeration reads the clock every this many search steps (when it has a deadline).
CLOCK_EVERY = 256
#: A clock in seconds (``time.perf_counter``; the tests inject a fake one).
Clock = Callable[[], float]
#: Nearest bodies that join the candidate graph of the heuristic when groups need not be contiguous.
NEAREST_CANDIDATES = 8


class PlanningError(Exception):
    """A plan cannot be computed (a German message for the user)."""


class ExactTooLarge(PlanningError):
    """The region has too many feasible groups for the exact solver."""


@dataclass(frozen=True)
class Constraints:
    """The limits a planner chooses; ``None`` means no limit. ``fixed_groups`` hold body indices."""

    max_members: int | None = None
    max_population: int | None = None
    max_distance_km: float | None = None
    contiguous: bool = False
    within_kreis: bool = False
    fixed_groups: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.max_members is not None and self.max_members < 1:
            raise ValueError("max_members must be at least 1")
        if self.max_population is not None and self.max_population < 0:
            raise ValueError("max_population must not be negative")
        if self.max_distance_km is not None and self.max_distance_km < 0:
            raise ValueError("max_distance_km must not be negative")
        seen: set[int] = set()
        for group in self.fixed_groups:
            if seen.intersection(group):
                raise ValueError("fixed groups must not overlap")
            seen.update(group)

    @property
    def fixed_members(self) -> frozenset[int]:
        return frozenset(i for group in self.fixed_groups for i in group)


# --- feasibility ------------------------------------------------------------------------------------


def is_connected(instance: Instance, members: Iterable[int]) -> bool:
    """Whether ``members`` form one connected piece of the neighbour graph."""
    todo = set(members)
    if len(todo) <= 1:
        return True
    stack = [todo.pop()]
    while stack:
        node = stack.pop()
        for other in instance.adjacency[node]:
            if other in todo:
                todo.remove(other)
                stack.append(other)
    return not todo


def group_problems(instance: Instance, members: Sequence[int], constraints: Constraints) -> list[str]:
    """What makes ``members`` an infeasible (non-fixed) group, in German; empty when it is feasible."""
    members = sorted(set(members))
    if len(members) <= 1:
        return []
    problems = []
    c = constraints
    if c.max_members is not None and len(members) > c.max_members:
        problems.append(
            _("%(count)s Mitglieder, höchstens %(limit)s erlaubt")
            % {"count": len(members), "limit": c.max_members}
        )
    population = int(instance.population[members].sum())
    if c.max_population is not None and population > c.max_population:
        problems.append(
            _("%(count)s Einwohner, höchstens %(limit)s erlaubt")
            % {"count": format_number(population), "limit": format_number(c.max_population)}
        )
    if c.within_kreis and len({instance.kreis[i] for i in members}) > 1:
        problems.append(_("Mitglieder aus verschiedenen Kreisen"))
    if c.contiguous and not is_connected(instance, members):
        problems.append(_("kein zusammenhängendes Gebiet"))
    if not instance.located[members].all():
        problems.append(_("Mitglied ohne Lage (kein Flächenschwerpunkt)"))
    elif (
        c.max_distance_km is not None
        and instance.group_cost(members, max_distance_km=c.max_distance_km) is None
    ):
        problems.append(
            _("kein Mitglied liegt höchstens %(km)s km von allen anderen")
            % {"km": format_number(c.max_distance_km, 1)}
        )
    if constraints.fixed_members.intersection(members):
        problems.append(_("enthält Mitglieder eines festen Verbunds"))
    return problems


def plan_problems(instance: Instance, constraints: Constraints, groups: Sequence[GroupCost]) -> list[str]:
    """Everything wrong with a plan: bodies missing or twice, infeasible groups, fixed groups broken."""
    problems = []
    counts = np.zeros(instance.n, dtype=np.int64)
    for g in groups:
        counts[list(g.members)] += 1
    if (counts != 1).any():
        problems.append(f"{int((counts != 1).sum())} Körperschaften fehlen oder sind mehrfach verplant")
    fixed = {tuple(sorted(f)) for f in constraints.fixed_groups}
    for g in groups:
        if g.fixed:
            if tuple(sorted(g.members)) not in fixed:
                problems.append(f"Gruppe {g.members} ist als fest markiert, aber kein fester Verbund")
            continue
        for problem in group_problems(instance, g.members, constraints):
            problems.append(f"Gruppe {g.members}: {problem}")
    kept = {tuple(sorted(g.members)) for g in groups if g.fixed}
    for f in fixed - kept:
        problems.append(f"fester Verbund {f} fehlt")
    return problems


# --- results ----------------------------------------------------------------------------------------


@dataclass
class PlanResult:
    """A partition of every body of an instance into groups (singletons included) and how it was found."""

    solver: str
    groups: list[GroupCost]
    seconds: float
    #: Exact solver: whether HiGHS proved the optimum (``None`` for the heuristic).
    proven_optimal: bool | None = None
    #: Exact solver: the best upper bound on the total saving that HiGHS proved.
    upper_bound: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_saving(self) -> float:
        return float(sum(g.saving for g in self.groups))

    @property
    def standalone_cost(self) -> float:
        return float(sum(g.standalone for g in self.groups))

    @property
    def planned_cost(self) -> float:
        return float(sum(g.cost for g in self.groups))

    @property
    def cooperating(self) -> list[GroupCost]:
        return [g for g in self.groups if g.size > 1]

    @property
    def optimality(self) -> str | None:
        """``"proven"``: the exact optimum (HiGHS closed the gap); ``"unproven"``: an exact run stopped
        at its time limit, only a plan with a bound (:attr:`gap`), never a reference for others;
        ``None``: the heuristic, which proves nothing."""
        if self.proven_optimal is None:
            return None
        return "proven" if self.proven_optimal else "unproven"

    @property
    def gap(self) -> float | None:
        """Relative distance to the proven upper bound (0 = proven optimal), when there is one."""
        if self.upper_bound is None:
            return None
        if self.upper_bound <= EPS:
            return 0.0
        return max(0.0, (self.upper_bound - self.total_saving) / self.upper_bound)

    def summary(self) -> dict[str, Any]:
        """The figures every output (command, page, API) shows."""
        cooperating = self.cooperating
        return {
            "solver": self.solver,
            "seconds": round(self.seconds, 3),
            "bodies": sum(g.size for g in self.groups),
            "groups": len(cooperating),
            "bodies_in_groups": sum(g.size for g in cooperating),
            "alone": sum(1 for g in self.groups if g.size == 1),
            "fixed_groups": sum(1 for g in self.groups if g.fixed),
            "largest_group": max((g.size for g in self.groups), default=0),
            "total_saving": round(self.total_saving, 2),
            "standalone_cost": round(self.standalone_cost, 2),
            "planned_cost": round(self.planned_cost, 2),
            "saving_share": round(self.total_saving / self.standalone_cost, 6)
            if self.standalone_cost
            else 0.0,
            "proven_optimal": self.proven_optimal,
            "optimality": self.optimality,
            "upper_bound": None if self.upper_bound is None else round(self.upper_bound, 2),
            "gap": None if self.gap is None else round(self.gap, 6),
            **{k: v for k, v in self.details.items() if isinstance(v, int | float | str | bool)},
        }


def _finish(
    instance: Instance,
    constraints: Constraints,
    solver: str,
    groups: list[list[int]],
    started: float,
    clock: Clock = time.perf_counter,
    **kwargs: Any,
) -> PlanResult:
    fixed_keys = {tuple(sorted(f)) for f in constraints.fixed_groups}
    costs: list[GroupCost] = []
    for members in groups:
        key = tuple(sorted(members))
        fixed = key in fixed_keys
        cost = instance.group_cost(
            key, max_distance_km=None if fixed else constraints.max_distance_km, fixed=fixed
        )
        assert cost is not None, f"solver returned a group without a feasible host: {key}"
        costs.append(cost)
    costs.sort(key=lambda g: (-g.size, -g.saving, g.members))
    return PlanResult(solver=solver, groups=costs, seconds=clock() - started, **kwargs)


#: Texts a run stores (in German, whoever started it) and :mod:`verbund.planning.messages` shows in
#: the reader's language: the warning of a plan, the progress notes of the solvers.
UNLOCATED = gettext_noop(
    "%(count)s Körperschaften ohne Flächenschwerpunkt bleiben allein (keine Entfernungen)."
)
STORED_MESSAGES: list[str] = [UNLOCATED]


def _warnings(instance: Instance) -> list[str]:
    missing = int((~instance.located).sum())
    if not missing:
        return []
    return [UNLOCATED % {"count": format_number(missing)}]
