"""The resource pool and mutual aid (services): listing resources with their defaults and rights,
requests, the ranking from the database, commitments that never exceed what is free (sequentially
on every database; the race on PostgreSQL is in ``test_resources_concurrency.py``), the status roll-up,
handover, return, cancel, the audit and the event's log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency.models import (
    AidStatus,
    CommitmentStatus,
    LogCategory,
    LogEntry,
    Resource,
    ResourceCategory,
)
from verbund.emergency.policies import MANAGE
from verbund.emergency.services import resources as svc

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 7, 14, 6, 0, tzinfo=dt.UTC)  # 8:00 in Berlin
END = START + dt.timedelta(days=2)


def aid_world() -> SimpleNamespace:
    """The joint staff's world: Kreis Nord (clerk, lead) asks for help; Mitte (kgs) and Süd (s2) lend."""
    w = joint_staff_world()
    w.needy, w.mitte, w.sued = w.kreise
    w.nobody = UserFactory()
    return w


def pump(world: SimpleNamespace, owner: Any = None, **values: Any) -> Resource:
    owner = owner or world.mitte
    actor = world.kgs if owner == world.mitte else world.s2
    data = {"category": ResourceCategory.PUMP, "name": "Tauchpumpe TP 4/1", "quantity": 3, **values}
    return svc.resource_create(actor=actor, owner_body=owner, values=data)


def ask(world: SimpleNamespace, quantity: int = 4, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "category": ResourceCategory.PUMP,
        "description": "Pumpen für vollgelaufene Keller",
        "quantity": quantity,
        "needed_from": START,
        "needed_until": END,
    }
    values.update(extra)
    return svc.request_create(actor=world.clerk, body=world.needy, **values)


@pytest.fixture
def world() -> SimpleNamespace:
    return aid_world()


# --- resources -------------------------------------------------------------------------------------


def test_resource_defaults_to_the_bodys_centroid_and_is_audited(world) -> None:
    resource = pump(world, symbol="fachaufgaben/pumpen", hourly_rate="12.50")
    assert (resource.latitude, resource.longitude) == (world.mitte.centroid_lat, world.mitte.centroid_lon)
    assert resource.location == world.mitte.name
    assert resource.hourly_rate == Decimal("12.50")
    entry = AuditEntry.objects.get(action="emergency.resource_create")
    assert entry.object_id == str(resource.pk)
    svc.resource_update(
        actor=world.kgs, resource=resource, values={"quantity": 5, "conditions": "mit Fahrer"}
    )
    update = AuditEntry.objects.get(action="emergency.resource_update")
    assert update.changes == {"fields": ["conditions", "quantity"]}


def test_only_the_owners_people_change_resources(world) -> None:
    with pytest.raises(Forbidden):
        svc.resource_create(
            actor=world.clerk, owner_body=world.mitte, values={"category": "pumpe", "name": "x"}
        )
    resource = pump(world)
    with pytest.raises(Forbidden):
        svc.resource_update(actor=world.s2, resource=resource, values={"quantity": 1})
    system = SystemActor(name="Demo", capabilities=frozenset({MANAGE}))
    assert svc.resource_update(actor=system, resource=resource, values={"quantity": 1}).quantity == 1


def test_everyone_working_for_a_body_sees_the_pool_others_do_not(world) -> None:
    resource = pump(world)
    assert list(svc.visible_resources(world.outsider)) == [resource]
    assert list(svc.visible_resources(world.nobody)) == []
    with pytest.raises(NotFound):  # invisible is missing
        svc.get_resource(world.nobody, resource.pk)
    with pytest.raises(NotFound):
        svc.get_resource(world.clerk, resource.pk + 999)


