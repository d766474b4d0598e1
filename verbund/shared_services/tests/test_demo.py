"""The demo shared services (load_demo): on the demo alliances of EMH and Donnersberg they create the
joint Kfz-Zulassung, the Bußgeldstelle at Bernkastel-Wittlich and the Donnersberg procurement office
with example cost plans (marked as examples), volumes and finalized settlements that add up; a
second run changes nothing and writes no audit entry; a missing alliance only prints a warning."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from verbund.alliances.demo import load_demo_alliances
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory, LandFactory
from verbund.shared_services.demo import (
    DONNERSBERG,
    EMH,
    ensure_demo_provider_clerks,
    load_demo_shared_services,
)
from verbund.shared_services.models import CostPlan, Settlement, SharedService, VolumeRecord
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db

LANDKREISE = {
    "07135": ("Cochem-Zell", 61_608),
    "07231": ("Bernkastel-Wittlich", 113_187),
    "07232": ("Eifelkreis Bitburg-Prüm", 99_788),
    "07233": ("Vulkaneifel", 59_313),
    "07333": ("Donnersbergkreis", 74_783),
    "07335": ("Kaiserslautern", 106_000),
}
VGS = {
    "073335004": ("Kirchheimbolanden", 19_616),
    "073335003": ("Göllheim", 11_910),
    "073355001": ("Bruchmühlbach-Miesau", 10_546),
}


@pytest.fixture
def registry(db):
    ensure_seed_data()
    land = LandFactory.create(state="07")
    kreise = {}
    for key, (name, population) in LANDKREISE.items():
        kreise[key] = BodyFactory.create(
            landkreis=True, parent=land, key=key, ars=f"{key}0000000", name=name, population=population
        )
    for key, (name, population) in VGS.items():
        BodyFactory.create(
            verbandsgemeinde=True,
            parent=kreise[key[:5]],
            key=key,
            ars=f"{key}000",
            name=name,
            population=population,
        )


def test_demo_services_settlements_and_idempotence(registry):
    load_demo_alliances()
    out = io.StringIO()
    created = load_demo_shared_services(stdout=out)

    assert sorted(s.name for s in created) == [
        "Gemeinsame Kfz-Zulassung Eifel-Mosel-Hunsrück",
        "Kreisübergreifende Bußgeldstelle",
        "Zentrale Vergabestelle und Fördermittelmanagement",
    ]
    assert "Demo-Dienste: 3 angelegt" in out.getvalue()
    assert CostPlan.objects.filter(is_example=True).count() == CostPlan.objects.count() == 7
    bussgeld = SharedService.objects.get(name="Kreisübergreifende Bußgeldstelle")
    assert bussgeld.provider.key == "07231"
    assert VolumeRecord.objects.filter(service=bussgeld).count() == 2 * 4 * 4  # 2 years, 4 Kreise, quarters
    for settlement in Settlement.objects.all():
        assert settlement.is_finalized
        assert sum(settlement.lines.values_list("share", flat=True)) == settlement.total
    final = Settlement.objects.get(service=bussgeld, year=2025, kind="final")
    assert (
        sum(final.lines.values_list("advance_paid", flat=True))
        == Settlement.objects.get(service=bussgeld, year=2025, kind="advance").total
    )
    vergabe = Settlement.objects.get(service__name__startswith="Zentrale Vergabestelle")
    lk = vergabe.lines.get(body__key="07333")
    assert lk.share == (vergabe.total * Decimal("0.40")).quantize(Decimal("0.01"))

    entries = AuditEntry.objects.count()
    again = io.StringIO()
    assert load_demo_shared_services(stdout=again) == []
    assert "0 angelegt, 3 vorhanden" in again.getvalue()
    assert AuditEntry.objects.count() == entries
    assert Settlement.objects.count() == 7


def test_missing_alliances_only_warn(registry):
    out = io.StringIO()
    assert load_demo_shared_services(stdout=out) == []
    assert "Verbund „modellvorhaben-eifel-mosel-hunsrueck“ fehlt" in out.getvalue()
    assert not SharedService.objects.exists()


def test_provider_clerk_login_is_created_once(registry):
    rows = ensure_demo_provider_clerks()
    assert [r[0] for r in rows] == ["sachbearbeitung.bernkastel-wittlich"]
    entries = AuditEntry.objects.count()
    ensure_demo_provider_clerks()
    assert AuditEntry.objects.count() == entries


# --- non-destructive: independent of the alliances' demo, on alliances made by factories ---------------


@pytest.fixture
def demo_alliances(registry):
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.models import Body

    def bodies(*keys):
        return [Body.objects.get(key=key) for key in keys]

    AllianceFactory.create(
        slug=EMH, name="Eifel-Mosel-Hunsrück", members=bodies("07135", "07231", "07232", "07233")
    )
    AllianceFactory.create(
        slug=DONNERSBERG,
        name="Zentrale Vergabestelle",
        members=bodies("07333", "073335004", "073335003", "073355001"),
    )


def test_demo_twice_after_user_edits_changes_nothing_the_user_did(demo_alliances):
    from verbund.common.actors import SystemActor
    from verbund.shared_services import services
    from verbund.shared_services.models import CostItem, ServiceRecipient
    from verbund.shared_services.policies import MANAGE

    created = load_demo_shared_services(stdout=io.StringIO())
    assert len(created) == 3
    someone = SystemActor(name="Nutzerin", capabilities=frozenset({MANAGE}))
    bussgeld = SharedService.objects.get(name="Kreisübergreifende Bußgeldstelle")
    vergabe = SharedService.objects.get(name="Zentrale Vergabestelle und Fördermittelmanagement")
    # a user renames a service, removes a cost item, changes a volume and ends a recipient
    services.service_update(actor=someone, service=bussgeld, data={"name": "Bußgeldstelle EMH"})
    item = CostItem.objects.filter(plan__service=vergabe).order_by("id").first()
    assert item is not None
    services.cost_item_delete(actor=someone, item=item)
    volume = VolumeRecord.objects.filter(service=bussgeld).order_by("id").first()
    assert volume is not None
    services.volume_set(
        actor=someone,
        service=bussgeld,
        body=volume.body,
        period_start=volume.period_start,
        period_end=volume.period_end,
        quantity=Decimal("1.00"),
    )
    recipient = ServiceRecipient.objects.filter(service=vergabe).exclude(body=vergabe.provider).first()
    assert recipient is not None
    services.recipient_end(actor=someone, recipient=recipient, until_date=recipient.from_date)
    items, volumes = CostItem.objects.count(), VolumeRecord.objects.count()
    settlements, entries = Settlement.objects.count(), AuditEntry.objects.count()

    out = io.StringIO()
    assert load_demo_shared_services(stdout=out) == []
    assert "0 angelegt, 3 vorhanden" in out.getvalue()
    assert SharedService.objects.count() == 3
    assert SharedService.objects.get(pk=bussgeld.pk).name == "Bußgeldstelle EMH"
    assert not CostItem.objects.filter(pk=item.pk).exists() and CostItem.objects.count() == items
    assert VolumeRecord.objects.get(pk=volume.pk).quantity == Decimal("1.00")
    assert VolumeRecord.objects.count() == volumes
    assert ServiceRecipient.objects.get(pk=recipient.pk).until_date == recipient.from_date
    assert not ServiceRecipient.objects.filter(service=vergabe, body=recipient.body, until_date=None).exists()
    assert Settlement.objects.count() == settlements
    assert AuditEntry.objects.count() == entries


def test_demo_acts_as_the_system_actor_and_new_clerks_get_an_invalid_address(demo_alliances):
    from verbund.accounts.models import User

    load_demo_shared_services(stdout=io.StringIO())
    entry = AuditEntry.objects.filter(action="shared_service.create").first()
    assert entry is not None
    assert entry.is_system and entry.actor_label == "Demodaten"
    ensure_demo_provider_clerks()
    clerk = User.objects.get(username="sachbearbeitung.bernkastel-wittlich")
    assert clerk.email == "sachbearbeitung.bernkastel-wittlich@verbund.invalid"
    clerk.set_password("geheim-und-neu-2026")
    clerk.save()
    ensure_demo_provider_clerks()
    clerk.refresh_from_db()
    assert clerk.check_password("geheim-und-neu-2026")  # an existing login is left alone
