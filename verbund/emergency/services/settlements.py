"""The booked reimbursement of a mutual-aid request (Erstattungsabrechnung), through the shared-services
allocation engine.

A settlement books what :func:`verbund.emergency.services.aid.build_statement` computes:

* **Lines**: one per handed-over or returned commitment, each a charge of the engine (rate × units,
  half up to the cent) with its units, unit label and rate; without an agreement every line is 0 with
  the note "keine Erstattung zwischen öffentlichen Stellen, sofern nicht vereinbart" — the request is
  still closed off on the record.
* **Positions per body**: ``claim`` = what the body is owed as lender (sum of its lines); ``share`` =
  what it bears: without cost sharing the body in need bears the total; with the agreement's
  ``cost_sharing`` (an allocation-key configuration) the total of the lines under that agreement is
  allocated among the alliance's members on the request's first day by the key — population and area
  from the registry (:attr:`Body.population` with its date), exact to the cent by largest remainder;
  ``net = share − claim`` (positive: the body pays, negative: it receives). The nets sum to zero.
* **Snapshot**: the agreements' terms, the key and its German description, the members' figures and
  where they come from, and a digest of the inputs: a draft whose inputs changed since it was computed
  is not set (recompute first).

Steps: :func:`settlement_compute` (a draft; recomputing replaces its lines), :func:`settlement_finalize`
(festsetzen: explicit confirmation, only when nothing is still committed or out; immutable from then
on, audited, logged to the request's event, the bodies with a non-zero balance notified),
:func:`settlement_correct` (a new draft version of a set one, with a reason).

Who (see :mod:`verbund.emergency.policies`): computing — those acting for the body in need and the
coordinators of the agreement's alliance; setting and correcting — the heads (Verwaltungsleitung) of the
body in need and those coordinators; seeing — the body in need, the lenders, every body with a position,
the coordinators. Others get 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.alliances.models import Membership
from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.german import format_date, format_money
from verbund.common.principal import Principal
from verbund.notifications.services import Audience, publish, register_event_type
from verbund.registry.models import Body
from verbund.shared_services import allocation

from .. import audit_actions
from ..models import (
    AidAgreement,
    AidRequest,
    AidSettlement,
    AidSettlementFinalError,
    AidSettlementLine,
    AidSettlementShare,
    AidSettlementStatus,
    CommitmentStatus,
    Event,
    LogCategory,
)
from ..policies import (
    as_principal,
    computes_aid_settlement,
    sees_aid_settlement,
    sets_aid_settlement,
    works_for_any_body,
)
from . import aid
from . import log as log_service

ZERO = Decimal("0.00")

SETTLEMENT_SET = register_event_type(
    "emergency.aid_settlement_set",
    label=gettext_lazy("Erstattungsabrechnung der gegenseitigen Hilfe festgesetzt"),
    webhooks=False,
)


# --- computing -------------------------------------------------------------------------------------


@dataclass
class Position:
    body: Body
    claim: Decimal = ZERO
    share: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.share - self.claim


@dataclass
class Computed:
    agreement: AidAgreement | None
    total: Decimal
    lines: list[aid.StatementLine]
    positions: list[Position]
    snapshot: dict[str, Any]
    digest: str
    alliance_ids: set[int] = field(default_factory=set)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _members_on(alliance_id: int, on: dt.date) -> list[Body]:
    """The alliance's members on ``on`` (joined on or before, not left before), by ARS."""
    current = Q(joined_on__lte=on) & (Q(left_on__isnull=True) | Q(left_on__gte=on))
    ids = Membership.objects.filter(current, alliance_id=alliance_id).values_list("body_id", flat=True)
    return list(Body.objects.filter(pk__in=list(ids)).order_by("ars"))


def _agreement_terms(agreement: AidAgreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "alliance_id": agreement.alliance_id,
        "alliance": agreement.alliance.name,
        "hourly_rate": _money(agreement.hourly_rate),
        "daily_rates": {str(k): str(v) for k, v in (agreement.daily_rates or {}).items()},
        "consumables_at_cost": agreement.consumables_at_cost,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else None,
        "note": agreement.note,
        "cost_sharing": agreement.cost_sharing or None,
    }


