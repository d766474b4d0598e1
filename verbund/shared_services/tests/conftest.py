"""Fixtures of the shared-services tests: a small alliance with a provider, members and users.

``ss`` (shared-services world): a Landkreis with three Verbandsgemeinden A (provider), B and C
(populations 20,000 / 10,000 / 5,000), all members of the alliance ``vergabe`` coordinated by
``coordinator``; an outsider VG with its own head; users: clerk and head of A (provider staff),
clerk of B (a member), clerk of C, the Beratungsstelle, an operator and a user without role.
``service`` is the alliance's "Zentrale Vergabestelle" provided by A for A, B and C with the key
50 % equal + 50 % population, and an actual cost plan of 2025 of 100,000 EUR net.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.allocation import EQUAL, mix

from .factories import CostPlanFactory, SharedServiceFactory, ensure_seed_data

MIXED = mix(("50", EQUAL), ("50", {"type": "population"}))


@pytest.fixture
def ss(db: Any) -> SimpleNamespace:
    ensure_seed_data()
    kreis = BodyFactory.create(landkreis=True, name="Donnersbergkreis", population=75_000)
    vg_a = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Kirchheimbolanden", population=20_000, area_ha=14_000
    )
    vg_b = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Göllheim", population=10_000, area_ha=8_000
    )
    vg_c = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Winnweiler", population=5_000, area_ha=6_000
    )
    outsider = BodyFactory.create(verbandsgemeinde=True, name="Anderswo", population=9_000)
    coordinator = UserFactory.create(username="koordination")
    alliance = AllianceFactory.create(
        name="Zentrale Vergabestelle", slug="vergabe", members=[vg_a, vg_b, vg_c], coordinator=coordinator
    )
    advisory = UserFactory.create(username="beratung")
    RoleAssignmentFactory.create(user=advisory, role=Role.BERATUNGSSTELLE)
    return SimpleNamespace(
        kreis=kreis,
        vg_a=vg_a,
        vg_b=vg_b,
        vg_c=vg_c,
        outsider=outsider,
        alliance=alliance,
        coordinator=coordinator,
        clerk_a=UserFactory.create(username="sachbearbeitung.a", staff_of=vg_a),
        head_a=UserFactory.create(username="leitung.a", head_of=vg_a),
        clerk_b=UserFactory.create(username="sachbearbeitung.b", staff_of=vg_b),
        clerk_c=UserFactory.create(username="sachbearbeitung.c", staff_of=vg_c),
        head_outsider=UserFactory.create(username="leitung.anderswo", head_of=outsider),
        advisory=advisory,
        operator=UserFactory.create(username="betrieb", operator=True),
        nobody=UserFactory.create(username="ohne.rolle"),
    )


@pytest.fixture
def service(ss: SimpleNamespace) -> Any:
    service = SharedServiceFactory.create(
        alliance=ss.alliance,
        provider=ss.vg_a,
        name="Zentrale Vergabestelle",
        allocation_key=MIXED,
        recipients=[ss.vg_a, ss.vg_b, ss.vg_c],
    )
    CostPlanFactory.create(
        service=service,
        year=2025,
        kind="actual",
        items=[
            ("staff", "Vergabe", "1.00", "E9a"),  # 66,800
            ("overhead", "Gemeinkosten", "20"),  # 13,360
            ("it", "Vergabeplattform", "24840"),  # → 105,000
            ("revenue", "Kostenerstattungen", "5000"),  # → 100,000 net
        ],
    )
    return service
