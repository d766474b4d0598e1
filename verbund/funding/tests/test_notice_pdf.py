"""The grant notice: a tagged PDF/UA letter (structure tree, language, title, embedded fonts) that can
be sent as it is — the authority's letterhead, the addressee, Aktenzeichen, date, Tenor, amounts in
German, the budget years, Nebenbestimmungen, a Begründung in sentences, the Rechtsbehelfsbelehrung and
a signature block — with every legal text taken from the programme's notice template in the version
it was issued with, no placeholder, no rule-engine words and no internal keys."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import pikepdf
import pypdf
import pytest
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.errors import Invalid
from verbund.common.tests.test_pdf import embedded_font_files
from verbund.funding import rules, services, workflow
from verbund.funding.models import Application, GrantNotice
from verbund.funding.notice_pdf import (
    FORBIDDEN_WORDS,
    dative,
    long_date,
    nominative,
    reasoning,
    render_grant_notice,
    render_notice_html,
)

from .factories import ProgrammeFactory, draft_application, fill_draft

pytestmark = pytest.mark.django_db

SUBMITTED = dt.datetime(2025, 11, 3, 10, 0, tzinfo=dt.UTC)
YEARS = {2026: "107970.00", 2027: "107970.00"}


def pdf_text(data: bytes) -> str:
    """The text of the PDF as a reader extracts it (one line; hyphenation at line ends undone)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub("\u2010\n", "", text)
    return re.sub(r"\s+", " ", text)