def _not_computable(exc: Exception, agreement: AidAgreement) -> Invalid:
    return Invalid(
        _("Die Kostenteilung nach der Vereinbarung von %(alliance)s ist nicht berechenbar: %(reason)s")
        % {"alliance": agreement.alliance.name, "reason": exc},
        code="settlement_not_computable",
    )


def _share_out(
    agreement: AidAgreement, subtotal: Decimal, on: dt.date, positions: dict[int, Position]
) -> dict[str, Any]:
    """Allocate ``subtotal`` by the agreement's key among its alliance's members on ``on``; add the
    shares to ``positions``; the part of the snapshot that explains it."""
    config = agreement.cost_sharing
    members = _members_on(agreement.alliance_id, on)
    try:
        key = allocation.parse_key(config)
        result = allocation.allocate(
            key,
            subtotal,
            [
                allocation.Member(key=b.ars, name=b.name, population=b.population, area_ha=b.area_ha)
                for b in members
            ],
        )
    except allocation.AllocationError as exc:
        raise _not_computable(exc, agreement) from exc
    by_ars = {b.ars: b for b in members}
    for ars, amount in result.shares.items():
        body = by_ars[ars]
        positions.setdefault(body.pk, Position(body)).share += amount
    dates = sorted({b.population_date for b in members if b.population_date is not None})
    source = _("Einwohnerzahlen und Flächen aus dem Register (Stand %(dates)s)") % {
        "dates": ", ".join(format_date(d) for d in dates) or _("ohne Datum")
    }
    return {
        "key_description": result.description,
        "figures_source": source,
        "members": [
            {
                "ars": b.ars,
                "name": b.name,
                "population": b.population,
                "population_date": b.population_date.isoformat() if b.population_date else None,
                "area_ha": b.area_ha,
                "share": _money(result.share(b.ars)),
            }
            for b in members
        ],
        "notes": list(result.notes),
    }


def compute(aid_request: AidRequest) -> Computed:
    """Lines, positions and snapshot of the request as of now (no access check, nothing written).

    Computed in German: a settlement is a document sent as it is; its texts are the same for every
    writer."""
    with translation.override("de"):
        return _compute(aid_request)


def _compute(aid_request: AidRequest) -> Computed:
    statement = aid.build_statement(aid_request)
    on = aid.first_day(aid_request)
    positions: dict[int, Position] = {}
    needy = aid_request.requesting_body
    positions[needy.pk] = Position(needy)
    subtotals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    agreements: dict[int, AidAgreement] = {}
    for line in statement.lines:
        positions.setdefault(line.lender.pk, Position(line.lender)).claim += line.amount
        if line.agreement is not None:
            agreements[line.agreement.pk] = line.agreement
            subtotals[line.agreement.pk] += line.amount
    terms = []
    for agreement_id, agreement in sorted(agreements.items()):
        subtotal = subtotals[agreement_id]
        entry = {**_agreement_terms(agreement), "subtotal": _money(subtotal)}
        if agreement.cost_sharing:
            entry.update(_share_out(agreement, subtotal, on, positions))
        else:
            positions[needy.pk].share += subtotal
            entry["key_description"] = _("Die anfragende Körperschaft trägt die Erstattung allein.")
        terms.append(entry)
    # the main agreement: the one most of the amount (then the most lines) falls under
    main = (
        max(
            agreements.values(),
            key=lambda a: (
                subtotals[a.pk],
                sum(1 for line in statement.lines if line.agreement == a),
                -a.pk,
            ),
        )
        if agreements
        else None
    )
    ordered = sorted(positions.values(), key=lambda p: (p.body.name, p.body.ars))
    assert sum((p.net for p in ordered), ZERO) == ZERO, "the balances of a settlement sum to zero"
    snapshot: dict[str, Any] = {
        "first_day": on.isoformat(),
        "note": statement.note,
        "provisional": statement.provisional,
        "agreements": terms,
        "key_description": next(
            (t["key_description"] for t in terms if main is not None and t["id"] == main.pk),
            _("keine Kostenteilung"),
        ),
    }
    fingerprint = {
        "lines": [
            [
                line.commitment.pk,
                line.lender.pk,
                str(line.units),
                str(line.rate),
                str(line.amount),
                line.basis,
            ]
            for line in statement.lines
        ],
        "positions": [[p.body.pk, str(p.claim), str(p.share)] for p in ordered],
        "snapshot": snapshot,
    }
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()
    snapshot["digest"] = digest
    return Computed(
        agreement=main,
        total=statement.total,
        lines=statement.lines,
        positions=ordered,
        snapshot=snapshot,
        digest=digest,
        alliance_ids={a.alliance_id for a in agreements.values()},
    )


