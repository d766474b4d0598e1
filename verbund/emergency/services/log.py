"""The staff log (Einsatztagebuch): append, correct, read, verify.

Appending locks the event's row, so entries of one event get gapless sequence numbers and each is
chained to the one before even when several people write at once (PostgreSQL serialises on the row
lock; SQLite on its write lock). Nothing edits or deletes an entry: the model refuses it
(:class:`~verbund.common.models.AppendOnlyModel`), the API offers no update or delete, and a
correction is a new entry that names the old one. :func:`verify_chain` recomputes the chain
(``manage.py verify_log EVENT``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal

from .. import audit_actions, chain
from ..models import Event, EventStatus, LogCategory, LogEntry, StaffFunction
from ..policies import as_principal, event_filter, held_functions, person_name, sees_event

#: an entry may record something up to this far in the future (clocks of devices differ)
_FUTURE = timedelta(minutes=5)
_TEXT_MAX = 20_000
_VERIFY_CHUNK = 2_000


CALENDAR_REFUSAL = gettext_noop("Der Zeitpunkt liegt außerhalb des Kalenders.")


def off_calendar(moment: datetime) -> bool:
    """Whether an aware ``moment`` has no UTC time (01.01.0001 00:30 in Berlin, 31.12.9999 in Samoa):
    comparing or storing it would fail."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return True
    return False


def audit_repr(event: Event) -> str:
    """How the audit log names an event: by its number, never by its title (those who read the audit
    log, the Plattformbetrieb, coordinators and heads, need not see the event; policies.py)."""
    return f"Lage Nr. {event.pk}"


def visible_events(who: Actor | Principal) -> QuerySet[Event]:
    return Event.objects.filter(event_filter(as_principal(who)))


def get_event(who: Actor | Principal, event_id: int) -> Event:
    """The event, or :class:`NotFound` for one that does not exist or that ``who`` may not see."""
    principal = as_principal(who)
    event = Event.objects.select_related("staff").filter(pk=event_id).first()
    if event is None or not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    return event


def entries(who: Actor | Principal, event_id: int) -> QuerySet[LogEntry]:
    event = get_event(who, event_id)
    return LogEntry.objects.filter(event=event).select_related("corrects").order_by("seq")


def author_name(actor: Actor) -> str:
    """The name a log entry keeps for its author (``System`` for an actor without one)."""
    return person_name(actor) or _("System")


