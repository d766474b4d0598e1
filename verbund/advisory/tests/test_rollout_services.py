"""Rollout scenario: grants by the rule set's caps and savings per year, per Kreis, from a Land-wide plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.services import rollout as svc
from verbund.common.errors import Forbidden, Invalid
from verbund.planning.models import RunStatus, Scenario, ScenarioGroup
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.tests.factories import _default_task

pytestmark = pytest.mark.django_db


def _group(scenario: Scenario, number: int, members: list[Any], saving: str, **extra: Any) -> ScenarioGroup:
    return ScenarioGroup.objects.create(
        scenario=scenario,
        number=number,
        host=members[0],
        member_ids=[m.pk for m in members],
        member_ars=[m.ars for m in members],
        size=len(members),
        population=1000 * len(members),
        volume=Decimal(100),
        standalone_cost=Decimal(saving) * 3,
        cost=Decimal(saving) * 2,
        office_cost=Decimal(0),
        overhead_cost=Decimal(0),
        travel_cost=Decimal(0),
        saving=Decimal(saving),
        max_distance_km=5.0,
        **extra,
    )


def _scenario(name: str, kreise: list[str] | None = None) -> Scenario:
    return Scenario.objects.create(
        name=name,
        task=_default_task(),
        state="07",
        solver="heuristic",
        parameters={"kreise": kreise or []},
        status=RunStatus.DONE,
        finished_at=timezone.now(),
    )


@pytest.fixture
def plan() -> dict[str, Any]:
    kreis_a = BodyFactory.create(landkreis=True, name="Landkreis Anfang")
    kreis_b = BodyFactory.create(landkreis=True, name="Landkreis Berg")
    vgs_a = [BodyFactory.create(verbandsgemeinde=True, parent=kreis_a) for _ in range(10)]
    vgs_b = [BodyFactory.create(verbandsgemeinde=True, parent=kreis_b) for _ in range(6)]
    scenario = _scenario("Vergabestelle landesweit")
    _group(scenario, 1, vgs_a[0:3], "50000.00")  # 3 VGs, one level: 210.000
    _group(
        scenario, 2, [vgs_a[3], kreis_a, vgs_a[4], vgs_a[5]], "80000.00"
    )  # 4, mixed levels: 320.000 + increase
    _group(scenario, 3, vgs_a[6:8], "10000.00")  # 2 members: below the smallest tier
    _group(scenario, 4, [vgs_a[8], vgs_a[9], vgs_b[5]], "30000.00", fixed=True)  # an existing alliance
    _group(scenario, 5, vgs_b[0:5], "60000.00")  # 5 VGs: 320.000
    _group(scenario, 6, [vgs_b[5]], "0.00")  # alone: not a group of the programme
    # a newer plan for one Kreis only is not a Land-wide plan
    regional = _scenario("nur ein Kreis", kreise=[kreis_a.ars[:5]])
    _group(regional, 1, vgs_a[0:3], "1.00")
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    authority = UserFactory.create()
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    return {"scenario": scenario, "a": kreis_a, "b": kreis_b, "office": office, "authority": authority}


def _row(result: svc.Rollout, kreis: Any) -> svc.KreisRow:
    return next(r for r in result.rows if r.key == kreis.ars[:5])


def test_grants_follow_the_caps_and_savings_the_plan(plan: dict[str, Any]) -> None:
    result = svc.rollout(actor=plan["office"])
    assert result is not None and result.scenario.pk == plan["scenario"].pk
    a, b = _row(result, plan["a"]), _row(result, plan["b"])
    # the increase for mixed levels is not public: 0 by default
    assert a.grants == Decimal("530000.00")  # 210.000 + 320.000
    assert a.groups == 2 and a.bodies == 7 and a.saving == Decimal("130000.00")
    assert a.below_minimum == 1 and a.existing == 1
    assert b.grants == Decimal("320000.00") and b.saving == Decimal("60000.00") and b.groups == 1
    assert result.total.grants == Decimal("850000.00")
    assert result.total.saving == Decimal("190000.00")
    assert result.total.payback_years == Decimal("4.5")
    assert any("210.000,00 EUR" in note for note in result.notes)


def test_the_assumptions_change_the_grants(plan: dict[str, Any]) -> None:
    assumptions = svc.Assumptions(mixed_levels_increase=Decimal("100000"), grant_share_percent=Decimal(50))
    result = svc.rollout(actor=plan["authority"], assumptions=assumptions)
    assert result is not None
    # (210.000 + (320.000 + 100.000)) × 50 % in Kreis A, 320.000 × 50 % in Kreis B
    assert _row(result, plan["a"]).grants == Decimal("315000.00")
    assert _row(result, plan["b"]).grants == Decimal("160000.00")
    everyone = svc.rollout(
        actor=plan["office"],
        assumptions=svc.Assumptions(not_contiguous_increase=Decimal("20000"), all_not_contiguous=True),
    )
    assert everyone is not None and everyone.total.grants == Decimal("910000.00")  # + 3 × 20.000
    with pytest.raises(Invalid) as caught:
        svc.rollout(actor=plan["office"], assumptions=svc.Assumptions(grant_share_percent=Decimal(120)))
    assert "grant_share_percent" in caught.value.fields


def test_only_office_and_funding_authority(plan: dict[str, Any]) -> None:
    clerk = UserFactory.create(staff_of=plan["a"])
    with pytest.raises(Forbidden):
        svc.rollout(actor=clerk)
    client = Client()
    client.force_login(clerk)
    assert client.get("/beratung/programm/ausrollung/").status_code == 404
    client.force_login(plan["authority"])
    page = client.get("/beratung/programm/ausrollung/", {"grant_share_percent": "100"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "850.000,00" in text and "Landkreis Berg" in text and "Annahmen" in text


def test_without_a_land_wide_plan_the_page_says_so(db: Any) -> None:
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    assert svc.rollout(actor=office) is None
    client = Client()
    client.force_login(office)
    assert "vb-rollout-empty" in client.get("/beratung/programm/ausrollung/").content.decode()
