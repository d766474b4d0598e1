"""Model agreements and council resolution drafts: the template language, its check and the
documents it makes (pure: no Django; python-docx and odfpy are imported when a file is written).

The template language
=====================
A template is plain text, one block per line, written by the advisory office:

* ``# Titel`` — the document's title; ``## Überschrift`` — a heading; ``## § Gegenstand`` — a
  numbered section, printed as "§ 1 Gegenstand" (the numbers are counted, never typed);
* ``(#) Text`` — a numbered paragraph (Absatz), printed "(1) Text"; the count starts again after
  every heading;
* ``- Text`` — a list item;
* other lines are text; lines that follow each other form one paragraph, an empty line ends it;
* ``{{ name }}`` — a placeholder from :data:`VOCABULARY` (the alliance's data); nothing else is
  evaluated: there are no expressions, filters, attribute lookups or Python objects, only the names
  of the list, filled from a dictionary of strings;
* ``{% für jedes mitglied %}`` … ``{% ende %}`` — the lines between are repeated for every member;
  inside, the ``mitglied.*`` names of :data:`MEMBER_VOCABULARY` are available;
* ``{{ unterschriften }}`` alone on a line — a signature block for every member.

:func:`check` lists the mistakes of a text (an unknown name, a member name outside the repetition,
an unclosed brace or repetition) with their line, in German; a version with mistakes is not saved.
:func:`fill` turns a text and the values into a :class:`Document`; a value that is missing
(``None`` or empty) is printed as a visible gap such as "[Sitzungsdatum eintragen]", so the
document can be completed by hand. :func:`to_docx`, :func:`to_odt` write the document as files;
the PDF is printed from the same blocks through an HTML template.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from verbund.common.i18n import gettext as _
from verbund.common.i18n import gettext_noop


@dataclass(frozen=True)
class Placeholder:
    """One name of the vocabulary: what it stands for and the gap printed when the data are missing."""

    name: str
    meaning: str
    gap: str


def _p(name: str, meaning: str, gap: str) -> Placeholder:
    return Placeholder(name, meaning, gap)


#: The names a template may use anywhere (German descriptions, gettext_noop: shown translated).
VOCABULARY: dict[str, Placeholder] = {
    p.name: p
    for p in (
        _p("verbund.name", gettext_noop("Name des Verbunds"), gettext_noop("[Name des Verbunds eintragen]")),
        _p("verbund.kurzname", gettext_noop("Kurzname des Verbunds"), gettext_noop("[Kurzname eintragen]")),
        _p(
            "verbund.mitglieder",
            gettext_noop("die Mitglieder, aufgezählt („A, B und C“)"),
            gettext_noop("[Mitglieder eintragen]"),
        ),
        _p(
            "verbund.mitgliederzahl",
            gettext_noop("Zahl der Mitglieder"),
            gettext_noop("[Zahl der Mitglieder eintragen]"),
        ),
        _p(
            "verbund.einwohner",
            gettext_noop("Einwohner der Mitglieder insgesamt (jeder einmal gezählt)"),
            gettext_noop("[Einwohnerzahl eintragen]"),
        ),
        _p(
            "verbund.handlungsfelder",
            gettext_noop("Handlungsfelder des Verbunds"),
            gettext_noop("[Handlungsfeld eintragen]"),
        ),
        _p(
            "federfuehrend.name",
            gettext_noop("das federführende Mitglied (beauftragte Beteiligte)"),
            gettext_noop("[federführendes Mitglied eintragen]"),
        ),
        _p(
            "federfuehrend.sitz",
            gettext_noop("Sitz der Verwaltung des federführenden Mitglieds"),
            gettext_noop("[Sitz eintragen]"),
        ),
        _p(
            "aufgabe",
            gettext_noop("die Aufgabe, die gemeinsam oder für die anderen erfüllt wird"),
            gettext_noop("[Aufgabe eintragen]"),
        ),
        _p(
            "rechtsform",
            gettext_noop("Rechtsform der Zusammenarbeit"),
            gettext_noop("[Rechtsform eintragen]"),
        ),
        _p(
            "kostenschluessel",
            gettext_noop("der Schlüssel, nach dem die Kosten geteilt werden, in Worten"),
            gettext_noop("[Kostenschlüssel eintragen]"),
        ),
        _p("beginn", gettext_noop("Beginn der Zusammenarbeit"), gettext_noop("[Beginn eintragen]")),
        _p(
            "aufsichtsbehoerde",
            gettext_noop("die niedrigste gemeinsame Aufsichtsbehörde (§ 12 Abs. 2 KomZG)"),
            gettext_noop("[Aufsichtsbehörde eintragen]"),
        ),
        _p("datum", gettext_noop("das Datum des Ausfüllens"), gettext_noop("[Datum eintragen]")),
        _p("sitzungsdatum", gettext_noop("Datum der Ratssitzung"), gettext_noop("[Sitzungsdatum eintragen]")),
    )
}

#: The names available inside ``{% für jedes mitglied %}`` … ``{% ende %}``.
MEMBER_VOCABULARY: dict[str, Placeholder] = {
    p.name: p
    for p in (
        _p(
            "mitglied.name",
            gettext_noop("Name des Mitglieds"),
            gettext_noop("[Name des Mitglieds eintragen]"),
        ),
        _p("mitglied.art", gettext_noop("Art der Körperschaft"), gettext_noop("[Art eintragen]")),
        _p(
            "mitglied.gremium",
            gettext_noop("das beschließende Gremium (Gemeinderat, Verbandsgemeinderat, Stadtrat, Kreistag)"),
            gettext_noop("[Gremium eintragen]"),
        ),
        _p(
            "mitglied.einwohner",
            gettext_noop("Einwohner des Mitglieds"),
            gettext_noop("[Einwohnerzahl eintragen]"),
        ),
        _p("mitglied.rolle", gettext_noop("Rolle im Verbund"), gettext_noop("[Rolle eintragen]")),
        _p(
            "mitglied.ars",
            gettext_noop("Amtlicher Regionalschlüssel"),
            gettext_noop("[Regionalschlüssel eintragen]"),
        ),
    )
}

SIGNATURES = "unterschriften"
LOOP_START = "für jedes mitglied"
LOOP_END = "ende"
_LOOP = {"start": "{% für jedes mitglied %}", "end": "{% ende %}"}

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_DIRECTIVE = re.compile(r"^\s*\{%(.*?)%\}\s*$")
_NAME = re.compile(r"^[a-zäöüß_]+(\.[a-zäöüß_]+)?$")
#: a gap as printed (to mark it on pages)
GAP = re.compile(r"\[[^\[\]]+ eintragen\]")


class TemplateError(ValueError):
    """A template text with mistakes; ``problems`` lists them as "Zeile 3: …"."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _directive(line: str) -> str | None:
    match = _DIRECTIVE.match(line)
    return " ".join(match.group(1).split()).lower() if match else None


