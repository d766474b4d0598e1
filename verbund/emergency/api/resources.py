"""``/api/v1/emergency``: the resource pool and mutual aid — ``/resources``, ``/requests``,
``/requests/{id}/offers``, ``/requests/{id}/commitments`` and ``/commitments/{id}/handover|return|cancel``.

Same rules as the pages (:mod:`verbund.emergency.services.resources`, which audits every change and
writes the steps of a request with an event to the event's log): everybody working for a body reads
the pool and the requests (others 403); a body's staff and heads list its resources and ask for help;
the lender's people commit (never more than is free in the request's window: else 409
``not_enough_free``); the lender's and the requester's people record handover, return and cancel.
Bodies are named by their 12-digit ARS. The event of a request is named only to members of its staff.
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

from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, choices_enum
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body

from ..models import AidPriority, AidRequest, AidStatus, Commitment, Event, Resource, ResourceCategory
from ..policies import acts_for_body
from ..services import resources as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 404: ErrorOut, 409: ErrorOut}

ARS_PATTERN = r"^\d{12}$"
CategoryIn = choices_enum("EmergencyResourceCategory", ResourceCategory, "Kategorie der Ressource")
PriorityIn = choices_enum("EmergencyAidPriority", AidPriority, "dringend, hoch oder normal")
StatusIn = choices_enum("EmergencyAidStatus", AidStatus, "Stand des Hilfeersuchens")


class EmergencyBody(Schema):
    ars: str
    name: str


class EmergencyResourceOut(Schema):
    id: int
    owner_body: EmergencyBody
    category: str = Field(
        description="fahrzeug, stromerzeuger, pumpe, sandsaecke, it, personal, unterkunft, sonstiges"
    )
    symbol: str = Field(description="Taktisches Zeichen <gruppe>/<id>, z. B. fachaufgaben/pumpen")
    own_type: str
    name: str
    quantity: int
    unit: str
    qualifications: str
    location: str
    latitude: float | None
    longitude: float | None
    available_from: dt.datetime | None
    available_until: dt.datetime | None
    conditions: str
    hourly_rate: Decimal | None
    daily_rate: Decimal | None
    consumable: bool
    unit_cost: Decimal | None
    active: bool
    may_change: bool = Field(description="die anfragende Person darf die Ressource ändern und verleihen")


class EmergencyResourceIn(Schema):
    """A resource; without coordinates the body's centroid, without a window always available."""

    body: str = Field(pattern=ARS_PATTERN, description="ARS der verleihenden Körperschaft")
    category: CategoryIn  # type: ignore[valid-type]
    symbol: str = Field("", max_length=100, description="Taktisches Zeichen <gruppe>/<id>")
    own_type: str = Field("", max_length=200)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(1, ge=1, le=1_000_000)
    unit: str = Field("Stück", max_length=30)
    qualifications: str = Field("", max_length=500)
    location: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    available_from: dt.datetime | None = None
    available_until: dt.datetime | None = None
    conditions: str = Field("", max_length=5000)
    hourly_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    daily_rate: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    consumable: bool = False
    unit_cost: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


class EmergencyResourceFilter(Schema):
    category: CategoryIn | None = None  # type: ignore[valid-type]
    symbol: str | None = Field(None, max_length=100)
    body: str | None = Field(None, pattern=ARS_PATTERN, description="ARS der Körperschaft")
    inactive: bool = Field(False, description="auch Ressourcen, die nicht mehr im Pool sind")


class EmergencyAidRequestOut(Schema):
    id: int
    requesting_body: EmergencyBody
    event_id: int | None = Field(description="die Lage (nur für Mitglieder ihres Stabes, sonst leer)")
    category: str
    symbol: str
    description: str
    quantity: int
    committed: int = Field(description="zugesagte Einheiten (ohne stornierte)")
    place: str
    latitude: float
    longitude: float
    needed_from: dt.datetime
    needed_until: dt.datetime
    priority: str
    status: str = Field(description="offen, teilweise, zugesagt, erfuellt oder zurueckgezogen")
    created_at: dt.datetime


class EmergencyAidRequestIn(Schema):
    """A request for help; without place and coordinates the body's name and centroid."""

    body: str = Field(pattern=ARS_PATTERN, description="ARS der anfragenden Körperschaft")
    category: CategoryIn  # type: ignore[valid-type]
    symbol: str = Field("", max_length=100)
    description: str = Field(min_length=1, max_length=5000)
    quantity: int = Field(ge=1, le=1_000_000)
    place: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    needed_from: dt.datetime
    needed_until: dt.datetime
    priority: PriorityIn = Field(AidPriority.NORMAL)  # type: ignore[valid-type]
    event_id: DbId | None = Field(None, description="die Lage (nur Mitglieder ihres Stabes)")


class EmergencyAidRequestFilter(Schema):
    status: StatusIn | None = None  # type: ignore[valid-type]
    category: CategoryIn | None = None  # type: ignore[valid-type]


