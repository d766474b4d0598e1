"""The programme summary, the uniform savings method and the funding conditions at risk."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.advisory.services import savings
from verbund.advisory.services.conditions import DURATION, PROOF, SAVINGS, conditions_at_risk, proof_due
from verbund.advisory.services.programme import programme_summary
from verbund.funding import workflow

from .programme_world import grant, settle, world

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


# --- savings -----------------------------------------------------------------------------------------


def test_the_fee_income_no_longer_counts_as_a_saving() -> None:
    # Alone 1.000 (before fees); shared: 600 net of 200 fee income -> 800 before fees.
    standalone, share, revenue = Decimal("1000.00"), Decimal("600.00"), Decimal("200.00")
    assert savings.inflated_saving(standalone, share) == Decimal("400.00")
    assert savings.saving(standalone, share, revenue) == Decimal("200.00")
    assert savings.saving_percent(Decimal("200.00"), standalone) == Decimal("20.00")


def test_the_database_sums_equal_the_python_method() -> None:
    w = world(alliances=1)
    from verbund.shared_services.models import SettlementLine

    row = SettlementLine.objects.filter(savings.LINE_WITH_ESTIMATE).aggregate(**savings.saving_aggregates())
    by_hand = sum(
        (
            savings.saving(line.standalone_cost or Decimal(0), line.share, line.revenue_share or Decimal(0))
            for line in SettlementLine.objects.all()
        ),
        Decimal("0"),
    )
    assert savings.savings_of(row).saving == by_hand == Decimal("250.00")
    assert w["alliances"]


def test_summary_savings_are_before_fees_and_only_from_the_chosen_settlement() -> None:
    w = world(alliances=1)
    service, vg = w["alliances"][0]["service"], w["alliances"][0]["vg"]
    # a draft and older advances of the same year do not count; the final settlement does
    settle(service, 2025, [(vg, "1.00", "9999.00", "0.00")], kind="advance")
    settle(service, 2024, [(vg, "1.00", "9999.00", "0.00")], finalize=False)
    summary = programme_summary(today=TODAY)
    measured = summary.savings["measured"]
    # lines: 500 − (300 + 50) and 450 − (300 + 50): 250, not the inflated 350
    assert measured["saving"] == "250.00"
    assert measured["standalone"] == "950.00"
    assert measured["shared"] == "700.00"
    planned = summary.savings["planned"]
    assert planned["saving"] == "200.00" and planned["percent"] == "20.00"


# --- participation, money -------------------------------------------------------------------------


def test_participation_counts_each_body_and_inhabitant_once() -> None:
    w = world(alliances=2)
    summary = programme_summary(today=TODAY)
    p = summary.participation
    assert p["bodies"] == 3  # the shared VG is in both alliances
    assert p["alliances"] == 2
    assert p["municipalities"] == 9  # the Ortsgemeinden through their Verbandsgemeinde
    assert p["inhabitants"] == 3 * 1000 + 2 * 3 * 500
    row = summary.participation_by_kreis[0]
    assert row["kreis"] == w["kreis"].ars[:5] and row["bodies"] == 3
    json.dumps(summary.as_dict())


def test_participation_over_time_follows_joined_and_left() -> None:
    w = world(alliances=1)
    from verbund.alliances.models import Membership

    Membership.objects.filter(body=w["alliances"][0]["vg"]).update(left_on=dt.date(2026, 3, 1))
    summary = programme_summary(years=[2025, 2026], today=TODAY)
    by_year = {r["year"]: r for r in summary.participation_by_year}
    assert by_year[2025]["bodies"] == 2
    assert by_year[2026]["bodies"] == 1


def test_money_per_year() -> None:
    world(alliances=2)
    summary = programme_summary(years=[2025, 2026], today=TODAY)
    by_year = {r["year"]: r for r in summary.money_by_year}
    assert by_year[2025]["granted"] == "20000.00" and by_year[2025]["paid"] == "8000.00"
    assert by_year[2026]["granted"] == "40000.00"
    assert by_year[2025]["budget"] == "5000000.00"
    assert summary.money["granted"] == "60000.00"
    assert summary.money["repaid"] == "0.00"


def test_kreis_filter() -> None:
    world(alliances=1)
    summary = programme_summary(kreis="07999", today=TODAY)
    assert summary.participation["bodies"] == 0
    assert summary.money["granted"] == "0.00"


def test_query_count_does_not_grow_with_alliances() -> None:
    world(alliances=1)
    with CaptureQueriesContext(connection) as small:
        programme_summary(today=TODAY)
    world(alliances=6)
    with CaptureQueriesContext(connection) as large:
        programme_summary(today=TODAY)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- conditions ---------------------------------------------------------------------------------------


def test_proof_of_use_due_and_overdue() -> None:
    w = world(alliances=1)
    application = w["alliances"][0]["application"]
    assert proof_due(dt.date(2026, 12, 31)) == dt.date(2027, 6, 30)
    assert not [r for r in conditions_at_risk(today=TODAY) if r.kind == PROOF]
    risks = [r for r in conditions_at_risk(today=dt.date(2027, 5, 15)) if r.kind == PROOF]
    assert len(risks) == 1 and "fällig am 30.06.2027" in risks[0].label
    assert risks[0].url == application.get_absolute_url()
    late = [r for r in conditions_at_risk(today=dt.date(2027, 8, 1)) if r.kind == PROOF]
    assert "überfällig" in late[0].label
    application.status = workflow.NACHWEIS
    application.save(update_fields=["status"])
    assert not [r for r in conditions_at_risk(today=dt.date(2027, 8, 1)) if r.kind == PROOF]


def test_duration_below_the_minimum(settings) -> None:
    w = world(alliances=1)
    application = w["alliances"][0]["application"]
    assert not [r for r in conditions_at_risk(today=TODAY) if r.kind == DURATION]
    application.commitment_years = 3
    application.save(update_fields=["commitment_years"])
    risks = [r for r in conditions_at_risk(today=TODAY) if r.kind == DURATION]
    assert "Zugesagt sind 3 Jahre" in risks[0].label
    settings.ADVISORY_MIN_COMMITMENT_YEARS = None
    assert not [r for r in conditions_at_risk(today=TODAY) if r.kind == DURATION]


def test_savings_below_the_rule_minimum() -> None:
    from verbund.funding.tests.factories import ProgrammeFactory

    w = world(alliances=1)
    hessen = ProgrammeFactory(preset_key="hessen")
    alliance, vg = w["alliances"][0]["alliance"], w["alliances"][0]["vg"]
    # measured: (950 − 700) / 950 = 26 %: holds
    grant(hessen, alliance, vg, 1, {2025: "1.00"}, commitment_years=5)
    assert not [r for r in conditions_at_risk(today=TODAY) if r.kind == SAVINGS]
    settle(w["alliances"][0]["service"], 2025, [(vg, "900.00", "950.00", "0.00")], version=2)
    risks = [r for r in conditions_at_risk(today=TODAY) if r.kind == SAVINGS]
    assert len(risks) == 1 and "Gemessene Einsparung 5,26 %" in risks[0].label
