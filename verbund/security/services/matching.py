"""Advisories matched against the members' assets (CSAF 2.0 conformance clause 9.1.13), and the
remediation state of each match.

* :func:`match_advisory` — a new document or a new revision: the matcher runs against the active
  assets that may see the advisory; :class:`~verbund.security.models.Match` rows are kept per
  (vulnerability, asset), a match that disappeared becomes ``current=False`` (kept for the history).
* :func:`match_assets` — new or changed assets against the current revision of every stored advisory:
  the compiled revisions are kept per process (:class:`CompiledAdvisories`, an
  :class:`~verbund.security.matching.AdvisoryIndex` over them), so saving one asset compiles nothing
  that is already known and writes only the advisories that may be that asset (the index's
  candidates) or that it matches now (so that a match that no longer holds is retired).
* :func:`rematch_all` — everything, on demand (a button for the ISB and Plattformbetrieb, or the
  queue task ``security.rematch_all``).
* :func:`remediation_set` — a member records how far it is with a match (not remediated / in
  progress / done / not needed), checked by :func:`verbund.security.policies.acts_for`, audited.

**Re-alert rule (9.1.13).** A match alerts (a notification to the owner body, ``alerted_at``) when it
is new, when it was no longer current and is back, when its status turned from "not affected/fixed"
to affected, or when the remediations for the matched product changed (``remediation_digest``, a
SHA-256 over the sorted remediations). A new revision that changes only other parts of the document
(a typo, a new reference, other products) updates the row silently. When the remediations changed,
a match marked "erledigt" or "nicht nötig" is set back to "nicht behoben": the old fix may not be
the one the advisory asks for now.

**Scope (TLP).** An advisory is matched only against the assets of bodies that may see it: every
body for TLP:CLEAR, public provider documents and GREEN to everyone; otherwise the owner body, the
current members of its alliance or the bodies of its sharing group. AMBER+STRICT and RED stay with
the owner body. A match therefore never tells a body about an advisory it may not read.

The matcher itself (:mod:`verbund.security.matching`) is pure; its asset index is built once per
run; rows are written with ``bulk_create``/``bulk_update``. Each row keeps its reason twice: German
text (``reason``, for the search and the exports) and the matcher's messages with their values
(``reason_parts``), shown in the reader's language (:attr:`~verbund.security.models.Match.reason_display`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize, require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal

from .. import audit_actions
from ..models import (
    AFFECTED,
    Advisory,
    AdvisoryRevision,
    Asset,
    Match,
    RemediationState,
    Vulnerability,
)
from ..policies import MANAGE, acts_for, triage_alliance_ids
from ..selectors import visible_matches

#: Who runs the automatic matches (after an import, after an asset changed, on the queue).
MATCH_ACTOR = SystemActor(name="Abgleich mit dem Bestand", capabilities=frozenset({MANAGE}))

#: Remediation states that a changed remediation sets back to "nicht behoben".
_CLOSED = (RemediationState.DONE, RemediationState.NOT_NEEDED)
_UPDATE_FIELDS = [
    "advisory",
    "product_id",
    "status",
    "confidence",
    "reason",
    "reason_parts",
    "remediations",
    "remediation_digest",
    "state",
    "state_note",
    "state_changed_by",
    "state_changed_at",
    "current",
    "alerted_at",
    "updated_at",
]
_REVISION_CHUNK = 50
#: Above this many stored advisories :func:`match_assets` compiles them one at a time again instead
#: of keeping them compiled in the process (``settings.SECURITY_MATCH_CACHE_LIMIT`` overrides it).
CACHE_LIMIT = 50_000
#: Revisions compiled by :func:`match_advisory` kept for the next :meth:`CompiledAdvisories.sync`.
_PENDING_LIMIT = 1000


@dataclass
class MatchRun:
    """What one run changed: counts, and the matches that alert (new or changed remediation)."""

    advisories: int = 0
    assets: int = 0
    created: int = 0
    updated: int = 0
    retired: int = 0
    alerted: list[Match] = field(default_factory=list)

    def add(self, other: MatchRun) -> None:
        self.created += other.created
        self.updated += other.updated
        self.retired += other.retired
        self.alerted.extend(other.alerted)

    def as_changes(self) -> dict[str, int]:
        return {
            "Hinweise": self.advisories,
            "Komponenten": self.assets,
            "neu": self.created,
            "geändert": self.updated,
            "entfallen": self.retired,
            "gemeldet": len(self.alerted),
        }


# --- facts for the matcher ---------------------------------------------------------------------


def asset_facts(asset: Asset, *, depth: int = 3) -> Any:
    """The matcher's :class:`~verbund.security.matching.facts.AssetFacts` of ``asset``, with the
    assets it runs on as platforms (load ``platform__platform`` with it)."""
    from verbund.security.matching.facts import AssetFacts

    platforms: tuple[Any, ...] = ()
    platform = asset.platform if asset.platform_id else None
    if platform is not None and depth > 0:
        platforms = (asset_facts(platform, depth=depth - 1),)
    hashes = tuple(
        (str(item.get("algorithm", "")).lower(), str(item.get("value", "")).lower())
        for item in (asset.hashes or [])
        if isinstance(item, Mapping) and item.get("value")
    )
    return AssetFacts(
        id=asset.pk,
        vendor=asset.vendor,
        product=asset.name,
        version=asset.version,
        cpe=asset.cpe,
        purl=asset.purl,
        model_numbers=(asset.model_number,) if asset.model_number else (),
        serial_numbers=(asset.serial_number,) if asset.serial_number else (),
        skus=(asset.sku,) if asset.sku else (),
        hashes=hashes,
        platforms=platforms,
    )


class _Matcher:
    """The pure matcher with its asset index, built once per run (the one place that calls it)."""

    def __init__(self, assets: Sequence[Asset]) -> None:
        from verbund.security import matching

        self._matching: Any = matching
        self.owner_of = {asset.pk: asset.owner_body_id for asset in assets}
        self.facts = [asset_facts(asset) for asset in assets]
        self.index = matching.AssetIndex(self.facts) if assets else None

    def records(self, document: Mapping[str, Any], key: str) -> list[Any]:
        """The decisive match record per (vulnerability, asset) of ``document``."""
        if self.index is None:
            return []
        return self.compiled_records(self._matching.compile_advisory(document, key=key))

    def compiled_records(self, compiled: Any) -> list[Any]:
        """The decisive match record per (vulnerability, asset) of an advisory compiled before."""
        if self.index is None:
            return []
        # The index answers per group of assets with the same evidence; the rows need one record
        # per asset, made one at a time while the decisive one per (vulnerability, asset) is kept.
        return list(self._matching.decisive(self.index.iter_records(compiled)))


# --- the compiled advisories of this process -----------------------------------------------------


class CompiledAdvisories:
    """The current revision of every stored advisory, compiled once per process and indexed by its
    products' identifiers (:class:`~verbund.security.matching.AdvisoryIndex`).

    Keyed by (advisory, revision, SHA-256 of the document): a revision row never changes, so a key
    seen once stays valid; the SHA-256 guards against a number used again after a rollback.
    :meth:`sync` brings the cache to the revisions the database (the current transaction) holds now:
    one query for the keys, the documents only of revisions not compiled yet; entries of revisions
    that are no longer current are dropped, so the cache never holds more than the stored
    advisories (plus what :meth:`compiled` added since the last sync).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        #: (advisory id, revision id, sha256) -> the compiled revision
        self._compiled: dict[tuple[int, int, str], Any] = {}
        #: advisory id -> the key of its revision in the index
        self._indexed: dict[int, tuple[int, int, str]] = {}
        #: index key -> advisory id
        self._advisory_of: dict[str, int] = {}
        self._index: Any = None
        self._dropped = 0
        #: how many documents this cache compiled (for the tests and the benchmark)
        self.compilations = 0

    @staticmethod
    def _key(advisory_id: int, tracking_id: str) -> str:
        return f"{advisory_id}:{tracking_id}"

    def _compile(self, key: tuple[int, int, str], document: Mapping[str, Any], tracking_id: str) -> Any:
        from verbund.security import matching

        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = matching.compile_advisory(document, key=self._key(key[0], tracking_id))
            self.compilations += 1
            self._compiled[key] = compiled
        return compiled

    def compiled(self, revision: AdvisoryRevision) -> Any:
        """``revision`` compiled (from the cache, else now, and kept for the next :meth:`sync`)."""
        key = (revision.advisory_id, revision.pk, revision.sha256)
        with self._lock:
            if key not in self._compiled and len(self._compiled) - len(self._indexed) >= _PENDING_LIMIT:
                indexed = set(self._indexed.values())
                for stale in [k for k in self._compiled if k not in indexed]:
                    del self._compiled[stale]
            return self._compile(key, revision.document, revision.advisory.tracking_id)

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()
            self._indexed.clear()
            self._advisory_of.clear()
            self._index = None
            self._dropped = 0

    def sync(self, limit: int | None = None) -> dict[int, Any] | None:
        """The compiled current revision per advisory id, after bringing the cache up to date;
        ``None`` (and the cache emptied) when there are more than ``limit`` advisories."""
        from verbund.security import matching

        rows = (
            AdvisoryRevision.objects.filter(version=F("advisory__version"))
            .order_by("advisory_id", "-received_at", "-id")
            .values_list("advisory_id", "pk", "sha256", "advisory__tracking_id")
        )
        wanted: dict[int, tuple[tuple[int, int, str], str]] = {}
        for advisory_id, revision_id, sha256, tracking_id in rows:
            wanted.setdefault(advisory_id, ((advisory_id, revision_id, sha256), tracking_id))
        if limit is not None and len(wanted) > limit:
            self.clear()
            return None
        with self._lock:
            if self._index is None:
                self._index = matching.AdvisoryIndex()
            for advisory_id in [a for a, k in self._indexed.items() if wanted.get(a, (None,))[0] != k]:
                self._drop(advisory_id)
            missing = [(key, tracking) for a, (key, tracking) in wanted.items() if a not in self._indexed]
            for start in range(0, len(missing), _REVISION_CHUNK):
                chunk = missing[start : start + _REVISION_CHUNK]
                documents: dict[int, tuple[str, Any]] = {}
                unknown = [key[1] for key, _t in chunk if key not in self._compiled]
                if unknown:
                    documents = {
                        pk: (sha256, document)
                        for pk, sha256, document in AdvisoryRevision.objects.filter(
                            pk__in=unknown
                        ).values_list("pk", "sha256", "document")
                    }
                for key, tracking_id in chunk:
                    if key not in self._compiled:
                        sha256, document = documents.get(key[1], ("", None))
                        if document is None or sha256 != key[2]:
                            continue  # gone or changed since the keys were read: the next sync
                        self._compile(key, document, tracking_id)
                    compiled = self._compiled[key]
                    self._index.add(compiled)
                    self._indexed[key[0]] = key
                    self._advisory_of[compiled.key] = key[0]
            keep = set(self._indexed.values())
            for key in [k for k in self._compiled if k not in keep]:
                del self._compiled[key]
            if self._dropped > max(100, len(self._indexed) // 4):
                self._index.compact()
                self._dropped = 0
            return {advisory_id: self._compiled[key] for advisory_id, key in self._indexed.items()}

    def _drop(self, advisory_id: int) -> None:
        key = self._indexed.pop(advisory_id)
        compiled = self._compiled.pop(key, None)
        if compiled is not None:
            self._index.remove(compiled.key)
            self._advisory_of.pop(compiled.key, None)
        self._dropped += 1

    def candidates(self, facts: Iterable[Any]) -> set[int]:
        """The advisory ids whose current revision may be one of the assets of ``facts`` (after
        :meth:`sync`): every advisory that could give a match record for them, and some more."""
        found: set[int] = set()
        with self._lock:
            if self._index is None:
                return found
            for item in facts:
                for key in self._index.candidates(item):
                    advisory_id = self._advisory_of.get(key)
                    if advisory_id is not None:
                        found.add(advisory_id)
        return found


#: The compiled advisories of this process (see :class:`CompiledAdvisories`).
ADVISORIES = CompiledAdvisories()


def _cache_limit() -> int:
    return int(settings.SECURITY_MATCH_CACHE_LIMIT)


# --- the TLP scope of an advisory ----------------------------------------------------------------


class _Scopes:
    """Which bodies may see each advisory (``None``: every body), for many advisories at once."""

    def __init__(self) -> None:
        self._alliances: dict[int, frozenset[int]] = {}
        self._groups: dict[int, frozenset[int]] = {}

    def _members(self, alliance_id: int) -> frozenset[int]:
        if alliance_id not in self._alliances:
            from verbund.alliances.models import Membership

            self._alliances[alliance_id] = frozenset(
                Membership.objects.current().filter(alliance_id=alliance_id).values_list("body_id", flat=True)
            )
        return self._alliances[alliance_id]

    def _group(self, group_id: int) -> frozenset[int]:
        if group_id not in self._groups:
            from ..models import SharingGroup

            through: Any = SharingGroup.bodies.through
            self._groups[group_id] = frozenset(
                through._default_manager.filter(sharinggroup_id=group_id).values_list("body_id", flat=True)
            )
        return self._groups[group_id]

    def bodies(self, advisory: Advisory) -> frozenset[int] | None:
        if advisory.tlp == "clear" or advisory.owner_body_id is None:
            return None
        if advisory.tlp == "green" and advisory.distribution in ("all", "all_alliances"):
            return None
        allowed = {advisory.owner_body_id}
        if advisory.tlp in ("green", "amber"):
            if advisory.distribution == "alliance" and advisory.alliance_id:
                allowed |= self._members(advisory.alliance_id)
            elif advisory.distribution == "group" and advisory.sharing_group_id:
                allowed |= self._group(advisory.sharing_group_id)
        return frozenset(allowed)


def _asset_filter(bodies: frozenset[int] | None) -> Q:
    return Q() if bodies is None else Q(owner_body_id__in=bodies)


# --- storing -------------------------------------------------------------------------------------


def remediation_digest(remediations: Iterable[Any]) -> str:
    """SHA-256 over the remediations of a matched product, independent of their order."""
    items = sorted(
        (str(_get(r, "category")), str(_get(r, "details")).strip(), str(_get(r, "url") or ""))
        for r in remediations
    )
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode("utf-8")).hexdigest()


