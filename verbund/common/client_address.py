"""The address of the client behind the request, believing only trusted proxies.

Behind the TLS proxy the README prescribes, ``REMOTE_ADDR`` is the proxy's address; the client's
stands in ``X-Forwarded-For``, which the proxy appends to. That header is written by whoever sends
the request, so it is believed only when the connection comes from a proxy listed in
``settings.TRUSTED_PROXIES`` (addresses or CIDR networks), and only as far as trusted proxies wrote
it: the header is read from the right, skipping trusted proxies; the first other address is the
client. Without trusted proxies (the default) the header is ignored and ``REMOTE_ADDR`` is the
client.

django-ipware's own trusted-proxy list is not used for this: it checks the proxies named *inside*
``X-Forwarded-For``, which a client that reaches the server directly can write itself (``victim,
proxy``); here the connection's own address decides whether the header counts. ipware's header
parsing conventions (ports, brackets around IPv6) are followed.

django-axes reads the address through ``AXES_CLIENT_IP_CALLABLE`` = :func:`client_address`, so the
login lock-out is per user *and* real client address; use the same function wherever an address is
needed (logs, rate limits).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """``TRUSTED_PROXIES`` as networks; a wrong entry is a configuration error (ValueError)."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network") from exc
    return tuple(networks)


def parse_address(value: str) -> IPAddress | None:
    """One address as written in headers (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:443``), else ``None``."""
    text = value.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # zone id of a link-local v6 address
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as a string (``None`` if the request carries none)."""
    remote = parse_address(str(request.META.get("REMOTE_ADDR", "") or ""))
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", []) or []))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    hops = [parse_address(part) for part in forwarded.split(",")] if forwarded.strip() else []
    client = remote
    for hop in reversed(hops):
        if hop is None:
            # An entry the proxies did not write (garbage): stop at the last address we trust.
            break
        client = hop
        if not _trusted(hop, networks):
            break
    return str(client)
