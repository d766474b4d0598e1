"""The pure rule engine (no database, no Django) against DOMAIN.md §2: caps by number of members
(RLP 3 → 210,000 EUR, ≥ 4 → 320,000 EUR; NRW 175,000 + 35,000 per further partner; Bayern a fixed
50,000, 90,000 with special need), configurable increases (placeholders are flagged as not public),
funding rate, minimum size (Bayern refuses a 4,000 EUR project), savings proven arithmetically,
duration, who may apply, the budget check, the settlement of a proof of use, the state machine, and
the JSON format of rule sets with German errors. Money is exact to the cent."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbund.funding import rules, workflow
from verbund.funding.rules import ApplicationFacts, BudgetYear, CheckResult, RuleSet

D = Decimal
RLP = rules.preset("rlp_pilot")
NRW = rules.preset("nrw")
BAYERN = rules.preset("bayern")
HESSEN = rules.preset("hessen")


def facts(members: int = 3, **kwargs: object) -> ApplicationFacts:
    requested = D(str(kwargs.pop("requested", "100000.00")))
    base: dict[str, object] = {
        "applicant_label": "Verbandsgemeinde A",
        "applicant_kind": "verbandsgemeinde",
        "applicant_takes_part": True,
        "participants": tuple(f"Mitglied {i}" for i in range(members)),
        "mixed_levels": False,
        "contiguous": True,
        "requested": requested,
        "costs": {"personal": requested},
        "requested_by_year": {2026: requested},
        "budgets": {2026: BudgetYear(D("5000000.00"), D("0.00"))},
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2027, 12, 31),
    }
    base.update(kwargs)
    return ApplicationFacts(**base)  # type: ignore[arg-type]


def check(results: list[CheckResult], code: str) -> CheckResult:
    return next(r for r in results if r.code == code)


def test_rules_module_imports_no_django():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.startswith("django") for m in modules)
    workflow_tree = ast.parse(Path(workflow.__file__).read_text(encoding="utf-8"))
    assert not any(
        isinstance(n, ast.Import | ast.ImportFrom) and "django" in ast.dump(n)
        for n in ast.walk(workflow_tree)
    )


# --- caps -------------------------------------------------------------------------------------------


def test_rlp_three_members_are_capped_at_210000():
    assert rules.compute_cap(RLP, facts(3)).amount == D("210000.00")
    results = rules.run_checks(RLP, facts(3, requested="210000.00"))
    assert check(results, "cap").status == rules.OK
    over = check(rules.run_checks(RLP, facts(3, requested="210000.01")), "cap")
    assert over.status == rules.FAIL and over.overridable
    assert "0,01 EUR mehr als erlaubt" in over.explanation
    assert "Höchstbetrag 210.000,00 EUR" in over.explanation


@pytest.mark.parametrize("members", [4, 5, 12])
def test_rlp_four_or_more_members_are_capped_at_320000(members):
    assert rules.compute_cap(RLP, facts(members)).amount == D("320000.00")


def test_rlp_two_members_get_no_cap_and_fail_eligibility():
    result = rules.compute_cap(RLP, facts(2))
    assert result.amount is None and "ab 3" in result.steps[0]
    assert check(rules.run_checks(RLP, facts(2)), "eligibility").status == rules.FAIL


def test_rlp_increases_are_placeholders_flagged_as_not_public():
    mixed = facts(4, mixed_levels=True, contiguous=False)
    cap = rules.compute_cap(RLP, mixed)
    assert cap.amount == D("320000.00") and cap.uses_placeholder
    result = check(rules.run_checks(RLP, mixed), "cap")
    assert "nicht öffentlich, bitte festlegen" in result.explanation
    assert RLP.has_placeholders


def test_configured_increases_add_up_and_respect_a_ceiling():
    data = RLP.to_dict()
    data["increases"] = [
        {"condition": "mixed_levels", "amount": "100000.00", "basis": "assumption"},
        {"condition": "not_contiguous", "amount": "100000.00", "basis": "assumption"},
    ]
    data["cap_ceiling"] = "420000.00"
    rule_set = RuleSet.from_dict(data)

    assert rules.compute_cap(rule_set, facts(4, mixed_levels=True)).amount == D("420000.00")
    assert rules.compute_cap(rule_set, facts(4, contiguous=False)).amount == D("420000.00")
    both = rules.compute_cap(rule_set, facts(4, mixed_levels=True, contiguous=False))
    assert both.amount == D("420000.00") and "Obergrenze" in both.steps[-1]
    assert rules.compute_cap(rule_set, facts(4)).amount == D("320000.00")
    assert "Annahme" in check(rules.run_checks(rule_set, facts(4, mixed_levels=True)), "cap").explanation


def test_unknown_contiguity_gives_no_increase_and_says_so():
    data = RLP.to_dict()
    data["increases"] = [{"condition": "not_contiguous", "amount": "50000.00"}]
    cap = rules.compute_cap(RuleSet.from_dict(data), facts(4, contiguous=None))
    assert cap.amount == D("320000.00") and "offen" in cap.steps[-1]


def test_nrw_four_partners_are_capped_at_245000():
    cap = rules.compute_cap(NRW, facts(4))
    assert cap.amount == D("245000.00")
    assert "175.000,00 EUR + 2 weitere × 35.000,00 EUR = 245.000,00 EUR" in cap.steps[0]
    assert rules.compute_cap(NRW, facts(2)).amount == D("175000.00")


def test_nrw_rate_is_at_most_90_percent():
    ok = facts(
        2, requested="90000.00", costs={"personal": D("100000.00")}, requested_by_year={2026: D("90000.00")}
    )
    over = facts(
        2, requested="90000.01", costs={"personal": D("100000.00")}, requested_by_year={2026: D("90000.01")}
    )
    assert check(rules.run_checks(NRW, ok), "rate").status == rules.OK
    result = check(rules.run_checks(NRW, over), "rate")
    assert result.status == rules.FAIL and "90,00 %" in result.explanation


def test_bayern_fixed_amount_and_special_need():
    assert rules.compute_cap(BAYERN, facts(2)).amount == D("50000.00")
    assert rules.compute_cap(BAYERN, facts(7)).amount == D("50000.00")
    assert rules.compute_cap(BAYERN, facts(2, special_need_region=True)).amount == D("90000.00")


def test_bayern_refuses_a_4000_eur_project():
    small = facts(
        2, requested="3400.00", costs={"sachkosten": D("4000.00")}, requested_by_year={2026: D("3400.00")}
    )
    result = check(rules.run_checks(BAYERN, small), "min_size")
    assert result.status == rules.FAIL and not result.overridable
    assert "unter 5.000,00 EUR" in result.explanation
    assert result in rules.blocking(rules.run_checks(BAYERN, small))


def test_bayern_needs_15_percent_savings_and_5_years():
    baseline = {"baseline_annual_costs": D("100000.00"), "commitment_years": 5}
    enough = facts(2, expected_annual_costs=D("85000.00"), **baseline)
    too_little = facts(2, expected_annual_costs=D("85000.01"), **baseline)
    assert check(rules.run_checks(BAYERN, enough), "savings").status == rules.OK
    result = check(rules.run_checks(BAYERN, too_little), "savings")
    assert result.status == rules.FAIL
    assert "(100.000,00 EUR − 85.000,01 EUR) ÷ 100.000,00 EUR = 14,99 %" in result.explanation
    assert rules.savings_percent(D("100000.00"), D("85000.01")) == D("14.99")  # cut, never rounded up
    short = facts(2, commitment_years=4, baseline_annual_costs=D("1"), expected_annual_costs=D("0"))
    assert check(rules.run_checks(BAYERN, short), "duration").status == rules.FAIL
    missing = facts(2)
    assert check(rules.run_checks(BAYERN, missing), "savings").status == rules.FAIL
    assert "rechnerisch" in check(rules.run_checks(BAYERN, missing), "savings").explanation


def test_hessen_requires_council_resolutions_of_all_members():
    result = check(
        rules.run_checks(HESSEN, facts(3, members_without_resolution=("Gemeinde B",))), "resolutions"
    )
    assert result.status == rules.FAIL and "Gemeinde B" in result.explanation
    assert (
        check(rules.run_checks(RLP, facts(3, members_without_resolution=("B",))), "resolutions").status
        == rules.WARNING
    )


# --- who may apply ----------------------------------------------------------------------------------


def test_ortsgemeinden_apply_through_their_verbandsgemeinde():
    result = check(
        rules.run_checks(RLP, facts(3, applicant_kind="ortsgemeinde", applicant_label="Ortsgemeinde X")),
        "eligibility",
    )
    assert result.status == rules.FAIL and "über ihre Verbandsgemeinde" in result.explanation
    assert not result.overridable
    assert (
        check(rules.run_checks(NRW, facts(3, applicant_kind="ortsgemeinde")), "eligibility").status
        == rules.OK
    )


def test_third_parties_cannot_apply_and_one_application_per_alliance():
    assert (
        check(rules.run_checks(RLP, facts(3, applicant_takes_part=False)), "eligibility").status == rules.FAIL
    )
    assert check(rules.run_checks(RLP, facts(3, applicant_kind="land")), "eligibility").status == rules.FAIL
    other = check(
        rules.run_checks(RLP, facts(3, other_open_applications=("IKZ-0001, Entwurf",))), "single_application"
    )
    assert other.status == rules.FAIL and "IKZ-0001" in other.explanation


# --- period, window, budget ---------------------------------------------------------------------------


def test_rlp_period_is_at_most_24_months():
    assert check(rules.run_checks(RLP, facts(3)), "period").status == rules.OK
    long = facts(3, period_start=dt.date(2026, 1, 1), period_end=dt.date(2028, 1, 1))
    result = check(rules.run_checks(RLP, long), "period")
    assert result.status == rules.FAIL and "25 Monate" in result.explanation


def test_window():
    window = {"window_opens": dt.date(2026, 1, 1), "window_closes": dt.date(2026, 6, 30)}
    assert (
        check(rules.run_checks(RLP, facts(3, today=dt.date(2026, 3, 1), **window)), "window").status
        == rules.OK
    )
    assert (
        check(rules.run_checks(RLP, facts(3, today=dt.date(2026, 7, 1), **window)), "window").status
        == rules.FAIL
    )


def test_budget_per_year_and_sum():
    budgets = {2025: BudgetYear(D("100000.00"), D("60000.00")), 2026: BudgetYear(D("100000.00"), D("0.00"))}
    span = {"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2026, 12, 31)}
    fits = facts(
        3,
        requested="90000.00",
        requested_by_year={2025: D("40000.00"), 2026: D("50000.00")},
        budgets=budgets,
        **span,
    )
    assert check(rules.run_checks(RLP, fits), "budget").status == rules.OK
    over = facts(
        3,
        requested="90000.00",
        requested_by_year={2025: D("40000.01"), 2026: D("49999.99")},
        budgets=budgets,
        **span,
    )
    result = check(rules.run_checks(RLP, over), "budget")
    assert result.status == rules.FAIL and not result.overridable
    assert "frei sind nur noch 40.000,00 EUR" in result.explanation
    mismatch = facts(3, requested="90000.00", requested_by_year={2026: D("1.00")}, budgets=budgets)
    assert "ergeben 1,00 EUR" in check(rules.run_checks(RLP, mismatch), "budget").explanation
    unknown = facts(3, requested_by_year={2030: D("100000.00")}, budgets=budgets)
    assert "keine Mittel" in check(rules.run_checks(RLP, unknown), "budget").explanation


def test_ineligible_categories_do_not_count():
    f = facts(
        3,
        requested="50000.00",
        costs={"personal": D("50000.00"), "sachkosten": D("50000.00")},
        eligible_categories=frozenset({"personal"}),
    )
    assert f.eligible_costs == D("50000.00") and f.ineligible_costs == D("50000.00")
    assert "Nicht förderfähig" in check(rules.run_checks(RLP, f), "rate").explanation


# --- settlement ----------------------------------------------------------------------------------------


def test_share_financing_shrinks_in_proportion():
    s = rules.settle(
        financing=rules.FINANCING_SHARE,
        granted=D("90000.00"),
        planned_eligible=D("100000.00"),
        actual_eligible=D("80000.00"),
        drawn=D("90000.00"),
    )
    assert (s.entitled, s.repayment, s.outstanding) == (D("72000.00"), D("18000.00"), D("0.00"))


def test_share_financing_rounds_to_the_cent_and_never_exceeds_the_grant():
    s = rules.settle(
        financing=rules.FINANCING_SHARE,
        granted=D("321411.61"),
        planned_eligible=D("321411.61"),
        actual_eligible=D("300000.00"),
        drawn=D("160705.81"),
    )
    assert s.entitled == D("300000.00") and s.outstanding == D("139294.19")
    more = rules.settle(
        financing=rules.FINANCING_SHARE,
        granted=D("1000.00"),
        planned_eligible=D("3000.00"),
        actual_eligible=D("9999.99"),
        drawn=D("1000.00"),
    )
    assert more.entitled == D("1000.00") and more.repayment == D("0.00")


def test_fixed_amount_stays_unless_costs_fall_below_it():
    keeps = rules.settle(
        financing=rules.FINANCING_FIXED,
        granted=D("50000.00"),
        planned_eligible=D("70000.00"),
        actual_eligible=D("60000.00"),
        drawn=D("50000.00"),
    )
    assert keeps.repayment == D("0.00")
    falls = rules.settle(
        financing=rules.FINANCING_FIXED,
        granted=D("50000.00"),
        planned_eligible=D("70000.00"),
        actual_eligible=D("45000.50"),
        drawn=D("50000.00"),
    )
    assert falls.repayment == D("4999.50")


@given(
    granted=st.decimals(min_value=1, max_value=10**6, places=2),
    planned=st.decimals(min_value=1, max_value=10**6, places=2),
    actual=st.decimals(min_value=0, max_value=10**6, places=2),
    share=st.decimals(min_value=0, max_value=1, places=2),
)
def test_settlement_is_exact_and_consistent(granted, planned, actual, share):
    drawn = rules.cents(granted * share)
    s = rules.settle(
        financing=rules.FINANCING_SHARE,
        granted=granted,
        planned_eligible=planned,
        actual_eligible=actual,
        drawn=drawn,
    )
    assert s.entitled <= rules.cents(granted)
    assert s.entitled - s.drawn == s.outstanding - s.repayment
    assert min(s.repayment, s.outstanding) == 0
    assert all(v == v.quantize(D("0.01")) for v in (s.entitled, s.repayment, s.outstanding))


@given(total=st.decimals(min_value=0, max_value=10**7, places=2), n=st.integers(min_value=1, max_value=5))
def test_split_evenly_adds_up_to_the_cent(total, n):
    parts = rules.split_evenly(total, list(range(2025, 2025 + n)))
    assert sum(parts.values()) == total
    assert max(parts.values()) - min(parts.values()) <= D("0.01")


# --- money format ----------------------------------------------------------------------------------------


def test_german_money_format():
    assert rules.eur(D("321411.61")) == "321.411,61 EUR"
    assert rules.eur(D("5000000")) == "5.000.000,00 EUR"
    assert rules.eur(D("0.005")) == "0,01 EUR"
    assert rules.percent(D("85")) == "85,00 %"


# --- rule set format ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(rules.PRESETS))
def test_presets_round_trip_through_json(key):
    preset = rules.preset(key)
    assert RuleSet.from_dict(preset.to_dict()) == preset


def test_broken_rule_sets_are_explained_in_german():
    with pytest.raises(rules.RuleSetError) as refused:
        RuleSet.from_dict(
            {
                "name": "",
                "cap_tiers": [{"min_members": 3, "amount": 1.5}, {"min_members": 3, "amount": "1.234"}],
                "increases": [{"condition": "sonnenschein", "amount": "1"}],
                "max_rate_percent": "120",
                "financing": "geschenk",
                "farbe": "blau",
            }
        )
    text = " ".join(refused.value.messages)
    for fragment in (
        "farbe",
        "benennen",
        "Zeichenkette",
        "zwei Nachkommastellen",
        "sonnenschein",
        "zwischen 0 und 100",
        "geschenk",
    ):
        assert fragment in text
    with pytest.raises(rules.RuleSetError):
        RuleSet.from_dict([])
    with pytest.raises(rules.RuleSetError, match="Vorlage"):
        rules.preset("saturn")


# --- state machine -------------------------------------------------------------------------------------


def test_state_machine():
    assert workflow.target("submit") == workflow.EINGEREICHT
    assert workflow.allowed("grant", workflow.IN_PRUEFUNG)
    assert not workflow.allowed("grant", workflow.EINGEREICHT)
    assert "nur im Status „in Prüfung“" in (workflow.refusal("grant", workflow.ENTWURF) or "")
    assert workflow.refusal("submit", workflow.ENTWURF) is None
    assert set(workflow.actions_from(workflow.IN_PRUEFUNG)) == {"withdraw", "request_info", "grant", "reject"}
    assert workflow.actions_from(workflow.ABGESCHLOSSEN) == []
