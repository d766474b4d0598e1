"""A local OParl server for tests and the harvest benchmark (threading ``http.server`` on 127.0.0.1).

It answers from a mapping ``URL → (body, content type)``: the URLs are the ones the OParl objects name
(``https://oparl.example.org/oparl/v1/…`` for the shared corpus, whose ``url_map.json`` is such a
mapping); a request for ``http://127.0.0.1:<port>/<path>?<query>`` is answered with the entry of
``<origin><path>?<query>``, so the harvester fetches through ``rewrite=server.rewrite``. A corpus
can also be built with the server's own address as ``origin`` (no rewrite needed).

Like a real server, a list requested with ``modified_since`` that the mapping does not hold is
answered with an empty list (nothing changed since). ``fail`` makes URLs answer with an error
status (``{url: [503, 500]}`` answers 503 then 500, then normally; ``{url: 500}`` always).
``requests`` lists the URLs asked for (mapped back to their original form).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CORPUS_ORIGIN = "https://oparl.example.org"
CORPUS_BASE = "https://oparl.example.org/oparl/v1/"
JSON = "application/json"


def load_corpus(corpus_dir: Path) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """``(entry point, responses)`` of a corpus directory with ``url_map.json``."""
    url_map = json.loads((corpus_dir / "url_map.json").read_text(encoding="utf-8"))
    responses = {
        url: ((corpus_dir / entry["file"]).read_bytes(), entry["content_type"])
        for url, entry in url_map["responses"].items()
    }
    return url_map["entrypoint"], responses


class OParlTestServer:
    def __init__(
        self, responses: Mapping[str, tuple[bytes, str]] | None = None, *, origin: str = CORPUS_ORIGIN
    ) -> None:
        self.responses: dict[str, tuple[bytes, str]] = dict(responses or {})
        self.origin = origin.rstrip("/")
        self.fail: dict[str, int | list[int]] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- content
    def put_json(self, url: str, data: Any) -> None:
        self.responses[url] = (json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)

    def put_bytes(self, url: str, body: bytes, content_type: str) -> None:
        self.responses[url] = (body, content_type)

    # -- running
    @property
    def address(self) -> str:
        assert self._httpd is not None, "server not started"
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def rewrite(self) -> tuple[str, str]:
        """For the harvester: the corpus origin fetched from this server."""
        return (self.origin + "/", self.address + "/")

    def start(self) -> OParlTestServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out as separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold each keep-alive answer for ~40 ms
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OParlTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = self.origin + handler.path
        with self._lock:
            self.requests.append(url)
            failure = self.fail.get(url)
            status: int | None = None
            if isinstance(failure, list):
                if failure:
                    status = failure.pop(0)
            elif failure is not None:
                status = failure
        if status is not None:
            self._send(handler, status, b'{"error": "test failure"}', JSON)
            return
        entry = self.responses.get(url)
        if entry is None and "modified_since" in parse_qs(urlsplit(url).query):
            empty = {"data": [], "pagination": {"totalElements": 0}, "links": {}}
            entry = (json.dumps(empty).encode(), JSON)
        if entry is None:
            self._send(handler, 404, b'{"error": "not found"}', JSON)
            return
        self._send(handler, 200, *entry)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
