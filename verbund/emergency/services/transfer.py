"""Export of a whole event (Schadenslage) and its import into another Verbund instance (offline work,
handing an event over to another staff or installation).

The format
==========
One JSON document (UTF-8, optionally gzip-compressed), described by the JSON Schema
``verbund/emergency/schemas/event_export.schema.json``: ``format`` (:data:`FORMAT`), ``version``
(:data:`VERSION`), ``exported_at``, ``source`` (the instance, :func:`instance_name`, and the event's id
there), ``event`` (title, description, exercise, level, status, times, centre, report interval, the
staff's name and its body's ARS), ``log`` (every field the hash chain covers, with ``prev_hash`` and
``hash``; a correction names the corrected entry by its ``seq``), ``messages`` (people by name),
``tasks`` (the message by its number; the owner as function and name), ``features`` (every version of
every object of the map) and ``reports``. Times are ISO 8601 with the offset of the local time zone.

Decisions
=========
* **Export**: whoever sees the event (:func:`~verbund.emergency.policies.sees_event`); audited. The
  document is written piece by piece to a file (rows read with ``values_list(...).iterator()``), so an
  event with 100,000 entries needs no more memory than one chunk of rows. The log is exported up to
  the entry that was the last one when the export began.
* **Import**: into a staff of this instance that the importer leads
  (:func:`~verbund.emergency.policies.leads_staff`): 404 for a staff they do not see, 403 for one they
  see but do not lead, as everywhere in the part. The file is checked first: JSON, ``format``,
  ``version``, the schema (an error names its place, ``log[17].hash``), the source's hash chain
  recomputed with the source's event id (:mod:`verbund.emergency.chain`; a changed entry is refused
  with its number), references (a correction to an earlier entry, a task to an existing message), the
  validity of the map objects. Then, in one transaction (all or nothing): the event with ``source``
  (instance, event id, title, exported at, entries, last hash, imported at and by), the entries with
  their authors' names, times, functions, categories, texts and corrections and a **new** chain for the
  new event, a final entry "Importiert aus …" naming the source's last hash, the messages with their
  numbers, the tasks, the map objects with **fresh uids** (each old uid mapped to one new uid, so one
  file can be imported twice) and the situation reports; rows are written in batches.
* **People** are not carried over (accounts are local to an instance): their names stay in the log
  (the chain covers them) and in the texts; the person fields of messages, tasks, objects and reports
  stay empty. Positions, alerts, shifts and mutual aid are not part of the export.
* The imported event keeps the status of the source (an open event can be worked on here); nobody is
  alerted.
"""

from __future__ import annotations

import gzip
import itertools
import json
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Forbidden, ImportFileError

from .. import audit_actions, chain
from ..models import (
    Event,
    LogCategory,
    LogEntry,
    MapFeature,
    Message,
    SituationReport,
    Staff,
    StaffFunction,
    Task,
)
from ..policies import leads_staff, person_name
from . import log as log_services
from .situation import geometry_errors
from .staffs import LEAD_REFUSAL, get_staff

#: the ``format`` of the document
FORMAT = "verbund.emergency.event"
#: the ``version`` this instance writes and reads
VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "event_export.schema.json"
#: the largest document read (after decompression)
MAX_BYTES = 512 * 1024 * 1024
_CHUNK = 2000
_BATCH = 1000
_GZIP_MAGIC = b"\x1f\x8b"
_SCHEMA_ERRORS = 50


def instance_name() -> str:
    """How this instance names itself in an export: ``VERBUND_INSTANCE_NAME``, else ``SITE_URL``."""
    name = getattr(settings, "VERBUND_INSTANCE_NAME", "") or getattr(settings, "SITE_URL", "")
    return str(name or "Verbund")