def _get(item: Any, name: str) -> Any:
    return item.get(name, "") if isinstance(item, Mapping) else getattr(item, name, "")


def _reason_text(reason: Any) -> str:
    from django.conf import settings
    from django.utils import translation

    # stored in German, the source language, whatever language the run happens in
    with translation.override(settings.LANGUAGE_CODE):
        return str(getattr(reason, "text", reason))


def reason_parts(reason: Any) -> list[list[Any]]:
    """The matcher's reason as stored in ``Match.reason_parts``: ``[[msgid, {name: value}], …]`` (the
    German messages untranslated, so that each reader gets them in their language)."""
    steps = getattr(reason, "steps", None)
    if not steps:
        return []
    return [[str(message), {str(k): str(v) for k, v in dict(values).items()}] for message, values in steps]


def _vulnerability_lookup(vulnerabilities: Iterable[Vulnerability]) -> dict[Any, Vulnerability]:
    lookup: dict[Any, Vulnerability] = {}
    for vulnerability in vulnerabilities:
        lookup[("key", vulnerability.key)] = vulnerability
        lookup.setdefault(("position", vulnerability.position), vulnerability)
        if vulnerability.cve:
            lookup.setdefault(("key", vulnerability.cve), vulnerability)
    return lookup


def _find_vulnerability(lookup: Mapping[Any, Vulnerability], record: Any) -> Vulnerability | None:
    index = int(record.vulnerability)
    for candidate in (
        ("key", record.cve) if record.cve else None,
        ("key", f"#{index}"),
        ("key", f"#{index + 1}"),
        ("position", index),
    ):
        if candidate is not None and candidate in lookup:
            return lookup[candidate]
    return None


