"""The CSV export of the audit log, answered in the request or written by a task on the queue.

One function writes the rows (:func:`write_csv`), for both paths: the view answers a small filtered
log directly; a larger one becomes an :class:`~verbund.audit.models.AuditExport` job
(:func:`audit_export_start`), which a worker runs (:func:`audit_export_run`): it rebuilds the filter
with the requester's principal (so the file holds only what they may read), streams the rows in
chunks through a text wrapper into a temporary file and saves it to the file storage under
``exports/``. Exports older than :data:`KEEP_EXPORTS` are deleted with their files
(:func:`audit_export_cleanup`, a periodic task).

The file is a document and stays German whatever the reader's language (like official documents):
UTF-8 with BOM, semicolons, cells that a spreadsheet would run as a formula quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from verbund.common.actors import Actor
from verbund.common.principal import Principal, principal_for

from .audit_actions import AUDIT_EXPORT
from .forms import AuditFilterForm
from .models import AuditEntry, AuditEntryQuerySet, AuditExport
from .presenters import BERLIN, EntryView, present
from .selectors import audit_entries, may_read_audit, scope_names
from .services import audit_record

logger = logging.getLogger(__name__)

CSV_HEADERS = (
    "Zeitpunkt",
    "Handelnde Person",
    "Systemvorgang",
    "Eintrag",
    "Änderungen",
    "Objektart",
    "Objekt",
    "Bezug (Verbund, Körperschaft)",
)
#: Entries presented (and their scopes named) at a time: memory stays flat however long the log.
CHUNK = 2000
#: Finished exports (and their files) are deleted after this.
KEEP_EXPORTS = dt.timedelta(days=7)
#: A job still "running" after this lost its worker; the cleanup marks it failed.
STUCK_AFTER = dt.timedelta(hours=1)


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def filtered_entries(
    principal: Principal, data: QueryDict | None
) -> tuple[AuditFilterForm, AuditEntryQuerySet]:
    """The entries ``principal`` may read, narrowed by the filter ``data`` (the page's GET), newest
    first."""
    visible = audit_entries(principal)
    form = AuditFilterForm(data or None, principal=principal, visible=visible)
    return form, form.apply(visible).order_by("-at", "-id")


def with_scopes(rows: list[EntryView]) -> list[EntryView]:
    """Name the alliance and body of each row (two queries for all of them at most)."""
    alliances = scope_names("alliance", (r.entry.alliance_id for r in rows if r.entry.alliance_id))
    bodies = scope_names("body", (r.entry.body_id for r in rows if r.entry.body_id))
    return [
        replace(
            row,
            scope=" · ".join(
                names[key]
                for names, key in ((alliances, row.entry.alliance_id), (bodies, row.entry.body_id))
                if key
            ),
        )
        for row in rows
    ]


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(view: EntryView) -> list[str]:
    entry = view.entry
    return [
        _csv_safe(value)
        for value in (
            view.at_text,
            entry.actor_label,
            "Ja" if entry.is_system else "Nein",
            view.sentence,
            view.changes_text,
            view.object_type_label,
            entry.object_repr,
            view.scope,
        )
    ]


def _chunks(entries: Iterable[AuditEntry]) -> Iterator[list[AuditEntry]]:
    chunk: list[AuditEntry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_csv(out: Writable, entries: AuditEntryQuerySet) -> int:
    """Write ``entries`` as the German CSV (BOM, header, one row each) to ``out``, a chunk of
    :data:`CHUNK` entries at a time; returns the number of rows."""
    count = 0
    with translation.override("de"):
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_HEADERS)
        for chunk in _chunks(entries.iterator(chunk_size=CHUNK)):
            writer.writerows(_row(view) for view in with_scopes([present(entry) for entry in chunk]))
            count += len(chunk)
    return count


def export_filename(moment: dt.datetime | None = None) -> str:
    stamp = (moment or timezone.now()).astimezone(BERLIN).strftime("%Y-%m-%d")
    return f"protokoll-{stamp}.csv"


def record_export(*, actor: Actor, query: str, rows: int, job: AuditExport | None = None) -> None:
    """Record that ``actor`` exported the log with the filter ``query`` (``rows`` entries)."""
    audit_record(
        actor=actor,
        action=AUDIT_EXPORT,
        target=job,
        object_type="" if job is not None else "audit.auditexport",
        object_repr="" if job is not None else export_filename(),
        changes={"query": query, "row_count": rows},
    )


@transaction.atomic
def audit_export_start(*, actor: Any, query: str, rows: int) -> AuditExport:
    """Record an export job of the log filtered by ``query`` for ``actor`` (a user who may read the
    log) and queue it after the commit; ``rows`` is the count at the request."""
    job = AuditExport.objects.create(requested_by=actor, query=query[:2000])
    record_export(actor=actor, query=job.query, rows=rows, job=job)
    pk = job.pk

    def enqueue() -> None:
        from .tasks import run_audit_export  # the task module imports this one

        run_audit_export.delay(pk)

    transaction.on_commit(enqueue)
    return job


def audit_export_run(*, job_id: int) -> AuditExport | None:
    """Write the file of a queued job; record the count, or the German reason it failed. Returns the
    job, or ``None`` when it was not queued (another worker has it, or it is finished)."""
    with translation.override(settings.LANGUAGE_CODE):  # the stored reason is German
        return _run(job_id)


def _run(job_id: int) -> AuditExport | None:
    claimed = AuditExport.objects.filter(pk=job_id, status=AuditExport.Status.QUEUED).update(
        status=AuditExport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = AuditExport.objects.get(pk=job_id)
    try:
        user = get_user_model().objects.filter(pk=job.requested_by_id, is_active=True).first()
        principal = principal_for(user) if user is not None else None
        if principal is None or not may_read_audit(principal):
            return _finish(
                job, error=_("Sie dürfen das Protokoll nicht mehr lesen; der Export wurde nicht erstellt.")
            )
        _form, entries = filtered_entries(principal, QueryDict(job.query))
        # The log as it stood at the request (the export's own entry and later ones are left out).
        entries = entries.filter(at__lte=job.created_at)
        with tempfile.TemporaryFile(prefix="verbund-export-") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            count = write_csv(text, entries)
            text.flush()
            text.detach()
            raw.seek(0)
            job.file.save(export_filename(job.created_at), File(raw), save=False)
    except Exception as exc:
        logger.exception("audit export %s failed", job_id)
        return _finish(
            job,
            error=_("Interner Fehler (%(error)s); Einzelheiten stehen im Server-Protokoll.")
            % {"error": exc.__class__.__name__},
        )
    AuditExport.objects.filter(pk=job_id).update(
        status=AuditExport.Status.DONE, row_count=count, file=job.file.name, finished_at=timezone.now()
    )
    return AuditExport.objects.get(pk=job_id)


def _finish(job: AuditExport, *, error: str) -> AuditExport:
    if job.file:
        job.file.delete(save=False)
    AuditExport.objects.filter(pk=job.pk).update(
        status=AuditExport.Status.FAILED, error=error, file="", finished_at=timezone.now()
    )
    return AuditExport.objects.get(pk=job.pk)


def audit_export_cleanup(*, now: dt.datetime | None = None) -> int:
    """Delete exports older than :data:`KEEP_EXPORTS` with their files, and end jobs that have been
    running longer than :data:`STUCK_AFTER` (their worker died) as failed. Returns how many were
    deleted."""
    with translation.override(settings.LANGUAGE_CODE):  # the stored reason is German
        return _cleanup(now or timezone.now())


def _cleanup(now: dt.datetime) -> int:
    stuck = AuditExport.objects.filter(
        Q(started_at__lt=now - STUCK_AFTER) | Q(started_at__isnull=True, created_at__lt=now - STUCK_AFTER),
        status__in=(AuditExport.Status.QUEUED, AuditExport.Status.RUNNING),
    )
    for job in stuck:
        _finish(
            job,
            error=_("Der Export wurde abgebrochen (kein Worker hat ihn beendet). Bitte neu anfordern."),
        )
    deleted = 0
    for job in AuditExport.objects.filter(created_at__lt=now - KEEP_EXPORTS):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
