"""The booked reimbursement of mutual aid (Erstattungsabrechnung): lines through the allocation engine
exact to the cent, positions per body (claim, share by the agreement's key, net summing to zero),
setting with confirmation only when nothing is out, immutability, corrections, who sees and does what,
the log entry and the notifications."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency.models import (
    AidAgreement,
    AidSettlement,
    AidSettlementFinalError,
    AidSettlementLine,
    AidSettlementShare,
    AidSettlementStatus,
    LogEntry,
    ResourceCategory,
)
from verbund.emergency.services import aid
from verbund.emergency.services import resources as svc
from verbund.emergency.services import settlements as settle
from verbund.notifications.models import Event as Notification
from verbund.registry.models import Body
from verbund.shared_services import allocation

from .factories import event
from .test_resources import END, START, aid_world, ask, pump

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world() -> Any:
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


def lend(
    world: Any, resource: Any, request: Any, quantity: int, *, back: Any = None, hours: Any = None, days=2
):
    actor = world.kgs if resource.owner_body_id == world.mitte.pk else world.s2
    commitment = svc.commit(actor=actor, aid_request=request, resource=resource, quantity=quantity)
    svc.handover(actor=actor, commitment=commitment, at=START)
    return svc.return_(
        actor=actor,
        commitment=commitment,
        at=START + dt.timedelta(days=days, minutes=1 if days else 0),
        quantity=quantity if back is None else back,
        hours=hours,
    )


def populations(world: Any, *figures: int) -> None:
    for body, figure in zip(world.kreise, figures, strict=True):
        Body.objects.filter(pk=body.pk).update(population=figure)


def positions(settlement: AidSettlement) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {s.body.name: (s.claim, s.share, s.net) for s in settlement.shares.select_related("body")}


# --- amounts ---------------------------------------------------------------------------------------


def test_engine_charge_is_half_up_to_the_cent() -> None:
    assert aid.charge_amount(D("42.15"), D("7.25")) == D("305.59")  # 305.5875
    assert aid.charge_amount(D("0.37"), 850) == D("314.50")
    assert aid.charge_amount(D("33.33"), D("0.15")) == D("5.00")  # 4.9995 → half up
    assert aid.charge_amount(D("0.05"), D("0.10")) == D("0.01")  # 0.005 → half up
    with pytest.raises(Invalid):
        aid.charge_amount(D("1.00001"), 1)


def test_lines_hours_days_consumables_people_exact_and_body_in_need_bears_all(world) -> None:
    agreement(world)
    request = ask(world, quantity=10, needed_until=END + dt.timedelta(days=2))
    lend(world, pump(world, daily_rate="19.99"), request, 2)  # 3 begun days × 2 × 19.99 = 119.94
    lend(world, pump(world), request, 1)  # 3 × 1 × 33.33 (the agreement's) = 99.99
    settlement = settle.settlement_compute(actor=world.clerk, aid_request=request)
    lines = list(settlement.lines.order_by("lender__name", "commitment_id"))
    assert [(line.units, line.unit_label, line.rate, line.amount) for line in lines] == [
        (D("6.00"), "Tage × Anzahl", D("19.99"), D("119.94")),
        (D("3.00"), "Tage × Anzahl", D("33.33"), D("99.99")),
    ]
    assert settlement.total == D("219.93") and settlement.status == AidSettlementStatus.DRAFT
    assert positions(settlement) == {
        "Landkreis Mitte": (D("219.93"), D("0.00"), D("-219.93")),
        "Landkreis Nord": (D("0.00"), D("219.93"), D("219.93")),
    }
    assert settlement.agreement is not None and settlement.snapshot["agreements"][0]["hourly_rate"] == "42.15"
    assert "allein" in settlement.snapshot["key_description"]

    # no daily rate: the resource's hourly rate for the hours, 24 h 1 min → 24.02 h × 2 × 12.34
    power = ask(world, quantity=2, category=ResourceCategory.GENERATOR)
    generator = pump(world, owner=world.sued, category=ResourceCategory.GENERATOR, hourly_rate="12.34")
    lend(world, generator, power, 2, days=1)
    line = settle.settlement_compute(actor=world.clerk, aid_request=power).lines.get()
    assert (line.units, line.unit_label, line.rate, line.amount) == (
        D("48.04"),
        "Std. × Anzahl",
        D("12.34"),
        D("592.81"),
    )

    people = ask(world, quantity=2, category=ResourceCategory.PEOPLE)
    crew = svc.resource_create(
        actor=world.kgs,
        owner_body=world.mitte,
        values={"category": ResourceCategory.PEOPLE, "name": "Fachberater", "quantity": 2},
    )
    lend(world, crew, people, 1, hours="7.25")
    line = settle.settlement_compute(actor=world.clerk, aid_request=people).lines.get()
    assert (line.units, line.unit_label, line.rate, line.amount) == (
        D("7.25"),
        "Std.",
        D("42.15"),
        D("305.59"),
    )

    bags_request = ask(world, quantity=1000, category=ResourceCategory.SANDBAGS)
    bags = svc.resource_create(
        actor=world.kgs,
        owner_body=world.mitte,
        values={
            "category": ResourceCategory.SANDBAGS,
            "name": "Sandsäcke",
            "quantity": 5000,
            "unit": "Sack",
            "consumable": True,
            "unit_cost": "0.37",
        },
    )
    lend(world, bags, bags_request, 1000, back=150)
    line = settle.settlement_compute(actor=world.clerk, aid_request=bags_request).lines.get()
    assert (line.units, line.unit_label, line.amount) == (D("850.00"), "Sack", D("314.50"))


def test_shares_by_population_sum_exactly_to_the_total(world) -> None:
    populations(world, 100_000, 200_000, 300_001)
    agreement(world, cost_sharing={"type": "population"})
    request = ask(world, quantity=1)
    lend(world, pump(world, daily_rate="33.34"), request, 1)  # 3 days × 33.34 = 100.02
    settlement = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert settlement.total == D("100.02")
    shares = positions(settlement)
    assert sum(s for _c, s, _n in shares.values()) == D("100.02")
    assert sum(n for _c, _s, n in shares.values()) == D("0.00")
    # 100.02 × 1/6, 2/6, 3/6 (+ a little): 16.67, 33.34, 50.01 by largest remainder
    assert shares["Landkreis Nord"] == (D("0.00"), D("16.67"), D("16.67"))
    assert shares["Landkreis Mitte"] == (D("100.02"), D("33.34"), D("-66.68"))
    assert shares["Landkreis Süd"] == (D("0.00"), D("50.01"), D("50.01"))
    terms = settlement.snapshot["agreements"][0]
    assert "Einwohner" in terms["key_description"] and "Register" in terms["figures_source"]
    assert {m["population"] for m in terms["members"]} == {100_000, 200_000, 300_001}


def test_a_key_that_cannot_be_computed_is_a_clear_error_and_changes_nothing(world) -> None:
    Body.objects.filter(pk=world.sued.pk).update(population=None)
    agreement(world, cost_sharing={"type": "population"})
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    with pytest.raises(Invalid) as caught:
        settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert "Einwohnerzahl" in str(caught.value.detail) and "Landkreis Süd" in str(caught.value.detail)
    assert not AidSettlement.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total_cents=st.integers(min_value=0, max_value=10**9),
    figures=st.lists(st.integers(min_value=1, max_value=3_000_000), min_size=1, max_size=12),
    needy=st.integers(min_value=0, max_value=11),
)
def test_property_shares_sum_to_the_total_and_nets_to_zero(
    total_cents: int, figures: list[int], needy: int
) -> None:
    """The engine's key split as the settlement uses it: shares sum exactly, nets (share − claim) to 0."""
    total = allocation.cents_to_decimal(total_cents)
    members = [allocation.Member(key=f"{i:012d}", population=p) for i, p in enumerate(figures)]
    result = allocation.allocate({"type": "population"}, total, members)
    shares = result.shares
    assert sum(shares.values(), D("0.00")) == total
    claims = dict.fromkeys(shares, D("0.00"))
    lender = sorted(shares)[needy % len(shares)]
    claims[lender] = total
    assert sum((shares[k] - claims[k] for k in shares), D("0.00")) == D("0.00")
    assert all(s >= 0 for s in shares.values())


