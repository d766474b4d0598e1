"""``/api/v1/advisory/cases``: list with filters, create, get, patch (link the alliance), transition,
notes, parties, appointments, documents; German 422s naming the field; 404 for invisible cases."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.advisory.models import Case
from verbund.alliances.tests.factories import pdf_bytes

from .test_cases_services import case_world

pytestmark = pytest.mark.django_db
BASE = "/api/v1/advisory/cases"


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return case_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_the_office_works_a_case_through_the_api(world: SimpleNamespace) -> None:
    client = client_for(world.office)
    created = post(
        client,
        BASE,
        {
            "title": "Gemeinsame Vergabestelle",
            "parties": [{"body": world.body_a.pk, "requested": True}],
            "advisor": world.advisor.pk,
            "next_step": "Satzung prüfen",
            "next_step_due": "2030-01-31",
        },
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["number"].startswith("B-") and case["status"] == "angefragt"
    assert case["parties"][0]["body"]["name"] == "Landstuhl" and case["parties"][0]["requested"]
    assert "beginnen" in case["actions"]
    url = f"{BASE}/{case['id']}"
    patched = client.patch(url, {"alliance": world.alliance.pk}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["alliance"]["name"] == "Westpfalz digital"
    assert Case.objects.get().alliance == world.alliance
    moved = post(client, f"{url}/transition", {"action": "beginnen", "remark": "Auftakt"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_beratung"
    refused = post(client, f"{url}/transition", {"action": "empfehlen"})
    assert refused.status_code == 422 and refused.json()["detail"].startswith("recommendation:")
    conflict = post(client, f"{url}/transition", {"action": "aufnehmen"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    note = post(client, f"{url}/notes", {"text": "Intern", "internal": True})
    assert note.status_code == 201 and note.json()["internal"]
    party = post(client, f"{url}/parties", {"alliance": world.other_alliance.pk})
    assert party.status_code == 201
    assert client.delete(f"{url}/parties/{party.json()['id']}").status_code == 204
    appointment = post(
        client, f"{url}/appointments", {"subject": "Termin", "starts_at": "2030-02-01T10:00:00+01:00"}
    )
    assert appointment.status_code == 201
    a_url = f"{url}/appointments/{appointment.json()['id']}"
    bad = client.patch(a_url, {"ends_at": "2030-02-01T09:00:00+01:00"}, content_type="application/json")
    assert bad.status_code == 422 and "ends_at" in bad.json()["detail"]
    assert client.get(f"{url}/appointments").json()["count"] == 1
    assert client.delete(a_url).status_code == 204
    uploaded = client.post(
        f"{url}/documents", {"file": SimpleUploadedFile("v.pdf", pdf_bytes()), "title": "Vertrag"}
    )
    assert uploaded.status_code == 201, uploaded.content
    download = client.get(uploaded.json()["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    listed = client.get(BASE, {"alliance": world.alliance.pk, "status": "in_beratung"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == case["id"]
    assert client.get(BASE, {"status": "abgeschlossen"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "advisor": 1}, "advisor"),
        ({"title": "x", "origin": "zufall"}, "origin"),
        ({"title": "x", "parties": [{"requested": True}]}, "parties"),
    ],
)
def test_a_bad_create_is_a_german_422_naming_the_field(
    world: SimpleNamespace, payload: dict, field: str
) -> None:
    response = post(client_for(world.office), BASE, payload)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:") and response.json()["code"] == "invalid"
    assert Case.objects.count() == 0


def test_unknown_status_filter_is_a_422(world: SimpleNamespace) -> None:
    response = client_for(world.office).get(BASE, {"status": "zaubern"})
    assert response.status_code == 422 and "status" in response.json()["detail"]


def test_a_party_reads_and_writes_open_notes_only(world: SimpleNamespace) -> None:
    office = client_for(world.office)
    case = post(
        office, BASE, {"title": "Fall", "parties": [{"body": world.body_a.pk, "requested": True}]}
    ).json()
    url = f"{BASE}/{case['id']}"
    post(office, f"{url}/notes", {"text": "Nur intern", "internal": True})
    clerk = client_for(world.clerk_a)
    assert clerk.get(url).json()["actions"] == []
    assert post(clerk, f"{url}/notes", {"text": "Von der VG"}).status_code == 201
    refused = post(clerk, f"{url}/notes", {"text": "geheim", "internal": True})
    assert refused.status_code == 422 and refused.json()["detail"].startswith("internal:")
    assert [n["text"] for n in clerk.get(f"{url}/notes").json()["items"]] == ["Von der VG"]
    assert clerk.patch(url, {"title": "Neu"}, content_type="application/json").status_code == 403
    assert post(clerk, BASE, {"title": "Eigener Fall"}).status_code == 403
    other = client_for(world.clerk_other)
    assert (
        other.get(url).status_code == 404
        and other.patch(url, {"title": "x"}, content_type="application/json").status_code == 404
    )
    assert Client().get(BASE).status_code == 401
