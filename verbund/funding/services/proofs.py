"""Proof of use (Verwendungsnachweis): the Verwaltungsleitung submits actual costs and the report,
the settlement is computed at once; the authority accepts (closing the application) or returns it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.common.money import cents

from .. import events, rules
from ..models import Application, GrantNotice, GrantYear, UseProof, UseProofCost, UseProofStatus
from ..rules import ZERO
from ._common import (
    audit,
    check_status,
    lock,
    lock_for_signer,
    money,
    person,
    principal_of_actor,
    require_decider,
    transition,
)


@transaction.atomic
def use_proof_submit(
    *, actor: Actor, application: Application, actual_costs: Mapping[str, Decimal | str], report: str
) -> UseProof:
    """Submit the proof of use: actual costs per category and the report; the settlement (what the
    alliance is entitled to, what it must repay) is computed at once and shown to both sides."""
    application = lock_for_signer(
        actor, application, _("Den Verwendungsnachweis reicht die Verwaltungsleitung ein.")
    )
    check_status(application, "submit_proof")
    if not report.strip():
        raise ValidationError({"report": _("Bitte den Sachbericht eingeben.")})
    grant = GrantNotice.objects.get(application=application)
    years = list(GrantYear.objects.select_for_update().filter(grant=grant).order_by("programme_year__year"))
    if any(y.pending for y in years):
        raise Conflict(
            _("Es sind noch Mittelabrufe offen; bitte deren Entscheidung abwarten."),
            code="pending_drawdowns",
        )
    costs = {}
    for category, value in actual_costs.items():
        if category not in rules.COST_CATEGORIES:
            raise ValidationError(
                {"actual_costs": _("Unbekannte Kostenart „%(category)s“.") % {"category": category}}
            )
        costs[category] = money(value, "actual_costs")
    eligible = cents(sum((v for k, v in costs.items() if k in application.programme.category_codes), ZERO))
    drawn = cents(sum((y.drawn for y in years), ZERO))
    settlement = rules.settle(
        financing=grant.financing,
        granted=grant.amount,
        planned_eligible=grant.planned_eligible_costs,
        actual_eligible=eligible,
        drawn=drawn,
    )
    proof = UseProof.objects.create(
        application=application,
        report=report.strip(),
        submitted_by=person(actor),
        actual_eligible_costs=eligible,
        entitled_amount=settlement.entitled,
        repayment_amount=settlement.repayment,
        outstanding_amount=settlement.outstanding,
        explanation=settlement.explanation,
    )
    UseProofCost.objects.bulk_create(
        [UseProofCost(proof=proof, category=k, amount=v) for k, v in sorted(costs.items())]
    )
    transition(application, "submit_proof", actor)
    audit(
        actor=actor,
        action="use_proof.submit",
        application=application,
        changes={
            "actual_costs": {rules.COST_CATEGORIES.get(k, k): str(v) for k, v in costs.items()},
            "entitled": settlement.entitled,
            "repayment": settlement.repayment,
        },
    )
    events.notify_authority(events.PROOF_SUBMITTED, actor, application, settlement.explanation)
    return proof


def _decide_proof(actor: Actor, proof: UseProof, *, accept: bool, note: str) -> UseProof:
    require_decider(principal_of_actor(actor))
    application = lock(proof.application)
    proof = UseProof.objects.select_for_update().get(pk=proof.pk)
    if proof.status != UseProofStatus.SUBMITTED:
        raise Conflict(
            _("Dieser Verwendungsnachweis ist bereits %(status)s.") % {"status": proof.get_status_display()},
            code="invalid_status",
        )
    check_status(application, "accept_proof" if accept else "return_proof")
    proof.status = UseProofStatus.ACCEPTED if accept else UseProofStatus.RETURNED
    proof.decided_at = timezone.now()
    proof.decided_by = person(actor)
    proof.decision_note = note.strip()
    proof.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    transition(application, "accept_proof" if accept else "return_proof", actor, note.strip())
    audit(
        actor=actor,
        action="use_proof.accept" if accept else "use_proof.return",
        application=application,
        changes={"repayment": proof.repayment_amount, "note": proof.decision_note},
    )
    if accept:
        params = {"explanation": proof.explanation}
        message = gettext_noop(
            "Der Verwendungsnachweis ist geprüft und angenommen; das Verfahren ist abgeschlossen. "
            "%(explanation)s"
        )
        if proof.repayment_amount:
            message = gettext_noop(
                "Der Verwendungsnachweis ist geprüft und angenommen; das Verfahren ist abgeschlossen. "
                "%(explanation)s\nBitte erstatten Sie %(repayment)s."
            )
            params["repayment"] = rules.eur(proof.repayment_amount)
        events.notify_applicant(events.PROOF_CHECKED, actor, application, message, params)
    else:
        events.notify_applicant(
            events.PROOF_CHECKED,
            actor,
            application,
            gettext_noop("Bitte überarbeiten: %(note)s"),
            {"note": note.strip()},
        )
    return proof


@transaction.atomic
def use_proof_accept(*, actor: Actor, proof: UseProof, note: str = "") -> UseProof:
    """Accept the proof of use: the settlement stands (repayment if any) and the application is closed."""
    return _decide_proof(actor, proof, accept=True, note=note)


@transaction.atomic
def use_proof_return(*, actor: Actor, proof: UseProof, reason: str) -> UseProof:
    """Send the proof back for correction; the application is granted again (no new drawdowns expected)."""
    principal_of_actor(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Bitte begründen, was zu überarbeiten ist.")})
    return _decide_proof(actor, proof, accept=False, note=reason)
