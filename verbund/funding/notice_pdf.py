"""The grant notice (Zuwendungsbescheid) as a tagged PDF/UA document, made when the grant is issued.

The letter is laid out in DIN 5008 form B (``common/pdf/letter.html``) from the programme's notice
template in the version the grant was issued with (:class:`~verbund.funding.models.NoticeTemplate`:
letterhead, signatory, legal basis, Rechtsbehelfsbelehrung) and the decision itself:

* addressee (the applicant body with the postcode and seat of its administration from the registry),
  Aktenzeichen, the date of the application and of the notice, subject line;
* I. Entscheidung (Tenor): amount, financing, funding rate, eligible expenditure, period, members
  taking part, the amounts per budget year and how they are paid;
* II. Nebenbestimmungen (as decided with the grant; the template's text is what the form offers);
* III. Begründung, written as sentences from the recorded check results, the rule set and the
  application (:func:`reasoning`) — checks that do not apply are left out, a deviation is named with
  the authority's reasons;
* IV. Rechtsbehelfsbelehrung from the template, then the signature block.

An official document: German whatever the language of the person who grants. Amounts and dates are
German (``215.940,00 EUR``, ``4. Dezember 2026``), quotes and dashes typographic. The document is
rendered by :func:`verbund.common.pdf.render_pdf` (WeasyPrint): structure tree, ``/Lang de``, the
title shown by the viewer and Fira Sans embedded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone, translation
from django.utils.html import conditional_escape

from verbund.common.german import format_date, join_words
from verbund.common.pdf import render_pdf

from . import notice_defaults, rules

if TYPE_CHECKING:
    from .models import Application, GrantNotice, NoticeTemplate

TEMPLATE = "funding/notice/grant_notice.html"

_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)

#: Grammatical gender of the first word of a body's label (for "der/dem Landkreis", "die/der Stadt").
_MASCULINE = frozenset(
    {"Landkreis", "Kreis", "Regionalverband", "Verwaltungsverband", "Markt", "Zweckverband"}
)
_NEUTER = frozenset({"Amt"})

#: Words that never belong into a notice (internal references, rule-engine vocabulary).
FORBIDDEN_WORDS = ("DOMAIN.md", "entfällt", "Regelwerk", "[Vorlage", "zu ergänzen]", "None", "n/a")


def long_date(value: dt.date) -> str:
    """``4. Dezember 2026``."""
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


def _gender(label: str) -> str:
    first = label.split(" ", 1)[0]
    if first in _MASCULINE:
        return "m"
    if first in _NEUTER:
        return "n"
    return "f"


def nominative(label: str) -> str:
    """``die Verbandsgemeinde Landstuhl``, ``der Landkreis Kusel``, ``das Amt …``."""
    return {"m": "der", "n": "das", "f": "die"}[_gender(label)] + " " + label


def dative(label: str) -> str:
    """``der Verbandsgemeinde Landstuhl``, ``dem Landkreis Kusel``."""
    return {"m": "dem", "n": "dem", "f": "der"}[_gender(label)] + " " + label


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _months(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end`` inclusive (1.1.–31.12. = 12), as the rules count."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return months + (1 if after.day > start.day else 0)


def _condition_holds(condition: str, facts: rules.ApplicationFacts | None) -> bool:
    if facts is None:
        return False
    if condition == rules.MIXED_LEVELS:
        return bool(facts.mixed_levels)
    if condition == rules.NOT_CONTIGUOUS:
        return facts.contiguous is False
    if condition == rules.SPECIAL_NEED_REGION:
        return facts.special_need_region
    return False


# --- The reasoning (Begründung) ------------------------------------------------------------------------


def reasoning(
    grant: GrantNotice,
    *,
    checks: Sequence[Mapping[str, Any]],
    rule_set: rules.RuleSet,
    facts: rules.ApplicationFacts | None,
    applicant: str,
    participants: Sequence[str],
    legal_basis: str,
) -> list[str]:
    """The Begründung as paragraphs of German sentences (no check list, no rule-engine words).

    ``checks`` are the recorded results (``CheckResult.as_dict``); a check that passed gives a
    sentence on what was found, one that does not apply (or only notes something) is left out, and a
    failed one that the authority overrode is named in a paragraph of its own with its reasons.
    """
    application = grant.application
    paragraphs: list[str] = []
    applied_on = (
        f" mit Antrag vom {format_date(timezone.localtime(application.submitted_at).date())}"
        if application.submitted_at
        else ""
    )
    opening = (
        f"{_capital(nominative(applicant))} hat{applied_on} im Namen des Kooperationsverbunds "
        f"„{application.alliance.name}“ eine Zuwendung von {rules.eur(application.requested_amount)} "
        f"für das Vorhaben „{application.title}“ beantragt."
    )
    if participants:
        opening += (
            f" Am Vorhaben nehmen {len(participants)} Mitglieder teil: {join_words(list(participants))}."
        )
    if grant.amount < application.requested_amount:
        rest = rules.eur(application.requested_amount - grant.amount)
        opening += (
            f" Bewilligt werden {rules.eur(grant.amount)}; der darüber hinaus beantragte Betrag von {rest} "
            "wird nicht bewilligt."
        )
    paragraphs.append(opening)
    if legal_basis.strip():
        paragraphs.append(legal_basis.strip())

    passed: list[str] = []
    deviations: list[str] = []
    for check in checks:
        code, status = str(check.get("code", "")), str(check.get("status", ""))
        if status == rules.OK:
            sentence = _passed_sentence(code, grant, rule_set, facts, applicant, check)
            if sentence:
                passed.append(sentence)
        elif status == rules.FAIL:
            deviations.append(_deviation_sentence(code, grant, rule_set, facts, check))
    if passed:
        paragraphs.append("Der Antrag erfüllt die Voraussetzungen des Programms. " + " ".join(passed))
    if deviations:
        text = " ".join(deviations)
        if grant.override_reason.strip():
            text += (
                " Die Bewilligungsbehörde lässt diese Abweichung zu und bewilligt dennoch, aus folgenden "
                f"Gründen: {_sentence(grant.override_reason)}"
            )
        paragraphs.append(text)
    paragraphs.append(
        "Das Vorhaben dient dem Zweck des Programms, die Zusammenarbeit der Kommunen zu stärken und ihre "
        "Verwaltung wirtschaftlicher zu machen. Nach Abwägung aller Umstände gewährt die "
        "Bewilligungsbehörde die Zuwendung daher im oben genannten Umfang."
    )
    return paragraphs


def _cap_sentence(
    rule_set: rules.RuleSet, facts: rules.ApplicationFacts | None
) -> tuple[Decimal | None, str]:
    if facts is None:
        return None, ""
    cap = rules.compute_cap(rule_set, facts)
    if cap.amount is None or cap.amount <= 0:
        return None, ""
    members = facts.member_count
    text = (
        f"Für ein Vorhaben mit {members} Mitgliedern beträgt der Förderhöchstbetrag {rules.eur(cap.amount)}"
    )
    raised = [f"„{i.label}“" for i in rule_set.increases if _condition_holds(i.condition, facts)]
    if raised:
        text += f", erhöht wegen {join_words(raised)}"
    return cap.amount, text


def _passed_sentence(
    code: str,
    grant: GrantNotice,
    rule_set: rules.RuleSet,
    facts: rules.ApplicationFacts | None,
    applicant: str,
    check: Mapping[str, Any],
) -> str:
    application = grant.application
    if code == "eligibility":
        return (
            f"{_capital(nominative(applicant))} ist als Mitglied des Verbunds antragsberechtigt und stellt "
            "den Antrag für alle beteiligten Mitglieder."
        )
    if code == "single_application":
        return "Für den Verbund liegt in diesem Programm kein weiterer Antrag vor."
    if code == "window":
        return "Der Antrag ist innerhalb der Antragsfrist eingegangen."
    if code == "period":
        months = _months(grant.period_start, grant.period_end)
        text = (
            f"Der Bewilligungszeitraum vom {format_date(grant.period_start)} bis "
            f"{format_date(grant.period_end)} umfasst {months} Monate"
        )
        if rule_set.max_period_months:
            text += f" und hält die Höchstdauer von {rule_set.max_period_months} Monaten ein"
        return text + "."
    if code == "cap":
        amount, text = _cap_sentence(rule_set, facts)
        if amount is None:
            return ""
        return f"{text}; die Zuwendung von {rules.eur(grant.amount)} hält ihn ein."
    if code == "rate":
        rate = rules.funding_rate(grant.amount, grant.planned_eligible_costs)
        if rate is None:
            return ""
        return (
            f"Die zuwendungsfähigen Ausgaben betragen {rules.eur(grant.planned_eligible_costs)}; die "
            f"Zuwendung deckt davon {rules.percent(rate)} und bleibt damit im Fördersatz von höchstens "
            f"{rules.percent(rule_set.max_rate_percent)}."
        )
    if code == "min_size" and rule_set.min_project_costs is not None:
        return (
            f"Die zuwendungsfähigen Ausgaben erreichen die Mindestgröße eines Vorhabens von "
            f"{rules.eur(rule_set.min_project_costs)}."
        )
    if code == "savings":
        baseline, expected = application.baseline_annual_costs, application.expected_annual_costs
        if baseline is None or expected is None:
            return ""
        share = rules.savings_percent(baseline, expected)
        if share is None:
            return ""
        text = (
            f"Nach der Berechnung im Antrag sinken die jährlichen Kosten durch die Zusammenarbeit von "
            f"{rules.eur(baseline)} auf {rules.eur(expected)}, also um {rules.percent(share)}"
        )
        if rule_set.min_savings_percent is not None:
            text += f"; verlangt sind mindestens {rules.percent(rule_set.min_savings_percent)}"
        return text + "."
    if code == "duration" and application.commitment_years:
        text = f"Die Zusammenarbeit ist auf {application.commitment_years} Jahre angelegt"
        if rule_set.min_commitment_years:
            text += f"; verlangt sind mindestens {rule_set.min_commitment_years} Jahre"
        return text + "."
    if code == "resolutions":
        return "Für jedes beteiligte Mitglied liegt der Beschluss seines zuständigen Gremiums vor."
    if code == "budget":
        parts = [
            f"{rules.eur(y.amount)} im Haushaltsjahr {y.programme_year.year}"
            for y in grant.years.select_related("programme_year").order_by("programme_year__year")
        ]
        if not parts:
            return ""
        return (
            f"Die Haushaltsmittel stehen zur Verfügung: {join_words(parts)}; jedes Haushaltsjahr deckt "
            "Ausgaben, die nach dem Kostenplan in diesem Jahr anfallen."
        )
    if code == "premature_start":
        approved = getattr(facts, "premature_start_approved_on", None)
        start = format_date(grant.application.period_start or grant.period_start)
        if approved is not None:
            return (
                f"Mit dem Vorhaben wurde am {start} vor der Antragstellung begonnen; dem vorzeitigen "
                f"Maßnahmebeginn hat die Bewilligungsbehörde am {format_date(approved)} zugestimmt."
            )
        return f"Das Vorhaben beginnt am {start} und damit nicht vor der Antragstellung."
    label = str(check.get("label", "")).strip()
    return f"Auch die Voraussetzung „{label}“ ist erfüllt." if label else ""


def _deviation_sentence(
    code: str,
    grant: GrantNotice,
    rule_set: rules.RuleSet,
    facts: rules.ApplicationFacts | None,
    check: Mapping[str, Any],
) -> str:
    application = grant.application
    if code == "cap":
        amount, text = _cap_sentence(rule_set, facts)
        if amount is not None and grant.amount > amount:
            return (
                f"{text}; die Zuwendung von {rules.eur(grant.amount)} liegt um "
                f"{rules.eur(grant.amount - amount)} darüber."
            )
    if code == "period" and rule_set.max_period_months:
        months = _months(grant.period_start, grant.period_end)
        return (
            f"Der Bewilligungszeitraum umfasst {months} Monate und ist damit länger als die im Programm "
            f"vorgesehenen höchstens {rule_set.max_period_months} Monate."
        )
    if code == "rate":
        rate = rules.funding_rate(grant.amount, grant.planned_eligible_costs)
        if rate is not None:
            return (
                f"Die Zuwendung deckt {rules.percent(rate)} der zuwendungsfähigen Ausgaben und damit mehr "
                f"als den Fördersatz von höchstens {rules.percent(rule_set.max_rate_percent)}."
            )
    if code == "savings" and rule_set.min_savings_percent is not None:
        return (
            f"Die im Programm verlangte Einsparung von mindestens "
            f"{rules.percent(rule_set.min_savings_percent)} ist im Antrag nicht nachgewiesen."
        )
    if code == "duration" and rule_set.min_commitment_years:
        years = application.commitment_years
        planned = f"auf {years} Jahre angelegt" if years else "ohne feste Dauer geplant"
        return (
            f"Die Zusammenarbeit ist {planned}; das Programm verlangt mindestens "
            f"{rule_set.min_commitment_years} Jahre."
        )
    if code == "resolutions" and facts is not None and facts.members_without_resolution:
        return (
            "Die Beschlüsse der zuständigen Gremien liegen noch nicht für alle beteiligten Mitglieder "
            f"vor; es fehlen die von {join_words(list(facts.members_without_resolution))}."
        )
    label = str(check.get("label", "")).strip() or "eine Voraussetzung des Programms"
    return f"Die Voraussetzung „{label}“ ist nicht erfüllt."


# --- The letter -------------------------------------------------------------------------------------------


def addressee_lines(application: Application) -> list[str]:
    """The applicant body as addressee: its name and, if the registry has them, postcode and seat."""
    from verbund.registry.selectors import body_label

    body = application.applicant
    lines = [body_label(body.kind, body.name)]
    if body.postcode and body.seat:
        lines.append(f"{body.postcode} {body.seat}")
    elif body.seat:
        lines.append(body.seat)
    return lines


def signature_lines(template: NoticeTemplate, grant: GrantNotice) -> list[str]:
    """``Im Auftrag``, the signatory's printed name (§ 37 Abs. 3 VwVfG) and function."""
    name = template.signatory_name.strip()
    if not name and grant.issued_by is not None:
        name = grant.issued_by.get_full_name().strip()
    lines = ["Im Auftrag", name or template.authority_name]
    if template.signatory_function.strip():
        lines.append(template.signatory_function.strip())
    return lines