def _time(value: datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def _german(text: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text() if callable(text) else text)


# --- export ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    event: Event
    entries: int
    filename: str


def filename(event: Event, *, compressed: bool = False, now: datetime | None = None) -> str:
    """``lage-<id>-<UTC time>.json`` (``.json.gz`` compressed)."""
    moment = (now or timezone.now()).astimezone(UTC)
    return f"lage-{event.pk}-{moment:%Y%m%dT%H%M%SZ}.json" + (".gz" if compressed else "")


def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {user.pk: person_name(user) for user in get_user_model().objects.filter(pk__in=ids)}


def _event_part(event: Event) -> dict[str, Any]:
    staff = event.staff
    opened_by = _names([event.opened_by_id]).get(event.opened_by_id or 0, "")
    return {
        "title": event.title,
        "description": event.description,
        "exercise": event.exercise,
        "level": event.level,
        "status": event.status,
        "opened_at": _time(event.opened_at),
        "closed_at": _time(event.closed_at),
        "opened_by": opened_by,
        "center_lat": event.center_lat,
        "center_lon": event.center_lon,
        "report_interval_minutes": event.report_interval_minutes,
        "staff": {
            "name": staff.name,
            "body_ars": staff.body.ars if staff.body_id and staff.body else None,
            "alliance": staff.alliance.name if staff.alliance_id and staff.alliance else None,
        },
    }


def _log_rows(event: Event, last_seq: int) -> Iterator[dict[str, Any]]:
    for row in log_services.stored_rows(event.pk, last_seq=last_seq):
        row["occurred_at"] = _time(row["occurred_at"])
        row["entered_at"] = _time(row["entered_at"])
        yield row


def _message_rows(event: Event) -> list[dict[str, Any]]:
    rows = list(Message.objects.filter(event=event).order_by("number").values())
    names = _names(
        itertools.chain.from_iterable(
            (r["author_id"], r["screened_by_id"], r["answered_by_id"]) for r in rows
        )
    )
    return [
        {
            "number": r["number"],
            "direction": r["direction"],
            "priority": r["priority"],
            "sender": r["sender"],
            "recipient": r["recipient"],
            "subject": r["subject"],
            "text": r["text"],
            "author": names.get(r["author_id"], ""),
            "author_function": r["author_function"],
            "place": r["place"],
            "latitude": r["latitude"],
            "longitude": r["longitude"],
            "written_at": _time(r["written_at"]),
            "state": r["state"],
            "screened_by": names.get(r["screened_by_id"], ""),
            "screened_at": _time(r["screened_at"]),
            "screening_note": r["screening_note"],
            "assigned_to": list(r["assigned_to"] or []),
            "assigned_at": _time(r["assigned_at"]),
            "answer": r["answer"],
            "answered_by": names.get(r["answered_by_id"], ""),
            "answered_at": _time(r["answered_at"]),
            "closed_at": _time(r["closed_at"]),
        }
        for r in rows
    ]


_TASK_FIELDS = (
    "message__number",
    "title",
    "details",
    "owner_function",
    "owner_id",
    "due_at",
    "state",
    "done_at",
    "created_by_id",
    "created_at",
)


def _task_rows(event: Event) -> list[dict[str, Any]]:
    rows = list(Task.objects.filter(event=event).order_by("created_at", "pk").values(*_TASK_FIELDS))
    names = _names(itertools.chain.from_iterable((r["owner_id"], r["created_by_id"]) for r in rows))
    return [
        {
            "message": r["message__number"],
            "title": r["title"],
            "details": r["details"],
            "owner_function": r["owner_function"],
            "owner": names.get(r["owner_id"], ""),
            "due_at": _time(r["due_at"]),
            "state": r["state"],
            "done_at": _time(r["done_at"]),
            "created_by": names.get(r["created_by_id"], ""),
            "created_at": _time(r["created_at"]),
        }
        for r in rows
    ]


def _feature_rows(event: Event) -> Iterator[dict[str, Any]]:
    rows = MapFeature.objects.filter(event=event).order_by("valid_from", "pk")
    names = _names(rows.values_list("created_by_id", flat=True).distinct())
    for r in rows.values(
        "uid", "kind", "symbol", "label", "note", "geometry", "valid_from", "valid_to", "created_by_id"
    ).iterator(chunk_size=_CHUNK):
        yield {
            "uid": str(r["uid"]),
            "kind": r["kind"],
            "symbol": r["symbol"],
            "label": r["label"],
            "note": r["note"],
            "geometry": r["geometry"],
            "valid_from": _time(r["valid_from"]),
            "valid_to": _time(r["valid_to"]),
            "created_by": names.get(r["created_by_id"], ""),
        }


def _report_rows(event: Event) -> Iterator[dict[str, Any]]:
    rows = SituationReport.objects.filter(event=event).order_by("number")
    names = _names(rows.values_list("created_by_id", flat=True).distinct())
    for r in rows.values("number", "as_of", "generated_at", "content", "text", "created_by_id").iterator(
        chunk_size=_CHUNK
    ):
        yield {
            "number": r["number"],
            "as_of": _time(r["as_of"]),
            "generated_at": _time(r["generated_at"]),
            "content": r["content"] or {},
            "text": r["text"],
            "created_by": names.get(r["created_by_id"], ""),
        }


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write_array(out: IO[bytes], name: str, rows: Iterable[Mapping[str, Any]]) -> int:
    out.write(b',\n"' + name.encode("ascii") + b'":[')
    count = 0
    for row in rows:
        out.write((b",\n" if count else b"\n") + _dumps(row))
        count += 1
    out.write(b"]")
    return count


def write_document(event: Event, out: IO[bytes], *, now: datetime | None = None) -> int:
    """Write the export of ``event`` to ``out`` (no authorisation; see :func:`event_export`). Returns
    the number of log entries written."""
    last_seq = (
        LogEntry.objects.filter(event=event).order_by("-seq").values_list("seq", flat=True).first() or 0
    )
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _time(now or timezone.now()),
        "source": {"instance": instance_name(), "event_id": event.pk},
        "event": _event_part(event),
    }
    out.write(_dumps(head)[:-1])  # the object stays open for the lists
    entries = _write_array(out, "log", _log_rows(event, last_seq))
    _write_array(out, "messages", _message_rows(event))
    _write_array(out, "tasks", _task_rows(event))
    _write_array(out, "features", _feature_rows(event))
    _write_array(out, "reports", _report_rows(event))
    out.write(b"\n}\n")
    return entries


