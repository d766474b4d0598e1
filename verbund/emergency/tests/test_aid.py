"""Reimbursement of mutual aid: none between public bodies unless agreed; with the alliance's
agreement hours × hourly rate, begun days × daily rate (the resource's own or the agreement's per
category), consumables at unit cost — exact to the cent; who may see a statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.errors import NotFound
from verbund.emergency.models import AidAgreement, ResourceCategory
from verbund.emergency.services import aid
from verbund.emergency.services import resources as svc

from .test_resources import END, START, aid_world, ask, pump

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world():
    return aid_world()


def agreement(world: Any, **values: Any) -> AidAgreement:
    data: dict[str, Any] = {
        "alliance": world.alliance,
        "reimburse": True,
        "hourly_rate": D("42.15"),
        "daily_rates": {"pumpe": "33.33"},
        "valid_from": dt.date(2026, 1, 1),
    }
    data.update(values)
    return AidAgreement.objects.create(**data)


def lend_and_return(world, resource, request, quantity, *, back=None, hours=None, days=2):
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=quantity)
    svc.handover(actor=world.kgs, commitment=commitment, at=START)
    return svc.return_(
        actor=world.kgs,
        commitment=commitment,
        at=START + dt.timedelta(days=days, minutes=1 if days else 0),
        quantity=quantity if back is None else back,
        hours=hours,
    )


def test_no_agreement_no_reimbursement(world) -> None:
    resource = pump(world, daily_rate="100.00")
    request = ask(world, quantity=1)
    lend_and_return(world, resource, request, 1)
    statement = aid.statement(world.clerk, request)
    assert statement.total == D("0.00")
    assert "keine Erstattung zwischen öffentlichen Stellen, sofern nicht vereinbart" in statement.note
    assert statement.lines[0].amount == D("0.00")


def test_agreement_of_an_alliance_both_do_not_share_does_not_count(world) -> None:
    other: Any = AllianceFactory(members=[world.needy])
    AidAgreement.objects.create(alliance=other, reimburse=True, valid_from=dt.date(2026, 1, 1))
    agreement(world, reimburse=False)
    assert aid.agreement_for(world.needy.pk, world.mitte.pk, START.date()) is None
    mine = agreement(world)
    assert aid.agreement_for(world.needy.pk, world.mitte.pk, START.date()) == mine
    assert aid.agreement_for(world.needy.pk, world.mitte.pk, dt.date(2025, 12, 31)) is None


def test_daily_hourly_and_consumables_exact_to_the_cent(world) -> None:
    agreement(world)
    request = ask(world, quantity=10, needed_until=END + dt.timedelta(days=2))
    # own daily rate: 3 begun days (2 days and a minute) × 2 × 19.99
    own_rate = pump(world, daily_rate="19.99")
    line1 = lend_and_return(world, own_rate, request, 2)
    # the agreement's rate for pumps: 3 days × 1 × 33.33
    agreed = pump(world)
    lend_and_return(world, agreed, request, 1)
    # people: 7.25 h × the agreement's 42.15 = 305.5875 → 305.59
    people_request = ask(world, quantity=2, category=ResourceCategory.PEOPLE)
    crew = svc.resource_create(
        actor=world.kgs,
        owner_body=world.mitte,
        values={"category": ResourceCategory.PEOPLE, "name": "Fachberater", "quantity": 2},
    )
    lend_and_return(world, crew, people_request, 1, hours="7.25")
    # consumables: 1000 sandbags, 150 back, 850 × 0.37
    bags_request = ask(world, quantity=1000, category=ResourceCategory.SANDBAGS)
    bags = svc.resource_create(
        actor=world.kgs,
        owner_body=world.mitte,
        values={
            "category": ResourceCategory.SANDBAGS,
            "name": "Sandsäcke",
            "quantity": 5000,
            "consumable": True,
            "unit_cost": "0.37",
        },
    )
    lend_and_return(world, bags, bags_request, 1000, back=150)

    pumps = aid.statement(world.clerk, request)
    assert [line.amount for line in pumps.lines] == [D("119.94"), D("99.99")]
    assert pumps.total == D("219.93") and pumps.note == ""
    assert "3 Tag(e) × 2 × 19,99 EUR" in pumps.lines[0].basis
    assert line1.pk == pumps.lines[0].commitment.pk
    assert aid.statement(world.clerk, people_request).total == D("305.59")
    assert aid.statement(world.clerk, bags_request).total == D("314.50")


def test_a_commitment_still_out_is_provisional(world) -> None:
    agreement(world)
    resource = pump(world)
    request = ask(world, quantity=1)
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=1)
    assert aid.statement(world.clerk, request).lines == []  # nothing handed over, nothing owed
    svc.handover(actor=world.kgs, commitment=commitment, at=START)
    statement = aid.statement(world.kgs, request)
    assert statement.provisional and statement.total == D("66.66")  # the window: 2 days × 33.33


def test_only_the_parties_see_the_statement(world) -> None:
    resource = pump(world)
    request = ask(world, quantity=1)
    svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=1)
    assert aid.statement(world.kgs, request).request == request
    with pytest.raises(NotFound):
        aid.statement(world.s2, request)
    with pytest.raises(NotFound):
        aid.statement(world.outsider, request)