def _facts(application: Application) -> rules.ApplicationFacts | None:
    from .selectors import application_facts

    try:
        return application_facts(application)
    except Exception:  # the notice never fails for want of a detail of the reasoning
        return None


def notice_context(grant: GrantNotice, template: NoticeTemplate) -> dict[str, Any]:
    """Everything the notice template prints (German)."""
    from verbund.registry.selectors import body_label

    application = grant.application
    programme = application.programme
    issued = timezone.localtime(grant.issued_at).date()
    applicant = body_label(application.applicant.kind, application.applicant.name)
    participants = [body_label(b.kind, b.name) for b in application.participants.order_by("name")]
    rate = rules.funding_rate(grant.amount, grant.planned_eligible_costs)
    years = list(grant.years.select_related("programme_year").order_by("programme_year__year"))
    address = notice_defaults.lines(template.address)
    sender_lines = ([template.authority_unit] if template.authority_unit else []) + address
    info: list[tuple[str, Any]] = [("Aktenzeichen", conditional_escape(grant.reference))]
    if application.submitted_at:
        submitted = format_date(timezone.localtime(application.submitted_at).date())
        info.append(("Ihr Antrag", conditional_escape(f"{application.reference} vom {submitted}")))
    info.append(("Datum", long_date(issued)))
    contact = notice_defaults.lines(template.contact)
    if contact:
        info.append(("Kontakt", conditional_escape(" · ".join(contact))))
    checks = application.checks or []
    try:
        rule_set = programme.rules
    except rules.RuleSetError:  # a broken rule set grants nothing; the reasoning then names no rule
        rule_set, checks = rules.RuleSet(name="", cap_tiers=()), []
    legal_remedy = notice_defaults.fill(
        template.legal_remedy, authority_name=template.authority_name, address=template.address
    )
    return {
        "grant": grant,
        "application": application,
        "programme": programme,
        "template": template,
        "sender": {"name": template.authority_name, "lines": sender_lines},
        "recipient_lines": addressee_lines(application),
        "info": info,
        "subject": "Zuwendungsbescheid",
        "subject_detail": (
            f"Zuwendung aus dem Programm „{programme.name}“ für das Vorhaben „{application.title}“ des "
            f"Kooperationsverbunds „{application.alliance.name}“"
        ),
        "applied_on": format_date(timezone.localtime(application.submitted_at).date())
        if application.submitted_at
        else "",
        "tenor": (
            f"{_capital(dative(applicant))} wird für das Vorhaben „{application.title}“ eine Zuwendung in "
            f"Höhe von {rules.eur(grant.amount)} als nicht rückzahlbarer Zuschuss bewilligt."
        ),
        "rows": [
            ("Zuwendung", rules.eur(grant.amount)),
            ("Finanzierungsart", rules.FINANCING.get(grant.financing, grant.financing)),
            ("Zuwendungsfähige Ausgaben", rules.eur(grant.planned_eligible_costs)),
            *([("Fördersatz", rules.percent(rate))] if rate is not None else []),
            (
                "Bewilligungszeitraum",
                f"{format_date(grant.period_start)} bis {format_date(grant.period_end)}",
            ),
            ("Beteiligte Mitglieder", join_words(participants) if participants else applicant),
        ],
        "years": [(y.programme_year.year, rules.eur(y.amount)) for y in years],
        "total": rules.eur(grant.amount),
        "conditions": notice_defaults.lines(grant.conditions),
        "reasoning": reasoning(
            grant,
            checks=checks,
            rule_set=rule_set,
            facts=_facts(application),
            applicant=applicant,
            participants=participants,
            legal_basis=notice_defaults.fill(
                template.legal_basis, authority_name=template.authority_name, address=template.address
            ),
        ),
        "legal_remedy": [p.strip() for p in legal_remedy.split("\n\n") if p.strip()],
        "signature": signature_lines(template, grant),
    }


