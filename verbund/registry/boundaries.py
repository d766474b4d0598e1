"""Import a boundary GeoJSON file into the registry: boundaries, centroids and neighbour links.

The geometry work is pure (:mod:`verbund.registry.geometry`) and runs before the transaction opens,
so the database is locked only for the writes. Each boundary layer (Gemeinden, Verbandsgemeinden,
Kreise) is one file; the neighbour links of a layer are those among the bodies of its file, and an
import replaces only those. Links of the other layers stay: a kreisfreie Stadt is a neighbour of
Ortsgemeinden in the Gemeinde layer and of Landkreise in the Kreis layer at the same time.

A second run of the same file writes nothing, not even a run record (as the GV100AD import): every
row is compared first and left alone when it is unchanged, so ``updated_at`` keeps telling when the
data last changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.data import sha256_of_file
from verbund.common.errors import ImportFileError
from verbund.common.german import format_number

from .audit_actions import REGISTRY_IMPORT_BOUNDARIES
from .geometry import BoundaryCollection, BoundaryFeature, KeyKind, load_boundaries
from .import_report import body_label, listed_bodies
from .importer import check_may_import, imported_by
from .models import Body, BodyBoundary, BodyNeighbour, Kind, RegistryImport

Progress = Callable[[int, int], None]

#: Rounding of stored centroids: 6 decimals are about 0.1 m, the precision of the boundary files.
CENTROID_DECIMALS = 6
#: Steps reported to ``progress``: computed, matched, boundaries, centroids, neighbours.
PROGRESS_STEPS = 5
_CHUNK = 500
#: Unmatched keys kept in the run record (the count is always complete).
UNMATCHED_KEPT = 100
#: The boundary fields an import sets (besides ``updated_at``).
BOUNDARY_FIELDS = ("geometry", "min_lon", "min_lat", "max_lon", "max_lat", "source")
#: The bodies whose own 9-digit association key a Gemeindeverband layer carries: they belong to no
#: Gemeindeverband, so the layer has a polygon for them (an Ortsgemeinde's association key is that
#: of its Verbandsgemeinde and must not match).
_OWN_ASSOCIATION_KINDS = frozenset({Kind.VERBANDSFREIE_GEMEINDE, Kind.KREISFREIE_STADT})

_T = TypeVar("_T")


@dataclasses.dataclass
class BoundaryImportResult:
    """What one run of :func:`registry_import_boundaries` found and changed."""

    file_name: str
    features: int
    boundaries: int
    neighbours: int
    boundaries_created: int = 0
    boundaries_updated: int = 0
    centroids_updated: int = 0
    links_created: int = 0
    links_updated: int = 0
    links_deleted: int = 0
    unmatched: list[str] = dataclasses.field(default_factory=list)
    #: The run record; ``None`` when nothing changed (then nothing at all was written).
    registry_import: RegistryImport | None = None
    #: Which bodies got a new or changed boundary, and whose neighbour links changed, as (key, name):
    #: the audit entry names them (bounded).
    boundary_bodies: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    neighbour_bodies: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.boundaries_created,
                self.boundaries_updated,
                self.centroids_updated,
                self.links_created,
                self.links_updated,
                self.links_deleted,
            )
        )

    def counts(self) -> dict[str, Any]:
        """The figures kept in ``RegistryImport.counts`` and in the audit record."""
        return {
            "features": self.features,
            "boundaries": self.boundaries,
            "neighbours": self.neighbours,
            "boundaries_created": self.boundaries_created,
            "boundaries_updated": self.boundaries_updated,
            "boundaries_unchanged": self.boundaries - self.boundaries_created - self.boundaries_updated,
            "centroids_updated": self.centroids_updated,
            "links_created": self.links_created,
            "links_updated": self.links_updated,
            "links_deleted": self.links_deleted,
            "unmatched": len(self.unmatched),
            "unmatched_keys": self.unmatched[:UNMATCHED_KEPT],
        }

    def audit_changes(self) -> dict[str, Any]:
        """The audit record: :meth:`counts` and which bodies' boundaries and neighbour links changed."""
        return {
            **self.counts(),
            "boundary_bodies": listed_bodies([body_label(k, n) for k, n in self.boundary_bodies]),
            "neighbour_bodies": listed_bodies([body_label(k, n) for k, n in self.neighbour_bodies]),
        }

    def summary(self) -> str:
        """One German line for the command's output, e.g. "2.300 Grenzen, 6.677 Nachbarschaften (Datei …)"."""
        text = f"{format_number(self.boundaries)} Grenzen, {format_number(self.neighbours)} Nachbarschaften"
        text += f" (Datei {self.file_name})"
        if not self.changed:
            text += "; unverändert, nichts geschrieben"
        else:
            parts = [
                (self.boundaries_created, "Grenzen neu"),
                (self.boundaries_updated, "Grenzen geändert"),
                (self.centroids_updated, "Schwerpunkte gesetzt"),
                (self.links_created, "Nachbarschaftsverweise neu"),
                (self.links_updated, "Nachbarschaftsverweise geändert"),
                (self.links_deleted, "Nachbarschaftsverweise entfernt"),
            ]
            text += "; " + ", ".join(f"{format_number(n)} {label}" for n, label in parts if n)
        if self.unmatched:
            shown = ", ".join(self.unmatched[:10]) + (", …" if len(self.unmatched) > 10 else "")
            text += f"; {format_number(len(self.unmatched))} Gebiete ohne Körperschaft im Register: {shown}"
        return text


