"""The gettext catalogues of Verbund without system tools: extract, check, update and compile.

German is the source language: every ``msgid`` is the German text as written in the code and the
templates, and German needs no catalogue. English lives in one catalogue per part,
``verbund/<part>/locale/en/LC_MESSAGES/*.po`` (a part may split it into several files; they are
merged when compiled). Babel reads Python; templates go through Django's own ``templatize`` (what
``makemessages`` does) and then through Babel's Python extractor, so neither xgettext nor msgfmt is
needed.

    python -m tools.translations check            # every marked text has an English translation
    python -m tools.translations update [part …]  # add missing msgids (empty) to each part's django.po
    python -m tools.translations compile          # write django.mo beside the .po files (make install)
    python -m tools.translations unmarked         # template text that is not marked for translation

``tools/tests/test_translations.py`` runs ``check`` and ``unmarked`` in ``make test``.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PARTS_DIR = ROOT / "verbund"
LANGUAGES = ("en",)

#: Functions that mark a message (Django's and verbund.common.i18n's names). Babel's Python
#: extractor returns every string argument; the context of ``pgettext`` is the first, the plural of
#: ``ngettext`` the second.
KEYWORDS = (
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
)


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    context: str | None
    where: str  # "path:line"


def parts() -> list[Path]:
    return sorted(path for path in PARTS_DIR.iterdir() if (path / "apps.py").is_file())


def _sources(part: Path) -> Iterator[Path]:
    for path in sorted(part.rglob("*")):
        relative = path.relative_to(part).parts
        if "tests" in relative or "migrations" in relative or "static" in relative:
            continue
        if path.suffix in {".py", ".html", ".txt", ".xml"} and path.is_file():
            yield path


def _python_messages(code: str, where: str) -> Iterator[Message]:
    options: Any = {"encoding": "utf-8"}
    keywords: Any = dict.fromkeys(KEYWORDS)
    for lineno, funcname, messages, _comments in extract_python(
        io.BytesIO(code.encode("utf-8")), keywords, [], options
    ):
        values: tuple[Any, ...] = messages if isinstance(messages, tuple) else (messages,)
        context = None
        if str(funcname).startswith(("pgettext", "npgettext")):
            context, values = values[0], values[1:]
        if not values or not values[0]:
            continue
        plural = (
            values[1] if len(values) > 1 and str(funcname).startswith(("ngettext", "npgettext")) else None
        )
        yield Message(str(values[0]), plural, context, f"{where}:{lineno}")


def extract(part: Path) -> list[Message]:
    """Every marked message of one part, in source order."""
    from django.utils.translation.template import templatize

    found: list[Message] = []
    for path in _sources(part):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        if path.suffix == ".py":
            found.extend(_python_messages(text, where))
        elif "{%" in text:
            # templatize keeps each line's indentation, which Python's tokenizer refuses; its string
            # literals never span lines (blocktranslate bodies are written with %r).
            code = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).splitlines())
            found.extend(_python_messages(code, where))
    return found


def catalogue_files(part: Path, language: str) -> list[Path]:
    return sorted((part / "locale" / language / "LC_MESSAGES").glob("*.po"))


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    values = string if isinstance(string, tuple | list) else (string,)
    return all(values)


def load(part: Path, language: str) -> Catalog:
    """The part's catalogue for ``language``: its .po files merged.

    An untranslated entry never hides a translation of the same msgid in another file; two
    different translations of one msgid are an error.
    """
    merged = Catalog(locale=language, domain="django")
    for path in catalogue_files(part, language):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        for message in catalogue:
            if not message.id:
                continue
            earlier = merged.get(message.id, message.context)
            if earlier is not None:
                if not _translated(message.string) or message.fuzzy:
                    continue
                if _translated(earlier.string) and not earlier.fuzzy and earlier.string != message.string:
                    raise SystemExit(f"{path}: {message.id!r} is translated differently in another file")
                merged.delete(message.id, message.context)
            merged[message.id] = message
    return merged


def _key(message: Message) -> str | tuple[str, str]:
    return (message.msgid, message.plural) if message.plural else message.msgid


def missing(part: Path, language: str) -> list[Message]:
    """Marked messages of ``part`` without a (non-fuzzy, non-empty) translation into ``language``."""
    catalogue = load(part, language)
    result = []
    for message in extract(part):
        entry = catalogue.get(_key(message), message.context)
        if entry is None or entry.fuzzy or not _translated(entry.string):
            result.append(message)
    return result


def update(part: Path, language: str) -> int:
    """Add the missing msgids of ``part`` (empty msgstr) to its ``django.po``; returns how many."""
    todo = missing(part, language)
    target = part / "locale" / language / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        with target.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
    else:
        catalogue = Catalog(locale=language, domain="django", project="Verbund", fuzzy=False)
    others = {
        message.id for path in catalogue_files(part, language) if path != target for message in _read(path)
    }
    added = 0
    for message in todo:
        key = _key(message)
        if (key[0] if isinstance(key, tuple) else key) in others:
            continue
        entry = catalogue.get(key, message.context)
        path, _, line = message.where.rpartition(":")
        if entry is None:
            catalogue.add(
                key, "" if not message.plural else ("", ""), [(path, int(line))], context=message.context
            )
            added += 1
    with target.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False, sort_output=False)
    return added


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def compile_all() -> int:
    """Write ``django.mo`` for every part and language that has .po files; returns the number written."""
    written = 0
    for part in parts():
        for language in LANGUAGES:
            if not catalogue_files(part, language):
                continue
            catalogue = load(part, language)
            target = part / "locale" / language / "LC_MESSAGES" / "django.mo"
            with target.open("wb") as handle:
                write_mo(handle, catalogue, use_fuzzy=False)
            written += 1
    return written


# --- Template text that is not marked -------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ENTITY = re.compile(r"&[#a-zA-Z0-9]+;")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_ATTRIBUTE = re.compile(r"""\b(aria-label|title|placeholder|alt|aria-description)\s*=\s*"([^"]*)\"""")
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{2,}")


def _is_text(value: str) -> bool:
    """Whether ``value`` holds words a user reads (an all-capital abbreviation like PDF is no word)."""
    return any(not word.isupper() for word in _WORD.findall(value))


def unmarked(path: Path) -> list[str]:
    """Text of a template outside ``{% translate %}``/``{% blocktranslate %}``, as ``line: text``.

    Variables and tags become a placeholder without letters (keeping their line breaks), skipped
    blocks (blocktranslate, comment, verbatim) too; then HTML comments, scripts, styles and tags go,
    and every line that still holds a word is reported, like the readable attributes (title, alt …).
    """
    from django.template.base import Lexer, TokenType

    def placeholder(raw: str) -> str:
        return "§" + "\n" * raw.count("\n")

    source = path.read_text(encoding="utf-8")
    skip_until: str | None = None
    pieces: list[str] = []
    for token in Lexer(source).tokenize():
        raw = {
            TokenType.TEXT: token.contents,
            TokenType.VAR: "{{ " + token.contents + " }}",
            TokenType.BLOCK: "{% " + token.contents + " %}",
            TokenType.COMMENT: "{# " + token.contents + " #}",
        }[token.token_type]
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until is not None and name == skip_until:
                skip_until = None
            elif skip_until is None and name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                skip_until = "end" + name
        if token.token_type == TokenType.TEXT and skip_until is None:
            pieces.append(raw)
        else:
            pieces.append(placeholder(raw))
    text = "".join(pieces)
    problems: list[str] = []

    def line_of(position: int) -> int:
        return text.count("\n", 0, position) + 1

    for attribute in _ATTRIBUTE.finditer(text):
        if _is_text(attribute.group(2)):
            problems.append(f"{line_of(attribute.start())}: {attribute.group(1)}={attribute.group(2)!r}")
    for pattern in (_COMMENT, _SCRIPT, _TAG, _ENTITY):
        text = pattern.sub(lambda match: " " + "\n" * match.group(0).count("\n"), text)
    for number, line in enumerate(text.split("\n"), start=1):
        if _is_text(line):
            problems.append(f"{number}: {' '.join(line.replace('§', ' ').split())[:80]!r}")
    return sorted(problems, key=lambda problem: int(problem.split(":")[0]))


_OFFICIAL_DOCUMENT = re.compile(r"""\{%\s*extends\s+["']common/pdf/""")


def official_document(path: Path) -> bool:
    """A template of an official document (notice, invoice, letter): printed in German whatever the
    reader's language (``verbund.common.pdf.render_pdf``), so its text is not for translation."""
    return (path.parent.name == "pdf" and path.parent.parent.name == "common") or bool(
        _OFFICIAL_DOCUMENT.search(path.read_text(encoding="utf-8"))
    )


def templates() -> Iterator[Path]:
    """The templates of the UI (official documents left out, see :func:`official_document`)."""
    for part in parts():
        yield from (
            path for path in sorted((part / "templates").rglob("*.html")) if not official_document(path)
        )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":  # no Django needed: make install runs it before anything is set up
        print(f"{compile_all()} catalogue(s) compiled")
        return 0
    import os

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    chosen = [part for part in parts() if len(argv) < 2 or part.name in argv[1:]]
    if command == "update":
        for part in chosen:
            for language in LANGUAGES:
                added = update(part, language)
                if added:
                    print(f"{part.name}/{language}: {added} message(s) added")
        return 0
    if command == "unmarked":
        count = 0
        for path in templates():
            if chosen and path.relative_to(PARTS_DIR).parts[0] not in {p.name for p in chosen}:
                continue
            for problem in unmarked(path):
                print(f"{path.relative_to(ROOT)}:{problem}")
                count += 1
        return 1 if count else 0
    count = 0
    for part in chosen:
        for language in LANGUAGES:
            for message in missing(part, language):
                print(f"{message.where}: no {language} translation of {message.msgid!r}")
                count += 1
    return 1 if count else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
