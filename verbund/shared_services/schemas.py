"""The API's schemas of shared services (requests and typed responses); money is a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from verbund.common.api import Page

ARS_PATTERN = r"^[0-9]{12}$"
Money = Decimal
PlanKindIn = Literal["plan", "actual"]
SettlementKindIn = Literal["advance", "final"]


class ServiceTaskOut(Schema):
    slug: str
    name: str
    volume_unit: str
    volume_unit_label: str
    holder_kinds: list[str]


class KeyTypeOut(Schema):
    type: str
    label: str
    help: str
    fields: list[str]


class ServiceBodyRef(Schema):
    ars: str
    name: str


class ServiceItem(Schema):
    id: int
    name: str
    alliance: str = Field(description="Kürzel des Verbunds")
    task: str = Field(description="Kürzel der Aufgabe")
    task_name: str
    provider: ServiceBodyRef
    recipient_count: int = Field(description="aktuelle Empfänger")
    key_description: str
    url: str


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
    total: Money | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description="Betrag; ohne: Plankosten des Jahres"
    )


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
    fte: Money | None = Field(
        None, ge=0, max_digits=6, decimal_places=2, description="Stellenanteil (Personal)"
    )
    pay_grade: str = Field("", max_length=10, description="z. B. E9a, A11 (Personal)")
    amount: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    percent: Money | None = Field(
        None, ge=0, le=999, max_digits=5, decimal_places=2, description="Gemeinkosten in % der Personalkosten"
    )


class VolumeOut(Schema):
    id: int
    ars: str
    name: str
    period_start: dt.date
    period_end: dt.date
    quantity: Money
    note: str
    source: str


class VolumePage(Page[VolumeOut]):
    total: Money = Field(description="Summe aller Mitglieder im Jahr")
    hidden: int = Field(description="Einträge anderer Mitglieder, die nicht angezeigt werden")


class VolumeIn(Schema):
    ars: str = Field(pattern=ARS_PATTERN)
    period_start: dt.date
    period_end: dt.date
    quantity: Money = Field(ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2)
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


class InstalmentOut(Schema):
    due: dt.date
    amount: Money


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
    instalments: list[InstalmentOut]
    standalone_cost: Money | None = Field(description="Kosten allein (Schätzung nach Kostenmodell)")
    saving: Money | None


class LinePage(Page[LineOut]):
    total: Money = Field(description="Summe aller Anteile")


class ComputeIn(Schema):
    year: int = Field(ge=2000, le=2100)
    kind: SettlementKindIn


class CorrectionIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class FinalizeIn(Schema):
    confirmed: bool = Field(
        False, description="Bestätigung: die Anteile werden verbindlich, die Rechnungen werden ausgestellt"
    )
