"""``/api/v1/programme``: the programme dashboard's figures, by year and Kreis.

``GET /summary?year=&kreis=`` — for the Beratungsstelle and the funding authority (401 anonymous,
403 for everyone else who is signed in). Money as strings with two decimals (exact), counts as
integers. The totals equal the funding API's portfolio (granted, paid) and the sums of the shared
services' finalized settlement lines (savings); a test checks that.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, api_person
from verbund.common.errors import Forbidden

from ..policies import reads_programme
from ..services.programme import programme_summary

router = Router()

Money = str


class SummaryFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Nur dieses Jahr (sonst alle Jahre)")
    kreis: str | None = Field(None, pattern=r"^[0-9]{5}$", description="5-stelliger Kreisschlüssel (ARS)")


class ParticipationOut(Schema):
    bodies: int = Field(description="Mitglieder (Körperschaften), jede einmal, auch in mehreren Verbünden")
    alliances: int = Field(description="Verbünde mit mindestens einem Mitglied")
    municipalities: int = Field(
        description="Gemeinden, die selbst oder über ihre Verbandsgemeinde Mitglied sind"
    )
    inhabitants: int = Field(description="Einwohner des Gebiets der Mitglieder, jede Person einmal")
    inhabitants_total: int = Field(description="Einwohner aller Gemeinden (im Kreis, falls gefiltert)")
    as_of: str = Field(description="Stichtag (Jahresende, im laufenden Jahr heute)")


class ParticipationYearOut(Schema):
    year: int
    bodies: int
    alliances: int
    municipalities: int
    inhabitants: int


class ParticipationKreisOut(Schema):
    kreis: str = Field(description="5-stelliger Kreisschlüssel")
    name: str
    bodies: int
    municipalities: int
    inhabitants: int
    inhabitants_total: int
    share_percent: float | None = Field(description="Anteil der erreichten Einwohner in Prozent")
    lat: float | None
    lon: float | None


class MoneyOut(Schema):
    budget: Money = Field(description="Haushaltsmittel der Programme (landesweit)")
    granted: Money = Field(description="bewilligt (Bescheide je Haushaltsjahr)")
    paid: Money = Field(description="ausgezahlt (freigegebene Mittelabrufe)")
    repaid: Money = Field(description="zurückgefordert (angenommene Verwendungsnachweise)")
    applications: int = Field(description="eingereichte Anträge (ohne Entwürfe)")
    granted_applications: int


class MoneyYearOut(Schema):
    year: int
    budget: Money
    granted: Money
    paid: Money
    repaid: Money
    grants: int


class SavingsOut(Schema):
    standalone: Money = Field(description="Kosten allein (Schätzung, vor Gebühren)")
    shared: Money = Field(
        description="Anteile am gemeinsamen Dienst vor Gebühren (Anteil + anteilige Erlöse)"
    )
    saving: Money
    percent: str | None
    lines: int


class SavingsYearOut(SavingsOut):
    year: int
    services: int


class PlannedOut(Schema):
    baseline: Money = Field(description="jährliche Kosten ohne Kooperation laut Anträgen")
    expected: Money = Field(description="jährliche Kosten mit Kooperation laut Anträgen")
    saving: Money
    percent: str | None
    applications: int


class SavingsBlockOut(Schema):
    planned: PlannedOut
    measured: SavingsOut


class CountOut(Schema):
    count: int


class FieldOut(CountOut):
    slug: str
    name: str


class LegalFormOut(CountOut):
    code: str
    label: str


class MaturityOut(CountOut):
    status: str
    label: str


class RiskOut(Schema):
    alliance_id: int
    alliance_name: str
    kind: str = Field(description="dauer, einsparung oder verwendungsnachweis")
    label: str
    due: str | None
    url: str


class ConditionsOut(Schema):
    settings: dict[str, Any]
    at_risk: list[RiskOut]
    by_kind: dict[str, int]


class SummaryOut(Schema):
    years: list[int]
    kreis: str
    kreis_name: str
    as_of: str
    participation: ParticipationOut
    participation_by_year: list[ParticipationYearOut]
    participation_by_kreis: list[ParticipationKreisOut]
    money: MoneyOut
    money_by_year: list[MoneyYearOut]
    savings: SavingsBlockOut
    savings_by_year: list[SavingsYearOut]
    fields_of_action: list[FieldOut]
    legal_forms: list[LegalFormOut]
    maturity: list[MaturityOut]
    conditions: ConditionsOut
    notes: list[str]


@router.get(
    "/summary",
    response={200: SummaryOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="programme_summary",
    summary="Kennzahlen des Förderprogramms",
)
def get_summary(request: HttpRequest, filters: Query[SummaryFilters]) -> dict[str, Any]:
    """Teilnahme, Geld, Einsparungen, Handlungsfelder, Rechtsformen, Reifegrad und gefährdete
    Förderbedingungen — für die Beratungsstelle und die Bewilligungsbehörde."""
    principal = api_person(request)
    if not reads_programme(principal):
        raise Forbidden(_("Die Programmzahlen sehen die Beratungsstelle und die Bewilligungsbehörde."))
    years = [filters.year] if filters.year else None
    return programme_summary(years=years, kreis=filters.kreis).as_dict()
