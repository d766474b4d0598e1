"""HTTP for the OParl harvester: timeouts, a size limit, retries with backoff, a User-Agent.

One :class:`OParlClient` per run. Addresses that resolve to a private, loopback or link-local network
are refused unless ``allow_private_hosts`` (the harvester allows them only when the source's own
System lies in such a network, e.g. a test server): a File's ``accessUrl`` must not make Verbund
read an internal service into the public search. ``rewrite=(prefix, replacement)`` sends every URL
starting with ``prefix`` to ``replacement`` instead (tests and benchmarks serve a corpus whose URLs lie under
``https://oparl.example.org/oparl/v1/`` from a local server); errors always name the URL as the
OParl server wrote it. A 5xx answer, 429 and a failed connection are tried again after
``backoff · 2^(n-1)`` seconds (``retries`` times); any other status is an error at once.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

USER_AGENT = "Verbund-OParl-Harvester/1.0 (+https://oparl.org/)"
DEFAULT_TIMEOUT = 30.0
#: a list page or an object (JSON); a real page of 100 papers with embedded files is well below 5 MB
MAX_JSON_BYTES = 20 * 1024 * 1024
_CHUNK = 64 * 1024
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: redirects followed (each checked like the first address)
MAX_REDIRECTS = 5


class OParlError(Exception):
    """A request failed; the message is German and names the URL."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def _without_nul(value: Any) -> Any:
    """``value`` with NUL characters removed from every string (PostgreSQL stores none in JSON or text)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


class TooLargeError(OParlError):
    pass


@dataclass(frozen=True)
class Response:
    url: str  # as the OParl server named it (before any rewrite)
    content: bytes
    content_type: str  # lower case, without parameters
    charset: str | None

    def json(self) -> Any:
        try:
            return _without_nul(json.loads(self.content.decode("utf-8-sig")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OParlError(
                f"Die Antwort von {self.url} ist kein gültiges JSON ({exc}).", url=self.url
            ) from exc


class OParlClient:
    """GET with the limits above; :attr:`requests_made` counts the requests (retries included)."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 1.0,
        rewrite: tuple[str, str] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        user_agent: str = USER_AGENT,
        allow_private_hosts: bool = False,
    ) -> None:
        self.timeout = timeout
        self.allow_private_hosts = allow_private_hosts
        self._public_hosts: set[str] = set()
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.rewrite = rewrite
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self._session.headers["Accept"] = "application/json, */*;q=0.5"
        self.requests_made = 0

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> OParlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def target(self, url: str) -> str:
        """Where ``url`` is actually fetched (after the rewrite)."""
        if self.rewrite and url.startswith(self.rewrite[0]):
            return self.rewrite[1] + url[len(self.rewrite[0]) :]
        return url

    def get_json(self, url: str) -> dict[str, Any]:
        data = self.get(url, max_bytes=MAX_JSON_BYTES).json()
        if not isinstance(data, dict):
            raise OParlError(f"Die Antwort von {url} ist kein JSON-Objekt.", url=url)
        return data

    def get(self, url: str, *, max_bytes: int) -> Response:
        """Fetch ``url`` (status 200 only), at most ``max_bytes`` bytes."""
        target = self.target(url)
        if urlsplit(target).scheme not in {"http", "https"}:
            raise OParlError(f"Ungültige Adresse {url}: erwartet wird http oder https.", url=url)
        self._check_host(target, url)
        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 1
            try:
                response = self._get_checked(target, url)
            except requests.Timeout as exc:
                error = OParlError(
                    f"Zeitüberschreitung beim Abruf von {url} (Grenze {self.timeout:g} s).", url=url
                )
                cause: Exception = exc
            except requests.RequestException as exc:
                error = OParlError(f"Abruf von {url} fehlgeschlagen: {exc}", url=url)
                cause = exc
            else:
                with response:
                    status = response.status_code
                    if status == 200:
                        return self._read(response, url, max_bytes)
                    error = OParlError(
                        f"Abruf von {url} fehlgeschlagen: HTTP {status} {response.reason or ''}".rstrip()
                        + ".",
                        url=url,
                        status=status,
                    )
                    cause = error
                    if status not in _RETRY_STATUS:
                        raise error
            if attempt > self.retries:
                raise error from (cause if cause is not error else None)
            self._sleep(self.backoff * 2 ** (attempt - 1))

    def _get_checked(self, target: str, url: str) -> requests.Response:
        """GET ``target``, following at most :data:`MAX_REDIRECTS` redirects by hand so that every hop
        passes the scheme and internal-network checks (requests would follow them unchecked)."""
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._session.get(target, timeout=self.timeout, stream=True, allow_redirects=False)
            if not response.is_redirect:
                return response
            location = response.headers.get("Location", "")
            response.close()
            target = urljoin(target, location)
            if urlsplit(target).scheme not in {"http", "https"}:
                raise OParlError(f"{url} leitet auf eine ungültige Adresse um ({target}).", url=url)
            self._check_host(target, url)
        raise OParlError(f"{url} leitet zu oft um (mehr als {MAX_REDIRECTS}-mal).", url=url)

    def _check_host(self, target: str, url: str) -> None:
        host = urlsplit(target).hostname or ""
        if self.allow_private_hosts or host in self._public_hosts:
            return
        if is_internal(host):
            raise OParlError(
                f"{url} wird nicht abgerufen: die Adresse liegt in einem internen Netz ({host}).", url=url
            )
        self._public_hosts.add(host)

    @staticmethod
    def _read(response: requests.Response, url: str, limit: int) -> Response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
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
            raise OParlError(f"Abruf von {url} abgebrochen: {exc}", url=url) from exc
        kind, _, params = (response.headers.get("Content-Type") or "").partition(";")
        charset = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        return Response(url=url, content=b"".join(chunks), content_type=kind.strip().lower(), charset=charset)


def is_internal(host: str) -> bool:
    """``host`` is or resolves to a private, loopback, link-local or reserved address (or cannot be
    resolved: then the request would fail anyway)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified:
            return True
    return False