def check(text: str) -> list[str]:
    """The mistakes of ``text`` in German, each naming its line ("Zeile 4: unbekannter Platzhalter …")."""
    problems: list[str] = []
    in_loop = 0  # the line the open repetition started on, 0 outside

    def problem(number: int, message: str) -> None:
        problems.append(_("Zeile %(line)d: %(problem)s") % {"line": number, "problem": message})

    for number, line in enumerate(text.splitlines(), start=1):
        directive = _directive(line)
        if directive is not None:
            if directive == LOOP_START:
                if in_loop:
                    problem(number, _("Eine Wiederholung je Mitglied kann keine weitere enthalten."))
                in_loop = number
            elif directive == LOOP_END:
                if not in_loop:
                    problem(number, _("„%(end)s“ ohne vorheriges „%(start)s“.") % _LOOP)
                in_loop = 0
            else:
                problem(
                    number,
                    _("Unbekannte Anweisung „%(directive)s“; erlaubt sind „%(start)s“ und „%(end)s“.")
                    % {"directive": directive, **_LOOP},
                )
            continue
        if "{%" in line or "%}" in line:
            problem(number, _("Eine Anweisung wie „%(start)s“ muss allein auf ihrer Zeile stehen.") % _LOOP)
        for match in _PLACEHOLDER.finditer(line):
            name = match.group(1).strip()
            if name == SIGNATURES:
                if line.strip() != match.group(0):
                    problem(number, _("„{{ unterschriften }}“ muss allein auf seiner Zeile stehen."))
                continue
            if name in VOCABULARY:
                continue
            if name in MEMBER_VOCABULARY:
                if not in_loop:
                    problem(
                        number,
                        _("„%(name)s“ gibt es nur innerhalb von „%(start)s“ … „%(end)s“.")
                        % {"name": name, **_LOOP},
                    )
                continue
            if not name:
                problem(number, _("Leerer Platzhalter „{{ }}“."))
            elif not _NAME.match(name):
                problem(
                    number,
                    _(
                        "„%(name)s“ ist kein Platzhalter: erlaubt sind nur die Namen der Liste, "
                        "ohne Ausdrücke."
                    )
                    % {"name": name},
                )
            else:
                problem(number, _("Unbekannter Platzhalter „%(name)s“.") % {"name": name})
        rest = _PLACEHOLDER.sub("", line)
        if "{{" in rest or "}}" in rest:
            problem(number, _("Ein Platzhalter ist nicht geschlossen: „{{“ und „}}“ gehören zusammen."))
    if in_loop:
        problem(in_loop, _("„%(start)s“ wird nicht mit „%(end)s“ geschlossen.") % _LOOP)
    return problems


