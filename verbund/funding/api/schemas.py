"""Schemas of ``/api/v1/funding``: what each endpoint takes and returns.

Outputs are read from the model objects (and the selectors' dataclasses) through ``resolve_…``
methods, so endpoints return objects and the schema decides the shape. Money is a decimal string
with two places ("321411.61"), never a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from ninja import Field, Schema

from verbund.common.api import choices_enum

from .. import rules
from ..models import (
    Application,
    ApplicationCost,
    Drawdown,
    GrantNotice,
    GrantYear,
    InfoRequest,
    Programme,
    Status,
    UseProof,
)
from ..selectors import BudgetRow, budget_overview
from ..services import DEFAULT_CONDITIONS

Money = Decimal

# The schema's own name for the application status (the alliances part has a ``Status`` of its own).
if TYPE_CHECKING:
    ApplicationStatus = Status
else:
    ApplicationStatus = choices_enum(
        "ApplicationStatus",
        Status,
        "Status eines Förderantrags: entwurf, eingereicht, in_pruefung, rueckfrage, bewilligt, abgelehnt, "
        "zurueckgezogen, nachweis oder abgeschlossen.",
    )


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

    @staticmethod
    def resolve_eligible_categories(obj: Programme) -> list[str]:
        return list(obj.eligible_categories or [])


class ProgrammeDetail(ProgrammeItem):
    description: str
    rule_set: dict[str, Any] = Field(description="Regelwerk (Aufbau: docs/funding.md)")
    budget: list[BudgetYearOut]

    @staticmethod
    def resolve_budget(obj: Programme) -> list[BudgetRow]:
        return budget_overview(obj)


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


class CostRowIn(Schema):
    category: str = Field(description=", ".join(rules.COST_CATEGORIES))
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    note: str = Field("", max_length=300)


class CostRowOut(Schema):
    """A row of the cost plan as the API returns it (the amount a decimal string)."""

    category: str = Field(description=", ".join(rules.COST_CATEGORIES))
    year: int
    amount: Money
    note: str


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
    status: ApplicationStatus
    status_label: str
    programme: str
    alliance: str = Field(description="Kürzel des Verbunds")
    alliance_name: str
    applicant_ars: str
    applicant_name: str
    requested_amount: Money
    submitted_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_programme(obj: Application) -> str:
        return obj.programme.slug

    @staticmethod
    def resolve_alliance(obj: Application) -> str:
        return obj.alliance.slug

    @staticmethod
    def resolve_alliance_name(obj: Application) -> str:
        return obj.alliance.name

    @staticmethod
    def resolve_applicant_ars(obj: Application) -> str:
        return obj.applicant.ars

    @staticmethod
    def resolve_applicant_name(obj: Application) -> str:
        return obj.applicant.name


class GrantYearOut(Schema):
    year: int
    amount: Money
    drawn: Money
    pending: Money
    available: Money

    @staticmethod
    def resolve_year(obj: GrantYear) -> int:
        return obj.programme_year.year


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

    @staticmethod
    def resolve_pdf_url(obj: GrantNotice) -> str:
        return reverse("funding:grant_pdf", kwargs={"pk": obj.application_id})

    @staticmethod
    def resolve_years(obj: GrantNotice) -> list[GrantYear]:
        return list(obj.years.select_related("programme_year").order_by("programme_year__year"))


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
    costs: list[CostRowOut]
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

    @staticmethod
    def resolve_fields(obj: Application) -> list[str]:
        return list(obj.fields.order_by("sort_order").values_list("slug", flat=True))

    @staticmethod
    def resolve_participants(obj: Application) -> list[str]:
        return list(obj.participants.order_by("ars").values_list("ars", flat=True))

    @staticmethod
    def resolve_costs(obj: Application) -> list[ApplicationCost]:
        return list(obj.costs.order_by("year", "category"))

    @staticmethod
    def resolve_requested_by_year(obj: Application) -> dict[int, Decimal]:
        return dict(obj.requested_years.order_by("year").values_list("year", "amount"))

    @staticmethod
    def resolve_checks(obj: Application) -> list[dict[str, Any]]:
        return list(obj.checks or [])

    @staticmethod
    def resolve_info_requests(obj: Application) -> list[InfoRequest]:
        return list(InfoRequest.objects.filter(application=obj).order_by("asked_at", "id"))

    @staticmethod
    def resolve_grant(obj: Application) -> GrantNotice | None:
        return GrantNotice.objects.filter(application=obj).first()


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
    costs: list[CostRowIn] | None = None
    requested_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    requested_by_year: dict[int, Decimal] | None = None
    special_need_region: bool | None = None
    baseline_annual_costs: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_annual_costs: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    commitment_years: int | None = Field(None, ge=1, le=99)
    deviation_reason: str | None = None


class ApplicationFilters(Schema):
    status: ApplicationStatus | None = None
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
    conditions: str = Field(DEFAULT_CONDITIONS, description="Nebenbestimmungen")
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

    @staticmethod
    def resolve_application(obj: Drawdown) -> int:
        return obj.grant_year.grant.application_id

    @staticmethod
    def resolve_year(obj: Drawdown) -> int:
        return obj.grant_year.programme_year.year


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

    @staticmethod
    def resolve_application(obj: UseProof) -> int:
        return obj.application_id


class PortfolioFilters(Schema):
    programme: str | None = None
    field: str | None = Field(None, max_length=60)
    kreis: str | None = Field(None, pattern=r"^[0-9]{5}$")


class YearRowOut(Schema):
    year: int
    total: Money
    drawn: Money
    count: int


class FieldRowOut(Schema):
    slug: str | None = Field(description="Kürzel des Handlungsfelds (leer: ohne Handlungsfeld)")
    name: str
    total: Money
    count: int


class KreisRowOut(Schema):
    kreis: str = Field(description="5-stelliger Kreisschlüssel")
    name: str
    total: Money
    count: int


class StatusRowOut(Schema):
    status: str
    label: str
    count: int
    requested: Money


class MapPointOut(Schema):
    name: str
    ars: str
    lat: float
    lon: float
    total: Money
    count: int


class PortfolioOut(Schema):
    count: int
    total: Money
    drawn: Money
    by_year: list[YearRowOut]
    by_field: list[FieldRowOut]
    by_kreis: list[KreisRowOut]
    by_status: list[StatusRowOut]
    map_points: list[MapPointOut]
