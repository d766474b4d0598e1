"""``/api/v1/funding``: programmes, applications with their actions and checks, drawdowns, proofs of
use and the portfolio, with the access rules of the UI.

Programmes and presets are public. Everything about applications needs a signed-in user (401
otherwise); an application the caller may not see answers 404 like one that does not exist; a step
the caller may not take answers 403; a step the status does not allow answers 409
(``invalid_status``); failed checks answer 422 (``checks_failed``); an exhausted budget or grant 409
(``budget_exceeded``, ``drawdown_exceeds_grant``). Money is a decimal string with two places
("321411.61"), never a float. Lists are ``{"items": [...], "count": N}`` in a constant number of
queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status as HttpStatus

from verbund.alliances.access import access_alliance
from verbund.common.api import ErrorOut
from verbund.registry.models import Body

from . import rules, services
from .access import access_application, access_drawdown, access_proof, require_portfolio
from .models import Application, Drawdown, GrantNotice, GrantYear, InfoRequest, Programme, Status, UseProof
from .selectors import (
    CostRow,
    Draft,
    application_checks,
    application_list,
    budget_overview,
    draft_of,
    portfolio,
)

router = Router()

Money = Decimal


def _user(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not getattr(user, "is_authenticated", False):
        raise AuthenticationError()
    return user


# --- Schemas ----------------------------------------------------------------------------------------


class BudgetYearOut(Schema):
    year: int
    budget: Money
    committed: Money = Field(description="durch Bewilligungen gebunden")
    drawn: Money = Field(description="ausgezahlt (freigegebene Mittelabrufe)")
    pending_drawdowns: Money
    requested: Money = Field(description="in offenen Anträgen beantragt")
    free: Money


class ProgrammeItem(Schema):
    slug: str
    code: str
    name: str
    state: str
    preset: str
    window_opens: dt.date | None
    window_closes: dt.date | None
    eligible_categories: list[str]


class ProgrammeDetail(ProgrammeItem):
    description: str
    rule_set: dict[str, Any] = Field(description="Regelwerk (Aufbau: docs/funding.md)")
    budget: list[BudgetYearOut]


class ProgrammePage(Schema):
    items: list[ProgrammeItem]
    count: int


class PresetOut(Schema):
    key: str
    label: str
    rule_set: dict[str, Any]


class ProgrammeIn(Schema):
    name: str = Field(max_length=200)
    code: str = Field(max_length=20)
    slug: str = Field("", max_length=60)
    description: str = ""
    preset: str = Field("rlp_pilot", description="Vorlage, wenn kein eigenes Regelwerk übergeben wird")
    rule_set: dict[str, Any] | None = None
    eligible_categories: list[str] | None = None
    window_opens: dt.date | None = None
    window_closes: dt.date | None = None
    budgets: dict[int, Decimal] = Field(default_factory=dict, description="Haushaltsjahr → Mittel")


class BudgetIn(Schema):
    budget: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class CostRowIO(Schema):
    category: str = Field(description=", ".join(rules.COST_CATEGORIES))
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=300)


class CheckOut(Schema):
    code: str
    label: str
    status: str = Field(description="ok, fail, warning oder n/a")
    status_label: str
    explanation: str
    overridable: bool = Field(description="Abweichung mit schriftlicher Begründung möglich")


class CheckPage(Schema):
    items: list[CheckOut]
    count: int
    passed: bool = Field(description="keine Prüfung „nicht erfüllt“")


class ApplicationItem(Schema):
    id: int
    reference: str
    title: str
    status: Status
    status_label: str
    programme: str
    alliance: str = Field(description="Kürzel des Verbunds")
    alliance_name: str
    applicant_ars: str
    applicant_name: str
    requested_amount: Money
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


class ApplicationPage(Schema):
    items: list[ApplicationItem]
    count: int


class GrantYearOut(Schema):
    year: int
    amount: Money
    drawn: Money
    pending: Money
    available: Money


class GrantOut(Schema):
    reference: str
    amount: Money
    planned_eligible_costs: Money
    financing: str
    period_start: dt.date
    period_end: dt.date
    conditions: str
    override_reason: str
    issued_at: dt.datetime
    pdf_url: str
    pdf_sha256: str
    years: list[GrantYearOut]


class InfoRequestOut(Schema):
    id: int
    question: str
    asked_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class ApplicationDetail(ApplicationItem):
    description: str
    fields: list[str]
    participants: list[str] = Field(description="ARS der beteiligten Mitglieder")
    period_start: dt.date | None
    period_end: dt.date | None
    costs: list[CostRowIO]
    requested_by_year: dict[int, Money]
    special_need_region: bool
    baseline_annual_costs: Money | None
    expected_annual_costs: Money | None
    commitment_years: int | None
    deviation_reason: str
    rejection_reason: str
    checks: list[CheckOut] = Field(description="Ergebnis der letzten Einreichung oder Entscheidung")
    info_requests: list[InfoRequestOut]
    grant: GrantOut | None


class ApplicationIn(Schema):
    programme: str = Field(description="Kürzel des Programms")
    alliance: str = Field(description="Kürzel des Verbunds")
    applicant: str = Field(pattern=r"^[0-9]{12}$", description="ARS des antragstellenden Mitglieds")
    title: str = Field(max_length=200)
    description: str = ""


class DraftIn(Schema):
    """Fields of a draft; what is left out stays as it is."""

    title: str | None = Field(None, max_length=200)
    description: str | None = None
    fields: list[str] | None = Field(None, description="Kürzel der Handlungsfelder")
    participants: list[str] | None = Field(None, description="ARS der beteiligten Mitglieder")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    costs: list[CostRowIO] | None = None
    requested_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    requested_by_year: dict[int, Decimal] | None = None
    special_need_region: bool | None = None
    baseline_annual_costs: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_annual_costs: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    commitment_years: int | None = Field(None, ge=1, le=99)
    deviation_reason: str | None = None


class ApplicationFilters(Schema):
    status: Status | None = None
    programme: str | None = Field(None, description="Kürzel des Programms")
    alliance: str | None = Field(None, description="Kürzel des Verbunds")
    q: str | None = Field(None, max_length=100)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class QuestionIn(Schema):
    question: str = Field(min_length=1, max_length=5000)


class AnswerIn(Schema):
    info_request: int
    answer: str = Field(min_length=1, max_length=5000)


class RejectIn(Schema):
    reasons: str = Field(min_length=1, max_length=5000)


class GrantIn(Schema):
    amounts_by_year: dict[int, Decimal] = Field(description="Haushaltsjahr → bewilligter Betrag")
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    conditions: str = Field(services.DEFAULT_CONDITIONS, description="Nebenbestimmungen")
    override_reason: str = Field(
        "", description="Begründung einer Abweichung (nötig bei nicht erfüllter Prüfung)"
    )


class DrawdownIn(Schema):
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=2000)


class DrawdownOut(Schema):
    id: int
    application: int
    year: int
    amount: Money
    status: str
    note: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class DrawdownPage(Schema):
    items: list[DrawdownOut]
    count: int


class ProofIn(Schema):
    actual_costs: dict[str, Decimal] = Field(description="Kostenart → tatsächliche Ausgaben")
    report: str = Field(min_length=1)


class ProofOut(Schema):
    id: int
    application: int
    status: str
    actual_eligible_costs: Money
    entitled_amount: Money
    repayment_amount: Money
    outstanding_amount: Money
    explanation: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None


class PortfolioFilters(Schema):
    programme: str | None = None
    field: str | None = Field(None, max_length=60)
    kreis: str | None = Field(None, pattern=r"^[0-9]{5}$")


class PortfolioOut(Schema):
    count: int
    total: Money
    drawn: Money
    by_year: list[dict[str, Any]]
    by_field: list[dict[str, Any]]
    by_kreis: list[dict[str, Any]]
    by_status: list[dict[str, Any]]
    map_points: list[dict[str, Any]]


# --- Serialisation ----------------------------------------------------------------------------------


def _programme(p: Programme) -> dict[str, Any]:
    return {
        "slug": p.slug,
        "code": p.code,
        "name": p.name,
        "state": p.state,
        "preset": p.preset,
        "window_opens": p.window_opens,
        "window_closes": p.window_closes,
        "eligible_categories": list(p.eligible_categories or []),
    }


def _budget(p: Programme) -> list[dict[str, Any]]:
    return [
        {
            "year": r.year,
            "budget": r.budget,
            "committed": r.committed,
            "drawn": r.drawn,
            "pending_drawdowns": r.pending_drawdowns,
            "requested": r.requested,
            "free": r.free,
        }
        for r in budget_overview(p)
    ]


def _item(a: Application) -> dict[str, Any]:
    return {
        "id": a.pk,
        "reference": a.reference,
        "title": a.title,
        "status": a.status,
        "status_label": a.get_status_display(),
        "programme": a.programme.slug,
        "alliance": a.alliance.slug,
        "alliance_name": a.alliance.name,
        "applicant_ars": a.applicant.ars,
        "applicant_name": a.applicant.name,
        "requested_amount": a.requested_amount,
        "submitted_at": a.submitted_at,
        "updated_at": a.updated_at,
    }


def _grant(a: Application) -> dict[str, Any] | None:
    grant = GrantNotice.objects.filter(application=a).first()
    if grant is None:
        return None
    from django.urls import reverse

    years = (
        GrantYear.objects.filter(grant=grant)
        .select_related("programme_year")
        .order_by("programme_year__year")
    )
    return {
        "reference": grant.reference,
        "amount": grant.amount,
        "planned_eligible_costs": grant.planned_eligible_costs,
        "financing": grant.financing,
        "period_start": grant.period_start,
        "period_end": grant.period_end,
        "conditions": grant.conditions,
        "override_reason": grant.override_reason,
        "issued_at": grant.issued_at,
        "pdf_url": reverse("funding:grant_pdf", kwargs={"pk": a.pk}),
        "pdf_sha256": grant.pdf_sha256,
        "years": [
            {
                "year": y.programme_year.year,
                "amount": y.amount,
                "drawn": y.drawn,
                "pending": y.pending,
                "available": y.available,
            }
            for y in years
        ],
    }


def _detail(a: Application) -> dict[str, Any]:
    draft = draft_of(a)
    return {
        **_item(a),
        "description": a.description,
        "fields": list(a.fields.order_by("sort_order").values_list("slug", flat=True)),
        "participants": list(a.participants.order_by("ars").values_list("ars", flat=True)),
        "period_start": a.period_start,
        "period_end": a.period_end,
        "costs": [
            {"category": c.category, "year": c.year, "amount": c.amount, "note": c.note} for c in draft.costs
        ],
        "requested_by_year": draft.requested_by_year,
        "special_need_region": a.special_need_region,
        "baseline_annual_costs": a.baseline_annual_costs,
        "expected_annual_costs": a.expected_annual_costs,
        "commitment_years": a.commitment_years,
        "deviation_reason": a.deviation_reason,
        "rejection_reason": a.rejection_reason,
        "checks": a.checks or [],
        "info_requests": [
            {
                "id": i.pk,
                "question": i.question,
                "asked_at": i.asked_at,
                "answer": i.answer,
                "answered_at": i.answered_at,
            }
            for i in InfoRequest.objects.filter(application=a).order_by("asked_at", "id")
        ],
        "grant": _grant(a),
    }


def _checks(results: list[rules.CheckResult]) -> dict[str, Any]:
    return {
        "items": [r.as_dict() for r in results],
        "count": len(results),
        "passed": all(r.passed for r in results),
    }


def _drawdown(d: Drawdown) -> dict[str, Any]:
    return {
        "id": d.pk,
        "application": d.grant_year.grant.application_id,
        "year": d.grant_year.programme_year.year,
        "amount": d.amount,
        "status": d.status,
        "note": d.note,
        "requested_at": d.requested_at,
        "decided_at": d.decided_at,
        "decision_note": d.decision_note,
    }


def _proof(p: UseProof) -> dict[str, Any]:
    return {
        "id": p.pk,
        "application": p.application_id,
        "status": p.status,
        "actual_eligible_costs": p.actual_eligible_costs,
        "entitled_amount": p.entitled_amount,
        "repayment_amount": p.repayment_amount,
        "outstanding_amount": p.outstanding_amount,
        "explanation": p.explanation,
        "submitted_at": p.submitted_at,
        "decided_at": p.decided_at,
    }


def _changes(application: Application, payload: DraftIn) -> dict[str, Any]:
    """The fields set in ``payload`` as :func:`services.application_update` takes them."""
    data = payload.dict(exclude_unset=True)
    if "participants" in data:
        wanted = list(data["participants"] or [])
        found = dict(Body.objects.filter(ars__in=wanted).values_list("ars", "pk"))
        missing = sorted(set(wanted) - set(found))
        if missing:
            from django.core.exceptions import ValidationError

            raise ValidationError({"participants": f"Unbekannter Regionalschlüssel: {', '.join(missing)}."})
        data["participants"] = [found[ars] for ars in wanted]
    if "costs" in data:
        data["costs"] = [
            CostRow(r["category"], r["year"], r["amount"], r.get("note", "")) for r in data["costs"] or []
        ]
    if data.get("requested_by_year") is None and "requested_by_year" in data:
        data["requested_by_year"] = {}
    return data


def _apply_to_draft(draft: Draft, changes: dict[str, Any]) -> Draft:
    mapping = {"participants": "participant_ids"}
    for key, value in changes.items():
        name = mapping.get(key, key)
        if hasattr(draft, name):
            setattr(draft, name, value)
    return draft


# --- Programmes ---------------------------------------------------------------------------------------


@router.get(
    "/presets", response=list[PresetOut], url_name="funding_presets", summary="Vorlagen für Regelwerke"
)
def list_presets(request: HttpRequest) -> list[dict[str, Any]]:
    """RLP-Pilot, NRW, Bayern, Hessen (DOMAIN.md §2); nicht öffentliche Beträge als Platzhalter."""
    return [{"key": k, "label": label, "rule_set": rs.to_dict()} for k, (label, rs) in rules.PRESETS.items()]


@router.get("/programmes", response=ProgrammePage, url_name="funding_programmes", summary="Förderprogramme")
def list_programmes(request: HttpRequest) -> dict[str, Any]:
    items = [_programme(p) for p in Programme.objects.visible_to(request.auth).order_by("name")]  # type: ignore[attr-defined]
    return {"items": items, "count": len(items)}


@router.post(
    "/programmes",
    response={201: ProgrammeDetail, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="funding_programme_create",
    summary="Programm anlegen (Bewilligungsbehörde)",
)
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> HttpStatus[dict[str, Any]]:
    programme = services.programme_create(acting_user=_user(request), **payload.dict())
    return HttpStatus(
        201,
        {
            **_programme(programme),
            "description": programme.description,
            "rule_set": programme.rule_set,
            "budget": _budget(programme),
        },
    )


@router.get(
    "/programmes/{slug}",
    response={200: ProgrammeDetail, 404: ErrorOut},
    url_name="funding_programme",
    summary="Ein Programm mit Regelwerk und Haushalt",
)
def get_programme(request: HttpRequest, slug: str) -> dict[str, Any]:
    programme = get_object_or_404(Programme.objects.visible_to(request.auth), slug=slug)  # type: ignore[attr-defined]
    return {
        **_programme(programme),
        "description": programme.description,
        "rule_set": programme.rule_set,
        "budget": _budget(programme),
    }


@router.put(
    "/programmes/{slug}/years/{year}",
    response={200: BudgetYearOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_programme_year",
    summary="Haushaltsmittel eines Jahres festlegen",
)
def put_programme_year(request: HttpRequest, slug: str, year: int, payload: BudgetIn) -> dict[str, Any]:
    """Legt ein Haushaltsjahr an oder ändert seine Mittel; nie unter die bereits bewilligten Beträge (409)."""
    programme = get_object_or_404(Programme, slug=slug)
    services.programme_year_set(
        acting_user=_user(request), programme=programme, year=year, budget=payload.budget
    )
    return next(row for row in _budget(programme) if row["year"] == year)


# --- Applications --------------------------------------------------------------------------------------


@router.get(
    "/applications",
    response={200: ApplicationPage, 401: ErrorOut},
    url_name="funding_applications",
    summary="Förderanträge",
)
def list_applications(
    request: HttpRequest,
    filters: Query[ApplicationFilters],
    limit: int = Query(50, ge=1, le=settings.API_PAGE_SIZE_MAX),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Die Anträge, die die anfragende Person sehen darf (Entwürfe nur der eigene Verbund)."""
    user = _user(request)
    programme = Programme.objects.filter(slug=filters.programme).first() if filters.programme else None
    qs = application_list(user, status=str(filters.status or ""), programme=programme, q=filters.q or "")
    if filters.programme and programme is None:
        qs = qs.none()
    if filters.alliance:
        qs = qs.filter(alliance__slug=filters.alliance)
    return {"count": qs.count(), "items": [_item(a) for a in qs[offset : offset + limit]]}


