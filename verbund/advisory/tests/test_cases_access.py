"""Who reads advisory cases: probes of the pages and the API as anonymous, a clerk of another body,
the coordinator of another alliance, the funding authority, the operator, a party's clerk (no
internal notes or documents) and the office."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from verbund.advisory.services import cases as svc
from verbund.alliances.tests.factories import pdf_bytes

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "Interne Einschätzung: Haushaltslage angespannt"
OPEN_NOTE = "Termin mit der Verwaltung vereinbart"
INTERNAL_DOC = "Vermerk Kassenlage"


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = case_world()
    w.case = open_sample(w, alliance=w.alliance)  # the alliance's coordinator and members read it
    starts = timezone.now()
    w.appointment = svc.create_appointment(
        actor=w.office, case_id=w.case.pk, subject="Erstgespräch", starts_at=starts
    )
    svc.add_note(actor=w.office, case_id=w.case.pk, text=INTERNAL_NOTE, internal=True)
    svc.add_note(actor=w.office, case_id=w.case.pk, text=OPEN_NOTE)
    w.internal_doc = svc.add_document(
        actor=w.office,
        case_id=w.case.pk,
        upload=SimpleUploadedFile("vermerk.pdf", pdf_bytes()),
        title=INTERNAL_DOC,
        internal=True,
    )
    w.open_doc = svc.add_document(
        actor=w.office,
        case_id=w.case.pk,
        upload=SimpleUploadedFile("satzung.pdf", pdf_bytes()),
        title="Satzung",
    )
    return w


def client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls(w: SimpleNamespace) -> list[str]:
    c = w.case.pk
    return [
        f"/beratung/faelle/{c}/",
        f"/beratung/faelle/{c}/dokumente/{w.open_doc.pk}/",
        f"/beratung/faelle/{c}/termine/{w.appointment.pk}/termin.ics",
        f"/api/v1/advisory/cases/{c}",
        f"/api/v1/advisory/cases/{c}/notes",
        f"/api/v1/advisory/cases/{c}/documents",
        f"/api/v1/advisory/cases/{c}/appointments",
        f"/api/v1/advisory/cases/{c}/documents/{w.open_doc.pk}/download",
    ]


@pytest.mark.parametrize("who", ["clerk_other", "coordinator_other", "funding", "operator"])
def test_outsiders_get_404_everywhere_and_an_empty_list(world: SimpleNamespace, who: str) -> None:
    client = client_for(getattr(world, who))
    for url in urls(world):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/advisory/cases").json() == {"items": [], "count": 0}
    assert world.case.number not in client.get("/beratung/faelle/").content.decode()
    # writing is refused the same way
    assert client.post(f"/beratung/faelle/{world.case.pk}/notizen/", {"text": "Hallo"}).status_code == 404
    response = client.post(
        f"/api/v1/advisory/cases/{world.case.pk}/notes", {"text": "Hallo"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_login_or_get_401(world: SimpleNamespace) -> None:
    client = client_for(None)
    for url in urls(world):
        status = client.get(url).status_code
        assert status in (302, 401), (url, status)
    assert client.get("/beratung/arbeitsliste/").status_code == 302


@pytest.mark.parametrize("who", ["clerk_a", "coordinator", "head_b"])
def test_parties_read_the_case_but_nothing_internal(world: SimpleNamespace, who: str) -> None:
    client = client_for(getattr(world, who))
    page = client.get(f"/beratung/faelle/{world.case.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert OPEN_NOTE in text and INTERNAL_NOTE not in text and INTERNAL_DOC not in text
    notes = client.get(f"/api/v1/advisory/cases/{world.case.pk}/notes").json()
    assert [n["text"] for n in notes["items"]] == [OPEN_NOTE]
    docs = client.get(f"/api/v1/advisory/cases/{world.case.pk}/documents").json()
    assert [d["title"] for d in docs["items"]] == ["Satzung"]
    hidden = f"/beratung/faelle/{world.case.pk}/dokumente/{world.internal_doc.pk}/"
    assert client.get(hidden).status_code == 404
    assert client.get(f"/beratung/faelle/{world.case.pk}/dokumente/{world.open_doc.pk}/").status_code == 200
    # parties do not work the case
    assert client.get(f"/beratung/faelle/{world.case.pk}/bearbeiten/").status_code == 403
    assert client.get("/beratung/arbeitsliste/").status_code == 403
    response = client.post(
        f"/api/v1/advisory/cases/{world.case.pk}/transition",
        {"action": "beginnen"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_office_reads_everything(world: SimpleNamespace) -> None:
    client = client_for(world.office)
    text = client.get(f"/beratung/faelle/{world.case.pk}/").content.decode()
    assert INTERNAL_NOTE in text and INTERNAL_DOC in text
    response = client.get(f"/beratung/faelle/{world.case.pk}/dokumente/{world.internal_doc.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert client.get("/api/v1/advisory/cases").json()["count"] == 1


def test_files_are_not_offered_by_a_media_url(world: SimpleNamespace) -> None:
    text = client_for(world.office).get(f"/beratung/faelle/{world.case.pk}/").content.decode()
    assert world.open_doc.file.name not in text and "/media/" not in text
