"""CSAF 2.0 downloader (§7, distribution): discovery, ROLIE and directory distributions, hashes,
OpenPGP signatures, conditional and rate-limited polling.

Pure: no Django. The Django side (:mod:`verbund.security.services.sources`) turns a ``CsafSource``
into a :class:`SourceConfig`, keeps the :class:`PollState` and passes the documents to the import.

Modules: ``http`` (fetching with the HTTPS rule, ETags, limits), ``discovery`` (provider-metadata.json,
security.txt, DNS route, aggregators), ``distributions`` (ROLIE, index.txt, changes.csv, the
deviations of real feeds), ``verify`` (hashes, the throw-away OpenPGP key ring), ``downloader``
(:func:`poll`).
"""

from .discovery import (
    AggregatorEntry,
    DiscoveryRoutes,
    ProviderMetadata,
    discover_provider_metadata,
    load_provider_metadata,
    parse_security_txt,
    read_aggregator,
)
from .distributions import (
    DocumentRef,
    directory_candidates,
    parse_changes_csv,
    parse_index_txt,
    parse_rolie_feed,
)
from .downloader import (
    DownloadedDocument,
    PollState,
    QuarantinedDownload,
    RunReport,
    SourceConfig,
    poll,
)
from .errors import (
    DiscoveryError,
    DownloadError,
    FormatError,
    HttpStatusError,
    InsecureUrlError,
    TooLargeError,
)
from .http import LOCAL_HOSTS, Fetcher, FetchResult, RateLimiter, check_url
from .verify import KeyRing, SignatureCheck

__all__ = [
    "LOCAL_HOSTS",
    "AggregatorEntry",
    "DiscoveryError",
    "DiscoveryRoutes",
    "DocumentRef",
    "DownloadError",
    "DownloadedDocument",
    "FetchResult",
    "Fetcher",
    "FormatError",
    "HttpStatusError",
    "InsecureUrlError",
    "KeyRing",
    "PollState",
    "ProviderMetadata",
    "QuarantinedDownload",
    "RateLimiter",
    "RunReport",
    "SignatureCheck",
    "SourceConfig",
    "TooLargeError",
    "check_url",
    "directory_candidates",
    "discover_provider_metadata",
    "load_provider_metadata",
    "parse_changes_csv",
    "parse_index_txt",
    "parse_rolie_feed",
    "parse_security_txt",
    "poll",
    "read_aggregator",
]
