"""Writing an issue of the Gemeindeverzeichnis GV100AD into the registry: the import service.

:func:`registry_import_gv100ad` checks who acts (:func:`verbund.registry.policies.may_import`),
parses and checks the whole file first (:mod:`verbund.registry.gv100ad`, pure), then writes
everything in one transaction (:mod:`verbund.registry.import_writer`): a malformed record or any
database error leaves the registry as it was. It is idempotent: importing the same issue again
writes nothing and records nothing. When a newer issue is imported over an older one it stores the
territorial changes (new, renamed, moved, kind changed, dissolved, merged bodies); dissolved bodies
are kept with ``dissolved_on`` set, so nothing that refers to them is lost. Each run that changed
something is recorded (:class:`~verbund.registry.models.RegistryImport`) and audited with the run
as its object.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext

from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor, SystemActor, check_actor
from verbund.common.errors import ImportFileError, Invalid
from verbund.common.principal import principal_for

from . import gv100ad, policies
from .audit_actions import REGISTRY_IMPORT
from .import_report import REPORT_LINES, ChangeNote, ImportResult
from .import_writer import Gv100adWriter
from .models import RegistryImport, reference_date_for

__all__ = ["REPORT_LINES", "ChangeNote", "ImportResult", "Progress", "registry_import_gv100ad"]


class _TqdmLike(Protocol):
    total: Any

    def update(self, n: int = 1) -> Any: ...


Progress = Callable[[int, int], Any] | _TqdmLike


def check_may_import(actor: Actor) -> None:
    """Refuse a string or missing actor (``TypeError``) and an actor that may not import
    (:class:`~verbund.common.errors.Forbidden`); shared by both import services."""
    check_actor(actor)
    require(policies.may_import(principal_for(actor)), gettext(policies.IMPORT_REFUSAL))


def imported_by(actor: Actor) -> Any:
    """The user a run record names (``None`` for a system actor)."""
    return None if isinstance(actor, SystemActor) else actor


def registry_import_gv100ad(
    *,
    path: str | Path,
    actor: Actor,
    state: str | None = None,
    population_date: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a GV100AD file (all of Germany, or only the Land ``state``, e.g. ``"07"``).

    ``actor`` needs the capability :data:`~verbund.registry.policies.IMPORT` (a system actor) or
    Plattformbetrieb (a person). ``population_date`` defaults to
    :func:`~verbund.registry.models.reference_date_for` the issue's Gebietsstand. Raises
    :class:`ImportFileError` for a malformed file and :class:`~verbund.common.errors.Conflict` for
    an issue older than the one already imported; in both cases nothing is written.
    """
    check_may_import(actor)
    if state is not None and not re.fullmatch(r"[0-9]{2}", state):
        raise Invalid(
            f"'{state}' ist kein zweistelliger Land-Schlüssel (z. B. 07).",
            code="invalid_state",
            fields={"state": [f"'{state}' ist kein zweistelliger Land-Schlüssel (z. B. 07)."]},
        )
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Datei kann nicht gelesen werden ({exc.strerror})", path=path.name) from exc
    source = gv100ad.parse_gv100ad_bytes(data, name=path.name)
    rows = gv100ad.build_bodies(source, state=state)
    writer = Gv100adWriter(
        rows=rows,
        source=source,
        state=state,
        population_date=population_date or reference_date_for(source.gebietsstand),
        report=_progress_callback(progress, len(rows)),
    )
    with transaction.atomic():
        result = writer.write()
        if result.changed:
            run = result.registry_import = RegistryImport.objects.create(
                source=RegistryImport.Source.GV100AD,
                file_name=path.name[:300],
                sha256=hashlib.sha256(data).hexdigest(),
                gebietsstand=source.gebietsstand,
                state=state or "",
                imported_by=imported_by(actor),
                counts=result.counts(),
            )
            writer.store_changes(run)
            audit_record(actor=actor, action=REGISTRY_IMPORT, target=run, changes=result.audit_changes())
    return result


def _progress_callback(progress: Progress | None, total: int) -> Callable[[int], None]:
    """Accept a ``callable(step, total)`` or a tqdm-like bar; return ``report(step)``."""
    if progress is None:
        return lambda step: None
    if callable(progress):
        function = progress
        return lambda step: function(step, total)
    bar = progress
    bar.total = total
    state = {"done": 0}

    def report(step: int) -> None:
        bar.update(step - state["done"])
        state["done"] = step

    return report
