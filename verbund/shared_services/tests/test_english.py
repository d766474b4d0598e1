"""English pages of the shared services, German official documents.

A browser that asks for English (``Accept-Language: en``) reads the overview and a service's page
in English; a settlement stays an official German document whoever computes or opens it: its stored
key, notes and component labels are German, and so is the invoice PDF an English reader downloads.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from verbund.shared_services import services
from verbund.shared_services.models import Settlement, SharedService

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def german_afterwards() -> Iterator[None]:
    """LocaleMiddleware leaves the last request's language active in the test process: reset it."""
    yield
    translation.deactivate()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    """The text of a PDF (WeasyPrint writes ToUnicode maps, so the glyphs read back as text)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def settled_in_english(ss: SimpleNamespace, service: SharedService) -> Settlement:
    with translation.override("en"):
        settlement = services.settlement_compute(
            actor=ss.coordinator, service=service, year=2025, kind="final"
        )
        return services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)


def test_the_overview_and_a_service_page_read_english(ss, service):
    client = client_for(ss.coordinator)
    index = client.get("/dienste/", headers=ENGLISH)
    assert index.status_code == 200 and index["Content-Language"] == "en"
    html = index.content.decode()
    assert "One body performs a task for others" in html
    assert "Eine Körperschaft erfüllt eine Aufgabe für andere" not in html
    assert ">Provider</th>" in html and ">Erbringer</th>" not in html

    html = client.get(f"/dienste/{service.pk}/", headers=ENGLISH).content.decode()
    for english, german in [
        ("Allocation key", "Verteilungsschlüssel"),
        ("Recipients of the service with periods", "Empfänger des Dienstes mit Zeiträumen"),
        ("Shares are computed to the cent", "Anteile werden auf den Cent genau berechnet"),
        ("Change details (name, legal basis, advance payments)", "Angaben ändern"),
        ("Base amount in equal parts", "Grundbetrag zu gleichen Teilen"),  # the key, described live
    ]:
        assert english in html, english
        assert german not in html, german
    assert "Advance payments per year" in html  # a form label (gettext_lazy)


def test_the_same_pages_stay_german_by_default(ss, service):
    client = client_for(ss.coordinator)
    html = client.get(f"/dienste/{service.pk}/").content.decode()
    assert "Verteilungsschlüssel" in html and "Allocation key" not in html
    html = client.get(f"/dienste/{service.pk}/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Empfänger des Dienstes mit Zeiträumen" in html


def test_an_english_message_after_an_action(ss, service):
    client = client_for(ss.coordinator)
    response = client.post(
        f"/dienste/{service.pk}/abrechnungen/",
        {"year": "2025", "kind": "final"},
        follow=True,
        headers=ENGLISH,
    )
    html = response.content.decode()
    assert "has been computed (draft)" in html and "ist berechnet (Entwurf)" not in html
    assert "Final settlement 2025 (version 1)" in html


def test_a_settlement_computed_by_an_english_reader_is_stored_in_german(settled_in_english):
    settlement = settled_in_english
    assert "Grundbetrag" in settlement.key_description and "Base amount" not in settlement.key_description
    labels = {c["label"] for line in settlement.lines.all() for c in line.components}
    assert any("Grundbetrag" in label for label in labels), labels
    assert not any("Base amount" in label for label in labels), labels
    assert settlement.is_finalized  # the digest of the German computation matched when finalizing


def test_the_settlement_page_is_english_around_the_stored_german_figures(ss, settled_in_english):
    html = (
        client_for(ss.coordinator)
        .get(settled_in_english.get_absolute_url(), headers=ENGLISH)
        .content.decode()
    )
    assert "This version is finalised and cannot be changed." in html
    assert "Shares of the members" in html and "Anteile der Mitglieder" not in html
    assert "Grundbetrag" in html  # the stored key of the official document stays German


def test_the_invoice_of_an_english_reader_is_german(ss, settled_in_english):
    response = client_for(ss.clerk_b).get(
        f"/dienste/abrechnung/{settled_in_english.pk}/rechnung/{ss.vg_b.ars}.pdf", headers=ENGLISH
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for german in ("Spitzabrechnung 2025", "Positionen", "Ihres Anteils", "Grundlage:", "Grundbetrag"):
        assert german in text, german
    for english in ("Final settlement", "Your share", "Base amount", "Basis:", " of 35"):
        assert english not in text, english


def test_the_overviews_keep_their_german_column_names(ss, settled_in_english):
    client = client_for(ss.coordinator)
    csv_text = client.get(f"/dienste/abrechnung/{settled_in_english.pk}/uebersicht.csv", headers=ENGLISH)
    assert csv_text.status_code == 200
    header = csv_text.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Körperschaft;Regionalschlüssel;Beteiligungstage;Einwohner")
