"""The restricted Markdown of the legal texts: what an operator types, turned into safe HTML.

The texts are stored as plain text and rendered here on every view, so the database never holds
HTML and nothing an operator types can run as script. Only this is understood:

* ``## Überschrift`` and ``### Unterüberschrift`` (``#`` counts as ``##``: the page has its own
  ``<h1>``);
* paragraphs, separated by a blank line; a single line break inside a paragraph stays a line break;
* lists: lines beginning with ``- `` or ``* ``;
* ``**fett**``;
* links ``[Text](https://…)`` — only ``https:``, ``http:``, ``mailto:``, ``tel:`` and addresses on
  this site (``/…``); any other target (``javascript:``, ``data:``) leaves the text without a link;
* placeholders ``[[BITTE AUSFÜLLEN: …]]`` of the default texts, shown highlighted until the operator
  replaces them (:func:`placeholders` lists those left).

Everything else is text: ``<`` and ``&`` are escaped before any rule applies.
"""

from __future__ import annotations

import re
from html import escape

PLACEHOLDER = re.compile(r"\[\[(.+?)\]\]")
_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_ITEM = re.compile(r"^[-*]\s+(.*)$")
_SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")


def _safe_href(url: str) -> str | None:
    """The link target if it is allowed (see module doc), else ``None``. ``url`` is escaped text."""
    if url.startswith(_SAFE_SCHEMES):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return url
    return None


def _link(match: re.Match[str]) -> str:
    text, url = match.group(1), match.group(2)
    href = _safe_href(url)
    if href is None:
        return text
    external = href.startswith(("http://", "https://"))
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a class="kern-link" href="{href}"{rel}>{text}</a>'


def _inline(text: str) -> str:
    """Escape ``text`` and apply placeholders, links and bold."""
    html = escape(text, quote=True)
    html = PLACEHOLDER.sub(lambda m: f'<mark class="vb-placeholder">[{m.group(1)}]</mark>', html)
    html = _LINK.sub(_link, html)
    return _BOLD.sub(r"<strong>\1</strong>", html)


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _flush(out: list[str], paragraph: list[str], items: list[str]) -> None:
    if paragraph:
        out.append('<p class="kern-body">' + "<br>\n".join(paragraph) + "</p>")
        paragraph.clear()
    if items:
        out.append('<ul class="kern-list">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        items.clear()


def render(text: str) -> str:
    """``text`` (restricted Markdown) as HTML; safe to mark as safe (see module doc)."""
    out: list[str] = []
    for block in _blocks(text):
        paragraph: list[str] = []
        items: list[str] = []
        for line in block:
            stripped = line.strip()
            heading = _HEADING.match(stripped)
            item = _ITEM.match(stripped)
            if heading:
                _flush(out, paragraph, items)
                level = 3 if len(heading.group(1)) == 3 else 2
                size = "small" if level == 3 else "medium"
                out.append(f'<h{level} class="kern-heading-{size}">{_inline(heading.group(2))}</h{level}>')
            elif item:
                if paragraph:
                    _flush(out, paragraph, items)
                items.append(_inline(item.group(1)))
            else:
                if items:
                    _flush(out, paragraph, items)
                paragraph.append(_inline(stripped))
        _flush(out, paragraph, items)
    return "\n".join(out)


def placeholders(text: str) -> list[str]:
    """The placeholders ``[[…]]`` still in ``text``, in order."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def headings(text: str) -> list[str]:
    """The headings of ``text`` (plain), e.g. to check that a statement has its required sections."""
    return [m.group(2) for line in text.splitlines() if (m := _HEADING.match(line.strip()))]
