"""The default texts of a grant notice template and the checks of what an authority writes into one
(no Django).

A programme's notice template (:class:`verbund.funding.models.NoticeTemplate`) starts from these
defaults; the funding authority edits every text in Verbund. The defaults for Rhineland-Palatinate
(Land ``07``) name the Aufsichts- und Dienstleistungsdirektion (ADD) in Trier, which handles the IKZ
funding (add.rlp.de/themen/foerderungen/ikz); for other Länder the sender is left empty, so that no
notice is issued before the authority has entered its own letterhead.

The Rechtsbehelfsbelehrung follows §§ 58, 68–70 VwGO with the Landesgesetz zur Ausführung der VwGO
(AGVwGO) of Rhineland-Palatinate, which keeps the objection procedure (Widerspruchsverfahren): an
objection within one month of notification, in writing, electronically (§ 3a Abs. 2 VwVfG, applied
through § 1 LVwVfG) or on record at the authority that issued the notice. ``{behoerde}`` and
``{anschrift}`` in a text are replaced by the authority's name and address of the same template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verbund.common.i18n import gettext_noop

#: Placeholders an authority may use in its texts, replaced from the letterhead.
PLACEHOLDERS = ("{behoerde}", "{anschrift}")

DEFAULT_LEGAL_REMEDY = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben "
    "werden. Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 des "
    "Verwaltungsverfahrensgesetzes oder zur Niederschrift bei der {behoerde}, {anschrift}, zu erheben."
)

DEFAULT_LEGAL_BASIS = (
    "Die Zuwendung wird auf der Grundlage der §§ 23 und 44 der Landeshaushaltsordnung mit den dazu "
    "erlassenen Verwaltungsvorschriften und der Bestimmungen des Förderprogramms gewährt. Ein "
    "Rechtsanspruch auf die Zuwendung besteht nicht; die Bewilligungsbehörde entscheidet nach "
    "pflichtgemäßem Ermessen im Rahmen der verfügbaren Haushaltsmittel."
)

DEFAULT_CONDITIONS = (
    "1. Die Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung an kommunale "
    "Gebietskörperschaften (ANBest-K) sind Bestandteil dieses Bescheids.\n"
    "2. Die Zuwendung ist zweckgebunden für das bewilligte Vorhaben zu verwenden.\n"
    "3. Die Mittel dürfen nur insoweit abgerufen werden, als sie innerhalb von zwei Monaten nach der "
    "Auszahlung für fällige Zahlungen benötigt werden.\n"
    "4. Der Verwendungsnachweis ist innerhalb von sechs Monaten nach Ende des Bewilligungszeitraums "
    "vorzulegen (Sachbericht und zahlenmäßiger Nachweis nach Kostenarten).\n"
    "5. Ergibt der Verwendungsnachweis geringere zuwendungsfähige Ausgaben, ermäßigt sich die "
    "Zuwendung; zu viel gezahlte Beträge sind zu erstatten.\n"
    "6. Zuwendungen über 1.000 EUR werden auf der Transparenzplattform des Landes veröffentlicht."
)


@dataclass(frozen=True)
class Letterhead:
    """Who sends the notice by default (empty: the authority must enter it first)."""

    authority_name: str = ""
    authority_unit: str = ""
    address: str = ""
    contact: str = ""


#: Default senders by Land key (public sources only).
LETTERHEADS = {
    "07": Letterhead(
        authority_name="Aufsichts- und Dienstleistungsdirektion",
        authority_unit="Förderung der interkommunalen Zusammenarbeit",
        address="Willy-Brandt-Platz 3\n54290 Trier",
        contact="Internet: add.rlp.de",
    ),
}


def letterhead_for(state: str) -> Letterhead:
    return LETTERHEADS.get(state, Letterhead())


# --- Checks of what the authority writes ------------------------------------------------------------

#: Marks of an unfinished text that a notice must never carry: bracketed placeholders like the old
#: "[Vorlage – von der Bewilligungsbehörde zu ergänzen]", unknown {fields} (only {behoerde} and
#: {anschrift} are filled in) and fill-in markers. An edit containing one is refused.
_LEFTOVER = re.compile(
    r"\[[^\]\n]*\]|\{(?!behoerde\}|anschrift\})[^}\n]*\}|BITTE AUSFÜLLEN|zu ergänzen|TODO|XXX",
    re.IGNORECASE,
)
_POSTCODE_LINE = re.compile(r"^\d{5}\s+\S")


def leftovers(text: str) -> list[str]:
    """Placeholders or template marks left in ``text`` (``[…]``, unknown ``{…}``, "zu ergänzen")."""
    return [m.group(0) for m in _LEFTOVER.finditer(text)]


def lines(text: str) -> list[str]:
    """The non-empty, stripped lines of ``text``."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def address_problem(address: str) -> str:
    """Why ``address`` is no German postal address (empty string: it is one; the reason is marked for
    the catalogue and translated where it is shown)."""
    rows = lines(address)
    if len(rows) < 2 or not _POSTCODE_LINE.match(rows[-1]):
        return gettext_noop(
            "Die Anschrift braucht Straße und Hausnummer (oder Postfach) und in der letzten Zeile "
            "Postleitzahl und Ort, z. B. „54290 Trier“."
        )
    return ""


def legal_remedy_problem(text: str) -> str:
    """Why ``text`` is no usable Rechtsbehelfsbelehrung (empty string: it is one)."""
    if not text.strip():
        return gettext_noop("Die Rechtsbehelfsbelehrung darf nicht leer sein.")
    if not re.search(r"Widerspruch|Klage", text):
        return gettext_noop(
            "Die Rechtsbehelfsbelehrung muss den Rechtsbehelf nennen (Widerspruch oder Klage)."
        )
    if not re.search(r"Monat|Woche|\bTag", text):
        return gettext_noop(
            "Die Rechtsbehelfsbelehrung muss die Frist nennen (z. B. „innerhalb eines Monats“)."
        )
    return ""


def fill(text: str, *, authority_name: str, address: str) -> str:
    """``text`` with ``{behoerde}`` and ``{anschrift}`` replaced (the address on one line)."""
    return text.replace("{behoerde}", authority_name).replace("{anschrift}", ", ".join(lines(address)))
