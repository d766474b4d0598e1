"""World builders for the security part's tests and benchmarks (no test runs here).

:func:`alliance_world` writes an alliance whose members are each affected by every one of a number
of public advisories — rows written directly with ``bulk_create`` (no matcher, no audit), as fixtures
are — so that the alliance view and its query count can be measured at any size. The test of the
constant query count (``tests/test_alliance_view.py``) and the benchmark
(``bench/bench_security_alliance_queries.py``) build their worlds with it.

It needs the factories of the accounts, alliances and registry parts (``factory_boy``), which are
installed with the development dependencies.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from verbund.security.models import (
    Advisory,
    Asset,
    Match,
    OfficerKind,
    OfficerShare,
    RemediationState,
    SharedOfficer,
    Vulnerability,
)


def make_isb(alliance: Any, bodies: list[Any], *, person: Any = None, percent: Decimal | None = None) -> Any:
    """The alliance's shared ISB serving ``bodies`` since 30 days, written directly; returns the person.

    Each body's share of the working time is ``percent`` (default: 100 % divided evenly, at most 20 %).
    """
    from verbund.accounts.tests.factories import UserFactory
    from verbund.registry.tests.factories import BodyFactory

    person = person or UserFactory.create()
    officer = SharedOfficer.objects.create(
        kind=OfficerKind.ISB,
        person=person,
        employer=bodies[0] if bodies else BodyFactory.create(verbandsgemeinde=True),
        alliance=alliance,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
    )
    if percent is None and bodies:
        percent = min(Decimal("20"), (Decimal("100") / len(bodies)).quantize(Decimal("0.01"), ROUND_DOWN))
    OfficerShare.objects.bulk_create(
        OfficerShare(officer=officer, body=body, percent=percent or Decimal("1")) for body in bodies
    )
    return person


def affected_advisories(alliance_slug: str, bodies: list[Any], count: int) -> SimpleNamespace:
    """``count`` public advisories (TLP:CLEAR, to all), each affecting one asset of every body.

    Advisory ``n`` has the CVSS score ``n % 10`` and is exploited when ``n % 3 == 0``; a match is
    remediated ("erledigt") when the sum of its vulnerability's and asset's ids is odd. Tracking ids
    are ``BSP-<slug>-<n>``.
    """
    now = timezone.now()
    advisories = Advisory.objects.bulk_create(
        Advisory(
            tlp="clear",
            distribution="all",
            publisher_name="Beispiel GmbH",
            publisher_namespace="https://beispiel.example",
            tracking_id=f"BSP-{alliance_slug}-{n}",
            title=f"Hinweis {n}",
            category="csaf_base",
            version="1",
            tracking_status="final",
            initial_release_date=now,
            current_release_date=now,
            max_score=Decimal(n % 10),
            exploited=n % 3 == 0,
        )
        for n in range(count)
    )
    vulnerabilities = Vulnerability.objects.bulk_create(
        Vulnerability(advisory=a, key=f"CVE-2026-{a.pk}", position=0, cve=f"CVE-2026-{a.pk}")
        for a in advisories
    )
    assets = Asset.objects.bulk_create(
        Asset(owner_body=body, name="Firewall X", vendor="Beispiel", version="2.4.0") for body in bodies
    )
    Match.objects.bulk_create(
        (
            Match(
                advisory=v.advisory,
                vulnerability=v,
                asset=asset,
                product_id="FWX-240",
                status="known_affected",
                confidence="hoch",
                reason="Testdaten",
                state=RemediationState.DONE if (v.pk + asset.pk) % 2 else RemediationState.OPEN,
            )
            for v in vulnerabilities
            for asset in assets
        ),
        batch_size=2000,
    )
    return SimpleNamespace(advisories=advisories, assets=assets)


def alliance_world(members: int, advisories: int, *, slug: str, staff: bool = True) -> SimpleNamespace:
    """An alliance of ``members`` Verbandsgemeinden affected by ``advisories`` advisories each.

    Returns ``alliance``, ``bodies``, ``coordinator``, ``head`` (of the first member), ``isb`` (the
    person of the shared ISB serving every member), ``advisories`` and ``assets``; with ``staff`` also
    ``heads`` and ``clerks``, one per member (``heads[0]`` is ``head``).
    """
    from verbund.accounts.tests.factories import UserFactory
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.tests.factories import BodyFactory

    bodies = [BodyFactory.create(verbandsgemeinde=True) for _ in range(members)]
    coordinator = UserFactory.create()
    alliance = AllianceFactory.create(slug=slug, members=bodies, coordinator=coordinator)
    heads = [UserFactory.create(head_of=body) for body in (bodies if staff else bodies[:1])]
    clerks = [UserFactory.create(staff_of=body) for body in bodies] if staff else []
    isb = make_isb(alliance, bodies)
    filled = affected_advisories(slug, bodies, advisories)
    return SimpleNamespace(
        alliance=alliance,
        bodies=bodies,
        coordinator=coordinator,
        head=heads[0],
        heads=heads,
        clerks=clerks,
        isb=isb,
        advisories=filled.advisories,
        assets=filled.assets,
    )
