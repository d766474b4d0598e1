"""Writes to shared services through the services: who may create a service, set its key,
maintain cost plans and volumes; recipients with history and pro rata temporis in the settlement;
population at the reference date; advances and the final settlement with balances; finalized
settlements are immutable (model, QuerySet and service), corrections make a new version with
differences; stale drafts cannot be finalized; every write is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from verbund.audit.models import AuditEntry
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Forbidden, Refusal
from verbund.common.principal import principal_for
from verbund.registry.models import Body
from verbund.shared_services import services
from verbund.shared_services.models import (
    CostItem,
    ServiceRecipient,
    Settlement,
    SettlementFinalizedError,
    SettlementLine,
    SharedService,
    Task,
)
from verbund.shared_services.policies import MANAGE
from verbund.shared_services.selectors import service_access, settlement_diff

from .conftest import MIXED
from .factories import CostPlanFactory

pytestmark = pytest.mark.django_db


def shares(settlement: Settlement) -> dict[str, Decimal]:
    return {line.body.name: line.share for line in settlement.lines.select_related("body")}


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def set_volume(
    actor: Actor,
    service: SharedService,
    body: Body,
    start: dt.date,
    end: dt.date,
    quantity: int | str,
) -> None:
    services.volume_set(
        actor=actor,
        service=service,
        body=body,
        period_start=start,
        period_end=end,
        quantity=Decimal(quantity),
    )


def set_population(
    ss: SimpleNamespace,
    service: SharedService,
    body: Body,
    population: int,
    source: str = "Statistisches Landesamt",
) -> None:
    """The coordinator's population figure for 2025, at the reference date 30.06.2024."""
    services.population_figure_set(
        actor=ss.coordinator,
        service=service,
        year=2025,
        body=body,
        population=population,
        reference_date=dt.date(2024, 6, 30),
        source=source,
    )


# --- creating services and keys ---------------------------------------------------------------------


def test_coordinator_creates_a_service_with_recipients(ss: SimpleNamespace) -> None:
    service = services.service_create(
        actor=ss.coordinator,
        alliance=ss.alliance,
        task=Task.objects.get(slug="vergabestelle"),
        provider=ss.vg_a,
        name="Zentrale Vergabestelle",
        start_date=dt.date(2025, 1, 1),
        allocation_key=MIXED,
        recipients=[ss.vg_a, ss.vg_b],
    )
    assert service.allocation_key["type"] == "mix"
    assert sorted(r.body.name for r in service.recipients.all()) == ["Göllheim", "Kirchheimbolanden"]
    entry = AuditEntry.objects.get(action="shared_service.create")
    assert entry.actor == ss.coordinator
    assert entry.changes["recipients"] == f"{ss.vg_a.name}, {ss.vg_b.name}"


@pytest.mark.parametrize("who", ["clerk_a", "clerk_b", "advisory", "nobody"])
def test_only_coordinators_create_services(ss: SimpleNamespace, who: str) -> None:
    with pytest.raises(Forbidden):
        services.service_create(
            actor=getattr(ss, who),
            alliance=ss.alliance,
            task=Task.objects.get(slug="vergabestelle"),
            provider=ss.vg_a,
            name="X",
            start_date=dt.date(2025, 1, 1),
        )
    assert not SharedService.objects.exists()


def test_provider_and_recipients_must_be_current_members(ss: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="kein aktuelles Mitglied"):
        services.service_create(
            actor=ss.coordinator,
            alliance=ss.alliance,
            task=Task.objects.get(slug="vergabestelle"),
            provider=ss.outsider,
            name="X",
            start_date=dt.date(2025, 1, 1),
        )


