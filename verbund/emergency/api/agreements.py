"""``/api/v1/emergency/agreements``: the alliances' agreements on reimbursing mutual aid.

Same rules as the pages (:mod:`verbund.emergency.services.agreements`): everyone working for a
current member body, the alliance's coordinators and Plattformbetrieb read them (others 404); the
coordinators and Plattformbetrieb create, change (not started yet), supersede with a new version
(``/versions``: the agreement ends the day before) and end them. Periods of one alliance never
overlap (422 ``agreement_overlap`` naming the other agreement). An agreement in force is not changed
(409 ``agreement_in_force``). A refused input names its field (``daily_rates.pumpe: …``,
``cost_sharing: …``). Amounts are decimal strings with two places ("45.00"); ``cost_sharing`` is an
allocation key of the shared services (``{"type": "population"}``) or null (the body in need bears
the cost).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.alliances.models import Alliance
from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, named_refusal
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from ..models import AidAgreement
from ..services import agreements as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_ONE_ERRORS: dict[int, Any] = {**_ERRORS, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 404: ErrorOut, 409: ErrorOut}

_RATES_HELP = "Kategorie → Tagessatz in EUR (" + ", ".join(c.value for c in svc.DAILY_RATE_CATEGORIES) + ")"


class AidAgreementAlliance(Schema):
    slug: str
    name: str


class AidAgreementTerm(Schema):
    label: str
    text: str


class AidAgreementOut(Schema):
    id: int
    alliance: AidAgreementAlliance
    reimburse: bool = Field(description="Hilfe zwischen den Mitgliedern wird erstattet")
    hourly_rate: Decimal | None = Field(description="Stundensatz Personal (EUR)")
    daily_rates: dict[str, Decimal] = Field(description=_RATES_HELP)
    consumables_at_cost: bool
    cost_sharing: dict[str, Any] | None = Field(
        description=(
            "Verteilungsschlüssel der gemeinsamen Dienste; leer: die anfragende Körperschaft trägt die Kosten"
        )
    )
    cost_sharing_text: str = Field(description="die Kostenteilung in Worten")
    valid_from: dt.date
    valid_until: dt.date | None
    note: str = Field(description="Grundlage, z. B. Beschluss der Verbandsversammlung")
    state: str = Field(description="kuenftig, in_kraft oder beendet (heute)")
    terms: list[AidAgreementTerm] = Field(description="die Bedingungen in Worten")
    created_at: dt.datetime
    updated_at: dt.datetime
    may_change: bool = Field(description="die anfragende Person darf Vereinbarungen des Verbunds ändern")


class AidAgreementTermsIn(Schema):
    reimburse: bool = False
    hourly_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    daily_rates: dict[str, Decimal] = Field(default_factory=dict, description=_RATES_HELP)
    consumables_at_cost: bool = True
    cost_sharing: dict[str, Any] | None = Field(
        None, description='Verteilungsschlüssel, z. B. {"type": "population"}; leer: keine Kostenteilung'
    )
    note: str = Field("", max_length=5000)


class AidAgreementIn(AidAgreementTermsIn):
    alliance: str = Field(min_length=1, max_length=80, description="Kürzel (slug) des Verbunds")
    valid_from: dt.date
    valid_until: dt.date | None = None


class AidAgreementUpdateIn(AidAgreementTermsIn):
    valid_from: dt.date
    valid_until: dt.date | None = None


class AidAgreementVersionIn(AidAgreementTermsIn):
    """New terms from a date; the terms not given are those of the agreement it replaces."""

    valid_from: dt.date = Field(description="Stichtag der neuen Fassung; die bisherige endet am Tag davor")
    valid_until: dt.date | None = Field(None, description="leer: wie die bisherige Fassung")


class AidAgreementEndIn(Schema):
    valid_until: dt.date = Field(description="letzter Tag der Vereinbarung")


class AidAgreementFilter(Schema):
    alliance: str | None = Field(None, max_length=80, description="nur dieser Verbund (Kürzel)")
    state: str | None = Field(
        None, pattern="^(kuenftig|in_kraft|beendet)$", description="kuenftig, in_kraft, beendet"
    )


def _out(principal: Principal, a: AidAgreement) -> dict[str, Any]:
    names = svc.member_names(a.alliance_id)
    return {
        "id": a.pk,
        "alliance": {"slug": a.alliance.slug, "name": a.alliance.name},
        "reimburse": a.reimburse,
        "hourly_rate": a.hourly_rate,
        "daily_rates": {k: Decimal(str(v)) for k, v in (a.daily_rates or {}).items()},
        "consumables_at_cost": a.consumables_at_cost,
        "cost_sharing": a.cost_sharing,
        "cost_sharing_text": svc.describe_cost_sharing(a.cost_sharing, names),
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "note": a.note,
        "state": svc.state(a),
        "terms": [{"label": t.label, "text": t.text} for t in svc.terms(a, names)],
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "may_change": svc.may_change(principal, a.alliance_id),
    }


def _run(action: Any) -> Any:
    try:
        return action()
    except Invalid as exc:
        raise named_refusal(exc) from exc


def _terms(payload: AidAgreementTermsIn, *, given_only: bool = False) -> dict[str, Any]:
    """The terms of the payload (only those the caller gave: a new version keeps the others)."""
    return payload.dict(include=set(svc.TERM_FIELDS), exclude_unset=given_only)


@router.get("/agreements", response={200: Page[AidAgreementOut], **_ERRORS}, url_name="emergency_agreements")
def list_agreements(
    request: HttpRequest, filters: Query[AidAgreementFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Vereinbarungen über gegenseitige Hilfe der eigenen Verbünde (nach Verbund, die neueste zuerst)."""
    principal = api_person(request)
    items = svc.visible_agreements(principal)
    if filters.alliance:
        items = items.filter(alliance__slug=filters.alliance)
    if filters.state:
        today = svc.today()
        if filters.state == svc.STATE_FUTURE:
            items = items.filter(valid_from__gt=today)
        elif filters.state == svc.STATE_ENDED:
            items = items.filter(valid_until__lt=today)
        else:
            items = items.filter(valid_from__lte=today).exclude(valid_until__lt=today)
    items = items.order_by("alliance__name", "-valid_from", "-id")
    return paginate_api(items, page, convert=lambda a: _out(principal, a))


