"""Fixtures of the planning tests: a small Land with a Landkreis of five Verbandsgemeinden in a row.

``pw`` (planning world): Landkreis "Südkreis" with VGs a–e along a line, 10 km apart and
neighbours in a chain (a–b–c–d–e), populations 12,000 / 25,000 / 9,000 / 15,000 / 6,000; a
Verbandsgemeinde f in another Landkreis far away; an Ortsgemeinde of a (which holds no VG task);
users: Beratungsstelle, operator, head of a, clerk of b, Bewilligungsbehörde, a user without role.
``task`` is the seeded Standesamt (held by Verbandsgemeinden).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.registry.tests.factories import BodyFactory, LandFactory, make_neighbours
from verbund.shared_services.models import Task
from verbund.shared_services.tests.factories import ensure_seed_data

from .helpers import KM_LAT, KM_LON


def at(x_km: float, y_km: float = 0.0) -> dict[str, float]:
    return {"centroid_lon": 7.0 + x_km * KM_LON, "centroid_lat": 50.0 + y_km * KM_LAT}


@pytest.fixture
def pw(db: Any) -> SimpleNamespace:
    ensure_seed_data()
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(landkreis=True, parent=land, name="Südkreis", population=67_000, **at(20, 5))
    far_kreis = BodyFactory.create(
        landkreis=True, parent=land, name="Nordkreis", population=30_000, **at(0, 200)
    )
    vgs = []
    for name, x, population in (
        ("A", 0, 12_000),
        ("B", 10, 25_000),
        ("C", 20, 9_000),
        ("D", 30, 15_000),
        ("E", 40, 6_000),
    ):
        vgs.append(
            BodyFactory.create(
                verbandsgemeinde=True,
                parent=kreis,
                name=f"Verbandsgemeinde {name}",
                population=population,
                **at(x),
            )
        )
    for left, right in itertools.pairwise(vgs):
        make_neighbours(left, right)
    vg_f = BodyFactory.create(
        verbandsgemeinde=True, parent=far_kreis, name="Verbandsgemeinde F", population=20_000, **at(0, 200)
    )
    og = BodyFactory.create(parent=vgs[0], name="Ortsgemeinde A1", population=2_000, **at(1, 1))
    advisory = UserFactory.create(username="beratung")
    RoleAssignmentFactory.create(user=advisory, role=Role.BERATUNGSSTELLE)
    funding = UserFactory.create(username="bewilligung")
    RoleAssignmentFactory.create(user=funding, role=Role.BEWILLIGUNGSBEHOERDE)
    a, b, c, d, e = vgs
    return SimpleNamespace(
        land=land,
        kreis=kreis,
        far_kreis=far_kreis,
        a=a,
        b=b,
        c=c,
        d=d,
        e=e,
        f=vg_f,
        og=og,
        vgs=vgs,
        task=Task.objects.get(slug="standesamt"),
        advisory=advisory,
        operator=UserFactory.create(username="betrieb", operator=True),
        head_a=UserFactory.create(username="leitung.a", head_of=a),
        clerk_b=UserFactory.create(username="sachbearbeitung.b", staff_of=b),
        funding=funding,
        nobody=UserFactory.create(username="ohne.rolle"),
    )


@pytest.fixture
def done_scenario(pw: SimpleNamespace) -> Any:
    from verbund.planning import services

    scenario = services.scenario_create(
        actor=pw.advisory,
        task=pw.task,
        state="07",
        max_members=3,
        contiguous=True,
        name="Standesamt Süd",
    )
    return services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
