"""Reading a body's asset inventory from files, and the field rules every asset obeys (pure: no Django).

Formats (:func:`parse_inventory` picks one by name and content):

* **CSV** — ``;``, ``,`` or tab, UTF-8 with or without BOM (Windows-1252 as Excel writes it, and
  UTF-16 as Excel's "Unicode text" writes it, are read too); a header line with German names
  (``Produkt;Hersteller;Version;CPE;purl;Modellnummer;Seriennummer;Standort;Verantwortlich;
  Kritikalität`` …) or English aliases (:data:`COLUMNS`). Quoting is strict: a quote that is not
  closed is an error naming its line, never the rest of the file read as one value; a line break
  inside a quoted value is refused in every field but the note (:func:`clean_text`).
* **XLSX** — the first sheet, the same header in its first row; read with openpyxl in read-only mode.
  Cells are data: a formula cell is refused (naming its cell), never evaluated nor stored.
* **CycloneDX JSON** — ``metadata.component`` and ``components`` (nested ones too): name, version,
  supplier/manufacturer/publisher/group as vendor, cpe, purl, hashes. A nested component runs on
  (is part of) its parent (``platform``).
* **SPDX 2.x JSON** — ``packages``: name, versionInfo, supplier (else originator), externalRefs
  ``cpe23Type``/``purl``, checksums; ``CONTAINS``/``CONTAINED_BY`` relationships give ``platform``
  (a cycle of them is refused, naming the SPDX ids).

Every error names the file, the line (CSV), row (XLSX) or JSON path (SBOMs) and the field
(:class:`AssetImportError`); a file with any error yields nothing. Limits: :data:`MAX_BYTES`,
:data:`MAX_ROWS`, :data:`MAX_XLSX_UNPACKED`, :data:`MAX_DEPTH`.

The field rules (:func:`clean_cpe`, :func:`clean_purl`, :func:`clean_hashes`, :func:`clean_choice`)
are shared with the forms and services, so a form, the API and an import say the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from packageurl import PackageURL

from verbund.common.errors import ImportFileError, Refusal
from verbund.common.i18n import _

#: Largest file accepted (CSV, XLSX, JSON); a municipal inventory has a few thousand lines, an SBOM
#: of a server image a few MB.
MAX_BYTES = 20 * 1024 * 1024
#: Most assets one file may bring.
MAX_ROWS = 20_000
#: Most bytes an XLSX may unpack to (a zip bomb stops here, before openpyxl reads it).
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
#: Most columns read from a sheet or CSV line.
MAX_COLUMNS = 60
#: Deepest nesting of CycloneDX components.
MAX_DEPTH = 30
#: Most errors collected before a file is refused (the rest are counted).
MAX_ERRORS = 50

#: Longest value of each text field (the model's ``max_length``).
MAX_LENGTHS = {
    "name": 300,
    "vendor": 300,
    "version": 200,
    "cpe": 500,
    "purl": 1000,
    "model_number": 200,
    "serial_number": 200,
    "sku": 200,
    "location": 300,
    "responsible": 300,
    "note": 5000,
}

#: German labels of the fields, for messages (the column names of the CSV template).
LABELS = {
    "name": "Produkt",
    "vendor": "Hersteller",
    "version": "Version",
    "kind": "Art",
    "cpe": "CPE",
    "purl": "purl",
    "model_number": "Modellnummer",
    "serial_number": "Seriennummer",
    "sku": "Artikelnummer",
    "hashes": "Prüfsummen",
    "location": "Standort",
    "responsible": "Verantwortlich",
    "criticality": "Kritikalität",
    "quantity": "Anzahl",
    "note": "Bemerkung",
}

#: Header names accepted for each field (compared by :func:`_header_key`: case, spaces, ``-``, ``_``,
#: ``.`` and umlauts do not matter).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Produkt", "Produktname", "Name", "Product", "Product name", "Software"),
    "vendor": ("Hersteller", "Anbieter", "Vendor", "Manufacturer", "Supplier", "Publisher"),
    "version": ("Version", "Versionsstand", "Release"),
    "kind": ("Art", "Typ", "Kategorie", "Kind", "Type", "Category"),
    "cpe": ("CPE", "CPE 2.3", "CPE23", "cpe name"),
    "purl": ("purl", "Package URL", "Paket-URL"),
    "model_number": ("Modellnummer", "Modell", "Model", "Model number"),
    "serial_number": ("Seriennummer", "Serial", "Serial number", "S/N"),
    "sku": ("Artikelnummer", "SKU"),
    "hashes": ("Prüfsummen", "Prüfsumme", "Hashwerte", "Hash", "Hashes", "Checksum", "Checksums"),
    "location": ("Standort", "Ort", "Location", "Site"),
    "responsible": ("Verantwortlich", "Verantwortliche", "Zuständig", "Owner", "Responsible"),
    "criticality": ("Kritikalität", "Kritikalitaet", "Schutzbedarf", "Criticality"),
    "quantity": ("Anzahl", "Menge", "Stückzahl", "Quantity", "Count"),
    "note": ("Bemerkung", "Bemerkungen", "Notiz", "Note", "Notes", "Comment"),
}

# --- the choices (the model's values; ``verbund.security.models`` holds the same, a test compares) ----

CRITICALITIES = ("niedrig", "mittel", "hoch", "kritisch")
KINDS = ("server", "client", "netz", "ot", "software", "sonstiges")

#: Other spellings of the criticalities (the BSI's protection needs and English words).
CRITICALITY_ALIASES = {
    "gering": "niedrig",
    "low": "niedrig",
    "normal": "mittel",
    "medium": "mittel",
    "moderate": "mittel",
    "high": "hoch",
    "sehrhoch": "kritisch",
    "critical": "kritisch",
}
#: Other spellings of the kinds (the model's German labels and English words).
KIND_ALIASES = {
    "arbeitsplatz": "client",
    "workstation": "client",
    "pc": "client",
    "notebook": "client",
    "netzwerk": "netz",
    "netzwerkundfirewall": "netz",
    "firewall": "netz",
    "router": "netz",
    "switch": "netz",
    "network": "netz",
    "betriebstechnik": "ot",
    "betriebstechnikot": "ot",
    "scada": "ot",
    "anwendung": "software",
    "application": "software",
    "other": "sonstiges",
    "geraet": "sonstiges",
    "device": "sonstiges",
}


# --- values and errors --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One fault of a file: where (line, row or JSON path), which field, what is wrong."""

    where: str
    field: str
    message: str

    def text(self, filename: str) -> str:
        parts = [
            p
            for p in (filename, self.where, _("Feld %(field)s") % {"field": self.field} if self.field else "")
            if p
        ]
        return f"{', '.join(parts)}: {self.message}"