def test_set_key_validates_normalises_and_audits(ss: SimpleNamespace, service: SharedService) -> None:
    with pytest.raises(ValidationError, match="ergeben 90 %"):
        services.service_set_key(
            actor=ss.coordinator,
            service=service,
            config={
                "type": "mix",
                "parts": [
                    {"weight": "50", "key": {"type": "equal"}},
                    {"weight": "40", "key": {"type": "area"}},
                ],
            },
        )
    with pytest.raises(Forbidden):
        services.service_set_key(actor=ss.clerk_a, service=service, config={"type": "equal"})
    services.service_set_key(actor=ss.coordinator, service=service, config={"type": "area"})
    service.refresh_from_db()
    assert service.allocation_key == {"type": "area"}
    entry = AuditEntry.objects.get(action="shared_service.key_set")
    assert entry.changes["allocation_key"][1] == "nach Fläche"


# --- settlements ------------------------------------------------------------------------------------


def test_final_settlement_splits_net_cost_by_the_mixed_key(
    ss: SimpleNamespace, service: SharedService
) -> None:
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")

    assert settlement.net_cost == Decimal("100000.00")
    assert settlement.total == Decimal("100000.00")
    # 50,000 / 3 each plus 50,000 × 20/35, 10/35, 5/35
    assert shares(settlement) == {
        "Kirchheimbolanden": Decimal("16666.67") + Decimal("28571.43"),
        "Göllheim": Decimal("16666.67") + Decimal("14285.71"),
        "Winnweiler": Decimal("16666.66") + Decimal("7142.86"),
    }
    assert sum(shares(settlement).values()) == Decimal("100000.00")
    line = settlement.lines.get(body=ss.vg_b)
    assert line.advance_paid == Decimal("0.00") and line.balance == line.share
    assert line.population_source == "Register"
    assert "keine Abschläge abgeschlossen" in " ".join(settlement.snapshot["notes"])
    assert settlement.snapshot["cost_plan"]["totals"]["staff"] == "66800.00"


def test_advances_then_final_settlement_gives_balances(ss: SimpleNamespace, service: SharedService) -> None:
    CostPlanFactory.create(
        service=service, year=2025, kind="plan", items=[("material", "Planansatz", "90000")]
    )
    advance = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="advance")
    line = advance.lines.get(body=ss.vg_c)
    assert line.share == Decimal("15000.00") + Decimal("6428.57")
    assert [i["amount"] for i in line.instalments] == ["5357.15", "5357.14", "5357.14", "5357.14"]
    assert [i["due"] for i in line.instalments] == ["2025-02-15", "2025-05-15", "2025-08-15", "2025-11-15"]
    services.settlement_finalize(actor=ss.coordinator, settlement=advance, confirmed=True)

    final = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    final_line = final.lines.get(body=ss.vg_c)
    assert final_line.advance_paid == Decimal("21428.57")
    assert final_line.balance == final_line.share - Decimal("21428.57") == Decimal("2380.95")
    assert sum(final.lines.values_list("balance", flat=True)) == Decimal("10000.00")


def test_member_joining_mid_year_pays_pro_rata(ss: SimpleNamespace, service: SharedService) -> None:
    ServiceRecipient.objects.filter(service=service, body=ss.vg_c).update(from_date=dt.date(2025, 7, 1))
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    line = settlement.lines.get(body=ss.vg_c)
    assert line.days == 184
    # equal part: 50,000 × 184 / (365 + 365 + 184) = 10,065.6455…
    # population part: 50,000 × 5,000·184 / (20,000·365 + 10,000·365 + 5,000·184) = 3,875.3159…
    equal, population = (Decimal(c["amount"]) for c in line.components)
    assert abs(equal - Decimal("10065.6455")) < Decimal("0.01")
    assert abs(population - Decimal("3875.3159")) < Decimal("0.01")
    assert line.share == equal + population == Decimal("13940.96")
    assert sum(shares(settlement).values()) == Decimal("100000.00")