class EmergencyOfferOut(Schema):
    rank: int
    resource: EmergencyResourceOut
    free: int = Field(description="im Zeitraum freie Einheiten")
    usable: int = Field(description="davon für das Ersuchen nutzbar (höchstens was noch fehlt)")
    air_km: float | None = Field(description="Luftlinie in km (leer: Standort unbekannt)")
    road_km: float | None = Field(description="geschätzte Straßenentfernung (Luftlinie × 1,3)")
    minutes: float | None = Field(description="geschätzte Fahrzeit in Minuten (60 km/h)")
    cost: float = Field(description="geschätzte Kosten für den Zeitraum nach den Sätzen der Ressource (EUR)")
    explanation: str = Field(description="warum das Angebot diesen Platz hat")


class EmergencyCommitmentOut(Schema):
    id: int
    request_id: int
    resource_id: int
    lender: EmergencyBody
    quantity: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str = Field(description="zugesagt, uebergeben, zurueck oder storniert")
    committed_at: dt.datetime
    handed_over_at: dt.datetime | None
    condition_out: str
    returned_at: dt.datetime | None
    condition_back: str
    returned_quantity: int | None
    hours: Decimal | None


class EmergencyCommitIn(Schema):
    resource_id: DbId
    quantity: int = Field(ge=1, le=1_000_000)


class EmergencyHandoverIn(Schema):
    at: dt.datetime | None = Field(None, description="Zeitpunkt der Übergabe (leer: jetzt)")
    condition: str = Field("", max_length=500)


class EmergencyReturnIn(Schema):
    at: dt.datetime | None = Field(None, description="Zeitpunkt der Rückgabe (leer: jetzt)")
    condition: str = Field("", max_length=500)
    quantity: int | None = Field(None, ge=0, le=1_000_000, description="zurückgegeben (leer: alle)")
    hours: Decimal | None = Field(
        None, ge=0, max_digits=10, decimal_places=2, description="Stunden (Personal)"
    )


# --- conversion ----------------------------------------------------------------------------------


def _body(body: Body) -> dict[str, str]:
    return {"ars": body.ars, "name": body.name}


def _resource(principal: Principal, r: Resource) -> dict[str, Any]:
    values = {name: getattr(r, name) for name in svc.RESOURCE_FIELDS}
    return {
        **values,
        "id": r.pk,
        "owner_body": _body(r.owner_body),
        "may_change": acts_for_body(principal, r.owner_body_id),
    }


def _request(principal: Principal, r: AidRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "requesting_body": _body(r.requesting_body),
        "event_id": r.event_id if svc.event_visible(principal, r.event) else None,
        "category": r.category,
        "symbol": r.symbol,
        "description": r.description,
        "quantity": r.quantity,
        "committed": svc.committed_quantity(r),
        "place": r.place,
        "latitude": r.latitude,
        "longitude": r.longitude,
        "needed_from": r.needed_from,
        "needed_until": r.needed_until,
        "priority": r.priority,
        "status": r.status,
        "created_at": r.created_at,
    }


def _commitment(c: Commitment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "request_id": c.request_id,
        "resource_id": c.resource_id,
        "lender": _body(c.resource.owner_body),
        "quantity": c.quantity,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "status": c.status,
        "committed_at": c.committed_at,
        "handed_over_at": c.handed_over_at,
        "condition_out": c.condition_out,
        "returned_at": c.returned_at,
        "condition_back": c.condition_back,
        "returned_quantity": c.returned_quantity,
        "hours": c.hours,
    }


def _body_by_ars(ars: str, field: str = "body") -> Body:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Invalid(fields={field: [_("Keine Körperschaft mit diesem ARS.")]})
    return body


# --- resources -----------------------------------------------------------------------------------


