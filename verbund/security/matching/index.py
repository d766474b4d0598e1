"""The matcher's two directions: many assets against one advisory, one asset against many advisories.

:class:`AssetIndex` is built once over the inventory (by normalised vendor/product, CPE
vendor:product, purl type/namespace/name, model/serial numbers and SKUs — a sorted list for the
prefix of a ``?``/``*`` pattern —, hash values, full names) and answers :meth:`AssetIndex.match` per
advisory. :class:`AdvisoryIndex` holds compiled advisories indexed by their products' identifiers
and answers :meth:`AdvisoryIndex.match` for one new asset. :func:`match_naive` compares every
product with every asset: the baseline of the benchmark and the oracle of the property tests.

Relationships (``installed_on``, ``default_component_of``, ``optional_component_of``,
``external_component_of``, ``installed_with``): the product "A as <category> B" matches an asset
that matches A and

- one of the asset's ``platforms`` matches B (the server an application runs on, the device of a
  firmware) — or the asset itself matches B (one inventory line "RHEL 9 server" that also names the
  kernel package); the weaker of the two matches counts;
- or, when the inventory records no platform for the asset at all, with confidence "niedrig" and
  the reason saying the platform was not checked: missing an affected kernel because nobody entered
  the operating system under it would be worse than a flagged guess.

An asset that has platforms, none of which is B, does not match.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from verbund.common.i18n import gettext_noop
from verbund.security.matching.advisory import Advisory, ProductSpec
from verbund.security.matching.cpe import ANY, PRODUCT, VENDOR, Relation, compare_attribute
from verbund.security.matching.evaluate import CHECKS, asset_tokens, better, evaluate, is_rare
from verbund.security.matching.facts import (
    AssetFacts,
    Confidence,
    Evidence,
    GroupMatch,
    MatchRecord,
    Reason,
    expand,
)

_RELATION_TEXT = {
    "installed_on": gettext_noop("installiert auf „%(platform)s“"),
    "installed_with": gettext_noop("installiert zusammen mit „%(platform)s“"),
    "default_component_of": gettext_noop("Standardbestandteil von „%(platform)s“"),
    "optional_component_of": gettext_noop("optionaler Bestandteil von „%(platform)s“"),
    "external_component_of": gettext_noop("externer Bestandteil von „%(platform)s“"),
}
_RELATION_OTHER = gettext_noop("in Beziehung %(category)s zu „%(platform)s“")
_NO_PLATFORM = gettext_noop("Plattform „%(platform)s“ nicht geprüft (am Asset keine Plattform erfasst)")
_MAX_DEPTH = 8

Matches = dict[int, Evidence]
Memo = dict[tuple[Any, ...], Any]  # (id of index, product id) -> Matches, and evidence groups


def _relation_reason(category: str, platform: str) -> Reason:
    text = _RELATION_TEXT.get(category)
    if text is None:
        return Reason.of(_RELATION_OTHER, category=category, platform=platform)
    return Reason.of(text, platform=platform)


def _combine(component: Evidence, platform: Evidence, category: str, platform_name: str) -> Evidence:
    return Evidence(
        Confidence.lowest(component.confidence, platform.confidence),
        component.reason + _relation_reason(category, platform_name) + platform.reason,
    )


def _unplatformed(component: Evidence, platform_name: str) -> Evidence:
    return Evidence(Confidence.NIEDRIG, component.reason + Reason.of(_NO_PLATFORM, platform=platform_name))


def _wild(value: str) -> bool:
    return value == ANY or "*" in value or "?" in value


def spec_keys(spec: ProductSpec) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The exact index keys of a product (patterns and open CPE names are looked up otherwise)."""
    for pkey in spec.product_keys:
        yield "name", (spec.vendor_key, pkey)
    for fkey in spec.fullname_keys:
        yield "full", (fkey,)
    if spec.cpe is not None and not (_wild(spec.cpe.vendor) or _wild(spec.cpe.product)):
        yield "cpe", (spec.cpe.vendor, spec.cpe.product)
    if spec.purl is not None:
        yield "purl", spec.purl_key
    for kind, patterns in (("model", spec.models), ("serial", spec.serials)):
        for pattern in patterns:
            if pattern.regex is None:
                yield kind, (pattern.prefix,)
    for sku in spec.skus:
        yield "sku", (sku,)
    for _algorithm, value, _filename in spec.hashes:
        yield "hash", (value,)