class AssetImportError(ImportFileError):
    """A file of assets was refused; ``errors`` lists every fault (nothing was stored), also as the
    messages of the field ``file`` so that a form shows each one."""

    def __init__(self, problems: list[Problem], *, filename: str, more: int = 0) -> None:
        self.problems = problems
        self.errors = [p.text(filename) for p in problems]
        if more:
            self.errors.append(_("… und %(count)s weitere Fehler.") % {"count": more})
        Refusal.__init__(self, "; ".join(self.errors), code=self.code, status=self.status)
        self.fields = {"file": list(self.errors)}
        self.path = filename
        self.line = None
        self.field = problems[0].field if problems else ""


@dataclass
class AssetRow:
    """One asset read from a file (or typed into a form), its values already checked.

    ``given`` names the fields the source provided (a CSV without a column leaves that field of an
    existing asset as it is). ``parent`` is the ``key`` of the row it runs on (SBOM nesting).
    """

    where: str
    values: dict[str, Any] = field(default_factory=dict)
    given: frozenset[str] = frozenset()
    key: str = ""
    parent: str = ""


@dataclass
class Inventory:
    """What a file holds: its format and its rows (in file order, parents before their parts)."""

    format: str
    rows: list[AssetRow]
    ignored_columns: tuple[str, ...] = ()


# --- field rules --------------------------------------------------------------------------------

# The CPE 2.3 formatted string as the NIST CPE Dictionary schema defines it (cpe-naming_2.3.xsd,
# ``cpe23Type``): part, then ten attributes, each a quoted-or-plain value with optional leading and
# trailing wildcards, or ``*`` (ANY) / ``-`` (NA); language as RFC 5646 tag.
_CPE_VALUE = r"(?:(?:\?*|\*?)(?:[a-zA-Z0-9\-._]|(?:\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]))+(?:\?*|\*?)|[*\-])"
_CPE_LANGUAGE = r"(?:[a-zA-Z]{2,3}(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?|[*\-])"
_CPE23 = re.compile(rf"cpe:2\.3:[aho*\-](?::{_CPE_VALUE}){{5}}:{_CPE_LANGUAGE}(?::{_CPE_VALUE}){{4}}")
_CPE_VALUE_ONLY = re.compile(_CPE_VALUE)
_CPE_LANGUAGE_ONLY = re.compile(_CPE_LANGUAGE)
CPE_ATTRIBUTES = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)


