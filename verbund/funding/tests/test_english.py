"""Funding in English: the index and an application page follow ``Accept-Language`` or the
remembered choice (cookie ``verbund_sprache``); the grant notice (an official document), the checks
and the audit entries stored with a decision, and the exports stay German whoever works in English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from verbund.audit.models import AuditEntry
from verbund.funding import services

from .factories import draft_application, fill_draft
from .test_notice_pdf import pdf_text
from .test_views import in_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """The test client leaves the last request's language active in this thread: reset it, so that
    the tests after these (pure modules, services) read German again."""
    yield
    translation.deactivate()


def english(user: Any = None, *, cookie: bool = False) -> Client:
    client = Client(headers={} if cookie else {"accept-language": "en"})
    if cookie:
        client.cookies["verbund_sprache"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


@pytest.fixture
def draft(world: Any, alliance: Any, programme: Any) -> Any:
    return fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))


def test_the_funding_index_speaks_english(programme):
    html = html_of(english(), "/foerderung/")
    for text in (
        "Funding programmes",
        "Application period",
        "Budget years",
        "to submit or edit applications",
    ):
        assert text in html, text
    for text in ("Förderprogramme", "Antragsfrist", "Haushaltsjahre", "Melden Sie sich an"):
        assert text not in html, text
    assert "Förderprogramme" in html_of(Client(), "/foerderung/")  # German stays the default


def test_an_application_page_speaks_english(draft, world):
    html = html_of(english(world.head_a, cookie=True), draft.get_absolute_url())
    for text in (
        "Next steps",
        "Submit application",
        "Cost plan",
        "Checks",
        "Eligibility",  # a check label of the pure rules module
        "Maximum funding amount",
        "Draft",  # the status label of the pure workflow module through the model choices
    ):
        assert text in html, text
    for text in ("Nächste Schritte", "Antrag einreichen", "Antragsberechtigung", "Förderhöchstbetrag"):
        assert text not in html, text


def test_the_grant_notice_and_the_records_stay_german_when_the_authority_works_in_english(draft, world):
    in_review(world, draft)
    with translation.override("en"):
        grant = services.application_grant(
            actor=world.authority, application=draft, amounts_by_year={2025: "100000", 2026: "100000"}
        )
    text = pdf_text(grant.pdf.read())
    assert "Zuwendungsbescheid" in text and "Finanzierungsart" in text
    assert "Förderhöchstbetrag" in text and "Anteilfinanzierung" in text  # checks and a coded value's label
    assert "Maximum funding amount" not in text and "Share financing" not in text
    draft.refresh_from_db()
    assert {c["label"] for c in draft.checks} >= {"Antragsberechtigung", "Förderhöchstbetrag"}
    entry = AuditEntry.objects.filter(action="application.grant").latest("pk")
    assert "Förderhöchstbetrag" in entry.changes["checks"]
    # The English reader sees the page in English, the stored notice link in English words.
    html = html_of(english(world.authority), draft.get_absolute_url())
    assert "Grant notice" in html and "Zuwendungsbescheid</h2>" not in html


def test_the_exports_stay_german_for_an_english_reader(draft, world):
    in_review(world, draft)
    services.application_grant(
        actor=world.authority, application=draft, amounts_by_year={2025: "100000", 2026: "100000"}
    )
    text = english(world.authority).get("/foerderung/export/bewilligungen.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Aktenzeichen;Förderprogramm;Verbund")
    assert "Anteilfinanzierung" in text and "Share financing" not in text
