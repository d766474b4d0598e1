"""Submission, review and decision: the applicant signs and submits, the authority reviews, asks,
grants or rejects.

Signing (submit, withdraw, resubmit) is the Verwaltungsleitung's of the applicant body
(:func:`verbund.funding.policies.may_sign`); reviewing and deciding the funding authority's
(:func:`~verbund.funding.policies.may_decide`); system actors need ``funding.manage`` for either.

``application_grant`` locks the application row and then the programme's budget years it charges
(``select_for_update``, in year order so that two grants never wait for each other in a circle),
re-reads what is committed and refuses when a year's budget would be exceeded; ``committed`` is
raised with an ``F()`` update and a check constraint (committed ≤ budget) makes the database refuse
what a bug might let through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Invalid
from verbund.common.money import cents

from .. import events, rules
from ..models import Application, GrantNotice, GrantYear, InfoRequest, ProgrammeYear
from ..notice_pdf import render_grant_notice
from ..rules import ZERO
from ..selectors import application_checks, draft_of
from ._common import (
    audit,
    check_outcomes,
    check_status,
    enforce_checks,
    lock,
    lock_for_signer,
    money,
    person,
    principal_of_actor,
    require_decider,
    store_checks,
    transition,
    year_of,
)

DEFAULT_CONDITIONS = (
    "1. Die Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung (ANBest-P) bzw. für "
    "Gebietskörperschaften (ANBest-K) sind Bestandteil dieses Bescheids.\n"
    "2. Die Zuwendung ist zweckgebunden für das bewilligte Vorhaben zu verwenden.\n"
    "3. Die Mittel dürfen nur insoweit abgerufen werden, als sie innerhalb von zwei Monaten nach der "
    "Auszahlung für fällige Zahlungen benötigt werden.\n"
    "4. Der Verwendungsnachweis ist innerhalb von sechs Monaten nach Ende des Bewilligungszeitraums "
    "vorzulegen (Sachbericht und zahlenmäßiger Nachweis nach Kostenarten).\n"
    "5. Ergibt der Verwendungsnachweis geringere zuwendungsfähige Ausgaben, ermäßigt sich die "
    "Zuwendung; zu viel gezahlte Beträge sind zu erstatten.\n"
    "6. Zuwendungen über 1.000 EUR werden auf der Transparenzplattform veröffentlicht."
)


def _recorded(checks: Callable[[], list[rules.CheckResult]]) -> list[rules.CheckResult]:
    """The checks as the application and the audit log keep them: in German, whoever reads them later
    (the results that refuse or answer the acting user are in their language)."""
    with translation.override("de"):
        return checks()


def _enforce_applicant_checks(application: Application, results: list[rules.CheckResult]) -> None:
    """Refuse on a blocking failure; an overridable one needs the applicant's ``deviation_reason``."""
    enforce_checks(
        results,
        reason=application.deviation_reason,
        who=_("des Antragstellers (Feld „Begründung für Abweichungen“)"),
    )


@transaction.atomic
def application_submit(
    *, actor: Actor, application: Application, today: dt.date | None = None, notify: bool = True
) -> list[rules.CheckResult]:
    """Sign and submit: every check runs again; a blocking failure refuses, an overridable one needs
    the applicant's written reason (``deviation_reason``). Notifies the funding authority."""
    application = lock_for_signer(
        actor, application, _("Einreichen kann nur die Verwaltungsleitung des antragstellenden Mitglieds.")
    )
    check_status(application, "submit")
    results = application_checks(application, today=today)
    _enforce_applicant_checks(application, results)
    recorded = _recorded(lambda: application_checks(application, today=today))
    store_checks(application, recorded)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at"])
    transition(application, "submit", actor)
    audit(
        actor=actor,
        action="application.submit",
        application=application,
        changes={
            "requested_amount": application.requested_amount,
            "checks": check_outcomes(recorded),
        },
    )
    if notify:
        events.notify_authority(
            events.SUBMITTED,
            actor,
            application,
            gettext_noop("%(applicant)s hat einen Förderantrag eingereicht."),
            {"applicant": application.applicant.name},
        )
    return results


