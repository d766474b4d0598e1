"""What an import of the GV100AD did, and the German report ``manage.py import_registry`` prints.

:class:`ImportResult` is returned by :func:`verbund.registry.importer.registry_import_gv100ad`; its
:meth:`~ImportResult.counts` are kept in the run record and in the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from verbund.common.german import format_date, format_number

from .models import RegistryImport, TerritorialChange

#: Territorial changes listed in the report; the rest is counted ("… und 12 weitere").
REPORT_LINES = 50


@dataclass(frozen=True)
class ChangeNote:
    """One territorial change as the report shows it."""

    kind: str  # a TerritorialChange.ChangeKind value
    key: str
    text: str


@dataclass
class ImportResult:
    """What an import did; ``summary()`` is the German report the command prints."""

    file_name: str
    gebietsstand: dt.date
    state: str
    bodies: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dissolved: int = 0
    successor_links: int = 0
    changes: list[ChangeNote] = field(default_factory=list)
    registry_import: RegistryImport | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.dissolved or self.successor_links)

    def counts(self) -> dict[str, Any]:
        by_kind: dict[str, int] = defaultdict(int)
        for change in self.changes:
            by_kind[change.kind] += 1
        return {
            "bodies": self.bodies,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dissolved": self.dissolved,
            "changes": dict(sorted(by_kind.items())),
        }

    def audit_changes(self) -> dict[str, Any]:
        """The figures for the audit log: :meth:`counts` with the territorial changes in words."""
        labels = dict(TerritorialChange.ChangeKind.choices)
        counts = self.counts()
        counts["changes"] = [
            f"{format_number(number)} {labels.get(kind, kind)}" for kind, number in counts["changes"].items()
        ]
        return counts

    def summary(self, limit: int = REPORT_LINES) -> str:
        scope = f"Land {self.state}" if self.state else "alle Länder"
        lines = [
            f"GV100AD {self.file_name}, Gebietsstand {format_date(self.gebietsstand)}, {scope}: "
            f"{format_number(self.bodies)} Körperschaften.",
        ]
        if not self.changed:
            lines.append("Unverändert: dieser Stand ist bereits importiert, nichts wurde geschrieben.")
            return "\n".join(lines)
        lines.append(
            f"{format_number(self.created)} neu angelegt, {format_number(self.updated)} aktualisiert, "
            f"{format_number(self.unchanged)} unverändert, {format_number(self.dissolved)} aufgelöst."
        )
        if self.changes:
            lines.append(f"Gebietsänderungen ({format_number(len(self.changes))}):")
            shown = self.changes[:limit]
            lines.extend(f"  {change.text}" for change in shown)
            if len(self.changes) > len(shown):
                lines.append(f"  … und {format_number(len(self.changes) - len(shown))} weitere")
        return "\n".join(lines)
