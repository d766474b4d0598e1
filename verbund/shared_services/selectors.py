"""Reads of shared services across models. Lists start from ``visible_to(principal)``; single objects
come through :func:`access_service` / :func:`access_settlement` (404 invisible-or-missing, 403 visible
but not allowed); what a member may see of other members (only totals) is decided with
:class:`ServiceAccess`, built from the predicates of :mod:`.policies`.

* :func:`service_list` — the services a user sees (optionally of one alliance), list data up front.
* :func:`alliance_overview` — the settlement page of an alliance: per service the latest settlement of
  a year, the user's own share, savings; a constant number of queries whatever the number of services.
* :func:`settlement_lines` — the lines a user may see; :func:`settlement_diff` — a correction's
  differences to the version it corrects; :func:`settlement_versions`.
* :func:`recipients_history`, :func:`volume_rows`, :func:`cost_plan_view`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import Alliance
from verbund.common.access import access_object
from verbund.common.principal import Principal

from . import allocation, calculation, policies
from .models import (
    BillingProfile,
    CostPlan,
    PopulationFigure,
    ServiceRecipient,
    Settlement,
    SettlementKind,
    SettlementLine,
    SettlementStatus,
    SharedService,
    VolumeRecord,
)

ZERO = Decimal("0.00")
NOT_FOUND = gettext_noop("Kein solcher Dienst.")


# --- access -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccess:
    """What a principal may do with one service (the policies, evaluated once for a page)."""

    manages: bool
    maintains: bool
    reads_all: bool
    own_body_ids: frozenset[int]

    @property
    def sees_all_lines(self) -> bool:
        return self.manages or self.maintains or self.reads_all

    @property
    def computes(self) -> bool:
        return self.manages or self.maintains

    def sees_line_of(self, body_id: int) -> bool:
        return self.sees_all_lines or body_id in self.own_body_ids


def service_access(principal: Principal, service: SharedService) -> ServiceAccess:
    return ServiceAccess(
        manages=policies.manages(principal, service),
        maintains=policies.maintains(principal, service),
        reads_all=policies.sees_all_lines(principal, service),
        own_body_ids=policies.own_body_ids(principal),
    )


def _pk(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_service(
    principal: Principal, service_id: int | str, *, need: policies.Need | None = None
) -> SharedService:
    """The service if ``principal`` may see it (else 404); with ``need``, 403 unless that is allowed."""
    return access_object(
        SharedService.objects.select_related("alliance", "task", "provider", "legal_basis"),
        principal,
        need=policies.need_for(need),
        refusal=policies.REFUSALS[need] if need else "",
        not_found=_(NOT_FOUND),
        pk=_pk(service_id),
    )


def access_settlement(
    principal: Principal, settlement_id: int | str, *, need: policies.Need | None = None
) -> Settlement:
    """A settlement of a service ``principal`` may see (else 404); ``need`` as in :func:`access_service`."""
    allowed = policies.need_for(need)
    return access_object(
        Settlement.objects.select_related(
            "service__alliance",
            "service__task",
            "service__provider",
            "previous",
            "computed_by",
            "finalized_by",
        ),
        principal,
        need=None if allowed is None else (lambda p, settlement: allowed(p, settlement.service)),
        refusal=policies.REFUSALS[need] if need else "",
        not_found=_("Keine solche Abrechnung."),
        pk=_pk(settlement_id),
    )


def service_list(
    principal: Principal, *, alliance: Alliance | None = None, with_recipients: bool = False
) -> QuerySet[SharedService]:
    """Visible services with task, provider, alliance and the number of current recipients.

    ``with_recipients`` prefetches the recipients with their bodies (one more query), for lists that
    describe the keys with member names (:func:`key_description`).
    """
    qs = SharedService.objects.visible_to(principal)
    if alliance is not None:
        qs = qs.filter(alliance=alliance)
    qs = qs.select_related("alliance", "task", "provider").annotate(
        recipient_count=Count("recipients", filter=Q(recipients__until_date__isnull=True), distinct=True)
    )
    if with_recipients:
        qs = qs.prefetch_related(
            Prefetch("recipients", queryset=ServiceRecipient.objects.select_related("body"))
        )
    return qs.order_by("alliance__name", "name", "id")


def key_description(service: SharedService, recipients: list[ServiceRecipient] | None = None) -> str:
    """The service's key in German, with member names: from ``recipients`` when given, else from the
    prefetched recipients (:func:`service_list`), else from one query with their bodies."""
    if recipients is None:
        recipients = list(
            service.recipients.all()
            if "recipients" in getattr(service, "_prefetched_objects_cache", {})
            else service.recipients.select_related("body")
        )
    names = {r.body.ars: r.body.name for r in recipients}
    try:
        return allocation.describe_config(service.allocation_key, names)
    except allocation.KeyConfigError as exc:
        return _("ungültiger Schlüssel: %(error)s") % {"error": exc}


def recipients_history(service: SharedService) -> list[ServiceRecipient]:
    return list(
        ServiceRecipient.objects.filter(service=service)
        .select_related("body")
        .order_by("body__name", "from_date")
    )


def current_recipient_bodies(service: SharedService) -> list[Any]:
    return [
        r.body
        for r in ServiceRecipient.objects.current()
        .filter(service=service)
        .select_related("body")
        .order_by("body__name")
    ]


def population_figures(service: SharedService, year: int) -> list[PopulationFigure]:
    return list(
        PopulationFigure.objects.filter(service=service, year=year)
        .select_related("body")
        .order_by("body__name")
    )


# --- cost plans -------------------------------------------------------------------------------------


def cost_plan_view(service: SharedService, year: int, kind: str) -> calculation.PlanInput:
    return calculation.plan_input(calculation.cost_plan_for(service, year, kind))


def cost_plan_years(service: SharedService) -> list[int]:
    years = set(CostPlan.objects.filter(service=service).values_list("year", flat=True))
    years |= set(Settlement.objects.filter(service=service).values_list("year", flat=True))
    return sorted(years, reverse=True)


# --- volumes ----------------------------------------------------------------------------------------


@dataclass
class VolumeView:
    rows: list[VolumeRecord]
    total: Decimal
    per_body: dict[int, Decimal]
    hidden_count: int


def volume_rows(service: SharedService, year: int, perms: ServiceAccess) -> VolumeView:
    """The year's volume records the user may see (others only as a total and a count)."""
    qs = VolumeRecord.objects.filter(service=service, period_start__year=year).select_related("body")
    rows = list(qs.order_by("body__name", "period_start"))
    total = sum((r.quantity for r in rows), ZERO)
    visible = [r for r in rows if perms.sees_line_of(r.body_id)]
    per_body: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for r in visible:
        per_body[r.body_id] += r.quantity
    return VolumeView(
        rows=visible, total=total, per_body=dict(per_body), hidden_count=len(rows) - len(visible)
    )


