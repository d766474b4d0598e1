"""``/api/v1/emergency``: the booked reimbursement of a request (Erstattungsabrechnung) —
``/requests/{id}/settlements`` (list, compute), ``/settlements/{id}`` (one version with its lines and
positions), ``/settlements/{id}/finalize`` and ``/settlements/{id}/correct``. No update, no delete.

Same rules as the pages (:mod:`verbund.emergency.services.settlements`): computing — those acting for
the body in need and the coordinators of the agreement's alliance; setting (``{"confirmed": true}``
required, else 422 ``confirmation_required``; while a commitment is committed or out 409
``settlement_commitments_open``; inputs changed since computing 409 ``settlement_stale``) and
correcting — the heads of the body in need and those coordinators. Whoever may not see a settlement
(not the body in need, a lender, a body with a position or a coordinator) gets 404. Amounts are
decimal strings in EUR, exact to the cent; ``net = share − claim`` (positive: the body pays).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user
from verbund.common.api import paginate as paginate_api

from ..models import AidSettlement
from ..services import settlements as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ErrorOut}


class EmergencySettlementBody(Schema):
    ars: str
    name: str


class EmergencySettlementLineOut(Schema):
    commitment_id: int
    lender: EmergencySettlementBody
    resource: str
    basis: str = Field(description="die Grundlage in Worten (deutsch)")
    units: Decimal
    unit_label: str
    rate: Decimal | None = Field(description="Satz je Einheit (EUR); leer ohne vereinbarten Satz")
    amount: Decimal = Field(description="Menge × Satz, kaufmännisch auf den Cent gerundet")
    provisional: bool


class EmergencySettlementShareOut(Schema):
    body: EmergencySettlementBody
    claim: Decimal = Field(description="Anspruch als Leihgeber (EUR)")
    share: Decimal = Field(description="Kostenanteil (EUR)")
    net: Decimal = Field(description="Saldo = Anteil − Anspruch (positiv: zahlt, negativ: erhält)")


class EmergencySettlementOut(Schema):
    id: int
    request_id: int
    version: int
    status: str = Field(description="entwurf oder festgesetzt")
    previous_id: int | None
    reason: str
    agreement_id: int | None
    total: Decimal
    key_description: str
    note: str = Field(description="Hinweis, z. B. dass ohne Vereinbarung nichts erstattet wird")
    computed_at: dt.datetime | None
    finalized_at: dt.datetime | None


class EmergencySettlementDetailOut(EmergencySettlementOut):
    lines: list[EmergencySettlementLineOut]
    shares: list[EmergencySettlementShareOut]
    snapshot: dict[str, Any] = Field(
        description="die Bedingungen der Vereinbarung, der Schlüssel, die Zahlen und ihre Quelle"
    )


class EmergencySettlementFinalizeIn(Schema):
    confirmed: bool = Field(
        False,
        description="ausdrückliche Bestätigung: die Beträge werden verbindlich, die Fassung unveränderlich",
    )


class EmergencySettlementCorrectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000, description="Grund der Berichtigung")


def _body(body: Any) -> dict[str, str]:
    return {"ars": body.ars, "name": body.name}


def _settlement(s: AidSettlement) -> dict[str, Any]:
    snapshot = s.snapshot or {}
    return {
        "id": s.pk,
        "request_id": s.request_id,
        "version": s.version,
        "status": s.status,
        "previous_id": s.previous_id,
        "reason": s.reason,
        "agreement_id": s.agreement_id,
        "total": s.total,
        "key_description": snapshot.get("key_description", ""),
        "note": snapshot.get("note", ""),
        "computed_at": s.computed_at,
        "finalized_at": s.finalized_at,
    }


def _detail(s: AidSettlement) -> dict[str, Any]:
    lines = s.lines.select_related("lender", "commitment__resource").order_by("lender__name", "commitment_id")
    shares = s.shares.select_related("body").order_by("body__name")
    return {
        **_settlement(s),
        "lines": [
            {
                "commitment_id": line.commitment_id,
                "lender": _body(line.lender),
                "resource": line.commitment.resource.name,
                "basis": line.basis,
                "units": line.units,
                "unit_label": line.unit_label,
                "rate": line.rate,
                "amount": line.amount,
                "provisional": line.provisional,
            }
            for line in lines
        ],
        "shares": [
            {"body": _body(share.body), "claim": share.claim, "share": share.share, "net": share.net}
            for share in shares
        ],
        "snapshot": s.snapshot or {},
    }


@router.get(
    "/requests/{request_id}/settlements",
    response={200: Page[EmergencySettlementOut], **_ERRORS},
    url_name="emergency_aid_settlements",
)
def list_settlements(request: HttpRequest, request_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    """Die Fassungen der Erstattungsabrechnung eines Hilfeersuchens, die neueste zuerst."""
    principal = api_person(request)
    aid_request = svc.get_request(principal, request_id)
    return paginate_api(svc.settlements_of(principal, aid_request), page, convert=_settlement)


@router.post(
    "/requests/{request_id}/settlements",
    response={201: EmergencySettlementDetailOut, **_WRITE_ERRORS},
    url_name="emergency_aid_settlement_compute",
)
def compute_settlement(request: HttpRequest, request_id: ObjectId) -> HttpStatus:
    """Die Erstattungsabrechnung berechnen: den Entwurf neu berechnen oder Fassung 1 anlegen."""
    principal = api_person(request)
    aid_request = svc.get_request(principal, request_id)
    settlement = svc.settlement_compute(actor=api_user(request), aid_request=aid_request)
    return HttpStatus(201, _detail(settlement))


@router.get(
    "/settlements/{settlement_id}",
    response={200: EmergencySettlementDetailOut, **_ERRORS},
    url_name="emergency_aid_settlement",
)
def get_settlement(request: HttpRequest, settlement_id: ObjectId) -> dict[str, Any]:
    """Eine Fassung mit ihren Zeilen und den Positionen der Körperschaften."""
    return _detail(svc.get_settlement(api_person(request), settlement_id))


@router.post(
    "/settlements/{settlement_id}/finalize",
    response={200: EmergencySettlementDetailOut, **_WRITE_ERRORS},
    url_name="emergency_aid_settlement_finalize",
)
def finalize_settlement(
    request: HttpRequest, settlement_id: ObjectId, payload: EmergencySettlementFinalizeIn
) -> dict[str, Any]:
    """Festsetzen (nur mit ``confirmed: true``); danach unveränderlich."""
    settlement = svc.get_settlement(api_person(request), settlement_id)
    settlement = svc.settlement_finalize(
        actor=api_user(request), settlement=settlement, confirmed=payload.confirmed
    )
    return _detail(settlement)


@router.post(
    "/settlements/{settlement_id}/correct",
    response={201: EmergencySettlementDetailOut, **_WRITE_ERRORS},
    url_name="emergency_aid_settlement_correct",
)
def correct_settlement(
    request: HttpRequest, settlement_id: ObjectId, payload: EmergencySettlementCorrectIn
) -> HttpStatus:
    """Eine festgesetzte Fassung berichtigen: eine neue Fassung (Entwurf) mit Grund."""
    settlement = svc.get_settlement(api_person(request), settlement_id)
    draft = svc.settlement_correct(actor=api_user(request), settlement=settlement, reason=payload.reason)
    return HttpStatus(201, _detail(draft))
