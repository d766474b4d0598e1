"""``/api/v1/knowledge``: the public catalogue and responsibility (through a shared service and back
after it ends), the holder rules for the Beratungsstelle (401 without login, 403 for a clerk), the
import of a file (a bad line named, nothing stored), and errors that name the field."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

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
API = "/api/v1/knowledge"


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


RULE = {
    "state": "07",
    "leika_prefix": "99001",
    "kinds": ["verbandsgemeinde", "verbandsfreie_gemeinde"],
    "label": "Steueramt",
    "verified": False,
    "source": "",
}


def test_the_catalogue_is_public_paginated_and_searchable(client: Client) -> None:
    make_service("Personalausweis", "99008001000000", "1063441", keywords=["Perso"])
    make_service("Reisepass", "99085001000000", "1063453")
    make_service("Abgeschafft", "99085001000000", "9", active=False)

    page = client.get(f"{API}/services", {"limit": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    found = client.get(f"{API}/services", {"q": "perso"}).json()
    assert [s["id"] for s in found["items"]] == ["1063441"]
    assert found["items"][0]["catalogue"] == {"slug": "muenchen", "name": "München"}
    assert client.get(f"{API}/services", {"inactive": "true"}).json()["count"] == 3
    assert client.get(f"{API}/services", {"catalogue": "anderer"}).json()["count"] == 0

    detail = client.get(f"{API}/services/1063441")
    assert detail.status_code == 200
    assert detail.json()["leika"] == ["99008001000000"] and detail.json()["task"] is None
    missing = client.get(f"{API}/services/unbekannt")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_responsible_through_a_shared_service_from_its_start_and_back_after_its_end(client: Client) -> None:
    ortsgemeinde, _vg, kreis = chain()
    provider = BodyFactory.create(landkreis=True, name="Landkreis Bernkastel-Wittlich")
    OfficeContact.objects.create(body=provider, office="Zulassungsstelle", email="zulassung@example.org")
    shared = SharedServiceFactory.create(
        alliance__is_published=True,  # an unpublished alliance is not named to the public
        task=Task.objects.get(slug="kfz-zulassung"),
        provider=provider,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    shared.legal_basis = AgreementDocument.objects.create(
        alliance=shared.alliance,
        title="Zweckvereinbarung Zulassung",
        version=1,
        file="x.pdf",
        signed_on=dt.date(2024, 11, 5),
    )
    shared.save()
    ServiceRecipient.objects.create(service=shared, body=kreis, from_date=dt.date(2025, 3, 1))
    make_service(
        "Fahrzeug abmelden", "99036008003000", "1064512", task=Task.objects.get(slug="kfz-zulassung")
    )

    def ask(on: str) -> dict[str, Any]:
        response = client.get(f"{API}/responsible", {"service": "1064512", "ars": ortsgemeinde.ars, "on": on})
        assert response.status_code == 200, response.content
        return response.json()

    before, during, after = ask("2025-02-28"), ask("2025-03-01"), ask("2027-01-01")

    assert before["responsible"] == {"ars": kreis.ars, "name": kreis.name, "via": None}
    assert during["responsible"]["ars"] == provider.ars
    assert during["responsible"]["via"] == {
        "alliance": {"slug": shared.alliance.slug, "name": shared.alliance.name},
        "shared_service": {"id": shared.pk, "name": shared.name},
        "agreement": {"title": "Zweckvereinbarung Zulassung", "signed_on": "2024-11-05"},
        "since": "2025-03-01",
    }
    assert during["holder"]["ars"] == kreis.ars and during["verified"] is True
    assert during["service"] == {"id": "1064512", "name": "Fahrzeug abmelden", "leika": ["99036008003000"]}
    assert during["contact"]["office"] == "Zulassungsstelle" and during["contact"]["phone"] == ""
    assert "handelt für" in during["reason"] and during["rule"]["label"] == "Zulassungsbehörde (Fahrzeuge)"
    assert after["responsible"]["ars"] == kreis.ars and after["contact"] is None


def test_responsible_errors_name_the_field(client: Client) -> None:
    ortsgemeinde = BodyFactory.create()
    make_service("Personalausweis", "99008001000000", "1063441")
    unknown_service = client.get(f"{API}/responsible", {"service": "nein", "ars": ortsgemeinde.ars})
    assert unknown_service.status_code == 422 and unknown_service.json()["detail"].startswith("service:")
    unknown_ars = client.get(f"{API}/responsible", {"service": "1063441", "ars": "079999999999"})
    assert unknown_ars.status_code == 422 and unknown_ars.json()["detail"].startswith("ars:")
    malformed = client.get(f"{API}/responsible", {"service": "1063441", "ars": "07-1", "on": "gestern"})
    assert malformed.status_code == 422
    assert "ars:" in malformed.json()["detail"] and "on:" in malformed.json()["detail"]
    no_rule = client.get(
        f"{API}/responsible",
        {"service": make_service("Hundesteuer", "99001001000000", "h").external_id, "ars": ortsgemeinde.ars},
    ).json()
    assert no_rule["responsible"] is None and no_rule["rule"] is None and no_rule["verified"] is False


def test_holder_rules_are_public_to_read_and_only_editors_write(
    client: Client, advisory_client: Client
) -> None:
    listed = client.get(f"{API}/holder-rules", {"state": "07"}).json()
    assert listed["count"] >= 8 and {"99115", "99036"} <= {r["leika_prefix"] for r in listed["items"]}
    seeded = HolderRule.objects.get(leika_prefix="99115")
    assert client.get(f"{API}/holder-rules/{seeded.pk}").json()["kind_labels"][0] == "Verbandsgemeinde"

    assert client.post(f"{API}/holder-rules", RULE, content_type="application/json").status_code == 401
    clerk = Client()
    clerk.force_login(UserFactory.create(staff_of=BodyFactory.create()))
    assert clerk.post(f"{API}/holder-rules", RULE, content_type="application/json").status_code == 403
    refused = clerk.put(f"{API}/holder-rules/{seeded.pk}", RULE, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert clerk.delete(f"{API}/holder-rules/{seeded.pk}").status_code == 403
    assert clerk.delete(f"{API}/holder-rules/999999").status_code == 404
    assert not HolderRule.objects.filter(leika_prefix="99001").exists()

    created = advisory_client.post(f"{API}/holder-rules", RULE, content_type="application/json")
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    updated = advisory_client.put(
        f"{API}/holder-rules/{rule_id}",
        {**RULE, "verified": True, "source": "KAG § 1"},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["verified"] is True
    assert advisory_client.delete(f"{API}/holder-rules/{rule_id}").status_code == 204
    assert list(
        AuditEntry.objects.filter(action__startswith="knowledge.holder_rule")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["knowledge.holder_rule_set", "knowledge.holder_rule_set", "knowledge.holder_rule_delete"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"leika_prefix": "12345"}, "leika_prefix:"),
        ({"leika_prefix": "99115"}, "leika_prefix:"),
        ({"verified": True}, "source:"),
        ({"kinds": ["bundesland"]}, "kinds"),
        ({"kinds": []}, "kinds"),
        ({"leika_prefix": "", "service": "gibt-es-nicht"}, "service:"),
        ({"state": "7"}, "state:"),
    ],
)
def test_a_bad_rule_is_a_422_naming_the_field(
    advisory_client: Client, change: dict[str, Any], field: str
) -> None:
    before = HolderRule.objects.count()
    response = advisory_client.post(
        f"{API}/holder-rules", {**RULE, **change}, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    assert HolderRule.objects.count() == before


def _line(**values: Any) -> str:
    base: dict[str, Any] = {"id": "1063441", "name": "Personalausweis", "leika": "99008001000000"}
    base.update(values)
    return json.dumps(base, ensure_ascii=False)


def test_the_import_names_a_bad_line_and_stores_nothing(client: Client, advisory_client: Client) -> None:
    bad = ("\n".join([_line(), _line(id="2", keywords="Perso")])).encode()
    response = advisory_client.post(
        f"{API}/catalogues/import", {"file": SimpleUploadedFile("katalog.jsonl", bad), "name": "München"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("katalog.jsonl, Zeile 2, Feld keywords")
    assert not Service.objects.exists() and not Catalogue.objects.exists()

    good = ("\n".join([_line(), _line(id="2", name="Reisepass")])).encode()
    assert (
        client.post(
            f"{API}/catalogues/import", {"file": SimpleUploadedFile("k.jsonl", good), "name": "M"}
        ).status_code
        == 401
    )
    clerk = Client()
    clerk.force_login(UserFactory.create(staff_of=BodyFactory.create()))
    assert (
        clerk.post(
            f"{API}/catalogues/import", {"file": SimpleUploadedFile("k.jsonl", good), "name": "M"}
        ).status_code
        == 403
    )
    done = advisory_client.post(
        f"{API}/catalogues/import",
        {"file": SimpleUploadedFile("k.jsonl", good), "name": "München", "slug": "muenchen"},
    )
    assert done.status_code == 201, done.content
    assert done.json() == {
        "catalogue": {"slug": "muenchen", "name": "München"},
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
