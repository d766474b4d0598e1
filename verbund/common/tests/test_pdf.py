"""The PDF foundation: tagged PDF/UA-1, language, title, embedded fonts, German typography."""

from __future__ import annotations

import io

import pikepdf
import pytest

from verbund.common.pdf import render_pdf, typographic
from verbund.common.templatetags.pdf import typo


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def embedded_font_files(pdf: pikepdf.Pdf) -> list[str]:
    """Names of the fonts whose program is embedded (FontFile, FontFile2 or FontFile3)."""
    names = []
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descendants = font.get("/DescendantFonts", [font])
            for descendant in descendants:
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is not None and any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.append(str(descendant.BaseFont))
    return names


@pytest.fixture(scope="module")
def document() -> pikepdf.Pdf:
    data = render_pdf(
        "common/pdf/letter.html",
        {
            "sender": {
                "name": "Aufsichts- und Dienstleistungsdirektion",
                "lines": ["Willy-Brandt-Platz 3", "54290 Trier"],
            },
            "recipient_lines": ["Verbandsgemeinde Bernkastel-Kues", "Gestade 18", "54470 Bernkastel-Kues"],
            "info": [("Aktenzeichen", "IKZ-2026-0001"), ("Datum", "4. Dezember 2026")],
            "subject": 'Zuwendung für "Digitale Verwaltung"',
        },
        title="Zuwendungsbescheid „Test“",
        author="ADD Trier",
        subject="Test",
    )
    assert data.startswith(b"%PDF-")
    return open_pdf(data)


def test_document_is_tagged_with_a_structure_tree(document: pikepdf.Pdf) -> None:
    assert "/StructTreeRoot" in document.Root
    assert document.Root.MarkInfo.Marked is True


def test_language_and_title_are_set_and_shown(document: pikepdf.Pdf) -> None:
    assert str(document.Root.Lang) == "de"
    assert str(document.docinfo["/Title"]) == "Zuwendungsbescheid „Test“"
    assert document.Root.ViewerPreferences.DisplayDocTitle is True
    with document.open_metadata() as meta:
        assert meta["dc:title"] == "Zuwendungsbescheid „Test“"
        # PDF/UA identification in the XMP metadata.
        assert meta.get("pdfuaid:part") == "1"


def test_letter_text_is_typeset(document: pikepdf.Pdf) -> None:
    text = b"".join(page.Contents.read_bytes() for page in document.pages if "/Contents" in page)
    # Text is drawn with subset glyph ids, so look at the structure instead: the subject is a heading.
    assert text  # a page with content
    kinds = {str(node.get("/S")) for node in _walk(document.Root.StructTreeRoot)}
    assert "/H1" in kinds


def _walk(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
    if kids is None:
        return found
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary):
            found.append(kid)
            found.extend(_walk(kid))
    return found


def test_fonts_are_embedded(document: pikepdf.Pdf) -> None:
    fonts = embedded_font_files(document)
    assert fonts, "no embedded font program"
    assert all("Fira-Sans" in name for name in fonts), fonts


@pytest.mark.parametrize(
    ("plain", "typeset"),
    [
        ('Der Verbund "Mittelmosel" beantragt', "Der Verbund „Mittelmosel“ beantragt"),
        ("Kosten - netto - 2025-2027", "Kosten – netto – 2025–2027"),
        ("für 'Donnersberg' ", "für ‚Donnersberg‘ "),
        ("Rhein-Hunsrück-Kreis geht's", "Rhein-Hunsrück-Kreis geht's"),
    ],
)
def test_german_typography(plain: str, typeset: str) -> None:
    assert typographic(plain) == typeset


def test_typo_filter_escapes_after_typesetting() -> None:
    assert typo('<b>"x"</b>') == "&lt;b&gt;„x“&lt;/b&gt;"