def _split_cpe(text: str) -> list[str]:
    """The components of a formatted string, split at ``:`` that are not quoted by ``\\``."""
    parts, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == ":":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def clean_cpe(value: str) -> str:
    """A CPE 2.3 formatted string as written (trimmed), or ``ValueError`` saying which part is wrong."""
    value = value.strip()
    if not value or _CPE23.fullmatch(value):
        return value
    if value.startswith("cpe:/"):
        raise ValueError(
            _("„%(value)s“ ist ein CPE-2.2-Name; bitte die CPE-2.3-Schreibweise „cpe:2.3:…“ angeben.")
            % {"value": value[:80]}
        )
    parts = _split_cpe(value)
    if parts[:2] != ["cpe", "2.3"]:
        return _raise_cpe(value, _("muss mit „cpe:2.3:“ beginnen"))
    attributes = parts[2:]
    if len(attributes) != 11:
        return _raise_cpe(
            value,
            _("hat %(count)s statt 11 Bestandteile nach „cpe:2.3:“ (part, vendor, product, version, …)")
            % {"count": len(attributes)},
        )
    if attributes[0] not in ("a", "o", "h", "*", "-"):
        return _raise_cpe(value, _("Bestandteil „part“ muss a, o, h, * oder - sein"))
    for index, attribute in enumerate(attributes[1:], start=1):
        pattern = _CPE_LANGUAGE_ONLY if CPE_ATTRIBUTES[index] == "language" else _CPE_VALUE_ONLY
        if not pattern.fullmatch(attribute):
            return _raise_cpe(
                value,
                _("Bestandteil „%(name)s“ („%(part)s“) ist ungültig (Sonderzeichen mit \\ schützen)")
                % {"name": CPE_ATTRIBUTES[index], "part": attribute[:40]},
            )
    return _raise_cpe(value, _("ist ungültig"))


def _raise_cpe(value: str, reason: str) -> str:
    raise ValueError(
        _("„%(value)s“ ist keine gültige CPE-2.3-Angabe: %(reason)s.")
        % {"value": value[:80], "reason": reason}
    )


def clean_purl(value: str) -> str:
    """A package URL in its canonical form (packageurl-python), or ``ValueError``."""
    value = value.strip()
    if not value:
        return ""
    try:
        purl = PackageURL.from_string(value)
    except ValueError:
        raise ValueError(
            _(
                "„%(value)s“ ist keine gültige Package URL "
                "(pkg:Typ/Namensraum/Name@Version, z. B. pkg:pypi/django@5.2)."
            )
            % {"value": value[:80]}
        ) from None
    return str(purl.to_string())


#: Hash algorithms (key: the name without case, ``-`` and ``_``) → stored name and hex length.
HASH_ALGORITHMS: dict[str, tuple[str, int]] = {
    "md5": ("md5", 32),
    "sha1": ("sha1", 40),
    "sha224": ("sha224", 56),
    "sha256": ("sha256", 64),
    "sha384": ("sha384", 96),
    "sha512": ("sha512", 128),
    "sha3224": ("sha3-224", 56),
    "sha3256": ("sha3-256", 64),
    "sha3384": ("sha3-384", 96),
    "sha3512": ("sha3-512", 128),
    "blake2b256": ("blake2b-256", 64),
    "blake2b384": ("blake2b-384", 96),
    "blake2b512": ("blake2b-512", 128),
    "blake2s256": ("blake2s-256", 64),
    "blake3": ("blake3", 64),
}
_HEX = re.compile(r"[0-9a-fA-F]+")


def clean_hash(algorithm: str, value: str) -> dict[str, str]:
    """``{"algorithm", "value"}`` with the algorithm's stored name and the lower-case hex value."""
    key = re.sub(r"[\s\-_]", "", algorithm).casefold()
    known = HASH_ALGORITHMS.get(key)
    if known is None:
        raise ValueError(
            _("Unbekanntes Prüfverfahren „%(algorithm)s“ (bekannt: %(known)s).")
            % {"algorithm": algorithm[:40], "known": ", ".join(name for name, _n in HASH_ALGORITHMS.values())}
        )
    name, length = known
    value = value.strip()
    if not _HEX.fullmatch(value) or len(value) != length:
        raise ValueError(
            _(
                "Ein %(algorithm)s-Wert hat %(length)s Hexadezimalziffern (0–9, a–f); "
                "„%(value)s“ hat %(found)s."
            )
            % {
                "algorithm": name,
                "length": length,
                "value": value[:20] + ("…" if len(value) > 20 else ""),
                "found": len(value),
            }
        )
    return {"algorithm": name, "value": value.casefold()}


