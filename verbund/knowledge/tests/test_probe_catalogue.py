"""Probes of catalogue editing, holder rules, office contacts and the catalogue import: only the
Beratungsstelle and the operator edit (a clerk gets 403, anonymous callers 401 or the login); an
office's contact data only by its own staff; a bad import file names line and field and stores
nothing; labels are escaped on the public pages."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.knowledge.models import Catalogue, HolderRule, OfficeContact, Service
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/knowledge"
IMPORT = f"{API}/catalogues/import"
RULE = {
    "state": "07",
    "leika_prefix": "99001",
    "kinds": ["verbandsgemeinde"],
    "label": "Steueramt",
    "verified": False,
    "source": "",
}


@pytest.fixture(autouse=True)
def seeded() -> None:
    importlib.import_module("verbund.knowledge.migrations.0002_seed_rlp_holder_rules").seed(apps, None)


def _client(user: Any | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def adviser() -> Client:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return _client(user)


@pytest.fixture
def clerk() -> Client:
    return _client(UserFactory.create(staff_of=BodyFactory.create()))


def _line(**values: Any) -> str:
    record: dict[str, Any] = {"id": "1063441", "name": "Personalausweis", "leika": "99008001000000"}
    record.update(values)
    return json.dumps(record, ensure_ascii=False)


def _import(client: Client, content: bytes, *, name: str = "k.jsonl", **form: str) -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content), "name": "Testkatalog", **form})


# --- who edits ---------------------------------------------------------------------------------------


def test_holder_rule_writes_need_the_beratungsstelle(clerk: Client, adviser: Client) -> None:
    rule = HolderRule.objects.order_by("pk").first()
    assert rule is not None
    before = HolderRule.objects.count()
    for client, status in ((Client(), 401), (clerk, 403)):
        assert client.post(f"{API}/holder-rules", RULE, content_type="application/json").status_code == status
        url = f"{API}/holder-rules/{rule.pk}"
        assert client.put(url, RULE, content_type="application/json").status_code == status
        assert client.delete(url).status_code == status
    assert HolderRule.objects.count() == before
    rule.refresh_from_db()
    assert rule.label != "Steueramt"
    assert adviser.post(f"{API}/holder-rules", RULE, content_type="application/json").status_code == 201


def test_editing_pages_refuse_clerks_and_send_anonymous_people_to_the_login(clerk: Client) -> None:
    rule = HolderRule.objects.order_by("pk").first()
    assert rule is not None
    catalogue = Catalogue.objects.create(slug="m", name="M")
    service = Service.objects.create(catalogue=catalogue, external_id="1", name="Personalausweis")
    urls = [
        "/wissen/kataloge/einlesen/",
        "/wissen/zustaendigkeitsregeln/neu/",
        f"/wissen/zustaendigkeitsregeln/{rule.pk}/bearbeiten/",
        f"/wissen/leistungen/{service.external_id}/bearbeiten/",
    ]
    for url in urls:
        assert clerk.get(url).status_code == 403, url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "anmelden" in anonymous["Location"], url
    assert clerk.post(f"/wissen/zustaendigkeitsregeln/{rule.pk}/loeschen/").status_code == 403
    assert Client().post(f"/wissen/zustaendigkeitsregeln/{rule.pk}/loeschen/").status_code == 302
    assert HolderRule.objects.filter(pk=rule.pk).exists()
    response = clerk.post(
        f"/wissen/leistungen/{service.external_id}/bearbeiten/", {"synonyms": "Perso", "keywords": ""}
    )
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.synonyms == []


def test_contact_data_only_by_the_body_s_own_staff() -> None:
    own, other = BodyFactory.create(), BodyFactory.create()
    staff = _client(UserFactory.create(staff_of=own))
    values = {"office": "Bürgerbüro", "email": "buergerbuero@example.org"}
    assert staff.post(f"/wissen/kontakt/{other.ars}/", values).status_code == 403
    assert staff.get(f"/wissen/kontakt/{other.ars}/").status_code == 403
    assert not OfficeContact.objects.filter(body=other).exists()
    assert staff.get("/wissen/kontakt/000000000000/").status_code == 404
    assert staff.get("/wissen/kontakt/..%2F..%2F/").status_code == 404
    assert Client().post(f"/wissen/kontakt/{own.ars}/", values).status_code == 302
    assert not OfficeContact.objects.exists()
    # a link that is no https address is refused (it is shown as a link to citizens)
    response = staff.post(f"/wissen/kontakt/{own.ars}/", {**values, "website": "javascript:alert(1)"})
    assert response.status_code in (200, 422) and not OfficeContact.objects.exists()
    assert staff.post(f"/wissen/kontakt/{own.ars}/", values).status_code == 302
    assert OfficeContact.objects.get(body=own).office == "Bürgerbüro"


def test_a_rule_label_is_escaped_on_the_public_page(adviser: Client) -> None:
    script = "<script>alert('rule')</script>"
    response = adviser.post(f"{API}/holder-rules", {**RULE, "label": script}, content_type="application/json")
    assert response.status_code in (201, 422)
    html = Client().get("/wissen/zustaendigkeitsregeln/", {"land": "07"}).content.decode()
    assert script not in html


# --- the import --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Personalausweis;99008001000000".encode("latin-1") + "ä".encode("latin-1"), "UTF-8"),
        (_line().encode("utf-16"), "UTF-8"),
        (json.dumps([{"id": "1", "name": "Pass"}]).encode(), "Zeile 1"),
        ("\n".join([_line(), _line(name="Doppelt")]).encode(), "Zeile 2, Feld id"),
        ("\n".join([_line(), _line(id="2", name="x" * 100_000)]).encode(), "Zeile 2, Feld name"),
        ("\n".join([_line(), _line(id="2", url="javascript:alert(1)")]).encode(), "Zeile 2, Feld url"),
        ("\n".join([_line(), _line(id="2", leika="123")]).encode(), "Zeile 2, Feld leika"),
        ("\n".join([_line(), "{", _line(id="3")]).encode(), "Zeile 2"),
        ("\n".join([_line(), _line(id=["1"])]).encode(), "Zeile 2, Feld id"),
        (b"", "keine Leistung"),
    ],
)
def test_a_bad_import_names_where_and_stores_nothing(adviser: Client, content: bytes, expected: str) -> None:
    response = _import(adviser, content)
    assert response.status_code == 422, response.content
    assert expected in response.json()["detail"]
    assert not Catalogue.objects.exists() and not Service.objects.exists()


def test_a_bad_slug_is_refused_naming_it(adviser: Client) -> None:
    response = _import(adviser, _line().encode(), slug="../etc")
    assert response.status_code == 422 and "slug" in response.json()["detail"]
    assert not Catalogue.objects.exists()


def test_clerks_and_anonymous_callers_cannot_import(clerk: Client) -> None:
    assert _import(Client(), _line().encode()).status_code == 401
    assert _import(clerk, _line().encode()).status_code == 403
    assert not Catalogue.objects.exists()


def test_an_id_of_another_catalogue_names_its_line_and_stores_nothing(adviser: Client) -> None:
    other = Catalogue.objects.create(slug="andere", name="Anderer Katalog")
    Service.objects.create(catalogue=other, external_id="777", name="Fremd")
    response = _import(adviser, "\n".join([_line(id="1"), _line(id="777", name="Übernahme")]).encode())
    assert response.status_code == 422
    assert list(Catalogue.objects.values_list("slug", flat=True)) == ["andere"]
    assert Service.objects.get(external_id="777").name == "Fremd"
    assert "Zeile 2" in response.json()["detail"]


def test_a_nul_inside_a_json_string_is_refused_naming_line_and_field(adviser: Client) -> None:
    # json.dumps writes the NUL as the escape \u0000, which json.loads turns back into a NUL
    content = "\n".join([_line(), _line(id="2", name="Reise\x00pass")]).encode()
    assert b"\\u0000" in content
    response = _import(adviser, content)
    assert response.status_code == 422
    assert "Zeile 2, Feld name" in response.json()["detail"]
    assert not Service.objects.exists()
