"""Volumes (cases, hours …) per member and period, entered one by one or imported from a CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.errors import ImportFileError, Refusal
from verbund.common.german import GermanNumberError, format_number, parse_decimal
from verbund.registry.models import Body

from ..models import ServiceRecipient, SharedService, VolumeRecord
from ._common import check

#: Largest CSV of volumes accepted (a year of monthly figures of 2,300 members is ~ 2 MB).
CSV_MAX_BYTES = 5 * 1024 * 1024
#: Longest line of a volume CSV (a real line has well under 300 characters).
CSV_MAX_LINE = 1000
#: Largest quantity the field holds (``VolumeRecord.quantity``: 12 digits, 2 of them places).
MAX_QUANTITY = Decimal("9999999999.99")
#: Longest note (``VolumeRecord.note``).
MAX_NOTE = 200


# --- volumes ----------------------------------------------------------------------------------------


def _check_volume_body(service: SharedService, body: Body) -> None:
    if not ServiceRecipient.objects.filter(service=service, body=body).exists():
        raise ValidationError({"body": _("%(name)s erhält diesen Dienst nicht.") % {"name": body.name}})


def _overlapping(service: SharedService, body: Body, start: dt.date, end: dt.date) -> VolumeRecord | None:
    return (
        VolumeRecord.objects.filter(service=service, body=body, period_start__lte=end, period_end__gte=start)
        .exclude(period_start=start, period_end=end)
        .first()
    )


def _volume_upsert(
    service: SharedService,
    body: Body,
    start: dt.date,
    end: dt.date,
    quantity: Decimal,
    note: str,
    source: str,
) -> tuple[VolumeRecord, str, Decimal | None]:
    """Write one record (same period: replace); returns the record, ``created``/``updated``/``unchanged``."""
    clash = _overlapping(service, body, start, end)
    if clash is not None:
        raise ValidationError(
            {
                "period_start": _(
                    "Der Zeitraum überschneidet sich mit dem erfassten Zeitraum "
                    "%(start)s–%(end)s von %(name)s."
                )
                % {
                    "start": f"{clash.period_start:%d.%m.%Y}",
                    "end": f"{clash.period_end:%d.%m.%Y}",
                    "name": body.name,
                }
            }
        )
    record = VolumeRecord.objects.filter(service=service, body=body, period_start=start).first()
    old = None if record is None else record.quantity
    if record is None:
        record = VolumeRecord(service=service, body=body, period_start=start)
        state = "created"
    elif record.period_end == end and record.quantity == quantity and record.note == note:
        return record, "unchanged", old
    else:
        state = "updated"
    record.period_end = end
    record.quantity = quantity
    record.note = note
    record.source = source
    record.full_clean()
    record.save()
    return record, state, old


@transaction.atomic
def volume_set(
    *,
    actor: Actor,
    service: SharedService,
    body: Body,
    period_start: dt.date,
    period_end: dt.date,
    quantity: Decimal,
    note: str = "",
) -> VolumeRecord:
    """Record (or replace) ``body``'s volume for a period within one calendar year."""
    check(actor, service, "maintain")
    _check_volume_body(service, body)
    try:
        quantity = _parse_quantity(str(quantity))
    except ValueError as exc:
        raise ValidationError({"quantity": _("Menge: %(error)s") % {"error": exc}}) from exc
    record, state, old = _volume_upsert(
        service, body, period_start, period_end, quantity, note.strip(), "erfasst"
    )
    if state != "unchanged":
        audit_record(
            actor=actor,
            action="volume.set",
            target=service,
            body=body,
            changes={
                "body": body.name,
                "period": [period_start, period_end],
                "quantity": [_places(old), _places(quantity)],
            },
        )
    return record


@transaction.atomic
def volume_delete(*, actor: Actor, record: VolumeRecord) -> None:
    service = record.service
    check(actor, service, "maintain")
    body_id = record.body_id
    changes = {
        "body": record.body.name,
        "period": [record.period_start, record.period_end],
        "quantity": _places(record.quantity),
    }
    record.delete()
    audit_record(actor=actor, action="volume.delete", target=service, body=body_id, changes=changes)


