"""Drawdowns (Mittelabrufe): the applicant side requests payments from a grant year, the authority
approves or returns them.

Each step locks the grant year (budget line of one grant); a request may ask for at most what is
granted and neither paid nor already requested, so approving can never pay more than the grant; the
check constraint drawn + pending ≤ amount backs it. On PostgreSQL the row locks serialise concurrent
decisions; SQLite's transactions start ``IMMEDIATE`` (settings), which queues writers at ``BEGIN``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.access import require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Forbidden

from .. import events, policies, rules, workflow
from ..models import Application, Drawdown, DrawdownStatus, GrantYear
from ._common import audit, money, person, principal_of_actor, require_decider, year_of


def _grant_year_locked(application: Application, year: int) -> GrantYear:
    grant_year = (
        GrantYear.objects.select_for_update()
        .filter(grant__application=application, programme_year__year=year)
        .select_related("programme_year")
        .first()
    )
    if grant_year is None:
        raise ValidationError({"year": _("Für %(year)s wurde nichts bewilligt.") % {"year": year}})
    return grant_year


@transaction.atomic
def drawdown_request(
    *,
    actor: Actor,
    application: Application,
    year: int,
    amount: Decimal | str,
    note: str = "",
    notify: bool = True,
) -> Drawdown:
    """Request a payment from the grant of ``year``: at most granted − paid − already requested."""
    principal = principal_of_actor(actor)
    require(
        policies.may_draft(principal, application),
        _("Mittel rufen das antragstellende Mitglied und die Verbundkoordination ab."),
    )
    amount = money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Der Betrag muss größer als 0 sein.")})
    grant_year = _grant_year_locked(application, year_of(year, "year"))
    status = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
    if status != workflow.BEWILLIGT:
        raise Conflict(
            _(
                "Mittel können nur abgerufen werden, solange der Antrag bewilligt und der "
                "Verwendungsnachweis "
                "noch nicht eingereicht ist."
            ),
            code="invalid_status",
        )
    if amount > grant_year.available:
        raise Conflict(
            _(
                "Abrufbar sind für %(year)s noch %(eur)s (bewilligt %(eur2)s, ausgezahlt "
                "%(eur3)s, beantragt %(eur4)s); %(eur5)s ist zu viel."
            )
            % {
                "year": grant_year.programme_year.year,
                "eur": rules.eur(grant_year.available),
                "eur2": rules.eur(grant_year.amount),
                "eur3": rules.eur(grant_year.drawn),
                "eur4": rules.eur(grant_year.pending),
                "eur5": rules.eur(amount),
            },
            code="drawdown_exceeds_grant",
        )
    GrantYear.objects.filter(pk=grant_year.pk).update(pending=F("pending") + amount)
    drawdown = Drawdown.objects.create(
        grant_year=grant_year, amount=amount, note=note.strip(), requested_by=person(actor)
    )
    audit(
        actor=actor,
        action="drawdown.request",
        application=application,
        target=drawdown,
        changes={
            "application": application.reference,
            "year": grant_year.programme_year.year,
            "amount": amount,
        },
    )
    if notify:
        events.notify_authority(
            events.DRAWDOWN_REQUESTED,
            actor,
            application,
            gettext_noop("Abgerufen werden %(amount)s (%(year)s)."),
            {"amount": rules.eur(amount), "year": grant_year.programme_year.year},
        )
    return drawdown


def _decide_drawdown(
    actor: Actor, drawdown: Drawdown, *, approve: bool, note: str, notify: bool = True
) -> Drawdown:
    require_decider(principal_of_actor(actor))
    grant_year = (
        GrantYear.objects.select_for_update()
        .select_related("grant__application__programme", "grant__application__alliance")
        .get(pk=drawdown.grant_year_id)
    )
    drawdown = Drawdown.objects.select_for_update().get(pk=drawdown.pk)
    if drawdown.status != DrawdownStatus.REQUESTED:
        raise Conflict(
            _("Dieser Mittelabruf ist bereits %(status)s.") % {"status": drawdown.get_status_display()},
            code="invalid_status",
        )
    application = grant_year.grant.application
    if approve and application.programme.needs_second_approval(drawdown.amount):
        if isinstance(actor, SystemActor):
            raise Forbidden(_("Das Vier-Augen-Prinzip verlangt zwei Personen der Bewilligungsbehörde."))
        if drawdown.first_approved_at is None:
            return _first_approval(actor, drawdown, application, note=note, notify=notify)
        if drawdown.first_approved_by_id == getattr(actor, "pk", None):
            raise Forbidden(
                _(
                    "Vier-Augen-Prinzip: Sie haben die erste Freigabe erteilt; auszahlen lassen muss "
                    "eine zweite, andere Person der Bewilligungsbehörde."
                )
            )
    if approve:
        GrantYear.objects.filter(pk=grant_year.pk).update(
            pending=F("pending") - drawdown.amount, drawn=F("drawn") + drawdown.amount
        )
        drawdown.status = DrawdownStatus.APPROVED
    else:
        GrantYear.objects.filter(pk=grant_year.pk).update(pending=F("pending") - drawdown.amount)
        drawdown.status = DrawdownStatus.RETURNED
    drawdown.decided_at = timezone.now()
    drawdown.decided_by = person(actor)
    drawdown.decision_note = note.strip()
    drawdown.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit(
        actor=actor,
        action="drawdown.approve" if approve else "drawdown.return",
        application=application,
        target=drawdown,
        changes={
            "application": application.reference,
            "amount": drawdown.amount,
            "note": drawdown.decision_note,
            **(
                {"first_approval": _approver_text(drawdown)}
                if approve and drawdown.first_approved_at is not None
                else {}
            ),
        },
    )
    if notify:
        text = (
            gettext_noop("Der Mittelabruf über %(amount)s wurde freigegeben. %(note)s")
            if approve
            else gettext_noop("Der Mittelabruf über %(amount)s wurde zurückgegeben. %(note)s")
        )
        events.notify_applicant(
            events.DRAWDOWN_RELEASED if approve else events.DRAWDOWN_RETURNED,
            actor,
            application,
            text,
            {"amount": rules.eur(drawdown.amount), "note": note.strip()},
        )
    return drawdown


def _approver_text(drawdown: Drawdown) -> str:
    assert drawdown.first_approved_at is not None
    return f"{drawdown.first_approved_by} ({drawdown.first_approved_at:%d.%m.%Y %H:%M})"


def _first_approval(
    actor: Actor, drawdown: Drawdown, application: Application, *, note: str, notify: bool
) -> Drawdown:
    """Four eyes, step one: recorded and audited; the money moves on the second person's approval."""
    drawdown.first_approved_at = timezone.now()
    drawdown.first_approved_by = person(actor)
    drawdown.save(update_fields=["first_approved_at", "first_approved_by"])
    audit(
        actor=actor,
        action="drawdown.first_approval",
        application=application,
        target=drawdown,
        changes={
            "application": application.reference,
            "amount": drawdown.amount,
            "note": note.strip(),
            "second_approval_above": application.programme.second_approval_above,
        },
    )
    if notify:
        events.notify_authority(
            events.SECOND_APPROVAL_NEEDED,
            actor,
            application,
            gettext_noop(
                "Erste Freigabe des Mittelabrufs über %(amount)s erteilt; eine zweite Person der "
                "Bewilligungsbehörde muss ihn freigeben (Vier-Augen-Prinzip)."
            ),
            {"amount": rules.eur(drawdown.amount)},
        )
    return drawdown


@transaction.atomic
def drawdown_approve(*, actor: Actor, drawdown: Drawdown, note: str = "", notify: bool = True) -> Drawdown:
    """Pay a requested drawdown (it moves from requested to drawn). Above the programme's
    ``second_approval_above`` the first call records the first approval (the drawdown stays
    requested) and a second, different person's call releases it; the same person twice is refused."""
    return _decide_drawdown(actor, drawdown, approve=True, note=note, notify=notify)


@transaction.atomic
def drawdown_return(*, actor: Actor, drawdown: Drawdown, reason: str) -> Drawdown:
    """Return a drawdown request unpaid (its amount becomes available again)."""
    principal_of_actor(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Bitte begründen, warum der Abruf zurückgegeben wird.")})
    return _decide_drawdown(actor, drawdown, approve=False, note=reason)
