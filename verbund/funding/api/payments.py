"""Drawdowns, proofs of use and the portfolio."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query
from ninja.responses import Status as HttpStatus

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate

from .. import services
from ..models import Drawdown, Programme, UseProof
from ..selectors import (
    Portfolio,
    access_application,
    access_drawdown,
    access_proof,
    portfolio,
    require_portfolio,
)
from .router import router
from .schemas import (
    DrawdownIn,
    DrawdownOut,
    NoteIn,
    PortfolioFilters,
    PortfolioOut,
    ProofIn,
    ProofOut,
    ReasonIn,
)

DECIDE_RESPONSES = {
    200: DrawdownOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PROOF_RESPONSES = {200: ProofOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _drawdowns() -> QuerySet[Drawdown]:
    return Drawdown.objects.select_related("grant_year__programme_year", "grant_year__grant")


@router.get(
    "/applications/{application_id}/drawdowns",
    response={200: Page[DrawdownOut], 401: ErrorOut, 404: ErrorOut},
    url_name="funding_drawdowns",
    summary="Mittelabrufe eines Antrags",
)
def list_drawdowns(
    request: HttpRequest, application_id: ObjectId, page: Query[PageParams]
) -> dict[str, object]:
    application = access_application(api_person(request), application_id)
    return paginate(
        _drawdowns().filter(grant_year__grant__application=application).order_by("requested_at", "id"),
        page,
    )


@router.post(
    "/applications/{application_id}/drawdowns",
    response={201: DrawdownOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_drawdown_request",
    summary="Mittel abrufen",
)
def post_drawdown(
    request: HttpRequest, application_id: ObjectId, payload: DrawdownIn
) -> HttpStatus[Drawdown]:
    """Höchstens, was im Jahr bewilligt und weder ausgezahlt noch abgerufen ist (sonst 409)."""
    user = api_user(request)
    application = access_application(api_person(request), application_id, need="change")
    drawdown = services.drawdown_request(
        actor=user, application=application, year=payload.year, amount=payload.amount, note=payload.note
    )
    return HttpStatus(201, _drawdowns().get(pk=drawdown.pk))


@router.post(
    "/drawdowns/{drawdown_id}/approve",
    response=DECIDE_RESPONSES,
    url_name="funding_drawdown_approve",
    summary="Abruf freigeben",
)
def approve_drawdown(request: HttpRequest, drawdown_id: ObjectId, payload: NoteIn) -> Drawdown:
    user = api_user(request)
    drawdown = services.drawdown_approve(
        actor=user, drawdown=access_drawdown(api_person(request), drawdown_id), note=payload.note
    )
    return _drawdowns().get(pk=drawdown.pk)


@router.post(
    "/drawdowns/{drawdown_id}/return",
    response=DECIDE_RESPONSES,
    url_name="funding_drawdown_return",
    summary="Abruf zurückgeben",
)
def return_drawdown(request: HttpRequest, drawdown_id: ObjectId, payload: ReasonIn) -> Drawdown:
    user = api_user(request)
    drawdown = services.drawdown_return(
        actor=user, drawdown=access_drawdown(api_person(request), drawdown_id), reason=payload.reason
    )
    return _drawdowns().get(pk=drawdown.pk)


@router.post(
    "/applications/{application_id}/proofs",
    response={201: ProofOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_proof_submit",
    summary="Verwendungsnachweis einreichen",
)
def post_proof(request: HttpRequest, application_id: ObjectId, payload: ProofIn) -> HttpStatus[UseProof]:
    """Tatsächliche Ausgaben je Kostenart und Sachbericht; die Rückforderung wird sofort berechnet."""
    user = api_user(request)
    application = access_application(api_person(request), application_id, need="change")
    proof = services.use_proof_submit(
        actor=user, application=application, actual_costs=payload.actual_costs, report=payload.report
    )
    return HttpStatus(201, proof)


@router.post(
    "/proofs/{proof_id}/accept",
    response=PROOF_RESPONSES,
    url_name="funding_proof_accept",
    summary="Nachweis annehmen",
)
def accept_proof(request: HttpRequest, proof_id: ObjectId, payload: NoteIn) -> UseProof:
    user = api_user(request)
    return services.use_proof_accept(
        actor=user, proof=access_proof(api_person(request), proof_id), note=payload.note
    )


@router.post(
    "/proofs/{proof_id}/return",
    response=PROOF_RESPONSES,
    url_name="funding_proof_return",
    summary="Nachweis zurückgeben",
)
def return_proof(request: HttpRequest, proof_id: ObjectId, payload: ReasonIn) -> UseProof:
    user = api_user(request)
    return services.use_proof_return(
        actor=user, proof=access_proof(api_person(request), proof_id), reason=payload.reason
    )


@router.get(
    "/portfolio",
    response={200: PortfolioOut, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_portfolio",
    summary="Portfolio (Bewilligungsbehörde, Beratungsstelle)",
)
def get_portfolio(request: HttpRequest, filters: Query[PortfolioFilters]) -> Portfolio:
    """Bewilligungen nach Haushaltsjahr, Handlungsfeld, Kreis und Antragsteller (Karte)."""
    principal = api_person(request)
    require_portfolio(principal)
    programme = get_object_or_404(Programme, slug=filters.programme) if filters.programme else None
    return portfolio(principal, programme=programme, field=filters.field or "", kreis=filters.kreis or "")
