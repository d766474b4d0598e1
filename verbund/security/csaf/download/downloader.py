"""One poll of a CSAF source: find the providers, read their distributions, download, check, hand over.

:func:`poll` is the entry point. For each document it

1. downloads it (conditionally: an unchanged document — HTTP 304 — is skipped),
2. checks every hash the provider offers (``.sha512``, ``.sha256``),
3. checks the OpenPGP signature (``.asc``) against the provider's keys (``public_openpgp_keys`` with
   their fingerprints) and the keys configured on the source,
4. hands the bytes to ``on_document`` — or, when a hash or the signature fails, to ``on_quarantine``
   with the German reason; such a document never reaches ``on_document``.

The state (:class:`PollState`, JSON, persisted by the caller) holds the ETag/Last-Modified of every
URL and, per distribution, the latest change time seen; a later poll asks only for what changed:
the directory's ``changes.csv`` from that time on (``index.txt`` on the first or a ``full`` run), the
ROLIE entries updated since. A distribution's marks move only when all its documents went through,
so a failed download is tried again next time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .discovery import (
    DiscoveryRoutes,
    ProviderMetadata,
    RolieFeedRef,
    discover_provider_metadata,
    load_provider_metadata,
    read_aggregator,
)
from .distributions import (
    DocumentRef,
    in_range,
    parse_changes_csv,
    parse_index_txt,
    parse_rolie_feed,
    parse_rolie_service,
    parse_time,
)
from .errors import DownloadError, FormatError, TooLargeError
from .http import (
    DEFAULT_MAX_INDEX_SIZE,
    DEFAULT_MAX_SIZE,
    DEFAULT_TIMEOUT,
    LOCAL_HOSTS,
    Fetcher,
    FetchResult,
)
from .verify import HASH_LABELS, KeyRing, digest, parse_hash_file

_SIDECAR_MAX_SIZE = 1024 * 1024
_KEY_MAX_SIZE = 1024 * 1024


@dataclass(frozen=True)
class SourceConfig:
    """What to poll and how. Exactly one of ``domain``, ``provider_metadata_url``, ``aggregator_url``."""

    domain: str = ""
    provider_metadata_url: str = ""
    aggregator_url: str = ""
    name: str = ""
    #: ASCII-armoured keys configured on the source, in addition to (or instead of) the provider's
    public_keys: tuple[str, ...] = ()
    use_provider_keys: bool = True
    #: without a valid signature a document goes to quarantine (the standard requires signatures)
    require_signature: bool = True
    since: datetime | None = None
    until: datetime | None = None
    #: index.txt, no conditional requests, no change marks: everything once more
    full: bool = False
    max_document_size: int = DEFAULT_MAX_SIZE
    timeout: float = DEFAULT_TIMEOUT
    min_interval: float = 1.0
    routes: DiscoveryRoutes = field(default_factory=DiscoveryRoutes)
    allow_http_hosts: frozenset[str] = LOCAL_HOSTS

    def __post_init__(self) -> None:
        given = [value for value in (self.domain, self.provider_metadata_url, self.aggregator_url) if value]
        if len(given) != 1:
            raise ValueError(
                "Eine CSAF-Quelle braucht genau eines von: Domain, Adresse der provider-metadata.json, "
                "Adresse der aggregator.json."
            )
        for stamp in (self.since, self.until):
            if stamp is not None and stamp.tzinfo is None:
                raise ValueError("Zeitpunkte „seit“ und „bis“ brauchen eine Zeitzone.")

    @property
    def label(self) -> str:
        return self.name or self.domain or self.provider_metadata_url or self.aggregator_url


class PollState:
    """The downloader's memory between polls, as a JSON-serialisable dict (``to_dict``/``__init__``).

    ``validators``: URL → ``{"etag", "last_modified"}``; ``changed``: distribution URL → the latest
    change time (ISO 8601) of its documents that were handled.
    """

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.validators: dict[str, dict[str, str]] = {
            str(url): dict(values) for url, values in (data.get("validators") or {}).items()
        }
        self.changed: dict[str, str] = {
            str(url): str(value) for url, value in (data.get("changed") or {}).items()
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "validators": dict(sorted(self.validators.items())),
            "changed": dict(sorted(self.changed.items())),
        }

    def validators_for(self, url: str) -> dict[str, str] | None:
        return self.validators.get(url)

    def remember(self, result: FetchResult) -> None:
        if result.validators:
            self.validators[result.url] = result.validators

    def changed_since(self, distribution_url: str) -> datetime | None:
        value = self.changed.get(distribution_url)
        try:
            return parse_time(value) if value else None
        except ValueError:
            return None


@dataclass(frozen=True)
class DownloadedDocument:
    """A document whose hashes and signature passed, as bytes for the import."""

    url: str
    content: bytes
    filename: str
    provider_url: str
    publisher_name: str
    distribution_url: str
    updated: datetime | None = None
    tlp_label: str | None = None
    #: the hash algorithms checked ("sha512", "sha256")
    hashes: tuple[str, ...] = ()
    #: fingerprint of the key that made the valid signature (None: not signed, allowed by the source)
    signature_fingerprint: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuarantinedDownload:
    """A document refused before the import: ``reason`` (German) says why; ``content`` may be None
    (too large to keep)."""

    url: str
    reason: str
    content: bytes | None
    filename: str
    provider_url: str
    distribution_url: str


DocumentHandler = Callable[[DownloadedDocument], object]
QuarantineHandler = Callable[[QuarantinedDownload], object]


@dataclass
class RunReport:
    """What a poll did; ``errors`` (German, naming URLs) make the run a failure to retry."""

    started_at: datetime
    finished_at: datetime | None = None
    providers: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    #: documents the server answered with 304
    unchanged: int = 0
    #: index files and feeds the server answered with 304
    not_modified: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{len(self.imported)} übernommen, {len(self.quarantined)} in Quarantäne, {self.unchanged} "
            f"unverändert, {len(self.errors)} Fehler"
        )


def poll(
    config: SourceConfig,
    *,
    on_document: DocumentHandler,
    on_quarantine: QuarantineHandler,
    state: PollState | None = None,
    fetcher: Fetcher | None = None,
    now: Callable[[], datetime] | None = None,
    gpg_binary: str = "gpg",
) -> RunReport:
    """Poll one source; ``state`` is updated in place. Never raises for provider failures: they are
    in the report's ``errors``."""
    clock = now or (lambda: datetime.now(UTC))
    own_fetcher = fetcher is None
    active = fetcher or Fetcher(
        timeout=config.timeout,
        max_size=config.max_document_size,
        min_interval=config.min_interval,
        allow_http_hosts=config.allow_http_hosts,
        clock=time.monotonic,
        sleep=time.sleep,
    )
    report = RunReport(started_at=clock())
    try:
        _Run(
            config,
            state if state is not None else PollState(),
            active,
            report,
            on_document,
            on_quarantine,
            gpg_binary,
        ).execute()
    finally:
        if own_fetcher:
            active.close()
        report.finished_at = clock()
    return report


