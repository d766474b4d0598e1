"""The pages of the service catalogue and of responsibility: public reading and the question "Wer ist
zuständig?" (also through an alliance's shared service and back after it ends), editing only for the
Beratungsstelle and the operator (403 for a clerk, the login for anonymous visitors), the import of
a file whose bad line is named while nothing is stored, and the contact form of a body's staff."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.models import AgreementDocument
from verbund.audit.models import AuditEntry
from verbund.knowledge.models import Catalogue, HolderRule, OfficeContact, Service
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import ServiceRecipient, Task
from verbund.shared_services.tests.factories import SharedServiceFactory, ensure_seed_data

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
def advisory_client() -> Client:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    client = Client()
    client.force_login(user)
    return client


def make_service(name: str, leika: str, external_id: str, **extra: Any) -> Service:
    catalogue, _ = Catalogue.objects.get_or_create(slug="muenchen", defaults={"name": "München"})
    return Service.objects.create(
        catalogue=catalogue, external_id=external_id, name=name, leika=[leika], **extra
    )


def text(response: Any) -> str:
    return response.content.decode()


# --- public reading ----------------------------------------------------------------------------------


def test_anonymous_visitors_search_the_catalogue_and_read_a_service(client: Client) -> None:
    make_service("Personalausweis", "99008001000000", "1063441", keywords=["Perso"], description="Ausweis.")
    make_service("Reisepass", "99085001000000", "1063453")
    make_service("Altes Formular", "99085001000000", "1", active=False)

    listed = client.get("/wissen/leistungen/", {"q": "perso"})
    assert listed.status_code == 200
    assert "Personalausweis" in text(listed) and "Reisepass" not in text(listed)
    assert "Altes Formular" not in text(client.get("/wissen/leistungen/"))
    other = Catalogue.objects.create(slug="anderer", name="Anderer")
    Service.objects.create(catalogue=other, external_id="a-1", name="Hundesteuer")
    filtered = text(client.get("/wissen/leistungen/", {"katalog": "anderer"}))
    assert "Hundesteuer" in filtered and "Personalausweis" not in filtered

    detail = client.get("/wissen/leistungen/1063441/")
    assert detail.status_code == 200
    page = text(detail)
    assert "99008001000000" in page and "Wer ist zuständig?" in page and "Bearbeiten" not in page
    assert client.get("/wissen/leistungen/unbekannt/").status_code == 404
    make_service("Mit Schrägstrich", "99085001000000", "A/7")  # a catalogue's ids are free text
    assert "/wissen/leistungen/A/7/" in text(client.get("/wissen/leistungen/", {"q": "schrägstrich"}))
    assert client.get("/wissen/leistungen/A/7/").status_code == 200
    assert client.get("/wissen/zustaendigkeitsregeln/").status_code == 200
    assert "Meldebehörde" in text(client.get("/wissen/zustaendigkeitsregeln/", {"land": "07"}))


def test_the_answer_names_the_office_the_reason_the_rule_and_the_contact(client: Client) -> None:
    ortsgemeinde, vg, _kreis = chain(name="Erfweiler")
    OfficeContact.objects.create(
        body=vg, office="Bürgerbüro", phone="06391 123-0", website="https://vg.example.org"
    )
    make_service("Wohnsitz anmelden", "99115005000000", "1063475")

    by_name = client.get(
        "/wissen/zustaendigkeit/", {"leistung": "Wohnsitz anmelden", "gemeinde": "Erfweiler"}
    )
    by_ars = client.get("/wissen/zustaendigkeit/", {"leistung": "1063475", "gemeinde": ortsgemeinde.ars})

    for response in (by_name, by_ars):
        page = text(response)
        assert response.status_code == 200
        assert vg.name in page and "Meldebehörde" in page
        assert "Geprüfte Zuständigkeitsregel" in page and "Bürgerbüro" in page and "06391 123-0" in page


def test_several_municipalities_of_a_name_are_offered_to_choose(client: Client) -> None:
    _first, first_vg, _kreis = chain(name="Altenkirchen")
    BodyFactory.create(name="Altenkirchen (Pfalz)")
    make_service("Wohnsitz anmelden", "99115005000000", "1063475")

    page = text(client.get("/wissen/zustaendigkeit/", {"leistung": "1063475", "gemeinde": "altenk"}))
    assert "Welche Gemeinde meinen Sie?" in page and "vb-answer" not in page
    # an exact name is the one meant
    exact = text(client.get("/wissen/zustaendigkeit/", {"leistung": "1063475", "gemeinde": "Altenkirchen"}))
    assert first_vg.name in exact and "vb-answer" in exact
    unknown = client.get("/wissen/zustaendigkeit/", {"leistung": "1063475", "gemeinde": "Nirgendwo"})
    assert unknown.status_code == 200 and "Keine Gemeinde" in text(unknown)


def test_the_answer_goes_through_a_shared_service_and_back_after_it_ends(client: Client) -> None:
    ortsgemeinde, _vg, kreis = chain()
    provider = BodyFactory.create(landkreis=True, name="Landkreis Bernkastel-Wittlich")
    OfficeContact.objects.create(body=provider, office="Zulassungsstelle Wittlich")
    shared = SharedServiceFactory.create(
        alliance__is_published=True,  # an unpublished alliance is not named to the public
        task=Task.objects.get(slug="kfz-zulassung"),
        provider=provider,
        start_date=dt.date(2025, 1, 1),
        end_date=timezone.localdate() + dt.timedelta(days=30),
    )
    shared.legal_basis = AgreementDocument.objects.create(
        alliance=shared.alliance,
        title="Zweckvereinbarung Zulassung",
        version=1,
        file="x.pdf",
        signed_on=dt.date(2024, 11, 5),
    )
    shared.save()
    recipient = ServiceRecipient.objects.create(service=shared, body=kreis, from_date=dt.date(2025, 3, 1))
    make_service(
        "Fahrzeug abmelden", "99036008003000", "1064512", task=Task.objects.get(slug="kfz-zulassung")
    )
    query = {"leistung": "1064512", "ars": ortsgemeinde.ars, "gemeinde": ortsgemeinde.name}

    during = text(client.get("/wissen/zustaendigkeit/", query))
    assert "Landkreis Bernkastel-Wittlich handelt für" in during
    assert "Zulassungsstelle Wittlich" in during and "Zweckvereinbarung Zulassung" in during
    assert "01.03.2025" in during  # since the holder receives the shared service

    recipient.until_date = timezone.localdate() - dt.timedelta(days=1)
    recipient.save()
    after = text(client.get("/wissen/zustaendigkeit/", query))
    assert "handelt für" not in after and kreis.name in after


def test_an_unverified_rule_is_marked_as_such(client: Client) -> None:
    ortsgemeinde = BodyFactory.create()
    HolderRule.objects.create(state="07", leika_prefix="99001", label="Steueramt", kinds=["verbandsgemeinde"])
    make_service("Hundesteuer", "99001001000000", "h-1")
    page = text(
        client.get("/wissen/zustaendigkeit/", {"leistung": "h-1", "ars": ortsgemeinde.ars, "gemeinde": "x"})
    )
    assert "noch nicht geprüft" in page


# --- editing -----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_and_a_clerk_is_refused(client: Client) -> None:
    body = BodyFactory.create()
    make_service("Personalausweis", "99008001000000", "1063441")
    rule = HolderRule.objects.get(leika_prefix="99115")
    pages = [
        "/wissen/leistungen/1063441/bearbeiten/",
        "/wissen/zustaendigkeitsregeln/neu/",
        f"/wissen/zustaendigkeitsregeln/{rule.pk}/bearbeiten/",
        "/wissen/kataloge/einlesen/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/konto/anmelden/" in response["Location"], url
    client.force_login(UserFactory.create(staff_of=body))
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/wissen/zustaendigkeitsregeln/{rule.pk}/loeschen/").status_code == 403
    assert client.post("/wissen/leistungen/1063441/bearbeiten/", {"synonyms": "Perso"}).status_code == 403
    assert client.get("/wissen/zustaendigkeitsregeln/999999/bearbeiten/").status_code == 404
    assert HolderRule.objects.filter(pk=rule.pk).exists()
    assert Service.objects.get(external_id="1063441").synonyms == []


def test_the_advisory_office_edits_a_service(advisory_client: Client) -> None:
    make_service("Personalausweis", "99008001000000", "1063441")
    assert advisory_client.get("/wissen/leistungen/1063441/bearbeiten/").status_code == 200
    task = Task.objects.get(slug="kfz-zulassung")
    response = advisory_client.post(
        "/wissen/leistungen/1063441/bearbeiten/",
        {"synonyms": "Perso\nAusweis weg", "keywords": "Ausweis", "task": task.pk, "active": "on"},
    )
    assert response.status_code == 302
    service = Service.objects.get(external_id="1063441")
    assert service.synonyms == ["Perso", "Ausweis weg"] and service.task == task
    assert AuditEntry.objects.filter(action="knowledge.service_change").count() == 1


def test_the_advisory_office_creates_edits_and_deletes_a_rule(advisory_client: Client) -> None:
    form = {
        "state": "07",
        "leika_prefix": "99001",
        "kinds": ["verbandsgemeinde", "verbandsfreie_gemeinde"],
        "label": "Steueramt",
        "source": "",
    }
    bad = advisory_client.post("/wissen/zustaendigkeitsregeln/neu/", {**form, "leika_prefix": "12345"})
    assert bad.status_code == 200 and "LeiKa-Präfix beginnt mit 99" in text(bad)
    unsourced = advisory_client.post("/wissen/zustaendigkeitsregeln/neu/", {**form, "verified": "on"})
    assert "nennt ihre Rechtsgrundlage" in text(unsourced)
    assert not HolderRule.objects.filter(leika_prefix__in=["12345", "99001"]).exists()

    created = advisory_client.post("/wissen/zustaendigkeitsregeln/neu/", form)
    assert created.status_code == 302
    rule = HolderRule.objects.get(leika_prefix="99001")
    edited = advisory_client.post(
        f"/wissen/zustaendigkeitsregeln/{rule.pk}/bearbeiten/",
        {**form, "verified": "on", "source": "KAG § 1"},
    )
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert rule.verified and rule.source == "KAG § 1"
    listing = text(advisory_client.get("/wissen/zustaendigkeitsregeln/"))
    assert "Steueramt" in listing and f"/wissen/zustaendigkeitsregeln/{rule.pk}/loeschen/" in listing
    deleted = advisory_client.post(f"/wissen/zustaendigkeitsregeln/{rule.pk}/loeschen/", {"confirmed": "1"})
    assert deleted.status_code == 302 and not HolderRule.objects.filter(pk=rule.pk).exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="knowledge.holder_rule").values_list("action", flat=True)
    )
    assert actions.count("knowledge.holder_rule_set") == 2 and "knowledge.holder_rule_delete" in actions


# --- the import --------------------------------------------------------------------------------------


def _line(**values: Any) -> str:
    base: dict[str, Any] = {"id": "1063441", "name": "Personalausweis", "leika": "99008001000000"}
    base.update(values)
    return json.dumps(base, ensure_ascii=False)


def test_the_import_page_names_a_bad_line_and_stores_nothing(advisory_client: Client) -> None:
    content = "\n".join([_line(), _line(id="1063453", name="Reisepass", leika="12345")]).encode()
    response = advisory_client.post(
        "/wissen/kataloge/einlesen/",
        {"file": SimpleUploadedFile("katalog.jsonl", content), "name": "München", "slug": "muenchen"},
    )
    assert response.status_code == 200
    assert "katalog.jsonl, Zeile 2, Feld leika" in text(response)
    assert not Service.objects.exists() and not Catalogue.objects.exists()

    latin = advisory_client.post(
        "/wissen/kataloge/einlesen/",
        {
            "file": SimpleUploadedFile("alt.jsonl", _line(name="Führerschein").encode("latin-1")),
            "name": "Alt",
        },
    )
    assert "nicht in UTF-8" in text(latin) and not Catalogue.objects.exists()


def test_the_import_page_reads_a_good_file(advisory_client: Client) -> None:
    content = "\n".join([_line(keywords=["Perso"]), _line(id="1063453", name="Reisepass")]).encode()
    response = advisory_client.post(
        "/wissen/kataloge/einlesen/",
        {"file": SimpleUploadedFile("katalog.jsonl", content), "name": "München", "slug": "muenchen"},
    )
    assert response.status_code == 302
    assert set(Service.objects.values_list("external_id", flat=True)) == {"1063441", "1063453"}
    assert AuditEntry.objects.filter(action="knowledge.catalogue_import").count() == 1
    assert "München" in text(advisory_client.get("/wissen/kataloge/"))


# --- contacts ----------------------------------------------------------------------------------------


def test_the_staff_of_a_body_edit_its_contact_with_checked_values(client: Client) -> None:
    vg = BodyFactory.create(verbandsgemeinde=True)
    url = f"/wissen/kontakt/{vg.ars}/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(UserFactory.create(staff_of=BodyFactory.create()))
    assert client.get(url).status_code == 403
    assert client.get("/wissen/kontakt/079999999999/").status_code == 404

    client.force_login(UserFactory.create(staff_of=vg))
    assert client.get(url).status_code == 200
    assert url in text(client.get("/wissen/leistungen/"))  # the way there
    bad = client.post(
        url, {"office": "Bürgerbüro", "email": "nein", "website": "http://vg.example.org", "postcode": "123"}
    )
    page = text(bad)
    assert bad.status_code == 200
    assert "Keine gültige E-Mail-Adresse." in page and "https://" in page and "fünf Ziffern" in page
    assert not OfficeContact.objects.filter(body=vg).exists()

    good = client.post(
        url,
        {
            "office": "Bürgerbüro",
            "email": "buergerbuero@example.org",
            "website": "https://vg.example.org",
            "postcode": "66849",
        },
    )
    assert good.status_code == 302
    assert OfficeContact.objects.get(body=vg).postcode == "66849"
    assert AuditEntry.objects.filter(action="knowledge.contact_change", body_id=vg.pk).count() == 1
