"""``/api/v1/shared-services``: services, allocation keys, cost plans, volumes and settlements.

Same rules as the pages (:mod:`verbund.shared_services.policies`, reached through
:mod:`.selectors`): a service the caller may not see answers 404 like one that does not exist; a
write the caller may see but not make answers 403; a rule that refuses it answers 422 (invalid input,
a key that does not add up, missing figures) or 409 (a finalized settlement, inputs changed since the
draft was computed) with the German reason in ``{"detail", "code"}``. Members get their own lines and
volumes and the totals, not the other members' figures. Money is a decimal string with two places.
Every response is a declared schema (:mod:`.schemas`); lists are ``{"items", "count"}`` pages.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from verbund.alliances.selectors import access_alliance
from verbund.common.api import (
    BudgetYear,
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_principal,
    api_user,
    paginate,
)
from verbund.common.errors import Invalid
from verbund.common.principal import Principal
from verbund.registry.models import Body

from . import allocation, services
from .calculation import preview
from .models import CostItem, ServiceRecipient, Settlement, SettlementLine, SharedService, Task, VolumeRecord
from .schemas import (
    ComponentOut,
    ComputeIn,
    CorrectionIn,
    CostItemIn,
    CostItemOut,
    CostPlanOut,
    CostTotalsOut,
    DiffOut,
    FinalizeIn,
    ImportOut,
    InstalmentOut,
    KeyIn,
    KeyTypeOut,
    LineOut,
    LinePage,
    PermissionsOut,
    PlanKindIn,
    PreviewIn,
    PreviewOut,
    RecipientIn,
    RecipientOut,
    ServiceBodyRef,
    ServiceDetail,
    ServiceIn,
    ServiceItem,
    ServiceTaskOut,
    SettlementDetail,
    SettlementItem,
    ShareOut,
    VolumeIn,
    VolumeOut,
    VolumePage,
)
from .selectors import (
    access_service,
    access_settlement,
    cost_plan_view,
    key_description,
    recipients_history,
    service_access,
    service_list,
    settlement_diff,
    settlement_lines,
    settlement_versions,
    volume_rows,
)

router = Router()


# --- building the responses -------------------------------------------------------------------------


def _service_item(service: SharedService, recipients: list[ServiceRecipient] | None = None) -> ServiceItem:
    """``recipients``: the service's whole recipient history, when the caller has it already."""
    recipient_count = getattr(service, "recipient_count", None)
    if recipient_count is None:
        recipient_count = (
            ServiceRecipient.objects.current().filter(service=service).count()
            if recipients is None
            else sum(1 for r in recipients if r.until_date is None)
        )
    return ServiceItem(
        id=service.pk,
        name=service.name,
        alliance=service.alliance.slug,
        task=service.task.slug,
        task_name=service.task.name,
        provider=ServiceBodyRef(ars=service.provider.ars, name=service.provider.name),
        recipient_count=recipient_count,
        key_description=key_description(service, recipients),
        url=f"/api/v1/shared-services/{service.pk}",
    )


def _service_detail(principal: Principal, service: SharedService) -> ServiceDetail:
    access = service_access(principal, service)
    legal = service.legal_basis
    history = recipients_history(service)
    return ServiceDetail(
        **_service_item(service, history).model_dump(),
        description=service.description,
        allocation_key=service.allocation_key,
        legal_basis=f"{legal.title} (Fassung {legal.version})" if legal else None,
        legal_basis_note=service.legal_basis_note,
        advance_instalments=service.advance_instalments,
        start_date=service.start_date,
        end_date=service.end_date,
        recipients=[_recipient_out(r) for r in history],
        permissions=PermissionsOut(
            manage=access.manages, maintain=access.maintains, sees_all_lines=access.sees_all_lines
        ),
    )


def _recipient_out(recipient: ServiceRecipient) -> RecipientOut:
    return RecipientOut(
        ars=recipient.body.ars,
        name=recipient.body.name,
        from_date=recipient.from_date,
        until_date=recipient.until_date,
    )


