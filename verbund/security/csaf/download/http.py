"""HTTP for the downloader: HTTPS only, conditional requests, a rate limit, a size limit, timeouts.

One :class:`Fetcher` per source and run: its rate limit is the source's ("at least ``min_interval``
seconds between two requests"). The clock and the sleeper are injected so tests never wait.
Redirects are followed by hand so that every hop is checked against the HTTPS rule.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .errors import DownloadError, FormatError, HttpStatusError, InsecureUrlError, TooLargeError

#: hosts that may be reached over plain HTTP (tests and local mirrors)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
USER_AGENT = "Verbund-CSAF-Downloader/1.0 (+https://docs.oasis-open.org/csaf/csaf/v2.0/)"
DEFAULT_TIMEOUT = 30.0
#: large VEX documents reach a few MB; 50 MB leaves room and still stops a runaway response
DEFAULT_MAX_SIZE = 50 * 1024 * 1024
#: index files, feeds, metadata, hashes and signatures
DEFAULT_MAX_INDEX_SIZE = 50 * 1024 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MISSING = frozenset({404, 410})
_CHUNK = 64 * 1024


def check_url(url: str, *, allow_http_hosts: frozenset[str] = LOCAL_HOSTS) -> str:
    """``url`` if it may be fetched: HTTPS, or HTTP to a local host; else :class:`InsecureUrlError`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return url
    if scheme == "http" and (parts.hostname or "") in allow_http_hosts:
        return url
    if scheme == "http":
        raise InsecureUrlError(
            f"Unsichere Adresse {url}: CSAF-Dokumente werden nur über HTTPS abgerufen "
            "(http ist nur für 127.0.0.1 und localhost erlaubt).",
            url=url,
        )
    raise InsecureUrlError(f"Ungültige Adresse {url}: erwartet wird eine https-Adresse.", url=url)


@dataclass(frozen=True)
class FetchResult:
    """A response: ``status`` 200 with ``content``, or 304 (unchanged; ``content`` empty)."""

    url: str
    status: int
    content: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> dict[str, str]:
        """What a later conditional request sends (JSON-serialisable, for the caller's state)."""
        out: dict[str, str] = {}
        if self.etag:
            out["etag"] = self.etag
        if self.last_modified:
            out["last_modified"] = self.last_modified
        return out

    def text(self) -> str:
        try:
            return self.content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{self.url} ist kein UTF-8-Text (Byte {exc.start}).", url=self.url) from exc

    def json(self) -> Any:
        try:
            return json.loads(self.text())
        except json.JSONDecodeError as exc:
            raise FormatError(
                f"{self.url} ist kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}: {exc.msg}).",
                url=self.url,
            ) from exc


class RateLimiter:
    """At least ``min_interval`` seconds between the starts of two requests."""

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.min_interval = max(0.0, float(min_interval))
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self._last is not None and self.min_interval > 0:
            remaining = self.min_interval - (self._clock() - self._last)
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


class Fetcher:
    """GET with the checks above; ``requests_made`` lists every URL requested (for reports/tests)."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_size: int = DEFAULT_MAX_SIZE,
        min_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        allow_http_hosts: frozenset[str] = LOCAL_HOSTS,
        session: requests.Session | None = None,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.timeout = timeout
        self.max_size = max_size
        self.allow_http_hosts = allow_http_hosts
        self.rate_limiter = RateLimiter(min_interval, clock=clock, sleep=sleep)
        self.max_redirects = max_redirects
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self.requests_made: list[str] = []

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        validators: Mapping[str, str] | None = None,
        missing_ok: bool = False,
        max_size: int | None = None,
    ) -> FetchResult | None:
        """Fetch ``url``. 404/410 give ``None`` when ``missing_ok``; 304 a result with ``not_modified``.

        ``validators`` (``{"etag": …, "last_modified": …}``) make the request conditional.
        """
        limit = self.max_size if max_size is None else max_size
        headers: dict[str, str] = {}
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
        current = url
        for _hop in range(self.max_redirects + 1):
            check_url(current, allow_http_hosts=self.allow_http_hosts)
            self.rate_limiter.wait()
            self.requests_made.append(current)
            try:
                response = self._session.get(
                    current, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
                )
            except requests.Timeout as exc:
                raise DownloadError(
                    f"Zeitüberschreitung beim Abruf von {current} (Grenze {self.timeout:g} s).", url=current
                ) from exc
            except requests.RequestException as exc:
                raise DownloadError(f"Abruf von {current} fehlgeschlagen: {exc}", url=current) from exc
            with response:
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                if status == 304:
                    return FetchResult(
                        url=current,
                        status=304,
                        content=b"",
                        etag=response.headers.get("ETag") or (validators or {}).get("etag"),
                        last_modified=response.headers.get("Last-Modified")
                        or (validators or {}).get("last_modified"),
                    )
                if status in _MISSING and missing_ok:
                    return None
                if status != 200:
                    raise HttpStatusError(
                        f"Abruf von {current} fehlgeschlagen: HTTP {status} {response.reason or ''}".rstrip()
                        + ".",
                        url=current,
                        status=status,
                    )
                content = self._read_limited(response, current, limit)
                return FetchResult(
                    url=current,
                    status=200,
                    content=content,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
        raise DownloadError(
            f"Abruf von {url} fehlgeschlagen: mehr als {self.max_redirects} Weiterleitungen.", url=url
        )

    @staticmethod
    def _read_limited(response: requests.Response, url: str, limit: int) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLargeError(
                f"{url} ist zu groß ({int(declared)} Bytes; erlaubt sind höchstens {limit} Bytes).", url=url
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"{url} ist zu groß (mehr als die erlaubten {limit} Bytes).", url=url)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise DownloadError(f"Abruf von {url} abgebrochen: {exc}", url=url) from exc
        return b"".join(chunks)
