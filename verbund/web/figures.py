"""What the start page and the open-data catalogue tell about the programme, computed from the database.

Only what the visitor may see: alliances through ``Alliance.objects.visible_to(principal)`` (the
public sees the published ones), funding as the public aggregates of the programmes — budget per
year, the sum granted against it and the number of grants — which the programme pages already show
to everyone (``funding.policies``: programmes, their rules and budgets are public; the grants above
1,000 EUR are published on the transparency platform). Applications, applicants and single grants
stay with those who may read the portfolio.

* :func:`programme_figures` — current alliances, member bodies and the Land coverage: the share
  of the Land's Gemeinden (and inhabitants) that are a member or lie in a member (a Verbandsgemeinde
  covers its Ortsgemeinden, a Landkreis everything in it; by ARS prefix).
* :func:`alliance_map` — one point per member body (its centroid), coloured by its alliance's
  status, for the map of the start page; the colours are :data:`STATUS_COLOURS` (legend and map).
* :func:`funding_overview` — per programme and budget year: budget, granted, share, grants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, Membership, Status
from verbund.alliances.selectors import member_points
from verbund.common.money import cents
from verbund.common.principal import Principal
from verbund.funding.models import GrantYear, Programme
from verbund.funding.selectors import budget_overview
from verbund.registry.models import ASSOCIATION_KINDS, KREIS_KINDS, Body, Kind
from verbund.registry.selectors import state_name

#: Colour of each status on the map and in its legend (dark enough against white for 3:1).
STATUS_COLOURS: dict[str, str] = {
    Status.IDEE.value: "#6b2c91",
    Status.ANBAHNUNG.value: "#8a4f00",
    Status.VEREINBARUNG.value: "#00707a",
    Status.UMSETZUNG.value: "#0b3b8c",
    Status.REGELBETRIEB.value: "#1b7a3a",
}
#: Statuses that count as cooperating now (an ended alliance is history).
ACTIVE_STATUSES = tuple(STATUS_COLOURS)


def active_alliances(principal: Principal) -> Any:
    return Alliance.objects.visible_to(principal).filter(status__in=ACTIVE_STATUSES)


def _prefix(kind: str, ars: str) -> str:
    """The ARS prefix of everything inside a body of ``kind`` (see module doc)."""
    if kind == Kind.LAND:
        return ars[:2]
    if kind == Kind.REGIERUNGSBEZIRK:
        return ars[:3]
    if kind in KREIS_KINDS:
        return ars[:5]
    if kind in ASSOCIATION_KINDS:
        return ars[:9]
    return ars


@dataclass
class Coverage:
    state: str
    name: str
    gemeinden: int
    covered: int
    population: int
    covered_population: int

    @property
    def percent(self) -> Decimal:
        return cents(Decimal(self.covered * 100) / self.gemeinden) if self.gemeinden else Decimal(0)

    @property
    def population_percent(self) -> Decimal:
        if not self.population:
            return Decimal(0)
        return cents(Decimal(self.covered_population * 100) / self.population)


@dataclass
class ProgrammeFigures:
    alliances: int
    members: int
    by_status: list[dict[str, Any]]
    coverage: list[Coverage] = field(default_factory=list)


def programme_figures(principal: Principal) -> ProgrammeFigures:
    """Alliances, members and Land coverage visible to ``principal`` (four queries)."""
    alliances = active_alliances(principal)
    status_counts = dict(alliances.order_by().values_list("status").annotate(n=Count("pk")))
    members = list(
        Membership.objects.current()
        .filter(alliance__in=alliances.order_by().values("pk"))
        .values_list("body_id", "body__kind", "body__ars", "body__state")
        .distinct()
    )
    bodies = {row[0]: row for row in members}
    prefixes = {_prefix(kind, ars) for _id, kind, ars, _state in bodies.values()}
    states = sorted({state for *_rest, state in bodies.values()})
    coverage = []
    for state in states:
        total = covered = population = covered_population = 0
        for ars, inhabitants in (
            Body.objects.current().gemeinden().filter(state=state).values_list("ars", "population").iterator()
        ):
            total += 1
            population += inhabitants or 0
            if any(ars[:n] in prefixes for n in (2, 3, 5, 9, 12)):
                covered += 1
                covered_population += inhabitants or 0
        coverage.append(Coverage(state, state_name(state), total, covered, population, covered_population))
    labels = dict(Status.choices)
    by_status = [
        {
            "status": status,
            "label": _(str(labels[status])),
            "count": status_counts.get(status, 0),
            "colour": colour,
        }
        for status, colour in STATUS_COLOURS.items()
    ]
    return ProgrammeFigures(
        alliances=sum(status_counts.values()), members=len(bodies), by_status=by_status, coverage=coverage
    )


def alliance_map(principal: Principal) -> dict[str, Any]:
    """The members of the visible active alliances as a FeatureCollection of centroids (one query).

    ``alliances`` lists ``[slug, name, status]``; a point's ``alliances`` are indexes into it, and
    its ``status`` is that of its first alliance (the colour). ``colours`` maps status → colour.
    """
    return {**member_points(active_alliances(principal)), "colours": STATUS_COLOURS}


@dataclass
class FundingYear:
    year: int
    budget: Decimal
    granted: Decimal
    grants: int

    @property
    def percent(self) -> Decimal:
        return cents(self.granted * 100 / self.budget) if self.budget else Decimal(0)


@dataclass
class FundingProgramme:
    name: str
    slug: str
    years: list[FundingYear]
    #: distinct grants (a grant spanning two years counts in each year, once here)
    grants: int

    @property
    def budget(self) -> Decimal:
        return sum((y.budget for y in self.years), Decimal("0.00"))

    @property
    def granted(self) -> Decimal:
        return sum((y.granted for y in self.years), Decimal("0.00"))

    @property
    def percent(self) -> Decimal:
        return cents(self.granted * 100 / self.budget) if self.budget else Decimal(0)


def funding_overview(principal: Principal) -> list[FundingProgramme]:
    """Budget, granted sum and number of grants per programme and year (public aggregates)."""
    programmes = list(Programme.objects.visible_to(principal).order_by("name"))
    result = []
    for programme in programmes:
        counts = dict(
            GrantYear.objects.filter(programme_year__programme=programme)
            .values_list("programme_year__year")
            .annotate(n=Count("grant_id", distinct=True))
        )
        years = [
            FundingYear(
                year=row.year, budget=row.budget, granted=row.committed, grants=counts.get(row.year, 0)
            )
            for row in budget_overview(programme)
        ]
        if not years:
            continue
        grants = (
            GrantYear.objects.filter(programme_year__programme=programme)
            .values("grant_id")
            .distinct()
            .count()
        )
        result.append(FundingProgramme(name=programme.name, slug=programme.slug, years=years, grants=grants))
    return result


def funding_modified() -> Any:
    """When the public funding figures last changed (the newest grant or programme change)."""
    from verbund.funding.models import GrantNotice

    stamps = [
        GrantNotice.objects.aggregate(last=Max("issued_at"))["last"],
        Programme.objects.aggregate(last=Max("updated_at"))["last"],
    ]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None
