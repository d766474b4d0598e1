"""``/api/v1/security/officers``: the shared officers (ISB, DSB) the caller sees, each with the
shares of the working time and, where the caller may see it, the cost of each share from the latest
settlement of the shared service that carries it.

Writes as on the pages, with the same rules (:mod:`verbund.security.services.officers`, audited there):
the coordinators of the alliance and Plattformbetrieb record an officer for the alliance
(``POST``), change person, deputy, period and shares (``PUT /{id}``), end the role
(``POST /{id}/end``) and settle its cost through a shared service (``POST /{id}/settlement``). An
officer the caller does not see answers 404, one they see but do not manage 403; people are named
by their user name, bodies by their ARS, the alliance by its short name (slug).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.alliances.models import Alliance, Membership
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
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body

from ..models import OfficerKind, SharedOfficer
from ..policies import manages_officers
from ..services import officers as officer_services

router = Router()
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ARS_PATTERN = r"^\d{12}$"
OfficerKindIn = choices_enum("SecurityOfficerKind", OfficerKind, "isb oder dsb")


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


class OfficerShareIn(Schema):
    body: str = Field(pattern=ARS_PATTERN, description="ARS der betreuten Körperschaft")
    percent: Decimal = Field(
        gt=0, le=100, max_digits=5, decimal_places=2, description="Anteil an der Arbeitszeit in Prozent"
    )


class OfficerChangeIn(Schema):
    """Person, deputy, period and the shares (all of them: bodies not listed are no longer served)."""

    person: str = Field(min_length=1, max_length=150, description="Benutzername der beauftragten Person")
    deputy: str | None = Field(None, max_length=150, description="Benutzername der Vertretung")
    starts_on: dt.date
    ends_on: dt.date | None = None
    shares: list[OfficerShareIn] = Field(min_length=1, max_length=500)


class OfficerIn(OfficerChangeIn):
    kind: OfficerKindIn  # type: ignore[valid-type]
    alliance: str = Field(min_length=1, max_length=100, description="Kurzname (slug) des Verbunds")
    employer: str = Field(pattern=ARS_PATTERN, description="ARS der Anstellungskörperschaft (ein Mitglied)")


class OfficerEndIn(Schema):
    ends_on: dt.date = Field(description="letzter Tag der Funktion")


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


def _visible(principal: Principal, officer_id: int) -> SharedOfficer:
    officer = officer_services.visible_officers(principal).filter(pk=officer_id).first()
    if officer is None:
        raise NotFound()
    return officer


def _managed(principal: Principal, officer_id: int) -> SharedOfficer:
    """An officer the caller sees (else 404) and manages (else 403)."""
    officer = _visible(principal, officer_id)
    if not manages_officers(principal, officer.alliance_id):
        raise Forbidden(_(officer_services.MANAGE_REFUSAL))
    return officer


def _user(name: str | None, field: str) -> Any:
    if not name:
        return None
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise Invalid(fields={field: [_("Kein aktives Benutzerkonto mit diesem Benutzernamen.")]})
    return user


def _shares(shares: list[OfficerShareIn]) -> list[tuple[Body, Decimal]]:
    """``(body, percent)`` pairs; an unknown ARS is a 422 naming the entry."""
    bodies = {b.ars: b for b in Body.objects.filter(ars__in=[s.body for s in shares])}
    errors = [
        _("Anteil %(n)s: keine Körperschaft mit dem ARS %(ars)s.") % {"n": n, "ars": share.body}
        for n, share in enumerate(shares, start=1)
        if share.body not in bodies
    ]
    if errors:
        raise Invalid(fields={"shares": errors})
    return [(bodies[share.body], share.percent) for share in shares]


@router.post("", response={201: OfficerDetailOut, **_WRITE_ERRORS}, url_name="security_officer_create")
def create_officer(request: HttpRequest, payload: OfficerIn) -> HttpStatus:
    """Eine gemeinsame Funktion für einen Verbund eintragen (Verbundkoordination, Plattformbetrieb)."""
    user = api_user(request)
    principal = api_person(request)
    alliance = Alliance.objects.filter(slug=payload.alliance).first()
    if alliance is None:
        raise Invalid(
            fields={"alliance": [_("Unbekannter Verbund „%(slug)s“.") % {"slug": payload.alliance}]}
        )
    if not manages_officers(principal, alliance.pk):
        raise Forbidden(_(officer_services.MANAGE_REFUSAL))
    employer = Body.objects.filter(
        ars=payload.employer,
        pk__in=Membership.objects.current().filter(alliance=alliance).values("body_id"),
    ).first()
    if employer is None:
        raise Invalid(
            fields={
                "employer": [_("Die Anstellungskörperschaft muss ein aktuelles Mitglied des Verbunds sein.")]
            }
        )
    officer = officer_services.officer_create(
        actor=user,
        kind=str(payload.kind),
        person=_user(payload.person, "person"),
        deputy=_user(payload.deputy, "deputy"),
        employer=employer,
        alliance=alliance,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        shares=_shares(payload.shares),
    )
    return HttpStatus(201, _detail(principal, _visible(principal, officer.pk)))


@router.put(
    "/{officer_id}", response={200: OfficerDetailOut, **_WRITE_ERRORS}, url_name="security_officer_update"
)
def update_officer(request: HttpRequest, officer_id: ObjectId, payload: OfficerChangeIn) -> dict[str, Any]:
    """Person, Vertretung, Zeitraum und Anteile ändern; eine verknüpfte Abrechnung folgt den Anteilen."""
    user = api_user(request)
    principal = api_person(request)
    officer = _managed(principal, officer_id)
    officer_services.officer_update(
        actor=user,
        officer=officer,
        person=_user(payload.person, "person"),
        deputy=_user(payload.deputy, "deputy"),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        shares=_shares(payload.shares),
    )
    return _detail(principal, _visible(principal, officer.pk))


@router.post(
    "/{officer_id}/end", response={200: OfficerDetailOut, **_WRITE_ERRORS}, url_name="security_officer_end"
)
def end_officer(request: HttpRequest, officer_id: ObjectId, payload: OfficerEndIn) -> dict[str, Any]:
    """Die Funktion endet mit ``ends_on`` (einschließlich); endet sie schon früher: 409."""
    user = api_user(request)
    principal = api_person(request)
    officer = _managed(principal, officer_id)
    officer_services.officer_end(actor=user, officer=officer, ends_on=payload.ends_on)
    return _detail(principal, _visible(principal, officer.pk))


@router.post(
    "/{officer_id}/settlement",
    response={200: OfficerDetailOut, **_WRITE_ERRORS},
    url_name="security_officer_settlement",
)
def link_settlement(request: HttpRequest, officer_id: ObjectId) -> dict[str, Any]:
    """Die Kosten über einen geteilten Dienst des Verbunds abrechnen (legt ihn an; schon verknüpft: 409)."""
    user = api_user(request)
    principal = api_person(request)
    officer = _managed(principal, officer_id)
    officer_services.officer_settlement_link(actor=user, officer=officer)
    return _detail(principal, _visible(principal, officer.pk))


@router.get(
    "/{officer_id}",
    response={200: OfficerDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="security_officer",
)
def get_officer(request: HttpRequest, officer_id: ObjectId) -> dict[str, Any]:
    """Eine/r Beauftragte/r mit den Anteilen und ihren Kosten (soweit einsehbar)."""
    principal = api_person(request)
    return _detail(principal, _visible(principal, officer_id))


def _detail(principal: Principal, officer: SharedOfficer) -> dict[str, Any]:
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