def test_resource_values_are_checked_field_by_field(world) -> None:
    with pytest.raises(Invalid) as caught:
        pump(
            world,
            category="boot",
            name="",
            quantity=0,
            symbol="fachaufgaben/gibt-es-nicht",
            daily_rate="1.005",
            latitude=95.0,
            available_from=START,
            available_until=START,
        )
    assert set(caught.value.fields) >= {
        "category",
        "name",
        "quantity",
        "symbol",
        "daily_rate",
        "longitude",
        "available_until",
    }


def test_symbols_come_from_the_data_file_with_a_fallback(settings, tmp_path) -> None:
    symbols = dict(svc.symbol_choices())
    assert symbols["fachaufgaben/pumpen"].startswith("Pumpen")
    assert "einheiten/gruppe" in symbols
    settings.VERBUND_DATA_DIR = tmp_path
    fallback = dict(svc.symbol_choices())
    assert set(dict(svc.FALLBACK_SYMBOLS)) <= set(fallback)  # the built-in kinds every Kreis lends
    assert len(fallback) < len(symbols)  # and not the file's whole vocabulary


# --- requests, ranking, commitments -----------------------------------------------------------------


def test_request_defaults_and_refusals(world) -> None:
    request = ask(world)
    assert request.place == world.needy.name
    assert (request.latitude, request.longitude) == (world.needy.centroid_lat, world.needy.centroid_lon)
    assert request.status == AidStatus.OPEN
    assert AuditEntry.objects.filter(action="emergency.request_create", object_id=str(request.pk)).exists()
    with pytest.raises(Forbidden):
        svc.request_create(
            actor=world.kgs,
            body=world.needy,
            category="pumpe",
            description="x",
            quantity=1,
            needed_from=START,
            needed_until=END,
        )
    with pytest.raises(Invalid) as caught:
        ask(world, quantity=0, needed_until=START, description=" ", category="boot")
    assert set(caught.value.fields) >= {"quantity", "needed_until", "description", "category"}


def test_ranked_offers_nearest_first_excluding_own_and_unavailable(world) -> None:
    near = pump(world, latitude=world.needy.centroid_lat + 0.05, longitude=world.needy.centroid_lon)
    far = pump(world, world.sued, latitude=world.needy.centroid_lat + 0.9, longitude=world.needy.centroid_lon)
    pump(world, world.sued, available_until=START + dt.timedelta(hours=3))  # not over the window
    svc.resource_create(
        actor=world.clerk, owner_body=world.needy, values={"category": "pumpe", "name": "own"}
    )
    pump(world, category=ResourceCategory.GENERATOR)
    request = ask(world)
    ranked = svc.ranked_offers(world.clerk, request)
    assert [r.resource for r in ranked] == [near, far]
    assert ranked[0].explanation.startswith("Platz 1:")


def test_commit_never_more_than_free_and_status_rolls_up(world) -> None:
    resource = pump(world)  # 3 units
    request = ask(world, quantity=4)
    first = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=2)
    request.refresh_from_db()
    assert request.status == AidStatus.PARTLY
    assert (first.starts_at, first.ends_at) == (START, END)
    with pytest.raises(Conflict) as caught:
        svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=2)
    assert caught.value.code == "not_enough_free"
    # a second request overlapping the window sees only the one unit left
    other = ask(
        world, quantity=2, needed_from=START + dt.timedelta(days=1), needed_until=END + dt.timedelta(days=1)
    )
    with pytest.raises(Conflict):
        svc.commit(actor=world.kgs, aid_request=other, resource=resource, quantity=2)
    svc.commit(actor=world.kgs, aid_request=other, resource=resource, quantity=1)
    assert svc.free_in_window(resource, START, END) == 0
    # after the window the units are free again
    assert svc.free_in_window(resource, END + dt.timedelta(days=2), END + dt.timedelta(days=3)) == 3
    second = pump(world, world.sued, quantity=5)
    with pytest.raises(Invalid):  # only 2 still missing
        svc.commit(actor=world.s2, aid_request=request, resource=second, quantity=3)
    svc.commit(actor=world.s2, aid_request=request, resource=second, quantity=2)
    request.refresh_from_db()
    assert request.status == AidStatus.COMMITTED
    assert svc.ranked_offers(world.clerk, request) == []  # nothing missing: nothing to propose
    assert AuditEntry.objects.filter(action="emergency.commit").count() == 3