def notice_title(grant: GrantNotice) -> str:
    return f"Zuwendungsbescheid {grant.reference}"


def render_notice_html(grant: GrantNotice, template: NoticeTemplate | None = None) -> str:
    """The notice as HTML (what the PDF is laid out from); for checks of its text."""
    from django.template.loader import render_to_string

    template = template or _template_of(grant)
    with translation.override("de"):
        return render_to_string(
            TEMPLATE,
            {
                **notice_context(grant, template),
                "pdf_title": notice_title(grant),
                "pdf_lang": "de",
                "pdf_fonts": (),
            },
        )


def _template_of(grant: GrantNotice) -> NoticeTemplate:
    from .models import NoticeTemplate

    if grant.template_id is not None:
        return grant.template  # type: ignore[return-value]
    current = NoticeTemplate.objects.current(grant.application.programme)
    if current is None:
        raise ValueError(f"{grant} has no notice template")
    return current


def render_grant_notice(grant: GrantNotice, template: NoticeTemplate | None = None) -> bytes:
    """The PDF of ``grant`` with the template version it was issued with (or ``template``)."""
    template = template or _template_of(grant)
    with translation.override("de"):
        context = notice_context(grant, template)
    return render_pdf(
        TEMPLATE,
        context,
        title=notice_title(grant),
        lang="de",
        author=template.authority_name,
        subject=context["subject_detail"],
    )
