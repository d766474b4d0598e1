"""Presets, programmes and their budget years."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query
from ninja.responses import Status as HttpStatus

from verbund.common.api import BudgetYear, ErrorOut, Page, PageParams, api_principal, api_user, paginate

from .. import rules, services
from ..models import Programme
from ..selectors import access_programme, budget_overview
from .router import router
from .schemas import BudgetIn, BudgetYearOut, PresetOut, ProgrammeDetail, ProgrammeIn, ProgrammeItem


@router.get(
    "/presets", response=list[PresetOut], url_name="funding_presets", summary="Vorlagen für Regelwerke"
)
def list_presets(request: HttpRequest) -> list[PresetOut]:
    """RLP-Pilot, NRW, Bayern, Hessen (DOMAIN.md §2); nicht öffentliche Beträge als Platzhalter."""
    return [
        PresetOut(key=k, label=_(label), rule_set=rs.to_dict()) for k, (label, rs) in rules.PRESETS.items()
    ]


@router.get(
    "/programmes", response=Page[ProgrammeItem], url_name="funding_programmes", summary="Förderprogramme"
)
def list_programmes(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    return paginate(Programme.objects.visible_to(api_principal(request)).order_by("name", "id"), page)


@router.post(
    "/programmes",
    response={201: ProgrammeDetail, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="funding_programme_create",
    summary="Programm anlegen (Bewilligungsbehörde)",
)
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> HttpStatus[Programme]:
    return HttpStatus(201, services.programme_create(actor=api_user(request), **payload.dict()))


@router.get(
    "/programmes/{slug}",
    response={200: ProgrammeDetail, 404: ErrorOut},
    url_name="funding_programme",
    summary="Ein Programm mit Regelwerk und Haushalt",
)
def get_programme(request: HttpRequest, slug: str) -> Programme:
    return access_programme(api_principal(request), slug)


@router.put(
    "/programmes/{slug}/years/{year}",
    response={200: BudgetYearOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="funding_programme_year",
    summary="Haushaltsmittel eines Jahres festlegen",
)
def put_programme_year(request: HttpRequest, slug: str, year: BudgetYear, payload: BudgetIn) -> object:
    """Legt ein Haushaltsjahr an oder ändert seine Mittel; nie unter die bereits bewilligten Beträge (409)."""
    user = api_user(request)
    programme = access_programme(api_principal(request), slug)
    services.programme_year_set(actor=user, programme=programme, year=year, budget=payload.budget)
    return next(row for row in budget_overview(programme) if row.year == year)
