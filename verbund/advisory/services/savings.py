"""The one way Verbund computes savings (the programme dashboard, the reports, the evidence figures).

**The method: both sides before fee income (gross).**

``saving = stand-alone cost of all recipients − shared cost of the recipients``

* *stand-alone cost* — what the recipients would spend alone on the task (the task's cost model,
  :meth:`verbund.shared_services.costing.CostModel.standalone`). It is a cost **before** fees: a
  member alone would collect the fees of its own cases as well.
* *shared cost* — what the recipients pay for the shared service **plus** their part of the fee
  income the service earned (``share + revenue_share`` of each settlement line). The share is of the
  provider's full cost — staff, material, IT, other costs and the provider's overheads
  (Gemeinkosten) — after the fee income was deducted; adding the recipients' parts of that income
  back puts the shared side before fees as well.

The old comparison put the stand-alone estimate (gross) against the share (net of fees); the fees
were then counted as a saving although they are collected alone too, which inflated the savings by
exactly the fee income (:func:`inflated_saving` keeps that formula only to show the difference).

Only settlement lines with **both** an estimate and a revenue part count (a line without an estimate
says nothing about savings), on both sides: the sums are over the same lines.

**Planned savings** come from the applications: the yearly costs without and with cooperation the
applicant states (``baseline_annual_costs`` − ``expected_annual_costs``); the application form asks for
both on the same footing, so the planned saving is their difference (:func:`planned_saving`).

The database side (:data:`LINE_SAVING`, :func:`saving_aggregates`) computes exactly the same sums as the
Python side (:func:`saving`); a test checks that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

#: Settlement lines that take part in the savings: an estimate and a revenue part exist.
LINE_WITH_ESTIMATE = Q(standalone_cost__isnull=False, revenue_share__isnull=False)

_MONEY: DecimalField[Any, Any] = DecimalField(max_digits=16, decimal_places=2)

#: A settlement line's shared cost before fees, as a database expression.
LINE_SHARED_GROSS = ExpressionWrapper(F("share") + F("revenue_share"), output_field=_MONEY)


def shared_gross(share: Decimal, revenue_share: Decimal) -> Decimal:
    """A recipient's shared cost before fee income: its share plus its part of the fee income."""
    return share + revenue_share


def saving(standalone: Decimal, share: Decimal, revenue_share: Decimal) -> Decimal:
    """The saving of one recipient (or of sums over the same lines): both sides before fees."""
    return standalone - shared_gross(share, revenue_share)


def inflated_saving(standalone: Decimal, share: Decimal) -> Decimal:
    """The old, inflated comparison (gross stand-alone against the net share) — for the record only."""
    return standalone - share


def saving_percent(saving_amount: Decimal, standalone: Decimal) -> Decimal | None:
    """The saving in percent of the stand-alone cost, cut (not rounded) to two decimals."""
    if standalone <= 0:
        return None
    return (saving_amount * HUNDRED / standalone).quantize(CENT, rounding=ROUND_DOWN)


def planned_saving(baseline: Decimal | None, expected: Decimal | None) -> Decimal | None:
    """The saving an application plans per year (``None`` unless both costs are stated)."""
    if baseline is None or expected is None:
        return None
    return baseline - expected


@dataclass(frozen=True)
class Savings:
    """Sums of savings over settlement lines (all on the same lines, see the module)."""

    standalone: Decimal = ZERO
    shared: Decimal = ZERO  # before fees: shares + parts of the fee income
    lines: int = 0

    @property
    def saving(self) -> Decimal:
        return self.standalone - self.shared

    @property
    def percent(self) -> Decimal | None:
        return saving_percent(self.saving, self.standalone)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standalone": str(self.standalone),
            "shared": str(self.shared),
            "saving": str(self.saving),
            "percent": None if self.percent is None else str(self.percent),
            "lines": self.lines,
        }


def saving_aggregates() -> dict[str, Any]:
    """``aggregate()``/``annotate()`` arguments on ``SettlementLine`` rows already filtered with
    :data:`LINE_WITH_ESTIMATE`: ``standalone``, ``shared`` (before fees) and ``lines``."""
    from django.db.models import Count

    return {
        "standalone": Coalesce(Sum("standalone_cost"), ZERO, output_field=_MONEY),
        "shared": Coalesce(Sum(LINE_SHARED_GROSS), ZERO, output_field=_MONEY),
        "lines": Count("pk"),
    }


def chosen_lines() -> QuerySet[Any]:
    """The settlement lines the measured savings are summed over: lines with an estimate
    (:data:`LINE_WITH_ESTIMATE`) of the finalized settlement that counts per service and year — the
    final settlement before the advances, the newest version.

    The choice is a correlated lookup per line on the index of (service, year, kind, version), not
    ``settlement__in=<settlements whose pk is the chosen one>``: for that form PostgreSQL expects a
    single settlement and joins by nested loops (seconds at 8,000 settlements)."""
    from verbund.shared_services.models import Settlement, SettlementLine, SettlementStatus

    chosen = (
        Settlement.objects.filter(
            service=OuterRef("settlement__service"),
            year=OuterRef("settlement__year"),
            status=SettlementStatus.FINALIZED,
        )
        .order_by("-kind", "-version")  # "final" > "advance"
        .values("pk")[:1]
    )
    return SettlementLine.objects.filter(
        LINE_WITH_ESTIMATE, settlement__status=SettlementStatus.FINALIZED, settlement=Subquery(chosen)
    )


def savings_of(row: dict[str, Any]) -> Savings:
    """A :class:`Savings` from a row computed with :func:`saving_aggregates`."""
    return Savings(
        standalone=Decimal(row.get("standalone") or ZERO).quantize(CENT),
        shared=Decimal(row.get("shared") or ZERO).quantize(CENT),
        lines=int(row.get("lines") or 0),
    )