def _chunks(items: Iterable[_T], size: int = _CHUNK) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def match_bodies(features: list[BoundaryFeature], *, file_name: str) -> tuple[dict[str, Body], list[str]]:
    """Find the current body of every feature; return ``{key: body}`` and the keys without one.

    The layers name their bodies by different keys: ``ars``/``ags`` a Gemeinde; ``gemeindeverband_ars``
    a Gemeindeverband by its key, or a verbandsfreie Gemeinde / kreisfreie Stadt by its own
    association key; ``kreis_ags`` a Kreis by its key, or a kreisfreie Stadt by its AGS
    ``kreis_ags + "000"``. An exact key always wins over the fallbacks.
    """
    # Every official key starts with the Land: restricting to those Länder keeps the query small.
    states = sorted({feature.key[:2] for feature in features})
    by_key: dict[str, Body] = {}
    by_ars: dict[str, Body] = {}
    by_ags: dict[str, Body] = {}
    by_own_association: dict[str, Body] = {}
    fields = (
        "id",
        "key",
        "ars",
        "ags",
        "association_key",
        "kind",
        "name",
        "state",
        "centroid_lat",
        "centroid_lon",
    )
    for row in Body.objects.current().filter(state__in=states).only(*fields).order_by("id"):
        by_key[row.key] = row
        by_ars[row.ars] = row
        if row.ags and (row.ags not in by_ags or row.kind in _OWN_ASSOCIATION_KINDS):
            by_ags[row.ags] = row
        if row.association_key and row.kind in _OWN_ASSOCIATION_KINDS:
            by_own_association[row.association_key] = row

    matched: dict[str, Body] = {}
    unmatched: list[str] = []
    claimed: dict[int, str] = {}
    for feature in features:
        key = feature.key
        body: Body | None
        if feature.key_kind is KeyKind.ARS:
            body = by_ars.get(key)
        elif feature.key_kind is KeyKind.AGS:
            body = by_ags.get(key)
        elif feature.key_kind is KeyKind.ASSOCIATION:
            body = by_key.get(key) or by_own_association.get(key)
        else:
            body = by_key.get(key) or by_ags.get(key + "000")
        if body is None:
            unmatched.append(key)
            continue
        if body.pk in claimed:
            raise ImportFileError(
                f"Schlüssel {claimed[body.pk]} und {key} bezeichnen dieselbe Körperschaft "
                f"{body.ars} ({body.name})",
                path=file_name,
                field=feature.key_kind.value,
            )
        claimed[body.pk] = key
        matched[key] = body
    return matched, unmatched