@transaction.atomic
def application_withdraw(*, actor: Actor, application: Application, reason: str = "") -> Application:
    """The applicant withdraws before a decision."""
    application = lock_for_signer(
        actor, application, _("Zurückziehen kann nur die Verwaltungsleitung des antragstellenden Mitglieds.")
    )
    check_status(application, "withdraw")
    was_submitted = application.submitted_at is not None
    transition(application, "withdraw", actor, reason)
    audit(actor=actor, action="application.withdraw", application=application, changes={"reason": reason})
    if was_submitted:
        events.notify_authority(
            events.WITHDRAWN,
            actor,
            application,
            gettext_noop("Der Antrag wurde zurückgezogen. Begründung: %(reason)s")
            if reason
            else gettext_noop("Der Antrag wurde zurückgezogen."),
            {"reason": reason} if reason else None,
        )
    return application


@transaction.atomic
def application_review(*, actor: Actor, application: Application, notify: bool = True) -> Application:
    """The funding authority starts reviewing a submitted application."""
    require_decider(principal_of_actor(actor))
    application = lock(application)
    check_status(application, "review")
    transition(application, "review", actor)
    audit(actor=actor, action="application.review", application=application)
    if notify:
        events.notify_applicant(
            events.REVIEW_STARTED,
            actor,
            application,
            gettext_noop("Die Bewilligungsbehörde prüft Ihren Antrag."),
        )
    return application


@transaction.atomic
def application_request_info(*, actor: Actor, application: Application, question: str) -> InfoRequest:
    """A query of the authority; the application can be edited again until it is resubmitted."""
    require_decider(principal_of_actor(actor))
    if not question.strip():
        raise ValidationError({"question": _("Bitte die Rückfrage formulieren.")})
    application = lock(application)
    check_status(application, "request_info")
    info = InfoRequest.objects.create(
        application=application, question=question.strip(), asked_by=person(actor)
    )
    transition(application, "request_info", actor, question.strip())
    audit(
        actor=actor,
        action="application.request_info",
        application=application,
        changes={"question": info.question},
    )
    events.notify_applicant(
        events.QUERY_ASKED,
        actor,
        application,
        gettext_noop("Rückfrage:\n%(question)s\n\nBitte beantworten und erneut einreichen."),
        {"question": info.question},
    )
    return info


@transaction.atomic
def application_resubmit(
    *, actor: Actor, application: Application, today: dt.date | None = None
) -> list[rules.CheckResult]:
    """Back to the authority after a query: every query answered, every check run again."""
    application = lock_for_signer(
        actor,
        application,
        _("Erneut einreichen kann nur die Verwaltungsleitung des antragstellenden Mitglieds."),
    )
    check_status(application, "resubmit")
    if InfoRequest.objects.filter(application=application, answered_at__isnull=True).exists():
        raise Invalid(_("Bitte zuerst jede Rückfrage beantworten."), code="unanswered_query")
    results = application_checks(application, today=today)
    # The window is a rule of first submission; an answer to a query may come after it closed.
    results = [r for r in results if r.code != "window"]
    _enforce_applicant_checks(application, results)
    recorded = [
        r for r in _recorded(lambda: application_checks(application, today=today)) if r.code != "window"
    ]
    store_checks(application, recorded)
    transition(application, "resubmit", actor, "erneut eingereicht")
    audit(
        actor=actor,
        action="application.resubmit",
        application=application,
        changes={"checks": check_outcomes(recorded)},
    )
    events.notify_authority(
        events.QUERY_ANSWERED,
        actor,
        application,
        gettext_noop("Der Antrag wurde nach der Rückfrage erneut eingereicht."),
    )
    return results


# --- Decision ------------------------------------------------------------------------------------------


