"""German numbers, money and dates, written and read (pure: no Django).

Every page, letter and export writes numbers the German way (``1.234,50``), and every form accepts
what a German user types: ``6.500,00``, ``6500,00``, ``1.250`` (one thousand two hundred fifty),
``6 500``, ``6500 €``. An English decimal point is accepted only where it cannot be a thousands
separator (``1234.5``), so that ``1.250`` is never read as one and a quarter.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .i18n import _
from .money import CENT

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_THOUSANDS_WITH_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*,\d*$")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class GermanNumberError(ValueError):
    """Text that is not a number (German message naming the text)."""


def normalize_number(text: str) -> str:
    """German (or unambiguous English) number text → a plain decimal string (``"6500.00"``).

    Accepts thousands dots, blanks and non-breaking spaces as group separators, a decimal comma,
    a trailing ``€``/``EUR``/``%``. Raises :class:`GermanNumberError` for anything else
    (``"1,2,3"``, ``"12.34.5"``, ``"abc"``).
    """
    value = str(text).strip()
    for suffix in ("EUR", "Euro", "€", "%"):
        if value.endswith(suffix):
            value = value[: -len(suffix)].strip()
    value = value.replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "").replace(" ", "")
    if value.startswith("€"):
        value = value[1:]
    if not value:
        raise GermanNumberError(_("Bitte eine Zahl eingeben."))
    if "," in value:
        if "." in value and not _THOUSANDS_WITH_COMMA.match(value):
            raise GermanNumberError(_("„%(text)s“ ist keine Zahl (Beispiel: 6.500,00).") % {"text": text})
        value = value.replace(".", "")
        if value.count(",") > 1:
            raise GermanNumberError(_("„%(text)s“ ist keine Zahl (Beispiel: 6.500,00).") % {"text": text})
        value = value.replace(",", ".")
    elif _THOUSANDS.match(value):
        value = value.replace(".", "")
    if not _PLAIN.match(value):
        raise GermanNumberError(_("„%(text)s“ ist keine Zahl (Beispiel: 6.500,00).") % {"text": text})
    return value


def parse_decimal(text: str) -> Decimal:
    """German number text → ``Decimal`` (see :func:`normalize_number`)."""
    try:
        return Decimal(normalize_number(text))
    except InvalidOperation as exc:  # pragma: no cover - normalize_number already checked the form
        raise GermanNumberError(_("„%(text)s“ ist keine Zahl.") % {"text": text}) from exc


def format_number(value: Decimal | int | float | None, places: int | None = 0, *, empty: str = "–") -> str:
    """``1234.5`` → ``"1.234,5"`` with ``places`` decimals.

    ``places=None``: as many as needed, without trailing zeros (``Decimal("12.50")`` → ``"12,5"``).
    """
    if value is None:
        return empty
    if isinstance(value, float):
        value = Decimal(repr(value))
    number = Decimal(value)
    if places is None:
        exponent = number.normalize().as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    text = f"{number:,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_money(value: Decimal | int | float | None, *, unit: str = "EUR", empty: str = "–") -> str:
    """``1234.5`` → ``"1.234,50 EUR"`` (always two places)."""
    if value is None:
        return empty
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = format_number(amount.quantize(CENT), 2)
    return f"{text} {unit}" if unit else text


def format_percent(value: Decimal | int | float | None, places: int | None = None) -> str:
    """``12.5`` → ``"12,5 %"``."""
    if value is None:
        return "–"
    return f"{format_number(value, places)} %"


def format_date(value: dt.date | dt.datetime | str | None, *, empty: str = "–") -> str:
    """``2026-12-03`` (a date, a datetime or ISO text) → ``"03.12.2026"``."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def format_datetime(value: dt.datetime | str | None, *, empty: str = "–") -> str:
    """A moment (already in the time zone to show) → ``"03.12.2026, 14:05 Uhr"``."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    # the clock word follows the language ("14:05 Uhr", English "14:05"); the digits stay German
    return value.strftime(_("%d.%m.%Y, %H:%M Uhr"))


def join_words(names: list[str] | tuple[str, ...], conjunction: str | None = None) -> str:
    """``["A", "B", "C"]`` → ``"A, B und C"`` (``conjunction`` defaults to "und" in the active language)."""
    names = list(names)
    if conjunction is None:
        conjunction = _("und")
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


_REF = r"DOMAIN\.md\s*§\s*\d+(?:\.\d+)*"
#: References to the programme's internal domain notes that seeded texts carried ("(…, DOMAIN.md §5)").
_INTERNAL_REFERENCES = (
    (re.compile(r",\s*" + _REF), ""),
    (re.compile(r"\s*\(\s*" + _REF + r"\s*\)"), ""),
    (re.compile(_REF + r"[,:]?\s*"), ""),
)


def public_text(text: str) -> str:
    """``text`` without references to internal documents: "(Hessischer Rechnungshof, DOMAIN.md §5)"
    becomes "(Hessischer Rechnungshof)", "… Standesämtern (DOMAIN.md §5)." becomes "… Standesämtern."."""
    cleaned = text or ""
    for pattern, replacement in _INTERNAL_REFERENCES:
        cleaned = pattern.sub(replacement, cleaned)
    return re.sub(r"\(\s*\)", "", cleaned).strip()