# --- who -------------------------------------------------------------------------------------------


def _alliances_of_request(aid_request: AidRequest) -> set[int]:
    """The alliances whose agreement applies to a lender of the request, and those of its settlements."""
    on = aid.first_day(aid_request)
    lenders = set(aid_request.commitments.values_list("resource__owner_body_id", flat=True))
    found = set()
    for lender in lenders:
        agreement = aid.agreement_for(aid_request.requesting_body_id, lender, on)
        if agreement is not None:
            found.add(agreement.alliance_id)
    for snapshot in AidSettlement.objects.filter(request=aid_request).values_list("snapshot", flat=True):
        found |= _snapshot_alliances(snapshot)
    return found


def _snapshot_alliances(snapshot: Any) -> set[int]:
    return {
        int(a["alliance_id"])
        for a in (snapshot or {}).get("agreements", [])
        if a.get("alliance_id") is not None
    }


def _lender_ids(aid_request: AidRequest) -> set[int]:
    return set(aid_request.commitments.values_list("resource__owner_body_id", flat=True))


def _party_ids(settlement: AidSettlement) -> set[int]:
    """Bodies that see a settlement: the body in need, the lenders of its lines, those with a position."""
    ids = {settlement.request.requesting_body_id}
    ids |= set(settlement.lines.values_list("lender_id", flat=True))
    ids |= set(settlement.shares.values_list("body_id", flat=True))
    return ids


def may_see(principal: Principal, settlement: AidSettlement) -> bool:
    return sees_aid_settlement(
        principal,
        _party_ids(settlement) | _lender_ids(settlement.request),
        _snapshot_alliances(settlement.snapshot),
    )


def may_compute(principal: Principal, aid_request: AidRequest) -> bool:
    return computes_aid_settlement(
        principal, aid_request.requesting_body_id, _alliances_of_request(aid_request)
    )


def may_set(principal: Principal, settlement: AidSettlement) -> bool:
    alliances = _snapshot_alliances(settlement.snapshot) | _alliances_of_request(settlement.request)
    return sets_aid_settlement(principal, settlement.request.requesting_body_id, alliances)


def may_see_any(principal: Principal, aid_request: AidRequest) -> bool:
    """Whether the principal may see the settlement section of a request (a party or a coordinator)."""
    parties = {aid_request.requesting_body_id} | _lender_ids(aid_request)
    for settlement in AidSettlement.objects.filter(request=aid_request):
        parties |= set(settlement.shares.values_list("body_id", flat=True))
    return sees_aid_settlement(principal, parties, _alliances_of_request(aid_request))


def get_request(who: Actor | Principal, request_id: int) -> AidRequest:
    """The request, for whoever works for a body or may see its settlements (coordinators); else 404."""
    principal = as_principal(who)
    aid_request = AidRequest.objects.select_related("requesting_body", "event").filter(pk=request_id).first()
    if aid_request is None:
        raise NotFound()
    if not (works_for_any_body(principal) or may_see_any(principal, aid_request)):
        raise NotFound()
    return aid_request


