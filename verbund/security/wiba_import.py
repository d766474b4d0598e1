"""Reading a WiBA checklist from the file a user uploads (pure: no Django).

The BSI publishes the WiBA checklists ("Weg in die Basis-Absicherung") as Word documents and an
Excel tool. They are the BSI's copyright, so Verbund ships none of them: a user uploads the file and
this module reads its table of questions. Accepted:

* **.docx** (Word): the WordprocessingML XML read with :mod:`zipfile` and :mod:`xml.etree` (no
  python-docx). The text before the first table gives the topic (first paragraph) and the edition
  (a paragraph starting with "Stand"); every table whose first row names the question column is a
  question table. Without such a header the tables are read as *number, question, help text*.
* **.xlsx** (Excel, openpyxl): the first sheet with a header row naming the question column (rows
  above it may carry ``Thema``/``Nummer``/``Stand`` in column A and the value in column B).
* **.csv** (UTF-8 or Windows-1252, ``;``, ``,`` or tab): the same layout as a sheet.

Header names are matched loosely (``Nr.``, ``Nummer``, ``Prüffrage``, ``Frage``, ``Hilfsmittel``,
``Erläuterung``, ``Hinweis`` …); further columns (the answer boxes of the Word form) are ignored.
A row without any text is skipped, as is a heading row (text only in the number column, without a
digit); a numbered row without a question is an error. Every error names the file, the line (sheet
row, CSV line, or table and row of the Word file) and the field, in German; the caller stores
nothing when one is raised.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

from verbund.common.errors import ImportFileError
from verbund.common.i18n import _

#: Largest file accepted (bytes) and largest uncompressed size of a .docx/.xlsx (zip bombs).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
#: A checklist has some 10–30 questions; far more means the wrong file.
MAX_QUESTIONS = 500
MAX_QUESTION_CHARS = 5000
MAX_HELP_CHARS = 20000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_NUMBER_HEADERS = (
    "nr",
    "nr.",
    "nummer",
    "lfd. nr.",
    "lfd nr",
    "id",
    "kennung",
    "anforderung",
    "prüffrage-nr.",
)
_QUESTION_HEADERS = (
    "prüffrage",
    "prueffrage",
    "frage",
    "fragen",
    "prüffragen",
    "anforderungstext",
    "question",
)
_HELP_HEADERS = (
    "hilfsmittel",
    "hilfetext",
    "hilfe",
    "erläuterung",
    "erläuterungen",
    "hinweis",
    "hinweise",
    "hilfsmittel und erläuterung",
    "help",
)
_META_KEYS = {
    "thema": "topic",
    "titel": "topic",
    "checkliste": "topic",
    "nummer": "number",
    "stand": "edition",
}


@dataclass(frozen=True)
class ParsedQuestion:
    position: int
    number: str
    text: str
    help_text: str
    #: where the question stood ("Zeile 7", "Tabelle 2, Zeile 3"), for messages
    where: str


@dataclass(frozen=True)
class ParsedChecklist:
    topic: str
    number: str
    edition: str
    questions: tuple[ParsedQuestion, ...]
    #: "docx", "xlsx" or "csv"
    kind: str


class WibaFileError(ImportFileError):
    """The checklist file cannot be read; the message names file, line and field."""

    code = "invalid_wiba_file"


# --- entry point -------------------------------------------------------------------------------------


def parse_checklist(data: bytes, filename: str) -> ParsedChecklist:
    """The checklist in ``data`` (the bytes of the uploaded file named ``filename``)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "checkliste"
    if not data:
        raise WibaFileError(_("Die Datei ist leer."), path=name)
    if len(data) > MAX_FILE_BYTES:
        raise WibaFileError(
            _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            path=name,
        )
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == "docx" or (is_zip and suffix not in ("xlsx", "xlsm")):
        if not is_zip:
            raise WibaFileError(_("Die Datei ist kein Word-Dokument (.docx)."), path=name)
        return _parse_docx(data, name)
    if suffix in ("xlsx", "xlsm"):
        if not is_zip:
            raise WibaFileError(_("Die Datei ist keine Excel-Arbeitsmappe (.xlsx)."), path=name)
        return _parse_xlsx(data, name)
    if suffix in ("csv", "txt", ""):
        return _parse_csv(data, name)
    raise WibaFileError(
        _("Dateityp .%(suffix)s wird nicht unterstützt; möglich sind .docx, .xlsx und .csv.")
        % {"suffix": suffix},
        path=name,
    )


# --- tables ------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _key(text: str) -> str:
    return _norm(text).lower().rstrip(":")


@dataclass(frozen=True)
class _Columns:
    number: int | None
    question: int
    help: int | None