def test_recipient_leaving_keeps_history_and_pays_until_it_left(
    ss: SimpleNamespace, service: SharedService
) -> None:
    recipient = ServiceRecipient.objects.get(service=service, body=ss.vg_b)
    services.recipient_end(actor=ss.coordinator, recipient=recipient, until_date=dt.date(2025, 3, 31))
    with pytest.raises(ValidationError, match="muss danach liegen"):
        services.recipient_add(
            actor=ss.coordinator, service=service, body=ss.vg_b, from_date=dt.date(2025, 3, 1)
        )
    services.recipient_add(
        actor=ss.coordinator, service=service, body=ss.vg_b, from_date=dt.date(2025, 10, 1)
    )
    assert ServiceRecipient.objects.filter(service=service, body=ss.vg_b).count() == 2
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    assert settlement.lines.get(body=ss.vg_b).days == 90 + 92


def test_population_at_the_reference_date_replaces_the_registry_figure(
    ss: SimpleNamespace, service: SharedService
) -> None:
    set_population(ss, service, ss.vg_a, 25_000, "Statistisches Landesamt, Stand 30.06.2024")
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    line = settlement.lines.get(body=ss.vg_a)
    assert (line.population, line.population_date) == (25_000, dt.date(2024, 6, 30))
    assert line.population_source.startswith("Stichtagswert")
    assert settlement.lines.get(body=ss.vg_b).population_source == "Register"
    assert settlement.snapshot["basis_totals"]["population"] == 40_000


def test_volume_key_uses_the_year_for_final_and_previous_year_for_advances(
    ss: SimpleNamespace, service: SharedService
) -> None:
    services.service_set_key(
        actor=ss.coordinator, service=service, config={"type": "volume", "unit": "Verfahren"}
    )
    for body, q24, q25 in ((ss.vg_a, "10", "30"), (ss.vg_b, "10", "10"), (ss.vg_c, "20", "0")):
        set_volume(ss.clerk_a, service, body, dt.date(2024, 1, 1), dt.date(2024, 12, 31), q24)
        set_volume(ss.clerk_a, service, body, dt.date(2025, 1, 1), dt.date(2025, 12, 31), q25)
    final = services.settlement_compute(actor=ss.clerk_a, service=service, year=2025, kind="final")
    assert shares(final) == {
        "Kirchheimbolanden": Decimal("75000.00"),
        "Göllheim": Decimal("25000.00"),
        "Winnweiler": Decimal("0.00"),
    }
    CostPlanFactory.create(service=service, year=2025, kind="plan", items=[("material", "Plan", "100000")])
    advance = services.settlement_compute(actor=ss.clerk_a, service=service, year=2025, kind="advance")
    assert shares(advance) == {
        "Kirchheimbolanden": Decimal("25000.00"),
        "Göllheim": Decimal("25000.00"),
        "Winnweiler": Decimal("50000.00"),
    }


def test_settlement_without_cost_plan_or_figures_is_refused_in_german(
    ss: SimpleNamespace, service: SharedService
) -> None:
    with pytest.raises(Refusal, match="keinen Kostenplan „Plan“ für 2025"):
        services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="advance")
    services.service_set_key(actor=ss.coordinator, service=service, config={"type": "volume"})
    with pytest.raises(Refusal, match="Es fehlt die Menge für: ") as caught:
        services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    assert all(name in caught.value.detail for name in ("Göllheim", "Kirchheimbolanden", "Winnweiler"))
    assert not Settlement.objects.exists()


@pytest.mark.parametrize("who", ["clerk_b", "advisory", "nobody", "head_outsider"])
def test_members_and_readers_cannot_compute(ss: SimpleNamespace, service: SharedService, who: str) -> None:
    with pytest.raises(Forbidden):
        services.settlement_compute(actor=getattr(ss, who), service=service, year=2025, kind="final")


def test_provider_computes_but_only_the_coordinator_finalizes(
    ss: SimpleNamespace, service: SharedService
) -> None:
    settlement = services.settlement_compute(actor=ss.clerk_a, service=service, year=2025, kind="final")
    with pytest.raises(Forbidden):
        services.settlement_finalize(actor=ss.clerk_a, settlement=settlement, confirmed=True)
    services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)
    settlement.refresh_from_db()
    assert settlement.is_finalized and settlement.finalized_by == ss.coordinator


