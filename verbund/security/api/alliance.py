"""``/api/v1/security/matches``: matches of advisories against the members' assets, and their
remediation state.

The same policies as the pages: a match is listed and shown only when the caller sees both its
advisory and its asset under TLP and distribution (:func:`verbund.security.selectors.visible_matches`);
any other id answers 404 like one that does not exist. Setting the remediation state is for the staff,
heads and officers of the body that runs the asset (else 403).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import (
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_user,
    choices_enum,
    paginate,
)
from verbund.common.errors import Invalid, NotFound

from ..models import Match, RemediationState
from ..selectors import log_read, visible_matches
from ..services import matching as matching_services

router = Router(tags=["Informationssicherheit"])

if TYPE_CHECKING:
    RemediationStateIn = RemediationState
else:
    RemediationStateIn = choices_enum(
        "RemediationState", RemediationState, "Stand der Behebung: offen, in_arbeit, erledigt, nicht_noetig"
    )


class RemediationOut(Schema):
    category: str
    details: str
    url: str = ""


class MatchItem(Schema):
    id: int
    advisory: int = Field(description="Nummer des Sicherheitshinweises")
    tracking_id: str = Field(description="Kennung des Hinweises beim Herausgeber")
    vulnerability: str = Field(description="CVE oder Schlüssel der Schwachstelle")
    score: float | None = Field(None, description="CVSS-Basiswert der Schwachstelle")
    asset: int = Field(description="Nummer der Komponente")
    asset_name: str
    body: str = Field(description="ARS der Körperschaft, der die Komponente gehört")
    product_id: str
    status: str = Field(description="CSAF-Produktstatus (known_affected, fixed, …)")
    confidence: str = Field(description="hoch, mittel oder niedrig")
    state: str = Field(description="Stand der Behebung: offen, in_arbeit, erledigt, nicht_noetig")
    current: bool
    first_seen_at: dt.datetime
    alerted_at: dt.datetime | None = None


class MatchDetail(MatchItem):
    reason: str
    remediations: list[RemediationOut]
    state_note: str
    state_changed_by: str = ""
    state_changed_at: dt.datetime | None = None


class RemediationIn(Schema):
    state: RemediationStateIn = Field(description="offen, in_arbeit, erledigt oder nicht_noetig")
    note: str = Field("", max_length=1000)


def _item(match: Match) -> dict[str, Any]:
    vulnerability = match.vulnerability
    return {
        "id": match.pk,
        "advisory": match.advisory_id,
        "tracking_id": match.advisory.tracking_id,
        "vulnerability": str(vulnerability),
        "score": float(vulnerability.score) if vulnerability.score is not None else None,
        "asset": match.asset_id,
        "asset_name": match.asset.display_name,
        "body": match.asset.owner_body.ars if match.asset.owner_body else "",
        "product_id": match.product_id,
        "status": match.status,
        "confidence": match.confidence,
        "state": match.state,
        "current": match.current,
        "first_seen_at": match.first_seen_at,
        "alerted_at": match.alerted_at,
    }


def _detail(match: Match) -> dict[str, Any]:
    changed_by = match.state_changed_by
    return {
        **_item(match),
        "reason": match.reason,
        "remediations": [
            {
                "category": str(r.get("category", "")),
                "details": str(r.get("details", "")),
                "url": str(r.get("url", "")),
            }
            for r in (match.remediations or [])
            if isinstance(r, dict)
        ],
        "state_note": match.state_note,
        "state_changed_by": changed_by.get_username() if changed_by else "",
        "state_changed_at": match.state_changed_at,
    }


def _matches(request: HttpRequest) -> Any:
    return visible_matches(api_person(request)).select_related(
        "asset", "asset__owner_body", "advisory", "vulnerability", "state_changed_by"
    )


def _one(request: HttpRequest, match_id: int) -> Match:
    match = _matches(request).filter(pk=match_id).first()
    if match is None:
        raise NotFound()
    return match


@router.get(
    "", response={200: Page[MatchItem], 401: ErrorOut}, url_name="security_match_list", summary="Treffer"
)
def list_matches(
    request: HttpRequest,
    page: Query[PageParams],
    advisory: int | None = Query(None, description="Nummer eines Sicherheitshinweises"),
    asset: int | None = Query(None, description="Nummer einer Komponente"),
    body: str | None = Query(None, description="ARS der Körperschaft, der die Komponente gehört"),
    state: str | None = Query(
        None, description="Stand der Behebung: offen, in_arbeit, erledigt, nicht_noetig"
    ),
    current: bool | None = Query(True, description="nur aktuelle (true), nur frühere (false); leer: alle"),
) -> dict[str, Any]:
    """Die Treffer, deren Hinweis und Komponente die anfragende Person sehen darf."""
    matches = _matches(request)
    if advisory is not None:
        matches = matches.filter(advisory_id=advisory)
    if asset is not None:
        matches = matches.filter(asset_id=asset)
    if body:
        matches = matches.filter(asset__owner_body__ars=body)
    if state:
        if state not in RemediationState.values:
            raise Invalid(fields={"state": [_("Unbekannter Stand der Behebung.")]})
        matches = matches.filter(state=state)
    if current is not None:
        matches = matches.filter(current=current)
    matches = matches.order_by("-advisory__exploited", "-advisory__max_score", "pk")
    return paginate(matches, page, convert=_item)


@router.get(
    "/{int:match_id}",
    response={200: MatchDetail, 401: ErrorOut, 404: ErrorOut},
    url_name="security_match_detail",
    summary="Ein Treffer",
)
def get_match(request: HttpRequest, match_id: ObjectId) -> dict[str, Any]:
    match = _one(request, match_id)
    log_read(request.user, match.asset, purpose="API: Treffer")
    return _detail(match)


@router.put(
    "/{int:match_id}/remediation",
    response={200: MatchDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="security_match_remediation",
    summary="Stand der Behebung setzen",
)
def set_remediation(request: HttpRequest, match_id: ObjectId, payload: RemediationIn) -> dict[str, Any]:
    """Nur Sachbearbeitung, Verwaltungsleitung und Beauftragte der Körperschaft der Komponente."""
    user = api_user(request)
    matching_services.remediation_set(
        actor=user, match_id=match_id, state=str(payload.state), note=payload.note
    )
    return _detail(_one(request, match_id))