def settlements_of(who: Actor | Principal, aid_request: AidRequest) -> list[AidSettlement]:
    """The versions of the request's settlement the principal may see, newest first."""
    principal = as_principal(who)
    rows = AidSettlement.objects.filter(request=aid_request).select_related(
        "request",
        "request__requesting_body",
        "agreement",
        "agreement__alliance",
        "finalized_by",
        "computed_by",
    )
    return [s for s in rows.order_by("-version") if may_see(principal, s)]


def get_settlement(
    who: Actor | Principal, settlement_id: int, *, request_id: int | None = None
) -> AidSettlement:
    """One settlement (404 when missing, not of ``request_id`` or invisible)."""
    principal = as_principal(who)
    rows = AidSettlement.objects.select_related(
        "request",
        "request__requesting_body",
        "request__event",
        "agreement",
        "agreement__alliance",
        "previous",
        "finalized_by",
        "computed_by",
    )
    if request_id is not None:
        rows = rows.filter(request_id=request_id)
    settlement = rows.filter(pk=settlement_id).first()
    if settlement is None or not may_see(principal, settlement):
        raise NotFound()
    return settlement


# --- writing ---------------------------------------------------------------------------------------


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _lock(aid_request: AidRequest) -> AidRequest:
    return (
        AidRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_body", "event")
        .get(pk=aid_request.pk)
    )


def _persist(settlement: AidSettlement, computed: Computed, actor: Actor) -> AidSettlement:
    settlement.agreement = computed.agreement
    settlement.total = computed.total
    settlement.snapshot = computed.snapshot
    settlement.computed_at = timezone.now()
    settlement.computed_by = _person(actor)
    settlement.save()
    AidSettlementLine.objects.filter(settlement=settlement).delete()
    AidSettlementShare.objects.filter(settlement=settlement).delete()
    AidSettlementLine.objects.bulk_create(
        AidSettlementLine(
            settlement=settlement,
            commitment=line.commitment,
            lender=line.lender,
            basis=line.basis[:300],
            units=line.units,
            unit_label=line.unit_label[:30],
            rate=line.rate,
            amount=line.amount,
            provisional=line.provisional,
        )
        for line in computed.lines
    )
    AidSettlementShare.objects.bulk_create(
        AidSettlementShare(settlement=settlement, body=p.body, claim=p.claim, share=p.share, net=p.net)
        for p in computed.positions
    )
    return settlement


def _refusal_compute() -> str:
    return _(
        "Nur wer für die anfragende Körperschaft arbeitet oder den Verbund der Vereinbarung koordiniert, "
        "berechnet die Erstattungsabrechnung."
    )


def _refusal_set() -> str:
    return _(
        "Festsetzen und Berichtigen dürfen die Verwaltungsleitung der anfragenden Körperschaft und die "
        "Koordination des Verbunds der Vereinbarung."
    )


def _audit(actor: Actor, action: Any, settlement: AidSettlement, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=settlement,
        object_repr=str(settlement),
        changes=changes,
        body=settlement.request.requesting_body_id,
    )


def settlement_compute(*, actor: Actor, aid_request: AidRequest) -> AidSettlement:
    """Compute the draft: recompute the open draft (its lines are replaced), or start version 1.
    A set settlement is never recomputed: :func:`settlement_correct` starts a new version."""
    principal = as_principal(actor)
    if not (works_for_any_body(principal) or may_see_any(principal, aid_request)):
        raise NotFound()
    require(may_compute(principal, aid_request), _refusal_compute())
    with transaction.atomic():
        locked = _lock(aid_request)
        draft = AidSettlement.objects.filter(request=locked, status=AidSettlementStatus.DRAFT).first()
        if draft is None:
            latest = AidSettlement.objects.filter(request=locked).order_by("-version").first()
            if latest is not None:
                raise AidSettlementFinalError(
                    _(
                        "Fassung %(version)s der Erstattungsabrechnung ist festgesetzt; für Änderungen "
                        "bitte eine Berichtigung (neue Fassung) anlegen."
                    )
                    % {"version": latest.version}
                )
            draft = AidSettlement(request=locked, version=1)
        computed = compute(locked)
        settlement = _persist(draft, computed, actor)
        _audit(
            actor,
            audit_actions.SETTLEMENT_COMPUTE,
            settlement,
            {"Fassung": settlement.version, "Summe": format_money(settlement.total)},
        )
    return settlement


