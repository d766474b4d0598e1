"""The tactical vocabulary (Taktische Zeichen after DV 102) and a local drawing of a symbol.

The vocabulary is read at run time from ``VERBUND_DATA_DIR/crisis/taktische_zeichen_taxonomy.json``
(labels only, derived from ``phjardas/taktische-zeichen``, MIT; see the data directory's SOURCES.md):
groups (``einheiten``, ``fachaufgaben``, ``organisationen``, ``verwaltungsstufen``, ``funktionen``,
``grundzeichen``), each a list of ``{"id", "label"}``. A symbol is named ``<group>/<id>``
(``fachaufgaben/wasserversorgung``). When the file is missing or unreadable a small built-in set of
real entries of the same vocabulary stands in, so the map still works.

:func:`svg` draws a symbol the DV 102 way, without any external image: the frame (Grundzeichen)
follows what the map object is — a unit or resource (rectangle, *taktische Formation*), a facility
(circle, *Stelle/Einrichtung*), a damage point (triangle pointing down, *Anlass/Gefahr*), an area
(dashed rectangle), a measure (triangle pointing up) —, the fill the colour of the organisation
(Feuerwehr red, THW blue, Polizei green …) or of the kind, and a short text inside (an
abbreviation of the symbol or the object's label). The SVG is a complete document (``xmlns``), every
text escaped; :func:`data_uri` gives it as a ``data:`` URL for ``<img>`` and map markers (the CSP
allows ``data:`` images).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.utils.translation import gettext_lazy

from verbund.common.data import data_dir

logger = logging.getLogger(__name__)

TAXONOMY_FILE = "crisis/taktische_zeichen_taxonomy.json"

#: the groups of the vocabulary in the order they are offered, with their German names
GROUPS: dict[str, Any] = {
    "fachaufgaben": gettext_lazy("Fachaufgaben"),
    "organisationen": gettext_lazy("Organisationen"),
    "einheiten": gettext_lazy("Einheiten"),
    "grundzeichen": gettext_lazy("Grundzeichen"),
    "verwaltungsstufen": gettext_lazy("Verwaltungsstufen"),
    "funktionen": gettext_lazy("Funktionen"),
}

#: real entries of the vocabulary (the same ids and labels as the data file), used without the file
FALLBACK: dict[str, list[tuple[str, str]]] = {
    "fachaufgaben": [
        ("brandbekaempfung", "Brandbekämpfung"),
        ("wasserversorgung", "Wasserversorgung und -förderung"),
        ("technische-hilfeleistung", "Technische Hilfeleistung"),
        ("beleuchtung", "Beleuchtung"),
        ("transport", "Transport"),
        ("rettungswesen", "Rettungswesen, Sanitätswesen, Gesundheitswesen"),
        ("betreuung", "Betreuung"),
        ("unterbringung", "Unterbringung"),
        ("logistik", "Versorgung, Logistik"),
        ("verpflegung", "Verpflegung"),
        ("versorgung-trinkwasser", "Versorgung mit Trinkwasser"),
        ("versorgung-elektrizitaet", "Versorgung mit Elektrizität"),
        ("fuehrung", "Führung, Leitung, Stab"),
        ("iuk", "Information und Kommunikation"),
        ("erkundung", "Erkundung"),
    ],
    "organisationen": [
        ("feuerwehr", "Feuerwehr"),
        ("thw", "THW"),
        ("fuehrung", "Führung"),
        ("polizei", "Polizei"),
        ("gefahrenabwehr", "Gefahrenabwehr"),
        ("hilfsorganisation", "Hilfsorganisationen"),
        ("bundeswehr", "Bundeswehr"),
        ("zivil", "Zivile Einheiten"),
    ],
    "einheiten": [("trupp", "Trupp"), ("gruppe", "Gruppe"), ("zug", "Zug")],
    "grundzeichen": [
        ("taktische-formation", "Taktische Formation"),
        ("befehlsstelle", "Befehlsstelle"),
        ("stelle", "Stelle, Einrichtung"),
        ("gebaeude", "Gebäude"),
        ("fahrzeug", "Fahrzeug"),
        ("massnahme", "Maßnahme"),
        ("anlass", "Anlass, Ereignis"),
        ("gefahr", "Gefahr"),
    ],
    "verwaltungsstufen": [
        ("gemeinde", "Gemeinde, kreisangehörige Stadt"),
        ("kreis", "Kreis, Landkreis, kreisfreie Stadt"),
    ],
    "funktionen": [("fuehrungskraft", "Führungskraft")],
}


@dataclass(frozen=True)
class Symbol:
    id: str  # "<group>/<key>"
    group: str
    key: str
    label: str


@dataclass(frozen=True)
class Vocabulary:
    symbols: dict[str, Symbol]
    #: "data_dir" (read from the file) or "builtin" (the fallback)
    source: str

    def __contains__(self, symbol_id: object) -> bool:
        return symbol_id in self.symbols

    def get(self, symbol_id: str) -> Symbol | None:
        return self.symbols.get(symbol_id)

    def grouped(self) -> list[tuple[Any, list[Symbol]]]:
        """``(group label, symbols)`` in the order of :data:`GROUPS`, then any other group."""
        order = list(GROUPS) + sorted({s.group for s in self.symbols.values()} - set(GROUPS))
        result = []
        for group in order:
            members = [s for s in self.symbols.values() if s.group == group]
            if members:
                result.append((GROUPS.get(group, group), members))
        return result


def _from_taxonomy(taxonomy: object) -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {}
    if not isinstance(taxonomy, dict):
        raise ValueError("taxonomy is not an object")
    for group, entries in taxonomy.items():
        if not isinstance(entries, list):
            raise ValueError(f"group {group} is not a list")
        for entry in entries:
            key, label = str(entry["id"]).strip(), str(entry["label"]).strip()
            if key and label:
                symbol_id = f"{group}/{key}"
                symbols[symbol_id] = Symbol(id=symbol_id, group=str(group), key=key, label=label)
    if not symbols:
        raise ValueError("taxonomy is empty")
    return symbols


def _builtin() -> Vocabulary:
    taxonomy = {group: [{"id": k, "label": v} for k, v in entries] for group, entries in FALLBACK.items()}
    return Vocabulary(symbols=_from_taxonomy(taxonomy), source="builtin")


_cache: dict[tuple[str, float], Vocabulary] = {}


def vocabulary() -> Vocabulary:
    """The vocabulary of the data directory (re-read when the file changes), else the built-in one."""
    path = Path(data_dir()) / TAXONOMY_FILE
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return _builtin()
    key = (str(path), stamp)
    if key not in _cache:
        try:
            with path.open(encoding="utf-8") as handle:
                data = json.load(handle)
            symbols = _from_taxonomy(data.get("taxonomy") if isinstance(data, dict) else None)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("taktische Zeichen: %s unlesbar (%s); eingebaute Auswahl", path, exc)
            return _builtin()
        _cache.clear()
        _cache[key] = Vocabulary(symbols=symbols, source="data_dir")
    return _cache[key]


def is_known(symbol_id: str) -> bool:
    return symbol_id in vocabulary()


def label(symbol_id: str) -> str:
    """The German label of a symbol ("" for none, the id itself for one no longer in the vocabulary)."""
    if not symbol_id:
        return ""
    symbol = vocabulary().get(symbol_id)
    return symbol.label if symbol else symbol_id


# --- drawing ----------------------------------------------------------------------------------------

#: colours of the organisations after DV 102
ORGANISATION_COLOURS = {
    "feuerwehr": "#e30613",
    "thw": "#003399",
    "polizei": "#13a538",
    "fuehrung": "#ffed00",
    "gefahrenabwehr": "#f18700",
    "hilfsorganisation": "#ffffff",
    "bundeswehr": "#8c8c5a",
    "zivil": "#ffed00",
}

#: frame and colour by the kind of map object (values of FeatureKind)
KIND_STYLE: dict[str, tuple[str, str]] = {
    "kraft": ("unit", "#ffffff"),
    "einrichtung": ("facility", "#ffed00"),
    "schaden": ("damage", "#ffffff"),
    "gebiet": ("area", "#fde6c8"),
    "sonstiges": ("measure", "#ffffff"),
}

#: the frame a Grundzeichen of the vocabulary asks for
GRUNDZEICHEN_FRAME = {
    "taktische-formation": "unit",
    "befehlsstelle": "command",
    "stelle": "facility",
    "ortsfeste-stelle": "facility",
    "gebaeude": "building",
    "massnahme": "measure",
    "anlass": "damage",
    "gefahr": "hazard",
    "gefahr-vermutet": "hazard",
    "gefahr-akut": "hazard",
}

#: the short texts of common symbols (as written inside the frame on paper maps)
ABBREVIATIONS = {
    "fachaufgaben/brandbekaempfung": "Brand",
    "fachaufgaben/wasserversorgung": "W",
    "fachaufgaben/technische-hilfeleistung": "TH",
    "fachaufgaben/beleuchtung": "Bel",
    "fachaufgaben/transport": "Trsp",
    "fachaufgaben/rettungswesen": "San",
    "fachaufgaben/betreuung": "Btr",
    "fachaufgaben/unterbringung": "Unt",
    "fachaufgaben/logistik": "Log",
    "fachaufgaben/verpflegung": "Vpf",
    "fachaufgaben/versorgung-trinkwasser": "TW",
    "fachaufgaben/versorgung-elektrizitaet": "Strom",
    "fachaufgaben/fuehrung": "Fü",
    "fachaufgaben/iuk": "IuK",
    "fachaufgaben/erkundung": "Erk",
    "organisationen/feuerwehr": "FW",
    "organisationen/thw": "THW",
    "organisationen/polizei": "POL",
    "organisationen/bundeswehr": "BW",
    "organisationen/hilfsorganisation": "HiOrg",
    "verwaltungsstufen/gemeinde": "Gem",
    "verwaltungsstufen/kreis": "Kreis",
}

WIDTH, HEIGHT = 60, 40
_STROKE = "#131525"
_DAMAGE_STROKE = "#c00000"


def frame_of(symbol_id: str, kind: str) -> str:
    group, _, key = symbol_id.partition("/")
    if group == "grundzeichen" and key in GRUNDZEICHEN_FRAME:
        return GRUNDZEICHEN_FRAME[key]
    return KIND_STYLE.get(kind, ("measure", "#ffffff"))[0]


def colour_of(symbol_id: str, kind: str) -> str:
    group, _, key = symbol_id.partition("/")
    if group == "organisationen" and key in ORGANISATION_COLOURS:
        return ORGANISATION_COLOURS[key]
    return KIND_STYLE.get(kind, ("measure", "#ffffff"))[1]


def short_text(symbol_id: str, fallback: str = "") -> str:
    """The text inside the frame: the symbol's abbreviation, else the start of ``fallback`` (the
    object's label) or of the symbol's label, at most 6 characters."""
    if symbol_id in ABBREVIATIONS:
        return ABBREVIATIONS[symbol_id]
    source = fallback.strip() or label(symbol_id)
    word = source.split()[0] if source.split() else ""
    return word.rstrip(",.;:")[:6]


def _text_colour(fill: str) -> str:
    return "#ffffff" if fill.lower() in ("#e30613", "#003399", "#13a538", "#8c8c5a") else _STROKE


def _frame(frame: str, fill: str) -> str:
    w, h = WIDTH, HEIGHT
    common = f'fill="{fill}" stroke="{_STROKE}" stroke-width="2"'
    if frame == "facility":
        return f'<circle cx="{w / 2}" cy="{h / 2}" r="{h / 2 - 1.5}" {common}/>'
    if frame in ("damage", "hazard"):
        stroke = _DAMAGE_STROKE
        return (
            f'<path d="M2,2 L{w - 2},2 L{w / 2},{h - 2} Z" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{3 if frame == "hazard" else 2}"/>'
        )
    if frame == "measure":
        return f'<path d="M{w / 2},2 L{w - 2},{h - 2} L2,{h - 2} Z" {common}/>'
    if frame == "area":
        return (
            f'<rect x="2" y="2" width="{w - 4}" height="{h - 4}" fill="{fill}" stroke="{_STROKE}" '
            f'stroke-width="2" stroke-dasharray="5 3"/>'
        )
    if frame == "building":
        return f'<path d="M2,12 L{w / 2},2 L{w - 2},12 L{w - 2},{h - 2} L2,{h - 2} Z" {common}/>'
    if frame == "command":
        return (
            f'<rect x="6" y="2" width="{w - 8}" height="{h - 12}" {common}/>'
            f'<path d="M6,2 V{h - 1}" stroke="{_STROKE}" stroke-width="2"/>'
        )
    return f'<rect x="2" y="2" width="{w - 4}" height="{h - 4}" {common}/>'


def svg(symbol_id: str = "", kind: str = "", text: str | None = None, *, title: str = "") -> str:
    """The symbol as an SVG document (60 × 40): frame by kind or Grundzeichen, colour, short text."""
    frame = frame_of(symbol_id, kind)
    fill = colour_of(symbol_id, kind)
    inside = short_text(symbol_id) if text is None else text.strip()[:6]
    y = HEIGHT / 2 + 4
    if frame in ("damage", "hazard"):
        y = HEIGHT / 2 - 2
    elif frame in ("measure", "building"):
        y = HEIGHT / 2 + 8
    size = 11 if len(inside) > 3 else 13
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(_frame(frame, fill))
    if inside:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{y}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-size="{size}" font-weight="bold" fill="{_text_colour(fill)}">{escape(inside)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def data_uri(symbol_id: str = "", kind: str = "", text: str | None = None) -> str:
    """:func:`svg` as a ``data:image/svg+xml`` URL."""
    return "data:image/svg+xml;charset=utf-8," + quote(svg(symbol_id, kind, text), safe="")
