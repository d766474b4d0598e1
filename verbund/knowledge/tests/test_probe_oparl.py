"""Probes of the OParl harvest: a System URL that is no http(s) address is refused by the command
and stores nothing; a public source never reaches an internal address, not by a link and not by
a redirect."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from verbund.knowledge import oparl_client
from verbund.knowledge.models import OParlObject, OParlSource
from verbund.knowledge.oparl_client import OParlClient, OParlError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ris.example.org/oparl/system",
        "gopher://127.0.0.1:6379/_INFO",
        "javascript:alert(1)",
        "http:///system",
        "//ris.example.org/oparl/system",
        "https://" + "a" * 3000 + ".example.org/",
    ],
)
def test_the_command_refuses_a_system_url_that_is_not_http(url: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("harvest_oparl", url)
    assert refused.value.returncode == 2
    assert not OParlSource.objects.exists() and not OParlObject.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/oparl/system",
        "http://localhost:9/oparl/system",
        "http://[::1]:9/oparl/system",
        "http://2130706433:9/oparl/system",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/oparl/system",
        "http://0.0.0.0:9/oparl/system",
    ],
)
def test_a_client_for_a_public_source_refuses_internal_addresses(url: str) -> None:
    client = OParlClient(retries=0, backoff=0)
    with pytest.raises(OParlError) as refused:
        client.get(url, max_bytes=1000)
    assert "internen Netz" in str(refused.value)
    assert client.requests_made == 0


class _Redirector:
    """``/start`` answers 302 to ``/secret`` on 127.0.0.1; records the paths asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.paths.append(self.path)
                if self.path == "/start":
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.1:{recorder.port}/secret")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"secret": "instance credentials"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirector() -> Iterator[_Redirector]:
    server = _Redirector()
    yield server
    server.close()


def test_a_public_source_cannot_redirect_the_harvester_to_an_internal_address(
    redirector: _Redirector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "localhost" stands for a public host here; 127.0.0.1 stays internal
    real = oparl_client.is_internal
    monkeypatch.setattr(oparl_client, "is_internal", lambda host: host != "localhost" and real(host))
    client = OParlClient(retries=0, backoff=0)
    with contextlib.suppress(OParlError):
        client.get_json(f"http://localhost:{redirector.port}/start")
    assert "/secret" not in redirector.paths