def _store(
    advisory: Advisory,
    vulnerabilities: Iterable[Vulnerability],
    records: Iterable[Any],
    existing: Iterable[Match],
) -> MatchRun:
    """Write the records of one advisory; ``existing`` are the rows the run may change or retire."""
    now = timezone.now()
    lookup = _vulnerability_lookup(vulnerabilities)
    rows = {(m.vulnerability_id, m.asset_id): m for m in existing}
    run = MatchRun()
    new: list[Match] = []
    changed: list[Match] = []
    for record in records:
        vulnerability = _find_vulnerability(lookup, record)
        if vulnerability is None:
            continue
        remediations = [
            {"category": str(r.category), "details": str(r.details), "url": str(getattr(r, "url", "") or "")}
            for r in record.remediations
        ]
        digest = remediation_digest(remediations)
        status = str(record.status)
        affected = status in AFFECTED
        values = {
            "product_id": str(record.product_id)[:500],
            "status": status,
            "confidence": str(record.confidence),
            "reason": _reason_text(record.reason),
            "reason_parts": reason_parts(record.reason),
            "remediations": remediations,
            "remediation_digest": digest,
        }
        match = rows.pop((vulnerability.pk, record.asset_id), None)
        if match is None:
            match = Match(advisory=advisory, vulnerability=vulnerability, asset_id=record.asset_id, **values)
            if affected:
                match.alerted_at = now
                run.alerted.append(match)
            new.append(match)
            continue
        was_affected = match.current and match.status in AFFECTED
        remediation_changed = match.remediation_digest != digest
        alert = affected and (not was_affected or remediation_changed)
        if not (match.current and all(getattr(match, k) == v for k, v in values.items())) or alert:
            for name, value in values.items():
                setattr(match, name, value)
            match.advisory = advisory
            match.current = True
            match.updated_at = now
            if alert:
                match.alerted_at = now
                run.alerted.append(match)
                if remediation_changed and was_affected and match.state in _CLOSED:
                    match.state = RemediationState.OPEN
                    match.state_note = _("Die Abhilfen im Hinweis haben sich geändert.")[:1000]
                    match.state_changed_by = None
                    match.state_changed_at = now
            changed.append(match)
    for match in rows.values():
        if match.current:
            match.current = False
            match.updated_at = now
            changed.append(match)
            run.retired += 1
    if new:
        Match.objects.bulk_create(new, batch_size=500)
    if changed:
        Match.objects.bulk_update(changed, _UPDATE_FIELDS, batch_size=500)
    run.created = len(new)
    run.updated = len(changed) - run.retired
    return run


