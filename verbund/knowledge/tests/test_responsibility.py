"""Who answers a citizen: the holder by the Land's rule, moved to a provider by an alliance's shared
service from its start, and back after it ends."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from verbund.alliances.models import AgreementDocument
from verbund.common.errors import Invalid, NotFound
from verbund.knowledge.models import (
    GROSSE_KREISANGEHOERIGE_STADT,
    Catalogue,
    HolderRule,
    OfficeContact,
    Service,
)
from verbund.knowledge.services.responsibility import responsible, rule_for
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import ServiceRecipient, Task
from verbund.shared_services.tests.factories import SharedServiceFactory, ensure_seed_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules() -> None:
    """The seeded Rhineland-Palatinate rules (a browser test may have flushed them)."""
    importlib.import_module("verbund.knowledge.migrations.0002_seed_rlp_holder_rules").seed(apps, None)
    ensure_seed_data()


def service(name: str, leika: str, task: str | None = None) -> Service:
    catalogue, _ = Catalogue.objects.get_or_create(slug="test", defaults={"name": "Test"})
    return Service.objects.create(
        catalogue=catalogue,
        external_id=f"x-{name}",
        name=name,
        leika=[leika],
        task=Task.objects.get(slug=task) if task else None,
    )


def municipality() -> tuple[Body, Body, Body]:
    """An Ortsgemeinde, its Verbandsgemeinde and its Landkreis."""
    ortsgemeinde = BodyFactory.create()
    vg = ortsgemeinde.parent
    assert vg is not None and vg.parent is not None
    return ortsgemeinde, vg, vg.parent


def test_registration_of_residence_is_held_by_the_verbandsgemeinde() -> None:
    ortsgemeinde, vg, _kreis = municipality()
    result = responsible(service("Wohnsitzanmeldung", "99115005000000"), ortsgemeinde.ars)

    assert result.body == vg and vg.kind == "verbandsgemeinde"
    assert result.via is None and result.verified
    assert vg.name in result.reason


def test_vehicle_registration_is_held_by_the_kreis_and_the_longest_prefix_wins() -> None:
    ortsgemeinde, _vg, kreis = municipality()
    vehicle = service("Fahrzeug abmelden", "99036008003000")
    HolderRule.objects.create(
        state="07", leika_prefix="99036008", label="Abmeldung (Test)", kinds=["verbandsgemeinde"]
    )

    assert rule_for(vehicle, "07").leika_prefix == "99036008"  # type: ignore[union-attr]
    HolderRule.objects.filter(leika_prefix="99036008").delete()
    assert responsible(vehicle, ortsgemeinde.ars).body == kreis


def test_a_rule_for_the_service_overrides_the_prefix() -> None:
    stadt = BodyFactory.create(verbandsfreie_gemeinde=True)
    elterngeld = service("Elterngeld", "99999001000000")
    HolderRule.objects.create(
        state="07", service=elterngeld, label="Jugendamt", kinds=["landkreis", GROSSE_KREISANGEHOERIGE_STADT]
    )
    result = responsible(elterngeld, stadt.ars)
    assert result.body == stadt.parent  # not a große kreisangehörige Stadt: the Kreis
    assert not result.verified and "nicht geprüft" in result.reason


def test_a_shared_service_moves_the_responsibility_from_its_start_and_back_after_its_end() -> None:
    ortsgemeinde, _vg, kreis = municipality()
    provider = BodyFactory.create(landkreis=True, name="Landkreis Bernkastel-Wittlich")
    shared = SharedServiceFactory.create(
        alliance__is_published=True,  # an unpublished alliance is not named to the public
        task=Task.objects.get(slug="kfz-zulassung"),
        provider=provider,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    basis = AgreementDocument.objects.create(
        alliance=shared.alliance,
        title="Zweckvereinbarung Zulassung",
        version=1,
        file="x.pdf",
        signed_on=dt.date(2024, 11, 5),
    )
    shared.legal_basis = basis
    shared.save()
    ServiceRecipient.objects.create(service=shared, body=kreis, from_date=dt.date(2025, 3, 1))
    vehicle = service("Fahrzeug abmelden", "99036008003000", task="kfz-zulassung")

    before = responsible(vehicle, ortsgemeinde.ars, on=dt.date(2025, 2, 28))
    during = responsible(vehicle, ortsgemeinde.ars, on=dt.date(2025, 3, 1))
    after = responsible(vehicle, ortsgemeinde.ars, on=dt.date(2027, 1, 1))

    assert before.body == kreis and before.via is None
    assert during.body == provider and during.holder == kreis
    assert "Landkreis Bernkastel-Wittlich handelt für" in during.reason
    assert "Zweckvereinbarung Zulassung" in during.reason and "05.11.2024" in during.reason
    assert after.body == kreis


def test_a_shared_service_of_another_task_changes_nothing() -> None:
    ortsgemeinde, _vg, kreis = municipality()
    shared = SharedServiceFactory.create(
        alliance__is_published=True,  # an unpublished alliance is not named to the public
        task=Task.objects.get(slug="elterngeld"),
        start_date=dt.date(2024, 1, 1),
    )
    ServiceRecipient.objects.create(service=shared, body=kreis, from_date=dt.date(2024, 1, 1))
    vehicle = service("Fahrzeug abmelden", "99036008003000", task="kfz-zulassung")
    assert responsible(vehicle, ortsgemeinde.ars).body == kreis


def test_the_contact_the_office_entered_comes_with_the_answer() -> None:
    ortsgemeinde, vg, _kreis = municipality()
    OfficeContact.objects.create(body=vg, office="Bürgerbüro", phone="06561 123-0")
    result = responsible(service("Personalausweis", "99008001000000"), ortsgemeinde.ars)
    assert result.contact == {"office": "Bürgerbüro", "phone": "06561 123-0"}


def test_unknown_rule_unknown_and_malformed_municipality() -> None:
    ortsgemeinde, _vg, _kreis = municipality()
    unknown = responsible(service("Hundesteuer", "99001001000000"), ortsgemeinde.ars)
    assert unknown.body is None and "keine Zuständigkeit" in unknown.reason
    with pytest.raises(NotFound):
        responsible(service("Reisepass", "99085001000000"), "079999999999")
    with pytest.raises(Invalid):
        responsible(service("Reisepass2", "99085001000000"), "07-1")
    assert Body.objects.filter(ars="079999999999").count() == 0


def test_elterngeld_without_a_leika_key_gets_the_districts_rule_on_import() -> None:
    """Elterngeld is held by the Landkreis or kreisfreie Stadt in RLP (DOMAIN.md §8); catalogues carry
    it without a key the seeded prefix rules know, so the import gives the service its own rule."""
    from verbund.knowledge.services.catalogue import import_services, parse_lines
    from verbund.knowledge.tests.test_catalogue import ACTOR, line

    records = parse_lines(
        [
            line(id="eg-1", name="Elterngeld beantragen", leika=""),
            line(id="x-2", name="Hundesteuer", leika=""),
        ]
    )
    result = import_services(actor=ACTOR, records=records, name="Mit Elterngeld", slug="eg")
    ortsgemeinde, _vg, kreis = municipality()
    elterngeld = Service.objects.get(external_id="eg-1")

    assert result.rules == 1
    assert responsible(elterngeld, ortsgemeinde.ars).body == kreis
    assert responsible(elterngeld, ortsgemeinde.ars).verified
    assert rule_for(Service.objects.get(external_id="x-2"), "07") is None
    # a rule the office changed is kept on the next import
    rule = HolderRule.objects.get(service=elterngeld)
    rule.kinds = ["verbandsgemeinde"]
    rule.save()
    import_services(actor=ACTOR, records=records, name="Mit Elterngeld", slug="eg")
    assert HolderRule.objects.get(service=elterngeld).kinds == ["verbandsgemeinde"]
