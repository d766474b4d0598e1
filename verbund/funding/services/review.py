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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.common.money import cents

from .. import events, notice_defaults, rules, workflow
from ..models import (
    Application,
    ApplicationEvent,
    GrantApproval,
    GrantNotice,
    GrantYear,
    InfoRequest,
    ProgrammeYear,
)
from ..notice_pdf import render_grant_notice
from ..rules import ZERO
from ..selectors import Draft, application_checks, draft_of
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
from .notices import notice_template_for_issue

#: The Nebenbestimmungen offered when a programme has no notice template of its own yet.
DEFAULT_CONDITIONS = notice_defaults.DEFAULT_CONDITIONS


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


@dataclass
class _GrantTerms:
    """A grant decision checked against the locked application and budget years (nothing written)."""

    application: Application
    amounts: dict[int, Decimal]
    total: Decimal
    years: dict[int, ProgrammeYear]
    draft: Draft
    start: dt.date
    end: dt.date

    def as_json(self, conditions: str, override_reason: str) -> dict[str, Any]:
        """What a first approver approved, so that the second approves exactly the same."""
        return {
            "years": {str(y): str(a) for y, a in sorted(self.amounts.items())},
            "period": [self.start.isoformat(), self.end.isoformat()],
            "conditions": conditions.replace("\r\n", "\n").strip(),
            "override_reason": override_reason.replace("\r\n", "\n").strip(),
        }


def _check_grant(
    *,
    actor: Actor,
    application: Application,
    amounts_by_year: Mapping[int, Decimal | str],
    period_start: dt.date | None,
    period_end: dt.date | None,
    override_reason: str,
    today: dt.date | None,
) -> _GrantTerms:
    """Lock the application and the budget years it charges, and run every check on the terms."""
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
    premature = next((r for r in results if r.code == "premature_start"), None)
    if premature is not None and premature.status == rules.FAIL:
        # The applicant may submit with a reason; a grant needs the authority's recorded approval.
        raise Invalid(
            _(
                "Bewilligen ist erst möglich, wenn die Zustimmung zum vorzeitigen Maßnahmebeginn "
                "erfasst ist (Antragsseite, „Vorzeitigen Maßnahmebeginn zulassen“). "
            )
            + premature.explanation,
            code="checks_failed",
        )
    enforce_checks(results, reason=override_reason, who=_("der Bewilligungsbehörde"))
    if start is None or end is None:
        raise ValidationError({"period_start": _("Bitte den Bewilligungszeitraum angeben.")})
    return _GrantTerms(application, amounts, total, years, draft, start, end)


def needs_first_grant_approval(application: Application, amount: Decimal) -> bool:
    """Whether a grant of ``amount`` still lacks the first of two approvals (four eyes)."""
    return (
        application.programme.needs_second_approval(amount)
        and not GrantApproval.objects.filter(application=application).exists()
    )


@transaction.atomic
def application_grant_first_approval(
    *,
    actor: Actor,
    application: Application,
    amounts_by_year: Mapping[int, Decimal | str],
    conditions: str = DEFAULT_CONDITIONS,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
) -> GrantApproval:
    """Four eyes, step one: the first person of the authority approves a grant above the programme's
    ``second_approval_above``; nothing is committed yet. The grant is issued by
    :func:`application_grant` of a second, different person on the same terms."""
    terms = _check_grant(
        actor=actor,
        application=application,
        amounts_by_year=amounts_by_year,
        period_start=period_start,
        period_end=period_end,
        override_reason=override_reason,
        today=today,
    )
    application = terms.application
    programme = application.programme
    if not programme.needs_second_approval(terms.total):
        raise Conflict(
            _("Für %(eur)s ist keine zweite Freigabe nötig; bitte direkt bewilligen.")
            % {"eur": rules.eur(terms.total)},
            code="no_second_approval_needed",
        )
    if isinstance(actor, SystemActor):
        raise Forbidden(_("Das Vier-Augen-Prinzip verlangt zwei Personen der Bewilligungsbehörde."))
    if GrantApproval.objects.filter(application=application).exists():
        raise Conflict(
            _("Die erste Freigabe ist bereits erfasst; bewilligen muss jetzt eine zweite Person."),
            code="already_approved",
        )
    approval = GrantApproval.objects.create(
        application=application,
        amount=terms.total,
        terms=terms.as_json(conditions, override_reason),
        approved_by=person(actor),
    )
    audit(
        actor=actor,
        action="application.grant_first_approval",
        application=application,
        changes={
            "amount": terms.total,
            "years": {str(y): str(a) for y, a in terms.amounts.items()},
            "period": [terms.start, terms.end],
            "second_approval_above": programme.second_approval_above,
        },
    )
    events.notify_authority(
        events.SECOND_APPROVAL_NEEDED,
        actor,
        application,
        gettext_noop(
            "Erste Freigabe der Bewilligung über %(amount)s erteilt; eine zweite Person der "
            "Bewilligungsbehörde muss bewilligen (Vier-Augen-Prinzip)."
        ),
        {"amount": rules.eur(terms.total)},
    )
    return approval