class AssetIndex:
    """An inventory indexed for :meth:`match` (built once; assets are never changed in place)."""

    def __init__(self, assets: Iterable[AssetFacts]) -> None:
        self.assets: list[AssetFacts] = list(assets)
        self._ids = [asset.id for asset in self.assets]
        #: (kind, key) -> check arguments -> positions of the assets with that token
        self._groups: dict[tuple[str, tuple[Any, ...]], dict[tuple[Any, ...], list[int]]] = defaultdict(dict)
        self._has_platforms: set[int] = set()
        platform_facts: list[AssetFacts] = []
        self._platform_owner: list[int] = []
        # The keys of :func:`is_rare` (only products without a vendor or without any identifier
        # look them up) apart, in the same pass: every token once, in one of the two.
        rare: dict[tuple[str, tuple[Any, ...]], dict[tuple[Any, ...], list[int]]] = defaultdict(dict)
        for position, asset in enumerate(self.assets):
            for kind, key, args in asset_tokens(asset):
                (rare if is_rare(kind, key) else self._groups)[(kind, key)].setdefault(args, []).append(
                    position
                )
            if asset.platforms:
                self._has_platforms.add(position)
                for platform in asset.platforms:
                    platform_facts.append(platform)
                    self._platform_owner.append(position)
        self._groups = dict(self._groups)
        self._rare = dict(rare)
        self._sorted = {
            kind: sorted({key[0] for (k, key) in self._groups if k == kind}) for kind in ("model", "serial")
        }
        self._cpe_keys = [key for (kind, key) in self._groups if kind == "cpe"]
        self._platforms = AssetIndex(platform_facts) if platform_facts else None

    def __len__(self) -> int:
        return len(self.assets)

    def _lookup(self, kind: str, key: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], list[int]]]:
        groups = self._groups.get((kind, key))
        if groups:
            yield from groups.items()
        if is_rare(kind, key):
            yield from self._rare.get((kind, key), {}).items()

    def _candidate_keys(self, spec: ProductSpec) -> Iterator[tuple[str, tuple[Any, ...]]]:
        yield from dict.fromkeys(spec_keys(spec))
        for kind, patterns in (("model", spec.models), ("serial", spec.serials)):
            values = self._sorted[kind]
            for pattern in patterns:
                if pattern.regex is None:
                    continue
                start = bisect.bisect_left(values, pattern.prefix)
                for value in values[start:]:
                    if not value.startswith(pattern.prefix):
                        break
                    if pattern.regex.fullmatch(value):
                        yield kind, (value,)
        cpe = spec.cpe
        if cpe is not None and (_wild(cpe.vendor) or _wild(cpe.product)):
            for vendor, product in self._cpe_keys:
                if compare_attribute(cpe.attributes[VENDOR], vendor) in (
                    Relation.EQUAL,
                    Relation.SUPERSET,
                ) and compare_attribute(cpe.attributes[PRODUCT], product) in (
                    Relation.EQUAL,
                    Relation.SUPERSET,
                ):
                    yield "cpe", (vendor, product)

    def spec_matches(self, spec: ProductSpec) -> Matches:
        """Position of each asset that is ``spec``, with the surest evidence."""
        found: Matches = {}
        lowest = 4  # the lowest confidence rank in ``found``
        for kind, key in self._candidate_keys(spec):
            check = CHECKS[kind]
            for args, positions in self._lookup(kind, key):
                evidence = check(spec, *args)
                if evidence is None:
                    continue
                rank = evidence.confidence.rank
                if not found:
                    found = dict.fromkeys(positions, evidence)
                elif rank <= lowest:
                    # Improves no asset already found (a tie keeps the first): add only the new ones.
                    found.update(dict.fromkeys(set(positions).difference(found), evidence))
                else:
                    for position in positions:
                        found[position] = better(found.get(position), evidence)  # type: ignore[assignment]
                lowest = min(lowest, rank)
        return found

    def product_matches(self, advisory: Advisory, product_id: str, memo: Memo, depth: int = 0) -> Matches:
        """The assets that are product ``product_id`` of ``advisory`` (a tree product or a relationship);
        ``memo`` remembers the answers for one advisory (shared with the platform index)."""
        memo_key = (id(self), product_id)
        if memo_key in memo:
            return memo[memo_key]
        memo[memo_key] = {}  # a cycle of relationships matches nothing
        spec = advisory.products.get(product_id)
        found = self.spec_matches(spec) if spec is not None else {}
        relation = advisory.relationships.get(product_id)
        if relation is not None and depth < _MAX_DEPTH:
            components = self.product_matches(advisory, relation.component, memo, depth + 1)
            if components:
                themselves = self.product_matches(advisory, relation.platform, memo, depth + 1)
                platforms: Matches = {}
                if self._platforms is not None:
                    for position, evidence in self._platforms.product_matches(
                        advisory, relation.platform, memo, depth + 1
                    ).items():
                        owner = self._platform_owner[position]
                        platforms[owner] = better(platforms.get(owner), evidence)  # type: ignore[assignment]
                platform_name = advisory.name_of(relation.platform)
                on_positions = platforms.keys() | themselves.keys()
                has_platforms = self._has_platforms
                # Per group of components with the same evidence: the few whose platform matched
                # one by one, the rest (no platform recorded) at once with one shared evidence.
                combined: dict[tuple[int, int], Evidence] = {}
                for component, positions in self._evidence_groups(components, memo):
                    members = set(positions)
                    for position in members & on_positions:
                        on = better(platforms.get(position), themselves.get(position))
                        assert on is not None
                        pair = (id(component), id(on))
                        joined = combined.get(pair)
                        if joined is None:
                            joined = combined[pair] = _combine(
                                component, on, relation.category, platform_name
                            )
                        found[position] = better(found.get(position), joined)  # type: ignore[assignment]
                    rest = members.difference(on_positions, has_platforms)
                    if rest:
                        evidence = _unplatformed(component, platform_name)
                        for position in rest.intersection(found):
                            found[position] = better(found[position], evidence)  # type: ignore[assignment]
                            rest.discard(position)
                        found.update(dict.fromkeys(rest, evidence))
        memo[memo_key] = found
        return found

    def match_grouped(self, advisory: Advisory) -> list[GroupMatch]:
        """Every (vulnerability, product, status) of ``advisory`` this inventory has, one
        :class:`GroupMatch` per set of assets with the same evidence (see :meth:`match`)."""
        memo: Memo = {}
        grouped: dict[tuple[int, str], list[tuple[tuple[Any, ...], Evidence]]] = {}
        out: list[GroupMatch] = []
        document_id = advisory.document_id
        for vulnerability in advisory.vulnerabilities:
            for product_id, statuses in vulnerability.statuses.items():
                memo_key = (id(self), product_id)
                groups = grouped.get(memo_key)
                if groups is None:
                    found = self.product_matches(advisory, product_id, memo)
                    groups = grouped[memo_key] = self._grouped(found, memo)
                if not groups:
                    continue
                remediations = vulnerability.remediations.get(product_id, ())
                for status in statuses:
                    out.extend(
                        GroupMatch(
                            asset_ids,
                            document_id,
                            vulnerability.index,
                            vulnerability.cve,
                            product_id,
                            status,
                            remediations,
                            evidence.reason,
                            evidence.confidence,
                        )
                        for asset_ids, evidence in groups
                    )
        return out

    @staticmethod
    def _evidence_groups(found: Matches, memo: Memo) -> list[tuple[Evidence, list[int]]]:
        """The positions of ``found`` by evidence, once per advisory (``memo``): the index shares
        one evidence among the assets of a token group, so this is a grouping by identity."""
        memo_key = ("groups", id(found))
        groups: list[tuple[Evidence, list[int]]] | None = memo.get(memo_key)
        if groups is None:
            by_evidence: dict[int, tuple[Evidence, list[int]]] = {}
            for position, evidence in found.items():
                entry = by_evidence.get(id(evidence))
                if entry is None:
                    by_evidence[id(evidence)] = (evidence, [position])
                else:
                    entry[1].append(position)
            groups = memo[memo_key] = list(by_evidence.values())
        return groups

    def _grouped(self, found: Matches, memo: Memo) -> list[tuple[tuple[Any, ...], Evidence]]:
        """The asset ids of ``found`` by evidence."""
        if not found:
            return []
        ids = self._ids
        return [
            (tuple(map(ids.__getitem__, positions)), evidence)
            for evidence, positions in self._evidence_groups(found, memo)
        ]

    def iter_records(self, advisory: Advisory) -> Iterator[MatchRecord]:
        """The per-asset records of :meth:`match_grouped`, made one at a time."""
        return expand(self.match_grouped(advisory))

    def match(self, advisory: Advisory) -> list[MatchRecord]:
        """Every (asset, vulnerability, product, status) of ``advisory`` this inventory has."""
        return list(self.iter_records(advisory))