# --- immutability and corrections -------------------------------------------------------------------


@pytest.fixture
def finalized(ss: SimpleNamespace, service: SharedService) -> Settlement:
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    return services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)


def test_finalized_settlement_cannot_be_changed_by_any_path(finalized: Settlement) -> None:
    finalized.total = Decimal("1.00")
    with pytest.raises(SettlementFinalizedError):
        finalized.save()
    with pytest.raises(SettlementFinalizedError):
        finalized.delete()
    with pytest.raises(SettlementFinalizedError):
        Settlement.objects.filter(pk=finalized.pk).update(total=Decimal("1.00"))
    with pytest.raises(SettlementFinalizedError):
        Settlement.objects.filter(pk=finalized.pk).delete()
    line = finalized.lines.first()
    assert line is not None
    line.share = Decimal("0.00")
    with pytest.raises(SettlementFinalizedError):
        line.save()
    with pytest.raises(SettlementFinalizedError):
        line.delete()
    with pytest.raises(SettlementFinalizedError):
        SettlementLine.objects.filter(settlement=finalized).update(share=Decimal("0.00"))
    with pytest.raises(SettlementFinalizedError):
        SettlementLine.objects.filter(settlement=finalized).delete()
    fresh = Settlement.objects.get(pk=finalized.pk)
    assert fresh.total == Decimal("100000.00")
    assert sum(fresh.lines.values_list("share", flat=True)) == Decimal("100000.00")


def test_finalized_settlement_is_not_recomputed_or_discarded(
    ss: SimpleNamespace, service: SharedService, finalized: Settlement
) -> None:
    with pytest.raises(SettlementFinalizedError, match="Korrektur"):
        services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    with pytest.raises(SettlementFinalizedError):
        services.settlement_discard(actor=ss.coordinator, settlement=finalized)
    with pytest.raises(SettlementFinalizedError):
        services.settlement_finalize(actor=ss.coordinator, settlement=finalized, confirmed=True)


def test_correction_is_a_new_version_showing_the_differences(
    ss: SimpleNamespace, service: SharedService, finalized: Settlement
) -> None:
    item = CostItem.objects.get(plan__service=service, category="revenue")
    services.cost_item_update(actor=ss.clerk_a, item=item, data={"amount": Decimal("11000")})  # net 94,000
    with pytest.raises(ValidationError, match="Grund"):
        services.settlement_correct(actor=ss.coordinator, settlement=finalized, reason=" ")
    correction = services.settlement_correct(
        actor=ss.coordinator, settlement=finalized, reason="Erlöse nachgemeldet"
    )

    assert (correction.version, correction.previous_id, correction.status) == (2, finalized.pk, "draft")
    assert correction.total == Decimal("94000.00")
    diff = {
        row.name: row
        for row in settlement_diff(correction, service_access(principal_for(ss.coordinator), service))
    }
    assert diff["Göllheim"].before == Decimal("30952.38")
    after = diff["Göllheim"].after
    assert after is not None and diff["Göllheim"].difference == after - Decimal("30952.38") < 0
    assert sum(row.difference for row in diff.values()) == Decimal("-6000.00")
    # the finalized version is untouched, and only the newest version can be corrected
    assert Settlement.objects.get(pk=finalized.pk).total == Decimal("100000.00")
    services.settlement_finalize(actor=ss.coordinator, settlement=correction, confirmed=True)
    with pytest.raises(Refusal, match="neuere Fassung"):
        services.settlement_correct(actor=ss.coordinator, settlement=finalized, reason="nochmal")


def test_member_sees_only_its_own_row_of_the_differences(
    ss: SimpleNamespace, service: SharedService, finalized: Settlement
) -> None:
    correction = services.settlement_correct(actor=ss.coordinator, settlement=finalized, reason="Prüfung")
    rows = settlement_diff(correction, service_access(principal_for(ss.clerk_b), service))
    assert [row.name for row in rows] == ["Göllheim"]


