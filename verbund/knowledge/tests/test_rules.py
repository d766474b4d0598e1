"""Editing the catalogue's words, the holder rules and the offices' contacts: who may, what is
checked (the field at fault is named and nothing is stored), and that every change is audited with
German change keys."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import present
from verbund.common.errors import Forbidden, Invalid
from verbund.knowledge.models import (
    GROSSE_KREISANGEHOERIGE_STADT,
    Catalogue,
    HolderRule,
    OfficeContact,
    Service,
)
from verbund.knowledge.services.responsibility import responsible
from verbund.knowledge.services.rules import (
    contact_update,
    holder_rule_create,
    holder_rule_delete,
    holder_rule_update,
    search_services,
    service_update,
)
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import Task
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db


def chain(**traits: Any) -> tuple[Body, Body, Body]:
    """An Ortsgemeinde (or what ``traits`` make), its parent and its grandparent."""
    body = BodyFactory.create(**traits)
    parent = body.parent
    assert parent is not None and parent.parent is not None
    return body, parent, parent.parent


@pytest.fixture(autouse=True)
def seeded() -> None:
    importlib.import_module("verbund.knowledge.migrations.0002_seed_rlp_holder_rules").seed(apps, None)
    ensure_seed_data()


@pytest.fixture
def advisory() -> Any:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return user


def make_service(name: str = "Hundesteuer", leika: str = "99001001000000", **extra: Any) -> Service:
    catalogue, _ = Catalogue.objects.get_or_create(slug="test", defaults={"name": "Test"})
    return Service.objects.create(
        catalogue=catalogue,
        external_id=extra.pop("external_id", f"x-{name}"),
        name=name,
        leika=[leika],
        **extra,
    )


def rule_values(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "state": "07",
        "leika_prefix": "99001",
        "kinds": ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"],
        "label": "Steueramt",
        "verified": False,
        "source": "",
    }
    base.update(values)
    return base


def german(entry: AuditEntry) -> list[str]:
    return [str(line) for line in present(entry).changes]


# --- services ----------------------------------------------------------------------------------------


def test_synonyms_keywords_and_the_task_are_set_and_audited(advisory: Any) -> None:
    service = make_service(keywords=["Steuer"])
    task = Task.objects.get(slug="kfz-zulassung")

    service_update(
        actor=advisory,
        service=service,
        synonyms="Hundemarke\n  Hunde  steuer \nhundemarke\n\n",
        keywords=["Steuer", "Hund"],
        task=task,
    )

    service.refresh_from_db()
    assert service.synonyms == ["Hundemarke", "Hunde steuer"]  # blanks and repetitions dropped
    assert service.keywords == ["Steuer", "Hund"] and service.task == task
    entry = AuditEntry.objects.get(action="knowledge.service_change")
    assert set(entry.changes) == {"Synonyme", "Schlagworte", "Aufgabe"}
    assert "Synonyme: leer → Hundemarke, Hunde steuer" in german(entry)


def test_an_unchanged_service_writes_no_audit_entry(advisory: Any) -> None:
    service = make_service(synonyms=["Hundemarke"])
    service_update(actor=advisory, service=service, synonyms=["Hundemarke"], active=True)
    assert not AuditEntry.objects.filter(action="knowledge.service_change").exists()


def test_a_too_long_word_names_the_field_and_changes_nothing(advisory: Any) -> None:
    service = make_service()
    with pytest.raises(Invalid) as caught:
        service_update(actor=advisory, service=service, synonyms=["x" * 201], keywords=["neu"])
    assert set(caught.value.fields) == {"synonyms"}
    service.refresh_from_db()
    assert service.keywords == [] and service.synonyms == []


def test_a_clerk_and_the_head_of_a_body_may_not_edit_the_catalogue() -> None:
    body = BodyFactory.create()
    service = make_service()
    for user in (UserFactory.create(staff_of=body), UserFactory.create(head_of=body)):
        with pytest.raises(Forbidden):
            service_update(actor=user, service=service, synonyms=["x"])
        with pytest.raises(Forbidden):
            holder_rule_create(actor=user, values=rule_values())
    assert HolderRule.objects.filter(leika_prefix="99001").count() == 0


def test_synonyms_are_found_by_the_search_also_with_umlauts(advisory: Any) -> None:
    service = make_service()
    service_update(actor=advisory, service=service, synonyms=["Gebühr für Bello"])
    assert list(search_services(q="gebühr")) == [service]
    assert list(search_services(q="Hundesteuer")) == [service]
    assert list(search_services(q="nichts dergleichen")) == []


# --- holder rules ------------------------------------------------------------------------------------


def test_a_new_rule_decides_the_holder_and_is_audited_in_german(advisory: Any) -> None:
    ortsgemeinde, vg, _kreis = chain()
    service = make_service()
    assert responsible(service, ortsgemeinde.ars).body is None

    rule = holder_rule_create(actor=advisory, values=rule_values())

    assert responsible(service, ortsgemeinde.ars).body == vg
    assert rule.updated_by == advisory
    entry = AuditEntry.objects.get(action="knowledge.holder_rule_set")
    lines = german(entry)
    assert "Land: Rheinland-Pfalz (07)" in lines
    assert "Zuständige Arten: Kreisfreie Stadt, Verbandsgemeinde, Verbandsfreie Gemeinde" in lines


def test_changing_a_rule_records_old_and_new(advisory: Any) -> None:
    rule = holder_rule_create(actor=advisory, values=rule_values())
    holder_rule_update(
        actor=advisory,
        rule=rule,
        values=rule_values(kinds=["landkreis"], verified=True, source="KAG § 1"),
    )
    rule.refresh_from_db()
    assert rule.kinds == ["landkreis"] and rule.verified
    entry = AuditEntry.objects.filter(action="knowledge.holder_rule_set").order_by("-pk").first()
    assert entry is not None
    assert set(entry.changes) == {"Zuständige Arten", "Geprüft", "Quelle"}
    assert "Geprüft: Nein → Ja" in german(entry)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"leika_prefix": "98001"}, "leika_prefix"),
        ({"leika_prefix": "99"}, "leika_prefix"),
        ({"leika_prefix": "991234567890123"}, "leika_prefix"),
        ({"leika_prefix": ""}, "leika_prefix"),
        ({"state": "17"}, "state"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["stadtstaat"]}, "kinds"),
        ({"label": "  "}, "label"),
        ({"verified": True, "source": ""}, "source"),
        ({"leika_prefix": "99115"}, "leika_prefix"),  # the seeded Meldewesen rule exists
    ],
)
def test_a_bad_rule_names_the_field_and_stores_nothing(
    advisory: Any, values: dict[str, Any], field: str
) -> None:
    before = HolderRule.objects.count()
    with pytest.raises(Invalid) as caught:
        holder_rule_create(actor=advisory, values=rule_values(**values))
    assert field in caught.value.fields
    assert HolderRule.objects.count() == before
    assert not AuditEntry.objects.filter(action="knowledge.holder_rule_set").exists()


def test_a_rule_for_one_service_and_its_uniqueness(advisory: Any) -> None:
    stadt, kreis, _land = chain(verbandsfreie_gemeinde=True)
    elterngeld = make_service("Elterngeld", "99999001000000")
    values = rule_values(
        leika_prefix="",
        service=elterngeld,
        kinds=["landkreis", GROSSE_KREISANGEHOERIGE_STADT],
        label="Jugendamt",
    )
    holder_rule_create(actor=advisory, values=values)
    assert responsible(elterngeld, stadt.ars).body == kreis
    with pytest.raises(Invalid) as twice:
        holder_rule_create(actor=advisory, values=values)
    assert "service" in twice.value.fields
    with pytest.raises(Invalid) as both:
        holder_rule_create(actor=advisory, values={**values, "leika_prefix": "99999"})
    assert "leika_prefix" in both.value.fields


def test_deleting_a_rule_is_audited(advisory: Any) -> None:
    rule = holder_rule_create(actor=advisory, values=rule_values())
    holder_rule_delete(actor=advisory, rule=rule)
    assert not HolderRule.objects.filter(pk=rule.pk).exists()
    entry = AuditEntry.objects.get(action="knowledge.holder_rule_delete")
    assert "LeiKa-Präfix: 99001" in german(entry)


# --- contacts ----------------------------------------------------------------------------------------


def test_the_staff_of_a_body_enter_its_contact_and_others_may_not() -> None:
    ortsgemeinde, vg, _kreis = chain()
    clerk = UserFactory.create(staff_of=vg)
    values = {
        "office": "Bürgerbüro",
        "street": "Am Markt 1",
        "postcode": "54290",
        "city": "Trier",
        "phone": "+49 651 718-0",
        "email": "buergerbuero@example.org",
        "website": "https://www.example.org/buergerbuero",
        "hours": "Mo–Fr 8–12 Uhr",
    }

    contact_update(actor=clerk, body=vg, values=values)

    contact = OfficeContact.objects.get(body=vg)
    assert contact.updated_by == clerk and contact.postcode == "54290"
    entry = AuditEntry.objects.get(action="knowledge.contact_change")
    assert entry.body_id == vg.pk and "Dienststelle: leer → Bürgerbüro" in german(entry)
    assert responsible(make_service("Personalausweis", "99008001000000"), ortsgemeinde.ars).contact[
        "office"
    ] == ("Bürgerbüro")
    with pytest.raises(Forbidden):
        contact_update(actor=UserFactory.create(staff_of=ortsgemeinde), body=vg, values=values)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "kein-at-zeichen"),
        ("website", "http://www.example.org"),
        ("website", "javascript:alert(1)"),
        ("postcode", "5429"),
        ("postcode", "5429O"),
        ("phone", "ruf mich an"),
    ],
)
def test_a_bad_contact_value_names_the_field_and_stores_nothing(field: str, value: str) -> None:
    vg = BodyFactory.create(verbandsgemeinde=True)
    head = UserFactory.create(head_of=vg)
    with pytest.raises(Invalid) as caught:
        contact_update(actor=head, body=vg, values={"office": "Bürgerbüro", field: value})
    assert set(caught.value.fields) == {field}
    assert not OfficeContact.objects.filter(body=vg).exists()
    assert not AuditEntry.objects.filter(action="knowledge.contact_change").exists()
