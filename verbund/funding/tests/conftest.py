"""Fixtures of the funding tests: a small world of bodies, users in every role, an alliance of three
Verbandsgemeinden and the RLP pilot programme.

``world``: Landkreis "Kaiserslautern" with the VGs Landstuhl (a), Ramstein-Miesenbach (b) and
Enkenbach-Alsenborn (c), a–b and b–c sharing borders (contiguous), an Ortsgemeinde in a, a VG
elsewhere (outsider). Users: head and clerk of a, head of b (a member that reads), the alliance's
coordinator, the head of the outsider, the funding authority, the Beratungsstelle, an operator and a
user without a role. ``alliance``: the three VGs, coordinated by ``world.coordinator``.
``programme``: RLP pilot rules (3 → 210,000 EUR, ≥ 4 → 320,000 EUR), 2025 and 2026 with 5 Mio EUR.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.models import FieldOfAction
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours

from .factories import ProgrammeFactory


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern", centroid_lat=49.44, centroid_lon=7.77)
    vg_a = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Landstuhl")
    vg_b = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Ramstein-Miesenbach")
    vg_c = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Enkenbach-Alsenborn")
    og = BodyFactory.create(parent=vg_a, name="Kindsbach")
    outsider = BodyFactory.create(verbandsgemeinde=True, name="Anderswo")
    for body in (kreis, vg_a, vg_b, vg_c, og, outsider):
        BodyBoundaryFactory(body=body)
    make_neighbours(vg_a, vg_b)
    make_neighbours(vg_b, vg_c)
    authority = UserFactory(username="bewilligung", email="bewilligung@example.org")
    RoleAssignmentFactory(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    advisory = UserFactory(username="beratung")
    RoleAssignmentFactory(user=advisory, role=Role.BERATUNGSSTELLE)
    return SimpleNamespace(
        kreis=kreis,
        vg_a=vg_a,
        vg_b=vg_b,
        vg_c=vg_c,
        og=og,
        outsider=outsider,
        head_a=UserFactory(username="leitung.a", head_of=vg_a),
        clerk_a=UserFactory(username="sachbearbeitung.a", staff_of=vg_a),
        head_b=UserFactory(username="leitung.b", head_of=vg_b),
        coordinator=UserFactory(username="koordination"),
        head_outsider=UserFactory(username="leitung.anderswo", head_of=outsider),
        authority=authority,
        advisory=advisory,
        operator=UserFactory(username="betrieb", operator=True),
        nobody=UserFactory(username="ohne.rolle"),
    )


@pytest.fixture
def alliance(world: SimpleNamespace) -> Any:
    return AllianceFactory(
        name="Interkommunale Cybersicherheit",
        slug="cyber",
        members=[world.vg_a, world.vg_b, world.vg_c],
        coordinator=world.coordinator,
        fields=[FieldOfAction.objects.get(slug="cybersicherheit")],
    )


@pytest.fixture
def programme(db: Any) -> Any:
    return ProgrammeFactory.create(
        slug="ikz-pilot", code="IKZ-RLP", name="IKZ-Pilotförderung Rheinland-Pfalz"
    )
