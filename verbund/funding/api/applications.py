"""Applications: list, create, read, change the draft, the checks, and the steps of the workflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query
from ninja.responses import Status as HttpStatus

from verbund.alliances.selectors import access_alliance
from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.registry.models import Body

from .. import rules, services
from ..models import Application, InfoRequest, Programme
from ..selectors import CostRow, Draft, access_application, application_checks, application_list, draft_of
from .router import router
from .schemas import (
    AnswerIn,
    ApplicationDetail,
    ApplicationFilters,
    ApplicationIn,
    ApplicationItem,
    CheckOut,
    CheckPage,
    DraftIn,
    GrantIn,
    NoteIn,
    QuestionIn,
    RejectIn,
)

STEP_RESPONSES = {
    200: ApplicationDetail,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _changes(payload: DraftIn) -> dict[str, Any]:
    """The fields set in ``payload`` as :func:`services.application_update` takes them."""
    data = payload.dict(exclude_unset=True)
    if "participants" in data:
        wanted = list(data["participants"] or [])
        found = dict(Body.objects.filter(ars__in=wanted).values_list("ars", "pk"))
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise ValidationError(
                {"participants": _("Unbekannter Regionalschlüssel: %(join)s.") % {"join": ", ".join(missing)}}
            )
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


def _check_page(results: list[rules.CheckResult]) -> CheckPage:
    return CheckPage(
        items=[CheckOut.model_validate(r.as_dict()) for r in results],
        count=len(results),
        passed=all(r.passed for r in results),
    )


def _fresh(application: Application) -> Application:
    """The application as it is now (after a step), with what the detail shows."""
    return Application.objects.select_related("programme", "alliance", "applicant").get(pk=application.pk)


@router.get(
    "/applications",
    response={200: Page[ApplicationItem], 401: ErrorOut},
    url_name="funding_applications",
    summary="Förderanträge",
)
def list_applications(
    request: HttpRequest, filters: Query[ApplicationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Anträge, die die anfragende Person sehen darf (Entwürfe nur der eigene Verbund)."""
    principal = api_person(request)
    qs = application_list(principal, status=str(filters.status or ""), q=filters.q or "")
    if filters.programme:
        qs = qs.filter(programme__slug=filters.programme)
    if filters.alliance:
        qs = qs.filter(alliance__slug=filters.alliance)
    return paginate(qs, page)


@router.post(
    "/applications",
    response={201: ApplicationDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="funding_application_create",
    summary="Antrag anlegen (Entwurf)",
)
def create_application(request: HttpRequest, payload: ApplicationIn) -> HttpStatus[Application]:
    user = api_user(request)
    principal = api_person(request)
    programme = get_object_or_404(Programme.objects.visible_to(principal), slug=payload.programme)
    alliance = access_alliance(principal, payload.alliance)
    applicant = get_object_or_404(Body, ars=payload.applicant)
    application = services.application_create(
        actor=user,
        programme=programme,
        alliance=alliance,
        applicant=applicant,
        title=payload.title,
        description=payload.description,
    )
    return HttpStatus(201, _fresh(application))


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetail, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_application",
    summary="Ein Antrag",
)
def get_application(request: HttpRequest, application_id: ObjectId) -> Application:
    return access_application(api_person(request), application_id)


@router.patch(
    "/applications/{application_id}",
    response=STEP_RESPONSES,
    url_name="funding_application_update",
    summary="Entwurf ändern",
)
def patch_application(request: HttpRequest, application_id: ObjectId, payload: DraftIn) -> Application:
    """Nur im Entwurf oder bei einer Rückfrage; Kostenplan und Jahresbeträge werden als Ganzes ersetzt."""
    application = access_application(api_person(request), application_id, need="draft")
    services.application_update(actor=api_user(request), application=application, data=_changes(payload))
    return _fresh(application)


@router.get(
    "/applications/{application_id}/checks",
    response={200: CheckPage, 401: ErrorOut, 404: ErrorOut},
    url_name="funding_application_checks",
    summary="Prüfungen (aktueller Stand)",
)
def get_checks(request: HttpRequest, application_id: ObjectId) -> CheckPage:
    """Alle Prüfungen des Regelwerks auf den gespeicherten Antrag, mit Begründung."""
    application = access_application(api_person(request), application_id)
    return _check_page(application_checks(application))