def test_stale_draft_cannot_be_finalized(ss: SimpleNamespace, service: SharedService) -> None:
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    set_population(ss, service, ss.vg_b, 11_000)
    with pytest.raises(Refusal, match="neu berechnen") as caught:
        services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)
    assert caught.value.code == "settlement_stale"
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    assert services.settlement_finalize(
        actor=ss.coordinator, settlement=settlement, confirmed=True
    ).is_finalized


def test_member_that_paid_advances_but_left_is_refunded(ss: SimpleNamespace, service: SharedService) -> None:
    CostPlanFactory.create(service=service, year=2025, kind="plan", items=[("material", "Plan", "90000")])
    advance = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="advance")
    services.settlement_finalize(actor=ss.coordinator, settlement=advance, confirmed=True)
    paid = advance.lines.get(body=ss.vg_c).share
    # the coordinator corrects the record: Winnweiler never received the service in 2025
    ServiceRecipient.objects.filter(service=service, body=ss.vg_c).update(from_date=dt.date(2026, 1, 1))
    final = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    line = final.lines.get(body=ss.vg_c)
    assert (line.days, line.share, line.advance_paid, line.balance) == (0, Decimal("0.00"), paid, -paid)


def test_every_write_is_audited(ss: SimpleNamespace, service: SharedService) -> None:
    plan = services.cost_plan_ensure(actor=ss.clerk_a, service=service, year=2026, kind="plan")
    item = services.cost_item_add(
        actor=ss.clerk_a,
        plan=plan,
        category="staff",
        description="Vergabe",
        fte=Decimal("1.5"),
        pay_grade="E9b",
    )
    services.cost_item_delete(actor=ss.clerk_a, item=item)
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    services.settlement_discard(actor=ss.coordinator, settlement=settlement)
    assert actions() == [
        "cost_plan.create",
        "cost_item.add",
        "cost_item.delete",
        "settlement.compute",
        "settlement.discard",
    ]


def test_cost_plans_and_volumes_are_the_providers_business(
    ss: SimpleNamespace, service: SharedService
) -> None:
    for user in (ss.clerk_b, ss.coordinator, ss.advisory):
        with pytest.raises(Forbidden):
            services.cost_plan_ensure(actor=user, service=service, year=2026, kind="plan")
        with pytest.raises(Forbidden):
            set_volume(user, service, ss.vg_b, dt.date(2025, 1, 1), dt.date(2025, 1, 31), 1)
    with pytest.raises(ValidationError, match="Personalkostensatz"):
        plan = services.cost_plan_ensure(actor=ss.head_a, service=service, year=2026, kind="plan")
        services.cost_item_add(
            actor=ss.head_a,
            plan=plan,
            category="staff",
            description="x",
            fte=Decimal(1),
            pay_grade="E99",
        )


def test_volume_periods_may_not_overlap_and_stay_in_one_year(
    ss: SimpleNamespace, service: SharedService
) -> None:
    set_volume(ss.clerk_a, service, ss.vg_b, dt.date(2025, 1, 1), dt.date(2025, 3, 31), 5)
    with pytest.raises(ValidationError, match="überschneidet"):
        set_volume(ss.clerk_a, service, ss.vg_b, dt.date(2025, 3, 1), dt.date(2025, 4, 30), 5)
    with pytest.raises(ValidationError, match="Kalenderjahres"):
        set_volume(ss.clerk_a, service, ss.vg_b, dt.date(2025, 12, 1), dt.date(2026, 1, 31), 5)
    with pytest.raises(ValidationError, match="erhält diesen Dienst nicht"):
        set_volume(ss.clerk_a, service, ss.outsider, dt.date(2025, 1, 1), dt.date(2025, 1, 31), 5)
    # same period again replaces the quantity
    set_volume(ss.clerk_a, service, ss.vg_b, dt.date(2025, 1, 1), dt.date(2025, 3, 31), 7)
    assert list(service.volumes.values_list("quantity", flat=True)) == [Decimal("7.00")]