def html_text(html: str) -> str:
    """The visible text of the notice's HTML (without its style sheet and tags)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def notice_programme(db: Any) -> Any:
    return ProgrammeFactory.create(
        slug="ikz-bescheid",
        code="IKZ-RLP",
        name="IKZ-Pilotförderung Rheinland-Pfalz",
        budgets={2026: "5000000.00", 2027: "5000000.00"},
    )


def in_review(world: SimpleNamespace, alliance: Any, programme: Any, **extra: Any) -> Application:
    extra.setdefault("requested", "215940.00")
    extra.setdefault("years", YEARS)
    application = fill_draft(
        draft_application(
            programme=programme, alliance=alliance, applicant=world.vg_a, title="Gemeinsame IT-Sicherheit"
        ),
        **extra,
    )
    Application.objects.filter(pk=application.pk).update(status=workflow.IN_PRUEFUNG, submitted_at=SUBMITTED)
    application.refresh_from_db()
    return application


def grant(world: SimpleNamespace, application: Application, **kwargs: Any) -> GrantNotice:
    kwargs.setdefault("amounts_by_year", YEARS)
    return services.application_grant(actor=world.authority, application=application, **kwargs)


@pytest.fixture
def notice(world: SimpleNamespace, alliance: Any, notice_programme: Any) -> GrantNotice:
    application = in_review(world, alliance, notice_programme, deviation_reason="Laut Pressemitteilung.")
    return grant(
        world,
        application,
        conditions='Bericht über den Fortschritt nach zwölf Monaten - mit "Kennzahlen".',
        override_reason="Erhöhung im Einzelfall wegen der Größe der Aufgabe",
    )


# --- PDF/UA --------------------------------------------------------------------------------------------


def test_the_notice_is_a_tagged_pdf_with_language_title_and_embedded_fonts(notice):
    data = notice.pdf.read()
    document = pikepdf.open(io.BytesIO(data))

    assert "/StructTreeRoot" in document.Root and document.Root.MarkInfo.Marked is True
    assert str(document.Root.Lang) == "de"
    assert str(document.docinfo["/Title"]) == "Zuwendungsbescheid IKZ-RLP-0001-B"
    assert document.Root.ViewerPreferences.DisplayDocTitle is True
    with document.open_metadata() as meta:
        assert meta.get("pdfuaid:part") == "1"
    fonts = embedded_font_files(document)
    assert fonts and all("Fira-Sans" in name for name in fonts), fonts


# --- A letter that can be sent -------------------------------------------------------------------------


def test_the_notice_is_a_complete_letter(notice, world):
    text = pdf_text(notice.pdf.read())

    # letterhead and return address of the authority (the RLP defaults: the ADD in Trier)
    assert "Aufsichts- und Dienstleistungsdirektion" in text and "54290 Trier" in text
    # addressee, Aktenzeichen, dates, subject
    assert "Verbandsgemeinde Landstuhl" in text
    assert "IKZ-RLP-0001-B" in text and "IKZ-RLP-0001 vom 03.11.2025" in text
    assert long_date(timezone.localdate(notice.issued_at)) in text
    assert "Zuwendungsbescheid" in text and "„Gemeinsame IT-Sicherheit“" in text
    # Tenor with the amount in German, the budget years, the period
    assert "Der Verbandsgemeinde Landstuhl wird für das Vorhaben" in text
    assert "215.940,00 EUR als nicht rückzahlbarer Zuschuss bewilligt" in text
    assert "2026 107.970,00 EUR" in text and "2027 107.970,00 EUR" in text
    assert "01.01.2026 bis 31.12.2027" in text
    # Nebenbestimmungen with German typography, Begründung, Rechtsbehelfsbelehrung, signature
    assert "Bericht über den Fortschritt nach zwölf Monaten – mit „Kennzahlen“." in text
    assert "III. Begründung" in text and "IV. Rechtsbehelfsbelehrung" in text
    assert "innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben werden" in text
    assert (
        "bei der Aufsichts- und Dienstleistungsdirektion, Willy-Brandt-Platz 3, 54290 Trier, zu erheben"
        in text
    )
    assert "Mit freundlichen Grüßen Im Auftrag " + world.authority.get_full_name() in text


def test_the_notice_has_no_placeholder_no_internal_words_and_no_english_numbers(notice):
    text = pdf_text(notice.pdf.read())
    html = html_text(render_notice_html(notice))

    for shown in (text, html):
        for word in FORBIDDEN_WORDS:
            assert word not in shown, word
        assert "Vorlage –" not in shown and "erfüllt –" not in shown
        # raw keys and codes of the rules and the registry
        for key in (
            "verbandsgemeinde ",
            "min_size",
            "single_application",
            "anteil ",
            "Land 07",
            "ok",
            "fail",
        ):
            assert not re.search(rf"(?<![\wÄÖÜäöüß]){re.escape(key)}", shown), key
        assert not re.search(r"\d,\d{3}\.\d{2}", shown)  # 215,940.00
        assert not re.search(r"\d\.\d{2} EUR", shown)  # 107970.00 EUR


def test_the_reasoning_is_written_as_sentences(notice):
    paragraphs = render_notice_html(notice).split("<h2>III. Begründung</h2>")[1].split("<section")[0]
    sentences = [html_text(p).strip() for p in re.findall(r"<p>(.*?)</p>", paragraphs, re.S)]

    assert all(s.endswith(".") for s in sentences), sentences
    reasoning_text = " ".join(sentences)
    assert reasoning_text.startswith(
        "Die Verbandsgemeinde Landstuhl hat mit Antrag vom 03.11.2025 im Namen des Kooperationsverbunds"
    )
    assert "Am Vorhaben nehmen 3 Mitglieder teil" in reasoning_text
    assert "Landeshaushaltsordnung" in reasoning_text and "pflichtgemäßem Ermessen" in reasoning_text
    assert (
        "Für ein Vorhaben mit 3 Mitgliedern beträgt der Förderhöchstbetrag 210.000,00 EUR" in reasoning_text
    )
    assert "liegt um 5.940,00 EUR darüber" in reasoning_text
    assert "aus folgenden Gründen: Erhöhung im Einzelfall wegen der Größe der Aufgabe." in reasoning_text
    assert "Die Haushaltsmittel stehen zur Verfügung: 107.970,00 EUR im Haushaltsjahr 2026" in reasoning_text
    # no check list: no labels with a status, no engine explanations
    for dump in ("erfüllt –", "Hinweis –", "Antragsberechtigung:", "Mindestgröße", "trifft nicht zu", "÷"):
        assert dump not in reasoning_text, dump


def test_checks_that_do_not_apply_are_left_out_and_unknown_ones_read_as_sentences(notice):
    application = notice.application
    checks = [
        {"code": "min_size", "label": "Mindestgröße des Vorhaben", "status": rules.NOT_APPLICABLE},
        {"code": "resolutions", "label": "Ratsbeschlüsse", "status": rules.WARNING},
        {"code": "neue_regel", "label": "Barrierefreiheit der Lösung", "status": rules.OK},
        {"code": "andere_regel", "label": "Datenschutz-Folgenabschätzung", "status": rules.FAIL},
    ]
    paragraphs = reasoning(
        notice,
        checks=checks,
        rule_set=application.programme.rules,
        facts=None,
        applicant="Verbandsgemeinde Landstuhl",
        participants=[],
        legal_basis="",
    )
    text = " ".join(paragraphs)
    assert "Mindestgröße" not in text and "Ratsbeschlüsse" not in text
    assert "Auch die Voraussetzung „Barrierefreiheit der Lösung“ ist erfüllt." in text
    assert "Die Voraussetzung „Datenschutz-Folgenabschätzung“ ist nicht erfüllt." in text
    assert all(p.strip().endswith(".") for p in paragraphs)


def test_articles_follow_the_kind_of_body():
    assert nominative("Landkreis Kusel") == "der Landkreis Kusel"
    assert dative("Landkreis Kusel") == "dem Landkreis Kusel"
    assert nominative("Stadt Mainz") == "die Stadt Mainz"
    assert dative("Verbandsgemeinde Landstuhl") == "der Verbandsgemeinde Landstuhl"
    assert long_date(dt.date(2026, 3, 4)) == "4. März 2026"


def test_the_addressee_carries_postcode_and_seat_from_the_registry(world, alliance, notice_programme):
    type(world.vg_a).objects.filter(pk=world.vg_a.pk).update(postcode="66849", seat="Landstuhl")
    world.vg_a.refresh_from_db()
    application = in_review(world, alliance, notice_programme)
    granted = grant(world, application, override_reason="Erhöhung im Einzelfall.")
    assert "Verbandsgemeinde Landstuhl 66849 Landstuhl" in html_text(render_notice_html(granted))


# --- The legal texts come from the authority's template ------------------------------------------------

EDITED = {
    "authority_name": "Ministerium des Innern und für Sport",
    "authority_unit": "Referat 21 – Kommunale Zusammenarbeit",
    "address": "Schillerplatz 3–5\n55116 Mainz",
    "contact": "Telefon 06131 16-0\nE-Mail ikz@example.org",
    "signatory_name": "Dr. Maria Beispiel",
    "signatory_function": "Referatsleitung",
    "legal_basis": "Die Zuwendung beruht auf § 44 LHO und der Förderrichtlinie IKZ vom 1. Juli 2025.",
    "conditions": "1. Es gelten die ANBest-K in der Fassung vom 1. Januar 2026.",
    "legal_remedy": (
        "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch beim "
        "{behoerde}, {anschrift}, erhoben werden. Testvermerk Fassung zwei."
    ),
}


def test_the_notice_prints_the_template_the_authority_edited(world, alliance, notice_programme):
    template = services.notice_template_update(actor=world.authority, programme=notice_programme, data=EDITED)
    application = in_review(world, alliance, notice_programme)

    granted = grant(world, application, conditions="", override_reason="Erhöhung im Einzelfall.")
    data = granted.pdf.read()
    text = pdf_text(data)

    assert granted.template == template and granted.conditions == EDITED["conditions"]
    assert "Ministerium des Innern und für Sport" in text and "55116 Mainz" in text
    assert "Referat 21 – Kommunale Zusammenarbeit" in text and "Telefon 06131 16-0" in text
    assert "Die Zuwendung beruht auf § 44 LHO und der Förderrichtlinie IKZ vom 1. Juli 2025." in text
    assert "1. Es gelten die ANBest-K in der Fassung vom 1. Januar 2026." in text
    assert (
        "Widerspruch beim Ministerium des Innern und für Sport, Schillerplatz 3–5, 55116 Mainz, erhoben "
        "werden. Testvermerk Fassung zwei." in text
    )
    assert "Im Auftrag Dr. Maria Beispiel Referatsleitung" in text
    assert "Aufsichts- und Dienstleistungsdirektion" not in text and "Willy-Brandt-Platz" not in text
    assert str(pikepdf.open(io.BytesIO(data)).Root.Lang) == "de"


def test_a_notice_keeps_the_version_it_was_issued_with(world, alliance, notice_programme):
    application = in_review(world, alliance, notice_programme)
    granted = grant(world, application, override_reason="Erhöhung im Einzelfall.")
    first = granted.template
    assert first is not None and first.version == 1  # the defaults, stored with the first notice
    stored = AuditEntry.objects.filter(action="notice_template.update").get()
    assert stored.changes == {"version": 1, "from_defaults": True}

    services.notice_template_update(actor=world.authority, programme=notice_programme, data=EDITED)
    granted.refresh_from_db()

    again = html_text(render_notice_html(granted))
    assert granted.template == first
    assert "Aufsichts- und Dienstleistungsdirektion" in again and "Testvermerk" not in again
    assert render_grant_notice(granted) == render_grant_notice(granted)  # reproducible


def test_a_programme_without_a_sender_issues_no_notice(world, alliance):
    programme = ProgrammeFactory.create(state="09", budgets={2026: "5000000.00", 2027: "5000000.00"})
    application = in_review(
        world, alliance, programme, requested="200000.00", years={2026: "100000.00", 2027: "100000.00"}
    )

    with pytest.raises(Invalid, match="Bescheidvorlage des Programms ist unvollständig"):
        grant(world, application, amounts_by_year={2026: "100000.00", 2027: "100000.00"})

    application.refresh_from_db()
    assert application.status == workflow.IN_PRUEFUNG
    assert not GrantNotice.objects.filter(application=application).exists()
    assert sum(y.committed for y in programme.years.all()) == 0
