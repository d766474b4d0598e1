"""The facts an application offers, the checks with German explanations, and their results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from verbund.common.i18n import _, gettext_noop

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
    #: Pairs of participants (labels) that share no border (DOMAIN.md §2: "at least two partners
    #: share no border"); empty when unknown or when every two members border.
    non_bordering: tuple[tuple[str, str], ...] = ()
    contiguity_reasoning: str = ""
    special_need_region: bool = False
    eligible_categories: frozenset[str] = frozenset(COST_CATEGORIES)
    costs: Mapping[str, Decimal] = field(default_factory=dict)
    #: Planned costs per year of the cost plan (all categories; empty: the plan has no years).
    cost_years: Mapping[int, Decimal] = field(default_factory=dict)
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
    #: The day the application was (or would now be) submitted, for the premature-start rule.
    application_date: dt.date | None = None
    #: An approval of the funding authority for a start before the application (date, by whom).
    premature_start_approved_on: dt.date | None = None
    premature_start_approved_by: str = ""

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
STATUS_LABELS = {
    OK: gettext_noop("erfüllt"),
    FAIL: gettext_noop("nicht erfüllt"),
    WARNING: gettext_noop("Hinweis"),
    NOT_APPLICABLE: gettext_noop("entfällt"),
}


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
        return _(STATUS_LABELS[self.status])

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
        # At least two partners without a shared border suffice; the group need not fall apart.
        return None if facts.contiguous is None else bool(facts.non_bordering) or not facts.contiguous
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
            None,
            (
                _("Für %(members)s Mitglieder sieht das Regelwerk keinen Höchstbetrag vor (ab %(smallest)s).")
                % {"members": members, "smallest": smallest},
            ),
        )
    steps = []
    if tier.per_additional_member and members > tier.min_members:
        extra = members - tier.min_members
        steps.append(
            _("%(min_members)s Mitglieder %(eur)s + %(extra)s weitere × %(eur2)s = %(eur3)s")
            % {
                "min_members": tier.min_members,
                "eur": eur(tier.amount),
                "extra": extra,
                "eur2": eur(tier.per_additional_member),
                "eur3": eur(tier.cap(members)),
            }
        )
    else:
        steps.append(
            (_("1 Mitglied: %(amount)s") if members == 1 else _("%(members)s Mitglieder: %(amount)s"))
            % {"members": members, "amount": eur(tier.cap(members))}
        )
    amount = tier.cap(members)
    placeholder = assumption = False
    for increase in rules.increases:
        holds = _condition_holds(increase.condition, facts)
        if holds is None:
            steps.append(
                _("ob „%(label)s“ zutrifft, ist offen (Angaben fehlen), daher keine Erhöhung")
                % {"label": increase.label}
            )
            continue
        if not holds:
            steps.append(_("keine Erhöhung für „%(label)s“ (trifft nicht zu)") % {"label": increase.label})
            continue
        amount += increase.amount
        placeholder |= increase.basis == BASIS_PLACEHOLDER
        assumption |= increase.basis == BASIS_ASSUMPTION
        steps.append(
            _("Erhöhung für „%(label)s“: + %(amount_text)s")
            % {"label": increase.label, "amount_text": increase.amount_text()}
        )
    if rules.cap_ceiling is not None and amount > rules.cap_ceiling:
        amount = rules.cap_ceiling
        steps.append(_("begrenzt auf die Obergrenze von %(eur)s") % {"eur": eur(rules.cap_ceiling)})
    return CapResult(cents(amount), tuple(steps), placeholder, assumption)


# --- The checks ----------------------------------------------------------------------------------------


def check_eligibility(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Who may apply: a member body taking part, not an Ortsgemeinde (RLP), enough members."""
    label = _("Antragsberechtigung")
    problems = []
    if facts.applicant_kind not in APPLICANT_KINDS:
        problems.append(
            _("%(applicant_label)s ist keine kommunale Gebietskörperschaft, die Anträge stellen kann.")
            % {"applicant_label": facts.applicant_label}
        )
    if rules.ortsgemeinden_via_verbandsgemeinde and facts.applicant_kind == ORTSGEMEINDE:
        problems.append(
            _(
                "%(applicant_label)s ist eine Ortsgemeinde; Ortsgemeinden stellen Anträge über "
                "ihre Verbandsgemeinde."
            )
            % {"applicant_label": facts.applicant_label}
        )
    if not facts.applicant_takes_part:
        problems.append(
            _(
                "%(applicant_label)s nimmt nicht am Vorhaben teil; ein Mitglied beantragt im "
                "Namen des Verbunds, Dritte können keinen Antrag stellen."
            )
            % {"applicant_label": facts.applicant_label}
        )
    if facts.member_count < rules.min_members:
        problems.append(
            _(
                "Am Vorhaben nehmen %(member_count)s Mitglieder teil; nötig sind mindestens "
                "%(min_members)s%(note)s."
            )
            % {
                "member_count": facts.member_count,
                "min_members": rules.min_members,
                "note": rules.assumption_note("min_members"),
            }
        )
    if problems:
        return CheckResult("eligibility", label, FAIL, " ".join(problems))
    text = _(
        "%(applicant_label)s beantragt im Namen des Verbunds; am Vorhaben nehmen "
        "%(member_count)s Mitglieder teil (%(join_words)s)."
    ) % {
        "applicant_label": facts.applicant_label,
        "member_count": facts.member_count,
        "join_words": join_words(list(facts.participants)),
    }
    if rules.is_assumed("min_members"):
        text += " " + _("Mindestens %(min_members)s Mitglieder%(note)s.") % {
            "min_members": rules.min_members,
            "note": rules.assumption_note("min_members"),
        }
    return CheckResult("eligibility", label, OK, text)