@router.post(
    "/applications",
    response={201: ApplicationDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="funding_application_create",
    summary="Antrag anlegen (Entwurf)",
)
def create_application(request: HttpRequest, payload: ApplicationIn) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    programme = get_object_or_404(Programme.objects.visible_to(user), slug=payload.programme)
    alliance = access_alliance(user, payload.alliance)
    applicant = get_object_or_404(Body, ars=payload.applicant)
    application = services.application_create(
        acting_user=user,
        programme=programme,
        alliance=alliance,
        applicant=applicant,
        title=payload.title,
        description=payload.description,
    )
    return HttpStatus(201, _detail(application))


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetail, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_application",
    summary="Ein Antrag",
)
def get_application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _detail(access_application(_user(request), application_id))


@router.patch(
    "/applications/{application_id}",
    response={
        200: ApplicationDetail,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    url_name="funding_application_update",
    summary="Entwurf ändern",
)
def patch_application(request: HttpRequest, application_id: int, payload: DraftIn) -> dict[str, Any]:
    """Nur im Entwurf oder bei einer Rückfrage; Kostenplan und Jahresbeträge werden als Ganzes ersetzt."""
    user = _user(request)
    application = access_application(user, application_id, for_change=True)
    application = services.application_update(
        acting_user=user, application=application, data=_changes(application, payload)
    )
    return _detail(
        Application.objects.select_related("programme", "alliance", "applicant").get(pk=application.pk)
    )


@router.get(
    "/applications/{application_id}/checks",
    response={200: CheckPage, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_application_checks",
    summary="Prüfungen (aktueller Stand)",
)
def get_checks(request: HttpRequest, application_id: int) -> dict[str, Any]:
    """Alle Prüfungen des Regelwerks auf den gespeicherten Antrag, mit Begründung."""
    application = access_application(_user(request), application_id)
    return _checks(application_checks(application))


@router.post(
    "/applications/{application_id}/checks",
    response={200: CheckPage, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="funding_application_check_draft",
    summary="Prüfungen für geänderte Angaben (ohne zu speichern)",
)
def post_checks(request: HttpRequest, application_id: int, payload: DraftIn) -> dict[str, Any]:
    """Wie PATCH, aber nichts wird gespeichert: die Prüfungen für die übergebenen Angaben."""
    user = _user(request)
    application = access_application(user, application_id, for_change=True)
    draft = _apply_to_draft(draft_of(application), _changes(application, payload))
    return _checks(application_checks(application, draft))


def _step(request: HttpRequest, application_id: int) -> tuple[Any, Application]:
    user = _user(request)
    return user, access_application(user, application_id, for_change=True)


STEP_RESPONSES = {
    200: ApplicationDetail,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _fresh_detail(application: Application) -> dict[str, Any]:
    return _detail(
        Application.objects.select_related("programme", "alliance", "applicant").get(pk=application.pk)
    )


@router.post(
    "/applications/{application_id}/submit",
    response=STEP_RESPONSES,
    url_name="funding_submit",
    summary="Einreichen",
)
def submit(request: HttpRequest, application_id: int) -> dict[str, Any]:
    """Verwaltungsleitung des antragstellenden Mitglieds; alle Prüfungen laufen erneut."""
    user, application = _step(request, application_id)
    services.application_submit(acting_user=user, application=application)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/withdraw",
    response=STEP_RESPONSES,
    url_name="funding_withdraw",
    summary="Zurückziehen",
)
def withdraw(request: HttpRequest, application_id: int, payload: NoteIn) -> dict[str, Any]:
    user, application = _step(request, application_id)
    services.application_withdraw(acting_user=user, application=application, reason=payload.note)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/review",
    response=STEP_RESPONSES,
    url_name="funding_review",
    summary="Prüfung beginnen",
)
def review(request: HttpRequest, application_id: int) -> dict[str, Any]:
    user, application = _step(request, application_id)
    services.application_review(acting_user=user, application=application)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/request-info",
    response=STEP_RESPONSES,
    url_name="funding_request_info",
    summary="Rückfrage stellen",
)
def request_info(request: HttpRequest, application_id: int, payload: QuestionIn) -> dict[str, Any]:
    user, application = _step(request, application_id)
    services.application_request_info(acting_user=user, application=application, question=payload.question)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/answers",
    response=STEP_RESPONSES,
    url_name="funding_answer",
    summary="Rückfrage beantworten",
)
def answer(request: HttpRequest, application_id: int, payload: AnswerIn) -> dict[str, Any]:
    user, application = _step(request, application_id)
    info = get_object_or_404(InfoRequest, pk=payload.info_request, application=application)
    services.info_request_answer(acting_user=user, info_request=info, answer=payload.answer)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/resubmit",
    response=STEP_RESPONSES,
    url_name="funding_resubmit",
    summary="Erneut einreichen",
)
def resubmit(request: HttpRequest, application_id: int) -> dict[str, Any]:
    user, application = _step(request, application_id)
    services.application_resubmit(acting_user=user, application=application)
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/grant",
    response=STEP_RESPONSES,
    url_name="funding_grant",
    summary="Bewilligen",
)
def grant(request: HttpRequest, application_id: int, payload: GrantIn) -> dict[str, Any]:
    """Bewilligungsbehörde: Beträge je Haushaltsjahr, Zeitraum, Nebenbestimmungen; erstellt den Bescheid."""
    user, application = _step(request, application_id)
    services.application_grant(
        acting_user=user,
        application=application,
        amounts_by_year=payload.amounts_by_year,
        conditions=payload.conditions,
        period_start=payload.period_start,
        period_end=payload.period_end,
        override_reason=payload.override_reason,
    )
    return _fresh_detail(application)