def test_random_settlements_balance_to_zero(world) -> None:
    rng = random.Random(20261204)
    populations(world, rng.randint(1000, 500_000), rng.randint(1000, 500_000), rng.randint(1000, 500_000))
    agreement(
        world,
        cost_sharing={
            "type": "mix",
            "parts": [
                {"weight": "50", "key": {"type": "equal"}},
                {"weight": "50", "key": {"type": "population"}},
            ],
        },
    )
    for _round in range(4):
        request = ask(world, quantity=3)
        for lender in (world.mitte, world.sued):
            resource = pump(world, owner=lender, daily_rate=f"{rng.randint(1, 99999) / 100:.2f}")
            lend(world, resource, request, 1, days=rng.randint(0, 5))
        settlement = settle.settlement_compute(actor=world.clerk, aid_request=request)
        shares = list(settlement.shares.all())
        assert sum((s.share for s in shares), D("0.00")) == settlement.total
        assert sum((s.net for s in shares), D("0.00")) == D("0.00")
        assert sum((s.claim for s in shares), D("0.00")) == settlement.total


def test_without_agreement_everything_is_zero_with_the_note(world) -> None:
    request = ask(world, quantity=1)
    lend(world, pump(world, daily_rate="100.00"), request, 1)
    settlement = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert settlement.total == D("0.00") and settlement.agreement is None
    assert (
        settlement.snapshot["note"]
        == "keine Erstattung zwischen öffentlichen Stellen, sofern nicht vereinbart"
    )
    assert {s.net for s in settlement.shares.all()} == {D("0.00")}
    done = settle.settlement_finalize(actor=world.head, settlement=settlement, confirmed=True)
    assert done.is_final
    assert not Notification.objects.filter(event_type="emergency.aid_settlement_set").exists()