def _require_second_approver(actor: Actor, terms: _GrantTerms, conditions: str, override_reason: str) -> None:
    """Four eyes, step two: a first approval by another person on the same terms must exist."""
    application = terms.application
    if not application.programme.needs_second_approval(terms.total):
        return
    threshold = rules.eur(application.programme.second_approval_above)
    if isinstance(actor, SystemActor):
        raise Forbidden(_("Das Vier-Augen-Prinzip verlangt zwei Personen der Bewilligungsbehörde."))
    approval = GrantApproval.objects.select_for_update().filter(application=application).first()
    if approval is None:
        raise Conflict(
            _(
                "Bewilligungen über %(threshold)s brauchen zwei Personen der Bewilligungsbehörde "
                "(Vier-Augen-Prinzip): bitte zuerst die erste Freigabe erteilen."
            )
            % {"threshold": threshold},
            code="second_approval_required",
        )
    if approval.approved_by_id == getattr(actor, "pk", None):
        raise Forbidden(
            _(
                "Vier-Augen-Prinzip: Sie haben die erste Freigabe erteilt; bewilligen muss eine "
                "zweite, andere Person der Bewilligungsbehörde."
            )
        )
    if approval.terms != terms.as_json(conditions, override_reason):
        raise Conflict(
            _(
                "Die Bedingungen weichen von der ersten Freigabe ab (Beträge, Zeitraum, "
                "Nebenbestimmungen oder Begründung); bewilligt werden kann nur, was freigegeben ist."
            ),
            code="terms_differ",
        )


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
    may be overridden needs ``override_reason``; the budget can never be overridden. Above the
    programme's ``second_approval_above`` a first approval by another person on the same terms must
    exist (:func:`application_grant_first_approval`).
    """
    terms = _check_grant(
        actor=actor,
        application=application,
        amounts_by_year=amounts_by_year,
        period_start=period_start,
        period_end=period_end,
        override_reason=override_reason,
        today=today,
    )
    _require_second_approver(actor, terms, conditions, override_reason)
    application, amounts, total, years, draft = (
        terms.application,
        terms.amounts,
        terms.total,
        terms.years,
        terms.draft,
    )
    start, end = terms.start, terms.end
    first = GrantApproval.objects.filter(application=application).select_related("approved_by").first()
    template = notice_template_for_issue(actor=actor, programme=application.programme)
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
        conditions=conditions.strip() or template.conditions,
        template=template,
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
            **(
                {"first_approval": f"{first.approved_by} ({first.approved_at:%d.%m.%Y %H:%M})"}
                if first is not None
                else {}
            ),
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


#: Statuses in which the authority can record its approval of a premature start (it sees the
#: application from submission on and decides before the grant).
#: A request for consent often comes before the formal application (Antrag auf vorzeitigen
#: Maßnahmebeginn), hence also drafts (the authority sees them only if the alliance shows them).
PREMATURE_START_STATUSES = frozenset(
    {workflow.ENTWURF, workflow.EINGEREICHT, workflow.IN_PRUEFUNG, workflow.RUECKFRAGE}
)


@transaction.atomic
def premature_start_approve(
    *,
    actor: Actor,
    application: Application,
    approved_on: dt.date | None,
    note: str = "",
    today: dt.date | None = None,
    notify: bool = True,
) -> Application:
    """The funding authority approves a start of the undertaking before its application
    (vorzeitiger Maßnahmebeginn): recorded with date and person, audited, shown in the checks."""
    require_decider(principal_of_actor(actor))
    application = lock(application)
    if application.status not in PREMATURE_START_STATUSES:
        raise Conflict(
            _(
                "Dem vorzeitigen Maßnahmebeginn kann nur vor der Entscheidung zugestimmt werden "
                "(Status „%(status)s“)."
            )
            % {"status": application.get_status_display()},
            code="invalid_status",
        )
    if approved_on is None:
        raise ValidationError({"approved_on": _("Bitte das Datum der Zustimmung angeben.")})
    if approved_on > (today or timezone.localdate()):
        raise ValidationError({"approved_on": _("Das Datum der Zustimmung liegt in der Zukunft.")})
    if application.premature_start_approved_on is not None:
        raise Conflict(
            _("Die Zustimmung zum vorzeitigen Maßnahmebeginn ist bereits erfasst (%(date)s).")
            % {"date": f"{application.premature_start_approved_on:%d.%m.%Y}"},
            code="already_approved",
        )
    application.premature_start_approved_on = approved_on
    application.premature_start_approved_by = person(actor)
    application.premature_start_note = note.strip()
    application.save(
        update_fields=[
            "premature_start_approved_on",
            "premature_start_approved_by",
            "premature_start_note",
            "updated_at",
        ]
    )
    ApplicationEvent.objects.create(
        application=application,
        action="premature_start",
        from_status=application.status,
        to_status=application.status,
        by=person(actor),
        note=_("Vorzeitigem Maßnahmebeginn zugestimmt am %(date)s.") % {"date": f"{approved_on:%d.%m.%Y}"}
        + (f" {note.strip()}" if note.strip() else ""),
    )
    audit(
        actor=actor,
        action="application.premature_start_approve",
        application=application,
        changes={"approved_on": approved_on, "project_start": application.period_start, "note": note.strip()},
    )
    if notify:
        events.notify_applicant(
            events.PREMATURE_START_APPROVED,
            actor,
            application,
            gettext_noop(
                "Die Bewilligungsbehörde hat dem vorzeitigen Maßnahmebeginn am %(date)s zugestimmt."
            ),
            {"date": f"{approved_on:%d.%m.%Y}"},
        )
    return application


@transaction.atomic
def premature_start_withdraw(*, actor: Actor, application: Application, reason: str) -> Application:
    """The funding authority withdraws its consent to a premature start before it decides (a
    mistaken entry, or a consent revoked): the checks fail again until a new consent is recorded.
    Withdrawn only with a reason; the earlier consent stays in the application's history."""
    require_decider(principal_of_actor(actor))
    application = lock(application)
    if application.premature_start_approved_on is None:
        raise Conflict(
            _("Eine Zustimmung zum vorzeitigen Maßnahmebeginn ist nicht erfasst."), code="not_approved"
        )
    if application.status not in PREMATURE_START_STATUSES:
        raise Conflict(
            _("Die Zustimmung kann nur vor der Entscheidung widerrufen werden (Status „%(status)s“).")
            % {"status": application.get_status_display()},
            code="invalid_status",
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Bitte den Grund des Widerrufs angeben.")})
    before = application.premature_start_approved_on
    application.premature_start_approved_on = None
    application.premature_start_approved_by = None
    application.premature_start_note = ""
    application.save(
        update_fields=[
            "premature_start_approved_on",
            "premature_start_approved_by",
            "premature_start_note",
            "updated_at",
        ]
    )
    ApplicationEvent.objects.create(
        application=application,
        action="premature_start_withdraw",
        from_status=application.status,
        to_status=application.status,
        by=person(actor),
        note=_("Zustimmung zum vorzeitigen Maßnahmebeginn (vom %(date)s) widerrufen: %(reason)s")
        % {"date": f"{before:%d.%m.%Y}", "reason": reason.strip()},
    )
    audit(
        actor=actor,
        action="application.premature_start_withdraw",
        application=application,
        changes={"approved_on": [before, None], "reason": reason.strip()},
    )
    return application
