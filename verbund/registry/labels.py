"""Readable German labels of bodies (pure: no Django): "Verbandsgemeinde Landstuhl", "Stadt Mainz",
"Landkreis Kusel", "Donnersbergkreis". Used by every part that names a body in a sentence, a list or a
letter; other parts reach it through :mod:`verbund.registry.selectors`."""

from __future__ import annotations

_PREFIXES = {
    "verbandsgemeinde": "Verbandsgemeinde",
    "amt": "Amt",
    "samtgemeinde": "Samtgemeinde",
    "verwaltungsgemeinschaft": "Verwaltungsgemeinschaft",
    "verwaltungsverband": "Verwaltungsverband",
    "ortsgemeinde": "Ortsgemeinde",
    "verbandsfreie_gemeinde": "Gemeinde",
    "land": "Land",
}
_CITY_SUFFIXES = ("Stadt", "kreisfreie Stadt", "große kreisangehörige Stadt", "Große Kreisstadt")


def kreis_label(name: str) -> str:
    """ "Landkreis Kaiserslautern", but "Donnersbergkreis" (the name says it already)."""
    return name if "kreis" in name.lower() else f"Landkreis {name}"


def body_label(kind: str, name: str) -> str:
    """A readable German label: "Verbandsgemeinde Landstuhl", "Stadt Mainz", "Landkreis Kusel"."""
    base, sep, suffix = name.rpartition(", ")
    if sep and suffix in _CITY_SUFFIXES:
        return f"Stadt {base}"
    if kind in ("landkreis", "kreis"):
        return kreis_label(name)
    prefix = _PREFIXES.get(kind)
    if prefix and not name.startswith(prefix):
        return f"{prefix} {name}"
    return name


#: The Länder by their two-digit key.
STATE_NAMES = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}


def state_name(state: str) -> str:
    """ "07" → "Rheinland-Pfalz" (the key itself when it is no Land's)."""
    return STATE_NAMES.get(state, state)