@router.get(
    "/agreements/{agreement_id}",
    response={200: AidAgreementOut, **_ONE_ERRORS},
    url_name="emergency_agreement",
)
def get_agreement(request: HttpRequest, agreement_id: ObjectId) -> dict[str, Any]:
    """Eine Vereinbarung mit ihren Bedingungen in Worten."""
    principal = api_person(request)
    return _out(principal, svc.get_agreement(principal, agreement_id))


@router.post(
    "/agreements", response={201: AidAgreementOut, **_WRITE_ERRORS}, url_name="emergency_agreement_create"
)
def create_agreement(request: HttpRequest, payload: AidAgreementIn) -> HttpStatus:
    """Eine Vereinbarung anlegen (Verbundkoordination); kein Zeitraum überschneidet einen anderen."""
    principal = api_person(request)
    alliance = Alliance.objects.filter(slug=payload.alliance).first()
    if alliance is None or not svc.may_see(principal, alliance.pk):
        raise named_refusal(Invalid(fields={"alliance": [_("Keinen solchen Verbund gefunden.")]}))
    values = {**_terms(payload), "valid_from": payload.valid_from, "valid_until": payload.valid_until}
    agreement = _run(lambda: svc.agreement_create(actor=api_user(request), alliance=alliance, values=values))
    return HttpStatus(201, _out(principal, agreement))


@router.put(
    "/agreements/{agreement_id}",
    response={200: AidAgreementOut, **_WRITE_ERRORS},
    url_name="emergency_agreement_update",
)
def update_agreement(
    request: HttpRequest, agreement_id: ObjectId, payload: AidAgreementUpdateIn
) -> dict[str, Any]:
    """Eine noch nicht gültige Vereinbarung ändern (eine in Kraft: 409, bitte neue Fassung)."""
    principal = api_person(request)
    agreement = svc.get_agreement(principal, agreement_id)
    values = {**_terms(payload), "valid_from": payload.valid_from, "valid_until": payload.valid_until}
    updated = _run(lambda: svc.agreement_update(actor=api_user(request), agreement=agreement, values=values))
    return _out(principal, updated)


@router.post(
    "/agreements/{agreement_id}/versions",
    response={201: AidAgreementOut, **_WRITE_ERRORS},
    url_name="emergency_agreement_version",
)
def new_version(request: HttpRequest, agreement_id: ObjectId, payload: AidAgreementVersionIn) -> HttpStatus:
    """Neue Bedingungen ab einem Stichtag: die Vereinbarung endet am Tag davor, die neue Fassung beginnt."""
    principal = api_person(request)
    agreement = svc.get_agreement(principal, agreement_id)
    values: dict[str, Any] = _terms(payload, given_only=True)
    if payload.valid_until is not None:
        values["valid_until"] = payload.valid_until
    created = _run(
        lambda: svc.agreement_new_version(
            actor=api_user(request), agreement=agreement, valid_from=payload.valid_from, values=values
        )
    )
    return HttpStatus(201, _out(principal, created))


@router.post(
    "/agreements/{agreement_id}/end",
    response={200: AidAgreementOut, **_WRITE_ERRORS},
    url_name="emergency_agreement_end",
)
def end_agreement(request: HttpRequest, agreement_id: ObjectId, payload: AidAgreementEndIn) -> dict[str, Any]:
    """Den letzten Tag der Vereinbarung setzen."""
    principal = api_person(request)
    agreement = svc.get_agreement(principal, agreement_id)
    ended = _run(
        lambda: svc.agreement_end(
            actor=api_user(request), agreement=agreement, valid_until=payload.valid_until
        )
    )
    return _out(principal, ended)


@router.delete(
    "/agreements/{agreement_id}",
    response={204: None, **_WRITE_ERRORS},
    url_name="emergency_agreement_delete",
)
def delete_agreement(request: HttpRequest, agreement_id: ObjectId) -> HttpStatus:
    """Eine noch nicht gültige Vereinbarung löschen, auf der keine Abrechnung beruht."""
    principal = api_person(request)
    agreement = svc.get_agreement(principal, agreement_id)
    _run(lambda: svc.agreement_delete(actor=api_user(request), agreement=agreement))
    return HttpStatus(204, None)