def _open_commitments(aid_request: AidRequest) -> int:
    return aid_request.commitments.filter(
        status__in=(CommitmentStatus.COMMITTED, CommitmentStatus.OUT)
    ).count()


def settlement_finalize(*, actor: Actor, settlement: AidSettlement, confirmed: bool = False) -> AidSettlement:
    """Set (festsetzen) a draft: from then on it cannot change. Refused without ``confirmed`` (the person
    saw the amounts: a confirmation step on the page, ``{"confirmed": true}`` in the API), while a
    commitment is still committed or out, and when the inputs changed since the draft was computed."""
    principal = as_principal(actor)
    if not may_see(principal, settlement):
        raise NotFound()
    require(may_set(principal, settlement), _refusal_set())
    if confirmed is not True:
        raise Invalid(
            _(
                "Bitte das Festsetzen ausdrücklich bestätigen: Die Beträge werden verbindlich und die "
                "Fassung ist danach unveränderlich."
            ),
            code="confirmation_required",
        )
    with transaction.atomic():
        locked_request = _lock(settlement.request)
        current = AidSettlement.objects.select_related("request").get(pk=settlement.pk)
        if current.is_final:
            raise AidSettlementFinalError(
                _("Diese Fassung der Erstattungsabrechnung ist bereits festgesetzt.")
            )
        still = _open_commitments(locked_request)
        if still:
            raise Conflict(
                _(
                    "Noch %(count)s Zusage(n) sind zugesagt oder übergeben. Festgesetzt wird erst, wenn "
                    "alles zurückgegeben oder storniert ist."
                )
                % {"count": still},
                code="settlement_commitments_open",
            )
        fresh = compute(locked_request)
        if fresh.digest != (current.snapshot or {}).get("digest"):
            raise Conflict(
                _(
                    "Die Grundlagen (Zusagen, Rückgaben, Vereinbarung oder Einwohnerzahlen) haben sich seit "
                    "der Berechnung geändert. Bitte neu berechnen, prüfen und dann festsetzen."
                ),
                code="settlement_stale",
            )
        current.status = AidSettlementStatus.FINAL
        current.finalized_at = timezone.now()
        current.finalized_by = _person(actor)
        current.save(update_fields=["status", "finalized_at", "finalized_by"])
        _audit(
            actor,
            audit_actions.SETTLEMENT_FINALIZE,
            current,
            {"Fassung": current.version, "Summe": format_money(current.total)},
        )
        _log_set(locked_request, current, actor)
        _notify(current, actor)
    return current


def _log_set(aid_request: AidRequest, settlement: AidSettlement, actor: Actor) -> None:
    if aid_request.event_id is None:
        return
    event = aid_request.event or Event.objects.get(pk=aid_request.event_id)
    with translation.override("de"):
        text = _(
            "Erstattungsabrechnung zu Hilfeersuchen Nr. %(number)s festgesetzt (Fassung %(version)s): "
            "%(total)s"
        ) % {"number": aid_request.pk, "version": settlement.version, "total": format_money(settlement.total)}
    log_service.system_entry(
        event, text=text, category=LogCategory.RESOURCE, author_name=log_service.author_name(actor)
    )


def settlement_path(settlement: AidSettlement) -> str:
    return reverse(
        "emergency:aid_settlement",
        kwargs={"request_id": settlement.request_id, "settlement_id": settlement.pk},
    )