def event_export(*, actor: Actor, event_id: int, out: IO[bytes], compressed: bool = False) -> Exported:
    """Write the export of an event the actor sees (else :class:`NotFound`) to ``out`` and audit it."""
    principal = authorize(actor)
    event = log_services.get_event(principal, event_id)
    event = Event.objects.select_related("staff", "staff__body", "staff__alliance").get(pk=event.pk)
    now = timezone.now()
    if compressed:
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=int(now.timestamp())) as packed:
            entries = write_document(event, packed, now=now)  # type: ignore[arg-type]
    else:
        entries = write_document(event, out, now=now)
    audit_record(
        actor=actor,
        action=audit_actions.EVENT_EXPORT,
        target=event,
        object_repr=log_services.audit_repr(event),
        body=event.staff.body_id,
        alliance=event.staff.alliance_id,
        changes={"Einträge": entries, "Komprimiert": compressed},
    )
    return Exported(event=event, entries=entries, filename=filename(event, compressed=compressed, now=now))


# --- reading and checking a document ---------------------------------------------------------------


def _refuse(message: str, *, where: str = "", name: str = "") -> ImportFileError:
    return ImportFileError(message, path=name, field=where)


def read_document(data: bytes, *, name: str = "") -> Any:
    """The parsed JSON of ``data`` (gzip-compressed or not), or :class:`ImportFileError`."""
    if data[:2] == _GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, MAX_BYTES + 1)
        except zlib.error as error:
            raise _refuse(
                _("Die gzip-Datei ist beschädigt (%(error)s).") % {"error": error}, name=name
            ) from None
        if len(data) > MAX_BYTES or inflater.unconsumed_tail:
            raise _refuse(_("Die Datei ist entpackt größer als 512 MB."), name=name)
    elif len(data) > MAX_BYTES:
        raise _refuse(_("Die Datei ist größer als 512 MB."), name=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse(
            _("Die Datei ist nicht in UTF-8 kodiert (Byte %(pos)s).") % {"pos": error.start + 1}, name=name
        ) from None
    if "\x00" in text:
        raise _refuse(_("Die Datei enthält ein Nullzeichen (U+0000)."), name=name)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("Die Datei ist kein gültiges JSON (%(error)s, Spalte %(col)s).")
            % {"error": error.msg, "col": error.colno},
            path=name,
            line=error.lineno,
        ) from None


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def json_path(parts: Iterable[Any]) -> str:
    """``["log", 17, "hash"]`` as ``log[17].hash``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_TYPES = {
    "string": gettext_noop("Text"),
    "integer": gettext_noop("ganze Zahl"),
    "number": gettext_noop("Zahl"),
    "boolean": gettext_noop("true oder false"),
    "object": gettext_noop("Objekt"),
    "array": gettext_noop("Liste"),
    "null": "null",
}


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _schema_message(error: Any) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if isinstance(value, dict) and name not in value]
        return _("Pflichtangabe „%(name)s“ fehlt.") % {"name": missing[0] if missing else "?"}
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in value if name not in known) if isinstance(value, dict) else []
        return _("Unbekanntes Feld „%(name)s“.") % {"name": ", ".join(extra)}
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        return _("Erwartet %(types)s, gefunden %(value)s.") % {
            "types": (" " + _("oder") + " ").join(_(_TYPES[t]) if t in _TYPES else str(t) for t in types),
            "value": _shown(value),
        }
    if kind == "enum":
        if set(expected) - {""} == set(StaffFunction.values):
            return _("Unbekannter Funktionscode %(value)s.") % {"value": _shown(value)}
        return _("Unzulässiger Wert %(value)s (erlaubt: %(allowed)s).") % {
            "value": _shown(value),
            "allowed": ", ".join(str(v) for v in expected),
        }
    if kind == "const":
        return _("Erwartet %(expected)s, gefunden %(value)s.") % {
            "expected": _shown(expected),
            "value": _shown(value),
        }
    if kind == "pattern":
        if "T" in expected:
            return _("%(value)s ist kein Zeitpunkt nach ISO 8601 mit Zeitzone.") % {"value": _shown(value)}
        if "{64}" in expected:
            return _("%(value)s ist kein SHA-256-Hash (64 Hexadezimalziffern).") % {"value": _shown(value)}
        return _("%(value)s hat nicht die erwartete Form.") % {"value": _shown(value)}
    if kind == "maxLength":
        return _("Der Text ist zu lang (höchstens %(max)s Zeichen).") % {"max": expected}
    if kind == "minLength":
        return _("Darf nicht leer sein.")
    if kind == "minimum":
        return _("%(value)s ist zu klein (mindestens %(min)s).") % {"value": _shown(value), "min": expected}
    if kind == "maximum":
        return _("%(value)s ist zu groß (höchstens %(max)s).") % {"value": _shown(value), "max": expected}
    if kind == "uniqueItems":
        return _("Die Liste enthält einen Wert doppelt.")
    return _("Entspricht nicht dem Schema (%(rule)s).") % {"rule": kind}


def _path_key(parts: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in parts)


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _entry_check() -> Any:
    """A fast test of one log entry that passes only what ``$defs/entry`` of the schema passes (the
    schema's patterns, lengths and codes); the log is the bulk of a document, and jsonschema takes
    some 0.25 ms per entry. An entry it does not pass is checked by the schema for the message."""
    import re

    definitions = schema()["$defs"]
    entry = definitions["entry"]
    keys = frozenset(entry["properties"])
    assert keys == frozenset(entry["required"]) and entry["additionalProperties"] is False
    time_pattern = re.compile(definitions["time"]["pattern"])
    hash_pattern = re.compile(definitions["hash"]["pattern"])
    functions = frozenset(definitions["function_or_none"]["enum"])
    categories = frozenset(entry["properties"]["category"]["enum"])
    author_max = entry["properties"]["author_name"]["maxLength"]

    def passes(row: Any) -> bool:
        return (
            isinstance(row, dict)
            and row.keys() == keys
            and _is_int(row["seq"], 1)
            and isinstance(row["occurred_at"], str)
            and time_pattern.search(row["occurred_at"]) is not None
            and isinstance(row["entered_at"], str)
            and time_pattern.search(row["entered_at"]) is not None
            and isinstance(row["author_name"], str)
            and len(row["author_name"]) <= author_max
            and isinstance(row["function"], str)
            and row["function"] in functions
            and isinstance(row["category"], str)
            and row["category"] in categories
            and isinstance(row["text"], str)
            and (row["corrects"] is None or _is_int(row["corrects"], 1))
            and isinstance(row["prev_hash"], str)
            and hash_pattern.search(row["prev_hash"]) is not None
            and isinstance(row["hash"], str)
            and hash_pattern.search(row["hash"]) is not None
        )

    return passes


def _schema_errors(document: Any) -> list[tuple[list[Any], Any]]:
    """Up to :data:`_SCHEMA_ERRORS` errors of the schema as (path, error), the log's entries checked
    fast first (:func:`_entry_check`)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, list):
        found = itertools.islice(validator.iter_errors(document), _SCHEMA_ERRORS)
        return [(list(e.absolute_path), e) for e in found]
    errors = [
        (list(e.absolute_path), e)
        for e in itertools.islice(validator.iter_errors({**document, "log": []}), _SCHEMA_ERRORS)
    ]
    passes = _entry_check()
    entry_validator = Draft202012Validator({"$defs": schema()["$defs"], "$ref": "#/$defs/entry"})
    for index, row in enumerate(log):
        if len(errors) >= _SCHEMA_ERRORS:
            break
        if not passes(row):
            errors += [(["log", index, *e.absolute_path], e) for e in entry_validator.iter_errors(row)]
    return errors