def _header_columns(cells: Sequence[str]) -> _Columns | None:
    """The columns named by a header row, or ``None`` when the row is no header."""
    keys = [_key(c) for c in cells]
    question = next((i for i, k in enumerate(keys) if k in _QUESTION_HEADERS), None)
    if question is None:
        # "Prüffrage (Anforderung)" and the like; never a question itself ("Frage eins?")
        question = next(
            (i for i, k in enumerate(keys) if k.startswith("prüffrage") and len(k) <= 40 and "?" not in k),
            None,
        )
    if question is None:
        return None
    number = next((i for i, k in enumerate(keys) if k in _NUMBER_HEADERS and i != question), None)
    help_col = next((i for i, k in enumerate(keys) if k in _HELP_HEADERS and i != question), None)
    if help_col is None:
        help_col = next(
            (i for i, k in enumerate(keys) if k.startswith(("hilfsmittel", "erläuterung")) and i != question),
            None,
        )
    return _Columns(number=number, question=question, help=help_col)


DEFAULT_COLUMNS = _Columns(number=0, question=1, help=2)


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _questions(
    rows: Iterable[tuple[str, Sequence[str]]], columns: _Columns, name: str, start: int = 1
) -> Iterator[ParsedQuestion]:
    """Questions of table ``rows`` (``(where, cells)``), numbered from ``start``."""
    position = start
    for where, raw in rows:
        cells = [c.strip() for c in raw]
        if not any(cells):
            continue
        number = _norm(_cell(cells, columns.number))
        text = _cell(cells, columns.question).strip()
        help_text = _cell(cells, columns.help).strip()
        if not text:
            if number and re.search(r"\d", number):
                raise WibaFileError(_("Die Prüffrage fehlt."), path=f"{name}, {where}", field=_("Prüffrage"))
            continue  # a heading row ("Datensicherung") or a row of answer boxes
        if len(text) > MAX_QUESTION_CHARS:
            raise WibaFileError(
                _("Die Prüffrage ist länger als %(max)s Zeichen.") % {"max": MAX_QUESTION_CHARS},
                path=f"{name}, {where}",
                field=_("Prüffrage"),
            )
        if len(help_text) > MAX_HELP_CHARS:
            raise WibaFileError(
                _("Der Hilfetext ist länger als %(max)s Zeichen.") % {"max": MAX_HELP_CHARS},
                path=f"{name}, {where}",
                field=_("Hilfsmittel"),
            )
        if len(number) > 30:
            raise WibaFileError(
                _("Die Nummer ist länger als 30 Zeichen."), path=f"{name}, {where}", field=_("Nummer")
            )
        yield ParsedQuestion(position=position, number=number, text=text, help_text=help_text, where=where)
        position += 1


def _finish(questions: list[ParsedQuestion], name: str, kind: str, meta: dict[str, str]) -> ParsedChecklist:
    if not questions:
        raise WibaFileError(
            _(
                "Keine Prüffragen gefunden. Erwartet wird eine Tabelle mit den Spalten Nummer, "
                "Prüffrage und Hilfsmittel (Kopfzeile z. B. „Nr.; Prüffrage; Hilfsmittel“)."
            ),
            path=name,
        )
    if len(questions) > MAX_QUESTIONS:
        raise WibaFileError(
            _("Die Datei enthält mehr als %(max)s Prüffragen; ist es die richtige Datei?")
            % {"max": MAX_QUESTIONS},
            path=name,
        )
    seen: dict[str, ParsedQuestion] = {}
    for question in questions:
        if not question.number:
            continue
        earlier = seen.get(question.number)
        if earlier is not None:
            raise WibaFileError(
                _("Die Nummer %(number)s steht schon in %(where)s.")
                % {"number": question.number, "where": earlier.where},
                path=f"{name}, {question.where}",
                field=_("Nummer"),
            )
        seen[question.number] = question
    topic = _norm(meta.get("topic", "")) or _topic_from_name(name)
    return ParsedChecklist(
        topic=topic[:300],
        number=_norm(meta.get("number", ""))[:20],
        edition=_norm(meta.get("edition", ""))[:100],
        questions=tuple(questions),
        kind=kind,
    )


def _topic_from_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return _norm(re.sub(r"[_\-]+", " ", stem)) or _("WiBA-Checkliste")


def _grid(rows: list[tuple[str, list[str]]], name: str, kind: str) -> ParsedChecklist:
    """A sheet or CSV: metadata rows, a header row, question rows."""
    meta: dict[str, str] = {}
    for index, (_where, cells) in enumerate(rows):
        columns = _header_columns(cells)
        if columns is not None:
            return _finish(list(_questions(rows[index + 1 :], columns, name)), name, kind, meta)
        if len(cells) >= 2 and _key(cells[0]) in _META_KEYS:
            meta.setdefault(_META_KEYS[_key(cells[0])], cells[1])
    raise WibaFileError(
        _(
            "Keine Kopfzeile gefunden: eine Zeile muss die Spalte „Prüffrage“ (oder „Frage“) nennen, "
            "dazu „Nr.“ und „Hilfsmittel“."
        ),
        path=name,
    )


# --- CSV ---------------------------------------------------------------------------------------------