def clean_hashes(value: str | list[Any] | None) -> list[dict[str, str]]:
    """Hashes written ``algorithm:hex`` (or ``algorithm=hex``), separated by spaces, line breaks, ``|``
    or ``,`` — or given as a list of ``{"algorithm", "value"}`` (the API) — checked and de-duplicated."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, list):
        for entry in value:
            if not isinstance(entry, Mapping):
                raise ValueError(_("Jede Prüfsumme braucht „algorithm“ und „value“."))
            pairs.append((str(entry.get("algorithm") or ""), str(entry.get("value") or "")))
    elif value:
        for token in re.split(r"[\s|,;]+", value.strip()):
            if not token:
                continue
            found = re.fullmatch(r"([^:=]+)[:=](.+)", token)
            if found is None:
                raise ValueError(
                    _("„%(token)s“: Prüfsumme als Verfahren:Wert angeben, z. B. sha256:9f86d0…")
                    % {"token": token[:30]}
                )
            pairs.append((found.group(1), found.group(2)))
    result: list[dict[str, str]] = []
    for algorithm, hexvalue in pairs:
        checked = clean_hash(algorithm, hexvalue)
        if checked not in result:
            result.append(checked)
    return result


def _choice_key(value: str) -> str:
    return _header_key(value)


def clean_choice(value: str, choices: tuple[str, ...], aliases: Mapping[str, str], *, label: str) -> str:
    """One of ``choices`` (or an alias of one), or ``ValueError`` listing the allowed values."""
    key = _choice_key(value)
    for choice in choices:
        if key == _choice_key(choice):
            return choice
    if key in aliases:
        return aliases[key]
    raise ValueError(
        _("„%(value)s“ ist keine zulässige Angabe für %(label)s (erlaubt: %(allowed)s).")
        % {"value": value[:40], "label": label, "allowed": ", ".join(choices)}
    )


def clean_quantity(value: str) -> int:
    text = (
        value.strip().replace(".", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", value.strip()) else value.strip()
    )
    if text.endswith((",0", ".0")):
        text = text[:-2]
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ValueError(_("„%(value)s“ ist keine ganze Zahl von 1 bis 1.000.000.") % {"value": value[:20]})
    return int(text)


#: Fields of several lines; every other text field is one line.
MULTILINE_FIELDS = frozenset({"note"})
#: Line breaks (``str.splitlines`` splits at these) and the other control characters.
_LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(name: str, value: str) -> str:
    """A text field trimmed; refuses NUL, control characters, and line breaks in a one-line field (every
    field but :data:`MULTILINE_FIELDS`), and more than the field's :data:`MAX_LENGTHS`."""
    value = value.strip()
    if "\x00" in value:
        raise ValueError(_("Das Feld enthält ein Nullzeichen."))
    if name not in MULTILINE_FIELDS:
        if _LINE_BREAK.search(value):
            raise ValueError(_("Das Feld ist einzeilig; es enthält einen Zeilenumbruch."))
        if _CONTROL.search(value):
            raise ValueError(_("Das Feld enthält ein Steuerzeichen (z. B. einen Tabulator)."))
    elif _CONTROL_IN_TEXT.search(value):
        raise ValueError(_("Das Feld enthält ein Steuerzeichen."))
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise ValueError(
            _("höchstens %(max)s Zeichen (hier %(length)s)") % {"max": limit, "length": len(value)}
        )
    return value


def clean_values(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the asset fields in ``raw`` (strings as typed; ``hashes`` a string or a list).

    Returns the cleaned values of the fields present and ``{field: German message}`` for the faulty
    ones. ``name`` is required when present in ``raw``.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name not in LABELS:
            continue
        text = "" if value is None else value if isinstance(value, list) else str(value)
        try:
            if name == "cpe":
                values[name] = clean_text(name, clean_cpe(str(text)))
            elif name == "purl":
                values[name] = clean_text(name, clean_purl(str(text)))
            elif name == "hashes":
                values[name] = clean_hashes(text)
            elif name == "criticality":
                values[name] = (
                    clean_choice(str(text), CRITICALITIES, CRITICALITY_ALIASES, label=LABELS[name])
                    if str(text).strip()
                    else "mittel"
                )
            elif name == "kind":
                values[name] = (
                    clean_choice(str(text), KINDS, KIND_ALIASES, label=LABELS[name])
                    if str(text).strip()
                    else "software"
                )
            elif name == "quantity":
                values[name] = clean_quantity(str(text)) if str(text).strip() else 1
            else:
                values[name] = clean_text(name, str(text))
                if name == "name" and not values[name]:
                    raise ValueError(_("Der Produktname fehlt."))
        except ValueError as exc:
            errors[name] = str(exc)
    return values, errors


def identity(values: Mapping[str, Any]) -> tuple[str, ...]:
    """What makes two entries of one body the same asset: vendor, product, version, serial number,
    CPE, purl and location (without case and surrounding spaces). A re-import of the same file finds
    its earlier assets by it; a row that changes one of these is a new asset."""
    return tuple(
        str(values.get(name) or "").strip().casefold()
        for name in ("vendor", "name", "version", "serial_number", "cpe", "purl", "location")
    )


# --- reading a file -----------------------------------------------------------------------------


class _Collector:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, where: str, field_name: str, message: str) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append(Problem(where, LABELS.get(field_name, field_name), message))
        else:
            self.more += 1

    def refuse_if_any(self) -> None:
        if self.problems:
            raise AssetImportError(self.problems, filename=self.filename, more=self.more)

    def refuse(self, where: str, field_name: str, message: str) -> AssetImportError:
        return AssetImportError(
            [Problem(where, LABELS.get(field_name, field_name), message)], filename=self.filename
        )


