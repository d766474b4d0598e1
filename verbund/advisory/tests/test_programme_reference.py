"""The programme summary against a straightforward reference computation on small random worlds
(seeded): participation per year and by Kreis (walking the registry's parent chain, day by day),
money per year and the planned and measured savings (choosing the settlement per service and year
by hand)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from verbund.advisory.services.programme import GEMEINDE_KINDS, programme_summary
from verbund.alliances.models import Membership
from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding import workflow
from verbund.funding.models import Application, GrantNotice, GrantYear, ProgrammeYear
from verbund.funding.tests.factories import ProgrammeFactory
from verbund.registry.models import Body, Kind
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import Settlement, SettlementLine, SettlementStatus
from verbund.shared_services.tests.factories import SharedServiceFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)
YEARS = list(range(2019, 2027))


def _day(rng: random.Random) -> dt.date:
    return dt.date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))


def _random_world(seed: int) -> None:
    rng = random.Random(seed)
    members: list[Any] = []
    for _ in range(2):
        kreis = BodyFactory.create(landkreis=True)
        members.append(kreis)
        for _ in range(2):
            vg = BodyFactory.create(verbandsgemeinde=True, parent=kreis, population=None)
            members.append(vg)
            members += [BodyFactory.create(parent=vg, population=rng.randint(0, 3000)) for _ in range(3)]
        members.append(
            BodyFactory.create(verbandsfreie_gemeinde=True, parent=kreis, population=rng.randint(0, 9000))
        )
    members.append(BodyFactory.create(kreisfreie_stadt=True))
    BodyFactory.create(parent=members[1], population=5000, dissolved=True)  # dissolved: never counted

    programme = ProgrammeFactory.create(budgets={year: f"{rng.randint(1, 9)}000000.00" for year in YEARS})
    program_years = {py.year: py for py in ProgrammeYear.objects.filter(programme=programme)}
    statuses = [workflow.BEWILLIGT, workflow.NACHWEIS, workflow.ABGESCHLOSSEN, workflow.EINGEREICHT]
    for n in range(6):
        alliance = AllianceFactory.create(umsetzung=True)
        chosen = rng.sample(members, rng.randint(1, 5))
        for body in chosen:
            joined = _day(rng)
            if rng.random() < 0.4:  # left, perhaps joined again later
                left = joined + dt.timedelta(days=rng.randint(0, 900))
                Membership.objects.create(alliance=alliance, body=body, joined_on=joined, left_on=left)
                if rng.random() < 0.5:
                    again = left + dt.timedelta(days=rng.randint(0, 400))
                    Membership.objects.create(alliance=alliance, body=body, joined_on=again)
            else:
                Membership.objects.create(alliance=alliance, body=body, joined_on=joined)
        application = Application.objects.create(
            programme=programme,
            number=n + 1,
            alliance=alliance,
            applicant=chosen[0],
            title=f"Vorhaben {n}",
            status=rng.choice(statuses),
            requested_amount=Decimal("1000.00"),
            submitted_at=timezone.now(),
            baseline_annual_costs=Decimal(rng.randint(500, 2000)) if rng.random() < 0.8 else None,
            expected_annual_costs=Decimal(rng.randint(300, 1500)),
        )
        if application.status != workflow.EINGEREICHT:
            notice = GrantNotice.objects.create(
                application=application,
                amount=Decimal("1000.00"),
                planned_eligible_costs=Decimal("1000.00"),
                period_start=dt.date(2024, 1, 1),
                period_end=dt.date(2026, 12, 31),
                conditions="Nebenbestimmungen",
            )
            for year in rng.sample(YEARS, 2):
                amount = Decimal(rng.randint(100, 900))
                GrantYear.objects.create(
                    grant=notice, programme_year=program_years[year], amount=amount, drawn=amount / 4
                )
        service = SharedServiceFactory.create(alliance=alliance, provider=chosen[0])
        for year in rng.sample(YEARS, 3):
            for kind, version in [("advance", 1), ("advance", 2), ("final", 1), ("final", 2)]:
                if rng.random() < 0.5:
                    continue
                settlement = Settlement.objects.create(
                    service=service,
                    year=year,
                    kind=kind,
                    version=version,
                    # a draft only as the newest version (one draft per service, year and kind)
                    status=SettlementStatus.DRAFT
                    if version == 2 and rng.random() < 0.4
                    else SettlementStatus.FINALIZED,
                )
                SettlementLine.objects.bulk_create(
                    [
                        SettlementLine(
                            settlement=settlement,
                            body=body,
                            days=365,
                            share=Decimal(rng.randint(100, 500)),
                            standalone_cost=Decimal(rng.randint(200, 900)) if rng.random() < 0.8 else None,
                            revenue_share=Decimal(rng.randint(0, 80)) if rng.random() < 0.9 else None,
                        )
                        for body in chosen
                    ]
                )


# --- the reference ---------------------------------------------------------------------------------


def _kreis_of(body: Body) -> Body | None:
    """The Landkreis or kreisfreie Stadt above (or being) ``body``, by the parent chain."""
    node: Body | None = body
    while node is not None and node.kind not in (Kind.LANDKREIS, Kind.KREISFREIE_STADT):
        node = node.parent
    return node


def _covers(member: Body, gemeinde: Body) -> bool:
    if member.pk == gemeinde.pk:
        return True
    if member.kind == Kind.VERBANDSGEMEINDE:
        return gemeinde.parent_id == member.pk
    if member.kind in (Kind.LANDKREIS, Kind.KREISFREIE_STADT):
        return _kreis_of(gemeinde) == member
    return False


def _reaches(member: Body, gemeinde: Body) -> bool:
    if member.pk == gemeinde.pk:
        return True
    return member.kind == Kind.VERBANDSGEMEINDE and gemeinde.parent_id == member.pk


def _reference_participation(
    day: dt.date, kreis: str = ""
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    valid = [
        m
        for m in Membership.objects.select_related("body")
        if m.joined_on <= day and (m.left_on is None or m.left_on > day) and m.body.ars.startswith(kreis)
    ]
    bodies = {m.body.pk: m.body for m in valid}
    gemeinden = [
        g
        for g in Body.objects.filter(
            kind__in=GEMEINDE_KINDS, dissolved_on__isnull=True, population__isnull=False
        )
        if g.ars.startswith(kreis)
    ]
    by_kreis: dict[str, dict[str, int]] = defaultdict(
        lambda: {"bodies": 0, "municipalities": 0, "inhabitants": 0}
    )
    for body in bodies.values():
        by_kreis[body.ars[:5]]["bodies"] += 1
    totals = {"bodies": len(bodies), "alliances": len({m.alliance_id for m in valid}), "municipalities": 0}
    totals["inhabitants"] = 0
    for g in gemeinden:
        here = _kreis_of(g)
        assert here is not None
        if any(_covers(b, g) for b in bodies.values()):
            totals["inhabitants"] += g.population or 0
            by_kreis[here.ars[:5]]["inhabitants"] += g.population or 0
        if any(_reaches(b, g) for b in bodies.values()):
            totals["municipalities"] += 1
            by_kreis[here.ars[:5]]["municipalities"] += 1
    return totals, {k: v for k, v in by_kreis.items() if v["bodies"] or v["inhabitants"]}


def _reference_measured(year: int, kreis: str = "") -> tuple[Decimal, Decimal, int]:
    chosen: dict[tuple[int, int], Settlement] = {}
    for s in Settlement.objects.filter(status=SettlementStatus.FINALIZED, year=year):
        key = (s.service_id, s.year)
        if key not in chosen or (s.kind == "final", s.version) > (
            chosen[key].kind == "final",
            chosen[key].version,
        ):
            chosen[key] = s
    standalone = shared = Decimal("0.00")
    lines = 0
    for line in SettlementLine.objects.filter(settlement__in=list(chosen.values())).select_related("body"):
        if line.standalone_cost is None or line.revenue_share is None or not line.body.ars.startswith(kreis):
            continue
        standalone += line.standalone_cost
        shared += line.share + line.revenue_share
        lines += 1
    return standalone, shared, lines


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summary_equals_a_straightforward_reference(seed: int) -> None:
    _random_world(seed)
    kreise = sorted({b.ars[:5] for b in Body.objects.filter(kind=Kind.LANDKREIS)})
    for years, kreis in [(None, ""), ([2020, 2026, 2027], ""), ([2022, 2025], kreise[0]), (None, kreise[1])]:
        summary = programme_summary(years=years, kreis=kreis or None, today=TODAY)
        for row in summary.participation_by_year:
            day = min(dt.date(row["year"], 12, 31), TODAY)
            totals, _ = _reference_participation(day, kreis)
            assert {k: row[k] for k in totals} == totals, (seed, years, kreis, row["year"])
        totals, by_kreis = _reference_participation(dt.date.fromisoformat(summary.as_of), kreis)
        assert {k: summary.participation[k] for k in totals} == totals
        assert {
            r["kreis"]: {k: r[k] for k in ("bodies", "municipalities", "inhabitants")}
            for r in summary.participation_by_kreis
        } == by_kreis

        applicants = Application.objects.filter(applicant__ars__startswith=kreis)
        for row in summary.money_by_year:
            parts = GrantYear.objects.filter(
                programme_year__year=row["year"], grant__application__in=applicants
            )
            assert Decimal(row["granted"]) == sum((p.amount for p in parts), Decimal("0.00"))
            assert Decimal(row["paid"]) == sum((p.drawn for p in parts), Decimal("0.00"))
            budget = sum(
                (py.budget for py in ProgrammeYear.objects.filter(year=row["year"])), Decimal("0.00")
            )
            assert Decimal(row["budget"]) == budget

        granted = [
            a
            for a in applicants.filter(status__in=workflow.GRANTED)
            if a.baseline_annual_costs is not None and a.expected_annual_costs is not None
        ]
        planned = summary.savings["planned"]
        assert planned["applications"] == len(granted)
        planned_by_hand = [(a.baseline_annual_costs or 0) - (a.expected_annual_costs or 0) for a in granted]
        assert Decimal(planned["saving"]) == sum(planned_by_hand, Decimal("0.00"))
        all_standalone = all_shared = Decimal("0.00")
        all_lines = 0
        for row in summary.savings_by_year:
            standalone, shared, lines = _reference_measured(row["year"], kreis)
            assert (Decimal(row["standalone"]), Decimal(row["shared"]), row["lines"]) == (
                standalone,
                shared,
                lines,
            )
            all_standalone, all_shared, all_lines = (
                all_standalone + standalone,
                all_shared + shared,
                all_lines + lines,
            )
        measured = summary.savings["measured"]
        assert (Decimal(measured["standalone"]), Decimal(measured["shared"])) == (all_standalone, all_shared)
        assert measured["lines"] == all_lines
    # the worlds are not trivial: someone took part, something was measured
    everything = programme_summary(today=TODAY)
    assert everything.participation["bodies"] and everything.savings["measured"]["lines"]