def evaluate_product(
    advisory: Advisory, product_id: str, asset: AssetFacts, depth: int = 0, seen: frozenset[str] = frozenset()
) -> Evidence | None:
    """Whether product ``product_id`` of ``advisory`` is ``asset`` (no index: one asset, one product)."""
    if product_id in seen or depth > _MAX_DEPTH:
        return None
    seen = seen | {product_id}
    spec = advisory.products.get(product_id)
    found = evaluate(spec, asset) if spec is not None else None
    relation = advisory.relationships.get(product_id)
    if relation is None:
        return found
    component = evaluate_product(advisory, relation.component, asset, depth + 1, seen)
    if component is None:
        return found
    on: Evidence | None = None
    for platform in asset.platforms:
        on = better(on, evaluate_product(advisory, relation.platform, platform, depth + 1, seen))
    on = better(on, evaluate_product(advisory, relation.platform, asset, depth + 1, seen))
    platform_name = advisory.name_of(relation.platform)
    if on is not None:
        return better(found, _combine(component, on, relation.category, platform_name))
    if not asset.platforms:
        return better(found, _unplatformed(component, platform_name))
    return found


def _records(
    advisory: Advisory, asset: AssetFacts, evidence_of: dict[str, Evidence | None]
) -> list[MatchRecord]:
    records: list[MatchRecord] = []
    for vulnerability in advisory.vulnerabilities:
        for product_id, statuses in vulnerability.statuses.items():
            evidence = evidence_of.get(product_id)
            if evidence is None:
                continue
            remediations = vulnerability.remediations.get(product_id, ())
            records.extend(
                MatchRecord(
                    asset.id,
                    advisory.document_id,
                    vulnerability.index,
                    vulnerability.cve,
                    product_id,
                    status,
                    remediations,
                    evidence.reason,
                    evidence.confidence,
                )
                for status in statuses
            )
    return records


