"""A small programme world for the programme tests: bodies, alliances, grants, settlements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding import workflow
from verbund.funding.models import Application, GrantNotice, GrantYear, ProgrammeYear
from verbund.funding.tests.factories import ProgrammeFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import Settlement, SettlementLine, SettlementStatus
from verbund.shared_services.tests.factories import SharedServiceFactory


def office() -> Any:
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.BERATUNGSSTELLE)
    return user


def authority() -> Any:
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.BEWILLIGUNGSBEHOERDE)
    return user


def settle(
    service: Any,
    year: int,
    lines: list[tuple[Any, str, str, str]],
    *,
    kind: str = "final",
    finalize: bool = True,
    version: int = 1,
) -> Settlement:
    """A settlement with ``lines`` of (body, share, standalone, revenue_share)."""
    settlement = Settlement.objects.create(service=service, year=year, kind=kind, version=version)
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(
                settlement=settlement,
                body=body,
                days=365,
                share=Decimal(share),
                standalone_cost=Decimal(standalone),
                revenue_share=Decimal(revenue),
            )
            for body, share, standalone, revenue in lines
        ]
    )
    total = sum((Decimal(line[1]) for line in lines), Decimal("0.00"))
    settlement.total = total
    if finalize:
        settlement.status = SettlementStatus.FINALIZED
        settlement.finalized_at = timezone.now()
    settlement.save()
    return settlement


def grant(
    programme: Any,
    alliance: Any,
    applicant: Any,
    number: int,
    amounts: dict[int, str],
    *,
    drawn: dict[int, str] | None = None,
    status: str = workflow.BEWILLIGT,
    period_end: dt.date = dt.date(2026, 12, 31),
    **extra: Any,
) -> Application:
    application = Application.objects.create(
        programme=programme,
        number=number,
        alliance=alliance,
        applicant=applicant,
        title=f"Vorhaben {number}",
        status=status,
        requested_amount=sum((Decimal(a) for a in amounts.values()), Decimal("0")),
        submitted_at=timezone.now(),
        **extra,
    )
    total = sum((Decimal(a) for a in amounts.values()), Decimal("0"))
    notice = GrantNotice.objects.create(
        application=application,
        amount=total,
        planned_eligible_costs=total,
        period_start=dt.date(2025, 1, 1),
        period_end=period_end,
        conditions="Nebenbestimmungen",
    )
    for year, amount in amounts.items():
        py = ProgrammeYear.objects.get(programme=programme, year=year)
        GrantYear.objects.create(
            grant=notice,
            programme_year=py,
            amount=Decimal(amount),
            drawn=Decimal((drawn or {}).get(year, "0")),
        )
        ProgrammeYear.objects.filter(pk=py.pk).update(committed=py.committed + Decimal(amount))
    return application


def world(alliances: int = 2) -> dict[str, Any]:
    """``alliances`` alliances of two VGs each in one Landkreis (3 Ortsgemeinden per VG), one grant and
    one shared service with a final settlement per alliance; the first VG is in every alliance."""
    kreis = BodyFactory(landkreis=True, centroid_lat=49.5, centroid_lon=7.5)
    shared_vg = BodyFactory(verbandsgemeinde=True, parent=kreis, population=None)
    for _ in range(3):
        BodyFactory(parent=shared_vg, population=1000)
    programme = ProgrammeFactory()
    made = []
    for n in range(alliances):
        vg = BodyFactory(verbandsgemeinde=True, parent=kreis, population=None)
        for _ in range(3):
            BodyFactory(parent=vg, population=500)
        alliance = AllianceFactory(umsetzung=True, members=[shared_vg, vg])
        application = grant(
            programme,
            alliance,
            vg,
            n + 1,
            {2025: "10000.00", 2026: "20000.00"},
            drawn={2025: "4000.00"},
            baseline_annual_costs=Decimal("1000.00"),
            expected_annual_costs=Decimal("800.00"),
            commitment_years=5,
        )
        service = SharedServiceFactory(alliance=alliance, provider=vg)
        settle(service, 2025, [(shared_vg, "300.00", "500.00", "50.00"), (vg, "300.00", "450.00", "50.00")])
        made.append({"alliance": alliance, "vg": vg, "application": application, "service": service})
    return {"kreis": kreis, "shared_vg": shared_vg, "programme": programme, "alliances": made}