def current_revisions(advisory_ids: Iterable[int] | None = None) -> Iterator[AdvisoryRevision]:
    """The revision each advisory is at now (its ``version``), in chunks, with the advisory."""
    queryset = AdvisoryRevision.objects.filter(version=F("advisory__version")).select_related("advisory")
    if advisory_ids is not None:
        queryset = queryset.filter(advisory_id__in=list(advisory_ids))
    seen: set[int] = set()
    for revision in queryset.order_by("advisory_id", "-received_at", "-id").iterator(
        chunk_size=_REVISION_CHUNK
    ):
        if revision.advisory_id not in seen:
            seen.add(revision.advisory_id)
            yield revision


def _document_key(advisory: Advisory) -> str:
    return f"{advisory.pk}:{advisory.tracking_id}"


def _active_assets(filter_: Q) -> list[Asset]:
    return list(
        Asset.objects.filter(active=True)
        .filter(filter_)
        .select_related("platform__platform__platform")
        .order_by("pk")
    )


def _alert(actor: Actor, run: MatchRun) -> None:
    if not run.alerted:
        return
    from .. import events

    events.matches_alerted(actor=actor, matches=run.alerted)


# --- the three runs ------------------------------------------------------------------------------


def match_advisory(advisory_id: int, *, actor: Actor = MATCH_ACTOR) -> MatchRun:
    """Match the current revision of one advisory against the assets that may see it (a new document
    or a new revision; called by the import after its commit)."""
    authorize(actor, _may_run, _("Den Abgleich dürfen nur Beauftragte und der Plattformbetrieb starten."))
    with transaction.atomic():
        advisory = Advisory.objects.select_for_update(of=("self",)).filter(pk=advisory_id).first()
        if advisory is None:
            raise NotFound()
        revision = next(current_revisions([advisory.pk]), None)
        bodies = _Scopes().bodies(advisory)
        assets = _active_assets(_asset_filter(bodies))
        records = _Matcher(assets).compiled_records(ADVISORIES.compiled(revision)) if revision else []
        run = _store(
            advisory,
            advisory.vulnerabilities.filter(current=True),
            records,
            Match.objects.filter(advisory=advisory).select_for_update(of=("self",)),
        )
        run.advisories, run.assets = 1, len(assets)
        _alert(actor, run)
    return run