def _notify(settlement: AidSettlement, actor: Actor) -> None:
    """Tell each body with a non-zero balance (its staff and heads) what it pays or receives."""
    title = f"Erstattungsabrechnung zu Hilfeersuchen Nr. {settlement.request_id}"
    for share in settlement.shares.exclude(net=ZERO).select_related("body"):
        publish(
            SETTLEMENT_SET,
            actor=actor,
            title=title,
            text=(
                gettext_noop(
                    "Die Erstattungsabrechnung (Fassung %(version)s) ist festgesetzt: "
                    "%(body)s zahlt %(amount)s."
                )
                if share.net > 0
                else gettext_noop(
                    "Die Erstattungsabrechnung (Fassung %(version)s) ist festgesetzt: "
                    "%(body)s erhält %(amount)s."
                )
            ),
            text_params={
                "version": settlement.version,
                "body": share.body.name,
                "amount": format_money(abs(share.net)),
            },
            path=settlement_path(settlement),
            audience=Audience.body(share.body_id),
            body_id=share.body_id,
            payload={"request": settlement.request_id, "settlement": settlement.pk, "net": str(share.net)},
        )


def settlement_correct(*, actor: Actor, settlement: AidSettlement, reason: str) -> AidSettlement:
    """A correction: a new draft version of a set settlement, computed from today's inputs."""
    principal = as_principal(actor)
    if not may_see(principal, settlement):
        raise NotFound()
    require(may_set(principal, settlement), _refusal_set())
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(fields={"reason": [_("Bitte den Grund der Berichtigung angeben.")]})
    if len(reason) > 2000:
        raise Invalid(fields={"reason": [_("Höchstens %(max)s Zeichen.") % {"max": 2000}]})
    with transaction.atomic():
        locked = _lock(settlement.request)
        current = AidSettlement.objects.get(pk=settlement.pk)
        if not current.is_final:
            raise Conflict(
                _(
                    "Nur eine festgesetzte Abrechnung kann berichtigt werden; "
                    "den Entwurf bitte neu berechnen."
                ),
                code="settlement_draft",
            )
        latest = AidSettlement.objects.filter(request=locked).order_by("-version").first()
        assert latest is not None
        if latest.pk != current.pk:
            raise Conflict(
                _("Es gibt bereits eine neuere Fassung (%(version)s); bitte diese berichtigen.")
                % {"version": latest.version},
                code="settlement_superseded",
            )
        draft = AidSettlement(request=locked, version=current.version + 1, previous=current, reason=reason)
        draft = _persist(draft, compute(locked), actor)
        _audit(
            actor,
            audit_actions.SETTLEMENT_CORRECT,
            draft,
            {
                "Fassung": draft.version,
                "Berichtigt": current.version,
                "Grund": reason,
                "Summe": format_money(draft.total),
            },
        )
    return draft


# --- for the pages ---------------------------------------------------------------------------------


def finalize_consequences(settlement: AidSettlement) -> list[str]:
    """What setting does, with this draft's figures (the confirmation step)."""
    consequences = [
        _("Erstattung gesamt: %(total)s.") % {"total": format_money(settlement.total)},
    ]
    for share in settlement.shares.select_related("body"):
        if share.net > 0:
            consequences.append(
                _("%(body)s zahlt %(amount)s.") % {"body": share.body.name, "amount": format_money(share.net)}
            )
        elif share.net < 0:
            consequences.append(
                _("%(body)s erhält %(amount)s.")
                % {"body": share.body.name, "amount": format_money(-share.net)}
            )
    if not settlement.total:
        consequences.append(_("Es wird nichts erstattet; die Abrechnung schließt das Hilfeersuchen ab."))
    if settlement.lines.filter(provisional=True).exists():
        consequences.append(
            _("Einige Zeilen sind vorläufig (z. B. Stunden nicht erfasst); sie werden so festgesetzt.")
        )
    consequences.append(
        _(
            "Die Körperschaften mit einem Saldo werden benachrichtigt. Die Fassung kann danach nicht mehr "
            "geändert oder gelöscht werden; Änderungen nur als Berichtigung (neue Fassung)."
        )
    )
    return consequences


def open_commitments(aid_request: AidRequest) -> int:
    """Commitments still committed or out (while there are any, nothing is set)."""
    return _open_commitments(aid_request)