# --- compute, set, correct -------------------------------------------------------------------------


def test_recomputing_a_draft_replaces_its_lines(world) -> None:
    agreement(world)
    request = ask(world, quantity=2)
    lend(world, pump(world), request, 1)
    first = settle.settlement_compute(actor=world.clerk, aid_request=request)
    line_ids = set(first.lines.values_list("pk", flat=True))
    lend(world, pump(world, owner=world.sued), request, 1)
    again = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert again.pk == first.pk and again.version == 1
    assert again.lines.count() == 2 and not line_ids & set(again.lines.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(action="emergency.settlement_compute").count() == 2


def test_finalize_refused_while_a_commitment_is_out_and_without_confirmation(world) -> None:
    agreement(world)
    request = ask(world, quantity=2)
    resource = pump(world)
    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=resource, quantity=1)
    svc.handover(actor=world.kgs, commitment=commitment, at=START)
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert draft.lines.get().provisional
    with pytest.raises(Conflict) as caught:
        settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    assert caught.value.code == "settlement_commitments_open"
    svc.return_(actor=world.kgs, commitment=commitment, at=START + dt.timedelta(hours=3))
    with pytest.raises(Invalid) as refused:
        settle.settlement_finalize(actor=world.head, settlement=draft)
    assert refused.value.code == "confirmation_required"
    # the return changed the inputs: recompute first
    with pytest.raises(Conflict) as stale:
        settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    assert stale.value.code == "settlement_stale"
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    done = settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    assert done.is_final and done.finalized_by == world.head and done.total == D("33.33")
    assert AuditEntry.objects.filter(action="emergency.settlement_finalize").exists()


def test_a_committed_commitment_also_blocks_setting(world) -> None:
    request = ask(world, quantity=1)
    svc.commit(actor=world.kgs, aid_request=request, resource=pump(world), quantity=1)
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    with pytest.raises(Conflict):
        settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)


def test_a_set_settlement_is_immutable(world) -> None:
    agreement(world)
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    done = settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    done.total = D("1.00")
    with pytest.raises(AidSettlementFinalError):
        done.save()
    with pytest.raises(AidSettlementFinalError):
        AidSettlement.objects.filter(pk=done.pk).update(total=D("1.00"))
    with pytest.raises(AidSettlementFinalError):
        done.delete()
    with pytest.raises(AidSettlementFinalError):
        AidSettlementLine.objects.filter(settlement=done).update(amount=D("0.00"))
    with pytest.raises(AidSettlementFinalError):
        AidSettlementShare.objects.filter(settlement=done).delete()
    with pytest.raises(AidSettlementFinalError):  # recomputing: a correction is needed
        settle.settlement_compute(actor=world.clerk, aid_request=request)
    with pytest.raises(AidSettlementFinalError):
        settle.settlement_finalize(actor=world.head, settlement=done, confirmed=True)
    done.refresh_from_db()
    assert done.total == D("99.99")


