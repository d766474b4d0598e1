"""Registry imports started from the operator's page and run as a task on the queue.

:func:`registry_import_start` (Plattformbetrieb) stores the uploaded GV100AD file (and optionally a
boundary layer) in the file storage, records a :class:`~verbund.registry.models.RegistryImportJob`
and, after the commit, queues :func:`verbund.registry.tasks.import_registry_files`. The worker runs
:func:`registry_import_job_run`: the existing import services (:mod:`verbund.registry.importer`,
:mod:`verbund.registry.boundaries`) on a local copy of the files, acting as the operator who started
it (so the audit log names them), with the progress written to the job, which the page polls. Each
job's files are imported in one transaction (:mod:`verbund.registry.import_run`), and the imports
are idempotent, so a failed file leaves the registry as it was and a job delivered again after a
worker died runs again safely.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Refusal

from .audit_actions import REGISTRY_IMPORT_START
from .importer import check_may_import, imported_by
from .models import RegistryImportJob
from .policies import IMPORT

logger = logging.getLogger(__name__)

#: Largest upload accepted (the whole of Germany's GV100AD is about 3 MB, a Land's Gemeinde
#: boundaries some 30 MB).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: A job delivered again takes over a running one whose last sign of life is older than this.
RECLAIM_AFTER = dt.timedelta(minutes=2)
#: A running job that has not reported for this long is marked failed by the periodic sweep
#: (its worker died, and a broker without redelivery, like the filesystem default, will not run it again).
INTERRUPTED_AFTER = dt.timedelta(minutes=15)
#: Who acts when the person who started a job no longer exists.
JOB_ACTOR = SystemActor(name="Registerimport (Warteschlange)", capabilities=frozenset({IMPORT}))


def _check_upload(upload: UploadedFile | None, *, field: str, suffixes: tuple[str, ...]) -> None:
    if upload is None:
        return
    name = upload.name or ""
    if not name.lower().endswith(suffixes):
        raise ValidationError(
            {field: _("Die Datei „%(name)s“ hat nicht die erwartete Endung (%(suffixes)s).")
             % {"name": name, "suffixes": ", ".join(suffixes)}}
        )  # fmt: skip
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {field: _("Die Datei „%(name)s“ ist größer als %(megabytes)s MB.")
             % {"name": name, "megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}}
        )  # fmt: skip
    if not upload.size:
        raise ValidationError({field: _("Die Datei „%(name)s“ ist leer.") % {"name": name}})


@transaction.atomic
def registry_import_start(
    *,
    actor: Actor,
    gv100ad: UploadedFile,
    boundaries: UploadedFile | None = None,
    state: str = "",
) -> RegistryImportJob:
    """Store the files and queue their import (after the commit); returns the queued job."""
    check_may_import(actor)
    if state and not re.fullmatch(r"[0-9]{2}", state):
        raise ValidationError({"state": _("Bitte einen zweistelligen Land-Schlüssel angeben (z. B. 07).")})
    if gv100ad is None:
        raise ValidationError({"gv100ad": _("Bitte eine GV100AD-Datei wählen.")})
    _check_upload(gv100ad, field="gv100ad", suffixes=(".txt", ".asc", ".dat"))
    _check_upload(boundaries, field="boundaries", suffixes=(".geojson", ".json"))
    job = RegistryImportJob(state=state, created_by=imported_by(actor))
    job.gv100ad.save(Path(gv100ad.name or "gv100ad.txt").name, gv100ad, save=False)
    if boundaries is not None:
        job.boundaries.save(Path(boundaries.name or "grenzen.geojson").name, boundaries, save=False)
    job.save()
    audit_record(
        actor=actor,
        action=REGISTRY_IMPORT_START,
        target=job,
        changes={
            "gv100ad_file": Path(gv100ad.name or "").name,
            "boundaries_file": Path(boundaries.name or "").name if boundaries is not None else "",
            "land_filter": state,
        },
    )
    pk = job.pk

    def enqueue() -> None:
        from .tasks import import_registry_files  # the task module imports this one

        result = import_registry_files.delay(pk)
        RegistryImportJob.objects.filter(pk=pk, task_id="").update(task_id=result.id or "")

    transaction.on_commit(enqueue)
    return job


def _local_copy(field: Any, folder: Path) -> Path:
    """The stored file as a local file with its original name (the import reports name it)."""
    target = folder / Path(field.name).name
    with field.open("rb") as source, target.open("wb") as out:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            out.write(chunk)
    return target


def _actor_of(job: RegistryImportJob) -> Actor:
    user = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    return user if user is not None else JOB_ACTOR


def registry_import_job_run(*, job_id: int) -> RegistryImportJob | None:
    """Run a queued job (or one whose worker died): GV100AD, then the boundaries; record the German
    report or the German reason it failed. Returns the job, or ``None`` when it was not claimable."""
    now = timezone.now()
    claimable = Q(status=RegistryImportJob.Status.QUEUED) | Q(
        status=RegistryImportJob.Status.RUNNING, heartbeat_at__lt=now - RECLAIM_AFTER
    )
    claimed = RegistryImportJob.objects.filter(claimable, pk=job_id).update(
        status=RegistryImportJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        progress_note=_("gestartet"),
    )
    if not claimed:
        return None
    job = RegistryImportJob.objects.get(pk=job_id)
    actor = _actor_of(job)
    steps = 2 if job.boundaries else 1
    labels = [_("Gemeindeverzeichnis wird eingelesen"), _("Grenzen werden eingelesen")]
    last = {"at": 0.0}
    step_of: dict[str, int] = {}

    def progress(name: str, step: int, total: int) -> None:
        step_index = step_of.setdefault(name, len(step_of))
        moment = timezone.now().timestamp()
        if moment - last["at"] < 0.5 and step < total:
            return
        last["at"] = moment
        fraction = (step_index + (step / total if total else 0)) / steps
        RegistryImportJob.objects.filter(pk=job_id).update(
            progress=min(99, int(100 * fraction)),
            progress_note=labels[min(step_index, len(labels) - 1)],
            heartbeat_at=timezone.now(),
        )

    lines: list[str] = []
    try:
        from .import_run import registry_import_run

        with tempfile.TemporaryDirectory(prefix="verbund-import-") as folder:
            path = _local_copy(job.gv100ad, Path(folder))
            layers = [_local_copy(job.boundaries, Path(folder))] if job.boundaries else []
            # One run, one transaction: a failing boundary file leaves the directory unchanged too.
            result = registry_import_run(
                actor=actor,
                gv100ad=path,
                boundaries=layers,
                state=job.state or None,
                progress=progress,
            )
            lines.extend(result.summaries())
    except Refusal as exc:  # ImportFileError included: file, line and field in the message
        return _finish(job_id, status=RegistryImportJob.Status.FAILED, error=exc.detail, summary=lines)
    except Exception as exc:
        logger.exception("registry import job %s failed", job_id)
        return _finish(
            job_id,
            status=RegistryImportJob.Status.FAILED,
            error=_("Interner Fehler (%(error)s); Einzelheiten stehen im Server-Protokoll.")
            % {"error": exc.__class__.__name__},
            summary=lines,
        )
    return _finish(job_id, status=RegistryImportJob.Status.DONE, error="", summary=lines)


def _finish(job_id: int, *, status: str, error: str, summary: list[str]) -> RegistryImportJob:
    RegistryImportJob.objects.filter(pk=job_id).update(
        status=status,
        error=error,
        summary="\n".join(summary),
        progress=100 if status == RegistryImportJob.Status.DONE else 0,
        progress_note=_("fertig") if status == RegistryImportJob.Status.DONE else _("fehlgeschlagen"),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return RegistryImportJob.objects.get(pk=job_id)


def registry_import_fail_interrupted() -> int:
    """Mark running jobs whose worker stopped reporting as failed, with the German reason; returns how many.

    A job's files are imported in one transaction, so an interrupted job left the registry as it was
    before the job; the operator starts the import again.
    """
    now = timezone.now()
    return RegistryImportJob.objects.filter(
        status=RegistryImportJob.Status.RUNNING, heartbeat_at__lt=now - INTERRUPTED_AFTER
    ).update(
        status=RegistryImportJob.Status.FAILED,
        error=_(
            "Der Import wurde unterbrochen: der Hintergrundprozess hat sich seit %(minutes)d Minuten nicht "
            "gemeldet. Bitte starten Sie den Import neu."
        )
        % {"minutes": INTERRUPTED_AFTER.seconds // 60},
        progress=0,
        progress_note=_("fehlgeschlagen"),
        finished_at=now,
    )