def registry_import_boundaries(
    *,
    path: str | Path,
    actor: Actor,
    progress: Progress | None = None,
    collection: BoundaryCollection | None = None,
) -> BoundaryImportResult:
    """Import one boundary GeoJSON file (one layer): boundaries, centroids, neighbour links.

    ``actor`` needs the capability :data:`~verbund.registry.policies.IMPORT` (a system actor) or
    Plattformbetrieb (a person); a string raises ``TypeError``.

    Features whose key names no current body are reported, not fatal (the file may hold areas the
    registry does not, such as a condominium); a file of which no feature matches is an error,
    because then the registry has not been imported yet. ``progress(step, total)`` is called with the
    number of steps done so far. ``collection`` is the file already read with
    :func:`~verbund.registry.geometry.load_boundaries` (:mod:`verbund.registry.import_run` reads
    every file of a run before it writes anything).
    """
    check_may_import(actor)
    path = Path(path)

    def report(step: int) -> None:
        if progress is not None:
            progress(step, PROGRESS_STEPS)

    if collection is None:
        collection = load_boundaries(path)
    if not collection.features:
        raise ImportFileError("Die Datei enthält keine Gebiete.", path=collection.file_name, field="features")
    sha256 = sha256_of_file(path)
    report(1)
    with transaction.atomic():
        matched, unmatched = match_bodies(collection.features, file_name=collection.file_name)
        if not matched:
            raise ImportFileError(
                f"keines der {format_number(len(collection.features))} Gebiete passt zu einer "
                "Körperschaft im Register. Register zuerst importieren (import_registry --gv100ad …).",
                path=collection.file_name,
            )
        report(2)
        created, updated = _store_boundaries(collection, matched)
        by_id = {body.pk: body for body in matched.values()}
        report(3)
        centroids = _store_centroids(collection, matched)
        report(4)
        pairs = [pair for pair in collection.pairs if pair.key_a in matched and pair.key_b in matched]
        desired = {}
        for pair in pairs:
            a, b = matched[pair.key_a].pk, matched[pair.key_b].pk
            desired[(a, b)] = pair.shared_border_m
            desired[(b, a)] = pair.shared_border_m
        links_created, links_updated, links_deleted, relinked = _store_neighbours(
            desired, {body.pk for body in matched.values()}
        )
        report(5)
        result = BoundaryImportResult(
            file_name=collection.file_name,
            features=len(collection.features),
            boundaries=len(matched),
            neighbours=len(pairs),
            boundaries_created=len(created),
            boundaries_updated=len(updated),
            centroids_updated=centroids,
            links_created=links_created,
            links_updated=links_updated,
            links_deleted=links_deleted,
            unmatched=unmatched,
            boundary_bodies=[(by_id[pk].key, by_id[pk].name) for pk in sorted({*created, *updated})],
            neighbour_bodies=[(by_id[pk].key, by_id[pk].name) for pk in sorted(relinked)],
        )
        if result.changed:
            # Like the GV100AD import: a run that changes nothing leaves no trace, so a second run
            # of the same file really writes nothing.
            states = {body.state for body in matched.values()}
            result.registry_import = RegistryImport.objects.create(
                source=RegistryImport.Source.BOUNDARIES,
                file_name=collection.file_name[:300],
                sha256=sha256,
                state=states.pop() if len(states) == 1 else "",
                imported_by=imported_by(actor),
                counts=result.counts(),
            )
            audit_record(
                actor=actor,
                action=REGISTRY_IMPORT_BOUNDARIES,
                target=result.registry_import,
                changes=result.audit_changes(),
            )
    return result


def _source_label(collection: BoundaryCollection) -> str:
    label = collection.file_name
    if collection.source:
        label = f"{label}: {collection.source}"
    return label[:300]


