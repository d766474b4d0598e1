"""Fixtures of the alliance tests: a small world of bodies, users in every role, one alliance.

``world`` is a Landkreis with three Verbandsgemeinden (vg_a borders vg_b, vg_c borders nobody), an
outside body that belongs to no alliance, and users: coordinator, head and clerk of vg_a, head of
vg_b, head of the outsider, Beratungsstelle, Bewilligungsbehörde, operator, a user without role.
``alliance`` is an unpublished idea of vg_a and vg_b coordinated by ``world.coordinator``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours

from .factories import AllianceFactory


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern")
    vg_a = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Landstuhl")
    vg_b = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Ramstein-Miesenbach")
    vg_c = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Enkenbach-Alsenborn")
    outsider = BodyFactory.create(verbandsgemeinde=True, name="Anderswo")
    for body in (kreis, vg_a, vg_b, vg_c, outsider):
        BodyBoundaryFactory(body=body)
    make_neighbours(vg_a, vg_b)
    advisory = UserFactory(username="beratung")
    RoleAssignmentFactory(user=advisory, role=Role.BERATUNGSSTELLE)
    funding = UserFactory(username="bewilligung")
    RoleAssignmentFactory(user=funding, role=Role.BEWILLIGUNGSBEHOERDE)
    return SimpleNamespace(
        kreis=kreis,
        vg_a=vg_a,
        vg_b=vg_b,
        vg_c=vg_c,
        outsider=outsider,
        coordinator=UserFactory(username="koordination"),
        head_a=UserFactory(username="leitung.a", head_of=vg_a),
        clerk_a=UserFactory(username="sachbearbeitung.a", staff_of=vg_a),
        head_b=UserFactory(username="leitung.b", head_of=vg_b),
        head_outsider=UserFactory(username="leitung.anderswo", head_of=outsider),
        clerk_outsider=UserFactory(username="sachbearbeitung.anderswo", staff_of=outsider),
        advisory=advisory,
        funding=funding,
        operator=UserFactory(username="betrieb", operator=True),
        superuser=UserFactory(username="admin", is_superuser=True, is_staff=True),
        nobody=UserFactory(username="ohne.rolle"),
    )


@pytest.fixture
def alliance(world: SimpleNamespace) -> Any:
    return AllianceFactory(
        name="Interkommunale Cybersicherheit",
        slug="cyber",
        members=[world.vg_a, world.vg_b],
        coordinator=world.coordinator,
    )