def _check(
    *,
    text: str,
    category: str,
    function: str,
    occurred_at: datetime | None,
    now: datetime,
    functions: frozenset[str],
    correction: bool = False,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Der Eintrag ist leer.")]
    elif len(text) > _TEXT_MAX:
        errors["text"] = [_("Der Eintrag ist zu lang (höchstens %(max)s Zeichen).") % {"max": _TEXT_MAX}]
    if category not in LogCategory.values:
        errors["category"] = [_("Unbekannte Kategorie.")]
    elif category == LogCategory.CORRECTION and not correction:
        errors["category"] = [
            _("Eine Berichtigung nennt den Eintrag, den sie berichtigt: bitte „berichtigen“ nutzen.")
        ]
    if function and function not in StaffFunction.values:
        errors["function"] = [_("Unbekannte Funktion.")]
    elif function and functions and function not in functions:
        errors["function"] = [_("Diese Funktion haben Sie im Stab nicht inne.")]
    if occurred_at is not None:
        if occurred_at.tzinfo is None:
            errors["occurred_at"] = [_("Der Zeitpunkt braucht eine Zeitzone.")]
        elif off_calendar(occurred_at):
            errors["occurred_at"] = [_(CALENDAR_REFUSAL)]
        elif occurred_at > now + _FUTURE:
            errors["occurred_at"] = [_("Der Zeitpunkt liegt in der Zukunft.")]
    return errors


def _append(
    event: Event,
    *,
    author: Actor | None,
    author_name: str,
    function: str,
    category: str,
    text: str,
    occurred_at: datetime,
    entered_at: datetime,
    corrects: LogEntry | None = None,
) -> LogEntry:
    """Write one entry (the caller holds the event's row lock)."""
    last = LogEntry.objects.filter(event=event).order_by("-seq").values_list("seq", "hash").first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
    entry = LogEntry(
        event=event,
        seq=seq,
        occurred_at=occurred_at,
        entered_at=entered_at,
        author=author if isinstance(author, get_user_model()) else None,
        author_name=author_name[:200],
        function=function,
        category=category,
        text=text,
        corrects=corrects,
        prev_hash=previous,
    )
    entry.hash = chain.entry_hash(previous, entry.chain_fields())
    entry.save()
    return entry


def _lock(event_id: int) -> Event:
    event = Event.objects.select_for_update(of=("self",)).select_related("staff").filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


def append(
    *,
    actor: Actor,
    event_id: int,
    text: str,
    category: str = LogCategory.SITUATION,
    function: str = "",
    occurred_at: datetime | None = None,
) -> LogEntry:
    """A member of the event's staff writes an entry (time of the event defaults to now)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock(event_id)
        if not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
            raise NotFound()
        now = timezone.now()
        functions = (
            held_functions(principal, staff_id=event.staff_id, event_id=event.pk)
            if principal.is_person
            else frozenset()
        )
        errors = _check(
            text=text,
            category=category,
            function=function,
            occurred_at=occurred_at,
            now=now,
            functions=functions,
        )
        if event.status == EventStatus.CLOSED:
            errors.setdefault("event", []).append(
                _("Die Lage ist beendet; das Einsatztagebuch ist geschlossen.")
            )
        if errors:
            raise Invalid(fields=errors)
        return _append(
            event,
            author=actor,
            author_name=author_name(actor),
            function=function,
            category=category,
            text=text.strip(),
            occurred_at=occurred_at or now,
            entered_at=now,
        )


_BATCH = 1000


def append_many(*, actor: Actor, event_id: int, entries: Iterable[Mapping[str, Any]]) -> int:
    """Append many entries at once (a transcript brought in from paper or another system), all or
    nothing: one row lock, the chain computed in order, rows written in batches. Each entry is a
    mapping with ``text`` and optionally ``category``, ``function``, ``occurred_at``; a refused entry
    names its position (``entries[3].text``) and nothing is stored. Returns the number written."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock(event_id)
        if not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
            raise NotFound()
        if event.status == EventStatus.CLOSED:
            raise Invalid(fields={"event": [_("Die Lage ist beendet; das Einsatztagebuch ist geschlossen.")]})
        now = timezone.now()
        functions = (
            held_functions(principal, staff_id=event.staff_id, event_id=event.pk)
            if principal.is_person
            else frozenset()
        )
        last = LogEntry.objects.filter(event=event).order_by("-seq").values_list("seq", "hash").first()
        seq, previous = (last[0], last[1]) if last else (0, chain.GENESIS)
        author = actor if isinstance(actor, get_user_model()) else None
        name = author_name(actor)[:200]
        batch: list[LogEntry] = []
        written = 0
        for position, item in enumerate(entries):
            text = str(item.get("text", ""))
            category = str(item.get("category", LogCategory.SITUATION))
            function = str(item.get("function", ""))
            occurred_at = item.get("occurred_at")
            errors = _check(
                text=text,
                category=category,
                function=function,
                occurred_at=occurred_at,
                now=now,
                functions=functions,
            )
            if errors:
                raise Invalid(
                    fields={f"entries[{position}].{field}": messages for field, messages in errors.items()}
                )
            seq += 1
            entry = LogEntry(
                event=event,
                seq=seq,
                occurred_at=occurred_at or now,
                entered_at=now,
                author=author,
                author_name=name,
                function=function,
                category=category,
                text=text.strip(),
                prev_hash=previous,
            )
            entry.hash = previous = chain.entry_hash(previous, entry.chain_fields())
            batch.append(entry)
            if len(batch) >= _BATCH:
                LogEntry.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            LogEntry.objects.bulk_create(batch)
            written += len(batch)
        return written


def system_entry(event: Event, *, text: str, category: str, author_name: str, function: str = "") -> LogEntry:
    """An entry written by another service of the part in its own transaction (a message screened, a
    resource committed); the caller has authorised the step. Locks the event row."""
    now = timezone.now()
    locked = _lock(event.pk)
    return _append(
        locked,
        author=None,
        author_name=author_name,
        function=function,
        category=category,
        text=text,
        occurred_at=now,
        entered_at=now,
    )


def correct(*, actor: Actor, event_id: int, entry_seq: int, text: str, function: str = "") -> LogEntry:
    """A correction: a new entry that references entry ``entry_seq`` (which stays as it was)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock(event_id)
        if not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
            raise NotFound()
        if event.status == EventStatus.CLOSED:
            raise Invalid(fields={"event": [_("Die Lage ist beendet; das Einsatztagebuch ist geschlossen.")]})
        original = LogEntry.objects.filter(event=event, seq=entry_seq).first()
        if original is None:
            raise Invalid(fields={"corrects": [_("Diesen Eintrag gibt es im Einsatztagebuch nicht.")]})
        now = timezone.now()
        functions = (
            held_functions(principal, staff_id=event.staff_id, event_id=event.pk)
            if principal.is_person
            else frozenset()
        )
        errors = _check(
            text=text,
            category=LogCategory.CORRECTION,
            function=function,
            occurred_at=None,
            now=now,
            functions=functions,
            correction=True,
        )
        if errors:
            raise Invalid(fields=errors)
        entry = _append(
            event,
            author=actor,
            author_name=author_name(actor),
            function=function,
            category=LogCategory.CORRECTION,
            text=text.strip(),
            occurred_at=original.occurred_at,
            entered_at=now,
            corrects=original,
        )
        audit_record(
            actor=actor,
            action=audit_actions.LOG_CORRECT,
            target=event,
            object_repr=audit_repr(event),
            changes={"Eintrag": entry_seq, "Berichtigung": entry.seq},
        )
        return entry


@dataclass(frozen=True)
class Verification:
    event_id: int
    checked: int
    broken: chain.Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


#: the stored columns of a log entry in the order :func:`stored_rows` yields them
STORED_COLUMNS = (
    "seq",
    "occurred_at",
    "entered_at",
    "author_name",
    "function",
    "category",
    "text",
    "corrects",
    "prev_hash",
    "hash",
)


def stored_rows(event_id: int, *, last_seq: int | None = None) -> Iterator[dict[str, Any]]:
    """The stored entries of an event in order, as dicts of :data:`STORED_COLUMNS` (``corrects`` as the
    corrected entry's ``seq``), read in chunks: for verifying the chain and for exporting the log."""
    rows = LogEntry.objects.filter(event_id=event_id).order_by("seq")
    if last_seq is not None:
        rows = rows.filter(seq__lte=last_seq)
    values = rows.values_list(*[("corrects__seq" if c == "corrects" else c) for c in STORED_COLUMNS])
    for row in values.iterator(chunk_size=_VERIFY_CHUNK):
        yield dict(zip(STORED_COLUMNS, row, strict=True))


def _chain_rows(event_id: int) -> Iterator[tuple[chain.ChainFields, str, str]]:
    for row in stored_rows(event_id):
        fields = chain.ChainFields(
            event=event_id,
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


def verify_chain(event_id: int) -> Verification:
    """Recompute the chain of one event (no authorisation: a check the operator runs on the server)."""
    checked, broken = chain.verify(_chain_rows(event_id))
    return Verification(event_id=event_id, checked=checked, broken=broken)
