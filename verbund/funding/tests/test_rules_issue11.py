"""Rules of issue 11: budget years match the cost plan, the premature start (vorzeitiger
Maßnahmebeginn), the increase "members share no border" for any two partners, and RLP's inferred
limits shown as assumptions ("Annahme, nicht veröffentlicht")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from verbund.alliances.facts import MemberFacts, derive_facts
from verbund.funding import rules
from verbund.funding.rules import ApplicationFacts, BudgetYear, CapIncrease, RuleSet

from .test_rules import RLP, check, facts

D = Decimal


# --- budget years against the cost plan --------------------------------------------------------------


def test_a_budget_year_before_the_project_and_its_costs_fails():
    """The case of the issue: budget year 2025 for a 2026–2027 project whose costs all fall in 2026."""
    case = facts(
        3,
        requested="100000.00",
        requested_by_year={2025: D("100000.00")},
        budgets={2025: BudgetYear(D("500000.00"), D("0.00")), 2026: BudgetYear(D("500000.00"), D("0"))},
        cost_years={2026: D("100000.00")},
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2027, 12, 31),
    )
    result = check(rules.run_checks(RLP, case), "budget")
    assert result.status == rules.FAIL and not result.overridable
    assert "Haushaltsjahr 2025 liegt außerhalb der Laufzeit" in result.explanation


def test_a_budget_year_without_planned_costs_fails_and_the_matching_year_passes():
    budgets = {2026: BudgetYear(D("500000.00"), D("0")), 2027: BudgetYear(D("500000.00"), D("0"))}
    common = {
        "budgets": budgets,
        "cost_years": {2026: D("100000.00"), 2027: D("0.00")},
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2027, 12, 31),
    }
    wrong = facts(3, requested="100000.00", requested_by_year={2027: D("100000.00")}, **common)
    result = check(rules.run_checks(RLP, wrong), "budget")
    assert result.status == rules.FAIL
    assert "sieht in 2027 aber keine Kosten vor" in result.explanation
    assert "Kosten geplant in: 2026" in result.explanation
    right = facts(3, requested="100000.00", requested_by_year={2026: D("100000.00")}, **common)
    assert check(rules.run_checks(RLP, right), "budget").status == rules.OK


# --- premature start ------------------------------------------------------------------------------------


def test_a_start_before_the_application_fails_without_approval():
    case = facts(3, period_start=dt.date(2026, 1, 1), application_date=dt.date(2026, 3, 1))
    result = check(rules.run_checks(RLP, case), "premature_start")
    assert result.status == rules.FAIL
    assert "vor der Antragstellung (01.03.2026)" in result.explanation
    assert "vorzeitigen Maßnahmebeginn" in result.explanation


def test_an_approved_premature_start_passes_and_names_date_and_person():
    case = facts(
        3,
        period_start=dt.date(2026, 1, 1),
        application_date=dt.date(2026, 3, 1),
        premature_start_approved_on=dt.date(2025, 12, 15),
        premature_start_approved_by="Frau Bewilligung",
    )
    result = check(rules.run_checks(RLP, case), "premature_start")
    assert result.status == rules.OK
    assert "15.12.2025" in result.explanation and "Frau Bewilligung" in result.explanation


def test_a_start_after_the_application_passes():
    case = facts(3, period_start=dt.date(2026, 4, 1), application_date=dt.date(2026, 3, 1))
    assert check(rules.run_checks(RLP, case), "premature_start").status == rules.OK


# --- "members share no border" --------------------------------------------------------------------------

WITH_INCREASE = RuleSet(
    name="Test",
    cap_tiers=(rules.CapTier(3, D("210000.00")),),
    increases=(CapIncrease(rules.NOT_CONTIGUOUS, D("50000.00")),),
    min_members=3,
)


def _member(key: str) -> MemberFacts:
    return MemberFacts(
        key=key,
        ars=key,
        name=key.upper(),
        kind="verbandsgemeinde",
        state="07",
        population=1000,
        population_date=None,
        area_km2=D("10"),
        kreis_key="k",
        kreis_name="Kreis",
        verbandsgemeinde_key=None,
        verbandsgemeinde_name="",
        has_boundary=True,
    )


def test_a_chain_is_contiguous_but_its_ends_share_no_border():
    """A–B–C: one contiguous area, yet A and C share no border (DOMAIN.md §2: the increase applies)."""
    derived = derive_facts([_member("a"), _member("b"), _member("c")], [("a", "b"), ("b", "c")])
    assert derived.contiguous.value is True
    assert derived.non_bordering_pairs == (("a", "c"),)
    everyone = derive_facts([_member("a"), _member("b"), _member("c")], [("a", "b"), ("b", "c"), ("a", "c")])
    assert everyone.non_bordering_pairs == ()


def test_the_increase_applies_when_two_partners_share_no_border_in_a_contiguous_group():
    chain = facts(3, contiguous=True, non_bordering=(("A", "C"),))
    cap = rules.compute_cap(WITH_INCREASE, chain)
    assert cap.amount == D("260000.00")
    result = check(rules.run_checks(WITH_INCREASE, chain), "cap")
    assert "Ohne gemeinsame Grenze: A und C" in result.explanation
    all_bordering = facts(3, contiguous=True, non_bordering=())
    assert rules.compute_cap(WITH_INCREASE, all_bordering).amount == D("210000.00")
    unknown = facts(3, contiguous=None)
    assert rules.compute_cap(WITH_INCREASE, unknown).amount == D("210000.00")


# --- RLP's inferred limits as assumptions ---------------------------------------------------------------


def test_rlp_marks_min_members_and_period_as_assumptions():
    assert set(RLP.assumptions) == {"min_members", "max_period_months"}
    too_few = check(rules.run_checks(RLP, facts(2)), "eligibility")
    assert too_few.status == rules.FAIL
    assert "mindestens 3 (Annahme, nicht veröffentlicht)" in too_few.explanation
    fine = check(rules.run_checks(RLP, facts(3)), "eligibility")
    assert "Annahme, nicht veröffentlicht" in fine.explanation
    period = check(rules.run_checks(RLP, facts(3)), "period")
    assert "höchstens 24 Monate (Annahme, nicht veröffentlicht)" in period.explanation
    too_long = facts(3, period_start=dt.date(2026, 1, 1), period_end=dt.date(2028, 6, 30))
    assert "(Annahme, nicht veröffentlicht)" in check(rules.run_checks(RLP, too_long), "period").explanation


def test_assumptions_are_configurable_in_the_rule_set_json():
    data = RLP.to_dict()
    assert data["assumptions"] == ["min_members", "max_period_months"]
    confirmed = RuleSet.from_dict({**data, "assumptions": [], "min_members": 2})
    assert confirmed.assumptions == ()
    text = check(rules.run_checks(confirmed, facts(2)), "eligibility").explanation
    assert "Annahme" not in text
    with pytest.raises(rules.RuleSetError) as error:
        RuleSet.from_dict({**data, "assumptions": ["name"]})
    assert "kann nicht als Annahme markiert werden" in str(error.value)


def test_facts_default_to_no_premature_start_data():
    assert (
        ApplicationFacts(
            applicant_label="X", applicant_kind="verbandsgemeinde", applicant_takes_part=True, participants=()
        ).application_date
        is None
    )
