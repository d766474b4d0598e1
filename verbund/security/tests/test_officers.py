"""Shared officers: only the alliance's coordinators and Plattformbetrieb record them; shares of the
working time are above 0, at most 100 % together — also across the person's other roles in the same
period —, for members of the alliance; the person and the deputy hold the officer grant on the
served bodies and the alliance grant while the period runs; the cost of the shares is settled
through a shared service with a fixed-share key (the unassigned rest on the employer) and shown per
body to who may see the settlement line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.errors import Forbidden, Invalid
from verbund.common.principal import principal_for
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import OfficerKind, OfficerShare
from verbund.security.policies import ALLIANCE_OFFICER, OFFICER
from verbund.security.services import officers as officer_services
from verbund.shared_services import services as service_writes
from verbund.shared_services.models import PlanKind, SettlementKind
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 1)


@pytest.fixture
def world(db):
    ensure_seed_data()
    vgs = [BodyFactory(verbandsgemeinde=True, name=f"VG {n}", population=10_000) for n in ("A", "B", "C")]
    other = BodyFactory(verbandsgemeinde=True, name="VG Fremd")
    coordinator = UserFactory()
    alliance = AllianceFactory(members=vgs, coordinator=coordinator)
    return {
        "vgs": vgs,
        "other": other,
        "alliance": alliance,
        "coordinator": coordinator,
        "isb": UserFactory(first_name="Ines", last_name="Sicherheit"),
        "deputy": UserFactory(),
        "clerk_a": UserFactory(staff_of=vgs[0]),
        "clerk_b": UserFactory(staff_of=vgs[1]),
        "outsider": UserFactory(staff_of=other),
    }


def _create(world, shares, **kwargs):
    values = {
        "actor": world["coordinator"],
        "kind": OfficerKind.ISB,
        "person": world["isb"],
        "deputy": world["deputy"],
        "employer": world["vgs"][0],
        "alliance": world["alliance"],
        "starts_on": START,
        "shares": shares,
    }
    values.update(kwargs)
    return officer_services.officer_create(**values)


def test_coordinator_records_officer_and_grants_follow(world):
    vgs = world["vgs"]
    officer = _create(world, [(vgs[0], "40"), (vgs[1], "30"), (vgs[2], Decimal("20.5"))])

    isb = principal_for(world["isb"])
    deputy = principal_for(world["deputy"])

    assert isb.granted(OFFICER) == {b.pk for b in vgs}
    assert deputy.granted(OFFICER) == {b.pk for b in vgs}
    assert isb.granted(ALLIANCE_OFFICER) == {world["alliance"].pk}
    assert sorted(OfficerShare.objects.filter(officer=officer).values_list("percent", flat=True)) == [
        Decimal("20.50"),
        Decimal("30.00"),
        Decimal("40.00"),
    ]

    officer_services.officer_end(
        actor=world["coordinator"], officer=officer, ends_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert principal_for(world["isb"]).granted(OFFICER) == frozenset()
    assert principal_for(world["isb"]).granted(ALLIANCE_OFFICER) == frozenset()


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([("a", "60"), ("b", "50")], "110 %, mehr als 100 %"),
        ([("a", "0")], "über 0"),
        ([("a", "10.555")], "zwei Nachkommastellen"),
        ([("a", "10"), ("a", "20")], "zweimal"),
        ([("x", "10")], "kein aktuelles Mitglied"),
        ([], "Mindestens eine"),
    ],
)
def test_shares_are_checked(world, shares, message):
    bodies = {"a": world["vgs"][0], "b": world["vgs"][1], "x": world["other"]}

    with pytest.raises(Invalid, match=message):
        _create(world, [(bodies[k], p) for k, p in shares])


def test_person_working_time_counts_across_roles(world):
    vgs = world["vgs"]
    _create(world, [(vgs[0], "50"), (vgs[1], "30")], ends_on=dt.date(2029, 12, 31))

    with pytest.raises(Invalid, match="schon mit 80 %"):
        _create(world, [(vgs[2], "30")], kind=OfficerKind.DSB, deputy=None)
    later = _create(world, [(vgs[2], "30")], kind=OfficerKind.DSB, deputy=None, starts_on=dt.date(2030, 1, 1))
    assert later.pk


def test_only_coordinators_and_operators_manage(world):
    vgs = world["vgs"]
    with pytest.raises(Forbidden):
        _create(world, [(vgs[0], "50")], actor=world["clerk_a"])
    operator: Any = UserFactory(operator=True)
    assert _create(world, [(vgs[0], "50")], actor=operator).pk
    with pytest.raises(Invalid, match="andere Person"):
        _create(world, [(vgs[0], "10")], deputy=world["isb"], kind=OfficerKind.DSB)


def test_settlement_uses_fixed_shares_and_shows_cost_per_body(world):
    vgs = world["vgs"]
    officer = _create(world, [(vgs[0], "40"), (vgs[1], "30"), (vgs[2], "20")])

    service = officer_services.officer_settlement_link(actor=world["coordinator"], officer=officer)

    assert service.task.slug == "informationssicherheit"
    assert service.provider == vgs[0]
    assert service.allocation_key == {
        "type": "fixed_share",
        "shares": {vgs[0].ars: "50.00", vgs[1].ars: "30.00", vgs[2].ars: "20.00"},
    }
    operator: Any = UserFactory(operator=True)
    plan = service_writes.cost_plan_ensure(actor=operator, service=service, year=2025, kind=PlanKind.PLAN)
    service_writes.cost_item_add(
        actor=operator, plan=plan, category="material", description="Stelle", amount=Decimal("100000")
    )
    draft = service_writes.settlement_compute(
        actor=operator, service=service, year=2025, kind=SettlementKind.ADVANCE
    )
    service_writes.settlement_finalize(actor=operator, settlement=draft, confirmed=True)

    officer.refresh_from_db()
    coordinator_view = officer_services.officer_costs(principal_for(world["coordinator"]), officer)
    clerk_view = officer_services.officer_costs(principal_for(world["clerk_b"]), officer)

    assert [(r.body.name, r.cost) for r in coordinator_view.rows] == [
        ("VG A", Decimal("40000.00")),  # its line carries the unassigned 10 % too (shown apart)
        ("VG B", Decimal("30000.00")),
        ("VG C", Decimal("20000.00")),
    ]
    assert coordinator_view.unassigned_percent == Decimal("10.00")
    assert coordinator_view.unassigned_cost == Decimal("10000.00")
    assert [(r.body.name, r.cost) for r in clerk_view.rows] == [
        ("VG A", None),
        ("VG B", Decimal("30000.00")),
        ("VG C", None),
    ]


def test_changed_shares_update_the_key_and_recipients(world):
    vgs = world["vgs"]
    officer = _create(world, [(vgs[0], "50"), (vgs[1], "50")])
    service = officer_services.officer_settlement_link(actor=world["coordinator"], officer=officer)

    officer_services.officer_update(
        actor=world["coordinator"],
        officer=officer,
        person=world["isb"],
        deputy=None,
        starts_on=START,
        ends_on=None,
        shares=[(vgs[0], "50"), (vgs[2], "50")],
    )

    service.refresh_from_db()
    assert service.allocation_key["shares"] == {vgs[0].ars: "50.00", vgs[2].ars: "50.00"}
    open_recipients = set(
        service.recipients.filter(until_date__isnull=True).values_list("body_id", flat=True)
    )
    assert open_recipients == {vgs[0].pk, vgs[2].pk}
    assert principal_for(world["deputy"]).granted(OFFICER) == frozenset()


def test_pages_and_api(world, client):
    vgs = world["vgs"]
    client.force_login(world["coordinator"])
    form = {
        "kind": "isb",
        "person": world["isb"].username,
        "deputy": world["deputy"].username,
        "employer": vgs[1].ars,
        "starts_on": "2025-01-01",
        f"share_{vgs[0].ars}": "33,5",
        f"share_{vgs[1].ars}": "40",
    }
    created = client.post(reverse("security:officer_create", args=[world["alliance"].slug]), form)
    assert created.status_code == 302
    detail_url = created["Location"]
    officer_id = int(detail_url.rstrip("/").rsplit("/", 1)[1])
    too_much = client.post(
        reverse("security:officer_edit", args=[officer_id]),
        {**form, f"share_{vgs[2].ars}": "30"},
    )
    assert "103,5 %, mehr als 100 %" in too_much.content.decode()

    for url in (
        reverse("security:officer_list"),
        detail_url,
        reverse("security:officer_edit", args=[officer_id]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert page.content.decode().count("<h1") == 1
    linked = client.post(reverse("security:officer_settlement", args=[officer_id]))
    assert linked.status_code == 302

    client.force_login(world["clerk_a"])
    assert client.get(detail_url).status_code == 200
    assert client.get(reverse("security:officer_edit", args=[officer_id])).status_code == 403
    api = client.get(f"/api/v1/security/officers/{officer_id}").json()
    assert [s["percent"] for s in api["shares"]] == ["33.50", "40.00"]
    assert api["unassigned_percent"] == "26.50"

    client.force_login(world["outsider"])
    assert client.get(detail_url).status_code == 404
    assert client.get(f"/api/v1/security/officers/{officer_id}").status_code == 404
    assert client.get("/api/v1/security/officers").json()["count"] == 0