# --- settlements ------------------------------------------------------------------------------------


def settlement_versions(service: SharedService, year: int | None = None) -> list[Settlement]:
    qs = Settlement.objects.filter(service=service).select_related("finalized_by", "computed_by")
    if year is not None:
        qs = qs.filter(year=year)
    return list(qs.order_by("-year", "kind", "-version"))


def settlement_lines(settlement: Settlement, perms: ServiceAccess) -> list[SettlementLine]:
    """The lines the user may see: all for provider, coordination and readers; else the own ones."""
    qs = (
        SettlementLine.objects.filter(settlement=settlement)
        .select_related("body")
        .order_by("body__name", "body__ars")
    )
    if not perms.sees_all_lines:
        qs = qs.filter(body_id__in=perms.own_body_ids)
    return list(qs)


@dataclass(frozen=True)
class DiffRow:
    body_id: int
    name: str
    ars: str
    before: Decimal | None
    after: Decimal | None

    @property
    def difference(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


def settlement_diff(settlement: Settlement, perms: ServiceAccess) -> list[DiffRow]:
    """Share per member in the corrected version and in this one (only rows the user may see)."""
    if settlement.previous_id is None:
        return []
    rows: dict[int, dict[str, Any]] = {}
    lines = SettlementLine.objects.filter(settlement_id__in=[settlement.previous_id, settlement.pk]).values(
        "settlement_id", "body_id", "body__name", "body__ars", "share"
    )
    for line in lines:
        if not perms.sees_line_of(line["body_id"]):
            continue
        row = rows.setdefault(
            line["body_id"],
            {"name": line["body__name"], "ars": line["body__ars"], "before": None, "after": None},
        )
        row["after" if line["settlement_id"] == settlement.pk else "before"] = line["share"]
    return sorted(
        (
            DiffRow(body_id=k, name=v["name"], ars=v["ars"], before=v["before"], after=v["after"])
            for k, v in rows.items()
        ),
        key=lambda r: (r.name, r.ars),
    )


# --- the alliance's settlement page -----------------------------------------------------------------


@dataclass
class OverviewRow:
    service: SharedService
    perms: ServiceAccess
    settlement: Settlement | None = None
    own_share: Decimal | None = None
    own_balance: Decimal | None = None
    standalone_total: Decimal | None = None
    share_total_with_estimate: Decimal | None = None  # shares + parts of the revenues (before fees)

    @property
    def saving(self) -> Decimal | None:
        if self.standalone_total is None or self.share_total_with_estimate is None:
            return None
        return self.standalone_total - self.share_total_with_estimate


@dataclass
class AllianceOverview:
    year: int
    rows: list[OverviewRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.settlement.total for r in self.rows if r.settlement), ZERO)

    @property
    def standalone_total(self) -> Decimal:
        return sum((r.standalone_total for r in self.rows if r.standalone_total is not None), ZERO)

    @property
    def saving_total(self) -> Decimal:
        return sum((r.saving for r in self.rows if r.saving is not None), ZERO)

    @property
    def own_total(self) -> Decimal:
        return sum((r.own_share for r in self.rows if r.own_share is not None), ZERO)