def _parse_csv(data: bytes, name: str) -> ParsedChecklist:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise WibaFileError(_("Die Datei ist keine Textdatei (CSV)."), path=name)
    sample = text[:4096]
    delimiter = max((";", ",", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[str, list[str]]] = []
    try:
        for cells in reader:
            rows.append((_("Zeile %(line)s") % {"line": reader.line_num}, cells))
    except csv.Error as exc:
        raise WibaFileError(
            _("Die CSV-Datei ist fehlerhaft: %(error)s") % {"error": exc},
            path=name,
            line=reader.line_num,
        ) from exc
    return _grid(rows, name, "csv")


# --- XLSX --------------------------------------------------------------------------------------------


def _check_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise WibaFileError(_("Die Datei ist beschädigt (kein gültiges ZIP-Archiv)."), path=name) from exc
    if total > MAX_UNZIPPED_BYTES:
        raise WibaFileError(_("Die Datei ist entpackt zu groß."), path=name)
    return archive


def _parse_xlsx(data: bytes, name: str) -> ParsedChecklist:
    from openpyxl import load_workbook

    _check_zip(data, name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise WibaFileError(_("Die Excel-Datei kann nicht gelesen werden."), path=name) from exc
    try:
        first_error: WibaFileError | None = None
        for sheet in workbook.worksheets:
            rows: list[tuple[str, list[str]]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = ["" if v is None else _cell_text(v) for v in values]
                where = _("Blatt „%(sheet)s“, Zeile %(line)s") % {"sheet": sheet.title, "line": number}
                rows.append((where, cells))
            try:
                return _grid(rows, name, "xlsx")
            except WibaFileError as exc:
                if _header_found(rows):
                    raise
                first_error = first_error or exc
        raise first_error or WibaFileError(_("Die Arbeitsmappe enthält kein Blatt."), path=name)
    finally:
        workbook.close()


def _header_found(rows: list[tuple[str, list[str]]]) -> bool:
    return any(_header_columns(cells) is not None for _where, cells in rows)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- DOCX --------------------------------------------------------------------------------------------


def _text_of(element: ElementTree.Element) -> str:
    """The text of a paragraph or cell: runs joined, tabs as spaces, line breaks and paragraphs as
    new lines."""
    parts: list[str] = []
    paragraphs = [element] if element.tag == f"{_W}p" else list(element.iter(f"{_W}p"))
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            parts.append("\n")
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append(" ")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
    lines = [_norm(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _parse_docx(data: bytes, name: str) -> ParsedChecklist:
    archive = _check_zip(data, name)
    try:
        xml = archive.read("word/document.xml")
    except KeyError as exc:
        raise WibaFileError(
            _("Die Datei ist kein Word-Dokument (word/document.xml fehlt)."), path=name
        ) from exc
    if b"<!DOCTYPE" in xml[:2048] or b"<!ENTITY" in xml:
        raise WibaFileError(_("Das Word-Dokument enthält nicht erlaubte XML-Deklarationen."), path=name)
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise WibaFileError(_("Das Word-Dokument ist beschädigt (XML-Fehler)."), path=name) from exc
    body = root.find(f"{_W}body")
    if body is None:
        raise WibaFileError(_("Das Word-Dokument hat keinen Inhalt."), path=name)
    meta: dict[str, str] = {}
    tables: list[list[list[str]]] = []
    for child in body:
        if child.tag == f"{_W}p" and not tables:
            text = _text_of(child)
            if not text:
                continue
            lowered = text.lower()
            if lowered.startswith("stand"):
                meta.setdefault("edition", text.split(":", 1)[-1].strip() if ":" in text else text)
            elif "topic" not in meta:
                meta["topic"] = text
        elif child.tag == f"{_W}tbl":
            rows = []
            for row in child.findall(f"{_W}tr"):
                rows.append([_text_of(cell) for cell in row.findall(f"{_W}tc")])
            tables.append(rows)
    number_match = re.match(r"^\s*(\d+(?:\.\d+)*)\s+(.+)$", meta.get("topic", ""))
    if number_match and "number" not in meta:
        meta["number"], meta["topic"] = number_match.group(1), number_match.group(2)
    with_header = [
        (t_index, table)
        for t_index, table in enumerate(tables, start=1)
        if table and _header_columns(table[0])
    ]
    questions: list[ParsedQuestion] = []
    if with_header:
        for t_index, table in with_header:
            columns = _header_columns(table[0])
            assert columns is not None
            rows_where = [
                (_("Tabelle %(table)s, Zeile %(row)s") % {"table": t_index, "row": r_index}, cells)
                for r_index, cells in enumerate(table, start=1)
            ][1:]
            questions.extend(_questions(rows_where, columns, name, start=len(questions) + 1))
    else:
        for t_index, table in enumerate(tables, start=1):
            if not table or max(len(r) for r in table) < 2:
                continue
            rows_where = [
                (_("Tabelle %(table)s, Zeile %(row)s") % {"table": t_index, "row": r_index}, cells)
                for r_index, cells in enumerate(table, start=1)
            ]
            questions.extend(_questions(rows_where, DEFAULT_COLUMNS, name, start=len(questions) + 1))
    return _finish(questions, name, "docx", meta)
