"""Legal status of bodies that the GV100AD does not carry (pure: no Django).

The directory marks a town as "Stadt" but not as *große kreisangehörige Stadt*; in Rheinland-Pfalz
that status moves the supervision from the Kreisverwaltung to the Aufsichts- und
Dienstleistungsdirektion (ADD), which matters for every Zweckvereinbarung a town concludes. The list
is therefore kept here, by AGS, with its legal source, and read through
:func:`is_grosse_kreisangehoerige_stadt` (the registry's ``Body`` has the same as a property).
"""

from __future__ import annotations

#: The große kreisangehörige Städte of Rheinland-Pfalz by AGS (Gemeindeschlüssel, GV100AD 30.11.2025).
GROSSE_KREISANGEHOERIGE_STAEDTE_RLP: dict[str, str] = {
    "07137003": "Andernach",
    "07133006": "Bad Kreuznach",
    "07339005": "Bingen am Rhein",
    "07134045": "Idar-Oberstein",
    "07339030": "Ingelheim am Rhein",
    "07141075": "Lahnstein",
    "07137068": "Mayen",
    "07138045": "Neuwied",
}

#: Where the status and its consequence come from (shown with the derived supervisory authority).
GROSSE_KREISANGEHOERIGE_STADT_SOURCE = (
    "§ 6 Abs. 1 GemO Rheinland-Pfalz (Erklärung zur großen kreisangehörigen Stadt) und "
    "§ 118 Abs. 1 GemO (Aufsicht über die großen kreisangehörigen Städte durch die ADD)"
)


def is_grosse_kreisangehoerige_stadt(ags: str | None) -> bool:
    """Whether the Gemeinde with this AGS is a große kreisangehörige Stadt (RLP; the list above)."""
    return bool(ags) and ags in GROSSE_KREISANGEHOERIGE_STAEDTE_RLP