def match_assets(asset_ids: Iterable[int], *, actor: Actor = MATCH_ACTOR) -> MatchRun:
    """Match new or changed assets against every stored advisory's current revision; the matches of
    assets out of service stop being current.

    The advisories come compiled from this process's cache (:data:`ADVISORIES`); rows are written
    only for the advisories that may be one of the assets (the advisory index's candidates) and for
    those the assets have current matches of (so that a match that no longer holds is retired): the
    work of saving one asset does not grow with the number of stored advisories.
    """
    authorize(actor, _may_run, _("Den Abgleich dürfen nur Beauftragte und der Plattformbetrieb starten."))
    ids = sorted({int(i) for i in asset_ids})
    total = MatchRun()
    if not ids:
        return total
    with transaction.atomic():
        assets = _active_assets(Q(pk__in=ids))
        matcher = _Matcher(assets)
        scopes = _Scopes()
        active_ids = [a.pk for a in assets]
        inactive = Match.objects.filter(asset_id__in=set(ids) - set(active_ids), current=True)
        total.retired += inactive.update(current=False, updated_at=timezone.now())
        compiled = ADVISORIES.sync(limit=_cache_limit())
        if compiled is None:
            _match_assets_scan(matcher, scopes, active_ids, total)
        else:
            total.advisories = len(compiled)
            if active_ids:
                wanted = ADVISORIES.candidates(matcher.facts)
                wanted.update(
                    Match.objects.filter(asset_id__in=active_ids, current=True)
                    .values_list("advisory_id", flat=True)
                    .distinct()
                )
                wanted.intersection_update(compiled)
                _match_assets_candidates(matcher, scopes, active_ids, compiled, sorted(wanted), total)
        total.assets = len(assets)
        _alert(actor, total)
    return total