def _filename(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _dedupe(items: Iterable[RolieFeedRef]) -> list[RolieFeedRef]:
    seen: dict[str, RolieFeedRef] = {}
    for item in items:
        seen.setdefault(item.url, item)
    return list(seen.values())


class _Run:
    def __init__(
        self,
        config: SourceConfig,
        state: PollState,
        fetcher: Fetcher,
        report: RunReport,
        on_document: DocumentHandler,
        on_quarantine: QuarantineHandler,
        gpg_binary: str,
    ) -> None:
        self.config = config
        self.state = state
        self.fetcher = fetcher
        self.report = report
        self.on_document = on_document
        self.on_quarantine = on_quarantine
        self.gpg_binary = gpg_binary
        self.seen: set[str] = set()

    # --- providers -------------------------------------------------------------------------------

    def execute(self) -> None:
        for provider in self._providers():
            self.report.providers.append(provider.url)
            self._provider(provider)

    def _providers(self) -> list[ProviderMetadata]:
        config = self.config
        try:
            if config.provider_metadata_url:
                return [load_provider_metadata(config.provider_metadata_url, self.fetcher)]
            if config.domain:
                return [discover_provider_metadata(config.domain, self.fetcher, routes=config.routes)]
            entries = read_aggregator(config.aggregator_url, self.fetcher)
        except DownloadError as exc:
            self.report.errors.append(exc.message)
            return []
        providers: list[ProviderMetadata] = []
        for entry in entries:
            failures: list[str] = []
            for url in (entry.metadata_url, *entry.mirrors):
                try:
                    providers.append(load_provider_metadata(url, self.fetcher, route="aggregator"))
                    break
                except DownloadError as exc:
                    failures.append(exc.message)
            else:
                self.report.errors.append(
                    f"Anbieter {entry.publisher_name or entry.metadata_url} aus {config.aggregator_url} "
                    "nicht erreichbar: " + " ".join(failures)
                )
        return providers

    def _provider(self, provider: ProviderMetadata) -> None:
        with KeyRing(gpg_binary=self.gpg_binary) as keys:
            self._load_keys(provider, keys)
            distributions = provider.distributions
            if not distributions:
                self.report.warnings.append(f"{provider.url} nennt keine Verteilung (distributions).")
            for distribution in distributions:
                if distribution.directory_url:
                    self._directory(provider, distribution.directory_url, keys)
                feeds = list(distribution.feeds)
                for service_url in distribution.services:
                    try:
                        result = self.fetcher.get(service_url, max_size=DEFAULT_MAX_INDEX_SIZE)
                        assert result is not None
                        feeds.extend(
                            RolieFeedRef(url=url) for url in parse_rolie_service(result.json(), result.url)
                        )
                    except DownloadError as exc:
                        self.report.errors.append(exc.message)
                for feed in _dedupe(feeds):
                    self._feed(provider, feed, keys)

    def _load_keys(self, provider: ProviderMetadata, keys: KeyRing) -> None:
        for number, armored in enumerate(self.config.public_keys, start=1):
            try:
                keys.add_key(armored, origin=f"Schlüssel {number} der Quelle {self.config.label}")
            except FormatError as exc:
                self.report.warnings.append(exc.message)
        if not self.config.use_provider_keys:
            return
        for ref in provider.public_keys:
            try:
                result = self.fetcher.get(ref.url, max_size=_KEY_MAX_SIZE)
                assert result is not None
                keys.add_key(result.content, origin=ref.url, expected_fingerprint=ref.fingerprint)
            except DownloadError as exc:
                self.report.warnings.append(f"OpenPGP-Schlüssel nicht verwendbar: {exc.message}")
        if not keys.fingerprints:
            self.report.warnings.append(
                f"Für {provider.url} ist kein OpenPGP-Schlüssel verfügbar; Signaturen lassen sich "
                "nicht prüfen."
            )

    # --- distributions ---------------------------------------------------------------------------

    def _since(self, distribution_url: str) -> datetime | None:
        stamps = [self.config.since]
        if not self.config.full:
            stamps.append(self.state.changed_since(distribution_url))
        present = [stamp for stamp in stamps if stamp is not None]
        return max(present) if present else None

    def _get_index(self, url: str) -> FetchResult | None:
        validators = None if self.config.full else self.state.validators_for(url)
        return self.fetcher.get(url, validators=validators, missing_ok=True, max_size=DEFAULT_MAX_INDEX_SIZE)

    def _directory(self, provider: ProviderMetadata, directory_url: str, keys: KeyRing) -> None:
        base = directory_url if directory_url.endswith("/") else directory_url + "/"
        since = self._since(directory_url)
        changes_url, index_url = base + "changes.csv", base + "index.txt"
        try:
            if since is not None and not self.config.full:
                changes = self._get_index(changes_url)
                if changes is not None:
                    if changes.not_modified:
                        self.report.not_modified.append(changes_url)
                        return
                    refs, warnings = parse_changes_csv(changes.text(), directory_url)
                    self.report.warnings.extend(warnings)
                    self._handle(provider, directory_url, refs, [changes], since, keys)
                    return
                self.report.warnings.append(f"{changes_url} fehlt; vollständiger Abruf über index.txt.")
            index = self._get_index(index_url)
            if index is not None and index.not_modified:
                self.report.not_modified.append(index_url)
                return
            # changes.csv gives the times (for the time range and the change mark) on a full run too.
            changes = self.fetcher.get(changes_url, missing_ok=True, max_size=DEFAULT_MAX_INDEX_SIZE)
            change_refs: list[DocumentRef] = []
            if changes is not None:
                change_refs, warnings = parse_changes_csv(changes.text(), directory_url)
                self.report.warnings.extend(warnings)
            if index is None:
                if changes is None:
                    self.report.errors.append(f"{directory_url}: weder index.txt noch changes.csv vorhanden.")
                    return
                self.report.warnings.append(f"{index_url} fehlt; Abruf über changes.csv.")
                self._handle(provider, directory_url, change_refs, [changes], since, keys)
                return
            refs, warnings = parse_index_txt(index.text(), directory_url)
            self.report.warnings.extend(warnings)
            times = {ref.url: ref.updated for ref in change_refs}
            dated = [
                DocumentRef(
                    candidates=ref.candidates, updated=times.get(ref.url), distribution_url=directory_url
                )
                for ref in refs
            ]
            self._handle(
                provider, directory_url, dated, [index] + ([changes] if changes else []), since, keys
            )
        except DownloadError as exc:
            self.report.errors.append(exc.message)

    def _feed(self, provider: ProviderMetadata, feed: RolieFeedRef, keys: KeyRing) -> None:
        try:
            result = self._get_index(feed.url)
            if result is None:
                self.report.errors.append(f"ROLIE-Feed {feed.url} nicht gefunden (HTTP 404).")
                return
            if result.not_modified:
                self.report.not_modified.append(feed.url)
                return
            refs, warnings = parse_rolie_feed(result.json(), result.url, tlp_label=feed.tlp_label)
            self.report.warnings.extend(warnings)
            self._handle(provider, feed.url, refs, [result], self._since(feed.url), keys)
        except DownloadError as exc:
            self.report.errors.append(exc.message)

    def _handle(
        self,
        provider: ProviderMetadata,
        distribution_url: str,
        refs: list[DocumentRef],
        index_results: list[FetchResult],
        since: datetime | None,
        keys: KeyRing,
    ) -> None:
        until = self.config.until
        complete = True
        for ref in refs:
            if in_range(ref.updated, since, until):
                complete = self._document(provider, ref, keys) and complete
        if not complete:
            return
        # A run limited by "until" is a one-off: remembering its index would hide later changes.
        if until is None:
            for result in index_results:
                self.state.remember(result)
        stamps = [
            ref.updated for ref in refs if ref.updated is not None and (until is None or ref.updated <= until)
        ]
        if stamps:
            latest = max(stamps)
            previous = self.state.changed_since(distribution_url)
            if previous is None or latest > previous:
                self.state.changed[distribution_url] = latest.isoformat()

    # --- documents -------------------------------------------------------------------------------

    def _document(self, provider: ProviderMetadata, ref: DocumentRef, keys: KeyRing) -> bool:
        """Handle one document; False when it failed in a way worth retrying (network, import)."""
        if any(candidate in self.seen for candidate in ref.candidates):
            return True
        self.seen.update(ref.candidates)
        result: FetchResult | None = None
        for candidate in ref.candidates:
            validators = None if self.config.full else self.state.validators_for(candidate)
            try:
                result = self.fetcher.get(
                    candidate, validators=validators, missing_ok=True, max_size=self.config.max_document_size
                )
            except TooLargeError as exc:
                return self._quarantine(provider, ref, candidate, None, exc.message, None)
            except DownloadError as exc:
                self.report.errors.append(exc.message)
                return False
            if result is not None:
                break
        if result is None:
            self.report.errors.append(
                f"Dokument nicht gefunden (HTTP 404): {', '.join(ref.candidates)} "
                f"(aus {ref.distribution_url})."
            )
            return False
        self.seen.add(result.url)
        if result.not_modified:
            self.report.unchanged += 1
            return True
        url, data = result.url, result.content
        warnings: list[str] = []

        checked: list[str] = []
        hash_urls = ref.hash_urls or tuple(
            (algorithm, f"{url}.{algorithm}") for algorithm in ("sha512", "sha256")
        )
        for algorithm, hash_url in hash_urls:
            try:
                hash_result = self.fetcher.get(hash_url, missing_ok=True, max_size=_SIDECAR_MAX_SIZE)
                if hash_result is None:
                    if ref.hash_urls:
                        warnings.append(f"{hash_url} ist im Feed genannt, aber nicht vorhanden (HTTP 404).")
                    continue
                expected = parse_hash_file(hash_result.content, algorithm, hash_result.url)
            except FormatError as exc:
                return self._quarantine(provider, ref, url, data, exc.message, result)
            except DownloadError as exc:
                self.report.errors.append(exc.message)
                return False
            actual = digest(data, algorithm)
            if actual != expected:
                return self._quarantine(
                    provider,
                    ref,
                    url,
                    data,
                    f"{HASH_LABELS[algorithm]}-Prüfsumme stimmt nicht: {hash_url} nennt {expected}, "
                    f"das Dokument {url} hat {actual}.",
                    result,
                )
            checked.append(algorithm)
        if not checked:
            warnings.append(f"Zu {url} wird keine Prüfsumme (.sha256/.sha512) angeboten.")

        fingerprint: str | None = None
        signature_url = ref.signature_url or f"{url}.asc"
        try:
            signature = self.fetcher.get(signature_url, missing_ok=True, max_size=_SIDECAR_MAX_SIZE)
        except DownloadError as exc:
            self.report.errors.append(exc.message)
            return False
        if signature is None:
            message = f"Zu {url} wird keine OpenPGP-Signatur angeboten ({signature_url} fehlt)."
            if self.config.require_signature:
                return self._quarantine(provider, ref, url, data, message, result)
            warnings.append(message)
        else:
            check = keys.verify(data, signature.content)
            if check.valid:
                fingerprint = check.fingerprint
            else:
                message = f"OpenPGP-Signatur {signature_url} zu {url} nicht gültig: {check.reason}."
                if self.config.require_signature or keys.fingerprints:
                    return self._quarantine(provider, ref, url, data, message, result)
                warnings.append(message)

        self.report.warnings.extend(warnings)
        document = DownloadedDocument(
            url=url,
            content=data,
            filename=_filename(url),
            provider_url=provider.url,
            publisher_name=provider.publisher_name,
            distribution_url=ref.distribution_url,
            updated=ref.updated,
            tlp_label=ref.tlp_label,
            hashes=tuple(checked),
            signature_fingerprint=fingerprint,
            warnings=tuple(warnings),
        )
        try:
            self.on_document(document)
        except Exception as exc:
            self.report.errors.append(f"Übernahme von {url} fehlgeschlagen: {exc}")
            return False
        self.report.imported.append(url)
        self.state.remember(result)
        return True

    def _quarantine(
        self,
        provider: ProviderMetadata,
        ref: DocumentRef,
        url: str,
        data: bytes | None,
        reason: str,
        result: FetchResult | None,
    ) -> bool:
        item = QuarantinedDownload(
            url=url,
            reason=reason,
            content=data,
            filename=_filename(url),
            provider_url=provider.url,
            distribution_url=ref.distribution_url,
        )
        try:
            self.on_quarantine(item)
        except Exception as exc:
            self.report.errors.append(f"Quarantäne von {url} fehlgeschlagen: {exc}")
            return False
        self.report.quarantined.append(url)
        # Not fetched again until it changes; a full run looks at it once more.
        if result is not None:
            self.state.remember(result)
        return True