@router.post(
    "/applications/{application_id}/reject",
    response=STEP_RESPONSES,
    url_name="funding_reject",
    summary="Ablehnen",
)
def reject(request: HttpRequest, application_id: int, payload: RejectIn) -> dict[str, Any]:
    user, application = _step(request, application_id)
    services.application_reject(acting_user=user, application=application, reasons=payload.reasons)
    return _fresh_detail(application)


# --- Drawdowns and proofs ---------------------------------------------------------------------------------


@router.get(
    "/applications/{application_id}/drawdowns",
    response={200: DrawdownPage, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_drawdowns",
    summary="Mittelabrufe eines Antrags",
)
def list_drawdowns(request: HttpRequest, application_id: int) -> dict[str, Any]:
    application = access_application(_user(request), application_id)
    items = [
        _drawdown(d)
        for d in Drawdown.objects.filter(grant_year__grant__application=application)
        .select_related("grant_year__programme_year", "grant_year__grant")
        .order_by("requested_at", "id")
    ]
    return {"items": items, "count": len(items)}


@router.post(
    "/applications/{application_id}/drawdowns",
    response={201: DrawdownOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_drawdown_request",
    summary="Mittel abrufen",
)
def post_drawdown(
    request: HttpRequest, application_id: int, payload: DrawdownIn
) -> HttpStatus[dict[str, Any]]:
    """Höchstens, was im Jahr bewilligt und weder ausgezahlt noch abgerufen ist (sonst 409)."""
    user, application = _step(request, application_id)
    drawdown = services.drawdown_request(
        acting_user=user, application=application, year=payload.year, amount=payload.amount, note=payload.note
    )
    drawdown = Drawdown.objects.select_related("grant_year__programme_year", "grant_year__grant").get(
        pk=drawdown.pk
    )
    return HttpStatus(201, _drawdown(drawdown))


DECIDE_RESPONSES = {
    200: DrawdownOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


@router.post(
    "/drawdowns/{drawdown_id}/approve",
    response=DECIDE_RESPONSES,
    url_name="funding_drawdown_approve",
    summary="Abruf freigeben",
)
def approve_drawdown(request: HttpRequest, drawdown_id: int, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    drawdown = services.drawdown_approve(
        acting_user=user, drawdown=access_drawdown(user, drawdown_id), note=payload.note
    )
    return _drawdown(
        Drawdown.objects.select_related("grant_year__programme_year", "grant_year__grant").get(pk=drawdown.pk)
    )


@router.post(
    "/drawdowns/{drawdown_id}/return",
    response=DECIDE_RESPONSES,
    url_name="funding_drawdown_return",
    summary="Abruf zurückgeben",
)
def return_drawdown(request: HttpRequest, drawdown_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    drawdown = services.drawdown_return(
        acting_user=user, drawdown=access_drawdown(user, drawdown_id), reason=payload.reason
    )
    return _drawdown(
        Drawdown.objects.select_related("grant_year__programme_year", "grant_year__grant").get(pk=drawdown.pk)
    )


PROOF_RESPONSES = {200: ProofOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/applications/{application_id}/proofs",
    response={201: ProofOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_proof_submit",
    summary="Verwendungsnachweis einreichen",
)
def post_proof(request: HttpRequest, application_id: int, payload: ProofIn) -> HttpStatus[dict[str, Any]]:
    """Tatsächliche Ausgaben je Kostenart und Sachbericht; die Rückforderung wird sofort berechnet."""
    user, application = _step(request, application_id)
    proof = services.use_proof_submit(
        acting_user=user, application=application, actual_costs=payload.actual_costs, report=payload.report
    )
    return HttpStatus(201, _proof(proof))


@router.post(
    "/proofs/{proof_id}/accept",
    response=PROOF_RESPONSES,
    url_name="funding_proof_accept",
    summary="Nachweis annehmen",
)
def accept_proof(request: HttpRequest, proof_id: int, payload: NoteIn) -> dict[str, Any]:
    user = _user(request)
    return _proof(
        services.use_proof_accept(acting_user=user, proof=access_proof(user, proof_id), note=payload.note)
    )


@router.post(
    "/proofs/{proof_id}/return",
    response=PROOF_RESPONSES,
    url_name="funding_proof_return",
    summary="Nachweis zurückgeben",
)
def return_proof(request: HttpRequest, proof_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _user(request)
    return _proof(
        services.use_proof_return(acting_user=user, proof=access_proof(user, proof_id), reason=payload.reason)
    )


# --- Portfolio ----------------------------------------------------------------------------------------------


@router.get(
    "/portfolio",
    response={200: PortfolioOut, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_portfolio",
    summary="Portfolio (Bewilligungsbehörde, Beratungsstelle)",
)
def get_portfolio(request: HttpRequest, filters: Query[PortfolioFilters]) -> dict[str, Any]:
    """Bewilligungen nach Haushaltsjahr, Handlungsfeld, Kreis und Antragsteller (Karte)."""
    user = _user(request)
    require_portfolio(user)
    programme = get_object_or_404(Programme, slug=filters.programme) if filters.programme else None
    data = portfolio(user, programme=programme, field=filters.field or "", kreis=filters.kreis or "")
    return {
        "count": data.count,
        "total": data.total,
        "drawn": data.drawn,
        "by_year": [{**row, "total": str(row["total"]), "drawn": str(row["drawn"])} for row in data.by_year],
        "by_field": [{**row, "total": str(row["total"])} for row in data.by_field],
        "by_kreis": [{**row, "total": str(row["total"])} for row in data.by_kreis],
        "by_status": [{**row, "requested": str(row["requested"])} for row in data.by_status],
        "map_points": data.map_points,
    }
