"""Reading WiBA checklists from uploaded files (pure parser): Word (.docx read as XML), Excel (.xlsx)
and CSV, with the topic, number and edition taken from the file; every error names file, line and
field in German. The test files are made here (the BSI's own checklists are copyrighted and never
part of the repository)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook

from verbund.security.wiba_import import WibaFileError, parse_checklist

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo_data"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>"


def _tc(text: str) -> str:
    paragraphs = "".join(_p(line) for line in text.split("\n")) if text else "<w:p/>"
    return f"<w:tc>{paragraphs}</w:tc>"


def docx_bytes(paragraphs: list[str], tables: list[list[list[str]]]) -> bytes:
    body = "".join(_p(t) for t in paragraphs)
    for table in tables:
        body += (
            "<w:tbl>"
            + "".join("<w:tr>" + "".join(_tc(c) for c in row) + "</w:tr>" for row in table)
            + "</w:tbl>"
        )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    xml = f'{head}<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[object]], title: str = "Checkliste") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["Nr.", "Prüffrage", "Hilfsmittel", "ja", "nein", "entbehrlich"]


def test_docx_with_header_table_reads_topic_edition_and_questions():
    data = docx_bytes(
        ["3 Netzwerk-Beispiel", "Stand: Februar 2026"],
        [
            [
                HEADER,
                ["Grundlagen"],  # a heading row: one merged cell
                ["3.1", "Ist das Netz in Bereiche getrennt?", "Ein Plan des Netzes\nhilft.", "", "", ""],
                ["3.2", "Werden Standardpasswörter geändert?", "", "", "", ""],
            ],
            [HEADER, ["3.3", "Ist der Fernzugang abgesichert?", "VPN", "", "", ""]],
        ],
    )

    checklist = parse_checklist(data, "C:\\Downloads\\netz.docx")

    assert (checklist.kind, checklist.number, checklist.topic) == ("docx", "3", "Netzwerk-Beispiel")
    assert checklist.edition == "Februar 2026"
    assert [(q.position, q.number) for q in checklist.questions] == [(1, "3.1"), (2, "3.2"), (3, "3.3")]
    assert checklist.questions[0].help_text == "Ein Plan des Netzes\nhilft."
    assert checklist.questions[2].where == "Tabelle 2, Zeile 2"


def test_docx_without_header_reads_number_question_help_columns():
    data = docx_bytes(["Beispiel"], [[["1", "Frage eins?", "Hilfe"], ["2", "Frage zwei?", ""]]])

    checklist = parse_checklist(data, "beispiel.docx")

    assert [q.text for q in checklist.questions] == ["Frage eins?", "Frage zwei?"]


def test_docx_numbered_row_without_question_names_table_row_and_field():
    data = docx_bytes(["Beispiel"], [[HEADER, ["1.1", "Frage?", ""], ["1.2", "", "Hilfe ohne Frage"]]])

    with pytest.raises(WibaFileError) as caught:
        parse_checklist(data, "kaputt.docx")

    assert str(caught.value) == "kaputt.docx, Tabelle 1, Zeile 3, Feld Prüffrage: Die Prüffrage fehlt."


def test_docx_with_entity_declarations_is_refused():
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:document xmlns:w="x"/>',
        )

    with pytest.raises(WibaFileError, match="nicht erlaubte XML"):
        parse_checklist(bad.getvalue(), "entity.docx")


def test_xlsx_with_metadata_rows_and_numbers_as_floats():
    data = xlsx_bytes(
        [
            ["Thema", "Backup-Beispiel"],
            ["Nummer", "1"],
            [],
            ["Nr.", "Prüffrage", "Hilfsmittel"],
            [1.0, "Gibt es ein Sicherungskonzept?", "Tabelle genügt"],
            [2, "Wird die Wiederherstellung geübt?", None],
        ]
    )

    checklist = parse_checklist(data, "backup.xlsx")

    assert (checklist.topic, checklist.number, checklist.kind) == ("Backup-Beispiel", "1", "xlsx")
    assert [q.number for q in checklist.questions] == ["1", "2"]
    assert checklist.questions[1].where == "Blatt „Checkliste“, Zeile 6"


def test_xlsx_duplicate_number_names_both_rows():
    data = xlsx_bytes([["Nr.", "Prüffrage"], ["A.1", "Erste?"], ["A.1", "Zweite?"]])

    with pytest.raises(WibaFileError) as caught:
        parse_checklist(data, "doppelt.xlsx")

    message = str(caught.value)
    assert message.startswith("doppelt.xlsx, Blatt „Checkliste“, Zeile 3, Feld Nummer:")
    assert "Zeile 2" in message


def test_csv_sample_of_the_demo_is_read_with_its_metadata():
    data = (DEMO_DATA / "wiba-beispiel-datensicherung.csv").read_bytes()

    checklist = parse_checklist(data, "wiba-beispiel-datensicherung.csv")

    assert checklist.number == "D1"
    assert checklist.topic.startswith("Datensicherung")
    assert "kein Text des BSI" in checklist.edition
    assert len(checklist.questions) == 12
    assert checklist.questions[0].where == "Zeile 5"


def test_csv_in_windows_1252_with_commas():
    text = "Nr.,Frage,Erläuterung\n1,Können Beschäftigte Vorfälle melden?,Aushang\n"

    checklist = parse_checklist(text.encode("cp1252"), "vorfall.csv")

    assert checklist.questions[0].text == "Können Beschäftigte Vorfälle melden?"
    assert checklist.topic == "vorfall"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "leer.csv", "leer.csv: Die Datei ist leer."),
        (b"a;b;c\n1;2;3\n", "ohne.csv", "ohne.csv: Keine Kopfzeile gefunden"),
        ("Nr.;Prüffrage\n".encode(), "nur-kopf.csv", "nur-kopf.csv: Keine Prüffragen gefunden"),
        (b"PK\x03\x04kaputt", "kaputt.xlsx", "kaputt.xlsx: Die Datei ist beschädigt"),
        (b"%PDF-1.7", "checkliste.pdf", "checkliste.pdf: Dateityp .pdf wird nicht unterstützt"),
        (b"kein zip", "text.docx", "text.docx: Die Datei ist kein Word-Dokument"),
    ],
)
def test_unreadable_files_are_refused_in_german(data, name, message):
    with pytest.raises(WibaFileError) as caught:
        parse_checklist(data, name)

    assert str(caught.value).startswith(message)


def test_csv_numbered_row_without_question_names_line():
    data = "Nr.;Prüffrage;Hilfsmittel\n1;Erste Frage?;\n2;;nur Hilfe\n".encode()

    with pytest.raises(WibaFileError) as caught:
        parse_checklist(data, "fehler.csv")

    assert str(caught.value) == "fehler.csv, Zeile 3, Feld Prüffrage: Die Prüffrage fehlt."