def test_cost_plan_copy_from_plan_to_actual(ss: SimpleNamespace, service: SharedService) -> None:
    source = CostPlanFactory.create(
        service=service,
        year=2026,
        kind="plan",
        items=[("material", "Miete", "1200"), ("staff", "Vergabe", "0.5", "E9a")],
    )
    target = services.cost_plan_copy(actor=ss.clerk_a, source=source, year=2026, kind="actual")
    assert [(i.category, i.description) for i in target.items.all()] == [
        ("material", "Miete"),
        ("staff", "Vergabe"),
    ]


def test_system_actor_with_the_capability_acts_and_is_named_in_the_log(
    ss: SimpleNamespace, service: SharedService
) -> None:
    system = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))
    services.settlement_compute(actor=system, service=service, year=2025, kind="final")
    entry = AuditEntry.objects.get(action="settlement.compute")
    assert entry.actor is None and entry.actor_label == "Demodaten" and entry.is_system


def test_system_actor_without_the_capability_is_refused(ss: SimpleNamespace, service: SharedService) -> None:
    stranger = SystemActor(name="Registerimport", capabilities=frozenset({"registry.import"}))
    with pytest.raises(Forbidden):
        services.settlement_compute(actor=stranger, service=service, year=2025, kind="final")
    with pytest.raises(Forbidden):
        services.service_create(
            actor=stranger,
            alliance=ss.alliance,
            task=Task.objects.get(slug="vergabestelle"),
            provider=ss.vg_a,
            name="X",
            start_date=dt.date(2025, 1, 1),
        )
    with pytest.raises(Forbidden):
        services.cost_plan_ensure(actor=stranger, service=service, year=2026, kind="plan")
    assert not Settlement.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("actor", ["load_demo", "", None])
def test_a_string_or_no_actor_is_a_type_error(ss: SimpleNamespace, service: SharedService, actor) -> None:
    """Before, a string passed every permission check; now it is a programming error."""
    with pytest.raises(TypeError):
        services.settlement_compute(actor=actor, service=service, year=2025, kind="final")
    with pytest.raises(TypeError):
        services.service_set_key(actor=actor, service=service, config={"type": "equal"})
    assert not Settlement.objects.exists()


def test_an_anonymous_user_is_a_type_error(service: SharedService) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(TypeError):
        services.settlement_compute(actor=AnonymousUser(), service=service, year=2025, kind="final")  # type: ignore[arg-type]


def test_audit_entries_carry_the_alliance_and_the_body_they_concern(
    ss: SimpleNamespace, service: SharedService
) -> None:
    services.recipient_end(
        actor=ss.coordinator,
        recipient=ServiceRecipient.objects.get(service=service, body=ss.vg_c),
        until_date=dt.date(2025, 6, 30),
    )
    set_volume(ss.clerk_a, service, ss.vg_b, dt.date(2025, 1, 1), dt.date(2025, 3, 31), 5)
    set_population(ss, service, ss.vg_b, 10_100)
    plan = services.cost_plan_ensure(actor=ss.clerk_a, service=service, year=2026, kind="plan")
    services.cost_item_add(actor=ss.clerk_a, plan=plan, category="it", description="IT", amount=Decimal(10))
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)
    services.service_set_key(actor=ss.coordinator, service=service, config={"type": "equal"})

    scope = {e.action: (e.alliance_id, e.body_id) for e in AuditEntry.objects.all()}
    alliance = ss.alliance.pk
    assert scope["shared_service.recipient_end"] == (alliance, ss.vg_c.pk)
    assert scope["volume.set"] == (alliance, ss.vg_b.pk)
    assert scope["shared_service.population_set"] == (alliance, ss.vg_b.pk)
    assert scope["cost_plan.create"] == (alliance, ss.vg_a.pk)  # the provider keeps the cost plan
    assert scope["cost_item.add"] == (alliance, ss.vg_a.pk)
    assert scope["settlement.compute"] == (alliance, None)
    assert scope["settlement.finalize"] == (alliance, None)
    assert scope["shared_service.key_set"] == (alliance, None)