@transaction.atomic
def application_grant(
    *,
    actor: Actor,
    application: Application,
    amounts_by_year: Mapping[int, Decimal | str],
    conditions: str = DEFAULT_CONDITIONS,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
    notify: bool = True,
) -> GrantNotice:
    """Grant (possibly less than requested), charged to the budget years in ``amounts_by_year``.

    The budget years are locked and re-read before the checks run on the amounts granted, so two
    grants decided at the same moment cannot together exceed a year's budget. A failed check that
    may be overridden needs ``override_reason``; the budget can never be overridden.
    """
    require_decider(principal_of_actor(actor))
    application = lock(application)
    check_status(application, "grant")
    amounts = {year_of(y, "amounts_by_year"): money(a, "amounts_by_year") for y, a in amounts_by_year.items()}
    amounts = {y: a for y, a in amounts.items() if a > 0}
    total = cents(sum(amounts.values(), ZERO))
    if total <= 0:
        raise ValidationError(
            {"amounts_by_year": _("Bitte den bewilligten Betrag je Haushaltsjahr angeben.")}
        )
    if total > application.requested_amount:
        raise ValidationError(
            {
                "amounts_by_year": _("Bewilligt werden kann höchstens der beantragte Betrag (%(eur)s).")
                % {"eur": rules.eur(application.requested_amount)}
            }
        )
    # Lock the budget years in year order (a fixed order: concurrent grants never deadlock).
    years = {
        y.year: y
        for y in ProgrammeYear.objects.select_for_update()
        .filter(programme=application.programme, year__in=list(amounts))
        .order_by("year")
    }
    missing = sorted(set(amounts) - set(years))
    if missing:
        raise Conflict(
            _("Das Programm hat keine Mittel für %(join)s.") % {"join": ", ".join(map(str, missing))},
            code="budget_exceeded",
        )
    draft = draft_of(application)
    draft.requested_amount = total
    draft.requested_by_year = dict(amounts)
    start = period_start or application.period_start
    end = period_end or application.period_end
    draft.period_start, draft.period_end = start, end
    results = [r for r in application_checks(application, draft, today=today) if r.code != "window"]
    budget = next(r for r in results if r.code == "budget")
    if budget.status == rules.FAIL:
        raise Conflict(budget.explanation, code="budget_exceeded")
    enforce_checks(results, reason=override_reason, who=_("der Bewilligungsbehörde"))
    if start is None or end is None:
        raise ValidationError({"period_start": _("Bitte den Bewilligungszeitraum angeben.")})
    for year, amount in amounts.items():
        # The F() update and the check constraint (committed ≤ budget) are the last line of defence.
        ProgrammeYear.objects.filter(pk=years[year].pk).update(committed=F("committed") + amount)
    codes = application.programme.category_codes
    planned = cents(sum((v for k, v in draft.cost_totals().items() if k in codes), ZERO))
    grant = GrantNotice(
        application=application,
        amount=total,
        planned_eligible_costs=planned,
        financing=application.programme.rules.financing,
        period_start=start,
        period_end=end,
        conditions=conditions.strip() or DEFAULT_CONDITIONS,
        override_reason=override_reason.strip(),
        issued_by=person(actor),
    )
    grant.full_clean(exclude=["pdf", "pdf_sha256"])
    grant.save()
    GrantYear.objects.bulk_create(
        [GrantYear(grant=grant, programme_year=years[y], amount=a) for y, a in sorted(amounts.items())]
    )
    application.decided_at = timezone.now()
    application.save(update_fields=["decided_at"])
    recorded = [
        r
        for r in _recorded(lambda: application_checks(application, draft, today=today))
        if r.code != "window"
    ]
    store_checks(application, recorded)
    transition(application, "grant", actor, f"bewilligt: {rules.eur(total)}")
    pdf = render_grant_notice(grant)
    grant.pdf.save(f"bescheid-{application.reference}.pdf", ContentFile(pdf), save=False)
    grant.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    grant.save(update_fields=["pdf", "pdf_sha256"])
    audit(
        actor=actor,
        action="application.grant",
        application=application,
        changes={
            "amount": total,
            "years": {str(y): str(a) for y, a in amounts.items()},
            "period": [start, end],
            "override_reason": grant.override_reason,
            "checks": check_outcomes(recorded),
        },
    )
    if notify:
        events.notify_applicant(
            events.GRANT_ISSUED,
            actor,
            application,
            gettext_noop(
                "Bewilligt: %(amount)s für %(start)s bis %(end)s. Der Bescheid liegt als PDF bereit."
            ),
            {"amount": rules.eur(total), "start": f"{start:%d.%m.%Y}", "end": f"{end:%d.%m.%Y}"},
        )
    return grant


@transaction.atomic
def application_reject(*, actor: Actor, application: Application, reasons: str) -> Application:
    """Refuse the application, with the reasons (they are sent to the applicant)."""
    require_decider(principal_of_actor(actor))
    if not reasons.strip():
        raise ValidationError({"reasons": _("Eine Ablehnung braucht eine Begründung.")})
    application = lock(application)
    check_status(application, "reject")
    application.rejection_reason = reasons.strip()
    application.decided_at = timezone.now()
    application.save(update_fields=["rejection_reason", "decided_at"])
    transition(application, "reject", actor, reasons.strip())
    audit(
        actor=actor,
        action="application.reject",
        application=application,
        changes={"reasons": reasons.strip()},
    )
    events.notify_applicant(
        events.REJECTED,
        actor,
        application,
        gettext_noop("Begründung:\n%(reasons)s"),
        {"reasons": reasons.strip()},
    )
    return application