def _check_schema(document: Any, name: str) -> None:
    errors = _schema_errors(document)
    if not errors:
        return
    errors.sort(key=lambda pair: _path_key(pair[0]))
    path, first = errors[0]
    where = json_path(path) or _("(Dokument)")
    message = _schema_message(first)
    if len(errors) > 1:
        message += " " + _("(und weitere Fehler)")
    raise _refuse(message, where=where, name=name)


@dataclass
class Prepared:
    """A checked document, times parsed, ready to be written."""

    source: dict[str, Any]
    exported_at: datetime
    event: dict[str, Any]
    log: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    features: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    last_hash: str = ""


_TIMES = {
    "event": ("opened_at", "closed_at"),
    "log": ("occurred_at", "entered_at"),
    "messages": ("written_at", "screened_at", "assigned_at", "answered_at", "closed_at"),
    "tasks": ("due_at", "done_at", "created_at"),
    "features": ("valid_from", "valid_to"),
    "reports": ("as_of", "generated_at"),
}


def _parse_time(value: str, where: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(
            _("%(value)s ist kein gültiger Zeitpunkt.") % {"value": _shown(value)}, where=where, name=name
        ) from None
    if moment.tzinfo is None:  # the schema asks for an offset; kept for a document checked elsewhere
        raise _refuse(_("Der Zeitpunkt braucht eine Zeitzone."), where=where, name=name)
    return moment


def _parse_times(rows: list[dict[str, Any]], list_name: str, name: str) -> None:
    keys = _TIMES[list_name]
    for index, row in enumerate(rows):
        for key in keys:
            value = row.get(key)
            if value is not None:
                row[key] = _parse_time(value, f"{list_name}[{index}].{key}", name)


_PROBLEMS = {
    "sequence": gettext_noop("fehlende oder doppelte laufende Nummer"),
    "previous": gettext_noop("Verweis auf den vorigen Eintrag stimmt nicht"),
    "hash": gettext_noop("Inhalt wurde nach dem Eintragen verändert"),
}
_PROBLEM_FIELD = {"sequence": "seq", "previous": "prev_hash", "hash": "hash"}


def _check_chain(source_event: int, log: list[dict[str, Any]], name: str) -> None:
    def rows() -> Iterator[tuple[chain.ChainFields, str, str]]:
        for row in log:
            fields = chain.ChainFields(
                event=source_event,
                seq=row["seq"],
                occurred_at=row["occurred_at"],
                entered_at=row["entered_at"],
                author=row["author_name"],
                function=row["function"],
                category=row["category"],
                text=row["text"],
                corrects=row["corrects"],
            )
            yield fields, row["prev_hash"], row["hash"]

    checked, broken = chain.verify(rows())
    if broken is not None:
        index = checked - 1
        raise _refuse(
            _(
                "Die Hash-Kette der Quelle ist bei Eintrag Nr. %(seq)s unterbrochen (%(problem)s); "
                "die Datei wurde verändert oder ist unvollständig."
            )
            % {"seq": broken.seq, "problem": _(_PROBLEMS[broken.problem])},
            where=f"log[{index}].{_PROBLEM_FIELD[broken.problem]}",
            name=name,
        )
    for index, row in enumerate(log):
        corrects = row["corrects"]
        if corrects is not None and corrects >= row["seq"]:
            raise _refuse(
                _("Eintrag Nr. %(seq)s berichtigt Eintrag Nr. %(old)s, den es davor nicht gibt.")
                % {"seq": row["seq"], "old": corrects},
                where=f"log[{index}].corrects",
                name=name,
            )


def _unique(rows: list[dict[str, Any]], key: str, list_name: str, name: str, message: str) -> set[Any]:
    seen: set[Any] = set()
    for index, row in enumerate(rows):
        if row[key] in seen:
            raise _refuse(message % {"value": row[key]}, where=f"{list_name}[{index}].{key}", name=name)
        seen.add(row[key])
    return seen


def _check_features(features: list[dict[str, Any]], name: str) -> None:
    current: set[str] = set()
    for index, row in enumerate(features):
        where = f"features[{index}]"
        problems = geometry_errors(row["geometry"])
        if problems:
            raise _refuse(problems[0], where=f"{where}.geometry", name=name)
        if row["valid_to"] is not None and row["valid_to"] <= row["valid_from"]:
            raise _refuse(
                _("„gültig bis“ liegt nicht nach „gültig ab“."), where=f"{where}.valid_to", name=name
            )
        uid = str(uuid.UUID(row["uid"]))
        if row["valid_to"] is None:
            if uid in current:
                raise _refuse(
                    _("Das Objekt %(uid)s hat mehr als eine aktuelle Fassung.") % {"uid": uid},
                    where=f"{where}.valid_to",
                    name=name,
                )
            current.add(uid)


def check_document(document: Any, *, name: str = "") -> Prepared:
    """Check a parsed document (format, version, schema, the source's chain, references) and return it
    prepared for writing, or raise :class:`ImportFileError` naming the place of the first problem."""
    if not isinstance(document, dict):
        raise _refuse(_("Die Datei enthält kein JSON-Objekt."), name=name)
    if document.get("format") != FORMAT:
        raise _refuse(
            _("Die Datei ist kein Export einer Lage aus Verbund (erwartet „%(format)s“, gefunden %(found)s).")
            % {"format": FORMAT, "found": _shown(document.get("format"))},
            where="format",
            name=name,
        )
    if document.get("version") != VERSION:
        raise _refuse(
            _("Version %(found)s wird nicht unterstützt; diese Instanz liest Version %(version)s.")
            % {"found": _shown(document.get("version")), "version": VERSION},
            where="version",
            name=name,
        )
    _check_schema(document, name)
    event = dict(document["event"])
    for key in _TIMES["event"]:
        if event.get(key) is not None:
            event[key] = _parse_time(event[key], f"event.{key}", name)
    lists = {key: [dict(row) for row in document[key]] for key in _TIMES if key != "event"}
    for key, rows in lists.items():
        _parse_times(rows, key, name)
    exported_at = _parse_time(document["exported_at"], "exported_at", name)
    source = dict(document["source"])
    _check_chain(source["event_id"], lists["log"], name)
    numbers = _unique(
        lists["messages"], "number", "messages", name, _("Die Nachrichten-Nr. %(value)s kommt doppelt vor.")
    )
    for index, task in enumerate(lists["tasks"]):
        if task["message"] is not None and task["message"] not in numbers:
            raise _refuse(
                _("Eine Nachricht Nr. %(number)s gibt es in der Datei nicht.") % {"number": task["message"]},
                where=f"tasks[{index}].message",
                name=name,
            )
    _unique(
        lists["reports"], "number", "reports", name, _("Die Lagemeldung Nr. %(value)s kommt doppelt vor.")
    )
    _check_features(lists["features"], name)
    log = lists["log"]
    return Prepared(
        source=source,
        exported_at=exported_at,
        event=event,
        log=log,
        messages=lists["messages"],
        tasks=lists["tasks"],
        features=lists["features"],
        reports=lists["reports"],
        last_hash=log[-1]["hash"] if log else chain.GENESIS,
    )


# --- import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    event: Event
    entries: int
    messages: int
    tasks: int
    features: int
    reports: int


def _write_log(event: Event, log: list[dict[str, Any]]) -> int:
    """The entries with a new chain for ``event`` (corrections mapped by seq), in batches."""
    previous = chain.GENESIS
    pks: dict[int, int] = {}
    batch: list[LogEntry] = []

    def flush() -> None:
        LogEntry.objects.bulk_create(batch)
        missing = [entry.seq for entry in batch if entry.pk is None]
        pks.update({entry.seq: entry.pk for entry in batch if entry.pk is not None})
        if missing:  # a database that does not return the keys of a bulk insert
            pks.update(LogEntry.objects.filter(event=event, seq__in=missing).values_list("seq", "pk"))
        batch.clear()

    for row in log:
        corrects = row["corrects"]
        if corrects is not None and corrects not in pks:
            flush()  # the corrected entry is in this batch: it needs its key first
        fields = chain.ChainFields(
            event=event.pk,
            seq=row["seq"],
            occurred_at=row["occurred_at"],
            entered_at=row["entered_at"],
            author=row["author_name"],
            function=row["function"],
            category=row["category"],
            text=row["text"],
            corrects=corrects,
        )
        digest = chain.entry_hash(previous, fields)
        batch.append(
            LogEntry(
                event=event,
                seq=row["seq"],
                occurred_at=row["occurred_at"],
                entered_at=row["entered_at"],
                author=None,
                author_name=row["author_name"],
                function=row["function"],
                category=row["category"],
                text=row["text"],
                corrects_id=pks[corrects] if corrects is not None else None,
                prev_hash=previous,
                hash=digest,
            )
        )
        previous = digest
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    return len(log)


def _write_messages(event: Event, rows: list[dict[str, Any]]) -> dict[int, int]:
    Message.objects.bulk_create(
        (
            Message(
                event=event,
                number=r["number"],
                direction=r["direction"],
                priority=r["priority"],
                sender=r["sender"],
                recipient=r["recipient"],
                subject=r["subject"],
                text=r["text"],
                author_function=r.get("author_function", ""),
                place=r.get("place", ""),
                latitude=r.get("latitude"),
                longitude=r.get("longitude"),
                written_at=r["written_at"],
                state=r["state"],
                screened_at=r.get("screened_at"),
                screening_note=r.get("screening_note", ""),
                assigned_to=list(r.get("assigned_to") or []),
                assigned_at=r.get("assigned_at"),
                answer=r.get("answer", ""),
                answered_at=r.get("answered_at"),
                closed_at=r.get("closed_at"),
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )
    return dict(Message.objects.filter(event=event).values_list("number", "pk"))


def _write_tasks(event: Event, rows: list[dict[str, Any]], messages: dict[int, int]) -> None:
    tasks = Task.objects.bulk_create(
        (
            Task(
                event=event,
                message_id=messages[r["message"]] if r["message"] is not None else None,
                title=r["title"],
                details=r.get("details", ""),
                owner_function=r["owner_function"],
                due_at=r["due_at"],
                state=r["state"],
                done_at=r.get("done_at"),
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )
    # created_at is set on insert (auto_now_add); the source's time is put back afterwards
    dated = []
    for task, row in zip(tasks, rows, strict=True):
        if row.get("created_at") is not None and task.pk is not None:
            task.created_at = row["created_at"]
            dated.append(task)
    Task.objects.bulk_update(dated, ["created_at"], batch_size=_BATCH)


def _write_features(event: Event, rows: list[dict[str, Any]]) -> None:
    uids: dict[str, uuid.UUID] = {}
    MapFeature.objects.bulk_create(
        (
            MapFeature(
                event=event,
                uid=uids.setdefault(str(uuid.UUID(r["uid"])), uuid.uuid4()),
                kind=r["kind"],
                symbol=r.get("symbol", ""),
                label=r["label"],
                note=r.get("note", ""),
                geometry=r["geometry"],
                valid_from=r["valid_from"],
                valid_to=r["valid_to"],
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )


def _write_reports(event: Event, rows: list[dict[str, Any]]) -> None:
    SituationReport.objects.bulk_create(
        (
            SituationReport(
                event=event,
                number=r["number"],
                as_of=r["as_of"],
                generated_at=r["generated_at"],
                content=r["content"],
                text=r["text"],
            )
            for r in rows
        ),
        batch_size=_BATCH,
    )


def _import_text(prepared: Prepared) -> str:
    source = prepared.source
    return _(
        "Importiert aus %(instance)s (Lage Nr. %(event)s „%(title)s“, %(entries)s Einträge, letzter Hash "
        "%(hash)s), exportiert am %(exported)s. Die Einträge 1 bis %(entries)s sind aus der Quelle "
        "übernommen; ihre Hash-Kette ist für diese Lage neu berechnet."
    ) % {
        "instance": source["instance"],
        "event": source["event_id"],
        "title": prepared.event["title"],
        "entries": len(prepared.log),
        "hash": prepared.last_hash,
        "exported": f"{timezone.localtime(prepared.exported_at):%d.%m.%Y %H:%M}",
    }


def may_import(actor: Actor, staff_id: int) -> Staff:
    """The staff, if the actor leads it: :class:`NotFound` for a staff they do not see,
    :class:`Forbidden` for one they see but do not lead."""
    principal = authorize(actor)
    staff = get_staff(principal, staff_id)
    if not leads_staff(principal, staff):
        raise Forbidden(_(LEAD_REFUSAL))
    return staff


def event_import(*, actor: Actor, staff_id: int, data: bytes, name: str = "") -> Imported:
    """Check the document in ``data`` and import it as a new event of staff ``staff_id`` (all or
    nothing). See the module's text for what is checked and carried over."""
    staff = may_import(actor, staff_id)
    prepared = check_document(read_document(data, name=name), name=name)
    now = timezone.now()
    source = prepared.source
    event_data = prepared.event
    with transaction.atomic():
        Staff.objects.select_for_update().get(pk=staff.pk)
        event = Event.objects.create(
            staff=staff,
            title=event_data["title"],
            description=event_data["description"],
            exercise=event_data["exercise"],
            level=event_data["level"],
            status=event_data["status"],
            opened_at=event_data["opened_at"],
            closed_at=event_data["closed_at"],
            center_lat=event_data["center_lat"],
            center_lon=event_data["center_lon"],
            report_interval_minutes=event_data["report_interval_minutes"],
            source={
                "instance": source["instance"],
                "event_id": source["event_id"],
                "title": event_data["title"],
                "exported_at": prepared.exported_at.isoformat(),
                "entries": len(prepared.log),
                "last_hash": prepared.last_hash,
                "imported_at": now.isoformat(),
                "imported_by": log_services.author_name(actor),
            },
        )
        entries = _write_log(event, prepared.log)
        log_services.system_entry(
            event,
            text=_german(lambda: _import_text(prepared)),
            category=LogCategory.OTHER,
            author_name=log_services.author_name(actor),
        )
        numbers = _write_messages(event, prepared.messages)
        _write_tasks(event, prepared.tasks, numbers)
        _write_features(event, prepared.features)
        _write_reports(event, prepared.reports)
        result = Imported(
            event=event,
            entries=entries,
            messages=len(prepared.messages),
            tasks=len(prepared.tasks),
            features=len(prepared.features),
            reports=len(prepared.reports),
        )
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_IMPORT,
            target=event,
            object_repr=log_services.audit_repr(event),
            body=staff.body_id,
            alliance=staff.alliance_id,
            changes={
                "Quelle": source["instance"],
                "Lage": source["event_id"],
                "Einträge": entries,
                "Nachrichten": result.messages,
                "Aufträge": result.tasks,
                "Kartenobjekte": result.features,
                "Lagemeldungen": result.reports,
            },
        )
    return result