def test_commit_refusals(world) -> None:
    resource = pump(world)
    request = ask(world, quantity=1)
    with pytest.raises(Forbidden):  # not the lender
        svc.commit(actor=world.clerk, aid_request=request, resource=resource, quantity=1)
    generator = pump(world, category=ResourceCategory.GENERATOR)
    with pytest.raises(Invalid):
        svc.commit(actor=world.kgs, aid_request=request, resource=generator, quantity=1)
    short = pump(world, available_until=START + dt.timedelta(hours=1))
    with pytest.raises(Invalid):
        svc.commit(actor=world.kgs, aid_request=request, resource=short, quantity=1)
    with pytest.raises(Invalid):
        svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=0)


def test_handover_return_and_fulfilled(world) -> None:
    resource = pump(world)
    request = ask(world, quantity=3)
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=3)
    with pytest.raises(Conflict):
        svc.return_(actor=world.kgs, commitment=commitment)
    with pytest.raises(Forbidden):
        svc.handover(actor=world.outsider, commitment=commitment)
    out = svc.handover(actor=world.kgs, commitment=commitment, condition="einsatzbereit")
    assert out.status == CommitmentStatus.OUT and out.condition_out == "einsatzbereit"
    request.refresh_from_db()
    assert request.status == AidStatus.FULFILLED
    with pytest.raises(Conflict):
        svc.commitment_cancel(actor=world.kgs, commitment=commitment)
    with pytest.raises(Invalid):
        svc.return_(actor=world.clerk, commitment=commitment, quantity=4)
    back = svc.return_(
        actor=world.clerk, commitment=commitment, quantity=2, condition="eine defekt", hours="5.5"
    )
    assert (back.status, back.returned_quantity, back.hours) == (
        CommitmentStatus.RETURNED,
        2,
        Decimal("5.50"),
    )
    # returned units are free again
    assert svc.free_in_window(resource, START, END) == 3
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"emergency.handover", "emergency.return"} <= actions


def test_cancel_frees_the_units_and_reopens_the_request(world) -> None:
    resource = pump(world)
    request = ask(world, quantity=3)
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=3)
    svc.commitment_cancel(actor=world.clerk, commitment=commitment)
    request.refresh_from_db()
    assert request.status == AidStatus.OPEN
    assert svc.free_in_window(resource, START, END) == 3
    again = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=3)
    svc.request_cancel(actor=world.clerk, aid_request=request)
    again.refresh_from_db()
    request.refresh_from_db()
    assert (request.status, again.status) == (AidStatus.CANCELLED, CommitmentStatus.CANCELLED)
    with pytest.raises(Conflict):
        svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=1)


def test_steps_of_a_request_with_an_event_go_to_its_log(world) -> None:
    the_event = event(world.staff)
    resource = pump(world)
    request = svc.request_create(
        actor=world.lead,
        body=world.needy,
        category="pumpe",
        description="Pumpen",
        quantity=1,
        needed_from=START,
        needed_until=END,
        event=the_event,
    )
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=1)
    svc.handover(actor=world.kgs, commitment=commitment)
    svc.return_(actor=world.kgs, commitment=commitment)
    entries = list(LogEntry.objects.filter(event=the_event).order_by("seq"))
    assert len(entries) == 4
    assert {e.category for e in entries} == {LogCategory.RESOURCE}
    assert "sagt 1 × Tauchpumpe" in entries[1].text
    # the clerk holds no function in the staff: the event is not theirs to name
    with pytest.raises(NotFound):
        svc.request_create(
            actor=world.clerk,
            body=world.needy,
            category="pumpe",
            description="x",
            quantity=1,
            needed_from=START,
            needed_until=END,
            event=the_event,
        )
