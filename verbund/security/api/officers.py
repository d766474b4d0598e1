"""``/api/v1/security/officers``: the shared officers (ISB, DSB) the caller sees, each with the
shares of the working time and, where the caller may see it, the cost of each share from the latest
settlement of the shared service that carries it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, paginate
from verbund.common.errors import NotFound

from ..models import SharedOfficer
from ..services import officers as officer_services

router = Router()


class OfficerShareOut(Schema):
    body: str = Field(description="ARS")
    name: str
    percent: Decimal = Field(description="Anteil an der Arbeitszeit in Prozent")
    cost: Decimal | None = Field(
        description="Anteil an den Kosten laut letzter Abrechnung (EUR); null: keine oder nicht einsehbar"
    )


class OfficerOut(Schema):
    id: int
    kind: str = Field(description="isb oder dsb")
    person: str = Field(description="Name der beauftragten Person")
    deputy: str | None
    employer: str = Field(description="ARS der Anstellungskörperschaft")
    alliance: str | None = Field(description="Kurzname (slug) des Verbunds")
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool


class OfficerDetailOut(OfficerOut):
    shares: list[OfficerShareOut]
    unassigned_percent: Decimal = Field(description="nicht zugeordnete Arbeitszeit (trägt der Arbeitgeber)")
    service: int | None = Field(description="Kennung des geteilten Dienstes der Abrechnung")
    settlement: int | None = Field(description="Kennung der Abrechnung, aus der die Kosten stammen")


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _officer(o: SharedOfficer) -> dict[str, Any]:
    return {
        "id": o.pk,
        "kind": o.kind,
        "person": _name(o.person),
        "deputy": _name(o.deputy) or None,
        "employer": o.employer.ars,
        "alliance": o.alliance.slug if o.alliance else None,
        "starts_on": o.starts_on,
        "ends_on": o.ends_on,
        "current": officer_services.is_current(o),
    }


@router.get("", response={200: Page[OfficerOut], 401: ErrorOut}, url_name="security_officers")
def list_officers(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die gemeinsamen Beauftragten, die der Aufrufer sieht."""
    principal = api_person(request)
    return paginate(officer_services.visible_officers(principal).order_by("pk"), page, convert=_officer)


@router.get(
    "/{officer_id}",
    response={200: OfficerDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="security_officer",
)
def get_officer(request: HttpRequest, officer_id: ObjectId) -> dict[str, Any]:
    """Eine/r Beauftragte/r mit den Anteilen und ihren Kosten (soweit einsehbar)."""
    principal = api_person(request)
    officer = officer_services.visible_officers(principal).filter(pk=officer_id).first()
    if officer is None:
        raise NotFound()
    costs = officer_services.officer_costs(principal, officer)
    return {
        **_officer(officer),
        "shares": [
            {"body": r.body.ars, "name": r.body.name, "percent": r.percent, "cost": r.cost}
            for r in costs.rows
        ],
        "unassigned_percent": costs.unassigned_percent,
        "service": officer.service_id,
        "settlement": costs.settlement.pk if costs.settlement else None,
    }