def _header_key(text: str) -> str:
    text = text.strip().casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[\s\-_./()]", "", text)


_HEADER_INDEX = {_header_key(alias): name for name, aliases in COLUMNS.items() for alias in (*aliases, name)}


def _header(cells: list[str], where: str, out: _Collector) -> tuple[dict[str, int], tuple[str, ...]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells[:MAX_COLUMNS]):
        if not cell.strip():
            continue
        name = _HEADER_INDEX.get(_header_key(cell))
        if name is None:
            ignored.append(cell.strip()[:60])
        elif name in columns:
            out.add(
                where,
                name,
                _("Die Spalte „%(column)s“ steht zweimal in der Kopfzeile.") % {"column": cell.strip()},
            )
        else:
            columns[name] = index
    if "name" not in columns:
        out.add(
            where,
            "",
            _("In der Kopfzeile fehlt die Spalte „Produkt“ (erwartet z. B.: %(example)s).")
            % {
                "example": "Produkt;Hersteller;Version;CPE;purl;Modellnummer;Seriennummer;Standort;"
                "Verantwortlich;Kritikalität"
            },
        )
    out.refuse_if_any()
    return columns, tuple(ignored)


def _unquote(cell: str) -> str:
    """A cell as typed: the apostrophe an export puts before text a spreadsheet would take for a
    formula (``'=…``, ``'+…``, ``'-…``, ``'@…``) is removed."""
    return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r" else cell