def _places(quantity: Decimal | None) -> Decimal | None:
    """A quantity with the two places of its field, so the log shows "5.784,00", not "5784"."""
    return None if quantity is None else Decimal(quantity).quantize(Decimal("0.01"))


class VolumeImportError(ImportFileError):
    """A CSV of volumes was refused; ``errors`` lists every faulty line (nothing was imported), also as
    the messages of the field ``file``, so that a form shows each line."""

    def __init__(self, errors: list[str], *, path: str) -> None:
        more = (
            " " + _("(und %(count)s weitere Fehler)") % {"count": len(errors) - 1} if len(errors) > 1 else ""
        )
        Refusal.__init__(self, errors[0] + more, code=self.code, status=self.status)
        self.fields = {"file": list(errors)}
        self.errors = errors
        self.path = path
        self.line = None
        self.field = ""


@dataclass(frozen=True)
class VolumeImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def summary(self) -> str:
        return _("%(created)s neu, %(updated)s geändert, %(unchanged)s unverändert.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


CSV_COLUMNS = {
    "ars": ("ars", "schluessel", "schlüssel", "ags"),
    "von": ("von",),
    "bis": ("bis",),
    "menge": ("menge",),
    "bemerkung": ("bemerkung",),
}


def _parse_date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(_("Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben"))


def _parse_quantity(value: str) -> Decimal:
    """A quantity as a German user writes it ("1.250", "12,5", "1.250,75"); English only where
    unambiguous ("12.5")."""
    try:
        number = parse_decimal(value)
    except GermanNumberError:
        raise ValueError(_("keine Zahl (Beispiel: 1.250 oder 12,5)")) from None
    if not number.is_finite() or number < 0:
        raise ValueError(_("eine Zahl ab 0 angeben"))
    if number > MAX_QUANTITY:
        raise ValueError(_("höchstens 9.999.999.999,99"))
    if number != number.quantize(Decimal("0.01")):
        raise ValueError(_("höchstens zwei Nachkommastellen"))
    return number


def _long_lines(text: str, delimiter: str, header: list[str]) -> list[tuple[int, str, int]]:
    """``(line, column, length)`` of every physical line longer than :data:`CSV_MAX_LINE`, with the
    column of its longest cell, so that a refusal can name line and field before the CSV reader
    meets a field beyond its limit."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > CSV_MAX_LINE:
            cells = line.split(delimiter)
            longest = max(range(len(cells)), key=lambda i: len(cells[i]))
            column = header[longest] if longest < len(header) else str(longest + 1)
            found.append((number, column, len(line)))
    return found


def _rows(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    """The data rows with their line numbers; a row the CSV reader cannot read (an unclosed quote
    spanning a huge field) is a refusal naming its line, not a server error."""
    line_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise VolumeImportError(
                [
                    str(
                        ImportFileError(
                            _(
                                "keine gültige CSV-Zeile "
                                "(Anführungszeichen nicht geschlossen oder Feld zu lang)."
                            ),
                            path=name,
                            line=line_number + 1,
                        )
                    )
                ],
                path=name,
            ) from exc
        line_number += 1
        yield line_number, row


@transaction.atomic
def volume_import_csv(
    *, actor: Actor, service: SharedService, file: IO[bytes] | IO[str], name: str = "mengen.csv"
) -> VolumeImportResult:
    """Import volumes from a CSV (columns ``ars;von;bis;menge[;bemerkung]``, ``;`` or ``,``).

    All or nothing: every line is checked first; any error refuses the whole file with every faulty
    line named (:class:`VolumeImportError`). Bodies are given by ARS (12 digits) or AGS/registry key.
    """
    check(actor, service, "maintain")
    raw = file.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise ImportFileError(
            _("Die Datei ist größer als %(size)s MB.") % {"size": CSV_MAX_BYTES // (1024 * 1024)}, path=name
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    else:
        text = raw.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(_("Die Datei ist leer."), path=name)
    first_line = text.splitlines()[0][:CSV_MAX_LINE]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    long_lines = _long_lines(text, delimiter, [h.strip().lower() for h in first_line.split(delimiter)])
    if long_lines:
        raise VolumeImportError(
            [
                str(
                    ImportFileError(
                        _("Die Zeile ist %(length)s Zeichen lang; erlaubt sind höchstens %(max)s.")
                        % {"length": format_number(length), "max": format_number(CSV_MAX_LINE)},
                        path=name,
                        line=number,
                        field=column,
                    )
                )
                for number, column, length in long_lines[:50]
            ],
            path=name,
        )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(_("Die Kopfzeile ist keine gültige CSV-Zeile."), path=name, line=1) from exc
    columns: dict[str, int] = {}
    for column, aliases in CSV_COLUMNS.items():
        for alias in aliases:
            if alias in header:
                columns[column] = header.index(alias)
                break
    missing = [c for c in ("ars", "von", "bis", "menge") if c not in columns]
    if missing:
        raise ImportFileError(
            _("Kopfzeile: es fehlen die Spalten %(columns)s (erwartet: ars;von;bis;menge;bemerkung).")
            % {"columns": ", ".join(missing)},
            path=name,
            line=1,
        )
    recipients = {
        r.body_id: r.body for r in ServiceRecipient.objects.filter(service=service).select_related("body")
    }
    by_key: dict[str, Body] = {}
    for body in recipients.values():
        for identifier in (body.ars, body.ags, body.key):
            if identifier:
                by_key[identifier] = body
    errors: list[str] = []
    rows: list[tuple[int, Body, dt.date, dt.date, Decimal, str]] = []
    seen: dict[tuple[int, dt.date], int] = {}

    def fail(line: int, field: str, message: str) -> None:
        errors.append(str(ImportFileError(message, path=name, line=line, field=field)))

    for line_number, row in _rows(reader, name):
        if not any(cell.strip() for cell in row):
            continue

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        found = by_key.get(cell("ars"))
        if found is None:
            fail(
                line_number,
                "ars",
                _("%(key)s erhält diesen Dienst nicht oder ist unbekannt.")
                % {"key": cell("ars") or _("(leer)")},
            )
            continue
        body = found
        try:
            start = _parse_date(cell("von"))
        except ValueError as exc:
            fail(line_number, "von", str(exc))
            continue
        try:
            end = _parse_date(cell("bis"))
        except ValueError as exc:
            fail(line_number, "bis", str(exc))
            continue
        if end < start or end.year != start.year:
            fail(
                line_number, "bis", _("Der Zeitraum muss innerhalb eines Kalenderjahres liegen (von ≤ bis).")
            )
            continue
        try:
            quantity = _parse_quantity(cell("menge"))
        except ValueError as exc:
            fail(line_number, "menge", str(exc))
            continue
        earlier = seen.get((body.pk, start))
        if earlier is not None:
            fail(
                line_number,
                "von",
                _("derselbe Zeitraum von %(name)s steht schon in Zeile %(line)s.")
                % {"name": body.name, "line": earlier},
            )
            continue
        note = cell("bemerkung")
        if len(note) > MAX_NOTE:
            fail(
                line_number,
                "bemerkung",
                _("höchstens %(max)s Zeichen (hier %(length)s)") % {"max": MAX_NOTE, "length": len(note)},
            )
            continue
        seen[(body.pk, start)] = line_number
        rows.append((line_number, body, start, end, quantity, note))
        if len(errors) >= 50:
            break
    if not rows and not errors:
        raise ImportFileError(_("Die Datei enthält keine Mengen."), path=name)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not errors:
        source = f"CSV-Import {name}"[:200]
        for line_number, body, start, end, quantity, note in rows:
            try:
                _record, state, _old = _volume_upsert(service, body, start, end, quantity, note, source)
            except ValidationError as exc:
                fail(line_number, "von", "; ".join(exc.messages))
                continue
            counts[state] += 1
    if errors:
        transaction.set_rollback(True)
        raise VolumeImportError(errors, path=name)
    result = VolumeImportResult(**counts)
    audit_record(
        actor=actor,
        action="volume.import",
        target=service,
        changes={"file": name, **counts},
    )
    return result
