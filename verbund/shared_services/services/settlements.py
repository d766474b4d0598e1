"""Settlements: compute a draft, finalize it (immutable from then on), correct it as a new version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Invalid

from .. import allocation, calculation, events
from ..models import (
    Settlement,
    SettlementFinalizedError,
    SettlementKind,
    SettlementLine,
    SettlementStatus,
    SharedService,
)
from ._common import check, lock, person
from .billing import invoices_issue

# --- settlements ------------------------------------------------------------------------------------


def _persist(settlement: Settlement, computed: calculation.ComputedSettlement, actor: Actor) -> Settlement:
    settlement.net_cost = computed.net_cost
    settlement.total = computed.total
    settlement.key_config = computed.key_config
    settlement.key_description = computed.key_description
    settlement.snapshot = computed.snapshot
    settlement.inputs_digest = computed.digest
    settlement.instalments = settlement.service.advance_instalments
    settlement.computed_at = timezone.now()
    settlement.computed_by = person(actor)
    settlement.full_clean()
    settlement.save()
    SettlementLine.objects.filter(settlement=settlement).delete()
    SettlementLine.objects.bulk_create(
        SettlementLine(
            settlement=settlement,
            body=line.body,
            days=line.days,
            population=line.population,
            population_date=line.population_date,
            population_source=line.population_source[:200],
            area_ha=line.area_ha,
            volume=line.volume,
            share=line.share,
            components=line.components,
            advance_paid=line.advance_paid,
            balance=line.balance,
            instalments=line.instalments,
            standalone_cost=line.standalone_cost,
            revenue_share=line.revenue_share,
        )
        for line in computed.lines
    )
    return settlement


def _compute_or_refuse(service: SharedService, year: int, kind: str) -> calculation.ComputedSettlement:
    """Compute in German: a settlement is an official document, and its key description, notes and
    component labels are stored (and checked by the digest) as the same text for every writer."""
    try:
        with translation.override("de"):
            return calculation.compute(calculation.gather_inputs(service, year, kind))
    except allocation.AllocationError as german:
        try:  # the refusal in the reader's language
            calculation.compute(calculation.gather_inputs(service, year, kind))
        except allocation.AllocationError as exc:
            raise Invalid(str(exc), code="settlement_not_computable") from exc
        raise Invalid(str(german), code="settlement_not_computable") from german


def _latest_version(service: SharedService, year: int, kind: str) -> Settlement | None:
    """The newest settlement of ``year`` and ``kind``, draft or finalized."""
    return Settlement.objects.filter(service=service, year=year, kind=kind).order_by("-version").first()


def _check_year_kind(year: int, kind: str) -> None:
    if kind not in SettlementKind.values:
        raise ValidationError(
            {"kind": _("Art der Abrechnung: advance (Abschläge) oder final (Spitzabrechnung).")}
        )
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Bitte ein Jahr zwischen 2000 und 2100 angeben.")})


@transaction.atomic
def settlement_compute(*, actor: Actor, service: SharedService, year: int, kind: str) -> Settlement:
    """Compute the draft of ``year`` and ``kind``: recompute the open draft, or start version 1.

    A finalized settlement is never recomputed: :func:`settlement_correct` starts a new version.
    """
    check(actor, service, "compute")
    _check_year_kind(year, kind)
    service = lock(service)
    draft = Settlement.objects.filter(
        service=service, year=year, kind=kind, status=SettlementStatus.DRAFT
    ).first()
    if draft is None:
        latest = _latest_version(service, year, kind)
        if latest is not None:
            raise SettlementFinalizedError(
                _(
                    "%(settlement)s ist abgeschlossen. "
                    "Für Änderungen bitte eine Korrektur (neue Fassung) anlegen."
                )
                % {"settlement": latest}
            )
        draft = Settlement(service=service, year=year, kind=kind, version=1)
    computed = _compute_or_refuse(service, year, kind)
    settlement = _persist(draft, computed, actor)
    audit_record(
        actor=actor,
        action="settlement.compute",
        target=settlement,
        alliance=service.alliance_id,
        changes={"year": year, "kind": kind, "version": settlement.version, "total": computed.total},
    )
    return settlement


@transaction.atomic
def settlement_correct(*, actor: Actor, settlement: Settlement, reason: str) -> Settlement:
    """Start a correction of a finalized settlement: a new draft version computed from today's inputs."""
    service = settlement.service
    check(actor, service, "manage")
    service = lock(service)
    settlement = Settlement.objects.get(pk=settlement.pk)
    if not settlement.is_finalized:
        raise Conflict(
            _("Nur eine abgeschlossene Abrechnung kann korrigiert werden."), code="settlement_draft"
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Bitte den Grund der Korrektur angeben.")})
    latest = _latest_version(service, settlement.year, settlement.kind)
    assert latest is not None
    if latest.pk != settlement.pk:
        raise Conflict(
            _("Es gibt bereits eine neuere Fassung (%(version)s); bitte diese korrigieren.")
            % {"version": latest.version},
            code="settlement_superseded",
        )
    draft = Settlement(
        service=service,
        year=settlement.year,
        kind=settlement.kind,
        version=settlement.version + 1,
        previous=settlement,
        reason=reason.strip(),
    )
    computed = _compute_or_refuse(service, settlement.year, settlement.kind)
    draft = _persist(draft, computed, actor)
    audit_record(
        actor=actor,
        action="settlement.correct",
        target=draft,
        alliance=service.alliance_id,
        changes={
            "previous": settlement.version,
            "version": draft.version,
            "reason": draft.reason,
            "total": draft.total,
        },
    )
    return draft


@transaction.atomic
def settlement_finalize(*, actor: Actor, settlement: Settlement, confirmed: bool = False) -> Settlement:
    """Finalize a draft: it becomes immutable and its invoices are issued (numbers, due dates).

    Refused without ``confirmed`` (the person saw the consequences: a confirmation step in the UI,
    ``{"confirmed": true}`` in the API) and when the inputs changed since it was computed.
    """
    service = settlement.service
    check(actor, service, "manage")
    if confirmed is not True:
        raise Invalid(
            _(
                "Bitte den Abschluss ausdrücklich bestätigen: Die Anteile werden verbindlich, die Rechnungen "
                "werden mit Rechnungsnummer ausgestellt und die Fassung ist danach unveränderlich."
            ),
            code="confirmation_required",
        )
    service = lock(service)
    settlement = Settlement.objects.select_related("service").get(pk=settlement.pk)
    if settlement.is_finalized:
        raise SettlementFinalizedError(_("Diese Abrechnung ist bereits abgeschlossen."))
    current = _compute_or_refuse(service, settlement.year, settlement.kind)
    if current.digest != settlement.inputs_digest:
        raise Conflict(
            _(
                "Die Grundlagen (Kosten, Schlüssel, Empfänger, Mengen oder Einwohner) haben sich seit der "
                "Berechnung geändert. Bitte neu berechnen und prüfen, dann abschließen."
            ),
            code="settlement_stale",
        )
    settlement.status = SettlementStatus.FINALIZED
    settlement.finalized_at = timezone.now()
    settlement.finalized_by = person(actor)
    settlement.save(update_fields=["status", "finalized_at", "finalized_by"])
    audit_record(
        actor=actor,
        action="settlement.finalize",
        target=settlement,
        alliance=service.alliance_id,
        changes={
            "year": settlement.year,
            "kind": settlement.kind,
            "version": settlement.version,
            "total": settlement.total,
            "digest": settlement.inputs_digest,
        },
    )
    invoices_issue(actor=actor, settlement=settlement)
    events.settlement_finalized(actor=actor, settlement=settlement)
    return settlement


@transaction.atomic
def settlement_discard(*, actor: Actor, settlement: Settlement) -> None:
    """Delete a draft (a finalized settlement cannot be deleted)."""
    service = settlement.service
    check(actor, service, "manage")
    if settlement.is_finalized:
        raise SettlementFinalizedError()
    changes = {"year": settlement.year, "kind": settlement.kind, "version": settlement.version}
    target_repr = str(settlement)
    settlement_pk = settlement.pk
    settlement.delete()
    audit_record(
        actor=actor,
        action="settlement.discard",
        object_type="shared_services.settlement",
        object_id=str(settlement_pk),
        object_repr=target_repr,
        changes=changes,
        alliance=service.alliance_id,
    )