def check_single_application(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Ein Antrag je Verbund")
    if not rules.one_application_per_alliance:
        return CheckResult(
            "single_application",
            label,
            NOT_APPLICABLE,
            _("Das Regelwerk erlaubt mehrere Anträge je Verbund."),
        )
    if facts.other_open_applications:
        return CheckResult(
            "single_application",
            label,
            FAIL,
            _(
                "Der Verbund hat in diesem Programm bereits einen Antrag (%(join_words)s); ein "
                "Mitglied beantragt für den ganzen Verbund."
            )
            % {"join_words": join_words(list(facts.other_open_applications))},
        )
    return CheckResult(
        "single_application", label, OK, _("Der Verbund hat in diesem Programm keinen weiteren Antrag.")
    )


def check_window(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Antragsfrist")
    today, opens, closes = facts.today, facts.window_opens, facts.window_closes
    if today is None or (opens is None and closes is None):
        return CheckResult("window", label, NOT_APPLICABLE, _("Das Programm hat keine Antragsfrist."))
    span = f"{opens:%d.%m.%Y}" if opens else _("jederzeit")
    span += " " + (_("bis %(closes)s") % {"closes": f"{closes:%d.%m.%Y}"} if closes else _("ohne Enddatum"))
    if opens and today < opens:
        return CheckResult(
            "window",
            label,
            FAIL,
            _("Anträge können erst ab %(opens)s gestellt werden (%(span)s).")
            % {"opens": format(opens, "%d.%m.%Y"), "span": span},
        )
    if closes and today > closes:
        return CheckResult(
            "window",
            label,
            FAIL,
            _("Die Antragsfrist ist am %(closes)s abgelaufen.") % {"closes": format(closes, "%d.%m.%Y")},
        )
    return CheckResult("window", label, OK, _("Anträge sind möglich: %(span)s.") % {"span": span})


def _months(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end`` inclusive; a begun month counts (1.1.–31.12. = 12)."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return months + (1 if after.day > start.day else 0)


def check_period(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Laufzeit")
    start, end = facts.period_start, facts.period_end
    if start is None or end is None:
        return CheckResult("period", label, FAIL, _("Bitte Beginn und Ende des Vorhabens angeben."))
    if end < start:
        return CheckResult("period", label, FAIL, _("Das Ende des Vorhabens liegt vor seinem Beginn."))
    months = _months(start, end)
    span = _("%(start)s bis %(end)s (%(months)s Monate)") % {
        "start": format(start, "%d.%m.%Y"),
        "end": format(end, "%d.%m.%Y"),
        "months": months,
    }
    if rules.max_period_months is not None and months > rules.max_period_months:
        return CheckResult(
            "period",
            label,
            FAIL,
            _(
                "Die Laufzeit %(span)s ist länger als die höchstens %(max_period_months)s Monate "
                "des Programms%(note)s."
            )
            % {
                "span": span,
                "max_period_months": rules.max_period_months,
                "note": rules.assumption_note("max_period_months"),
            },
            overridable=True,
        )
    limit = (
        _("; höchstens %(max_period_months)s Monate") % {"max_period_months": rules.max_period_months}
        + rules.assumption_note("max_period_months")
        if rules.max_period_months
        else ""
    )
    return CheckResult("period", label, OK, _("Laufzeit %(span)s%(limit)s.") % {"span": span, "limit": limit})


def check_premature_start(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Vorzeitiger Maßnahmebeginn (VV Nr. 1.3 zu § 44 LHO): an undertaking that starts before its
    application needs the funding authority's approval. Without it the check fails; the applicant may
    submit with a written reason (asking for the approval), but no grant without a recorded approval."""
    label = _("Vorzeitiger Maßnahmebeginn")
    start, applied = facts.period_start, facts.application_date
    if start is None or applied is None:
        return CheckResult(
            "premature_start", label, NOT_APPLICABLE, _("Der Beginn des Vorhabens ist noch nicht angegeben.")
        )
    dates = {"start": format(start, "%d.%m.%Y"), "applied": format(applied, "%d.%m.%Y")}
    if start >= applied:
        return CheckResult(
            "premature_start",
            label,
            OK,
            _("Das Vorhaben beginnt am %(start)s, nicht vor der Antragstellung (%(applied)s).") % dates,
        )
    approved = facts.premature_start_approved_on
    if approved is not None:
        by = facts.premature_start_approved_by
        return CheckResult(
            "premature_start",
            label,
            OK,
            (
                _(
                    "Das Vorhaben beginnt am %(start)s, vor der Antragstellung (%(applied)s); die "
                    "Bewilligungsbehörde hat dem vorzeitigen Maßnahmebeginn am %(approved)s zugestimmt "
                    "(%(by)s)."
                )
                if by
                else _(
                    "Das Vorhaben beginnt am %(start)s, vor der Antragstellung (%(applied)s); die "
                    "Bewilligungsbehörde hat dem vorzeitigen Maßnahmebeginn am %(approved)s zugestimmt."
                )
            )
            % {**dates, "approved": format(approved, "%d.%m.%Y"), "by": by},
        )
    return CheckResult(
        "premature_start",
        label,
        FAIL,
        _(
            "Das Vorhaben beginnt am %(start)s, vor der Antragstellung (%(applied)s). Ein Vorhaben, "
            "das vor der Antragstellung begonnen hat, wird nur gefördert, wenn die Bewilligungsbehörde "
            "dem vorzeitigen Maßnahmebeginn zugestimmt hat; eine Zustimmung ist nicht erfasst."
        )
        % dates,
        overridable=True,
    )


def check_cap(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Förderhöchstbetrag")
    cap = compute_cap(rules, facts)
    reasoning = "; ".join(cap.steps)
    notes = []
    if facts.mixed_levels is not None and any(i.condition == MIXED_LEVELS for i in rules.increases):
        notes.append(facts.levels_reasoning)
    if facts.contiguous is not None and any(i.condition == NOT_CONTIGUOUS for i in rules.increases):
        notes.append(facts.contiguity_reasoning)
        if facts.non_bordering:
            notes.append(_non_bordering_text(facts.non_bordering))
    facts_text = " ".join(n for n in notes if n)
    if cap.amount is None:
        return CheckResult("cap", label, FAIL, reasoning, overridable=False)
    if cap.amount == ZERO and not rules.increases:
        return CheckResult(
            "cap",
            label,
            WARNING,
            _("Im Regelwerk ist kein Höchstbetrag festgelegt (0,00 EUR); bitte festlegen."),
        )
    caveat = ""
    if cap.uses_placeholder:
        caveat += _(" Die Höhe der Erhöhung ist nicht öffentlich und im Regelwerk noch nicht festgelegt.")
    if cap.uses_assumption:
        caveat += _(" Die Höhe der Erhöhung ist eine Annahme, kein veröffentlichter Wert.")
    summary = _("Höchstbetrag %(eur)s (%(reasoning)s).%(caveat)s") % {
        "eur": eur(cap.amount),
        "reasoning": reasoning,
        "caveat": caveat,
    }
    if facts_text:
        summary += f" {facts_text}"
    if facts.requested > cap.amount:
        over = cents(facts.requested - cap.amount)
        return CheckResult(
            "cap",
            label,
            FAIL,
            _("Beantragt sind %(eur)s, %(eur2)s mehr als erlaubt. %(summary)s")
            % {"eur": eur(facts.requested), "eur2": eur(over), "summary": summary},
            overridable=True,
        )
    return CheckResult(
        "cap",
        label,
        OK,
        _("Beantragt sind %(eur)s. %(summary)s") % {"eur": eur(facts.requested), "summary": summary},
    )


def _non_bordering_text(pairs: tuple[tuple[str, str], ...]) -> str:
    shown = [_("%(first)s und %(second)s") % {"first": a, "second": b} for a, b in pairs[:5]]
    more = len(pairs) - len(shown)
    text = _("Ohne gemeinsame Grenze: %(pairs)s") % {"pairs": "; ".join(shown)}
    if more:
        text += _(" und %(count)s weitere Paare") % {"count": more}
    return text + "."


def funding_rate(requested: Decimal, eligible_costs: Decimal) -> Decimal | None:
    """Requested ÷ eligible costs in percent (two decimals), ``None`` without costs."""
    if eligible_costs <= 0:
        return None
    return (requested * HUNDRED / eligible_costs).quantize(CENT, rounding=ROUND_HALF_UP)


def max_grant_by_rate(rules: RuleSet, eligible_costs: Decimal) -> Decimal:
    """The largest grant the rate allows (rounded down to the cent, so it never exceeds the rate)."""
    return (eligible_costs * rules.max_rate_percent / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)


def check_rate(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Fördersatz")
    eligible = facts.eligible_costs
    ineligible = ""
    if facts.ineligible_costs:
        ineligible = _(" Nicht förderfähig (Kategorie nicht im Programm): %(eur)s.") % {
            "eur": eur(facts.ineligible_costs)
        }
    if eligible <= 0:
        return CheckResult(
            "rate", label, FAIL, _("Der Kostenplan enthält keine förderfähigen Kosten.") + ineligible
        )
    rate = funding_rate(facts.requested, eligible)
    assert rate is not None
    allowed = max_grant_by_rate(rules, eligible)
    text = _(
        "%(eur)s von %(eur2)s förderfähigen Kosten = %(percent)s; erlaubt sind höchstens "
        "%(percent2)s (%(eur3)s)."
    ) % {
        "eur": eur(facts.requested),
        "eur2": eur(eligible),
        "percent": percent(rate),
        "percent2": percent(rules.max_rate_percent) + rules.assumption_note("max_rate_percent"),
        "eur3": eur(allowed),
    }
    if facts.requested > allowed:
        return CheckResult("rate", label, FAIL, text + ineligible, overridable=True)
    if facts.requested <= 0:
        return CheckResult("rate", label, FAIL, _("Bitte den beantragten Betrag angeben.") + ineligible)
    return CheckResult("rate", label, OK, text + ineligible)


def check_min_size(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Mindestgröße des Vorhabens")
    if rules.min_project_costs is None:
        return CheckResult("min_size", label, NOT_APPLICABLE, _("Das Regelwerk kennt keine Mindestgröße."))
    eligible = facts.eligible_costs
    if eligible < rules.min_project_costs:
        return CheckResult(
            "min_size",
            label,
            FAIL,
            _(
                "Vorhaben mit förderfähigen Kosten unter %(eur)s werden nicht gefördert; geplant "
                "sind %(eur2)s."
            )
            % {"eur": eur(rules.min_project_costs), "eur2": eur(eligible)},
        )
    return CheckResult(
        "min_size",
        label,
        OK,
        _("Förderfähige Kosten %(eur)s, mindestens %(eur2)s sind nötig.")
        % {"eur": eur(eligible), "eur2": eur(rules.min_project_costs)},
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
    label = _("Einsparung")
    baseline, expected = facts.baseline_annual_costs, facts.expected_annual_costs
    minimum = rules.min_savings_percent
    if baseline is None or expected is None:
        if minimum is None:
            return CheckResult(
                "savings", label, NOT_APPLICABLE, _("Das Regelwerk verlangt keine Einsparung; keine Angaben.")
            )
        return CheckResult(
            "savings",
            label,
            FAIL,
            _(
                "Nötig sind mindestens %(percent)s Einsparung, rechnerisch nachgewiesen: bitte "
                "die jährlichen Kosten ohne und mit Kooperation angeben."
            )
            % {"percent": percent(minimum)},
            overridable=True,
        )
    share = savings_percent(baseline, expected)
    if share is None:
        return CheckResult("savings", label, FAIL, _("Die Kosten ohne Kooperation müssen größer als 0 sein."))
    arithmetic = _("(%(eur)s − %(eur2)s) ÷ %(eur)s = %(percent)s (%(eur3)s je Jahr)") % {
        "eur": eur(baseline),
        "eur2": eur(expected),
        "percent": percent(share),
        "eur3": eur(cents(baseline - expected)),
    }
    if minimum is None:
        return CheckResult(
            "savings", label, OK, _("Erwartete Einsparung: %(arithmetic)s.") % {"arithmetic": arithmetic}
        )
    if not _meets_savings(baseline, expected, minimum):
        return CheckResult(
            "savings",
            label,
            FAIL,
            _("Erwartete Einsparung %(arithmetic)s; nötig sind mindestens %(percent)s.")
            % {"arithmetic": arithmetic, "percent": percent(minimum)},
            overridable=True,
        )
    return CheckResult(
        "savings",
        label,
        OK,
        _("Erwartete Einsparung %(arithmetic)s; nötig sind mindestens %(percent)s.")
        % {"arithmetic": arithmetic, "percent": percent(minimum)},
    )


def check_duration(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Dauer der Zusammenarbeit")
    minimum = rules.min_commitment_years
    years = facts.commitment_years
    if minimum is None:
        text = _("Das Regelwerk verlangt keine Mindestdauer.")
        if years:
            text += _(" Angegeben: %(years)s Jahre.") % {"years": years}
        return CheckResult("duration", label, NOT_APPLICABLE, text)
    if years is None:
        return CheckResult(
            "duration",
            label,
            FAIL,
            _(
                "Die Zusammenarbeit muss mindestens %(minimum)s Jahre dauern; bitte die geplante "
                "Dauer angeben."
            )
            % {"minimum": minimum},
            overridable=True,
        )
    if years < minimum:
        return CheckResult(
            "duration",
            label,
            FAIL,
            _("Geplant sind %(years)s Jahre; die Zusammenarbeit muss mindestens %(minimum)s Jahre dauern.")
            % {"years": years, "minimum": minimum},
            overridable=True,
        )
    return CheckResult(
        "duration",
        label,
        OK,
        _("Geplant sind %(years)s Jahre; mindestens %(minimum)s sind nötig.")
        % {"years": years, "minimum": minimum},
    )


def check_resolutions(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = _("Ratsbeschlüsse")
    missing = list(facts.members_without_resolution)
    if not rules.council_resolutions_required:
        if missing:
            return CheckResult(
                "resolutions",
                label,
                WARNING,
                _("Nicht verlangt; noch ohne Beschluss im Verbund: %(join_words)s.")
                % {"join_words": join_words(missing)},
            )
        return CheckResult(
            "resolutions", label, NOT_APPLICABLE, _("Nicht verlangt; alle Beschlüsse liegen vor.")
        )
    if missing:
        return CheckResult(
            "resolutions",
            label,
            FAIL,
            _(
                "Das Programm verlangt den Beschluss jedes beteiligten Mitglieds; es fehlen: "
                "%(join_words)s. Beschlüsse werden beim Verbund erfasst und von dort übernommen."
            )
            % {"join_words": join_words(missing)},
            overridable=True,
        )
    return CheckResult("resolutions", label, OK, _("Für jedes beteiligte Mitglied liegt ein Beschluss vor."))


def _budget_year_mismatches(facts: ApplicationFacts) -> list[str]:
    """Budget years that do not match the cost plan: money of a year must pay costs of that year
    (Jährlichkeit, LHO § 45), and a year outside the project's period pays nothing of it."""
    problems = []
    planned = {year: amount for year, amount in facts.cost_years.items() if amount > 0}
    period_years = (
        set(range(facts.period_start.year, facts.period_end.year + 1))
        if facts.period_start and facts.period_end and facts.period_start <= facts.period_end
        else None
    )
    for year in sorted(y for y, a in facts.requested_by_year.items() if a > 0):
        if period_years is not None and year not in period_years:
            problems.append(
                _(
                    "Das Haushaltsjahr %(year)s liegt außerhalb der Laufzeit des Vorhabens "
                    "(%(first)s bis %(last)s); Mittel eines Jahres dürfen nur Ausgaben dieses Jahres "
                    "decken."
                )
                % {"year": year, "first": min(period_years), "last": max(period_years)}
            )
        elif planned and year not in planned:
            problems.append(
                _(
                    "Für das Haushaltsjahr %(year)s sind Mittel beantragt, der Kostenplan sieht in "
                    "%(year)s aber keine Kosten vor (Kosten geplant in: %(known)s); die Haushaltsjahre "
                    "müssen zu den Jahren des Kostenplans passen."
                )
                % {"year": year, "known": ", ".join(str(y) for y in sorted(planned))}
            )
    return problems


def check_budget(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Each requested budget year exists and has enough free budget; the years add up to the request."""
    label = _("Haushaltsmittel")
    if not facts.requested_by_year:
        return CheckResult(
            "budget", label, FAIL, _("Bitte angeben, wie viel in welchem Haushaltsjahr benötigt wird.")
        )
    problems, fine = [], []
    for year in sorted(facts.requested_by_year):
        amount = facts.requested_by_year[year]
        budget = facts.budgets.get(year)
        if budget is None:
            known = ", ".join(str(y) for y in sorted(facts.budgets)) or _("keine")
            problems.append(
                _("Für %(year)s hat das Programm keine Mittel (Haushaltsjahre: %(known)s).")
                % {"year": year, "known": known}
            )
        elif amount > budget.free:
            problems.append(
                _("%(year)s: beantragt %(eur)s, frei sind nur noch %(eur2)s von %(eur3)s.")
                % {"year": year, "eur": eur(amount), "eur2": eur(budget.free), "eur3": eur(budget.budget)}
            )
        else:
            fine.append(
                _("%(year)s: %(eur)s von noch freien %(eur2)s")
                % {"year": year, "eur": eur(amount), "eur2": eur(budget.free)}
            )
    problems.extend(_budget_year_mismatches(facts))
    total = cents(sum(facts.requested_by_year.values(), ZERO))
    if total != cents(facts.requested):
        problems.append(
            _("Die Beträge je Haushaltsjahr ergeben %(eur)s, beantragt sind aber %(eur2)s.")
            % {"eur": eur(total), "eur2": eur(facts.requested)}
        )
    if problems:
        return CheckResult("budget", label, FAIL, " ".join(problems + fine))
    return CheckResult("budget", label, OK, _("Mittel verfügbar: ") + "; ".join(fine) + ".")


#: The checks in the order a page shows them (each a plugin: ``(rules, facts) -> CheckResult``).
CHECKS = (
    check_eligibility,
    check_single_application,
    check_window,
    check_period,
    check_premature_start,
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