def _store_boundaries(
    collection: BoundaryCollection, matched: dict[str, Body]
) -> tuple[list[int], list[int]]:
    """Create or update the boundary rows; unchanged rows are not written. Returns the ids of the
    bodies whose boundary was created and of those whose boundary was updated."""
    source = _source_label(collection)
    body_ids = [body.pk for body in matched.values()]
    existing: dict[int, BodyBoundary] = {}
    for chunk in _chunks(body_ids):
        existing.update((row.body_id, row) for row in BodyBoundary.objects.filter(body_id__in=chunk))
    now = timezone.now()
    to_create: list[BodyBoundary] = []
    to_update: list[BodyBoundary] = []
    for feature in collection.features:
        body = matched.get(feature.key)
        if body is None:
            continue
        min_lon, min_lat, max_lon, max_lat = feature.bbox
        values = {
            "geometry": feature.geometry,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "source": source,
        }
        row = existing.get(body.pk)
        if row is None:
            to_create.append(BodyBoundary(body=body, **values))
        elif any(getattr(row, name) != value for name, value in values.items() if name != "source"):
            # The source is not compared: the same polygon comes in several layers (a kreisfreie
            # Stadt is in the Gemeinde, Verbandsgemeinde and Kreis layers), and naming the layer
            # that supplied it first must not make every other layer's run a change.
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            to_update.append(row)
    for row in [*to_create, *to_update]:
        row.full_clean(exclude=["body"])
    BodyBoundary.objects.bulk_create(to_create, batch_size=_CHUNK)
    BodyBoundary.objects.bulk_update(to_update, [*BOUNDARY_FIELDS, "updated_at"], batch_size=_CHUNK)
    return [row.body_id for row in to_create], [row.body_id for row in to_update]


def _store_centroids(collection: BoundaryCollection, matched: dict[str, Body]) -> int:
    """Set the area centroid of each body whose centroid changed; returns how many."""
    now = timezone.now()
    changed: list[Body] = []
    for feature in collection.features:
        body = matched.get(feature.key)
        if body is None:
            continue
        lon, lat = (round(value, CENTROID_DECIMALS) for value in feature.centroid)
        if body.centroid_lat != lat or body.centroid_lon != lon:
            body.centroid_lat, body.centroid_lon, body.updated_at = lat, lon, now
            changed.append(body)
    Body.objects.bulk_update(changed, ["centroid_lat", "centroid_lon", "updated_at"], batch_size=_CHUNK)
    return len(changed)


def _store_neighbours(
    desired: dict[tuple[int, int], float], body_ids: set[int]
) -> tuple[int, int, int, set[int]]:
    """Make the links among ``body_ids`` equal to ``desired`` ({(body, neighbour): metres}).

    Links from or to bodies outside this file belong to another layer and are left alone. Returns
    (created, updated, deleted, ids of the bodies whose links changed).
    """
    existing: dict[tuple[int, int], BodyNeighbour] = {}
    for chunk in _chunks(sorted(body_ids)):
        for link in BodyNeighbour.objects.filter(body_id__in=chunk).only(
            "id", "body", "neighbour", "shared_border_m"
        ):
            if link.neighbour_id in body_ids:
                existing[(link.body_id, link.neighbour_id)] = link
    stale = [link.pk for pair, link in existing.items() if pair not in desired]
    to_update: list[BodyNeighbour] = []
    to_create: list[BodyNeighbour] = []
    for (body_id, neighbour_id), metres in desired.items():
        current = existing.get((body_id, neighbour_id))
        if current is None:
            to_create.append(
                BodyNeighbour(body_id=body_id, neighbour_id=neighbour_id, shared_border_m=metres)
            )
        elif current.shared_border_m != metres:
            current.shared_border_m = metres
            to_update.append(current)
    relinked = {link.body_id for link in [*to_create, *to_update]}
    relinked.update(pair[0] for pair, link in existing.items() if pair not in desired)
    for chunk in _chunks(stale):
        BodyNeighbour.objects.filter(pk__in=chunk).delete()
    BodyNeighbour.objects.bulk_update(to_update, ["shared_border_m"], batch_size=_CHUNK)
    BodyNeighbour.objects.bulk_create(to_create, batch_size=_CHUNK)
    return len(to_create), len(to_update), len(stale), relinked
