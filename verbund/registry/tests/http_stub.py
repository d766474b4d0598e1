"""A local HTTP server for the download tests (no network): answers every GET with one body."""

from __future__ import annotations

import http.server
import threading
from typing import Any


class StubServer:
    """A local HTTP server answering every GET with ``body`` and ``content_type``."""

    def __init__(self) -> None:
        self.body = b""
        self.content_type = "text/html; charset=utf-8"
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", server.content_type)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/GV100AD.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
