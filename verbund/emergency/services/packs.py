"""The offline pack of an event: one printable PDF for when the network fails.

The pack holds the cover (event, level, as-of time), the roster of the alerted members, the contact
list (current positions with their phone numbers, the duty roster of the next 24 hours), the open
tasks, the latest situation report, the last 50 entries of the staff log and three blank message
forms laid out like the Nachrichtenvordruck for handwriting. It is German whatever the reader's
language (an official document of the staff).

Packs are files in Django's default storage under ``emergency/packs/<event_id>/<timestamp>.pdf``
(the timestamp in UTC, so the names sort by time); the newest :data:`KEEP` per event are kept. The
queue writes one for every open event whose newest pack is older than ``EMERGENCY_PACK_MINUTES``
(default 60) — :func:`write_due_packs`, called by the task ``emergency.write_packs``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from verbund.audit.services import audit_record
from verbund.common.actors import Actor, SystemActor

from .. import audit_actions
from ..models import (
    Event,
    EventStatus,
    LogEntry,
    Shift,
    SituationReport,
    Task,
    TaskState,
)
from ..policies import MANAGE
from .events import alert_state, alerts_of
from .log import audit_repr
from .staffs import current_positions, person_name

#: the queue's actor for the hourly packs
PACKER = SystemActor(name="Offline-Paket (automatisch)", capabilities=frozenset({MANAGE}))
#: packs kept per event (a day of hourly packs)
KEEP = 24
#: log entries in a pack
LOG_ENTRIES = 50
#: blank message forms in a pack
BLANK_FORMS = 3
BERLIN = ZoneInfo("Europe/Berlin")
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(\d{8}T\d{6})Z.*\.pdf$")

_STATES = {
    "present": "anwesend",
    "left": "gegangen",
    "declined": "nicht verfügbar",
    "confirmed": "zugesagt",
    "alerted": "noch keine Antwort",
}


def pack_minutes() -> float:
    return float(getattr(settings, "EMERGENCY_PACK_MINUTES", 60))


def _when(now: dt.datetime | None) -> dt.datetime:
    moment = now or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("now must be timezone-aware")
    return moment


def folder(event: Event) -> str:
    return f"emergency/packs/{event.pk}"


def _stamp_of(name: str) -> dt.datetime | None:
    match = _NAME.match(name)
    if match is None:
        return None
    return dt.datetime.strptime(match.group(1), _STAMP[:-1]).replace(tzinfo=dt.UTC)


def packs(event: Event) -> list[tuple[dt.datetime, str]]:
    """The stored packs of ``event`` as ``(time, path)``, newest first."""
    try:
        _dirs, files = default_storage.listdir(folder(event))
    except FileNotFoundError:
        return []
    found = []
    for name in files:
        stamp = _stamp_of(name)
        if stamp is not None:
            found.append((stamp, f"{folder(event)}/{name}"))
    found.sort(reverse=True)
    return found


def latest_pack(event: Event) -> str | None:
    """The path of the newest pack of ``event``, or None."""
    found = packs(event)
    return found[0][1] if found else None


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(BERLIN) if moment is not None else None


def pack_context(event: Event, now: dt.datetime) -> dict[str, Any]:
    """What the pack shows as of ``now``."""
    local_now = now.astimezone(BERLIN)
    roster = [
        {
            "name": person_name(alert.person),
            "function": alert.position.get_function_display(),
            "deputy": alert.position.role == "vertretung",
            "body": alert.position.body.name,
            "state": _STATES[alert_state(alert)],
            "arrival": _local(alert.arrival_at),
            "present_at": _local(alert.present_at),
        }
        for alert in alerts_of(event)
    ]
    contacts = [
        {
            "function": position.get_function_display(),
            "role": position.get_role_display(),
            "name": person_name(position.person),
            "body": position.body.name,
            "phone": position.phone,
        }
        for position in current_positions(event.staff, on=local_now.date(), event=event)
    ]
    shifts = [
        {
            "function": shift.get_function_display(),
            "name": person_name(shift.person),
            "body": shift.body.name,
            "starts_at": _local(shift.starts_at),
            "ends_at": _local(shift.ends_at),
            "reachable": shift.reachable,
        }
        for shift in Shift.objects.filter(
            staff=event.staff, starts_at__lt=now + dt.timedelta(hours=24), ends_at__gt=now
        )
        .filter(Q(event__isnull=True) | Q(event=event))
        .select_related("person", "body")
        .order_by("starts_at", "function", "pk")
    ]
    tasks = [
        {
            "title": task.title,
            "details": task.details,
            "owner_function": task.get_owner_function_display(),
            "owner": person_name(task.owner),
            "due_at": _local(task.due_at),
            "overdue": task.due_at < now,
            "message": task.message.number if task.message is not None else None,
        }
        for task in Task.objects.filter(event=event, state=TaskState.OPEN)
        .select_related("owner", "message")
        .order_by("due_at", "pk")
    ]
    report = SituationReport.objects.filter(event=event).order_by("-number").first()
    entries = list(LogEntry.objects.filter(event=event).order_by("-seq")[:LOG_ENTRIES])
    entries.reverse()
    log = [
        {
            "seq": entry.seq,
            "occurred_at": _local(entry.occurred_at),
            "author": entry.author_name,
            "function": entry.function,
            "category": entry.get_category_display(),
            "text": entry.text,
            "corrects": entry.corrects.seq if entry.corrects_id and entry.corrects else None,
        }
        for entry in entries
    ]
    return {
        "event": event,
        "level": event.get_level_display(),
        "as_of": local_now,
        "roster": roster,
        "contacts": contacts,
        "shifts": shifts,
        "tasks": tasks,
        "report": report,
        "report_as_of": _local(report.as_of) if report is not None else None,
        "log": log,
        "log_limit": LOG_ENTRIES,
        "forms": range(1, BLANK_FORMS + 1),
    }


def build_pack(event: Event, now: dt.datetime | None = None) -> bytes:
    """The offline pack of ``event`` as of ``now`` as one tagged PDF (German)."""
    from verbund.common.pdf import render_pdf

    moment = _when(now)
    context = pack_context(event, moment)
    title = f"Offline-Paket {event.title}, Stand {moment.astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr"
    return render_pdf(
        "emergency/pack/pack.html",
        context,
        title=title,
        lang="de",
        author=event.staff.name,
        subject="Offline-Paket des Stabes",
    )


def write_pack(event: Event, *, actor: Actor | None = None, now: dt.datetime | None = None) -> str:
    """Build and store a pack of ``event``; keep the newest :data:`KEEP`; returns the stored path.

    The caller has checked that ``actor`` may see the event (or it is the queue)."""
    moment = _when(now)
    data = build_pack(event, moment)
    name = f"{folder(event)}/{moment.astimezone(dt.UTC):{_STAMP}}.pdf"
    if default_storage.exists(name):
        default_storage.delete(name)
    path = default_storage.save(name, ContentFile(data))
    for _stamp, old in packs(event)[KEEP:]:
        default_storage.delete(old)
    audit_record(
        actor=actor or PACKER,
        action=audit_actions.PACK_WRITE,
        target=event,
        object_repr=audit_repr(event),
        changes={"Stand": f"{moment.astimezone(BERLIN):%d.%m.%Y %H:%M}"},
    )
    return str(path)


def pack_due(event: Event, now: dt.datetime) -> bool:
    """Whether ``event`` needs a new pack at ``now``: open, and no pack or the newest is older than
    ``EMERGENCY_PACK_MINUTES``."""
    if event.status != EventStatus.OPEN:
        return False
    found = packs(event)
    if not found:
        return True
    return now - found[0][0] >= dt.timedelta(minutes=pack_minutes())


def write_due_packs(now: dt.datetime | None = None) -> list[str]:
    """The periodic job: a pack for every open event that is due; returns the stored paths."""
    moment = _when(now)
    written = []
    for event in Event.objects.filter(status=EventStatus.OPEN).select_related("staff").order_by("pk"):
        if pack_due(event, moment):
            written.append(write_pack(event, now=moment))
    return written
