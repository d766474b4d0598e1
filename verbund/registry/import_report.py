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
#: Bodies named in an import's audit entry per kind of change (created, updated, dissolved); the
#: rest is counted. A full import of a Land (2,500 bodies) or of Germany (12,500) stays a few KB.
AUDIT_BODIES_LISTED = 200
#: Bodies named per group of updated bodies (those with the same changed fields).
AUDIT_BODIES_PER_GROUP = 50
#: Fields every import of a newer issue sets on every body: a body where only these changed is
#: counted, not named.
BOOKKEEPING_FIELDS = frozenset({"gebietsstand", "population_date"})


def body_label(key: str, name: str) -> str:
    """How the audit names a body: "Partenheim (07331056)"."""
    return f"{name} ({key})"


def listed_bodies(labels: list[str], limit: int = AUDIT_BODIES_LISTED) -> dict[str, Any]:
    """``{"count": n, "bodies": [the first `limit`], "not_listed": the rest}`` for the audit entry."""
    return {"count": len(labels), "bodies": labels[:limit], "not_listed": max(0, len(labels) - limit)}


def grouped_updates(updated: list[tuple[str, str, tuple[str, ...]]]) -> dict[str, Any]:
    """Updated bodies grouped by the fields that changed (field codes; the audit page shows their
    labels), bodies named up to :data:`AUDIT_BODIES_PER_GROUP` per group and
    :data:`AUDIT_BODIES_LISTED` in all; bodies where only :data:`BOOKKEEPING_FIELDS` changed are
    counted as ``only_gebietsstand``."""
    groups: dict[tuple[str, ...], list[str]] = {}
    bookkeeping = 0
    for key, name, fields in updated:
        relevant = tuple(f for f in fields if f not in BOOKKEEPING_FIELDS)
        if not relevant:
            bookkeeping += 1
            continue
        groups.setdefault(relevant, []).append(body_label(key, name))
    budget = AUDIT_BODIES_LISTED
    out = []
    for fields, labels in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        shown = labels[: min(AUDIT_BODIES_PER_GROUP, budget)]
        budget -= len(shown)
        out.append(
            {
                "changed_fields": list(fields),
                "count": len(labels),
                "bodies": shown,
                "not_listed": len(labels) - len(shown),
            }
        )
    return {"count": len(updated), "only_gebietsstand": bookkeeping, "groups": out}


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
    #: Which bodies the import changed, as (key, name) and (key, name, changed fields): the audit
    #: entry names them (bounded, :func:`listed_bodies`).
    created_bodies: list[tuple[str, str]] = field(default_factory=list)
    updated_bodies: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    dissolved_bodies: list[tuple[str, str]] = field(default_factory=list)

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
        """The audit record: :meth:`counts` with the territorial changes in words, and which bodies
        were created, updated (with the fields that changed) and dissolved, bounded in size."""
        labels = dict(TerritorialChange.ChangeKind.choices)
        counts = self.counts()
        counts["changes"] = [
            f"{format_number(number)} {labels.get(kind, kind)}" for kind, number in counts["changes"].items()
        ]
        counts["created_bodies"] = listed_bodies([body_label(k, n) for k, n in self.created_bodies])
        counts["updated_bodies"] = grouped_updates(self.updated_bodies)
        counts["dissolved_bodies"] = listed_bodies([body_label(k, n) for k, n in self.dissolved_bodies])
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
