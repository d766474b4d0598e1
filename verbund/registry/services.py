"""The registry's services for other parts (the web shell's demo loader, the operator's tools).

The registry is read through :mod:`verbund.registry.selectors`; it is written only by its imports,
which take ``actor: Actor`` (a system actor with :data:`~verbund.registry.policies.IMPORT`, or a
person holding Plattformbetrieb)::

    from verbund.common.actors import SystemActor
    from verbund.registry.policies import IMPORT
    from verbund.registry.services import registry_import_boundaries, registry_import_gv100ad

    importer = SystemActor(name="Demodaten", capabilities=frozenset({IMPORT}))
    registry_import_gv100ad(path=gv100ad, state="07", actor=importer)
    registry_import_boundaries(path=layer, actor=importer)

    # several files, all or nothing (the command, the operator's job and load_demo use this):
    registry_import_run(actor=importer, gv100ad=gv100ad, boundaries=[layer], state="07")
"""

from __future__ import annotations

from .boundaries import BoundaryImportResult, registry_import_boundaries
from .import_run import ImportRunResult, registry_import_run
from .importer import ImportResult, registry_import_gv100ad
from .sources import RegistrySource, resolve_registry_source

__all__ = [
    "BoundaryImportResult",
    "ImportResult",
    "ImportRunResult",
    "RegistrySource",
    "registry_import_boundaries",
    "registry_import_gv100ad",
    "registry_import_run",
    "resolve_registry_source",
]
