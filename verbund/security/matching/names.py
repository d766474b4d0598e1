"""Vendor and product names compared tolerantly, but not loosely.

Decisions (a name match is "mittel" unless the names agree exactly, see :func:`same_spelling`):

- Case, accents written as compatibility characters (NFKC), ``®``/``™``/``(R)``/``(TM)`` and every run of
  punctuation or white space do not count: ``SIMATIC S7-1500`` = ``Simatic S7 1500`` = ``simatic_s7_1500``
  = ``SIMATIC S71500``. The key keeps only letters and digits.
- A vendor's legal form at the end does not count: ``Siemens AG`` = ``Siemens``, ``Red Hat, Inc.`` =
  ``Red Hat`` (the list is :data:`LEGAL_FORMS`).
- A product name that starts with its vendor's name also counts without it (``Siemens SIMATIC S7`` of
  vendor Siemens = ``SIMATIC S7``), and a trailing parenthesis (CISA writes the order number there:
  ``SCALANCE X204-2 (6GK5204-2BB10-2AA3)``) also counts without it.
- Nothing else: no substring, prefix or edit-distance matching, so ``SIMATIC S7-1500`` never matches
  ``SIMATIC S7-1500 Software Controller`` (a different product with its own advisories).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Legal forms dropped from the end of a vendor name (in key form: letters and digits only).
LEGAL_FORMS = frozenset(
    {
        "ag", "se", "gmbh", "mbh", "kg", "kgaa", "ohg", "ug", "ev", "eg", "gbr", "inc", "incorporated",
        "corp", "corporation", "co", "company", "ltd", "limited", "llc", "lp", "llp", "plc", "sa",
        "sas", "sarl", "spa", "srl", "bv", "nv", "ab", "as", "asa", "oy", "oyj", "aps", "pty", "kk",
        "group", "holding", "holdings",
    }
)  # fmt: skip
_TRADEMARKS = re.compile(r"\((?:r|tm|c)\)|[®™©]", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+")
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` in lower case, without trademark signs and punctuation."""
    text = _TRADEMARKS.sub(" ", unicodedata.normalize("NFKC", text)).casefold()
    return tuple(_WORDS.findall(text))


@lru_cache(maxsize=65536)
def vendor_key(name: str) -> str:
    """The comparison key of a vendor name (``"Red Hat, Inc."`` → ``"redhat"``)."""
    parts = list(words(name))
    # "GmbH & Co. KG" ends in several legal-form words; never drop the last word left.
    while len(parts) > 1 and parts[-1] in LEGAL_FORMS:
        parts.pop()
    return "".join(parts)


@lru_cache(maxsize=65536)
def product_keys(vendor: str, product: str) -> tuple[str, ...]:
    """The comparison keys of a product name: as written, without a leading vendor name, without a
    trailing parenthesis (each only when something is left)."""
    variants = [product]
    stripped = _TRAILING_PARENTHESIS.sub("", product)
    if stripped and stripped != product:
        variants.append(stripped)
    keys: list[str] = []
    vendor_words = words(vendor) if vendor else ()
    for variant in variants:
        parts = words(variant)
        if not parts:
            continue
        keys.append("".join(parts))
        count = len(vendor_words)
        if count and parts[:count] == vendor_words and len(parts) > count:
            keys.append("".join(parts[count:]))
    return tuple(dict.fromkeys(keys))


def same_spelling(left: str, right: str) -> bool:
    """Whether two names agree up to case and white space (an exact name match: confidence "hoch")."""
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()