def validate(text: str) -> None:
    """Raise :class:`TemplateError` when ``text`` has mistakes."""
    problems = check(text)
    if not text.strip():
        problems.insert(0, _("Der Text ist leer."))
    if problems:
        raise TemplateError(problems)


# --- the filled document ---------------------------------------------------------------------------

TITLE = "title"
HEADING = "heading"
PARAGRAPH = "paragraph"
NUMBERED = "numbered"
BULLET = "bullet"
SIGNATURE_BLOCK = "signatures"


@dataclass(frozen=True)
class Signer:
    """One member in the signature block."""

    name: str
    place_line: str
    signature_line: str


@dataclass(frozen=True)
class Block:
    kind: str
    text: str = ""
    #: "§ 3" for a numbered heading, "(2)" for a numbered paragraph
    number: str = ""
    signers: tuple[Signer, ...] = ()

    @property
    def full_text(self) -> str:
        return f"{self.number} {self.text}".strip() if self.number else self.text


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]
    #: names of the placeholders that were printed as gaps
    gaps: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """The whole document as plain text (for searching and tests)."""
        lines: list[str] = []
        for block in self.blocks:
            if block.kind == SIGNATURE_BLOCK:
                for signer in block.signers:
                    lines += [signer.place_line, signer.signature_line, signer.name]
            else:
                lines.append(block.full_text)
        return "\n".join(lines)


def _value(name: str, values: Mapping[str, str | None], gaps: list[str]) -> str:
    vocabulary = VOCABULARY.get(name) or MEMBER_VOCABULARY.get(name)
    value = values.get(name)
    if value is None or not str(value).strip():
        if name not in gaps:
            gaps.append(name)
        return _(vocabulary.gap) if vocabulary else f"[{name}]"
    return str(value)


def _substitute(line: str, values: Mapping[str, str | None], gaps: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: _value(m.group(1).strip(), values, gaps), line)


def _expand(
    text: str, values: Mapping[str, str | None], members: Sequence[Mapping[str, str | None]], gaps: list[str]
) -> list[str]:
    """The lines with the repetitions unrolled and the placeholders filled (``{{ unterschriften }}`` kept)."""
    out: list[str] = []
    loop: list[str] | None = None
    for line in text.splitlines():
        directive = _directive(line)
        if directive == LOOP_START:
            loop = []
            continue
        if directive == LOOP_END:
            for member in members or [{}]:
                scope = {**values, **member}
                out.extend(_substitute(raw, scope, gaps) for raw in loop or [])
            loop = None
            continue
        if loop is not None:
            loop.append(line)
            continue
        if line.strip() in ("{{ unterschriften }}", "{{unterschriften}}"):
            out.append("{{ unterschriften }}")
            continue
        out.append(_substitute(line, values, gaps))
    return out


def fill(
    text: str,
    values: Mapping[str, str | None],
    members: Sequence[Mapping[str, str | None]] = (),
    *,
    signature_place: str = "",
) -> Document:
    """The document of ``text`` filled with ``values`` (``VOCABULARY`` names → strings) and ``members``
    (one dict of ``MEMBER_VOCABULARY`` names per member). The text must pass :func:`check`."""
    validate(text)
    gaps: list[str] = []
    lines = _expand(text, values, members, gaps)
    blocks: list[Block] = []
    paragraph: list[str] = []
    section = 0
    absatz = 0
    title = ""

    def flush() -> None:
        if paragraph:
            blocks.append(Block(PARAGRAPH, " ".join(paragraph)))
            paragraph.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            continue
        if line == "{{ unterschriften }}":
            flush()
            blocks.append(Block(SIGNATURE_BLOCK, signers=_signers(members, values, gaps, signature_place)))
        elif line.startswith("## ") or line.startswith("# "):
            flush()
            level_title = line.startswith("# ")
            heading = line.lstrip("#").strip()
            absatz = 0
            if level_title:
                title = title or heading
                blocks.append(Block(TITLE, heading))
            elif heading.startswith("§"):
                section += 1
                blocks.append(Block(HEADING, heading.removeprefix("§").strip(), number=f"§ {section}"))
            else:
                blocks.append(Block(HEADING, heading))
        elif line.startswith("(#)"):
            flush()
            absatz += 1
            blocks.append(Block(NUMBERED, line.removeprefix("(#)").strip(), number=f"({absatz})"))
        elif line.startswith("- "):
            flush()
            blocks.append(Block(BULLET, line[2:].strip()))
        else:
            paragraph.append(line)
    flush()
    return Document(title=title or _("Vorlage"), blocks=tuple(blocks), gaps=tuple(gaps))


