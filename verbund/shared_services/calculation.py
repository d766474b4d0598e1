"""From the database to the engine and back: what a settlement of a service for a year is computed from.

:func:`gather_inputs` reads everything a settlement needs in a fixed number of queries — who received
the service on how many days of the year, their population (the coordinator's reference-date figure
or the registry's, and which one), area, recorded volume, the cost plan and its totals, the advances
already fixed, the task's cost model — and :func:`compute` runs the pure engines
(:mod:`.allocation`, :mod:`.costing`) over it. Nothing here writes; :mod:`.services` stores the result.

Which figures a settlement uses:

* **Advances** (Abschläge) allocate the **planned** net cost (cost plan "Plan" of the year). A volume
  key uses the volumes recorded for the **previous year** (the year is not over yet).
* **Final settlement** (Spitzabrechnung) allocates the **actual** net cost (cost plan "Ist") with the
  volumes of the year; each member's advances are those of the latest finalized advance settlement
  of the year, and ``balance = share − advances``.
* Population: a :class:`~.models.PopulationFigure` of the service and year when the coordinator
  entered one (the key's reference date, e.g. 30 June of the previous year), otherwise the registry's
  figure with its own date (``Body.population_date``); the settlement notes which members use which.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from verbund.common.german import format_money
from verbund.registry.models import Body

from . import allocation, costing
from .models import (
    CostPlan,
    PayGrade,
    PlanKind,
    PopulationFigure,
    ServiceRecipient,
    Settlement,
    SettlementKind,
    SettlementStatus,
    SharedService,
    TaskCostModel,
    VolumeRecord,
)

ZERO = Decimal("0.00")


@dataclass
class MemberInput:
    body: Body
    days: int
    population: int | None
    population_date: dt.date | None
    population_source: str
    area_ha: int | None
    volume: Decimal | None


@dataclass
class PlanInput:
    plan: CostPlan | None
    totals: costing.PlanTotals | None
    rate_year: int | None
    error: str = ""


@dataclass
class SettlementInputs:
    service: SharedService
    year: int
    kind: str
    members: list[MemberInput]
    plan: PlanInput
    key_config: dict[str, Any]
    advances: dict[int, Decimal] = field(default_factory=dict)
    advance_settlement: Settlement | None = None
    cost_model: TaskCostModel | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def year_days(self) -> int:
        return allocation.days_in_year(self.year)

    @property
    def volume_year(self) -> int:
        return self.year - 1 if self.kind == SettlementKind.ADVANCE else self.year


@dataclass
class ComputedLine:
    body: Body
    days: int
    population: int | None
    population_date: dt.date | None
    population_source: str
    area_ha: int | None
    volume: Decimal | None
    share: Decimal
    components: list[dict[str, Any]]
    advance_paid: Decimal
    balance: Decimal
    instalments: list[dict[str, str]]
    standalone_cost: Decimal | None
    revenue_share: Decimal | None = None


@dataclass
class ComputedSettlement:
    net_cost: Decimal
    total: Decimal
    key_config: dict[str, Any]
    key_description: str
    lines: list[ComputedLine]
    snapshot: dict[str, Any]
    digest: str


# --- rates and cost plans ---------------------------------------------------------------------------


def rates_for_year(year: int) -> tuple[dict[str, Decimal], int | None]:
    """``{pay grade: yearly cost}`` of ``year``, or of the latest earlier year that has rates."""
    rate_year = (
        PayGrade.objects.filter(year__lte=year).order_by("-year").values_list("year", flat=True).first()
    )
    if rate_year is None:
        return {}, None
    rows = PayGrade.objects.filter(year=rate_year).values_list("code", "annual_cost")
    return dict(rows), rate_year


def plan_lines(plan: CostPlan) -> list[costing.CostLine]:
    return [
        costing.CostLine(
            category=item.category,
            description=item.description,
            amount=item.amount,
            fte=item.fte,
            pay_grade=item.pay_grade,
            percent=item.percent,
        )
        for item in plan.items.all()
    ]


def plan_input(plan: CostPlan | None) -> PlanInput:
    """The plan with its totals (``error`` set, totals ``None``, when a line cannot be priced)."""
    if plan is None:
        return PlanInput(plan=None, totals=None, rate_year=None)
    rates, rate_year = rates_for_year(plan.year)
    try:
        totals = costing.plan_totals(plan_lines(plan), rates)
    except costing.CostPlanError as exc:
        return PlanInput(plan=plan, totals=None, rate_year=rate_year, error=str(exc))
    return PlanInput(plan=plan, totals=totals, rate_year=rate_year)


def cost_plan_for(service: SharedService, year: int, kind: str) -> CostPlan | None:
    return CostPlan.objects.filter(service=service, year=year, kind=kind).prefetch_related("items").first()


# --- members ----------------------------------------------------------------------------------------


def recipient_days(service: SharedService, year: int) -> dict[int, tuple[Body, int]]:
    """``{body id: (body, days in year)}`` of everyone who received the service in ``year``."""
    periods: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    bodies: dict[int, Body] = {}
    for recipient in ServiceRecipient.objects.filter(service=service).in_year(year).select_related("body"):
        periods[recipient.body_id].append((recipient.from_date, recipient.until_date))
        bodies[recipient.body_id] = recipient.body
    result = {}
    for body_id, spans in periods.items():
        days = allocation.period_days(year, spans)
        if days:
            result[body_id] = (bodies[body_id], days)
    return result


def volumes_in_year(
    service: SharedService, year: int, body_ids: list[int] | None = None
) -> dict[int, Decimal]:
    qs = VolumeRecord.objects.filter(service=service, period_start__year=year)
    if body_ids is not None:
        qs = qs.filter(body_id__in=body_ids)
    return {
        row["body_id"]: row["total"]
        for row in qs.values("body_id").annotate(total=Sum("quantity")).order_by()
    }


def cost_model_for(service: SharedService) -> TaskCostModel | None:
    """The task's cost model for the provider's Land, else the default one."""
    models = list(
        TaskCostModel.objects.filter(task_id=service.task_id, state__in=[service.provider.state, ""])
    )
    models.sort(key=lambda m: m.state == "")
    return models[0] if models else None


def gather_inputs(service: SharedService, year: int, kind: str) -> SettlementInputs:
    """Everything a settlement of ``service`` for ``year`` and ``kind`` is computed from."""
    notes: list[str] = []
    recipients = recipient_days(service, year)
    body_ids = list(recipients)
    figures = {
        f.body_id: f
        for f in PopulationFigure.objects.filter(service=service, year=year, body_id__in=body_ids)
    }
    volume_year = year - 1 if kind == SettlementKind.ADVANCE else year
    volumes = volumes_in_year(service, volume_year, body_ids)
    members = []
    registry_dates: set[dt.date | None] = set()
    for body_id, (body, days) in sorted(recipients.items(), key=lambda item: item[1][0].ars):
        figure = figures.get(body_id)
        population: int | None
        population_date: dt.date | None
        if figure is not None:
            population, population_date = figure.population, figure.reference_date
            source = _("Stichtagswert: %(source)s") % {"source": figure.source}
        else:
            population, population_date = body.population, body.population_date
            source = "Register"
            registry_dates.add(body.population_date)
        members.append(
            MemberInput(
                body=body,
                days=days,
                population=population,
                population_date=population_date,
                population_source=source,
                area_ha=body.area_ha,
                volume=volumes.get(body_id),
            )
        )
    plan_kind = PlanKind.PLAN if kind == SettlementKind.ADVANCE else PlanKind.ACTUAL
    plan = plan_input(cost_plan_for(service, year, plan_kind))
    key_config = dict(service.allocation_key)
    if _uses(key_config, "population") and registry_dates:
        dates = ", ".join(sorted(d.strftime("%d.%m.%Y") for d in registry_dates if d)) or _("ohne Datum")
        reference = _population_reference(key_config)
        notes.append(
            (
                _(
                    "Einwohnerzahlen aus dem Register (Stand %(dates)s); der Schlüssel nennt den Stichtag "
                    "„%(reference)s“. Abweichende Stichtagswerte kann die Verbundkoordination "
                    "je Jahr eintragen."
                )
                if reference
                else _(
                    "Einwohnerzahlen aus dem Register (Stand %(dates)s). Abweichende Stichtagswerte kann die "
                    "Verbundkoordination je Jahr eintragen."
                )
            )
            % {"dates": dates, "reference": reference}
        )
    if _uses(key_config, "volume") and kind == SettlementKind.ADVANCE:
        notes.append(
            _("Abschläge nach Menge: Grundlage sind die erfassten Mengen des Vorjahres %(year)s.")
            % {"year": volume_year}
        )
    inputs = SettlementInputs(
        service=service,
        year=year,
        kind=kind,
        members=members,
        plan=plan,
        key_config=key_config,
        cost_model=cost_model_for(service),
        notes=notes,
    )
    if kind == SettlementKind.FINAL:
        advance = (
            Settlement.objects.filter(
                service=service, year=year, kind=SettlementKind.ADVANCE, status=SettlementStatus.FINALIZED
            )
            .order_by("-version")
            .first()
        )
        inputs.advance_settlement = advance
        if advance is None:
            notes.append(
                _(
                    "Für dieses Jahr sind keine Abschläge abgeschlossen; "
                    "es werden keine Abschläge angerechnet."
                )
            )
        else:
            inputs.advances = dict(advance.lines.values_list("body_id", "share"))
    return inputs


def _uses(config: Any, key_type: str) -> bool:
    """Whether a key configuration uses ``key_type`` anywhere (or a price per unit of it)."""
    if isinstance(config, dict):
        if config.get("type") == key_type:
            return True
        if config.get("type") == "price_per_unit" and config.get("unit") == key_type:
            return True
        return any(_uses(value, key_type) for value in config.values())
    if isinstance(config, list):
        return any(_uses(value, key_type) for value in config)
    return False


def _population_reference(config: Any) -> str:
    if isinstance(config, dict):
        if config.get("type") == "population" and config.get("reference"):
            return str(config["reference"])
        for value in config.values():
            found = _population_reference(value)
            if found:
                return found
    if isinstance(config, list):
        for value in config:
            found = _population_reference(value)
            if found:
                return found
    return ""


# --- computing --------------------------------------------------------------------------------------


def engine_members(inputs: SettlementInputs) -> list[allocation.Member]:
    return [
        allocation.Member(
            key=m.body.ars,
            name=m.body.name,
            population=m.population,
            area_ha=m.area_ha,
            volume=m.volume,
            days=m.days,
        )
        for m in inputs.members
    ]


def compute(inputs: SettlementInputs) -> ComputedSettlement:
    """Run the engines over ``inputs``; ``allocation.AllocationError`` (German) if it cannot be done."""
    if inputs.plan.plan is None:
        which = _("Plan") if inputs.kind == SettlementKind.ADVANCE else _("Ist")
        raise allocation.AllocationError(
            _("Es gibt keinen Kostenplan „%(kind)s“ für %(year)s.") % {"kind": which, "year": inputs.year}
        )
    if inputs.plan.totals is None:
        raise allocation.AllocationError(
            _("Der Kostenplan lässt sich nicht berechnen: %(error)s") % {"error": inputs.plan.error}
        )
    if not inputs.members:
        raise allocation.AllocationError(
            _("Im Jahr %(year)s erhält niemand diesen Dienst.") % {"year": inputs.year}
        )
    totals = inputs.plan.totals
    names = {m.body.ars: m.body.name for m in inputs.members}
    key = allocation.parse_key(inputs.key_config)
    result = allocation.allocate(
        key,
        None if key.is_charge else totals.shared,
        engine_members(inputs),
        year_days=inputs.year_days,
        names=names,
    )
    notes = list(inputs.notes) + list(result.notes)
    if totals.surplus:
        notes.append(
            _(
                "Die Erlöse übersteigen die Kosten um %(surplus)s; verteilt wird 0 EUR. Was mit dem "
                "Überschuss geschieht, regelt die Vereinbarung."
            )
            % {"surplus": format_money(totals.surplus)}
        )
    if key.is_charge and result.total > totals.shared:
        notes.append(
            _(
                "Die Entgelte (%(charges)s) übersteigen die Kosten abzüglich Erlöse (%(net)s); eine "
                "Erstattung darf die ordnungsgemäß berechneten Kosten nicht übersteigen."
            )
            % {"charges": format_money(result.total), "net": format_money(totals.shared)}
        )
    model = inputs.cost_model
    cost_model = (
        costing.CostModel(
            fixed_cost=model.fixed_cost,
            unit_cost=model.unit_cost,
            scale_exponent=model.scale_exponent,
            volume_per_inhabitant=model.volume_per_inhabitant,
        )
        if model is not None
        else None
    )
    due = costing.due_dates(inputs.year, inputs.service.advance_instalments)
    by_ars = {m.body.ars: m for m in inputs.members}
    lines: list[ComputedLine] = []
    for ars in result.keys:
        member = by_ars[ars]
        share = result.share(ars)
        advance_paid = (
            inputs.advances.get(member.body.pk, ZERO) if inputs.kind == SettlementKind.FINAL else ZERO
        )
        instalments = []
        if inputs.kind == SettlementKind.ADVANCE:
            parts = costing.instalments(share, len(due))
            instalments = [{"due": d.isoformat(), "amount": str(a)} for d, a in zip(due, parts, strict=True)]
        standalone = None
        if cost_model is not None and member.population is not None:
            standalone = cost_model.standalone(
                member.population, days=member.days, year_days=inputs.year_days
            )
        lines.append(
            ComputedLine(
                body=member.body,
                days=member.days,
                population=member.population,
                population_date=member.population_date,
                population_source=member.population_source,
                area_ha=member.area_ha,
                volume=member.volume,
                share=share,
                components=[_component_json(c) for c in result.breakdown(ars)],
                advance_paid=advance_paid,
                balance=share - advance_paid,
                instalments=instalments,
                standalone_cost=standalone,
            )
        )
    # The savings compare like with like: each member's part of the fee income is added back to its
    # share, so that it stands against the stand-alone cost before fees (costing.revenue_shares).
    revenue_parts = costing.revenue_shares(totals.revenue, [line.share for line in lines])
    if revenue_parts is not None:
        for line, part in zip(lines, revenue_parts, strict=True):
            line.revenue_share = part
    # Members that paid advances but no longer receive the service in the year get their refund.
    if inputs.kind == SettlementKind.FINAL and inputs.advances:
        present = {m.body.pk for m in inputs.members}
        missing = [body_id for body_id in inputs.advances if body_id not in present]
        for body in Body.objects.filter(pk__in=missing).order_by("ars"):
            paid = inputs.advances[body.pk]
            lines.append(
                ComputedLine(
                    body=body,
                    days=0,
                    population=None,
                    population_date=None,
                    population_source="",
                    area_ha=None,
                    volume=None,
                    share=ZERO,
                    components=[],
                    advance_paid=paid,
                    balance=-paid,
                    instalments=[],
                    standalone_cost=None,
                )
            )
            notes.append(
                _("%(name)s hat Abschläge gezahlt, erhält den Dienst im Jahr aber nicht: Erstattung.")
                % {"name": body.name}
            )
    snapshot = {
        "year_days": inputs.year_days,
        "volume_year": inputs.volume_year,
        "cost_plan": {
            "id": inputs.plan.plan.pk,
            "kind": inputs.plan.plan.kind,
            "is_example": inputs.plan.plan.is_example,
            "rate_year": inputs.plan.rate_year,
            "totals": totals.as_dict(),
        },
        "is_charge": result.is_charge,
        "advance_settlement": (
            {"id": inputs.advance_settlement.pk, "version": inputs.advance_settlement.version}
            if inputs.advance_settlement
            else None
        ),
        "basis_totals": _basis_totals(inputs),
        "cost_model": (
            {**model.as_parameters(), "assumptions": model.assumptions, "label": str(model)}
            if model
            else None
        ),
        "notes": notes,
    }
    digest_source = {
        "service": inputs.service.pk,
        "year": inputs.year,
        "kind": inputs.kind,
        "key": inputs.key_config,
        "totals": totals.as_dict(),
        "instalments": inputs.service.advance_instalments,
        "members": [
            [m.body.ars, m.days, m.population, str(m.population_date), m.area_ha, str(m.volume)]
            for m in inputs.members
        ],
        "advances": sorted((k, str(v)) for k, v in inputs.advances.items()),
        "cost_model": snapshot["cost_model"],
    }
    digest = hashlib.sha256(json.dumps(digest_source, sort_keys=True, default=str).encode()).hexdigest()
    return ComputedSettlement(
        net_cost=totals.net,
        total=result.total,
        key_config=key.to_config(),
        key_description=result.description,
        lines=lines,
        snapshot=snapshot,
        digest=digest,
    )


def _basis_totals(inputs: SettlementInputs) -> dict[str, str | int | None]:
    """Sums of the basis over all members: what every member may see next to its own figure."""
    populations = [m.population for m in inputs.members]
    areas = [m.area_ha for m in inputs.members]
    volumes = [m.volume for m in inputs.members]
    return {
        "members": len(inputs.members),
        "population": sum(p for p in populations if p is not None)
        if any(p is not None for p in populations)
        else None,
        "area_ha": sum(a for a in areas if a is not None) if any(a is not None for a in areas) else None,
        "volume": str(sum((v for v in volumes if v is not None), ZERO))
        if any(v is not None for v in volumes)
        else None,
    }


def _component_json(part: allocation.ComponentShare) -> dict[str, Any]:
    return {
        "label": part.label,
        "basis_label": part.basis_label,
        "amount": str(part.amount),
        "component_total": str(part.component_total),
        "basis": None if part.basis is None else str(part.basis),
        "basis_total": None if part.basis_total is None else str(part.basis_total),
        "weight_share": None if part.weight_share is None else str(part.weight_share),
    }


def preview(
    service: SharedService, key_config: dict[str, Any], year: int, total: Decimal | None
) -> allocation.Allocation:
    """The shares ``key_config`` would give for ``year`` (planned net cost unless ``total`` is given)."""
    inputs = gather_inputs(service, year, SettlementKind.ADVANCE)
    key = allocation.parse_key(key_config)
    if total is None and not key.is_charge:
        if inputs.plan.totals is None:
            raise allocation.AllocationError(
                inputs.plan.error
                or _("Für %(year)s gibt es keinen Plan; bitte einen Vorschaubetrag angeben.") % {"year": year}
            )
        total = inputs.plan.totals.shared
    names = {m.body.ars: m.body.name for m in inputs.members}
    return allocation.allocate(key, total, engine_members(inputs), year_days=inputs.year_days, names=names)
