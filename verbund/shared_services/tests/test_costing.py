"""Cost plan arithmetic without a database: staff as positions × the pay grade's rate, overhead as a
percentage of staff costs, revenues reducing what is shared, a surplus never shared out; advance
instalments that add up exactly with their due dates; the stand-alone cost C(v) = F + c·v^β."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from verbund.shared_services.costing import (
    CostLine,
    CostModel,
    CostPlanError,
    due_dates,
    instalments,
    plan_totals,
)

RATES = {"E9a": Decimal("66800.00"), "A11": Decimal("77800.00")}


def test_plan_totals_price_staff_add_overhead_on_staff_and_subtract_revenues():
    totals = plan_totals(
        [
            CostLine("staff", "Sachbearbeitung", fte=Decimal("2.50"), pay_grade="E9a"),
            CostLine("staff", "Leitung", fte=Decimal("0.25"), pay_grade="A11"),
            CostLine("overhead", "Gemeinkosten", percent=Decimal("20")),
            CostLine("material", "Porto, Formulare", amount=Decimal("4300")),
            CostLine("it", "Fachverfahren", amount=Decimal("12500.50")),
            CostLine("revenue", "Gebühren", amount=Decimal("30000")),
        ],
        RATES,
    )
    assert totals.staff == Decimal("186450.00")  # 2.5 × 66,800 + 0.25 × 77,800
    assert totals.overhead == Decimal("37290.00")  # 20 % of staff
    assert totals.gross == Decimal("240540.50")
    assert totals.revenue == Decimal("30000.00")
    assert totals.net == totals.shared == Decimal("210540.50")
    assert totals.surplus == Decimal("0.00")
    assert totals.fte == Decimal("2.75")
    assert [p.rate for p in totals.lines[:2]] == [Decimal("66800.00"), Decimal("77800.00")]


def test_a_surplus_is_not_shared():
    totals = plan_totals(
        [
            CostLine("material", "Miete", amount=Decimal("100")),
            CostLine("revenue", "Gebühren", amount=Decimal("150")),
        ],
        {},
    )
    assert totals.net == Decimal("-50.00")
    assert totals.shared == Decimal("0.00")
    assert totals.surplus == Decimal("50.00")


def test_unknown_pay_grade_and_missing_figures_are_refused():
    with pytest.raises(CostPlanError, match="E15"):
        plan_totals([CostLine("staff", "x", fte=Decimal(1), pay_grade="E15")], RATES)
    with pytest.raises(CostPlanError, match="Betrag fehlt"):
        plan_totals([CostLine("it", "Server")], RATES)
    with pytest.raises(CostPlanError, match="Prozentsatz"):
        plan_totals([CostLine("overhead", "GK")], RATES)


def test_instalments_add_up_exactly_earlier_ones_take_the_odd_cents():
    assert instalments(Decimal("100.00"), 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = instalments(Decimal("26450.03"), 4)
    assert parts == [Decimal("6612.51"), Decimal("6612.51"), Decimal("6612.51"), Decimal("6612.50")]
    assert sum(parts) == Decimal("26450.03")


def test_due_dates_quarterly_and_monthly():
    assert due_dates(2026, 4) == [
        dt.date(2026, 2, 15),
        dt.date(2026, 5, 15),
        dt.date(2026, 8, 15),
        dt.date(2026, 11, 15),
    ]
    assert len(due_dates(2026, 12)) == 12
    with pytest.raises(CostPlanError):
        due_dates(2026, 3)


def test_standalone_cost_follows_the_cost_model_and_is_pro_rata():
    model = CostModel(
        fixed_cost=Decimal("180000"), unit_cost=Decimal("35"), scale_exponent=Decimal("0.85"),
        volume_per_inhabitant=Decimal("0.2"),
    )  # fmt: skip
    volume = 0.2 * 61_608
    expected = 180000 + 35 * volume**0.85
    assert model.standalone(61_608) == Decimal(str(round(expected, 2))).quantize(Decimal("0.01"))
    assert model.standalone(61_608, days=73) == (Decimal(repr(expected / 5))).quantize(Decimal("0.01"))
    assert model.standalone(0) == Decimal("0.00")
    # economies of scale: two halves alone cost more than the whole
    assert 2 * model.standalone(30_000) > model.standalone(60_000)