def _settlement_item(s: Settlement) -> SettlementItem:
    return SettlementItem(
        id=s.pk,
        service_id=s.service_id,
        year=s.year,
        kind=s.kind,
        kind_label=s.get_kind_display(),
        version=s.version,
        status=s.status,
        status_label=s.get_status_display(),
        net_cost=s.net_cost,
        total=s.total,
        key_description=s.key_description,
        computed_at=s.computed_at,
        finalized_at=s.finalized_at,
        previous_id=s.previous_id,
        reason=s.reason,
        url=f"/api/v1/shared-services/settlements/{s.pk}",
    )


def _volume_out(r: VolumeRecord) -> VolumeOut:
    return VolumeOut(
        id=r.pk,
        ars=r.body.ars,
        name=r.body.name,
        period_start=r.period_start,
        period_end=r.period_end,
        quantity=r.quantity,
        note=r.note,
        source=r.source,
    )


def _line_out(line: SettlementLine) -> LineOut:
    return LineOut(
        ars=line.body.ars,
        name=line.body.name,
        days=line.days,
        population=line.population,
        population_date=line.population_date,
        population_source=line.population_source,
        volume=line.volume,
        share=line.share,
        advance_paid=line.advance_paid,
        balance=line.balance,
        components=[
            ComponentOut(label=c["label"], amount=c["amount"], basis=c["basis"], basis_total=c["basis_total"])
            for c in line.components
        ],
        instalments=[InstalmentOut(due=i["due"], amount=i["amount"]) for i in line.instalments],
        standalone_cost=line.standalone_cost,
        saving=line.saving,
    )


def _cost_plan_out(service: SharedService, year: int, kind: str) -> CostPlanOut:
    view = cost_plan_view(service, year, kind)
    if view.plan is None:
        raise Http404(_("Kein Kostenplan."))
    priced = list(view.totals.lines) if view.totals else []
    items = []
    for i, item in enumerate(view.plan.items.all()):
        # plan_totals keeps the order of the items, so the i-th priced line is the i-th item
        line = priced[i] if i < len(priced) else None
        items.append(
            CostItemOut(
                id=item.pk,
                category=item.category,
                category_label=item.get_category_display(),
                description=item.description,
                fte=item.fte,
                pay_grade=item.pay_grade,
                amount=line.amount if line else item.amount,
                percent=item.percent,
                rate=line.rate if line else None,
            )
        )
    t = view.totals
    totals = None
    if t is not None:
        totals = CostTotalsOut(
            staff=t.staff,
            overhead=t.overhead,
            material=t.material,
            it=t.it,
            other=t.other,
            gross=t.gross,
            revenue=t.revenue,
            net=t.net,
            shared=t.shared,
            surplus=t.surplus,
        )
    return CostPlanOut(
        year=year,
        kind=kind,
        is_example=view.plan.is_example,
        note=view.plan.note,
        rate_year=view.rate_year,
        items=items,
        totals=totals,
        error=view.error,
    )


def _body(ars: str) -> Body:
    """A body of the registry (public data) by ARS."""
    return get_object_or_404(Body.objects.all(), ars=ars)


# --- catalogue --------------------------------------------------------------------------------------


@router.get(
    "/tasks", response=Page[ServiceTaskOut], url_name="shared_service_tasks", summary="Aufgabenkatalog"
)
def list_tasks(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Aufgaben, die eine Körperschaft für andere erfüllen kann, mit ihrer Mengeneinheit."""
    return paginate(
        Task.objects.order_by("sort_order", "name"),
        page,
        convert=lambda t: ServiceTaskOut(
            slug=t.slug,
            name=t.name,
            volume_unit=t.volume_unit,
            volume_unit_label=t.volume_unit_label,
            holder_kinds=list(t.holder_kinds),
        ),
    )


@router.get(
    "/keys", response=Page[KeyTypeOut], url_name="shared_service_keys", summary="Verteilungsschlüssel"
)
def list_key_types(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die verfügbaren Schlüsseltypen (Plugins) mit ihren Angaben."""
    return paginate(allocation.key_types(), page, convert=lambda k: KeyTypeOut(**k))


# --- services ---------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: Page[ServiceItem], 404: ErrorOut},
    url_name="shared_service_list",
    summary="Geteilte Dienste",
)
def list_services(
    request: HttpRequest,
    page: Query[PageParams],
    alliance: str | None = Query(None, description="Kürzel eines Verbunds"),
) -> dict[str, Any]:
    """Die Dienste, die die anfragende Person sehen darf (anonym: keine)."""
    principal = api_principal(request)
    of = access_alliance(principal, alliance) if alliance else None
    return paginate(service_list(principal, alliance=of, with_recipients=True), page, convert=_service_item)