@router.post(
    "/applications/{application_id}/checks",
    response={200: CheckPage, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="funding_application_check_draft",
    summary="Prüfungen für geänderte Angaben (ohne zu speichern)",
)
def post_checks(request: HttpRequest, application_id: ObjectId, payload: DraftIn) -> CheckPage:
    """Wie PATCH, aber nichts wird gespeichert: die Prüfungen für die übergebenen Angaben."""
    application = access_application(api_person(request), application_id, need="change")
    draft = _apply_to_draft(draft_of(application), _changes(payload))
    return _check_page(application_checks(application, draft))


def _step(request: HttpRequest, application_id: ObjectId) -> tuple[Any, Application]:
    """The acting user and the application (404 when invisible, 403 when only readable)."""
    return api_user(request), access_application(api_person(request), application_id, need="change")


@router.post(
    "/applications/{application_id}/submit",
    response=STEP_RESPONSES,
    url_name="funding_submit",
    summary="Einreichen",
)
def submit(request: HttpRequest, application_id: ObjectId) -> Application:
    """Verwaltungsleitung des antragstellenden Mitglieds; alle Prüfungen laufen erneut."""
    user, application = _step(request, application_id)
    services.application_submit(actor=user, application=application)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/withdraw",
    response=STEP_RESPONSES,
    url_name="funding_withdraw",
    summary="Zurückziehen",
)
def withdraw(request: HttpRequest, application_id: ObjectId, payload: NoteIn) -> Application:
    user, application = _step(request, application_id)
    services.application_withdraw(actor=user, application=application, reason=payload.note)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/review",
    response=STEP_RESPONSES,
    url_name="funding_review",
    summary="Prüfung beginnen",
)
def review(request: HttpRequest, application_id: ObjectId) -> Application:
    user, application = _step(request, application_id)
    services.application_review(actor=user, application=application)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/request-info",
    response=STEP_RESPONSES,
    url_name="funding_request_info",
    summary="Rückfrage stellen",
)
def request_info(request: HttpRequest, application_id: ObjectId, payload: QuestionIn) -> Application:
    user, application = _step(request, application_id)
    services.application_request_info(actor=user, application=application, question=payload.question)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/answers",
    response=STEP_RESPONSES,
    url_name="funding_answer",
    summary="Rückfrage beantworten",
)
def answer(request: HttpRequest, application_id: ObjectId, payload: AnswerIn) -> Application:
    user, application = _step(request, application_id)
    info = get_object_or_404(InfoRequest, pk=payload.info_request, application=application)
    services.info_request_answer(actor=user, info_request=info, answer=payload.answer)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/resubmit",
    response=STEP_RESPONSES,
    url_name="funding_resubmit",
    summary="Erneut einreichen",
)
def resubmit(request: HttpRequest, application_id: ObjectId) -> Application:
    user, application = _step(request, application_id)
    services.application_resubmit(actor=user, application=application)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/grant",
    response=STEP_RESPONSES,
    url_name="funding_grant",
    summary="Bewilligen",
)
def grant(request: HttpRequest, application_id: ObjectId, payload: GrantIn) -> Application:
    """Bewilligungsbehörde: Beträge je Haushaltsjahr, Zeitraum, Nebenbestimmungen; erstellt den Bescheid."""
    # Four eyes (programme's ``second_approval_above``): above the amount the first call records the
    # first approval (the application stays in review); a second, different person's call with the
    # same terms grants; the same person again: 403 (the services enforce it, as for the page).
    user, application = _step(request, application_id)
    total = sum((amount for amount in payload.amounts_by_year.values() if amount > 0), Decimal(0))
    arguments: dict[str, Any] = {
        "actor": user,
        "application": application,
        "amounts_by_year": payload.amounts_by_year,
        "conditions": payload.conditions,
        "period_start": payload.period_start,
        "period_end": payload.period_end,
        "override_reason": payload.override_reason,
    }
    if services.needs_first_grant_approval(application, total):
        services.application_grant_first_approval(**arguments)
    else:
        services.application_grant(**arguments)
    return _fresh(application)


@router.post(
    "/applications/{application_id}/reject",
    response=STEP_RESPONSES,
    url_name="funding_reject",
    summary="Ablehnen",
)
def reject(request: HttpRequest, application_id: ObjectId, payload: RejectIn) -> Application:
    user, application = _step(request, application_id)
    services.application_reject(actor=user, application=application, reasons=payload.reasons)
    return _fresh(application)