@router.get(
    "/resources", response={200: Page[EmergencyResourceOut], **_ERRORS}, url_name="emergency_resources"
)
def list_resources(
    request: HttpRequest, filters: Query[EmergencyResourceFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Der Ressourcenpool aller Körperschaften (nach Körperschaft, Kategorie, Bezeichnung)."""
    principal = api_person(request)
    items = svc.visible_resources(principal)
    if not filters.inactive:
        items = items.filter(active=True)
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.symbol:
        items = items.filter(symbol=filters.symbol)
    if filters.body:
        items = items.filter(owner_body__ars=filters.body)
    items = items.order_by("owner_body__name", "category", "name", "id")
    return paginate_api(items, page, convert=lambda r: _resource(principal, r))


@router.post(
    "/resources", response={201: EmergencyResourceOut, **_WRITE_ERRORS}, url_name="emergency_resource_create"
)
def create_resource(request: HttpRequest, payload: EmergencyResourceIn) -> HttpStatus:
    """Eine Ressource in den Pool stellen (Standort ohne Angabe: Schwerpunkt der Körperschaft)."""
    principal = api_person(request)
    svc.visible_resources(principal)
    values = payload.dict(exclude={"body"})
    values["category"] = str(payload.category)
    resource = svc.resource_create(
        actor=api_user(request), owner_body=_body_by_ars(payload.body), values=values
    )
    return HttpStatus(201, _resource(principal, resource))


# --- requests ------------------------------------------------------------------------------------


@router.get(
    "/requests", response={200: Page[EmergencyAidRequestOut], **_ERRORS}, url_name="emergency_aid_requests"
)
def list_requests(
    request: HttpRequest, filters: Query[EmergencyAidRequestFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Hilfeersuchen, die neuesten zuerst."""
    principal = api_person(request)
    items = svc.visible_requests(principal).select_related("event")
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.category:
        items = items.filter(category=filters.category)
    return paginate_api(items.order_by("-created_at", "-id"), page, convert=lambda r: _request(principal, r))


@router.post(
    "/requests",
    response={201: EmergencyAidRequestOut, **_WRITE_ERRORS},
    url_name="emergency_aid_request_create",
)
def create_request(request: HttpRequest, payload: EmergencyAidRequestIn) -> HttpStatus:
    """Hilfe anfordern."""
    principal = api_person(request)
    svc.visible_requests(principal)
    event = None
    if payload.event_id is not None:
        event = Event.objects.filter(pk=payload.event_id).first()
        if event is None:
            raise NotFound()
    aid_request = svc.request_create(
        actor=api_user(request),
        body=_body_by_ars(payload.body),
        category=str(payload.category),
        symbol=payload.symbol,
        description=payload.description,
        quantity=payload.quantity,
        place=payload.place,
        latitude=payload.latitude,
        longitude=payload.longitude,
        needed_from=payload.needed_from,
        needed_until=payload.needed_until,
        priority=str(payload.priority),
        event=event,
    )
    return HttpStatus(201, _request(principal, aid_request))


@router.get(
    "/requests/{request_id}/offers",
    response={200: list[EmergencyOfferOut], **_ERRORS, 404: ErrorOut},
    url_name="emergency_aid_request_offers",
)
def request_offers(request: HttpRequest, request_id: ObjectId) -> list[dict[str, Any]]:
    """Die passenden Angebote des Pools, gereiht nach Fahrzeit, Verfügbarkeit und Kosten (höchstens 20)."""
    principal = api_person(request)
    aid_request = svc.get_request(principal, request_id)
    return [
        {
            "rank": o.ranked.rank,
            "resource": _resource(principal, o.resource),
            "free": o.ranked.free,
            "usable": o.ranked.usable,
            "air_km": o.ranked.air_km,
            "road_km": o.ranked.road_km,
            "minutes": o.ranked.minutes,
            "cost": round(o.ranked.cost, 2),
            "explanation": o.explanation,
        }
        for o in svc.ranked_offers(principal, aid_request)
    ]


@router.post(
    "/requests/{request_id}/commitments",
    response={201: EmergencyCommitmentOut, **_WRITE_ERRORS},
    url_name="emergency_aid_commit",
)
def commit(request: HttpRequest, request_id: ObjectId, payload: EmergencyCommitIn) -> HttpStatus:
    """Hilfe zusagen: Einheiten einer Ressource der eigenen Körperschaft für den Zeitraum des Ersuchens."""
    principal = api_person(request)
    aid_request = svc.get_request(principal, request_id)
    resource = Resource.objects.filter(pk=payload.resource_id).first()
    if resource is None:
        raise Invalid(fields={"resource_id": [_("Diese Ressource gibt es nicht.")]})
    commitment = svc.commit(
        actor=api_user(request), aid_request=aid_request, resource=resource, quantity=payload.quantity
    )
    commitment.resource = resource
    return HttpStatus(201, _commitment(commitment))


@router.post(
    "/commitments/{commitment_id}/handover",
    response={200: EmergencyCommitmentOut, **_WRITE_ERRORS},
    url_name="emergency_aid_handover",
)
def handover(request: HttpRequest, commitment_id: ObjectId, payload: EmergencyHandoverIn) -> dict[str, Any]:
    """Die Übergabe eintragen (Zeitpunkt, Zustand)."""
    commitment = svc.get_commitment(api_person(request), commitment_id)
    done = svc.handover(
        actor=api_user(request), commitment=commitment, at=payload.at, condition=payload.condition
    )
    return _commitment(done)


@router.post(
    "/commitments/{commitment_id}/return",
    response={200: EmergencyCommitmentOut, **_WRITE_ERRORS},
    url_name="emergency_aid_return",
)
def return_(request: HttpRequest, commitment_id: ObjectId, payload: EmergencyReturnIn) -> dict[str, Any]:
    """Die Rückgabe eintragen (Zeitpunkt, Zustand, Anzahl, bei Personal die Stunden)."""
    commitment = svc.get_commitment(api_person(request), commitment_id)
    done = svc.return_(
        actor=api_user(request),
        commitment=commitment,
        at=payload.at,
        condition=payload.condition,
        quantity=payload.quantity,
        hours=payload.hours,
    )
    return _commitment(done)


@router.post(
    "/commitments/{commitment_id}/cancel",
    response={200: EmergencyCommitmentOut, **_WRITE_ERRORS},
    url_name="emergency_aid_commitment_cancel",
)
def cancel(request: HttpRequest, commitment_id: ObjectId) -> dict[str, Any]:
    """Eine noch nicht übergebene Zusage stornieren."""
    commitment = svc.get_commitment(api_person(request), commitment_id)
    return _commitment(svc.commitment_cancel(actor=api_user(request), commitment=commitment))