def _match_assets_candidates(
    matcher: _Matcher,
    scopes: _Scopes,
    active_ids: list[int],
    compiled: Mapping[int, Any],
    advisory_ids: list[int],
    total: MatchRun,
) -> None:
    """:func:`match_assets` over the given advisories (in the order of their ids), each advisory, its
    current vulnerabilities and the assets' existing rows read once for all of them."""
    if not advisory_ids:
        return
    advisories = Advisory.objects.in_bulk(advisory_ids)
    vulnerabilities: dict[int, list[Vulnerability]] = defaultdict(list)
    for vulnerability in Vulnerability.objects.filter(advisory_id__in=advisory_ids, current=True).order_by(
        "advisory", "position"
    ):
        vulnerabilities[vulnerability.advisory_id].append(vulnerability)
    existing: dict[int, list[Match]] = defaultdict(list)
    for match in Match.objects.filter(advisory_id__in=advisory_ids, asset_id__in=active_ids).order_by("pk"):
        existing[match.advisory_id].append(match)
    for advisory_id in advisory_ids:
        advisory = advisories.get(advisory_id)
        if advisory is None:
            continue
        bodies = scopes.bodies(advisory)
        records = [
            r
            for r in matcher.compiled_records(compiled[advisory_id])
            if bodies is None or matcher.owner_of.get(r.asset_id) in bodies
        ]
        rows = existing.get(advisory_id, [])
        if not records and not any(m.current for m in rows):
            continue
        total.add(_store(advisory, vulnerabilities.get(advisory_id, []), records, rows))


def _match_assets_scan(matcher: _Matcher, scopes: _Scopes, active_ids: list[int], total: MatchRun) -> None:
    """:func:`match_assets` over every stored advisory, compiled one at a time (beyond the cache)."""
    for revision in current_revisions():
        advisory = revision.advisory
        total.advisories += 1
        bodies = scopes.bodies(advisory)
        records = [
            r
            for r in matcher.records(revision.document, _document_key(advisory))
            if bodies is None or matcher.owner_of.get(r.asset_id) in bodies
        ]
        existing = Match.objects.filter(advisory=advisory, asset_id__in=active_ids)
        if not records and not existing.filter(current=True).exists():
            continue
        total.add(_store(advisory, advisory.vulnerabilities.filter(current=True), records, existing))


