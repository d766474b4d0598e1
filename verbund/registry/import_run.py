"""One import run over several files: a GV100AD issue and any number of boundary layers, all or nothing.

``manage.py import_registry --gv100ad … --boundaries …``, the operator's import job and ``load_demo``
import through :func:`registry_import_run`. It reads and checks every file first (the GV100AD is
parsed by its service, each boundary layer with :func:`~verbund.registry.geometry.load_boundaries`:
JSON, keys, geometry validity, neighbours), then writes them all in **one** transaction. A file that
fails — while it is read, or while it is written (a layer matching no body, two features for one
body) — leaves the registry as it was before the run, the directory included: no bodies, no
boundaries, no run records, no audit entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from verbund.common.actors import Actor

from .boundaries import BoundaryImportResult, registry_import_boundaries
from .geometry import load_boundaries
from .importer import ImportResult, check_may_import, registry_import_gv100ad

#: ``progress(file_name, step, total)``: how far the import of one file is.
RunProgress = Callable[[str, int, int], None]


@dataclass
class ImportRunResult:
    """What one run did: the GV100AD result (if a file was given) and one result per boundary layer."""

    gv100ad: ImportResult | None = None
    boundaries: list[BoundaryImportResult] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.gv100ad and self.gv100ad.changed) or any(b.changed for b in self.boundaries)

    def summaries(self) -> list[str]:
        """The German report, one block per file, in the order they were imported."""
        lines = [self.gv100ad.summary()] if self.gv100ad is not None else []
        lines.extend(result.summary() for result in self.boundaries)
        return lines


def registry_import_run(
    *,
    actor: Actor,
    gv100ad: str | Path | None = None,
    boundaries: Sequence[str | Path] = (),
    state: str | None = None,
    population_date: dt.date | None = None,
    progress: RunProgress | None = None,
) -> ImportRunResult:
    """Import a GV100AD file and/or boundary layers (in the given order) atomically.

    Refusals are those of the two services (:class:`~verbund.common.errors.ImportFileError` naming
    file, line or feature and field; ``Conflict`` for an older issue; ``Forbidden``); whichever file
    raises it, nothing of the run stays.
    """
    check_may_import(actor)
    # Read every boundary layer before anything is written: a broken or invalid file is refused
    # without opening the transaction (the geometry work takes seconds on a Land's Gemeinden).
    layers = [(Path(path), load_boundaries(Path(path))) for path in boundaries]

    def report(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        function = progress
        return lambda step, total: function(name, step, total)

    result = ImportRunResult()
    with transaction.atomic():
        if gv100ad is not None:
            path = Path(gv100ad)
            result.gv100ad = registry_import_gv100ad(
                path=path,
                actor=actor,
                state=state,
                population_date=population_date,
                progress=report(path.name),
            )
        for path, collection in layers:
            result.boundaries.append(
                registry_import_boundaries(
                    path=path, actor=actor, collection=collection, progress=report(path.name)
                )
            )
    return result
