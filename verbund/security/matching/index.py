"""The matcher's two directions: many assets against one advisory, one asset against many advisories.

:class:`AssetIndex` is built once over the inventory (by normalised vendor/product, CPE
vendor:product, purl type/namespace/name, model/serial numbers and SKUs — a sorted list for the
prefix of a ``?``/``*`` pattern —, hash values, full names) and answers :meth:`AssetIndex.match` per
advisory. :class:`AdvisoryIndex` holds compiled advisories indexed by their products' identifiers
and answers :meth:`AdvisoryIndex.match` for one new asset. :func:`match_naive` compares every
product with every asset: the baseline of the benchmark and the oracle of the property tests.

How the index saves work: under each key the assets are grouped by what a check reads (vendor,
product and version; a CPE or purl as written and the version; …), so a product is checked once
per group, not once per asset, and the assets of a group share one evidence; a product with an
exact version looks only at the groups with that version; a key whose assets are all found already
with confidence "hoch" is not checked again. :meth:`AssetIndex.match_many` matches a batch with the
garbage collector paused and, if asked, in several forked processes (the same results).

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
import gc
import multiprocessing as mp
import pickle
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection, wait
from operator import itemgetter
from typing import Any

from verbund.common.i18n import gettext_noop
from verbund.security.matching.advisory import Advisory, ProductSpec, RelationshipSpec
from verbund.security.matching.cpe import ANY, PRODUCT, VENDOR, Relation, compare_attribute
from verbund.security.matching.evaluate import (
    CHECKS,
    asset_tokens,
    better,
    evaluate,
    identifier_tokens,
    is_rare,
    name_tokens,
)
from verbund.security.matching.facts import (
    RANK,
    AssetFacts,
    Confidence,
    Evidence,
    GroupMatch,
    MatchRecord,
    Reason,
    expand,
)
from verbund.security.matching.versions import segment_key

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
_SUREST = RANK[Confidence.HOCH]
_new_tuple = tuple.__new__

#: the assets found to be a product: (evidence, positions in the index), each position once
Found = list[tuple[Evidence, list[int]]]
Memo = dict[tuple[Any, ...], Any]  # (id of index, product id) -> Found


_FORK_MIN = 200  # fewer advisories are matched faster than a process is forked


def _next(counter: Any) -> int:
    """The number of the next chunk to match (shared by the processes of one batch)."""
    with counter.get_lock():
        number: int = counter.value
        counter.value += 1
    return number


def _match_chunks(index: AssetIndex, chunks: list[list[Advisory]], counter: Any, sender: Connection) -> None:
    """In a forked process: what :meth:`AssetIndex._found_of` finds for the advisories of each chunk
    it takes, sent pickled per chunk in the compact form of :func:`_encode` (the parent has the
    advisories and the index: positions and evidence are all it needs to make the groups); then
    "done", or the error."""
    try:
        while (number := _next(counter)) < len(chunks):
            payload = _encode([index._found_of(a) for a in chunks[number]])
            sender.send_bytes(pickle.dumps(("ok", number, payload), protocol=pickle.HIGHEST_PROTOCOL))
        message: tuple[str, Any, Any] = ("done", None, None)
    except BaseException:
        message = ("error", None, traceback.format_exc())
    sender.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    sender.close()


def _widen(connection: Connection) -> None:
    """A pipe that holds a few chunks' results (Linux: 1 MiB instead of 64 KiB), so that a forked
    process need not wait for this one to read; left as it is where that is not possible."""
    with suppress(ImportError, AttributeError, OSError):
        import fcntl  # POSIX only

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)


Encoded = tuple[list[tuple[str, tuple[Any, ...]]], list[dict[str, list[tuple[int, list[int]]]]]]


def _encode(found: list[dict[str, Found]]) -> Encoded:
    """Each evidence once (confidence value and reason steps), referred to by number."""
    evidences: list[tuple[str, tuple[Any, ...]]] = []
    numbers: dict[int, int] = {}
    out = []
    for found_of in found:
        encoded: dict[str, list[tuple[int, list[int]]]] = {}
        for product_id, groups in found_of.items():
            entries = encoded[product_id] = []
            for evidence, positions in groups:
                number = numbers.get(id(evidence))
                if number is None:
                    number = numbers[id(evidence)] = len(evidences)
                    evidences.append((evidence.confidence.value, evidence.reason.steps))
                entries.append((number, positions))
        out.append(encoded)
    return evidences, out


def _decode(
    evidences: list[tuple[str, tuple[Any, ...]]], found: list[dict[str, list[tuple[int, list[int]]]]]
) -> list[dict[str, Found]]:
    made = [Evidence(Confidence(confidence), Reason(steps)) for confidence, steps in evidences]
    return [
        {
            product_id: [(made[number], positions) for number, positions in entries]
            for product_id, entries in found_of.items()
        }
        for found_of in found
    ]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a batch that only makes objects that stay alive (or are
    freed by their reference counts); as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _pick(ids: list[Any], positions: list[int]) -> tuple[Any, ...]:
    """The ids at ``positions``, as a tuple."""
    if len(positions) == 1:
        return (ids[positions[0]],)
    return itemgetter(*positions)(ids)


def _by_position(found: Found) -> dict[int, Evidence]:
    out: dict[int, Evidence] = {}
    for evidence, positions in found:
        out.update(dict.fromkeys(positions, evidence))
    return out


def _by_evidence(found: dict[int, Evidence]) -> Found:
    """Positions by evidence (the same object), ascending."""
    by_id: dict[int, tuple[Evidence, list[int]]] = {}
    for position, evidence in found.items():
        entry = by_id.get(id(evidence))
        if entry is None:
            by_id[id(evidence)] = (evidence, [position])
        else:
            entry[1].append(position)
    return [(evidence, sorted(positions)) for evidence, positions in by_id.values()]


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
        #: (kind, key) -> check arguments -> positions of the assets with that token (ascending)
        groups: dict[tuple[str, tuple[Any, ...]], dict[tuple[Any, ...], list[int]]] = {}
        #: position of an asset -> positions of its platforms in :attr:`_platforms`
        self._platforms_of: dict[int, tuple[int, ...]] = {}
        platform_facts: list[AssetFacts] = []
        # The keys of :func:`is_rare` (only products without a vendor or without any identifier
        # look them up) apart, in the same pass: every token once, in one of the two.
        rare: dict[tuple[str, tuple[Any, ...]], dict[tuple[Any, ...], list[int]]] = {}
        # The assets by name and version first: their name tokens (several keys, one list of
        # positions shared by all) once per name, not once per asset.
        names: dict[tuple[str, str, str], list[int]] = {}
        for position, asset in enumerate(self.assets):
            version = asset.version.strip()
            if asset.product.strip():
                name = (asset.vendor, asset.product, version)
                positions = names.get(name)
                if positions is None:
                    names[name] = [position]
                else:
                    positions.append(position)
            for kind, key, args in identifier_tokens(asset, version):
                index_key = (kind, key)
                tables = rare if is_rare(kind, key) else groups
                table = tables.get(index_key)
                if table is None:
                    table = tables[index_key] = {}
                positions = table.get(args)
                if positions is None:
                    table[args] = [position]
                elif positions[-1] != position:  # one asset naming one identifier twice
                    positions.append(position)
            if asset.platforms:
                first = len(platform_facts)
                platform_facts.extend(asset.platforms)
                self._platforms_of[position] = tuple(range(first, len(platform_facts)))
        for name, positions in names.items():
            for kind, key, args in name_tokens(*name):  # args is name: one entry per name and key
                index_key = (kind, key)
                tables = rare if is_rare(kind, key) else groups
                table = tables.get(index_key)
                if table is None:
                    table = tables[index_key] = {}
                table[args] = positions
        self._groups = groups
        self._rare = rare
        self._sorted = {
            kind: sorted({key[0] for (k, key) in self._groups if k == kind}) for kind in ("model", "serial")
        }
        self._cpe_keys = [key for (kind, key) in self._groups if kind == "cpe"]
        self._everyone_of: dict[tuple[str, tuple[Any, ...]], set[int]] = {}
        self._versions: dict[
            tuple[str, tuple[Any, ...]], dict[Any, list[tuple[tuple[Any, ...], list[int]]]]
        ] = {}
        self._platforms = AssetIndex(platform_facts) if platform_facts else None

    def __len__(self) -> int:
        return len(self.assets)

    def _candidate_keys(self, spec: ProductSpec) -> list[tuple[str, tuple[Any, ...]]]:
        keys = list(dict.fromkeys(spec_keys(spec)))
        for kind, patterns in (("model", spec.models), ("serial", spec.serials)):
            if not patterns:
                continue
            values = self._sorted[kind]
            for pattern in patterns:
                if pattern.regex is None:
                    continue
                prefix, fullmatch = pattern.prefix, pattern.regex.fullmatch
                for position in range(bisect.bisect_left(values, prefix), len(values)):
                    value = values[position]
                    if not value.startswith(prefix):
                        break
                    if fullmatch(value):
                        keys.append((kind, (value,)))
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
                    keys.append(("cpe", (vendor, product)))
        return keys

    def spec_matches(self, spec: ProductSpec) -> Found:
        """The assets that are ``spec``, by evidence: each asset once, with the surest evidence
        (the first found on a tie); positions ascending."""
        # [evidence, rank, positions]; the positions lists of the index are shared, never changed
        found: list[list[Any]] = []
        covered: set[int] | None = None
        lowest = 4  # the lowest confidence rank in ``found``
        tables, rare = self._groups, self._rare
        exact = spec.rule.exact_key() if spec.rule is not None else None
        for kind, key in self._candidate_keys(spec):
            table = (rare if is_rare(kind, key) else tables).get((kind, key))
            if not table:
                continue
            if (
                lowest == _SUREST
                and covered is not None
                and covered.issuperset(self._everyone(kind, key, table))
            ):
                continue  # as below, for the whole key at once
            check = CHECKS[kind]
            items: Iterable[tuple[tuple[Any, ...], list[int]]] = table.items()
            if exact is not None and kind == "name":
                # An exact version: only the names with that version can match (by_name checks it).
                items = self._by_version(kind, key, table).get(exact, ())
            for args, positions in items:
                if lowest == _SUREST and covered is not None and covered.issuperset(positions):
                    continue  # every one found already, as surely as can be: the check cannot change that
                evidence = check(spec, *args)
                if evidence is None:
                    continue
                rank = RANK[evidence.confidence]
                if not found:
                    found.append([evidence, rank, positions])
                    lowest = rank
                    covered = set(positions)
                    continue
                assert covered is not None
                if rank > lowest:
                    # Improves the assets found with weaker evidence: they move to this one.
                    incoming = set(positions)
                    for entry in found:
                        if entry[1] < rank and not incoming.isdisjoint(entry[2]):
                            moved = incoming.intersection(entry[2])
                            entry[2] = [p for p in entry[2] if p not in moved]
                            covered.difference_update(moved)
                new = (
                    positions if covered.isdisjoint(positions) else [p for p in positions if p not in covered]
                )
                if new:
                    found.append([evidence, rank, new])
                    covered.update(new)
                lowest = min(lowest, rank)
        return [(entry[0], entry[2]) for entry in found if entry[2]]

    def _everyone(self, kind: str, key: tuple[Any, ...], table: dict[tuple[Any, ...], list[int]]) -> set[int]:
        """The positions of every asset of a key (made on first use)."""
        everyone = self._everyone_of.get((kind, key))
        if everyone is None:
            everyone = self._everyone_of[(kind, key)] = set().union(*table.values())
        return everyone

    def _by_version(
        self, kind: str, key: tuple[Any, ...], table: dict[tuple[Any, ...], list[int]]
    ) -> dict[Any, list[tuple[tuple[Any, ...], list[int]]]]:
        """The entries of a name key by the segment key of their version (made on first use)."""
        by_version = self._versions.get((kind, key))
        if by_version is None:
            by_version = self._versions[(kind, key)] = {}
            for args, positions in table.items():
                by_version.setdefault(segment_key(args[2]), []).append((args, positions))
        return by_version

    def product_matches(self, advisory: Advisory, product_id: str, memo: Memo, depth: int = 0) -> Found:
        """The assets that are product ``product_id`` of ``advisory`` (a tree product or a relationship),
        by evidence as :meth:`spec_matches` gives them; ``memo`` remembers the answers for one
        advisory (shared with the platform index)."""
        memo_key = (id(self), product_id)
        if memo_key in memo:
            return memo[memo_key]
        memo[memo_key] = []  # a cycle of relationships matches nothing
        spec = advisory.products.get(product_id)
        result = self.spec_matches(spec) if spec is not None else []
        relation = advisory.relationships.get(product_id)
        if relation is not None and depth < _MAX_DEPTH:
            components = self.product_matches(advisory, relation.component, memo, depth + 1)
            if components:
                result = self._related(advisory, relation, components, result, memo, depth)
        memo[memo_key] = result
        return result

    def _related(
        self,
        advisory: Advisory,
        relation: RelationshipSpec,
        components: Found,
        result: Found,
        memo: Memo,
        depth: int,
    ) -> Found:
        """``result`` with the components that are on (or are themselves) the relationship's platform."""
        themselves = _by_position(self.product_matches(advisory, relation.platform, memo, depth + 1))
        on_platform: dict[int, Evidence] = {}
        if self._platforms is not None:
            on_platform = _by_position(
                self._platforms.product_matches(advisory, relation.platform, memo, depth + 1)
            )
        platforms_of = self._platforms_of
        platform_name = advisory.name_of(relation.platform)
        found = _by_position(result)
        # The combined evidence once per pair of component and platform evidence.
        combined: dict[tuple[int, int], Evidence] = {}
        for component, positions in components:
            unplatformed: Evidence | None = None
            for position in positions:
                on: Evidence | None = None
                platforms = platforms_of.get(position)
                if platforms is not None and on_platform:
                    for platform in platforms:
                        on = better(on, on_platform.get(platform))
                if themselves:
                    on = better(on, themselves.get(position))
                if on is not None:
                    pair = (id(component), id(on))
                    evidence = combined.get(pair)
                    if evidence is None:
                        evidence = combined[pair] = _combine(component, on, relation.category, platform_name)
                elif platforms is None:
                    if unplatformed is None:
                        unplatformed = _unplatformed(component, platform_name)
                    evidence = unplatformed
                else:
                    continue
                current = found.get(position)
                found[position] = evidence if current is None else better(current, evidence)  # type: ignore[assignment]
        return _by_evidence(found)

    def match_grouped(self, advisory: Advisory) -> list[GroupMatch]:
        """Every (vulnerability, product, status) of ``advisory`` this inventory has, one
        :class:`GroupMatch` per set of assets with the same evidence (asset ids in the order of the
        inventory; see :meth:`match`)."""
        return self._assemble(advisory, self._found_of(advisory))

    def _found_of(self, advisory: Advisory) -> dict[str, Found]:
        """:meth:`product_matches` of each product a status list names (those that match)."""
        memo: Memo = {}
        out: dict[str, Found] = {}
        for vulnerability in advisory.vulnerabilities:
            for product_id in vulnerability.statuses:
                if product_id not in out:
                    out[product_id] = self.product_matches(advisory, product_id, memo)
        return {product_id: found for product_id, found in out.items() if found}

    def _assemble(self, advisory: Advisory, found_of: dict[str, Found]) -> list[GroupMatch]:
        """The groups of :meth:`match_grouped` from what :meth:`_found_of` found."""
        grouped: dict[str, list[tuple[tuple[Any, ...], Evidence]]] = {}
        out: list[GroupMatch] = []
        document_id = advisory.document_id
        ids = self._ids
        for vulnerability in advisory.vulnerabilities:
            for product_id, statuses in vulnerability.statuses.items():
                groups = grouped.get(product_id)
                if groups is None:
                    groups = grouped[product_id] = [
                        (_pick(ids, positions), evidence)
                        for evidence, positions in found_of.get(product_id, ())
                    ]
                if not groups:
                    continue
                remediations = vulnerability.remediations.get(product_id, ())
                for status in statuses:
                    # GroupMatch(...) without its generated __new__ (the same fields, in order)
                    out.extend(
                        _new_tuple(
                            GroupMatch,
                            (
                                asset_ids,
                                document_id,
                                vulnerability.index,
                                vulnerability.cve,
                                product_id,
                                status,
                                remediations,
                                evidence.reason,
                                evidence.confidence,
                            ),
                        )
                        for asset_ids, evidence in groups
                    )
        return out

    def match_many(self, advisories: Iterable[Advisory], *, processes: int = 1) -> list[GroupMatch]:
        """:meth:`match_grouped` of each of ``advisories``, one after the other in one list.

        The garbage collector is paused meanwhile and restored afterwards: a batch makes millions
        of objects that all stay alive (the results), which the collector would only walk again and
        again (a third of the time).

        ``processes`` > 1 shares the advisories out (every n-th to the same process) to that many
        processes in all, this one included: the others are forked (POSIX only; elsewhere, and for
        a small batch, it stays one process), see the index and the advisories without copying
        them, and send their results back pickled; the list is the same as with one process."""
        advisories = list(advisories)
        with _collector_paused():
            if processes > 1 and len(advisories) >= _FORK_MIN and "fork" in mp.get_all_start_methods():
                return self._match_forked(advisories, processes)
            return self._match_each(advisories)

    def _match_each(self, advisories: list[Advisory]) -> list[GroupMatch]:
        out: list[GroupMatch] = []
        for advisory in advisories:
            out.extend(self.match_grouped(advisory))
        return out

    def _match_forked(self, advisories: list[Advisory], processes: int) -> list[GroupMatch]:
        """:meth:`match_many` in ``processes`` processes: the advisories in chunks that each process
        takes as it gets free (a shared counter, so a process slowed by other work on the machine
        takes fewer); the forked ones send what they found per chunk (:func:`_encode`) through a
        pipe, which this process empties between its own chunks, making the groups of every chunk."""
        size = max(16, len(advisories) // (processes * 32))
        chunks = [advisories[start : start + size] for start in range(0, len(advisories), size)]
        context = mp.get_context("fork")
        counter = context.Value("i", 0)
        children: dict[Connection, Any] = {}
        for _ in range(1, processes):
            receiver, sender = context.Pipe(duplex=False)
            _widen(sender)
            child = context.Process(target=_match_chunks, args=(self, chunks, counter, sender), daemon=True)
            child.start()
            sender.close()
            children[receiver] = child
        done: list[list[GroupMatch] | None] = [None] * len(chunks)
        running = dict(children)

        def take(block: bool) -> None:
            while running:
                ready: list[Any] = wait(list(running)) if block else [r for r in running if r.poll()]
                if not ready:
                    return
                for receiver in ready:
                    try:
                        status, number, payload = pickle.loads(receiver.recv_bytes())
                    except EOFError:
                        child = running[receiver]
                        child.join()
                        raise RuntimeError(
                            f"matching process ended with exit code {child.exitcode}"
                        ) from None
                    if status == "error":
                        raise RuntimeError(f"matching process failed: {payload}")
                    if status == "done":
                        del running[receiver]
                        continue
                    groups: list[GroupMatch] = []
                    for advisory, found_of in zip(chunks[number], _decode(*payload), strict=True):
                        groups.extend(self._assemble(advisory, found_of))
                    done[number] = groups

        try:
            while (number := _next(counter)) < len(chunks):
                out: list[GroupMatch] = []
                for advisory in chunks[number]:
                    out.extend(self.match_grouped(advisory))
                done[number] = out
                take(block=False)
            take(block=True)
        finally:
            with counter.get_lock():
                counter.value = len(chunks)  # stops the others when this one failed
            for receiver, child in children.items():
                receiver.close()
                child.join()
        result: list[GroupMatch] = []
        for groups in done:
            assert groups is not None
            result.extend(groups)
        return result

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
