"""Audit entries as German sentences: who did what, and what changed, in words a clerk reads.

An entry becomes :class:`EntryView`: the sentence of its declared action
(:meth:`~verbund.audit.actions.AuditAction.render`), the German name of the object type, and one
line per change, ``Feld: alt → neu``. Field names are the model field's ``verbose_name`` where the
object type names a model that has the field, else the label a part declared next to its actions
(:func:`verbund.audit.actions.audit_labels`), else a German word from :data:`FIELD_WORDS`, else a
humanised name, which the line flags (:attr:`ChangeLine.unlabelled`) so a test can find keys that
nobody named. Values are German: dates ``03.12.2026``, moments ``03.12.2026, 14:05 Uhr`` in
Europe/Berlin, numbers ``1.234,5``, ``Ja``/``Nein``, ``leer`` for nothing, the label of a choice
value, lists joined with commas, a nested mapping as ``Bezeichnung: Wert`` with its keys labelled
the same way. Years (keys like ``year``/``jahr``/``years``, and the keys of a per-year mapping) keep
their digits: ``2026``, never ``2.026``. No raw key and no Python dict or list reaches a page.

Labels, sentences and words are German msgids, translated here, where they are shown (the entry
stores codes, keys and values); numbers and dates keep the German notation in every language.

Pure presentation: no queries (the model metadata is read from the app registry, cached).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from verbund.common.german import format_date, format_datetime, format_number
from verbund.common.i18n import gettext as _
from verbund.common.i18n import gettext_noop

from .actions import ACTIONS, AUDIT_LABELS, AUDIT_VALUE_LABELS
from .models import AuditEntry

BERLIN = ZoneInfo("Europe/Berlin")
EMPTY = gettext_noop("leer")

#: German words for change keys that are no model field (or whose model is unknown).
FIELD_WORDS: dict[str, str] = {
    "amount": gettext_noop("Betrag"),
    "annual_cost": gettext_noop("Jahreskosten"),
    "body": gettext_noop("Körperschaft"),
    "budget": gettext_noop("Budget"),
    "count": gettext_noop("Anzahl"),
    "created": gettext_noop("angelegt"),
    "demo": gettext_noop("Demodaten"),
    "email": gettext_noop("E-Mail-Adresse"),
    "error": gettext_noop("Fehler"),
    "file": gettext_noop("Datei"),
    "first_name": gettext_noop("Vorname"),
    "from": gettext_noop("von"),
    "from_date": gettext_noop("seit"),
    "hint": gettext_noop("Kennung"),
    "is_active": gettext_noop("aktiv"),
    "is_example": gettext_noop("Beispiel"),
    "is_published": gettext_noop("veröffentlicht"),
    "item": gettext_noop("Position"),
    "items": gettext_noop("Positionen"),
    "joined_on": gettext_noop("Beitritt am"),
    "kind": gettext_noop("Art"),
    "last_name": gettext_noop("Nachname"),
    "left_on": gettext_noop("Ausscheiden am"),
    "member": gettext_noop("Mitglied"),
    "name": gettext_noop("Name"),
    "note": gettext_noop("Notiz"),
    "password": gettext_noop("Passwort"),
    "period": gettext_noop("Zeitraum"),
    "quantity": gettext_noop("Menge"),
    "reason": gettext_noop("Begründung"),
    "removed": gettext_noop("entfernt"),
    "role": gettext_noop("Rolle"),
    "rule_set": gettext_noop("Regelwerk"),
    "service": gettext_noop("Dienst"),
    "slug": gettext_noop("Kurzname"),
    "state": gettext_noop("Zustand"),
    "status": gettext_noop("Status"),
    "task": gettext_noop("Aufgabe"),
    "title": gettext_noop("Titel"),
    "to": gettext_noop("nach"),
    "total": gettext_noop("Summe"),
    "until_date": gettext_noop("bis"),
    "user": gettext_noop("Benutzerkonto"),
    "username": gettext_noop("Benutzername"),
    "version": gettext_noop("Version"),
    "year": gettext_noop("Jahr"),
}

#: Keys whose pair of values is a span (``"period": [start, end]``), shown ``von – bis``, not ``alt → neu``.
SPAN_NAMES = frozenset({"period"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_INTEGER = re.compile(r"^-?\d+$")
#: Integers that are names, not amounts: years and ids keep their digits ("2025", not "2.025").
_PLAIN_INT_NAMES = re.compile(r"(^|_)(year|jahr|id|pk|version|ars|key|code)s?$")
#: A key that is itself a year or a number (``{"2026": "1000.00"}``) is its own label.
_NUMBER_KEY = re.compile(r"^-?\d+$")
#: A key that already reads as words (``{"Antragsberechtigung": "erfüllt"}``) is its own label.
_WORDS_KEY = re.compile(r"^(?:[A-ZÄÖÜ]\S*|\S+ \S.*)$")


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: the change names one value, not a pair
    new: str
    #: change keys (also nested ones) that no model field, part or word list names: shown humanised
    unlabelled: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    sentence: str
    object_type_label: str
    changes: tuple[ChangeLine, ...]
    #: the alliance and/or body the entry concerns, named (filled in by the page)
    scope: str = ""

    @property
    def at_text(self) -> str:
        return format_datetime(self.entry.at.astimezone(BERLIN))

    @property
    def changes_text(self) -> str:
        return "; ".join(str(line) for line in self.changes)


# --- models and fields ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _model(object_type: str) -> type[models.Model] | None:
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(object_type: str, name: str) -> models.Field | None:
    model = _model(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def humanize(name: str) -> str:
    """``"annual_cost"`` → the German word if known, else ``"Annual cost"``."""
    label = known_label(name)
    if label is not None:
        return label
    words = str(name).replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:] if words else _("Angabe")


def known_label(name: str) -> str | None:
    """The German label a part declared for ``name``, or a word of :data:`FIELD_WORDS`, or ``None``."""
    if name in AUDIT_LABELS:
        return _(str(AUDIT_LABELS[name]))
    if name in FIELD_WORDS:
        return _(FIELD_WORDS[name])
    if _NUMBER_KEY.match(name):
        return name
    if _WORDS_KEY.match(name):
        return _(name)  # a German word written as the key: translated if a catalogue knows it
    return None


def object_type_label(object_type: str) -> str:
    """``"alliances.alliance"`` → ``"Verbund"`` (the model's German verbose name)."""
    model = _model(object_type)
    if model is not None:
        # lazily translated names come out in the active language; a plain German one is looked up
        return _(str(model._meta.verbose_name))
    tail = object_type.rsplit(".", 1)[-1] if object_type else ""
    return humanize(tail) if tail else _("Objekt")


def field_label(object_type: str, name: str) -> str:
    """The German name of the field ``name`` of ``object_type``."""
    return label_of(object_type, name)[0]


def label_of(object_type: str, name: str) -> tuple[str, bool]:
    """``(label, known)``: the German name of ``name``; ``known`` is false for the humanised fallback."""
    field = _field(object_type, name)
    if field is not None and field.verbose_name:
        label = str(field.verbose_name)
        # Django's automatic verbose name is the attribute name with blanks: no German word.
        if label != name.replace("_", " "):
            return label[:1].upper() + label[1:], True
    known = known_label(name)
    if known is not None:
        return known, True
    return humanize(name), False


# --- values --------------------------------------------------------------------------------------


def _choice_label(field: models.Field | None, value: Any) -> str | None:
    if field is None or not field.choices:
        return None
    for key, label in field.flatchoices:
        if key == value or str(key) == str(value):
            return _(str(label))
    return None


def format_value(value: Any, *, field: models.Field | None = None, name: str = "") -> str:
    """One value of a change, German."""
    return _format(value, field=field, name=name, unlabelled=[])


def _format(
    value: Any, *, field: models.Field | None, name: str, unlabelled: list[str], object_type: str = ""
) -> str:
    label = _choice_label(field, value)
    if label is not None:
        return label
    if isinstance(value, str) and value in AUDIT_VALUE_LABELS.get(name, {}):
        return _(AUDIT_VALUE_LABELS[name][value])
    if value is None or value == "":
        return _(EMPTY)
    if isinstance(value, bool):
        return _("Ja") if value else _("Nein")
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return format_datetime(moment.astimezone(BERLIN))
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dict):
        if not value:
            return _(EMPTY)
        parts = []
        for key, item in value.items():
            key_label, known = label_of(object_type, str(key))
            if not known:
                unlabelled.append(str(key))
            text = _format(
                item,
                field=_field(object_type, str(key)),
                name=str(key),
                unlabelled=unlabelled,
                object_type=object_type,
            )
            if isinstance(item, dict) and len(item) > 1:
                text = f"({text})"
            parts.append(f"{key_label}: {text}")
        return "; ".join(parts)
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            return _(EMPTY)
        return ", ".join(
            _format(v, field=field, name=name, unlabelled=unlabelled, object_type=object_type) for v in value
        )
    if isinstance(value, int | Decimal | float):
        return _number(value, field=field, name=name)
    text = str(value)
    if _DATETIME.match(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return format_value(moment)
    if _DATE.match(text):
        try:
            return format_date(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if isinstance(field, models.DecimalField) and _INTEGER.match(text):
        return format_number(Decimal(text), field.decimal_places)
    if _DECIMAL.match(text):
        places = field.decimal_places if isinstance(field, models.DecimalField) else len(text.split(".")[1])
        try:
            return format_number(Decimal(text), places)
        except InvalidOperation:  # pragma: no cover - the pattern is a decimal
            return text
    return text


def _number(value: int | Decimal | float, *, field: models.Field | None, name: str) -> str:
    if isinstance(field, models.ForeignKey | models.AutoField | models.BigAutoField):
        return str(value)
    if isinstance(value, int) and _PLAIN_INT_NAMES.search(name.lower()):
        return str(value)
    places = field.decimal_places if isinstance(field, models.DecimalField) else None
    return format_number(value, places)


def change_lines(object_type: str, changes: Any) -> tuple[ChangeLine, ...]:
    """``{"field": [old, new]}`` or ``{"field": value}`` → German lines."""
    if changes in (None, "", {}, []):
        return ()
    if not isinstance(changes, dict):
        unlabelled: list[str] = []
        text = _format(changes, field=None, name="", unlabelled=unlabelled)
        return (ChangeLine(label=_("Angaben"), old=None, new=text, unlabelled=tuple(unlabelled)),)
    lines = []
    for name, value in changes.items():
        key = str(name)
        field = _field(object_type, key)
        label, known = label_of(object_type, key)
        unlabelled = [] if known else [key]
        if isinstance(value, list) and len(value) == 2:
            old, new = (
                _format(v, field=field, name=key, unlabelled=unlabelled, object_type=object_type)
                for v in value
            )
            if key in SPAN_NAMES:
                # a span ("von – bis"), not a change
                lines.append(
                    ChangeLine(label=label, old=None, new=f"{old} – {new}", unlabelled=tuple(unlabelled))
                )
            else:
                lines.append(ChangeLine(label=label, old=old, new=new, unlabelled=tuple(unlabelled)))
        else:
            new = _format(value, field=field, name=key, unlabelled=unlabelled, object_type=object_type)
            lines.append(ChangeLine(label=label, old=None, new=new, unlabelled=tuple(unlabelled)))
    return tuple(lines)


def actor_text(entry: AuditEntry) -> str:
    return entry.actor_label or _("System")


def sentence(entry: AuditEntry) -> str:
    """``"erika hat den Verbund „Cyber“ angelegt."`` (an undeclared old action: a neutral sentence)."""
    action = ACTIONS.get(entry.action)
    if action is not None:
        return action.render(actor=actor_text(entry), object_repr=entry.object_repr)
    what = object_type_label(entry.object_type)
    obj = f" „{entry.object_repr}“" if entry.object_repr else ""
    return _("%(actor)s hat %(what)s%(object)s bearbeitet.") % {
        "actor": actor_text(entry),
        "what": what,
        "object": obj,
    }


def present(entry: AuditEntry) -> EntryView:
    return EntryView(
        entry=entry,
        sentence=sentence(entry),
        object_type_label=object_type_label(entry.object_type),
        changes=change_lines(entry.object_type, entry.changes),
    )
