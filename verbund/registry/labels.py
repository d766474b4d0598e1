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