def match_naive(advisory: Advisory, assets: Iterable[AssetFacts]) -> list[MatchRecord]:
    """Every product of every status list against every asset, without an index (baseline, oracle)."""
    records = []
    for asset in assets:
        evidence_of = {pid: evaluate_product(advisory, pid, asset) for pid in advisory.relevant}
        records.extend(_records(advisory, asset, evidence_of))
    return records


class AdvisoryIndex:
    """Compiled advisories indexed by their products' identifiers, for one new asset at a time.

    :meth:`add` replaces an advisory with the same ``key`` (a new revision); stale index entries are
    skipped on lookup and dropped by :meth:`compact`.
    """

    def __init__(self, advisories: Iterable[Advisory] = ()) -> None:
        self._advisories: dict[str, Advisory] = {}
        self._exact: dict[tuple[str, tuple[Any, ...]], list[tuple[Advisory, str]]] = defaultdict(list)
        #: model/serial patterns with wildcards, by their literal prefix
        self._prefixes: dict[str, dict[str, list[tuple[Advisory, str]]]] = {"model": {}, "serial": {}}
        #: products every asset must be checked against (CPE with an open vendor or product)
        self._always: list[tuple[Advisory, str]] = []
        for advisory in advisories:
            self.add(advisory)

    def __len__(self) -> int:
        return len(self._advisories)

    def __contains__(self, key: str) -> bool:
        return key in self._advisories

    def get(self, key: str) -> Advisory | None:
        return self._advisories.get(key)

    def add(self, advisory: Advisory) -> None:
        self._advisories[advisory.key] = advisory
        for product_id in advisory.relevant:
            for spec in self._leaf_specs(advisory, product_id, 0):
                entry = (advisory, product_id)
                for index_key in dict.fromkeys(spec_keys(spec)):
                    self._exact[index_key].append(entry)
                for kind, patterns in (("model", spec.models), ("serial", spec.serials)):
                    for pattern in patterns:
                        if pattern.regex is not None:
                            self._prefixes[kind].setdefault(pattern.prefix, []).append(entry)
                cpe = spec.cpe
                if cpe is not None and (_wild(cpe.vendor) or _wild(cpe.product)):
                    self._always.append(entry)

    def remove(self, key: str) -> None:
        self._advisories.pop(key, None)

    def compact(self) -> None:
        """Drop the index entries of removed and replaced advisories."""
        live = self._advisories

        def keep(entries: list[tuple[Advisory, str]]) -> list[tuple[Advisory, str]]:
            return [e for e in entries if live.get(e[0].key) is e[0]]

        self._exact = defaultdict(list, {k: kept for k, v in self._exact.items() if (kept := keep(v))})
        for kind, table in self._prefixes.items():
            self._prefixes[kind] = {k: kept for k, v in table.items() if (kept := keep(v))}
        self._always = keep(self._always)

    @staticmethod
    def _leaf_specs(advisory: Advisory, product_id: str, depth: int) -> Iterator[ProductSpec]:
        """The tree products through which ``product_id`` can match (a relationship: its component)."""
        spec = advisory.products.get(product_id)
        if spec is not None:
            yield spec
        relation = advisory.relationships.get(product_id)
        if relation is not None and depth < _MAX_DEPTH:
            yield from AdvisoryIndex._leaf_specs(advisory, relation.component, depth + 1)

    def candidates(self, asset: AssetFacts) -> dict[str, tuple[Advisory, set[str]]]:
        """The advisories (by key) and their product ids that may be ``asset``."""
        found: dict[str, tuple[Advisory, set[str]]] = {}
        live = self._advisories

        def take(entries: Iterable[tuple[Advisory, str]]) -> None:
            for advisory, product_id in entries:
                if live.get(advisory.key) is not advisory:
                    continue
                found.setdefault(advisory.key, (advisory, set()))[1].add(product_id)

        for kind, key, _args in asset_tokens(asset):
            take(self._exact.get((kind, key), ()))
            if kind in self._prefixes:
                value = key[0]
                table = self._prefixes[kind]
                for length in range(len(value) + 1):
                    take(table.get(value[:length], ()))
        take(self._always)
        return found

    def match(self, asset: AssetFacts) -> list[MatchRecord]:
        """Every (advisory, vulnerability, product) of the stored advisories that ``asset`` is."""
        records: list[MatchRecord] = []
        for advisory, product_ids in self.candidates(asset).values():
            evidence_of = {pid: evaluate_product(advisory, pid, asset) for pid in product_ids}
            records.extend(_records(advisory, asset, evidence_of))
        return records


def decisive(records: Iterable[MatchRecord]) -> list[MatchRecord]:
    """Per asset, document and vulnerability the one record that counts: the surest; on a tie an
    affected status before any other (a contradictory document must not hide a risk)."""
    best: dict[tuple[Any, str, int], MatchRecord] = {}
    for record in records:
        key = (record.asset_id, record.document_id, record.vulnerability)
        current = best.get(key)
        if current is None or _weight(record) > _weight(current):
            best[key] = record
    return list(best.values())


def _weight(record: MatchRecord) -> tuple[int, int]:
    return record.confidence.rank, 1 if record.status.is_affected else 0