@router.post(
    "",
    response={201: ServiceDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_create",
    summary="Dienst anlegen",
)
def create_service(request: HttpRequest, payload: ServiceIn) -> HttpStatus[ServiceDetail]:
    """Nur die Verbundkoordination. Erbringer und Empfänger müssen aktuelle Mitglieder sein."""
    user = api_user(request)
    principal = api_principal(request)
    alliance = access_alliance(principal, payload.alliance, need="change")
    service = services.service_create(
        actor=user,
        alliance=alliance,
        task=get_object_or_404(Task, slug=payload.task),
        provider=_body(payload.provider),
        name=payload.name,
        description=payload.description,
        start_date=payload.start_date,
        allocation_key=payload.allocation_key,
        advance_instalments=payload.advance_instalments,
        recipients=[_body(ars) for ars in payload.recipients],
    )
    return HttpStatus(201, _service_detail(principal, access_service(principal, service.pk)))


@router.get(
    "/{int:service_id}",
    response={200: ServiceDetail, 404: ErrorOut},
    url_name="shared_service_detail",
    summary="Ein Dienst",
)
def get_service(request: HttpRequest, service_id: ObjectId) -> ServiceDetail:
    principal = api_principal(request)
    return _service_detail(principal, access_service(principal, service_id))


@router.put(
    "/{int:service_id}/key",
    response={200: ServiceDetail, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_key",
    summary="Verteilungsschlüssel festlegen",
)
def put_key(request: HttpRequest, service_id: ObjectId, payload: KeyIn) -> ServiceDetail:
    """Nur die Verbundkoordination; der Schlüssel wird geprüft und normalisiert gespeichert."""
    user, principal = api_user(request), api_principal(request)
    service = access_service(principal, service_id, need="manage")
    services.service_set_key(actor=user, service=service, config=payload.config)
    return _service_detail(principal, access_service(principal, service_id))


@router.post(
    "/{int:service_id}/key/preview",
    response={200: PreviewOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_key_preview",
    summary="Anteile eines Schlüssels vorab berechnen",
)
def post_key_preview(request: HttpRequest, service_id: ObjectId, payload: PreviewIn) -> PreviewOut:
    """Zeigt die Anteile aller Empfänger für ein Jahr, ohne etwas zu speichern (Koordination, Erbringer)."""
    service = access_service(api_principal(request), service_id, need="compute")
    try:
        result = preview(service, payload.config, payload.year, payload.total)
    except allocation.AllocationError as exc:
        raise Invalid(str(exc), code="invalid_key") from exc
    return PreviewOut(
        description=result.description,
        total=result.total,
        is_charge=result.is_charge,
        shares=[ShareOut(ars=key, name=result.name(key), share=result.share(key)) for key in result.keys],
        notes=list(result.notes),
    )


@router.post(
    "/{int:service_id}/recipients",
    response={201: RecipientOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_recipient_add",
    summary="Empfänger hinzufügen",
)
def post_recipient(
    request: HttpRequest, service_id: ObjectId, payload: RecipientIn
) -> HttpStatus[RecipientOut]:
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="manage")
    recipient = services.recipient_add(
        actor=user, service=service, body=_body(payload.ars), from_date=payload.from_date
    )
    return HttpStatus(201, _recipient_out(recipient))


# --- cost plans -------------------------------------------------------------------------------------


@router.get(
    "/{int:service_id}/cost-plans/{int:year}/{kind}",
    response={200: CostPlanOut, 404: ErrorOut},
    url_name="shared_service_cost_plan",
    summary="Kostenplan eines Jahres",
)
def get_cost_plan(
    request: HttpRequest, service_id: ObjectId, year: BudgetYear, kind: PlanKindIn
) -> CostPlanOut:
    """``kind``: ``plan`` (Grundlage der Abschläge) oder ``actual`` (Ist, Grundlage der Spitzabrechnung)."""
    return _cost_plan_out(access_service(api_principal(request), service_id), year, kind)


@router.post(
    "/{int:service_id}/cost-plans/{int:year}/{kind}/items",
    response={201: CostPlanOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_cost_item_add",
    summary="Kostenposition hinzufügen",
)
def post_cost_item(
    request: HttpRequest, service_id: ObjectId, year: BudgetYear, kind: PlanKindIn, payload: CostItemIn
) -> HttpStatus[CostPlanOut]:
    """Nur die erbringende Körperschaft. Legt den Kostenplan an, wenn es ihn noch nicht gibt."""
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="maintain")
    plan = services.cost_plan_ensure(actor=user, service=service, year=year, kind=kind)
    services.cost_item_add(
        actor=user,
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
    response={200: CostPlanOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="shared_service_cost_item_delete",
    summary="Kostenposition löschen",
)
def delete_cost_item(
    request: HttpRequest, service_id: ObjectId, year: BudgetYear, kind: PlanKindIn, item_id: ObjectId
) -> CostPlanOut:
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="maintain")
    item = get_object_or_404(CostItem, pk=item_id, plan__service=service, plan__year=year, plan__kind=kind)
    services.cost_item_delete(actor=user, item=item)
    return _cost_plan_out(service, year, kind)


# --- volumes ----------------------------------------------------------------------------------------


@router.get(
    "/{int:service_id}/volumes",
    response={200: VolumePage, 404: ErrorOut},
    url_name="shared_service_volumes",
    summary="Mengen eines Jahres",
)
def list_volumes(
    request: HttpRequest,
    service_id: ObjectId,
    page: Query[PageParams],
    year: int = Query(..., ge=2000, le=2100),
) -> VolumePage:
    """Mitglieder sehen ihre eigenen Mengen und die Summe aller, Erbringer und Koordination alle."""
    principal = api_principal(request)
    service = access_service(principal, service_id)
    view = volume_rows(service, year, service_access(principal, service))
    return VolumePage(
        **paginate(view.rows, page, convert=_volume_out), total=view.total, hidden=view.hidden_count
    )


@router.post(
    "/{int:service_id}/volumes",
    response={201: VolumeOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_volume_set",
    summary="Menge erfassen",
)
def post_volume(request: HttpRequest, service_id: ObjectId, payload: VolumeIn) -> HttpStatus[VolumeOut]:
    """Nur die erbringende Körperschaft; derselbe Zeitraum ersetzt die Menge."""
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="maintain")
    record = services.volume_set(
        actor=user,
        service=service,
        body=_body(payload.ars),
        period_start=payload.period_start,
        period_end=payload.period_end,
        quantity=payload.quantity,
        note=payload.note,
    )
    return HttpStatus(201, _volume_out(record))


@router.post(
    "/{int:service_id}/volumes/import",
    response={200: ImportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="shared_service_volume_import",
    summary="Mengen aus CSV importieren",
)
def post_volume_import(request: HttpRequest, service_id: ObjectId, file: File[UploadedFile]) -> ImportOut:
    """CSV mit den Spalten ``ars;von;bis;menge;bemerkung`` (Mengen deutsch: ``1.250`` oder ``12,5``).
    Alles oder nichts: Fehler nennen die Zeile."""
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="maintain")
    result = services.volume_import_csv(
        actor=user, service=service, file=file, name=file.name or "mengen.csv"
    )
    return ImportOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


# --- settlements ------------------------------------------------------------------------------------


@router.get(
    "/{int:service_id}/settlements",
    response={200: Page[SettlementItem], 404: ErrorOut},
    url_name="shared_service_settlements",
    summary="Abrechnungen eines Dienstes",
)
def list_settlements(
    request: HttpRequest, service_id: ObjectId, page: Query[PageParams], year: int | None = None
) -> dict[str, Any]:
    service = access_service(api_principal(request), service_id)
    return paginate(settlement_versions(service, year), page, convert=_settlement_item)


@router.post(
    "/{int:service_id}/settlements",
    response={201: SettlementItem, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_compute",
    summary="Abrechnung berechnen (Entwurf)",
)
def post_settlement(
    request: HttpRequest, service_id: ObjectId, payload: ComputeIn
) -> HttpStatus[SettlementItem]:
    """Berechnet den Entwurf neu oder legt Fassung 1 an; 409, wenn die Abrechnung abgeschlossen ist."""
    user = api_user(request)
    service = access_service(api_principal(request), service_id, need="compute")
    settlement = services.settlement_compute(
        actor=user, service=service, year=payload.year, kind=payload.kind
    )
    return HttpStatus(201, _settlement_item(settlement))


@router.get(
    "/settlements/{int:settlement_id}",
    response={200: SettlementDetail, 404: ErrorOut},
    url_name="shared_service_settlement_detail",
    summary="Eine Abrechnung",
)
def get_settlement(request: HttpRequest, settlement_id: ObjectId) -> SettlementDetail:
    principal = api_principal(request)
    settlement = access_settlement(principal, settlement_id)
    access = service_access(principal, settlement.service)
    return SettlementDetail(
        **_settlement_item(settlement).model_dump(),
        notes=settlement.snapshot.get("notes", []),
        cost_totals=settlement.snapshot.get("cost_plan", {}).get("totals", {}),
        basis_totals=settlement.snapshot.get("basis_totals", {}),
        differences=[
            DiffOut(ars=r.ars, name=r.name, before=r.before, after=r.after, difference=r.difference)
            for r in settlement_diff(settlement, access)
        ],
    )


@router.get(
    "/settlements/{int:settlement_id}/lines",
    response={200: LinePage, 404: ErrorOut},
    url_name="shared_service_settlement_lines",
    summary="Zeilen einer Abrechnung",
)
def list_lines(request: HttpRequest, settlement_id: ObjectId, page: Query[PageParams]) -> LinePage:
    """Mitglieder erhalten nur ihre eigene Zeile; ``total`` ist die Summe aller Anteile."""
    principal = api_principal(request)
    settlement = access_settlement(principal, settlement_id)
    lines = settlement_lines(settlement, service_access(principal, settlement.service))
    return LinePage(**paginate(lines, page, convert=_line_out), total=settlement.total)


@router.post(
    "/settlements/{int:settlement_id}/finalize",
    response={200: SettlementItem, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_finalize",
    summary="Abrechnung abschließen",
)
def post_finalize(request: HttpRequest, settlement_id: ObjectId, params: Query[FinalizeIn]) -> SettlementItem:
    """Nur die Verbundkoordination, mit ``?confirmed=true`` (ohne: 422 ``confirmation_required``).
    Danach ist die Fassung unveränderlich und die Rechnungen sind ausgestellt."""
    user = api_user(request)
    settlement = access_settlement(api_principal(request), settlement_id, need="manage")
    return _settlement_item(
        services.settlement_finalize(actor=user, settlement=settlement, confirmed=params.confirmed)
    )


@router.post(
    "/settlements/{int:settlement_id}/corrections",
    response={201: SettlementItem, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="shared_service_settlement_correct",
    summary="Korrektur anlegen (neue Fassung)",
)
def post_correction(
    request: HttpRequest, settlement_id: ObjectId, payload: CorrectionIn
) -> HttpStatus[SettlementItem]:
    user = api_user(request)
    settlement = access_settlement(api_principal(request), settlement_id, need="manage")
    draft = services.settlement_correct(actor=user, settlement=settlement, reason=payload.reason)
    return HttpStatus(201, _settlement_item(draft))
