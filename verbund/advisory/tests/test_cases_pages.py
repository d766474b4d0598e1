"""The pages of advisory cases: the office opens, edits, links, moves and closes a case with a
confirmation; parties write notes and upload documents; the list filters; German errors name the field."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from verbund.advisory.models import Case, CaseDocument, CaseNote
from verbund.advisory.services import cases as svc
from verbund.alliances.tests.factories import pdf_bytes

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return case_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_lists_the_entries(world: SimpleNamespace) -> None:
    office = client_for(world.office).get("/beratung/").content.decode()
    assert "/beratung/faelle/" in office and "/beratung/arbeitsliste/" in office
    clerk = client_for(world.clerk_a).get("/beratung/").content.decode()
    assert "/beratung/faelle/" in clerk and "/beratung/arbeitsliste/" not in clerk


def test_the_office_opens_a_case_on_the_page(world: SimpleNamespace) -> None:
    client = client_for(world.office)
    form = client.get("/beratung/faelle/neu/")
    assert form.status_code == 200 and form.content.decode().count("<h1") == 1
    response = client.post(
        "/beratung/faelle/neu/",
        {
            "title": "Interkommunaler Bauhof",
            "origin": "anfrage",
            "requesting_body": world.body_a.pk,
            "advisor": world.advisor.pk,
            "next_step": "Kosten vergleichen",
            "next_step_due": "2030-03-01",
            "alliance": world.alliance.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/beratung/faelle/{case.pk}/"
    assert case.alliance == world.alliance and case.parties.get().requested
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "Westpfalz digital" in page and "01.03.2030" in page


def test_a_bad_form_names_the_field_in_german_and_stores_nothing(world: SimpleNamespace) -> None:
    client = client_for(world.office)
    response = client.post(
        "/beratung/faelle/neu/", {"title": "Ohne Schritt", "origin": "anfrage", "next_step_due": "2030-03-01"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nächster Schritt" in text and "bitte angeben" in text
    assert Case.objects.count() == 0


def test_moving_and_closing_with_confirmation(world: SimpleNamespace) -> None:
    case = open_sample(world)
    client = client_for(world.office)
    detail = client.get(f"/beratung/faelle/{case.pk}/").content.decode()
    assert f"/beratung/faelle/{case.pk}/stand/beginnen/" in detail
    assert f"/beratung/faelle/{case.pk}/stand/aufnehmen/" not in detail
    client.post(f"/beratung/faelle/{case.pk}/stand/beginnen/", {"remark": "los"})
    refused = client.post(f"/beratung/faelle/{case.pk}/stand/empfehlen/", {"recommendation": ""})
    assert refused.status_code == 200 and "Empfehlung" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == "in_beratung"
    client.post(
        f"/beratung/faelle/{case.pk}/stand/empfehlen/", {"recommendation": "Zweckvereinbarung schließen"}
    )
    confirm = client.get(f"/beratung/faelle/{case.pk}/stand/abschliessen/").content.decode()
    assert "Bitte bestätigen" in confirm and "Ja, abschließen" in confirm
    client.post(f"/beratung/faelle/{case.pk}/stand/abschliessen/", {"remark": ""})
    case.refresh_from_db()
    assert case.status == "abgeschlossen" and case.closed_at is not None
    page = client.get(f"/beratung/faelle/{case.pk}/").content.decode()
    assert "Zweckvereinbarung schließen" in page and "abgeschlossen" in page


def test_edit_link_and_parties_on_the_page(world: SimpleNamespace) -> None:
    case = open_sample(world)
    client = client_for(world.office)
    client.post(
        f"/beratung/faelle/{case.pk}/bearbeiten/",
        {"title": "Geänderter Betreff", "origin": "anfrage", "next_step": "", "next_step_due": ""},
    )
    client.post(f"/beratung/faelle/{case.pk}/verbund/", {"alliance": world.alliance.pk})
    client.post(f"/beratung/faelle/{case.pk}/beteiligte/", {"body": world.body_b.pk})
    case.refresh_from_db()
    assert case.title == "Geänderter Betreff" and case.alliance == world.alliance
    assert case.parties.count() == 2
    party = case.parties.get(body=world.body_b)
    client.post(f"/beratung/faelle/{case.pk}/beteiligte/{party.pk}/entfernen/")
    assert case.parties.count() == 1


def test_a_party_writes_a_note_and_uploads_a_document(world: SimpleNamespace) -> None:
    case = open_sample(world)
    client = client_for(world.clerk_a)
    page = client.get(f"/beratung/faelle/{case.pk}/").content.decode()
    assert "nur für die Beratungsstelle" not in page  # no internal checkbox for parties
    assert (
        client.post(f"/beratung/faelle/{case.pk}/notizen/", {"text": "Unterlagen folgen"}).status_code == 302
    )
    assert CaseNote.objects.get().text == "Unterlagen folgen"
    upload = SimpleUploadedFile("satzung.pdf", pdf_bytes())
    assert client.post(f"/beratung/faelle/{case.pk}/dokumente/", {"file": upload}).status_code == 302
    bad = client.post(f"/beratung/faelle/{case.pk}/dokumente/", {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 422 and "Datei" in bad.content.decode()
    assert CaseDocument.objects.count() == 1


def test_appointments_on_the_page(world: SimpleNamespace) -> None:
    case = open_sample(world)
    client = client_for(world.office)
    bad = client.post(
        f"/beratung/faelle/{case.pk}/termine/neu/",
        {"subject": "Workshop", "starts_at": "2030-05-02T10:00", "ends_at": "2030-05-02T09:00"},
    )
    assert bad.status_code == 200 and "Ende" in bad.content.decode() and case.appointments.count() == 0
    client.post(
        f"/beratung/faelle/{case.pk}/termine/neu/",
        {
            "subject": "Workshop",
            "starts_at": "2030-05-02T10:00",
            "ends_at": "2030-05-02T12:00",
            "place": "Kaiserslautern",
        },
    )
    appointment = case.appointments.get()
    ics = client.get(f"/beratung/faelle/{case.pk}/termine/{appointment.pk}/termin.ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"SUMMARY:Workshop" in ics.content
    assert "02.05.2030" in client.get(f"/beratung/faelle/{case.pk}/").content.decode()
    client.post(f"/beratung/faelle/{case.pk}/termine/{appointment.pk}/loeschen/")
    assert case.appointments.count() == 0


def test_the_office_filters_the_list(world: SimpleNamespace) -> None:
    late = open_sample(world, title="Verspätet", next_step_due=timezone.localdate() - dt.timedelta(days=3))
    other = open_sample(world, title="Pünktlich", alliance=world.alliance)
    svc.transition(actor=world.office, case_id=other.pk, action="beginnen")
    client = client_for(world.office)
    overdue = client.get("/beratung/faelle/", {"ueberfaellig": "on"}).content.decode()
    assert late.number in overdue and other.number not in overdue and "überfällig" in overdue
    by_alliance = client.get("/beratung/faelle/", {"verbund": world.alliance.pk}).content.decode()
    assert other.number in by_alliance and late.number not in by_alliance
    by_status = client.get("/beratung/faelle/", {"stand": "in_beratung"}).content.decode()
    assert other.number in by_status and late.number not in by_status
    # a party sees its cases only
    mine = client_for(world.clerk_other).get("/beratung/faelle/").content.decode()
    assert late.number not in mine