def _table_rows(
    lines: Iterator[tuple[str, list[str]]], columns: dict[str, int], out: _Collector
) -> list[AssetRow]:
    rows: list[AssetRow] = []
    for where, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise out.refuse(
                where,
                "",
                _("Die Datei hat mehr als %(max)s Komponenten.") % {"max": f"{MAX_ROWS:,}".replace(",", ".")},
            )
        raw = {name: _unquote(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        values, errors = clean_values(raw)
        for name, message in errors.items():
            out.add(where, name, message)
        rows.append(AssetRow(where=where, values=values, given=frozenset(columns)))
    return rows


#: Byte order marks of the UTF-16 and UTF-32 encodings (UTF-32 first: its LE mark starts like UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def _utf16_without_bom(data: bytes) -> str:
    """``utf-16-le``/``utf-16-be`` when ``data`` looks like UTF-16 text without a byte order mark (every
    second byte of its start is NUL, as for Latin letters), else ``""``."""
    head = data[:400]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return ""
    even, odd = head[0::2], head[1::2]
    if odd.count(0) == len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) == len(even) and not odd.count(0):
        return "utf-16-be"
    return ""


def to_utf8(data: bytes, filename: str) -> bytes:
    """Text in UTF-16 or UTF-32 (with a byte order mark, or UTF-16 without one) as UTF-8; other data as it
    is. :class:`AssetImportError` naming the encoding when such a file cannot be decoded."""
    encoding, label = "", ""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            encoding, label = codec, name
            break
    else:
        encoding = _utf16_without_bom(data)
        label = "UTF-16" if encoding else ""
    if not encoding:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Collector(filename).refuse(
            "",
            "",
            _(
                "Die Datei ist als %(encoding)s kodiert, aber nicht lesbar (%(reason)s); "
                "bitte als UTF-8 speichern."
            )
            % {"encoding": label, "reason": exc.reason},
        ) from None


def _decode(data: bytes, out: _Collector) -> str:
    data = to_utf8(data, out.filename)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise out.refuse(
            "", "", _("Die Datei ist weder UTF-8 noch Windows-1252; bitte als UTF-8 speichern.")
        ) from None


def parse_csv(data: bytes, filename: str) -> Inventory:
    out = _Collector(filename)
    text = _decode(data, out)
    if "\x00" in text:
        raise out.refuse("", "", _("Die Datei enthält Nullzeichen; ist sie wirklich eine CSV-Datei?"))
    if not text.strip():
        raise out.refuse("", "", _("Die Datei ist leer."))
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    # strict: a quote that is not closed (or text after a closing quote) is an error naming the line,
    # not the rest of the file read as one value
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def lines() -> Iterator[tuple[str, list[str]]]:
        start = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    reason = _(
                        "das Anführungszeichen wird bis zum Ende der Datei nicht geschlossen; "
                        'ein Anführungszeichen im Wert bitte verdoppeln („""“)'
                    )
                elif "expected after" in str(exc):
                    reason = _(
                        "nach einem schließenden Anführungszeichen folgt kein Trennzeichen; "
                        'ein Anführungszeichen im Wert bitte verdoppeln („""“)'
                    )
                else:
                    reason = str(exc)
                raise out.refuse(
                    _("Zeile %(line)s") % {"line": start},
                    "",
                    _("keine gültige CSV-Zeile (%(reason)s).") % {"reason": reason},
                ) from None
            yield _("Zeile %(line)s") % {"line": start}, cells
            start = reader.line_num + 1

    rows = lines()
    try:
        where, header = next(rows)
    except StopIteration:
        raise out.refuse("", "", _("Die Datei ist leer.")) from None
    columns, ignored = _header(header, where, out)
    result = _table_rows(rows, columns, out)
    out.refuse_if_any()
    if not result:
        raise out.refuse("", "", _("Die Datei enthält keine Komponenten."))
    return Inventory("csv", result, ignored)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_xlsx(data: bytes, filename: str) -> Inventory:
    from openpyxl import load_workbook

    out = _Collector(filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise out.refuse("", "", _("Die Datei ist keine XLSX-Arbeitsmappe.")) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise out.refuse(
            "",
            "",
            _("Die Arbeitsmappe ist entpackt größer als %(mb)s MB.") % {"mb": MAX_XLSX_UNPACKED // 2**20},
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise out.refuse(
            "", "", _("Die Arbeitsmappe ist nicht lesbar (%(reason)s).") % {"reason": str(exc)[:120]}
        ) from None
    try:
        sheet = workbook.worksheets[0]

        def lines() -> Iterator[tuple[str, list[str]]]:
            for row in sheet.iter_rows(max_col=MAX_COLUMNS):
                cells = []
                number = None
                for cell in row:
                    number = getattr(cell, "row", number)
                    if getattr(cell, "data_type", None) == "f":
                        column = getattr(cell, "column_letter", "")
                        out.add(
                            _("Zeile %(row)s") % {"row": number},
                            "",
                            _("Zelle %(cell)s enthält eine Formel; bitte nur Werte eintragen.")
                            % {"cell": f"{column}{number}"},
                        )
                        cells.append("")
                        continue
                    cells.append(_cell_text(cell.value))
                if number is None:
                    continue
                yield _("Zeile %(row)s") % {"row": number}, cells

        rows = lines()
        header_where, header = next(rows, ("", []))
        if not header:
            raise out.refuse("", "", _("Das erste Tabellenblatt ist leer."))
        columns, ignored = _header(header, header_where, out)
        result = _table_rows(rows, columns, out)
    finally:
        workbook.close()
    out.refuse_if_any()
    if not result:
        raise out.refuse("", "", _("Das erste Tabellenblatt enthält keine Komponenten."))
    return Inventory("xlsx", result, ignored)


def _json(data: bytes, out: _Collector) -> Any:
    try:
        return json.loads(to_utf8(data, out.filename).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise out.refuse("", "", _("Die Datei ist kein UTF-8.")) from None
    except json.JSONDecodeError as exc:
        raise out.refuse(
            _("Zeile %(line)s") % {"line": exc.lineno},
            "",
            _("kein gültiges JSON (%(reason)s).") % {"reason": exc.msg},
        ) from None
    except RecursionError:
        raise out.refuse("", "", _("Das JSON ist zu tief verschachtelt.")) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "" if value.strip().upper() in ("NOASSERTION", "NONE") else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _sbom_row(path: str, raw: dict[str, Any], out: _Collector, *, key: str, parent: str = "") -> AssetRow:
    values, errors = clean_values(raw)
    for name, message in errors.items():
        out.add(path + _JSON_FIELDS.get(name, ""), name, message)
    return AssetRow(where=path, values=values, given=frozenset(raw), key=key, parent=parent)


#: The JSON member a field comes from, for the path in an error (CycloneDX; SPDX sets its own).
_JSON_FIELDS = {"name": "/name", "version": "/version", "cpe": "/cpe", "purl": "/purl", "hashes": "/hashes"}

_CYCLONEDX_KINDS = {"device": "sonstiges", "firmware": "software", "operating-system": "software"}


def parse_cyclonedx(document: Mapping[str, Any], filename: str) -> Inventory:
    out = _Collector(filename)
    rows: list[AssetRow] = []

    def component(path: str, value: Any, parent: str, depth: int) -> None:
        if not isinstance(value, Mapping):
            out.add(path, "", _("Eine Komponente muss ein JSON-Objekt sein."))
            return
        if depth > MAX_DEPTH:
            raise out.refuse(
                path, "", _("Komponenten sind tiefer als %(max)s Ebenen verschachtelt.") % {"max": MAX_DEPTH}
            )
        if len(rows) >= MAX_ROWS:
            raise out.refuse(path, "", _("Die Datei hat mehr als %(max)s Komponenten.") % {"max": MAX_ROWS})
        vendor = ""
        for source in ("supplier", "manufacturer"):
            party = value.get(source)
            if isinstance(party, Mapping) and _text(party.get("name")).strip():
                vendor = _text(party.get("name"))
                break
        vendor = vendor or _text(value.get("publisher")) or _text(value.get("group"))
        hashes = value.get("hashes") or []
        if not isinstance(hashes, list):
            out.add(path + "/hashes", "hashes", _("„hashes“ muss eine Liste sein."))
            hashes = []
        raw: dict[str, Any] = {
            "name": _text(value.get("name")),
            "vendor": vendor,
            "version": _text(value.get("version")),
            "cpe": _text(value.get("cpe")),
            "purl": _text(value.get("purl")),
            "hashes": [
                {"algorithm": _text(h.get("alg")), "value": _text(h.get("content"))}
                if isinstance(h, Mapping)
                else h
                for h in hashes
            ],
        }
        if _text(value.get("type")):
            raw["kind"] = _CYCLONEDX_KINDS.get(_text(value.get("type")), "software")
        key = _text(value.get("bom-ref")) or path
        rows.append(_sbom_row(path, raw, out, key=key, parent=parent))
        children = value.get("components") or []
        if not isinstance(children, list):
            out.add(path + "/components", "", _("„components“ muss eine Liste sein."))
            return
        for index, child in enumerate(children):
            component(f"{path}/components/{index}", child, key, depth + 1)

    metadata = document.get("metadata")
    top = ""
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        component("/metadata/component", metadata["component"], "", 0)
        top = rows[-1].key if rows else ""
        # the described product's own sub-components were read with it; the top-level list are its parts
    components = document.get("components") or []
    if not isinstance(components, list):
        raise out.refuse("/components", "", _("„components“ muss eine Liste sein."))
    for index, value in enumerate(components):
        component(f"/components/{index}", value, top, 1)
    out.refuse_if_any()
    if not rows:
        raise out.refuse("/components", "", _("Die SBOM enthält keine Komponenten."))
    return Inventory("cyclonedx", rows)


def _spdx_party(value: Any) -> str:
    text = _text(value).strip()
    for prefix in ("Organization:", "Person:", "Tool:"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    return re.sub(r"\s*\([^()]*@[^()]*\)\s*$", "", text)  # "Jane Doe (jane@example.org)" → "Jane Doe"


def parse_spdx(document: Mapping[str, Any], filename: str) -> Inventory:
    out = _Collector(filename)
    packages = document.get("packages") or []
    if not isinstance(packages, list):
        raise out.refuse("/packages", "", _("„packages“ muss eine Liste sein."))
    if len(packages) > MAX_ROWS:
        raise out.refuse(
            "/packages", "", _("Die Datei hat mehr als %(max)s Komponenten.") % {"max": MAX_ROWS}
        )
    rows: list[AssetRow] = []
    for index, package in enumerate(packages):
        path = f"/packages/{index}"
        if not isinstance(package, Mapping):
            out.add(path, "", _("Ein Paket muss ein JSON-Objekt sein."))
            continue
        cpe = purl = ""
        for ref_index, ref in enumerate(package.get("externalRefs") or []):
            if not isinstance(ref, Mapping):
                continue
            kind = _text(ref.get("referenceType"))
            locator = _text(ref.get("referenceLocator"))
            if kind == "cpe23Type" and not cpe:
                cpe = locator
                try:
                    clean_cpe(cpe)
                except ValueError as exc:
                    out.add(f"{path}/externalRefs/{ref_index}/referenceLocator", "cpe", str(exc))
                    cpe = ""
            elif kind == "purl" and not purl:
                purl = locator
                try:
                    clean_purl(purl)
                except ValueError as exc:
                    out.add(f"{path}/externalRefs/{ref_index}/referenceLocator", "purl", str(exc))
                    purl = ""
        hashes = []
        for sum_index, checksum in enumerate(package.get("checksums") or []):
            if not isinstance(checksum, Mapping):
                continue
            try:
                hashes.append(
                    clean_hash(_text(checksum.get("algorithm")), _text(checksum.get("checksumValue")))
                )
            except ValueError as exc:
                out.add(f"{path}/checksums/{sum_index}", "hashes", str(exc))
        raw = {
            "name": _text(package.get("name")),
            "vendor": _spdx_party(package.get("supplier")) or _spdx_party(package.get("originator")),
            "version": _text(package.get("versionInfo")),
            "cpe": cpe,
            "purl": purl,
            "hashes": hashes,
        }
        values, errors = clean_values(raw)
        for name, message in errors.items():
            member = {"name": "/name", "version": "/versionInfo", "vendor": "/supplier"}.get(name, "")
            out.add(path + member, name, message)
        rows.append(
            AssetRow(
                where=path, values=values, given=frozenset(raw), key=_text(package.get("SPDXID")) or path
            )
        )
    keys = {row.key for row in rows}
    for relationship in document.get("relationships") or []:
        if not isinstance(relationship, Mapping):
            continue
        kind = _text(relationship.get("relationshipType"))
        left, right = _text(relationship.get("spdxElementId")), _text(relationship.get("relatedSpdxElement"))
        if kind == "CONTAINED_BY":
            left, right, kind = right, left, "CONTAINS"
        if kind == "CONTAINS" and left in keys and right in keys and left != right:
            for row in rows:
                if row.key == right and not row.parent:
                    row.parent = left
    cycle = parent_cycle(rows)
    if cycle:
        out.add(
            "/relationships",
            "",
            _(
                "Die CONTAINS-Beziehungen bilden einen Kreis (%(cycle)s): jedes Paket wäre Teil des "
                "anderen. Bitte eine der Beziehungen entfernen."
            )
            % {"cycle": _(" enthält ").join(reversed(cycle))},
        )
    out.refuse_if_any()
    if not rows:
        raise out.refuse("/packages", "", _("Die SBOM enthält keine Pakete."))
    return Inventory("spdx", rows)


def parent_cycle(rows: list[AssetRow], aliases: Mapping[str, str] | None = None) -> list[str]:
    """The keys of a cycle of ``parent`` links among ``rows`` (first key repeated at the end: ``A, B, A``),
    or ``[]``. ``aliases`` maps keys of rows merged into another to that row's key."""
    aliases = aliases or {}
    parent = {row.key: aliases.get(row.parent, row.parent) for row in rows if row.key}
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        on_path: set[str] = set()
        key = start
        while key and key in parent and key not in done:
            if key in on_path:
                return [*path[path.index(key) :], key]
            path.append(key)
            on_path.add(key)
            key = parent[key]
        done.update(path)
    return []


def parse_inventory(data: bytes, filename: str) -> Inventory:
    """The assets of a file (format by its content and name); :class:`AssetImportError` otherwise."""
    out = _Collector(filename)
    if len(data) > MAX_BYTES:
        raise out.refuse("", "", _("Die Datei ist größer als %(mb)s MB.") % {"mb": MAX_BYTES // 2**20})
    if not data.strip():
        raise out.refuse("", "", _("Die Datei ist leer."))
    name = filename.casefold()
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return parse_xlsx(data, filename)
    data = to_utf8(data, filename)
    if name.endswith((".xls", ".ods")):
        raise out.refuse(
            "", "", _("Bitte als .xlsx oder .csv speichern (das alte .xls und .ods werden nicht gelesen).")
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        raise out.refuse(
            "", "", _("XML-SBOMs werden nicht gelesen; bitte CycloneDX oder SPDX als JSON hochladen.")
        )
    if head in (b"{", b"[") or name.endswith(".json"):
        document = _json(data, out)
        if not isinstance(document, Mapping):
            raise out.refuse("/", "", _("Eine SBOM muss ein JSON-Objekt sein."))
        if document.get("bomFormat") == "CycloneDX":
            return parse_cyclonedx(document, filename)
        if str(document.get("spdxVersion") or "").startswith("SPDX-2."):
            return parse_spdx(document, filename)
        raise out.refuse(
            "/",
            "",
            _("Unbekanntes JSON: erwartet wird CycloneDX („bomFormat“) oder SPDX 2.x („spdxVersion“)."),
        )
    if name.endswith(".spdx") or data.startswith(b"SPDXVersion:"):
        raise out.refuse("", "", _("SPDX im Tag-Value-Format wird nicht gelesen; bitte SPDX-JSON hochladen."))
    return parse_csv(data, filename)