def rematch_all(*, actor: Actor) -> MatchRun:
    """Every current advisory against every active asset, the asset index built once (on demand)."""
    authorize(actor, _may_run, _("Den Abgleich dürfen nur Beauftragte und der Plattformbetrieb starten."))
    total = MatchRun()
    with transaction.atomic():
        assets = _active_assets(Q())
        matcher = _Matcher(assets)
        scopes = _Scopes()
        total.retired += Match.objects.filter(current=True, asset__active=False).update(
            current=False, updated_at=timezone.now()
        )
        for revision in current_revisions():
            advisory = revision.advisory
            total.advisories += 1
            bodies = scopes.bodies(advisory)
            records = [
                r
                for r in matcher.records(revision.document, _document_key(advisory))
                if bodies is None or matcher.owner_of.get(r.asset_id) in bodies
            ]
            existing = Match.objects.filter(advisory=advisory, asset__active=True)
            total.add(_store(advisory, advisory.vulnerabilities.filter(current=True), records, existing))
        total.assets = len(assets)
        audit_record(
            actor=actor,
            action=audit_actions.MATCH_RUN,
            object_type="security.match",
            object_id="",
            object_repr=_("alle Hinweise und Komponenten"),
            changes=total.as_changes(),
        )
        _alert(actor, total)
    return total


def rematch_all_queue(*, actor: Actor) -> None:
    """Queue :func:`rematch_all` (after commit) for the worker; checks the actor now."""
    authorize(actor, _may_run, _("Den Abgleich dürfen nur Beauftragte und der Plattformbetrieb starten."))
    from ..tasks import rematch_all as task

    transaction.on_commit(lambda: task.delay(), robust=True)


def _may_run(principal: Principal) -> bool:
    """Start a run: the system (:data:`MANAGE`), Plattformbetrieb, coordinators and security officers."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or bool(triage_alliance_ids(principal))


def may_rematch(principal: Principal) -> bool:
    return _may_run(principal)


# --- the remediation state -----------------------------------------------------------------------


def may_set_remediation(principal: Principal, match: Match) -> bool:
    """Staff, heads and officers of the body that runs the asset (:func:`acts_for`)."""
    return acts_for(principal, match.asset.owner_body_id)


@transaction.atomic
def remediation_set(*, actor: Actor, match_id: int, state: str, note: str = "") -> Match:
    """Record how far the owner body is with one match (who and when are kept; audited)."""
    principal = authorize(actor)
    match = (
        visible_matches(principal)
        .select_related("asset", "advisory")
        .select_for_update(of=("self",))
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound()
    require(
        may_set_remediation(principal, match),
        _("Den Stand der Behebung trägt die Körperschaft ein, der die Komponente gehört."),
    )
    if state not in RemediationState.values:
        raise Invalid(fields={"state": [_("Unbekannter Stand der Behebung.")]})
    note = (note or "").strip()
    if len(note) > 1000:
        raise Invalid(fields={"note": [_("Die Bemerkung ist zu lang (höchstens 1000 Zeichen).")]})
    old_state, old_note = match.state, match.state_note
    if old_state == state and old_note == note:
        return match
    match.state = state
    match.state_note = note
    match.state_changed_by = actor if not isinstance(actor, SystemActor) else None  # type: ignore[assignment]
    match.state_changed_at = timezone.now()
    match.save(update_fields=["state", "state_note", "state_changed_by", "state_changed_at", "updated_at"])
    changes: dict[str, Any] = {
        "Behebung": [str(RemediationState(old_state).label), str(match.get_state_display())]
    }
    if old_note != note:
        # the note may say what the body runs: the audit log only says that it changed
        changes["Bemerkung"] = "geändert"
    audit_record(
        actor=actor,
        action=audit_actions.REMEDIATION_SET,
        object_type="security.match",
        object_id=str(match.pk),
        object_repr=f"Treffer Nr. {match.pk}",
        changes=changes,
        body=match.asset.owner_body_id,
    )
    return match
