"""Cost plans, advance instalments and stand-alone cost estimates: pure arithmetic, no Django import.

A yearly cost plan (Kostenplan) of a shared service has cost items and revenues:

* **staff** (Personalkosten): share of positions (Vollzeitäquivalente) × the yearly cost rate of the
  pay grade (a KGSt-style rate per full-time position, e.g. TVöD E9a or A11);
* **material**, **it** and **other** costs as amounts;
* **overhead** (Gemeinkosten) as a percentage **of the staff costs** (the KGSt way of adding the cost
  of the workplace, management and cross-cutting services);
* **revenue** (fees, Gebühren, Erstattungen), which reduces what is shared.

``net = staff + material + it + other + overhead − revenue``. What the members share is ``net`` when it
is positive; a surplus (revenues above costs) is not shared out by the engine: it is shown, and the
agreement decides what happens to it. Every line amount is rounded half up to the cent, and the
totals are sums of the rounded lines, so the plan a reader sees adds up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from verbund.common.i18n import _
from verbund.common.money import cents, cents_to_decimal, largest_remainder, to_cents

HUNDRED = Decimal(100)

STAFF = "staff"
MATERIAL = "material"
IT = "it"
OTHER = "other"
OVERHEAD = "overhead"
REVENUE = "revenue"
CATEGORIES = (STAFF, MATERIAL, IT, OTHER, OVERHEAD, REVENUE)


class CostPlanError(ValueError):
    """A cost line cannot be computed (unknown pay grade, missing figure). German message."""


@dataclass(frozen=True)
class CostLine:
    """One item of a cost plan. ``fte`` and ``pay_grade`` for staff, ``percent`` for overhead,
    ``amount`` for the other categories."""

    category: str
    description: str = ""
    amount: Decimal | None = None
    fte: Decimal | None = None
    pay_grade: str = ""
    percent: Decimal | None = None


@dataclass(frozen=True)
class PricedLine:
    line: CostLine
    amount: Decimal
    rate: Decimal | None = None  # the pay grade's yearly rate used for a staff line


@dataclass(frozen=True)
class PlanTotals:
    """The totals of a plan; ``shared`` is what is allocated, ``surplus`` what revenues exceed costs."""

    lines: tuple[PricedLine, ...]
    staff: Decimal
    material: Decimal
    it: Decimal
    other: Decimal
    overhead: Decimal
    gross: Decimal
    revenue: Decimal
    net: Decimal
    shared: Decimal
    surplus: Decimal
    fte: Decimal

    def as_dict(self) -> dict[str, str]:
        """The totals as strings (for snapshots stored with a settlement)."""
        return {
            name: str(getattr(self, name))
            for name in ("staff", "material", "it", "other", "overhead", "gross", "revenue", "net")
        } | {"shared": str(self.shared), "surplus": str(self.surplus), "fte": str(self.fte)}


def plan_totals(lines: Iterable[CostLine], rates: Mapping[str, Decimal]) -> PlanTotals:
    """Price every line (staff with ``rates[pay_grade]``, overhead on the staff total) and sum up."""
    lines = list(lines)
    priced: list[PricedLine | None] = [None] * len(lines)
    sums = dict.fromkeys(CATEGORIES, Decimal("0.00"))
    fte_total = Decimal("0.00")
    for i, line in enumerate(lines):
        if line.category not in CATEGORIES:
            raise CostPlanError(_("Unbekannte Kostenart %(category)r.") % {"category": line.category})
        if line.category == STAFF:
            if line.fte is None or line.fte < 0:
                raise CostPlanError(
                    _("Personal „%(line)s“: Stellenanteil fehlt oder ist negativ.")
                    % {"line": line.description}
                )
            rate = rates.get(line.pay_grade)
            if rate is None:
                raise CostPlanError(
                    _("Personal „%(line)s“: für die Entgeltgruppe %(grade)s ist kein Kostensatz hinterlegt.")
                    % {"line": line.description, "grade": line.pay_grade or "–"}
                )
            amount = cents(line.fte * rate)
            priced[i] = PricedLine(line, amount, rate)
            sums[STAFF] += amount
            fte_total += line.fte
        elif line.category != OVERHEAD:
            if line.amount is None or line.amount < 0:
                raise CostPlanError(
                    _("„%(line)s“: Betrag fehlt oder ist negativ.") % {"line": line.description}
                )
            amount = cents(line.amount)
            priced[i] = PricedLine(line, amount)
            sums[line.category] += amount
    for i, line in enumerate(lines):
        if line.category == OVERHEAD:
            if line.percent is None or line.percent < 0:
                raise CostPlanError(
                    _("Gemeinkosten „%(line)s“: Prozentsatz fehlt oder ist negativ.")
                    % {"line": line.description}
                )
            amount = cents(sums[STAFF] * line.percent / HUNDRED)
            priced[i] = PricedLine(line, amount)
            sums[OVERHEAD] += amount
    gross = sums[STAFF] + sums[MATERIAL] + sums[IT] + sums[OTHER] + sums[OVERHEAD]
    net = gross - sums[REVENUE]
    return PlanTotals(
        lines=tuple(p for p in priced if p is not None),
        staff=sums[STAFF],
        material=sums[MATERIAL],
        it=sums[IT],
        other=sums[OTHER],
        overhead=sums[OVERHEAD],
        gross=gross,
        revenue=sums[REVENUE],
        net=net,
        shared=max(net, Decimal("0.00")),
        surplus=max(-net, Decimal("0.00")),
        fte=fte_total,
    )


# --- advance instalments (Abschläge) ----------------------------------------------------------------

#: Customary due dates of municipal levies: 15 Feb, 15 May, 15 Aug, 15 Nov (cf. § 28 GrStG).
QUARTER_DUE = ((2, 15), (5, 15), (8, 15), (11, 15))


def due_dates(year: int, count: int) -> list[dt.date]:
    """Due dates of ``count`` instalments (1: 15 Feb; 2: 15 Feb, 15 Aug; 4: quarterly; 12: monthly)."""
    if count == 1:
        return [dt.date(year, 2, 15)]
    if count == 2:
        return [dt.date(year, 2, 15), dt.date(year, 8, 15)]
    if count == 4:
        return [dt.date(year, m, d) for m, d in QUARTER_DUE]
    if count == 12:
        return [dt.date(year, m, 15) for m in range(1, 13)]
    raise CostPlanError(_("Abschläge: 1, 2, 4 oder 12 Raten."))


def instalments(amount: Decimal, count: int) -> list[Decimal]:
    """Split ``amount`` into ``count`` instalments that add up exactly (largest remainder, earlier first)."""
    split = largest_remainder(to_cents(amount), np.ones(count, dtype=np.int64))
    return [cents_to_decimal(int(c)) for c in split]


# --- stand-alone cost (savings estimate) ------------------------------------------------------------


@dataclass(frozen=True)
class CostModel:
    """``C(v) = F + c · v^β`` of one office serving yearly volume ``v`` (planning refines these)."""

    fixed_cost: Decimal
    unit_cost: Decimal
    scale_exponent: Decimal
    volume_per_inhabitant: Decimal

    def cost(self, volume: float) -> float:
        if volume <= 0:
            return 0.0
        return float(self.fixed_cost) + float(self.unit_cost) * math.pow(volume, float(self.scale_exponent))

    def standalone(self, population: int, *, days: int = 365, year_days: int = 365) -> Decimal:
        """What a member of ``population`` would spend alone on the task for ``days`` of the year."""
        volume = float(self.volume_per_inhabitant) * population
        yearly = self.cost(volume) * days / year_days
        return cents(yearly)


def standalone_costs(
    model: CostModel, populations: Sequence[int | None], days: Sequence[int], year_days: int
) -> list[Decimal | None]:
    """:meth:`CostModel.standalone` for many members (``None`` where the population is unknown)."""
    return [
        None if p is None else model.standalone(p, days=d, year_days=year_days)
        for p, d in zip(populations, days, strict=True)
    ]


# --- savings: like with like ------------------------------------------------------------------------


def revenue_shares(revenue: Decimal, shares: Sequence[Decimal]) -> list[Decimal] | None:
    """Each member's part of the fee income (revenues), in proportion to what it pays, to the cent.

    The stand-alone cost of the cost model is a cost **before** fees (a member alone would collect
    the fees of its own cases as well), while a member's share is of the cost **after** the revenues
    were deducted. Adding each member's part of the revenues back puts both sides before fees; the
    parts add up to the revenue exactly (largest remainder). ``None`` when nothing is allocated (no
    share to weigh by).
    """
    weights = np.array([to_cents(s) for s in shares], dtype=np.int64)
    if not len(weights) or int(weights.sum()) <= 0:
        return None
    return [cents_to_decimal(int(c)) for c in largest_remainder(to_cents(cents(revenue)), weights)]


def saving(standalone: Decimal, share: Decimal, revenue_share: Decimal) -> Decimal:
    """The estimated saving of a member, like with like: stand-alone cost before fees minus its share
    of the shared cost before fees (``share + revenue_share``). Equivalently, both net of the same
    fee income: ``(standalone − revenue_share) − share``."""
    return standalone - (share + revenue_share)
