"""The advisory pages and API: upload through the page and the API (refused documents list each
failed test and store nothing), TLP applied to list, detail, download and API (404 outside the
distribution), the member's chosen distribution stored with the import, reads of AMBER logged."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import SensitiveRead
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, AdvisoryRevision, Distribution, Tlp
from verbund.security.tests.test_csaf_validation import sample_advisory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> Any:
    from types import SimpleNamespace

    a = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    b = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    outsider = BodyFactory.create(verbandsgemeinde=True, name="Weit Weg")
    alliance = AllianceFactory.create(members=[a, b])
    return SimpleNamespace(
        a=a,
        b=b,
        outsider=outsider,
        alliance=alliance,
        clerk_a=UserFactory.create(staff_of=a),
        clerk_b=UserFactory.create(staff_of=b),
        clerk_out=UserFactory.create(staff_of=outsider),
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(user: Any, document: dict[str, Any], **fields: Any) -> Any:
    data = json.dumps(document).encode()
    return client_for(user).post(
        "/sicherheit/hinweise/einlesen/",
        {"document": SimpleUploadedFile("hinweis.json", data, content_type="application/json"), **fields},
    )


def test_a_member_uploads_an_amber_advisory_and_shares_it_with_its_alliance(world: Any) -> None:
    response = upload(
        world.clerk_a,
        sample_advisory(),
        owner_body=world.a.pk,
        tlp="",
        distribution=Distribution.ALLIANCE,
        alliance=world.alliance.pk,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    advisory = Advisory.objects.get()
    assert advisory.tlp == Tlp.AMBER and advisory.owner_body == world.a
    assert advisory.distribution == Distribution.ALLIANCE and advisory.alliance == world.alliance
    detail = f"/sicherheit/hinweise/{advisory.pk}/"
    revision = AdvisoryRevision.objects.get(advisory=advisory)
    download = f"/sicherheit/hinweise/{advisory.pk}/fassung/{revision.pk}.json"
    # the partner in the alliance sees it, its reads are logged (TLP:AMBER)
    partner = client_for(world.clerk_b)
    page = partner.get(detail)
    assert page.status_code == 200 and advisory.title in page.content.decode()
    assert advisory.title in partner.get("/sicherheit/hinweise/").content.decode()
    assert json.loads(partner.get(download).content)["document"]["tracking"]["id"] == advisory.tracking_id
    assert (
        SensitiveRead.objects.filter(object_type="security.advisory", object_id=str(advisory.pk)).count() == 2
    )
    assert partner.get(f"/api/v1/security/advisories/{advisory.pk}").status_code == 200
    # an outsider: 404 everywhere, and not in the list or the API list
    outsider = client_for(world.clerk_out)
    assert outsider.get(detail).status_code == 404
    assert outsider.get(download).status_code == 404
    assert advisory.title not in outsider.get("/sicherheit/hinweise/").content.decode()
    assert outsider.get(f"/api/v1/security/advisories/{advisory.pk}").status_code == 404
    assert (
        outsider.get(
            f"/api/v1/security/advisories/{advisory.pk}/revisions/{revision.pk}/document"
        ).status_code
        == 404
    )
    assert outsider.get("/api/v1/security/advisories").json()["count"] == 0


def test_amber_cannot_go_to_all_alliances(world: Any) -> None:
    response = upload(
        world.clerk_a,
        sample_advisory(),
        owner_body=world.a.pk,
        tlp="",
        distribution=Distribution.ALL_ALLIANCES,
    )
    assert response.status_code == 200
    assert "TLP:AMBER darf nur" in response.content.decode()
    assert not Advisory.objects.exists()


def test_an_invalid_document_is_refused_on_the_page_with_each_test(world: Any) -> None:
    document = copy.deepcopy(sample_advisory())
    document["document"]["tracking"]["revision_history"] = []  # 6.1.x: no revision history
    response = upload(
        world.clerk_a, document, owner_body=world.a.pk, tlp="", distribution=Distribution.ORGANISATION
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "/document/tracking/revision_history" in text, text[text.find("<main") : text.find("</main>")]
    assert not Advisory.objects.exists() and not AdvisoryRevision.objects.exists()


def test_the_api_imports_and_refuses_with_the_failed_tests(world: Any) -> None:
    client = client_for(world.clerk_a)
    good = io.BytesIO(json.dumps(sample_advisory()).encode())
    good.name = "hinweis.json"
    response = client.post(
        "/api/v1/security/advisories",
        {"document": good, "owner_body": world.a.pk, "distribution": "organisation"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "created" and response.json()["advisory"]["tlp"] == "amber"
    again = io.BytesIO(json.dumps(sample_advisory()).encode())
    again.name = "hinweis.json"
    second = client.post("/api/v1/security/advisories", {"document": again, "owner_body": world.a.pk})
    assert second.status_code == 200 and second.json()["outcome"] == "unchanged"
    broken = copy.deepcopy(sample_advisory())
    broken["document"]["tracking"]["id"] = "anders"
    broken["document"]["tracking"]["revision_history"] = []
    bad = io.BytesIO(json.dumps(broken).encode())
    bad.name = "kaputt.json"
    refused = client.post("/api/v1/security/advisories", {"document": bad, "owner_body": world.a.pk})
    assert refused.status_code == 422
    assert "revision_history" in refused.json()["detail"]
    assert Advisory.objects.count() == 1
    # the partner does not see an organisation-only advisory
    assert client_for(world.clerk_b).get("/api/v1/security/advisories").json()["count"] == 0
