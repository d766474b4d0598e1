"""The facts an application offers, the checks with German explanations, and their results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .money import CENT, HUNDRED, ZERO, cents, eur, join_words, percent
from .ruleset import (
    APPLICANT_KINDS,
    BASIS_ASSUMPTION,
    BASIS_PLACEHOLDER,
    COST_CATEGORIES,
    MIXED_LEVELS,
    NOT_CONTIGUOUS,
    ORTSGEMEINDE,
    SPECIAL_NEED_REGION,
    RuleSet,
)

# --- Facts the checks need -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetYear:
    """One budget year of the programme: its budget and what grants have committed of it."""

    budget: Decimal
    committed: Decimal

    @property
    def free(self) -> Decimal:
        return cents(self.budget - self.committed)


@dataclass(frozen=True)
class ApplicationFacts:
    """Everything the checks look at, gathered from the application, the alliance and the registry.

    ``participants`` are the labels of the member bodies taking part; ``mixed_levels``/``contiguous``
    come from the alliance's derived facts of those bodies (``None``: unknown, e.g. no boundaries).
    ``costs`` maps a cost category to its planned amount (all years); ``requested_by_year`` the
    requested grant per budget year; ``budgets`` the programme's budget years.
    """

    applicant_label: str
    applicant_kind: str
    applicant_takes_part: bool
    participants: tuple[str, ...]
    mixed_levels: bool | None = None
    levels_reasoning: str = ""
    contiguous: bool | None = None
    isolated: tuple[str, ...] = ()
    contiguity_reasoning: str = ""
    special_need_region: bool = False
    eligible_categories: frozenset[str] = frozenset(COST_CATEGORIES)
    costs: Mapping[str, Decimal] = field(default_factory=dict)
    requested: Decimal = ZERO
    requested_by_year: Mapping[int, Decimal] = field(default_factory=dict)
    budgets: Mapping[int, BudgetYear] = field(default_factory=dict)
    baseline_annual_costs: Decimal | None = None
    expected_annual_costs: Decimal | None = None
    commitment_years: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    other_open_applications: tuple[str, ...] = ()
    members_without_resolution: tuple[str, ...] = ()
    window_opens: dt.date | None = None
    window_closes: dt.date | None = None
    today: dt.date | None = None

    @property
    def member_count(self) -> int:
        return len(self.participants)

    @property
    def eligible_costs(self) -> Decimal:
        return cents(sum((v for k, v in self.costs.items() if k in self.eligible_categories), ZERO))

    @property
    def ineligible_costs(self) -> Decimal:
        return cents(sum((v for k, v in self.costs.items() if k not in self.eligible_categories), ZERO))


# --- Results -------------------------------------------------------------------------------------------

OK = "ok"
FAIL = "fail"
WARNING = "warning"
NOT_APPLICABLE = "n/a"
STATUS_LABELS = {OK: "erfüllt", FAIL: "nicht erfüllt", WARNING: "Hinweis", NOT_APPLICABLE: "entfällt"}


@dataclass(frozen=True)
class CheckResult:
    """One check: ``code`` (stable), German ``label``, ``status`` and the ``explanation``."""

    code: str
    label: str
    status: str
    explanation: str
    overridable: bool = False

    @property
    def passed(self) -> bool:
        return self.status != FAIL

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "status": self.status,
            "status_label": self.status_label,
            "explanation": self.explanation,
            "overridable": self.overridable,
        }


@dataclass(frozen=True)
class CapResult:
    """The cap for the given facts (``None``: no tier applies) and how it was reached."""

    amount: Decimal | None
    steps: tuple[str, ...]
    uses_placeholder: bool = False
    uses_assumption: bool = False


def _condition_holds(condition: str, facts: ApplicationFacts) -> bool | None:
    if condition == MIXED_LEVELS:
        return facts.mixed_levels
    if condition == NOT_CONTIGUOUS:
        return None if facts.contiguous is None else not facts.contiguous
    if condition == SPECIAL_NEED_REGION:
        return facts.special_need_region
    return False


def compute_cap(rules: RuleSet, facts: ApplicationFacts) -> CapResult:
    """The Förderhöchstbetrag for the members taking part, with each step in German."""
    members = facts.member_count
    tier = rules.tier_for(members)
    if tier is None:
        smallest = min(t.min_members for t in rules.cap_tiers)
        return CapResult(
            None, (f"Für {members} Mitglieder sieht das Regelwerk keinen Höchstbetrag vor (ab {smallest}).",)
        )
    steps = []
    if tier.per_additional_member and members > tier.min_members:
        extra = members - tier.min_members
        steps.append(
            f"{tier.min_members} Mitglieder {eur(tier.amount)} + {extra} weitere × "
            f"{eur(tier.per_additional_member)} = {eur(tier.cap(members))}"
        )
    else:
        steps.append(f"{members} {'Mitglied' if members == 1 else 'Mitglieder'}: {eur(tier.cap(members))}")
    amount = tier.cap(members)
    placeholder = assumption = False
    for increase in rules.increases:
        holds = _condition_holds(increase.condition, facts)
        if holds is None:
            steps.append(f"ob „{increase.label}“ zutrifft, ist offen (Angaben fehlen), daher keine Erhöhung")
            continue
        if not holds:
            steps.append(f"keine Erhöhung für „{increase.label}“ (trifft nicht zu)")
            continue
        amount += increase.amount
        placeholder |= increase.basis == BASIS_PLACEHOLDER
        assumption |= increase.basis == BASIS_ASSUMPTION
        steps.append(f"Erhöhung für „{increase.label}“: + {increase.amount_text()}")
    if rules.cap_ceiling is not None and amount > rules.cap_ceiling:
        amount = rules.cap_ceiling
        steps.append(f"begrenzt auf die Obergrenze von {eur(rules.cap_ceiling)}")
    return CapResult(cents(amount), tuple(steps), placeholder, assumption)


# --- The checks ----------------------------------------------------------------------------------------


def check_eligibility(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Who may apply: a member body taking part, not an Ortsgemeinde (RLP), enough members."""
    label = "Antragsberechtigung"
    problems = []
    if facts.applicant_kind not in APPLICANT_KINDS:
        problems.append(
            f"{facts.applicant_label} ist keine kommunale Gebietskörperschaft, die Anträge stellen kann."
        )
    if rules.ortsgemeinden_via_verbandsgemeinde and facts.applicant_kind == ORTSGEMEINDE:
        problems.append(
            f"{facts.applicant_label} ist eine Ortsgemeinde; Ortsgemeinden stellen Anträge über ihre "
            "Verbandsgemeinde."
        )
    if not facts.applicant_takes_part:
        problems.append(
            f"{facts.applicant_label} nimmt nicht am Vorhaben teil; ein Mitglied beantragt im Namen des "
            "Verbunds, Dritte können keinen Antrag stellen."
        )
    if facts.member_count < rules.min_members:
        problems.append(
            f"Am Vorhaben nehmen {facts.member_count} Mitglieder teil; nötig sind mindestens "
            f"{rules.min_members}."
        )
    if problems:
        return CheckResult("eligibility", label, FAIL, " ".join(problems))
    return CheckResult(
        "eligibility",
        label,
        OK,
        f"{facts.applicant_label} beantragt im Namen des Verbunds; am Vorhaben nehmen "
        f"{facts.member_count} Mitglieder teil ({join_words(list(facts.participants))}).",
    )


