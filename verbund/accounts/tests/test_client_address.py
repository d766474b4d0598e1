"""The client's address behind a proxy, and the login lock-out per user and address (issue 10, item 4).

Behind the TLS proxy every request comes from the proxy's address; the client's stands in
X-Forwarded-For, which anybody can send. Only a proxy listed in ``TRUSTED_PROXIES`` is believed, so
an attacker cannot pick the address the lock-out counts, and the lock-out of user U after failures
from address A does not lock U out from address B.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from verbund.accounts.tests.factories import PASSWORD
from verbund.common.client_address import client_address

LOGIN = "/konto/anmelden/"
PROXY = "10.0.0.5"


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # no trusted proxy: the header is ignored, whatever it says
        ([], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        ([], "198.51.100.7", None, "198.51.100.7"),
        # from the trusted proxy: the address it appended (the right-most), not what the client wrote
        ([PROXY], PROXY, "203.0.113.9", "203.0.113.9"),
        ([PROXY], PROXY, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # a client talking to the server directly is not believed, even naming the proxy
        ([PROXY], "198.51.100.7", "1.2.3.4, 10.0.0.5", "198.51.100.7"),
        # two proxies (load balancer in a trusted network, then the TLS proxy)
        (["10.0.0.0/24"], PROXY, "203.0.113.9, 10.0.0.8", "203.0.113.9"),
        (["10.0.0.0/24"], PROXY, "6.6.6.6, 203.0.113.9, 10.0.0.8", "203.0.113.9"),
        # ports, IPv6 and garbage
        ([PROXY], PROXY, "203.0.113.9:51234", "203.0.113.9"),
        (["::1"], "::1", "[2001:db8::7]:443", "2001:db8::7"),
        ([PROXY], PROXY, "unbekannt", PROXY),
        ([PROXY], PROXY, "", PROXY),
    ],
)
def test_client_address(trusted: list[str], remote: str, forwarded: str | None, expected: str) -> None:
    with override_settings(TRUSTED_PROXIES=trusted):
        assert _address(remote, forwarded) == expected


def test_axes_uses_the_client_address() -> None:
    from axes.helpers import get_client_ip_address

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    with override_settings(TRUSTED_PROXIES=[PROXY]):
        assert get_client_ip_address(request) == "203.0.113.9"
    with override_settings(TRUSTED_PROXIES=[]):
        assert get_client_ip_address(request) == PROXY


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "falsch"})
        assert response.status_code in {200, 429}


def _login(client: Client, username: str) -> int:
    return int(client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_the_proxy_an_attacker_locks_out_only_their_own_address(clerk: Any) -> None:
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    _fail(attacker, clerk.username, settings.AXES_FAILURE_LIMIT)
    assert _login(attacker, clerk.username) == 429  # the attacker's address is locked for this user
    # the user, through the same proxy from another address, still logs in
    user = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _login(user, clerk.username) == 302


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_a_forged_header_does_not_change_the_counted_address(clerk: Any) -> None:
    # The attacker prepends a different fake address each time; the proxy appends the real one.
    attacker_ip = "203.0.113.66"
    for n in range(settings.AXES_FAILURE_LIMIT):
        client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {attacker_ip}")
        _fail(client, clerk.username, 1)
    locked = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {attacker_ip}")
    assert _login(locked, clerk.username) == 429


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxy_the_header_is_ignored(clerk: Any) -> None:
    # A direct client cannot escape its lock-out by sending X-Forwarded-For ...
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), clerk.username, 1)
    assert (
        _login(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.200"), clerk.username) == 429
    )
    # ... nor lock out a victim address by naming it
    assert _login(Client(REMOTE_ADDR="198.51.100.8"), clerk.username) == 302


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[PROXY])
def test_the_lockout_records_the_client_address_not_the_proxy(clerk: Any) -> None:
    from axes.models import AccessAttempt

    _fail(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66"), clerk.username, 1)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.66"]
