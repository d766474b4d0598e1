"""The API's schemas of the planning part (``/api/v1/planning``), each with the constructor that
builds it from a model or selector result. Money is a decimal with two places (EUR per year)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from verbund.common.money import cents
from verbund.registry.models import Kind
from verbund.shared_services.models import Task, TaskCostModel

from .models import RunStatus, Scenario, SolverKind
from .selectors import (
    COST_FIELDS,
    Comparison,
    Cooperation,
    GroupView,
    RecommendationView,
    StatusQuo,
    StatusQuoRow,
)

ARS_PATTERN = r"^[0-9]{12}$"
STATE_PATTERN = r"^[0-9]{2}$"


class CostModelOut(Schema):
    task: str
    state: str = Field(description="Land, für das das Modell gilt; leer = Standard für alle Länder")
    source: str = Field(description="„Land 07“ (eigenes Modell des Landes) oder „Standard“")
    fixed_cost: Decimal = Field(description="Fixkosten F einer Dienststelle (EUR/Jahr)")
    unit_cost: Decimal = Field(description="Kosten je Einheit c (EUR)")
    scale_exponent: Decimal = Field(description="Größenexponent β ≤ 1: C(v) = F + c · v^β")
    volume_per_inhabitant: Decimal = Field(description="Menge (Fälle, Stunden …) je Einwohner und Jahr")
    overhead_per_member: Decimal = Field(description="Koordinationsaufwand je weiterem Mitglied (EUR/Jahr)")
    travel_cost_per_case_km: Decimal = Field(description="Wegekosten je Fall und km (EUR)")
    detour_factor: Decimal = Field(description="Umwegfaktor auf die Luftlinie")
    assumptions: str
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, model: TaskCostModel) -> CostModelOut:
        return cls(
            task=model.task.slug,
            state=model.state,
            source=f"Land {model.state}" if model.state else "Standard",
            assumptions=model.assumptions,
            updated_at=model.updated_at,
            **{name: getattr(model, name) for name in COST_FIELDS},
        )


class PlanningTaskOut(Schema):
    slug: str
    name: str
    holder_kinds: list[str]
    volume_unit: str
    volume_unit_label: str
    cost_model: CostModelOut | None

    @classmethod
    def of(cls, row: tuple[Task, TaskCostModel | None]) -> PlanningTaskOut:
        task, model = row
        return cls(
            slug=task.slug,
            name=task.name,
            holder_kinds=list(task.holder_kinds),
            volume_unit=task.volume_unit,
            volume_unit_label=task.volume_unit_label,
            cost_model=CostModelOut.of(model) if model else None,
        )


class CostModelIn(Schema):
    fixed_cost: Decimal | None = Field(None, ge=0)
    unit_cost: Decimal | None = Field(None, ge=0)
    scale_exponent: Decimal | None = Field(None, gt=0, le=1)
    volume_per_inhabitant: Decimal | None = Field(None, ge=0)
    overhead_per_member: Decimal | None = Field(None, ge=0)
    travel_cost_per_case_km: Decimal | None = Field(None, ge=0)
    detour_factor: Decimal | None = Field(None, ge=1)
    assumptions: str | None = None


class PlanningBodyRef(Schema):
    ars: str
    name: str
    kind: str
    population: int

    @classmethod
    def of(cls, row: Any) -> PlanningBodyRef:
        return cls(ars=row.ars, name=row.name, kind=row.kind, population=row.population or 0)


class RecommendationOut(Schema):
    rank: int
    members: list[PlanningBodyRef]
    host: PlanningBodyRef
    saving: Decimal = Field(description="Einsparung der Gruppe gegenüber allen allein (EUR/Jahr)")
    standalone_cost: Decimal
    cost: Decimal
    own_saving: Decimal = Field(
        description="Anteil der angefragten Körperschaft (anteilig zu ihren Kosten allein)"
    )
    saving_share: float
    max_distance_km: float
    reasons: list[str]
    extends: bool = Field(
        description="Ergänzt eine bestehende Zusammenarbeit der Körperschaft (geteilter Dienst der Aufgabe)"
    )
    added_saving: Decimal = Field(
        description="Einsparung gegenüber heute: bestehende Zusammenarbeit wie sie ist, alle anderen allein"
    )
    new_partners: list[PlanningBodyRef] = Field(description="Mitglieder, die noch nicht dabei sind")

    @classmethod
    def of(cls, item: RecommendationView) -> RecommendationOut:
        return cls(
            rank=item.rank,
            members=[PlanningBodyRef.of(m) for m in item.members],
            host=PlanningBodyRef.of(item.host),
            saving=cents(item.cost.saving),
            standalone_cost=cents(item.cost.standalone),
            cost=cents(item.cost.cost),
            own_saving=cents(item.own_saving),
            saving_share=round(item.saving_share, 6),
            max_distance_km=round(item.cost.max_distance_km, 3),
            reasons=list(item.reasons),
            extends=item.extends,
            added_saving=cents(item.added_saving),
            new_partners=[PlanningBodyRef.of(m) for m in item.new_partners],
        )


class PlanningCooperationOut(Schema):
    """A shared service for the task in which the body already takes part."""

    service_id: int
    service: str
    alliance: str
    alliance_slug: str
    provider: str
    members: list[str] = Field(description="Erbringende Körperschaft und derzeitige Empfänger")
    saving: Decimal | None = Field(
        description="Einsparung der bestehenden Gruppe nach dem Kostenmodell (EUR/Jahr)"
    )

    @classmethod
    def of(cls, coop: Cooperation) -> PlanningCooperationOut:
        return cls(
            service_id=coop.service_id,
            service=coop.service,
            alliance=coop.alliance,
            alliance_slug=coop.alliance_slug,
            provider=coop.provider,
            members=list(coop.members),
            saving=cents(coop.cost.saving) if coop.cost is not None else None,
        )


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    count: int
    body: PlanningBodyRef
    task: str
    cost_model: CostModelOut
    existing: list[PlanningCooperationOut] = Field(
        description="Geteilte Dienste für die Aufgabe, an denen die Körperschaft schon teilnimmt; die "
        "Empfehlungen ergänzen dann diese Zusammenarbeit"
    )


class AdoptIn(Schema):
    body: str = Field(pattern=ARS_PATTERN)
    task: str
    partners: list[str] = Field(min_length=1, max_length=9)
    name: str = ""


class AdoptOut(Schema):
    alliance: str = Field(description="Kürzel des neuen Verbunds (Status „Idee“)")
    name: str
    url: str


class ScenarioIn(Schema):
    task: str
    state: str = Field("07", pattern=STATE_PATTERN)
    solver: SolverKind = SolverKind.HEURISTIC
    name: str = ""
    max_members: int | None = Field(None, ge=2)
    max_population: int | None = Field(None, gt=0)
    max_distance_km: float | None = Field(None, gt=0)
    contiguous: bool = False
    within_kreis: bool = False
    kreise: list[str] = Field(default_factory=list, description="nur diese Kreise (5-stellige Schlüssel)")
    holder_kinds: list[Kind] = Field(default_factory=list, description="abweichende Träger der Aufgabe")
    keep_alliances: bool = False
    alliances: list[int] | None = Field(
        None, description="feste Verbünde (Standard: die mit geteiltem Dienst)"
    )
    background: bool | None = Field(None, description="im Hintergrund rechnen (Standard: nach Größe)")


class ScenarioItem(Schema):
    id: int
    name: str
    task: str
    state: str
    solver: str
    status: RunStatus
    status_label: str
    progress: int
    total_saving: Decimal | None
    created_at: dt.datetime
    created_by: str | None

    @staticmethod
    def fields_of(s: Scenario) -> dict[str, Any]:
        return {
            "id": s.pk,
            "name": s.name,
            "task": s.task.slug,
            "state": s.state,
            "solver": s.solver,
            "status": s.status,
            "status_label": s.get_status_display(),
            "progress": s.progress,
            "total_saving": s.total_saving,
            "created_at": s.created_at,
            "created_by": s.created_by.get_username() if s.created_by else None,
        }

    @classmethod
    def of(cls, s: Scenario) -> ScenarioItem:
        return cls(**cls.fields_of(s))


class ScenarioDetail(ScenarioItem):
    progress_note: str
    error: str
    parameters: dict[str, Any]
    statistics: dict[str, Any]
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def of(cls, s: Scenario) -> ScenarioDetail:
        return cls(
            **ScenarioItem.fields_of(s),
            progress_note=s.progress_note,
            error=s.error,
            parameters=s.parameters,
            statistics=s.statistics,
            started_at=s.started_at,
            finished_at=s.finished_at,
        )


class MemberOut(PlanningBodyRef):
    saving: Decimal


class GroupOut(Schema):
    number: int
    size: int
    host: PlanningBodyRef | None
    members: list[MemberOut]
    population: int
    standalone_cost: Decimal
    cost: Decimal
    saving: Decimal
    travel_cost: Decimal
    max_distance_km: float
    fixed: bool
    alliance: str | None

    @classmethod
    def of(cls, view: GroupView) -> GroupOut:
        g = view.group
        return cls(
            number=g.number,
            size=g.size,
            host=PlanningBodyRef.of(view.host) if view.host else None,
            members=[MemberOut(**PlanningBodyRef.of(b).dict(), saving=share) for b, share in view.members],
            population=g.population,
            standalone_cost=g.standalone_cost,
            cost=g.cost,
            saving=g.saving,
            travel_cost=g.travel_cost,
            max_distance_km=g.max_distance_km,
            fixed=g.fixed,
            alliance=g.alliance.slug if g.alliance else None,
        )


class MovedOut(Schema):
    ars: str
    name: str
    partners_a: list[str]
    partners_b: list[str]


class CompareOut(Schema):
    a: int
    b: int
    saving_a: Decimal
    saving_b: Decimal
    difference: Decimal
    groups_a: int
    groups_b: int
    groups_in_both: int
    bodies: int
    moved_count: int
    moved: list[MovedOut]
    warnings: list[str] = Field(
        description="Warum die Szenarien nicht unmittelbar vergleichbar sind (verschiedene Regionen, "
        "Träger oder Kostenmodelle); leer, wenn sie es sind"
    )

    @classmethod
    def of(cls, result: Comparison) -> CompareOut:
        return cls(
            a=result.a.pk,
            b=result.b.pk,
            saving_a=result.saving_a,
            saving_b=result.saving_b,
            difference=result.difference,
            groups_a=result.groups_a,
            groups_b=result.groups_b,
            groups_in_both=result.groups_in_both,
            bodies=result.bodies,
            moved_count=result.moved_count,
            moved=[MovedOut.model_validate(m, from_attributes=True) for m in result.moved],
            warnings=list(result.warnings),
        )


class StatusQuoGroupOut(Schema):
    alliances: list[str]
    members: list[str]
    saving: Decimal
    kept: bool

    @classmethod
    def of(cls, row: StatusQuoRow) -> StatusQuoGroupOut:
        return cls(alliances=row.alliance_names, members=row.members, saving=row.saving, kept=row.kept)


class StatusQuoOut(Schema):
    saving: Decimal = Field(description="Einsparung der bestehenden geteilten Dienste (Schätzung)")
    scenario_saving: Decimal
    difference: Decimal
    kept: int
    groups: list[StatusQuoGroupOut]
    candidates: list[str] = Field(description="weitere Verbünde ohne erfassten Dienst für diese Aufgabe")
    warnings: list[str]

    @classmethod
    def of(cls, result: StatusQuo) -> StatusQuoOut:
        return cls(
            saving=result.saving,
            scenario_saving=result.scenario_saving,
            difference=result.difference,
            kept=result.kept,
            groups=[StatusQuoGroupOut.of(row) for row in result.rows],
            candidates=result.candidate_names,
            warnings=result.warnings,
        )


__all__ = [
    "ARS_PATTERN",
    "STATE_PATTERN",
    "AdoptIn",
    "AdoptOut",
    "CompareOut",
    "CostModelIn",
    "CostModelOut",
    "GroupOut",
    "MemberOut",
    "MovedOut",
    "PlanningBodyRef",
    "RecommendationOut",
    "RecommendationPage",
    "ScenarioDetail",
    "ScenarioIn",
    "ScenarioItem",
    "StatusQuoGroupOut",
    "StatusQuoOut",
]