def check_single_application(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Ein Antrag je Verbund"
    if not rules.one_application_per_alliance:
        return CheckResult(
            "single_application", label, NOT_APPLICABLE, "Das Regelwerk erlaubt mehrere Anträge je Verbund."
        )
    if facts.other_open_applications:
        return CheckResult(
            "single_application",
            label,
            FAIL,
            "Der Verbund hat in diesem Programm bereits einen Antrag "
            f"({join_words(list(facts.other_open_applications))}); "
            "ein Mitglied beantragt für den ganzen Verbund.",
        )
    return CheckResult(
        "single_application", label, OK, "Der Verbund hat in diesem Programm keinen weiteren Antrag."
    )


def check_window(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Antragsfrist"
    today, opens, closes = facts.today, facts.window_opens, facts.window_closes
    if today is None or (opens is None and closes is None):
        return CheckResult("window", label, NOT_APPLICABLE, "Das Programm hat keine Antragsfrist.")
    span = f"{opens:%d.%m.%Y}" if opens else "jederzeit"
    span += f" bis {closes:%d.%m.%Y}" if closes else " ohne Enddatum"
    if opens and today < opens:
        return CheckResult(
            "window", label, FAIL, f"Anträge können erst ab {opens:%d.%m.%Y} gestellt werden ({span})."
        )
    if closes and today > closes:
        return CheckResult("window", label, FAIL, f"Die Antragsfrist ist am {closes:%d.%m.%Y} abgelaufen.")
    return CheckResult("window", label, OK, f"Anträge sind möglich: {span}.")


def _months(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end`` inclusive; a begun month counts (1.1.–31.12. = 12)."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return months + (1 if after.day > start.day else 0)


def check_period(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Laufzeit"
    start, end = facts.period_start, facts.period_end
    if start is None or end is None:
        return CheckResult("period", label, FAIL, "Bitte Beginn und Ende des Vorhabens angeben.")
    if end < start:
        return CheckResult("period", label, FAIL, "Das Ende des Vorhabens liegt vor seinem Beginn.")
    months = _months(start, end)
    span = f"{start:%d.%m.%Y} bis {end:%d.%m.%Y} ({months} Monate)"
    if rules.max_period_months is not None and months > rules.max_period_months:
        return CheckResult(
            "period",
            label,
            FAIL,
            f"Die Laufzeit {span} ist länger als die höchstens {rules.max_period_months} Monate "
            "des Programms.",
            overridable=True,
        )
    limit = f"; höchstens {rules.max_period_months} Monate" if rules.max_period_months else ""
    return CheckResult("period", label, OK, f"Laufzeit {span}{limit}.")


def check_cap(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Förderhöchstbetrag"
    cap = compute_cap(rules, facts)
    reasoning = "; ".join(cap.steps)
    notes = []
    if facts.mixed_levels is not None and any(i.condition == MIXED_LEVELS for i in rules.increases):
        notes.append(facts.levels_reasoning)
    if facts.contiguous is not None and any(i.condition == NOT_CONTIGUOUS for i in rules.increases):
        notes.append(facts.contiguity_reasoning)
    facts_text = " ".join(n for n in notes if n)
    if cap.amount is None:
        return CheckResult("cap", label, FAIL, reasoning, overridable=False)
    if cap.amount == ZERO and not rules.increases:
        return CheckResult(
            "cap",
            label,
            WARNING,
            "Im Regelwerk ist kein Höchstbetrag festgelegt (0,00 EUR); bitte festlegen.",
        )
    caveat = ""
    if cap.uses_placeholder:
        caveat += " Die Höhe der Erhöhung ist nicht öffentlich und im Regelwerk noch nicht festgelegt."
    if cap.uses_assumption:
        caveat += " Die Höhe der Erhöhung ist eine Annahme, kein veröffentlichter Wert."
    summary = f"Höchstbetrag {eur(cap.amount)} ({reasoning}).{caveat}"
    if facts_text:
        summary += f" {facts_text}"
    if facts.requested > cap.amount:
        over = cents(facts.requested - cap.amount)
        return CheckResult(
            "cap",
            label,
            FAIL,
            f"Beantragt sind {eur(facts.requested)}, {eur(over)} mehr als erlaubt. {summary}",
            overridable=True,
        )
    return CheckResult("cap", label, OK, f"Beantragt sind {eur(facts.requested)}. {summary}")


def funding_rate(requested: Decimal, eligible_costs: Decimal) -> Decimal | None:
    """Requested ÷ eligible costs in percent (two decimals), ``None`` without costs."""
    if eligible_costs <= 0:
        return None
    return (requested * HUNDRED / eligible_costs).quantize(CENT, rounding=ROUND_HALF_UP)


def max_grant_by_rate(rules: RuleSet, eligible_costs: Decimal) -> Decimal:
    """The largest grant the rate allows (rounded down to the cent, so it never exceeds the rate)."""
    return (eligible_costs * rules.max_rate_percent / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)


def check_rate(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Fördersatz"
    eligible = facts.eligible_costs
    ineligible = ""
    if facts.ineligible_costs:
        ineligible = f" Nicht förderfähig (Kategorie nicht im Programm): {eur(facts.ineligible_costs)}."
    if eligible <= 0:
        return CheckResult(
            "rate", label, FAIL, "Der Kostenplan enthält keine förderfähigen Kosten." + ineligible
        )
    rate = funding_rate(facts.requested, eligible)
    assert rate is not None
    allowed = max_grant_by_rate(rules, eligible)
    text = (
        f"{eur(facts.requested)} von {eur(eligible)} förderfähigen Kosten = {percent(rate)}; "
        f"erlaubt sind höchstens {percent(rules.max_rate_percent)} ({eur(allowed)})."
    )
    if facts.requested > allowed:
        return CheckResult("rate", label, FAIL, text + ineligible, overridable=True)
    if facts.requested <= 0:
        return CheckResult("rate", label, FAIL, "Bitte den beantragten Betrag angeben." + ineligible)
    return CheckResult("rate", label, OK, text + ineligible)


def check_min_size(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Mindestgröße des Vorhabens"
    if rules.min_project_costs is None:
        return CheckResult("min_size", label, NOT_APPLICABLE, "Das Regelwerk kennt keine Mindestgröße.")
    eligible = facts.eligible_costs
    if eligible < rules.min_project_costs:
        return CheckResult(
            "min_size",
            label,
            FAIL,
            f"Vorhaben mit förderfähigen Kosten unter {eur(rules.min_project_costs)} werden nicht gefördert; "
            f"geplant sind {eur(eligible)}.",
        )
    return CheckResult(
        "min_size",
        label,
        OK,
        f"Förderfähige Kosten {eur(eligible)}, mindestens {eur(rules.min_project_costs)} sind nötig.",
    )


def savings_percent(baseline: Decimal, expected: Decimal) -> Decimal | None:
    """(baseline − expected) ÷ baseline in percent, cut (not rounded) to two decimals, so that a
    share just below a minimum never shows as reaching it (``None`` without a baseline)."""
    if baseline <= 0:
        return None
    return ((baseline - expected) * HUNDRED / baseline).quantize(CENT, rounding=ROUND_DOWN)


def _meets_savings(baseline: Decimal, expected: Decimal, minimum: Decimal) -> bool:
    """Exact comparison (no rounding): (baseline − expected) × 100 ≥ minimum × baseline."""
    return (baseline - expected) * HUNDRED >= minimum * baseline


def check_savings(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Einsparung"
    baseline, expected = facts.baseline_annual_costs, facts.expected_annual_costs
    minimum = rules.min_savings_percent
    if baseline is None or expected is None:
        if minimum is None:
            return CheckResult(
                "savings", label, NOT_APPLICABLE, "Das Regelwerk verlangt keine Einsparung; keine Angaben."
            )
        return CheckResult(
            "savings",
            label,
            FAIL,
            f"Nötig sind mindestens {percent(minimum)} Einsparung, rechnerisch nachgewiesen: bitte die "
            "jährlichen Kosten ohne und mit Kooperation angeben.",
            overridable=True,
        )
    share = savings_percent(baseline, expected)
    if share is None:
        return CheckResult("savings", label, FAIL, "Die Kosten ohne Kooperation müssen größer als 0 sein.")
    arithmetic = (
        f"({eur(baseline)} − {eur(expected)}) ÷ {eur(baseline)} = {percent(share)} "
        f"({eur(cents(baseline - expected))} je Jahr)"
    )
    if minimum is None:
        return CheckResult("savings", label, OK, f"Erwartete Einsparung: {arithmetic}.")
    if not _meets_savings(baseline, expected, minimum):
        return CheckResult(
            "savings",
            label,
            FAIL,
            f"Erwartete Einsparung {arithmetic}; nötig sind mindestens {percent(minimum)}.",
            overridable=True,
        )
    return CheckResult(
        "savings", label, OK, f"Erwartete Einsparung {arithmetic}; nötig sind mindestens {percent(minimum)}."
    )


def check_duration(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Dauer der Zusammenarbeit"
    minimum = rules.min_commitment_years
    years = facts.commitment_years
    if minimum is None:
        text = "Das Regelwerk verlangt keine Mindestdauer."
        if years:
            text += f" Angegeben: {years} Jahre."
        return CheckResult("duration", label, NOT_APPLICABLE, text)
    if years is None:
        return CheckResult(
            "duration",
            label,
            FAIL,
            f"Die Zusammenarbeit muss mindestens {minimum} Jahre dauern; bitte die geplante Dauer angeben.",
            overridable=True,
        )
    if years < minimum:
        return CheckResult(
            "duration",
            label,
            FAIL,
            f"Geplant sind {years} Jahre; die Zusammenarbeit muss mindestens {minimum} Jahre dauern.",
            overridable=True,
        )
    return CheckResult("duration", label, OK, f"Geplant sind {years} Jahre; mindestens {minimum} sind nötig.")


def check_resolutions(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Ratsbeschlüsse"
    missing = list(facts.members_without_resolution)
    if not rules.council_resolutions_required:
        if missing:
            return CheckResult(
                "resolutions",
                label,
                WARNING,
                f"Nicht verlangt; noch ohne Beschluss im Verbund: {join_words(missing)}.",
            )
        return CheckResult(
            "resolutions", label, NOT_APPLICABLE, "Nicht verlangt; alle Beschlüsse liegen vor."
        )
    if missing:
        return CheckResult(
            "resolutions",
            label,
            FAIL,
            "Das Programm verlangt den Beschluss jedes beteiligten Mitglieds; "
            f"es fehlen: {join_words(missing)}. "
            "Beschlüsse werden beim Verbund erfasst und von dort übernommen.",
            overridable=True,
        )
    return CheckResult("resolutions", label, OK, "Für jedes beteiligte Mitglied liegt ein Beschluss vor.")


def check_budget(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Each requested budget year exists and has enough free budget; the years add up to the request."""
    label = "Haushaltsmittel"
    if not facts.requested_by_year:
        return CheckResult(
            "budget", label, FAIL, "Bitte angeben, wie viel in welchem Haushaltsjahr benötigt wird."
        )
    problems, fine = [], []
    for year in sorted(facts.requested_by_year):
        amount = facts.requested_by_year[year]
        budget = facts.budgets.get(year)
        if budget is None:
            known = ", ".join(str(y) for y in sorted(facts.budgets)) or "keine"
            problems.append(f"Für {year} hat das Programm keine Mittel (Haushaltsjahre: {known}).")
        elif amount > budget.free:
            problems.append(
                f"{year}: beantragt {eur(amount)}, frei sind nur noch {eur(budget.free)} "
                f"von {eur(budget.budget)}."
            )
        else:
            fine.append(f"{year}: {eur(amount)} von noch freien {eur(budget.free)}")
    total = cents(sum(facts.requested_by_year.values(), ZERO))
    if total != cents(facts.requested):
        problems.append(
            f"Die Beträge je Haushaltsjahr ergeben {eur(total)}, beantragt sind aber {eur(facts.requested)}."
        )
    if problems:
        return CheckResult("budget", label, FAIL, " ".join(problems + fine))
    return CheckResult("budget", label, OK, "Mittel verfügbar: " + "; ".join(fine) + ".")


#: The checks in the order a page shows them (each a plugin: ``(rules, facts) -> CheckResult``).
CHECKS = (
    check_eligibility,
    check_single_application,
    check_window,
    check_period,
    check_cap,
    check_rate,
    check_min_size,
    check_savings,
    check_duration,
    check_resolutions,
    check_budget,
)


def run_checks(rules: RuleSet, facts: ApplicationFacts, *, skip: Iterable[str] = ()) -> list[CheckResult]:
    """Run every check (except the codes in ``skip``) and return the results in display order."""
    skipped = set(skip)
    results = [check(rules, facts) for check in CHECKS]
    return [r for r in results if r.code not in skipped]


def blocking(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Failed checks that no reason can override."""
    return [r for r in results if r.status == FAIL and not r.overridable]


def needing_reason(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Failed checks that may be overridden with a written reason."""
    return [r for r in results if r.status == FAIL and r.overridable]
