"""``/api/v1/shared-services``: services, allocation keys, cost plans, volumes and settlements.

Same rules as the pages (:mod:`verbund.shared_services.access`): a service the caller may not see
answers 404 like one that does not exist; a write the caller may see but not make answers 403; a
rule that refuses it answers 422 (invalid input, a key that does not add up, missing figures) or
409 (a finalized settlement, inputs changed since the draft was computed) with the German reason in
``{"detail", "code"}``. Members get their own lines and volumes and the totals, not the other
members' figures. Money is a decimal string with two places.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from verbund.alliances.access import access_alliance
from verbund.common.api import ErrorOut
from verbund.common.errors import DomainError
from verbund.registry.models import Body

from . import allocation, services
from .access import access_service, access_settlement, permissions, require
from .calculation import preview
from .models import CostItem, ServiceRecipient, Settlement, SharedService, Task
from .selectors import (
    cost_plan_view,
    key_description,
    recipients_history,
    service_list,
    settlement_diff,
    settlement_lines,
    settlement_versions,
    volume_rows,
)

router = Router()

ARS_PATTERN = r"^[0-9]{12}$"
Money = Decimal
PlanKindIn = Literal["plan", "actual"]
SettlementKindIn = Literal["advance", "final"]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- schemas ----------------------------------------------------------------------------------------


class TaskOut(Schema):
    slug: str
    name: str
    volume_unit: str
    volume_unit_label: str
    holder_kinds: list[str]


class TaskPage(Schema):
    items: list[TaskOut]
    count: int


class KeyTypeOut(Schema):
    type: str
    label: str
    help: str
    fields: list[str]


class KeyTypePage(Schema):
    items: list[KeyTypeOut]
    count: int


class BodyRef(Schema):
    ars: str
    name: str


class ServiceItem(Schema):
    id: int
    name: str
    alliance: str = Field(description="Kürzel des Verbunds")
    task: str = Field(description="Kürzel der Aufgabe")
    task_name: str
    provider: BodyRef
    recipient_count: int = Field(description="aktuelle Empfänger")
    key_description: str
    url: str


class ServicePage(Schema):
    items: list[ServiceItem]
    count: int


class RecipientOut(Schema):
    ars: str
    name: str
    from_date: dt.date
    until_date: dt.date | None


class PermissionsOut(Schema):
    manage: bool = Field(description="Schlüssel, Empfänger, Abschluss (Verbundkoordination)")
    maintain: bool = Field(description="Kosten und Mengen (erbringende Körperschaft)")
    sees_all_lines: bool


class ServiceDetail(ServiceItem):
    description: str
    allocation_key: dict[str, Any]
    legal_basis: str | None
    legal_basis_note: str
    advance_instalments: int
    start_date: dt.date
    end_date: dt.date | None
    recipients: list[RecipientOut]
    permissions: PermissionsOut


class ServiceIn(Schema):
    alliance: str = Field(description="Kürzel des Verbunds")
    task: str = Field(description="Kürzel der Aufgabe (siehe /tasks)")
    provider: str = Field(pattern=ARS_PATTERN, description="ARS der erbringenden Körperschaft")
    name: str = Field(min_length=3, max_length=200)
    description: str = ""
    start_date: dt.date
    allocation_key: dict[str, Any] = Field(default_factory=lambda: {"type": "equal"})
    advance_instalments: Literal[1, 2, 4, 12] = 4
    recipients: list[str] = Field(default_factory=list, description="ARS der Empfänger ab Beginn")


class KeyIn(Schema):
    config: dict[str, Any] = Field(description="Schlüssel als JSON, z. B. {'type': 'population'}")


class PreviewIn(KeyIn):
    year: int = Field(ge=2000, le=2100)
    total: Money | None = Field(None, ge=0, description="Betrag; ohne: Plankosten des Jahres")


class ShareOut(Schema):
    ars: str
    name: str
    share: Money


class PreviewOut(Schema):
    description: str
    total: Money
    is_charge: bool
    shares: list[ShareOut]
    notes: list[str]


class RecipientIn(Schema):
    ars: str = Field(pattern=ARS_PATTERN)
    from_date: dt.date


class CostItemOut(Schema):
    id: int
    category: str
    category_label: str
    description: str
    fte: Money | None
    pay_grade: str
    amount: Money | None = Field(description="Betrag; bei Personal und Gemeinkosten berechnet")
    percent: Money | None
    rate: Money | None = Field(description="Personalkostensatz je Vollzeitstelle")


class CostTotalsOut(Schema):
    staff: Money
    overhead: Money
    material: Money
    it: Money
    other: Money
    gross: Money
    revenue: Money
    net: Money
    shared: Money
    surplus: Money


class CostPlanOut(Schema):
    year: int
    kind: str
    is_example: bool
    note: str
    rate_year: int | None = Field(description="Jahr der verwendeten Personalkostensätze")
    items: list[CostItemOut]
    totals: CostTotalsOut | None
    error: str


class CostItemIn(Schema):
    category: Literal["staff", "material", "it", "other", "overhead", "revenue"]
    description: str = Field(min_length=1, max_length=200)
    fte: Money | None = Field(None, ge=0, description="Stellenanteil (Personal)")
    pay_grade: str = Field("", max_length=10, description="z. B. E9a, A11 (Personal)")
    amount: Money | None = Field(None, ge=0)
    percent: Money | None = Field(None, ge=0, le=1000, description="Gemeinkosten in % der Personalkosten")


class VolumeOut(Schema):
    id: int
    ars: str
    name: str
    period_start: dt.date
    period_end: dt.date
    quantity: Money
    note: str
    source: str


class VolumePage(Schema):
    items: list[VolumeOut]
    count: int
    total: Money = Field(description="Summe aller Mitglieder im Jahr")
    hidden: int = Field(description="Einträge anderer Mitglieder, die nicht angezeigt werden")


class VolumeIn(Schema):
    ars: str = Field(pattern=ARS_PATTERN)
    period_start: dt.date
    period_end: dt.date
    quantity: Money = Field(ge=0)
    note: str = Field("", max_length=200)


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class SettlementItem(Schema):
    id: int
    service_id: int
    year: int
    kind: str
    kind_label: str
    version: int
    status: str
    status_label: str
    net_cost: Money
    total: Money
    key_description: str
    computed_at: dt.datetime | None
    finalized_at: dt.datetime | None
    previous_id: int | None
    reason: str
    url: str


class SettlementPage(Schema):
    items: list[SettlementItem]
    count: int


class DiffOut(Schema):
    ars: str
    name: str
    before: Money | None
    after: Money | None
    difference: Money


class SettlementDetail(SettlementItem):
    notes: list[str]
    cost_totals: dict[str, str]
    basis_totals: dict[str, Any]
    differences: list[DiffOut] = Field(description="Nur bei Korrekturen: Anteile vorher und nachher")


class ComponentOut(Schema):
    label: str
    amount: Money
    basis: str | None
    basis_total: str | None


class LineOut(Schema):
    ars: str
    name: str
    days: int
    population: int | None
    population_date: dt.date | None
    population_source: str
    volume: Money | None
    share: Money
    advance_paid: Money
    balance: Money
    components: list[ComponentOut]
    instalments: list[dict[str, str]]
    standalone_cost: Money | None = Field(description="Kosten allein (Schätzung nach Kostenmodell)")
    saving: Money | None


class LinePage(Schema):
    items: list[LineOut]
    count: int
    total: Money = Field(description="Summe aller Anteile")


class ComputeIn(Schema):
    year: int = Field(ge=2000, le=2100)
    kind: SettlementKindIn


class CorrectionIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


# --- serialisation ----------------------------------------------------------------------------------


def _service_item(service: SharedService) -> dict[str, Any]:
    description = key_description(service)
    recipient_count = getattr(service, "recipient_count", None)
    if recipient_count is None:
        recipient_count = ServiceRecipient.objects.current().filter(service=service).count()
    return {
        "id": service.pk,
        "name": service.name,
        "alliance": service.alliance.slug,
        "task": service.task.slug,
        "task_name": service.task.name,
        "provider": {"ars": service.provider.ars, "name": service.provider.name},
        "recipient_count": recipient_count,
        "key_description": description,
        "url": f"/api/v1/shared-services/{service.pk}",
    }


def _settlement_item(s: Settlement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "service_id": s.service_id,
        "year": s.year,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "version": s.version,
        "status": s.status,
        "status_label": s.get_status_display(),
        "net_cost": s.net_cost,
        "total": s.total,
        "key_description": s.key_description,
        "computed_at": s.computed_at,
        "finalized_at": s.finalized_at,
        "previous_id": s.previous_id,
        "reason": s.reason,
        "url": f"/api/v1/shared-services/settlements/{s.pk}",
    }


def _body(ars: str, user: Any) -> Body:
    return get_object_or_404(Body.objects.visible_to(user), ars=ars)


# --- catalogue --------------------------------------------------------------------------------------


@router.get("/tasks", response=TaskPage, url_name="shared_service_tasks", summary="Aufgabenkatalog")
def list_tasks(request: HttpRequest) -> dict[str, Any]:
    """Aufgaben, die eine Körperschaft für andere erfüllen kann, mit ihrer Mengeneinheit."""
    items = [
        {
            "slug": t.slug,
            "name": t.name,
            "volume_unit": t.volume_unit,
            "volume_unit_label": t.volume_unit_label,
            "holder_kinds": list(t.holder_kinds),
        }
        for t in Task.objects.order_by("sort_order", "name")
    ]
    return {"items": items, "count": len(items)}


@router.get("/keys", response=KeyTypePage, url_name="shared_service_keys", summary="Verteilungsschlüssel")
def list_key_types(request: HttpRequest) -> dict[str, Any]:
    """Die verfügbaren Schlüsseltypen (Plugins) mit ihren Angaben."""
    items = allocation.key_types()
    return {"items": items, "count": len(items)}


# --- services ---------------------------------------------------------------------------------------


@router.get("", response=ServicePage, url_name="shared_service_list", summary="Geteilte Dienste")
def list_services(
    request: HttpRequest, alliance: str | None = Query(None, description="Kürzel eines Verbunds")
) -> dict[str, Any]:
    """Die Dienste, die die anfragende Person sehen darf (anonym: keine)."""
    user = _user(request)
    qs = service_list(
        user, alliance=access_alliance(user, alliance) if alliance else None, with_recipients=True
    )
    items = [_service_item(s) for s in qs]
    return {"items": items, "count": len(items)}


@router.post(
    "",
    response={201: ServiceDetail, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_create",
    summary="Dienst anlegen",
)
def create_service(request: HttpRequest, payload: ServiceIn) -> HttpStatus[dict[str, Any]]:
    """Nur die Verbundkoordination. Erbringer und Empfänger müssen aktuelle Mitglieder sein."""
    user = _user(request)
    alliance = access_alliance(user, payload.alliance, for_change=True)
    task = get_object_or_404(Task, slug=payload.task)
    service = services.service_create(
        acting_user=user,
        alliance=alliance,
        task=task,
        provider=_body(payload.provider, user),
        name=payload.name,
        description=payload.description,
        start_date=payload.start_date,
        allocation_key=payload.allocation_key,
        advance_instalments=payload.advance_instalments,
        recipients=[_body(ars, user) for ars in payload.recipients],
    )
    return HttpStatus(201, _service_detail(user, access_service(user, service.pk)))


def _service_detail(user: Any, service: SharedService) -> dict[str, Any]:
    perms = permissions(user, service)
    legal = service.legal_basis
    return {
        **_service_item(service),
        "description": service.description,
        "allocation_key": service.allocation_key,
        "legal_basis": f"{legal.title} (Fassung {legal.version})" if legal else None,
        "legal_basis_note": service.legal_basis_note,
        "advance_instalments": service.advance_instalments,
        "start_date": service.start_date,
        "end_date": service.end_date,
        "recipients": [
            {"ars": r.body.ars, "name": r.body.name, "from_date": r.from_date, "until_date": r.until_date}
            for r in recipients_history(service)
        ],
        "permissions": {
            "manage": perms.manages,
            "maintain": perms.maintains,
            "sees_all_lines": perms.sees_all_lines,
        },
    }


@router.get(
    "/{int:service_id}",
    response={200: ServiceDetail, 404: ErrorOut},
    url_name="shared_service_detail",
    summary="Ein Dienst",
)
def get_service(request: HttpRequest, service_id: int) -> dict[str, Any]:
    user = _user(request)
    return _service_detail(user, access_service(user, service_id))


@router.put(
    "/{int:service_id}/key",
    response={200: ServiceDetail, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_key",
    summary="Verteilungsschlüssel festlegen",
)
def put_key(request: HttpRequest, service_id: int, payload: KeyIn) -> dict[str, Any]:
    """Nur die Verbundkoordination; der Schlüssel wird geprüft und normalisiert gespeichert."""
    user = _user(request)
    service = access_service(user, service_id, need="manage")
    services.service_set_key(acting_user=user, service=service, config=payload.config)
    return _service_detail(user, access_service(user, service_id))


@router.post(
    "/{int:service_id}/key/preview",
    response={200: PreviewOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_key_preview",
    summary="Anteile eines Schlüssels vorab berechnen",
)
def post_key_preview(request: HttpRequest, service_id: int, payload: PreviewIn) -> dict[str, Any]:
    """Zeigt die Anteile aller Empfänger für ein Jahr, ohne etwas zu speichern (Koordination, Erbringer)."""
    user = _user(request)
    service = access_service(user, service_id, need="compute")
    try:
        result = preview(service, payload.config, payload.year, payload.total)
    except allocation.AllocationError as exc:
        raise DomainError(str(exc), code="invalid_key", status=422) from exc
    return {
        "description": result.description,
        "total": result.total,
        "is_charge": result.is_charge,
        "shares": [{"ars": key, "name": result.name(key), "share": result.share(key)} for key in result.keys],
        "notes": list(result.notes),
    }


@router.post(
    "/{int:service_id}/recipients",
    response={201: RecipientOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_recipient_add",
    summary="Empfänger hinzufügen",
)
def post_recipient(request: HttpRequest, service_id: int, payload: RecipientIn) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    service = access_service(user, service_id, need="manage")
    recipient = services.recipient_add(
        acting_user=user, service=service, body=_body(payload.ars, user), from_date=payload.from_date
    )
    return HttpStatus(
        201,
        {
            "ars": recipient.body.ars,
            "name": recipient.body.name,
            "from_date": recipient.from_date,
            "until_date": recipient.until_date,
        },
    )


# --- cost plans -------------------------------------------------------------------------------------


def _cost_plan_out(service: SharedService, year: int, kind: str) -> dict[str, Any]:
    view = cost_plan_view(service, year, kind)
    if view.plan is None:
        raise Http404("Kein Kostenplan.")
    priced = list(view.totals.lines) if view.totals else []
    items = []
    for i, item in enumerate(view.plan.items.all()):
        # plan_totals keeps the order of the items, so the i-th priced line is the i-th item
        line = priced[i] if i < len(priced) else None
        items.append(
            {
                "id": item.pk,
                "category": item.category,
                "category_label": item.get_category_display(),
                "description": item.description,
                "fte": item.fte,
                "pay_grade": item.pay_grade,
                "amount": line.amount if line else item.amount,
                "percent": item.percent,
                "rate": line.rate if line else None,
            }
        )
    totals = None
    if view.totals is not None:
        t = view.totals
        totals = {
            "staff": t.staff,
            "overhead": t.overhead,
            "material": t.material,
            "it": t.it,
            "other": t.other,
            "gross": t.gross,
            "revenue": t.revenue,
            "net": t.net,
            "shared": t.shared,
            "surplus": t.surplus,
        }
    return {
        "year": year,
        "kind": kind,
        "is_example": view.plan.is_example,
        "note": view.plan.note,
        "rate_year": view.rate_year,
        "items": items,
        "totals": totals,
        "error": view.error,
    }


@router.get(
    "/{int:service_id}/cost-plans/{int:year}/{kind}",
    response={200: CostPlanOut, 404: ErrorOut},
    url_name="shared_service_cost_plan",
    summary="Kostenplan eines Jahres",
)
def get_cost_plan(request: HttpRequest, service_id: int, year: int, kind: PlanKindIn) -> dict[str, Any]:
    """``kind``: ``plan`` (Grundlage der Abschläge) oder ``actual`` (Ist, Grundlage der Spitzabrechnung)."""
    service = access_service(_user(request), service_id)
    return _cost_plan_out(service, year, kind)


@router.post(
    "/{int:service_id}/cost-plans/{int:year}/{kind}/items",
    response={201: CostPlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_cost_item_add",
    summary="Kostenposition hinzufügen",
)
def post_cost_item(
    request: HttpRequest, service_id: int, year: int, kind: PlanKindIn, payload: CostItemIn
) -> HttpStatus[dict[str, Any]]:
    """Nur die erbringende Körperschaft. Legt den Kostenplan an, wenn es ihn noch nicht gibt."""
    user = _user(request)
    service = access_service(user, service_id, need="maintain")
    plan = services.cost_plan_ensure(acting_user=user, service=service, year=year, kind=kind)
    services.cost_item_add(
        acting_user=user,
        plan=plan,
        category=payload.category,
        description=payload.description,
        fte=payload.fte,
        pay_grade=payload.pay_grade,
        amount=payload.amount,
        percent=payload.percent,
    )
    return HttpStatus(201, _cost_plan_out(service, year, kind))


@router.delete(
    "/{int:service_id}/cost-plans/{int:year}/{kind}/items/{int:item_id}",
    response={200: CostPlanOut, 403: ErrorOut, 404: ErrorOut},
    url_name="shared_service_cost_item_delete",
    summary="Kostenposition löschen",
)
def delete_cost_item(
    request: HttpRequest, service_id: int, year: int, kind: PlanKindIn, item_id: int
) -> dict[str, Any]:
    user = _user(request)
    service = access_service(user, service_id, need="maintain")
    item = get_object_or_404(CostItem, pk=item_id, plan__service=service, plan__year=year, plan__kind=kind)
    services.cost_item_delete(acting_user=user, item=item)
    return _cost_plan_out(service, year, kind)


# --- volumes ----------------------------------------------------------------------------------------


@router.get(
    "/{int:service_id}/volumes",
    response={200: VolumePage, 404: ErrorOut},
    url_name="shared_service_volumes",
    summary="Mengen eines Jahres",
)
def list_volumes(
    request: HttpRequest, service_id: int, year: int = Query(..., ge=2000, le=2100)
) -> dict[str, Any]:
    """Mitglieder sehen ihre eigenen Mengen und die Summe aller, Erbringer und Koordination alle."""
    user = _user(request)
    service = access_service(user, service_id)
    view = volume_rows(service, year, permissions(user, service))
    items = [
        {
            "id": r.pk,
            "ars": r.body.ars,
            "name": r.body.name,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "quantity": r.quantity,
            "note": r.note,
            "source": r.source,
        }
        for r in view.rows
    ]
    return {"items": items, "count": len(items), "total": view.total, "hidden": view.hidden_count}


@router.post(
    "/{int:service_id}/volumes",
    response={201: VolumeOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_volume_set",
    summary="Menge erfassen",
)
def post_volume(request: HttpRequest, service_id: int, payload: VolumeIn) -> HttpStatus[dict[str, Any]]:
    """Nur die erbringende Körperschaft; derselbe Zeitraum ersetzt die Menge."""
    user = _user(request)
    service = access_service(user, service_id, need="maintain")
    record = services.volume_set(
        acting_user=user,
        service=service,
        body=_body(payload.ars, user),
        period_start=payload.period_start,
        period_end=payload.period_end,
        quantity=payload.quantity,
        note=payload.note,
    )
    return HttpStatus(
        201,
        {
            "id": record.pk,
            "ars": record.body.ars,
            "name": record.body.name,
            "period_start": record.period_start,
            "period_end": record.period_end,
            "quantity": record.quantity,
            "note": record.note,
            "source": record.source,
        },
    )


@router.post(
    "/{int:service_id}/volumes/import",
    response={200: ImportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_volume_import",
    summary="Mengen aus CSV importieren",
)
def post_volume_import(request: HttpRequest, service_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """CSV mit den Spalten ``ars;von;bis;menge;bemerkung``. Alles oder nichts: Fehler nennen die Zeile."""
    user = _user(request)
    service = access_service(user, service_id, need="maintain")
    result = services.volume_import_csv(
        acting_user=user, service=service, file=file, name=file.name or "mengen.csv"
    )
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


# --- settlements ------------------------------------------------------------------------------------


@router.get(
    "/{int:service_id}/settlements",
    response={200: SettlementPage, 404: ErrorOut},
    url_name="shared_service_settlements",
    summary="Abrechnungen eines Dienstes",
)
def list_settlements(request: HttpRequest, service_id: int, year: int | None = None) -> dict[str, Any]:
    service = access_service(_user(request), service_id)
    items = [_settlement_item(s) for s in settlement_versions(service, year)]
    return {"items": items, "count": len(items)}


@router.post(
    "/{int:service_id}/settlements",
    response={201: SettlementItem, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_compute",
    summary="Abrechnung berechnen (Entwurf)",
)
def post_settlement(request: HttpRequest, service_id: int, payload: ComputeIn) -> HttpStatus[dict[str, Any]]:
    """Berechnet den Entwurf neu oder legt Fassung 1 an; 409, wenn die Abrechnung abgeschlossen ist."""
    user = _user(request)
    service = access_service(user, service_id, need="compute")
    settlement = services.settlement_compute(
        acting_user=user, service=service, year=payload.year, kind=payload.kind
    )
    return HttpStatus(201, _settlement_item(settlement))


@router.get(
    "/settlements/{int:settlement_id}",
    response={200: SettlementDetail, 404: ErrorOut},
    url_name="shared_service_settlement_detail",
    summary="Eine Abrechnung",
)
def get_settlement(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    user = _user(request)
    settlement = access_settlement(user, settlement_id)
    perms = permissions(user, settlement.service)
    return {
        **_settlement_item(settlement),
        "notes": settlement.snapshot.get("notes", []),
        "cost_totals": settlement.snapshot.get("cost_plan", {}).get("totals", {}),
        "basis_totals": settlement.snapshot.get("basis_totals", {}),
        "differences": [
            {"ars": r.ars, "name": r.name, "before": r.before, "after": r.after, "difference": r.difference}
            for r in settlement_diff(settlement, perms)
        ],
    }


@router.get(
    "/settlements/{int:settlement_id}/lines",
    response={200: LinePage, 404: ErrorOut},
    url_name="shared_service_settlement_lines",
    summary="Zeilen einer Abrechnung",
)
def list_lines(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    """Mitglieder erhalten nur ihre eigene Zeile; ``total`` ist die Summe aller Anteile."""
    user = _user(request)
    settlement = access_settlement(user, settlement_id)
    lines = settlement_lines(settlement, permissions(user, settlement.service))
    items = [
        {
            "ars": line.body.ars,
            "name": line.body.name,
            "days": line.days,
            "population": line.population,
            "population_date": line.population_date,
            "population_source": line.population_source,
            "volume": line.volume,
            "share": line.share,
            "advance_paid": line.advance_paid,
            "balance": line.balance,
            "components": [
                {
                    "label": c["label"],
                    "amount": c["amount"],
                    "basis": c["basis"],
                    "basis_total": c["basis_total"],
                }
                for c in line.components
            ],
            "instalments": line.instalments,
            "standalone_cost": line.standalone_cost,
            "saving": line.saving,
        }
        for line in lines
    ]
    return {"items": items, "count": len(items), "total": settlement.total}


@router.post(
    "/settlements/{int:settlement_id}/finalize",
    response={200: SettlementItem, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_finalize",
    summary="Abrechnung abschließen",
)
def post_finalize(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    """Nur die Verbundkoordination. Danach ist die Fassung unveränderlich."""
    user = _user(request)
    settlement = access_settlement(user, settlement_id, need="manage")
    return _settlement_item(services.settlement_finalize(acting_user=user, settlement=settlement))


@router.post(
    "/settlements/{int:settlement_id}/corrections",
    response={201: SettlementItem, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_correct",
    summary="Korrektur anlegen (neue Fassung)",
)
def post_correction(
    request: HttpRequest, settlement_id: int, payload: CorrectionIn
) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    settlement = access_settlement(user, settlement_id, need="manage")
    require(user, settlement.service, "manage")
    draft = services.settlement_correct(acting_user=user, settlement=settlement, reason=payload.reason)
    return HttpStatus(201, _settlement_item(draft))
