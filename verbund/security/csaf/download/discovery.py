"""Finding a provider's ``provider-metadata.json`` (CSAF 2.0 §7.3.1) and reading aggregators (§7.1.22).

For a domain the routes are tried in the order of the standard: the well-known URL
(``https://<domain>/.well-known/csaf/provider-metadata.json``), the ``CSAF:`` lines of
``https://<domain>/.well-known/security.txt``, then ``https://csaf.data.security.<domain>``.
The URL templates are configurable (:class:`DiscoveryRoutes`) so that tests reach a local server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from .errors import DiscoveryError, DownloadError, FormatError
from .http import DEFAULT_MAX_INDEX_SIZE, Fetcher


@dataclass(frozen=True)
class DiscoveryRoutes:
    """URL templates of the three routes; ``{domain}`` is replaced by the domain (with port, if any)."""

    well_known: str = "https://{domain}/.well-known/csaf/provider-metadata.json"
    security_txt: str = "https://{domain}/.well-known/security.txt"
    dns: str = "https://csaf.data.security.{domain}"


@dataclass(frozen=True)
class PublicKeyRef:
    """A key of ``public_openpgp_keys``: where it is and which fingerprint it must have."""

    url: str
    fingerprint: str | None


@dataclass(frozen=True)
class RolieFeedRef:
    url: str
    tlp_label: str | None = None


@dataclass(frozen=True)
class Distribution:
    """One entry of ``distributions``: a directory URL and/or ROLIE feeds and service documents."""

    directory_url: str | None = None
    feeds: tuple[RolieFeedRef, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderMetadata:
    """A loaded ``provider-metadata.json``; ``route`` says how it was found."""

    url: str
    data: dict[str, Any]
    route: str = "direct"
    warnings: tuple[str, ...] = field(default=())

    @property
    def publisher_name(self) -> str:
        publisher = self.data.get("publisher")
        return str(publisher.get("name", "")) if isinstance(publisher, dict) else ""

    @property
    def role(self) -> str:
        return str(self.data.get("role", ""))

    @property
    def public_keys(self) -> tuple[PublicKeyRef, ...]:
        keys = []
        for item in self.data.get("public_openpgp_keys") or []:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                fingerprint = item.get("fingerprint")
                keys.append(
                    PublicKeyRef(
                        url=urljoin(self.url, item["url"]),
                        fingerprint=normalize_fingerprint(fingerprint) if fingerprint else None,
                    )
                )
        return tuple(keys)

    @property
    def distributions(self) -> tuple[Distribution, ...]:
        out = []
        for item in self.data.get("distributions") or []:
            if not isinstance(item, dict):
                continue
            directory = item.get("directory_url")
            rolie_item = item.get("rolie")
            rolie: dict[str, Any] = rolie_item if isinstance(rolie_item, dict) else {}
            feeds = tuple(
                RolieFeedRef(url=urljoin(self.url, feed["url"]), tlp_label=feed.get("tlp_label"))
                for feed in rolie.get("feeds") or []
                if isinstance(feed, dict) and isinstance(feed.get("url"), str)
            )
            services = tuple(
                urljoin(self.url, service)
                for service in rolie.get("services") or []
                if isinstance(service, str)
            )
            out.append(
                Distribution(
                    directory_url=urljoin(self.url, directory) if isinstance(directory, str) else None,
                    feeds=feeds,
                    services=services,
                )
            )
        return tuple(out)


@dataclass(frozen=True)
class AggregatorEntry:
    """A provider or publisher listed by an aggregator, with the mirrors the aggregator keeps."""

    metadata_url: str
    kind: str  # "provider" or "publisher"
    publisher_name: str = ""
    mirrors: tuple[str, ...] = ()


def normalize_fingerprint(value: str) -> str:
    return "".join(str(value).split()).upper()


def parse_provider_metadata(content: Any, url: str) -> dict[str, Any]:
    """The JSON object of a provider-metadata.json; :class:`FormatError` naming URL and field if not."""
    if not isinstance(content, dict):
        raise FormatError(f"{url}: provider-metadata.json muss ein JSON-Objekt sein.", url=url)
    distributions = content.get("distributions")
    if distributions is None:
        # A provider that offers no distribution (CSAF publisher only) — nothing to download, but valid.
        return content
    if not isinstance(distributions, list):
        raise FormatError(f"{url}: Feld „distributions“ muss eine Liste sein.", url=url)
    return content


def load_provider_metadata(url: str, fetcher: Fetcher, *, route: str = "direct") -> ProviderMetadata:
    """Fetch and read the provider-metadata.json at ``url``."""
    result = fetcher.get(url, max_size=DEFAULT_MAX_INDEX_SIZE)
    assert result is not None  # missing_ok is False
    data = parse_provider_metadata(result.json(), result.url)
    return ProviderMetadata(url=result.url, data=data, route=route)


def parse_security_txt(text: str, base_url: str) -> list[str]:
    """The ``CSAF:`` values of a security.txt (RFC 9116), relative ones resolved against ``base_url``.

    A PGP-signed security.txt is read as it is (the dash-escaping of the clear-signed text is undone).
    """
    urls: list[str] = []
    for raw in text.splitlines():
        line = raw[2:] if raw.startswith("- ") else raw
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "csaf" and value.strip():
            urls.append(urljoin(base_url, value.strip()))
    return urls


def discover_provider_metadata(
    domain: str, fetcher: Fetcher, *, routes: DiscoveryRoutes | None = None
) -> ProviderMetadata:
    """Find the provider-metadata.json of ``domain`` by the three routes in the standard's order."""
    routes = routes or DiscoveryRoutes()
    domain = domain.strip().strip("/")
    tried: list[str] = []

    well_known = routes.well_known.format(domain=domain)
    try:
        return load_provider_metadata(well_known, fetcher, route="well-known")
    except DownloadError as exc:
        tried.append(exc.message)

    security_txt = routes.security_txt.format(domain=domain)
    try:
        result = fetcher.get(security_txt, missing_ok=True, max_size=1024 * 1024)
        if result is None:
            tried.append(f"{security_txt} nicht vorhanden.")
        else:
            candidates = parse_security_txt(result.text(), result.url)
            if not candidates:
                tried.append(f"{security_txt} enthält keine „CSAF:“-Zeile.")
            for candidate in candidates:
                try:
                    return load_provider_metadata(candidate, fetcher, route="security.txt")
                except DownloadError as exc:
                    tried.append(exc.message)
    except DownloadError as exc:
        tried.append(exc.message)

    dns = routes.dns.format(domain=domain)
    try:
        return load_provider_metadata(dns, fetcher, route="dns")
    except DownloadError as exc:
        tried.append(exc.message)

    raise DiscoveryError(
        f"Für {domain} wurde keine provider-metadata.json gefunden. Versucht: " + " ".join(tried),
        url=well_known,
    )


