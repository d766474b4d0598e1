"""``/api/v1/security/incidents``: the incidents the caller sees (TLP and distribution applied; one
outside them answers 404 like a missing one), one incident with its NIS2 deadlines, reporting one,
changing it, recording the reports given, and the mutual help (requests, contributions, statement).
Reads of TLP:AMBER and RED incidents go to the read log as on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.alliances.models import Alliance
from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.common.errors import Invalid, NotFound
from verbund.registry.models import Body

from .. import policies
from ..models import HelpRequest, Incident, IncidentStatus, SharingGroup
from ..selectors import get_shared
from ..services import help as help_services
from ..services import incidents as incident_services

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SecurityDeadlineOut(Schema):
    kind: str = Field(description="early_warning (24 h), notification (72 h), final_report (ein Monat)")
    due_at: dt.datetime
    done_at: dt.datetime | None
    state: str = Field(description="due, overdue oder done")


class SecurityIncidentOut(Schema):
    id: int
    title: str
    owner_body: str = Field(description="ARS der meldenden Körperschaft")
    status: str
    started_at: dt.datetime
    detected_at: dt.datetime
    nis2_binding: bool = Field(description="NIS2-Meldepflicht (Kommunalverwaltungen: nein)")
    early_warning_at: dt.datetime | None
    notification_at: dt.datetime | None
    final_report_at: dt.datetime | None
    closed_at: dt.datetime | None
    tlp: str = Field(description="TLP-Stufe: clear, green, amber, amber+strict, red")
    distribution: str
    alliance: str | None = Field(description="Kurzname des Verbunds (Verteilung alliance)")
    sharing_group: int | None

    @staticmethod
    def resolve_owner_body(obj: Incident) -> str:
        return obj.owner_body.ars if obj.owner_body else ""

    @staticmethod
    def resolve_alliance(obj: Incident) -> str | None:
        return obj.alliance.slug if obj.alliance else None

    @staticmethod
    def resolve_sharing_group(obj: Incident) -> int | None:
        return obj.sharing_group_id


class SecurityIncidentDetailOut(SecurityIncidentOut):
    description: str
    deadlines: list[SecurityDeadlineOut]
    assets: list[int] = Field(description="Kennungen der betroffenen Komponenten, die der Aufrufer sieht")

    @staticmethod
    def resolve_deadlines(obj: Incident) -> list[dict[str, Any]]:
        return [
            {"kind": d.kind, "due_at": d.due_at, "done_at": d.done_at, "state": d.state.value}
            for d in incident_services.incident_deadlines(obj)
        ]

    @staticmethod
    def resolve_assets(obj: Incident) -> list[int]:
        return list(getattr(obj, "visible_asset_ids", []))


class SecurityIncidentParams(PageParams):
    q: str = Field("", max_length=200, description="Suche in Kurzbeschreibung und Beschreibung")
    status: str = Field("", description="offen, eingedaemmt, abgeschlossen")


class SecuritySharingIn(Schema):
    tlp: str = Field("amber", description="clear, green, amber, amber+strict, red")
    distribution: str = Field("alliance", description="organisation, alliance, all_alliances, group, all")
    alliance: str | None = Field(None, description="Kurzname des Verbunds")
    sharing_group: DbId | None = None
    advisory_office: bool = False
    recipients: list[DbId] = Field(default_factory=list, description="Benutzerkennungen (nur TLP:RED)")


class SecurityIncidentIn(SecuritySharingIn):
    owner_body: str = Field(description="ARS der meldenden Körperschaft", pattern=r"^\d{12}$")
    title: str = Field(max_length=300)
    description: str = ""
    started_at: dt.datetime
    detected_at: dt.datetime
    nis2_binding: bool = False
    assets: list[DbId] = Field(default_factory=list)


class SecurityIncidentPatch(Schema):
    title: str | None = Field(None, max_length=300)
    description: str | None = None
    started_at: dt.datetime | None = None
    detected_at: dt.datetime | None = None
    status: str | None = None
    nis2_binding: bool | None = None
    assets: list[DbId] | None = None
    tlp: str | None = None
    distribution: str | None = None
    alliance: str | None = None
    sharing_group: DbId | None = None
    advisory_office: bool | None = None
    recipients: list[DbId] | None = None


class SecurityReportIn(Schema):
    kind: str = Field(description="early_warning, notification oder final_report")
    at: dt.datetime | None = Field(description="Zeitpunkt der Abgabe (leer: Eintragung zurücknehmen)")


class SecurityContributionOut(Schema):
    id: int
    helper_body: str
    people: int
    hours: Decimal
    hourly_rate: Decimal
    costs: Decimal
    note: str

    @staticmethod
    def resolve_helper_body(obj: Any) -> str:
        return str(obj.helper_body.ars)


class SecurityHelpRequestOut(Schema):
    id: int
    incident: int
    alliance: str
    needed: str
    people: int
    devices: str
    hours: Decimal
    status: str
    contributions: list[SecurityContributionOut]

    @staticmethod
    def resolve_incident(obj: HelpRequest) -> int:
        return obj.incident_id

    @staticmethod
    def resolve_alliance(obj: HelpRequest) -> str:
        return obj.alliance.slug

    @staticmethod
    def resolve_contributions(obj: HelpRequest) -> list[Any]:
        return list(obj.contributions.select_related("helper_body").order_by("pk"))


class SecurityHelpRequestIn(Schema):
    alliance: str = Field(description="Kurzname des Verbunds")
    needed: str = Field(max_length=5000)
    people: int = Field(0, ge=0)
    devices: str = Field("", max_length=500)
    hours: Decimal = Field(Decimal(0), ge=0, max_digits=8, decimal_places=2)


class SecurityContributionIn(Schema):
    helper_body: str = Field(description="ARS der helfenden Körperschaft", pattern=r"^\d{12}$")
    people: int = Field(1, ge=0)
    hours: Decimal = Field(ge=0, max_digits=8, decimal_places=2)
    hourly_rate: Decimal = Field(ge=0, max_digits=8, decimal_places=2)
    costs: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    note: str = Field("", max_length=1000)
    confirmed: bool = Field(False, description="Den berechneten Betrag bestätigen (sonst 409 mit dem Betrag)")


class SecurityStatementLineOut(Schema):
    helper_body: str
    hours: Decimal
    hourly_rate: Decimal
    labour: Decimal
    costs: Decimal
    claim: Decimal


class SecurityStatementOut(Schema):
    help_request: int
    payer: str = Field(description="Name der zahlenden (um Hilfe bittenden) Körperschaft")
    lines: list[SecurityStatementLineOut]
    hours: Decimal
    labour: Decimal
    costs: Decimal
    total: Decimal


# --- lookups -------------------------------------------------------------------------------------------


def _incident(request: HttpRequest, incident_id: int, purpose: str) -> Incident:
    principal = api_person(request)
    incident: Incident = get_shared(
        Incident.objects.select_related("owner_body", "alliance"),
        principal,
        actor=api_user(request),
        purpose=purpose,
        pk=incident_id,
    )
    incident.visible_asset_ids = list(  # type: ignore[attr-defined]
        incident.assets.filter(policies.visibility_filter(principal, incident.assets.model)).values_list(
            "pk", flat=True
        )
    )
    return incident


def _body(ars: str, field: str) -> Body:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Invalid(fields={field: ["Unbekannte Körperschaft."]})
    return body


def _alliance(slug: str | None, field: str = "alliance") -> Alliance | None:
    if not slug:
        return None
    alliance = Alliance.objects.filter(slug=slug).first()
    if alliance is None:
        raise Invalid(fields={field: ["Unbekannter Verbund."]})
    return alliance


def _group(group_id: int | None) -> SharingGroup | None:
    if group_id is None:
        return None
    group = SharingGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise Invalid(fields={"sharing_group": ["Unbekannte Teilungsgruppe."]})
    return group


def _help_request(request: HttpRequest, incident: Incident, request_id: int) -> HelpRequest:
    help_request = (
        HelpRequest.objects.select_related("incident", "incident__owner_body", "alliance")
        .filter(incident=incident, pk=request_id)
        .first()
    )
    if help_request is None:
        raise NotFound()
    return help_request


# --- incidents -------------------------------------------------------------------------------------------


@router.get("", response={200: Page[SecurityIncidentOut], **_ERRORS}, summary="Sicherheitsvorfälle")
def incident_list(request: HttpRequest, params: Query[SecurityIncidentParams]) -> Any:
    """Die Vorfälle, die an den Aufrufer gehen dürfen, zuletzt bemerkte zuerst."""
    principal = api_person(request)
    incidents = Incident.objects.visible_to(principal).select_related("owner_body", "alliance")
    if params.q:
        incidents = incidents.filter(Q(title__icontains=params.q) | Q(description__icontains=params.q))
    if params.status:
        incidents = incidents.filter(status=params.status)
    return paginate(incidents.order_by("-detected_at", "-id"), params)


@router.post("", response={201: SecurityIncidentDetailOut, **_WRITE_ERRORS}, summary="Vorfall melden")
def incident_create(request: HttpRequest, data: SecurityIncidentIn) -> Any:
    user = api_user(request)
    incident = incident_services.incident_create(
        actor=user,
        owner_body=_body(data.owner_body, "owner_body"),
        title=data.title,
        description=data.description,
        started_at=data.started_at,
        detected_at=data.detected_at,
        nis2_binding=data.nis2_binding,
        assets=data.assets,
        tlp=data.tlp,
        distribution=data.distribution,
        alliance=_alliance(data.alliance),
        sharing_group=_group(data.sharing_group),
        advisory_office=data.advisory_office,
        recipients=data.recipients,
    )
    return 201, _incident(request, incident.pk, "API: Vorfall gemeldet")


@router.get("/{incident_id}", response={200: SecurityIncidentDetailOut, **_ERRORS}, summary="Ein Vorfall")
def incident_detail(request: HttpRequest, incident_id: ObjectId) -> Any:
    return _incident(request, incident_id, "API: Vorfall")


@router.patch(
    "/{incident_id}", response={200: SecurityIncidentDetailOut, **_WRITE_ERRORS}, summary="Vorfall ändern"
)
def incident_update(request: HttpRequest, incident_id: ObjectId, data: SecurityIncidentPatch) -> Any:
    incident = _incident(request, incident_id, "API: Vorfall geändert")
    fields = data.dict(exclude_unset=True)
    assets = fields.pop("assets", None)
    if "alliance" in fields:
        fields["alliance"] = _alliance(fields["alliance"])
    if "sharing_group" in fields:
        fields["sharing_group"] = _group(fields["sharing_group"])
    if "status" in fields and fields["status"] not in IncidentStatus.values:
        raise Invalid(fields={"status": ["Unbekannter Stand."]})
    for name in ("title", "started_at", "detected_at", "status", "nis2_binding", "tlp", "distribution"):
        if name in fields and fields[name] is None:
            raise Invalid(fields={name: ["Dieser Wert darf nicht leer sein."]})
    incident_services.incident_update(actor=api_user(request), incident=incident, assets=assets, **fields)
    return _incident(request, incident_id, "API: Vorfall geändert")


@router.post(
    "/{incident_id}/reports",
    response={200: SecurityIncidentDetailOut, **_WRITE_ERRORS},
    summary="Meldung eintragen",
)
def incident_report(request: HttpRequest, incident_id: ObjectId, data: SecurityReportIn) -> Any:
    incident = _incident(request, incident_id, "API: Meldung eingetragen")
    incident_services.incident_report(actor=api_user(request), incident=incident, kind=data.kind, at=data.at)
    return _incident(request, incident_id, "API: Meldung eingetragen")


# --- mutual help -----------------------------------------------------------------------------------------


@router.get(
    "/{incident_id}/help-requests",
    response={200: list[SecurityHelpRequestOut], **_ERRORS},
    summary="Hilfeersuchen",
)
def help_request_list(request: HttpRequest, incident_id: ObjectId) -> Any:
    incident = _incident(request, incident_id, "API: Hilfeersuchen")
    return list(incident.help_requests.select_related("alliance").order_by("pk"))


@router.post(
    "/{incident_id}/help-requests",
    response={201: SecurityHelpRequestOut, **_WRITE_ERRORS},
    summary="Verbund um Hilfe bitten",
)
def help_request_create(request: HttpRequest, incident_id: ObjectId, data: SecurityHelpRequestIn) -> Any:
    incident = _incident(request, incident_id, "API: Hilfeersuchen angelegt")
    alliance = _alliance(data.alliance)
    assert alliance is not None
    created = help_services.help_request_create(
        actor=api_user(request),
        incident=incident,
        alliance=alliance,
        needed=data.needed,
        people=data.people,
        devices=data.devices,
        hours=data.hours,
    )
    return 201, created


@router.post(
    "/{incident_id}/help-requests/{request_id}/contributions",
    response={201: SecurityContributionOut, **_WRITE_ERRORS},
    summary="Hilfeleistung eintragen",
)
def contribution_create(
    request: HttpRequest, incident_id: ObjectId, request_id: ObjectId, data: SecurityContributionIn
) -> Any:
    incident = _incident(request, incident_id, "API: Hilfeleistung")
    help_request = _help_request(request, incident, request_id)
    contribution = help_services.help_contribution_record(
        actor=api_user(request),
        request=help_request,
        helper_body=_body(data.helper_body, "helper_body"),
        hours=data.hours,
        hourly_rate=data.hourly_rate,
        costs=data.costs,
        people=data.people,
        note=data.note,
        confirmed=data.confirmed,
    )
    return 201, contribution


def _statement_out(statement: help_services.Statement) -> dict[str, Any]:
    return {
        "help_request": statement.request.pk,
        "payer": statement.payer_name,
        "lines": [
            {
                "helper_body": line.helper_ars,
                "hours": line.hours,
                "hourly_rate": line.hourly_rate,
                "labour": line.labour,
                "costs": line.costs,
                "claim": line.claim,
            }
            for line in statement.lines
        ],
        "hours": statement.hours,
        "labour": statement.labour,
        "costs": statement.costs,
        "total": statement.total,
    }


@router.get(
    "/{incident_id}/help-requests/{request_id}/statement",
    response={200: SecurityStatementOut, **_ERRORS},
    summary="Abrechnung der Hilfe",
)
def help_statement(request: HttpRequest, incident_id: ObjectId, request_id: ObjectId) -> Any:
    incident = _incident(request, incident_id, "API: Abrechnung der Hilfe")
    return _statement_out(help_services.help_statement(_help_request(request, incident, request_id)))


@router.post(
    "/{incident_id}/help-requests/{request_id}/settle",
    response={200: SecurityStatementOut, **_WRITE_ERRORS},
    summary="Hilfe abrechnen (bestätigt)",
)
def help_settle(
    request: HttpRequest, incident_id: ObjectId, request_id: ObjectId, confirmed: bool = False
) -> Any:
    incident = _incident(request, incident_id, "API: Hilfe abgerechnet")
    statement = help_services.help_settle(
        actor=api_user(request), request=_help_request(request, incident, request_id), confirmed=confirmed
    )
    return _statement_out(statement)