def _latest_per_service(service_ids: list[int], year: int) -> dict[int, Settlement]:
    """The settlement to show per service: the newest final one, else the newest advances."""
    chosen: dict[int, Settlement] = {}
    qs = Settlement.objects.filter(service_id__in=service_ids, year=year).order_by("service_id", "-version")
    for settlement in qs.defer("snapshot", "key_config"):
        current = chosen.get(settlement.service_id)
        if current is None or _rank(settlement) > _rank(current):
            chosen[settlement.service_id] = settlement
    return chosen


def _rank(settlement: Settlement) -> tuple[bool, bool, int]:
    """Final before advances, finalized before drafts, then the newest version."""
    return (
        settlement.kind == SettlementKind.FINAL,
        settlement.status == SettlementStatus.FINALIZED,
        settlement.version,
    )


def latest_settlement_year(principal: Principal, alliance: Alliance) -> int | None:
    """The latest year with a settlement among the alliance's services the user sees."""
    return (
        Settlement.objects.filter(service__in=service_list(principal, alliance=alliance).values("pk"))
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def alliance_overview(principal: Principal, alliance: Alliance, year: int) -> AllianceOverview:
    """Services of ``alliance`` with their settlement of ``year``: totals for everyone, the own share
    for members, the savings estimate (sum over the lines with an estimate) for those who see all lines.

    Four queries whatever the number of services (services, settlements, own lines, sums).
    """
    own_body_ids = policies.own_body_ids(principal)
    services = list(service_list(principal, alliance=alliance))
    overview = AllianceOverview(year=year)
    chosen = _latest_per_service([s.pk for s in services], year)
    settlement_ids = [s.pk for s in chosen.values()]
    own: dict[int, tuple[Decimal, Decimal]] = {}
    if own_body_ids and settlement_ids:
        for settlement_id, share, balance in SettlementLine.objects.filter(
            settlement_id__in=settlement_ids, body_id__in=own_body_ids
        ).values_list("settlement_id", "share", "balance"):
            previous = own.get(settlement_id, (ZERO, ZERO))
            own[settlement_id] = (previous[0] + share, previous[1] + balance)
    sums: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    if settlement_ids:
        for summed in (
            SettlementLine.objects.filter(
                settlement_id__in=settlement_ids, standalone_cost__isnull=False, revenue_share__isnull=False
            )
            .values("settlement_id")
            .annotate(standalone=Sum("standalone_cost"), share=Sum("share"), revenue=Sum("revenue_share"))
            .order_by()
        ):
            # Like with like: the shares plus the members' parts of the fee income (costs before fees).
            sums[summed["settlement_id"]] = (summed["standalone"], summed["share"] + summed["revenue"])
    for service in services:
        perms = service_access(principal, service)
        settlement = chosen.get(service.pk)
        row = OverviewRow(service=service, perms=perms, settlement=settlement)
        if settlement is not None:
            if settlement.pk in own:
                row.own_share, row.own_balance = own[settlement.pk]
            if perms.sees_all_lines and settlement.pk in sums:
                row.standalone_total, row.share_total_with_estimate = sums[settlement.pk]
        overview.rows.append(row)
    return overview


# --- billing ----------------------------------------------------------------------------------------


def billing_profile(body_id: int) -> BillingProfile | None:
    return BillingProfile.objects.filter(body_id=body_id).select_related("body").first()


def billing_gaps(service: SharedService) -> list[str]:
    """What the provider's billing data lack for a proper invoice (German labels; empty: complete)."""
    profile = billing_profile(service.provider_id)
    if profile is None:
        return [_("Anschrift, Bankverbindung und Ansprechperson (keine Rechnungsdaten hinterlegt)")]
    return profile.missing_for_sending()


@dataclass
class BillingRow:
    body: Any
    role: str
    profile: BillingProfile | None
    editable: bool


def billing_rows(principal: Principal, service: SharedService) -> list[BillingRow]:
    """The provider and the current and former recipients with their billing data (one query each)."""
    from verbund.registry.models import Body

    ids = {service.provider_id} | set(
        ServiceRecipient.objects.filter(service=service).values_list("body_id", flat=True)
    )
    bodies = {b.pk: b for b in Body.objects.filter(pk__in=ids)}
    profiles = {p.body_id: p for p in BillingProfile.objects.filter(body_id__in=ids)}
    order = sorted(ids, key=lambda i: (i != service.provider_id, bodies[i].name))
    return [
        BillingRow(
            body=bodies[i],
            role=_("erbringt den Dienst") if i == service.provider_id else _("Empfänger"),
            profile=profiles.get(i),
            editable=policies.edits_billing(principal, service, i),
        )
        for i in order
    ]