def read_aggregator(url: str, fetcher: Fetcher) -> list[AggregatorEntry]:
    """The providers and publishers an aggregator.json lists (``csaf_providers``, ``csaf_publishers``)."""
    result = fetcher.get(url, max_size=DEFAULT_MAX_INDEX_SIZE)
    assert result is not None
    data = result.json()
    if not isinstance(data, dict):
        raise FormatError(f"{result.url}: aggregator.json muss ein JSON-Objekt sein.", url=result.url)
    entries: list[AggregatorEntry] = []
    for key, kind in (("csaf_providers", "provider"), ("csaf_publishers", "publisher")):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise FormatError(f"{result.url}: Feld „{key}“ muss eine Liste sein.", url=result.url)
        for index, item in enumerate(items):
            metadata = item.get("metadata") if isinstance(item, dict) else None
            if not isinstance(metadata, dict) or not isinstance(metadata.get("url"), str):
                raise FormatError(
                    f"{result.url}: Feld „{key}/{index}/metadata/url“ fehlt oder ist keine Adresse.",
                    url=result.url,
                )
            publisher_item = metadata.get("publisher")
            publisher: dict[str, Any] = publisher_item if isinstance(publisher_item, dict) else {}
            mirrors = tuple(
                urljoin(result.url, mirror) for mirror in item.get("mirrors") or [] if isinstance(mirror, str)
            )
            entries.append(
                AggregatorEntry(
                    metadata_url=urljoin(result.url, metadata["url"]),
                    kind=kind,
                    publisher_name=str(publisher.get("name", "")),
                    mirrors=mirrors,
                )
            )
    return entries