def _signers(
    members: Sequence[Mapping[str, str | None]],
    values: Mapping[str, str | None],
    gaps: list[str],
    place: str,
) -> tuple[Signer, ...]:
    place_line = _("%(place)s, den %(date)s") % {
        "place": place or _("[Ort eintragen]"),
        "date": _("[Datum eintragen]"),
    }
    return tuple(
        Signer(
            name=_("Für %(name)s") % {"name": _value("mitglied.name", member, gaps)},
            place_line=place_line,
            signature_line=_("(Unterschrift, Name und Amtsbezeichnung; Dienstsiegel)"),
        )
        for member in members or [{}]
    )


# --- files -----------------------------------------------------------------------------------------


def to_docx(document: Document, *, subject: str = "") -> bytes:
    """The document as Word file (Office Open XML): title, headings, paragraphs, a signature block
    per member; German as the text's language, the title in the file's properties."""
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    docx = Docx()
    docx.core_properties.title = document.title
    docx.core_properties.language = "de-DE"
    if subject:
        docx.core_properties.subject = subject
    normal = docx.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for style in docx.styles:
        r_pr = getattr(style.element, "rPr", None)
        if r_pr is None:
            continue
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = r_pr.makeelement(qn("w:lang"), {})
            r_pr.append(lang)
        lang.set(qn("w:val"), "de-DE")
    for block in document.blocks:
        if block.kind == TITLE:
            docx.add_heading(block.text, level=1)
        elif block.kind == HEADING:
            docx.add_heading(block.full_text, level=2)
        elif block.kind == NUMBERED:
            paragraph = docx.add_paragraph(block.full_text)
            paragraph.paragraph_format.left_indent = Pt(0)
        elif block.kind == BULLET:
            docx.add_paragraph(block.text, style="List Bullet")
        elif block.kind == SIGNATURE_BLOCK:
            for signer in block.signers:
                docx.add_paragraph(signer.name).runs[0].bold = True
                docx.add_paragraph(signer.place_line)
                docx.add_paragraph("\n\n" + "_" * 40)
                docx.add_paragraph(signer.signature_line)
        else:
            docx.add_paragraph(block.text)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def to_odt(document: Document, *, subject: str = "") -> bytes:
    """The document as OpenDocument text (ODF 1.2, what LibreOffice and the Land's offices open)."""
    from odf import dc, meta
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import H, P

    odt = OpenDocumentText()
    odt.meta.addElement(dc.Title(text=document.title))
    odt.meta.addElement(dc.Language(text="de-DE"))
    if subject:
        odt.meta.addElement(dc.Subject(text=subject))
    odt.meta.addElement(meta.Generator(text="Verbund"))

    def style(name: str, family: str = "paragraph", **text: str) -> Style:
        made = Style(name=name, family=family)
        made.addElement(TextProperties(language="de", country="DE", fontfamily="Arial", **text))
        made.addElement(ParagraphProperties(marginbottom="0.2cm"))
        odt.styles.addElement(made)
        return made

    body_style = style("Textkoerper", fontsize="11pt")
    title_style = style("Titel", fontsize="16pt", fontweight="bold")
    heading_style = style("Ueberschrift", fontsize="12.5pt", fontweight="bold")
    strong_style = style("Unterzeichner", fontsize="11pt", fontweight="bold")
    for block in document.blocks:
        if block.kind == TITLE:
            odt.text.addElement(H(outlinelevel=1, stylename=title_style, text=block.text))
        elif block.kind == HEADING:
            odt.text.addElement(H(outlinelevel=2, stylename=heading_style, text=block.full_text))
        elif block.kind == BULLET:
            odt.text.addElement(P(stylename=body_style, text=f"• {block.text}"))
        elif block.kind == SIGNATURE_BLOCK:
            for signer in block.signers:
                odt.text.addElement(P(stylename=strong_style, text=signer.name))
                odt.text.addElement(P(stylename=body_style, text=signer.place_line))
                odt.text.addElement(P(stylename=body_style, text=""))
                odt.text.addElement(P(stylename=body_style, text="_" * 40))
                odt.text.addElement(P(stylename=body_style, text=signer.signature_line))
        else:
            odt.text.addElement(P(stylename=body_style, text=block.full_text))
    buffer = io.BytesIO()
    odt.write(buffer)
    return buffer.getvalue()