def test_correction_makes_version_two_with_a_reason(world) -> None:
    agreement(world)
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    with pytest.raises(Conflict):
        settle.settlement_correct(actor=world.head, settlement=draft, reason="zu früh")
    done = settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    with pytest.raises(Invalid) as caught:
        settle.settlement_correct(actor=world.head, settlement=done, reason="  ")
    assert "reason" in caught.value.fields
    with pytest.raises(Forbidden):  # a clerk computes, the heads correct
        settle.settlement_correct(actor=world.clerk, settlement=done, reason="Tagessatz falsch")
    AidAgreement.objects.filter(alliance=world.alliance).update(daily_rates={"pumpe": "40.00"})
    second = settle.settlement_correct(actor=world.head, settlement=done, reason="Tagessatz falsch")
    assert (second.version, second.previous, second.reason, second.status) == (
        2,
        done,
        "Tagessatz falsch",
        AidSettlementStatus.DRAFT,
    )
    assert second.total == D("120.00")
    with pytest.raises(Conflict):  # only the latest version is corrected
        settle.settlement_correct(actor=world.head, settlement=done, reason="noch einmal")
    entry = AuditEntry.objects.get(action="emergency.settlement_correct")
    assert entry.changes["Grund"] == "Tagessatz falsch"


# --- who -------------------------------------------------------------------------------------------


def test_who_computes_sets_and_sees(world) -> None:
    agreement(world, cost_sharing={"type": "equal"})
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    with pytest.raises(Forbidden):  # a lender computes nothing for the body in need
        settle.settlement_compute(actor=world.kgs, aid_request=request)
    with pytest.raises(NotFound):
        settle.settlement_compute(actor=world.nobody, aid_request=request)
    draft = settle.settlement_compute(actor=world.coordinator, aid_request=request)
    with pytest.raises(Forbidden):  # the clerk of the body in need is no head
        settle.settlement_finalize(actor=world.clerk, settlement=draft, confirmed=True)
    # seen by the body in need, the lender, every body with a share, the coordinator; not by others
    for who in (world.clerk, world.head, world.kgs, world.s2, world.coordinator):
        assert settle.get_settlement(who, draft.pk) == draft
    for who in (world.outsider, world.nobody):
        with pytest.raises(NotFound):
            settle.get_settlement(who, draft.pk)
        assert settle.settlements_of(who, request) == []
        with pytest.raises(NotFound):
            settle.settlement_finalize(actor=who, settlement=draft, confirmed=True)
    done = settle.settlement_finalize(actor=world.coordinator, settlement=draft, confirmed=True)
    assert done.is_final


def test_without_cost_sharing_an_uninvolved_member_does_not_see_it(world) -> None:
    agreement(world)
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert set(draft.shares.values_list("body_id", flat=True)) == {world.needy.pk, world.mitte.pk}
    with pytest.raises(NotFound):
        settle.get_settlement(world.s2, draft.pk)


# --- the record ------------------------------------------------------------------------------------


def test_setting_writes_the_log_and_notifies_bodies_with_a_balance(world) -> None:
    populations(world, 100_000, 100_000, 100_000)
    agreement(world, cost_sharing={"type": "population"})
    the_event = event(world.staff)
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
    lend(world, pump(world), request, 1)  # 3 × 33.33 = 99.99 → 33.33 each
    draft = settle.settlement_compute(actor=world.clerk, aid_request=request)
    assert {s.net for s in draft.shares.all()} == {D("33.33"), D("-66.66")}
    settle.settlement_finalize(actor=world.head, settlement=draft, confirmed=True)
    last = LogEntry.objects.filter(event=the_event).order_by("-seq").first()
    assert last is not None and "Erstattungsabrechnung zu Hilfeersuchen Nr." in last.text
    assert "99,99 EUR" in last.text
    sent = Notification.objects.filter(event_type="emergency.aid_settlement_set")
    assert sorted(int(b or 0) for b in sent.values_list("body_id", flat=True)) == sorted(
        b.pk for b in world.kreise
    )
    mitte = sent.get(body_id=world.mitte.pk)
    assert "erhält" in mitte.text and mitte.text_params["amount"] == "66,66 EUR"
