"""Text for PDFs written with fpdf2's core fonts (grant notices, invoices).

The core fonts cover Latin-1 only. German umlauts and ß are in it; typographic dashes, quotes, the
euro sign and a few mathematical signs are not, so they are replaced by their plain equivalents
rather than turning into question marks. (A Unicode TrueType font would avoid this; the project
ships the KERN fonts only as WOFF2, which fpdf2 cannot embed.)
"""

from __future__ import annotations

_REPLACEMENTS = {
    "–": "-",
    "—": "-",
    "−": "-",
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "€": "EUR",
    "…": "...",
    "×": "x",
    "÷": ":",
    "·": "*",
    "\u00a0": " ",
    "\u2009": " ",
    "≥": ">=",
    "≤": "<=",
    "β": "beta",
    "•": "-",
    "←": "<-",
    "→": "->",
}


def latin1(text: str) -> str:
    """``text`` within the Latin-1 range of the PDF core fonts (umlauts and ß stay)."""
    for char, replacement in _REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", "replace").decode("latin-1")
