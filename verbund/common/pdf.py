"""PDF documents from HTML templates: tagged PDF/UA-1, fonts embedded, German typography.

Every letter, notice and invoice Verbund prints goes through :func:`render_pdf`. WeasyPrint lays out a
Django template that extends ``common/pdf/base.html`` and writes a PDF/UA-1 file: a structure tree
for screen readers, the document language, the title shown in the viewer's title bar and KERN's Fira
Sans embedded (subset), so the file looks the same everywhere and passes an accessibility check.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

FONT_DIR = "vendor/kern/fonts/fira-sans"
_FONT_FACES = (
    ("Regular", "normal", 400),
    ("Italic", "italic", 400),
    ("SemiBold", "normal", 600),
    ("Bold", "normal", 700),
    ("BoldItalic", "italic", 700),
)


@cache
def font_faces() -> tuple[dict[str, Any], ...]:
    """The Fira Sans faces as ``{"url", "style", "weight"}``, found through the static files.

    KERN ships WOFF2 only; decompressing it costs about half a second per face and document, so each
    face is turned into TrueType once per installation (in the system's temporary directory, named by
    the WOFF2 file's hash) and WeasyPrint reads that.
    """
    faces = []
    for name, style, weight in _FONT_FACES:
        found = finders.find(f"{FONT_DIR}/FiraSans-{name}.woff2")
        if found:
            ttf = _truetype(Path(str(found)))
            faces.append({"url": ttf.as_uri(), "style": style, "weight": weight})
    return tuple(faces)


def _truetype(woff2: Path) -> Path:
    data = woff2.read_bytes()
    digest = sha256(data).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / "verbund-fonts" / f"{woff2.stem}-{digest}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont

        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(io.BytesIO(data))
        font.flavor = None
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(partial)
        partial.replace(target)  # atomic: parallel test workers never read half a file
    return target


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    lang: str = "de",
    author: str = "",
    subject: str = "",
) -> bytes:
    """Render ``template_name`` (extending ``common/pdf/base.html``) to a tagged PDF/UA-1 document.

    Official documents are German whatever the reader's UI language, so the template is rendered with
    ``lang`` active.
    """
    from weasyprint import HTML  # imported late: pango is loaded only when a document is printed

    with translation.override(lang):
        html = render_to_string(
            template_name,
            {
                **context,
                "pdf_title": title,
                "pdf_lang": lang,
                "pdf_author": author,
                "pdf_subject": subject,
                "pdf_fonts": font_faces(),
            },
        )
    document = HTML(string=html, base_url=str(Path.cwd())).render()
    # The metadata that PDF/UA requires: the title (shown instead of the file name) and the language.
    document.metadata.title = title
    document.metadata.lang = lang
    if author:
        document.metadata.authors = [author]
    if subject:
        document.metadata.description = subject
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False))


_DOUBLE_QUOTED = re.compile(r'"([^"\n]*)"')
_SINGLE_QUOTED = re.compile(r"(?<![\w])'([^'\n]*)'(?![\w])")
_SPACED_HYPHEN = re.compile(r"(?<=\s)-{1,2}(?=\s)")
_RANGE_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")


def typographic(text: str) -> str:
    """German typography for ``text``: „…“ and ‚…‘ quotes, a dash for a spaced hyphen, an en dash in
    number ranges (``2025-2027`` → ``2025–2027``); apostrophes inside words stay."""
    text = _DOUBLE_QUOTED.sub("\u201e\\1\u201c", text)
    text = _SINGLE_QUOTED.sub("\u201a\\1\u2018", text)
    text = _SPACED_HYPHEN.sub("\u2013", text)
    return _RANGE_HYPHEN.sub("\u2013", text)
