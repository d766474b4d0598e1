"""The grant notice PDF (fpdf2): a valid PDF whose text carries the reference, the addressee, the
amount and its split over the budget years, the period, the conditions, the checks and a reason for
a deviation; characters outside the PDF core font's Latin-1 are replaced, German umlauts stay; the
same notice gives the same bytes."""

from __future__ import annotations

import re
import zlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from verbund.funding import services, workflow
from verbund.funding.models import Application
from verbund.funding.notice_pdf import latin1, render_grant_notice

from .factories import draft_application, fill_draft

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text shown by the PDF's content streams (fpdf2 compresses them with zlib)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        chunks += [
            m.replace(rb"\(", b"(").replace(rb"\)", b")")
            for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S)
        ]
    return " ".join(c.decode("latin-1") for c in chunks)


@pytest.fixture
def notice(world: SimpleNamespace, alliance: Any, programme: Any) -> Any:
    application = fill_draft(
        draft_application(
            programme=programme, alliance=alliance, applicant=world.vg_a, title="Gemeinsame IT-Sicherheit"
        ),
        requested="215940.00",
        deviation_reason="Laut Pressemitteilung.",
    )
    Application.objects.filter(pk=application.pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    return services.application_grant(
        actor=world.authority,
        application=application,
        amounts_by_year={2025: "107970.00", 2026: "107970.00"},
        conditions="Bericht über den Fortschritt nach zwölf Monaten – mit „Kennzahlen“.",
        override_reason="Erhöhung im Einzelfall.",
    )


def test_the_notice_says_what_was_granted(notice):
    data = notice.pdf.read()
    text = pdf_text(data)

    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert "Zuwendungsbescheid" in text
    assert "IKZ-RLP-0001-B" in text
    assert "Verbandsgemeinde Landstuhl" in text
    assert "215.940,00 EUR" in text and "107.970,00 EUR" in text
    assert "Haushaltsjahr 2025" in text and "Haushaltsjahr 2026" in text
    assert "01.01.2026 bis 31.12.2027" in text
    assert 'Bericht über den Fortschritt nach zwölf Monaten - mit "Kennzahlen".' in text
    assert "Förderhöchstbetrag" in text and "Erhöhung im Einzelfall." in text


def test_rendering_is_reproducible(notice):
    assert render_grant_notice(notice) == render_grant_notice(notice)


def test_latin1_replacements():
    assert latin1("„Größe“ – 5 € → ok • x") == '"Größe" - 5 EUR -> ok - x'
    assert latin1("Ωmega") == "?mega"
