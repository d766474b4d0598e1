"""Support for the downloader tests (no tests here): the provider fixtures of the data directory served
by a local HTTP server with ETags, the gocsaf templates filled in, test signatures.

The fixtures (``csaf/provider_fixtures`` in VERBUND_DATA_DIR) are copied to a temporary directory
and served from there; the data directory itself is never changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import gnupg
import pytest
from django.conf import settings

FIXTURES = "csaf/provider_fixtures"
TEST_KEY_FINGERPRINT = "A8914CA2F11139C6A69A0018FB3CD9B15DE61596"
CISA_ORIGIN = "https://raw.githubusercontent.com/cisagov/CSAF/develop/"
#: where the CISA directory is served: the end of the path repeats the repository path of index.txt
CISA_DIRECTORY = "cisa/csaf_files/IT/white/"
CISA_DOCUMENTS = ("va-24-201-01.json", "va-24-254-01.json", "va-24-254-02.json", "va-24-262-01.json")
_TEMPLATE_SUFFIXES = {".json", ".txt", ".csv", ".html"}


def fixtures_dir() -> Path:
    """The provider fixtures; skips the test (with the reason) when the data directory lacks them."""
    path = Path(settings.VERBUND_DATA_DIR) / FIXTURES
    if not (path / "gocsaf_simple_directory_provider" / "provider-metadata.json").is_file():
        pytest.skip(
            f"CSAF provider fixtures {FIXTURES} not found in VERBUND_DATA_DIR={settings.VERBUND_DATA_DIR}"
        )
    return path


def fill_template(text: str, base_url: str, *, sha256: bool = True, sha512: bool = True) -> str:
    """Fill the gocsaf Go-template placeholders ``{{.URL}}`` and ``{{if .EnableShaNNN}}…{{end}}``."""
    flags = {"EnableSha256": sha256, "EnableSha512": sha512}

    def conditional(match: re.Match[str]) -> str:
        return match.group(2) if flags.get(match.group(1), False) else ""

    text = re.sub(r"\{\{\s*if \.(\w+)\s*\}\}(.*?)\{\{\s*end\s*\}\}", conditional, text, flags=re.S)
    return text.replace("{{.URL}}", base_url.rstrip("/"))


def copy_provider(
    name: str, target: Path, base_url: str, *, sha256: bool = True, sha512: bool = True
) -> Path:
    """Copy the fixture provider ``name`` to ``target`` with its templates filled for ``base_url``."""
    shutil.copytree(fixtures_dir() / name, target, dirs_exist_ok=True)
    for path in target.rglob("*"):
        if path.is_file() and path.suffix in _TEMPLATE_SUFFIXES and not path.name.endswith(".json.asc"):
            path.write_text(
                fill_template(path.read_text(encoding="utf-8"), base_url, sha256=sha256, sha512=sha512),
                encoding="utf-8",
            )
    return target


def write_hashes(document: Path) -> None:
    """Write ``.sha256`` and ``.sha512`` for ``document`` (as sha256sum writes them)."""
    data = document.read_bytes()
    for algorithm in ("sha256", "sha512"):
        digest = hashlib.new(algorithm, data).hexdigest()
        document.with_name(document.name + "." + algorithm).write_text(f"{digest}  {document.name}\n")


def sign_files(documents: list[Path]) -> None:
    """Write a detached armoured signature ``<document>.asc`` with the fixtures' test key."""
    private_key = (
        fixtures_dir() / "gocsaf_simple_directory_provider" / "openpgp" / "privkey.asc"
    ).read_text()
    home = tempfile.mkdtemp(prefix="vtg-")
    try:
        gpg = gnupg.GPG(gnupghome=home)
        imported = gpg.import_keys(private_key)
        assert TEST_KEY_FINGERPRINT in imported.fingerprints, imported.summary()
        for document in documents:
            signature = gpg.sign(
                document.read_bytes(), keyid=TEST_KEY_FINGERPRINT, detach=True, extra_args=["--batch"]
            )
            assert signature.data, signature.status
            document.with_name(document.name + ".asc").write_bytes(signature.data)
    finally:
        gpgconf = shutil.which("gpgconf")
        if gpgconf:
            subprocess.run([gpgconf, "--homedir", home, "--kill", "all"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def public_test_key() -> str:
    return (fixtures_dir() / "gocsaf_simple_directory_provider" / "openpgp" / "pubkey.asc").read_text()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, dict[str, str]]]
    aliases: dict[str, str]
    failing: set[str]


class _Handler(SimpleHTTPRequestHandler):
    """Static files with a strong ETag (If-None-Match → 304), aliases, forced failures, a request log."""

    server: _Server
    _etag: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        if self._etag:
            self.send_header("ETag", self._etag)
        super().end_headers()

    def send_head(self) -> Any:
        path = self.path.split("?", 1)[0]
        self.server.requests.append((path, dict(self.headers.items())))
        if path in self.server.failing:
            self.send_error(500, "forced failure")
            return None
        self.path = self.server.aliases.get(path, self.path)
        file = Path(self.translate_path(self.path))
        if file.is_file():
            self._etag = '"' + hashlib.sha256(file.read_bytes()).hexdigest()[:24] + '"'
            if self.headers.get("If-None-Match") == self._etag:
                self.send_response(304)
                self.end_headers()
                return None
        return super().send_head()


class FixtureServer:
    """A local HTTP server for ``root`` on 127.0.0.1; ``url`` is its base (without a trailing slash)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._server = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self._server.requests = []
        self._server.aliases = {}
        self._server.failing = set()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def aliases(self) -> dict[str, str]:
        return self._server.aliases

    @property
    def failing(self) -> set[str]:
        return self._server.failing

    @property
    def paths(self) -> list[str]:
        return [path for path, _headers in self._server.requests]

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.requests

    def clear_log(self) -> None:
        self._server.requests.clear()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def serving(root: Path) -> Iterator[FixtureServer]:
    server = FixtureServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def install_cisa_feed(
    server: FixtureServer, *, resign: bool = True, directory: bool = True, rolie: bool = True
) -> str:
    """Serve the cisa_it_feed as ``cisagov/CSAF`` publishes it, under ``/cisa/csaf_files/IT/white/``,
    with a provider-metadata.json naming its directory and ROLIE feed and the test key.

    ``directory``/``rolie``: which distributions the metadata names. ``resign``: replace CISA's
    signatures by ones of the test key (CISA's key is not in the fixtures).
    Returns the URL of the provider-metadata.json.
    """
    target = server.root / CISA_DIRECTORY
    shutil.copytree(fixtures_dir() / "cisa_it_feed", target, dirs_exist_ok=True)
    feed = target / "cisa-csaf-it-feed-tlp-white.json"
    feed.write_text(feed.read_text().replace(CISA_ORIGIN, server.url + "/cisa/"))
    if resign:
        sign_files([target / "2024" / name for name in CISA_DOCUMENTS])
    (server.root / "cisa" / "openpgp").mkdir(parents=True, exist_ok=True)
    (server.root / "cisa" / "openpgp" / "pubkey.asc").write_text(public_test_key())
    distributions: list[dict[str, Any]] = []
    if directory:
        distributions.append({"directory_url": f"{server.url}/{CISA_DIRECTORY}"})
    if rolie:
        feed_url = f"{server.url}/{CISA_DIRECTORY}cisa-csaf-it-feed-tlp-white.json"
        distributions.append(
            {"rolie": {"feeds": [{"summary": "TLP:WHITE", "tlp_label": "WHITE", "url": feed_url}]}}
        )
    metadata = {
        "canonical_url": f"{server.url}/cisa/provider-metadata.json",
        "distributions": distributions,
        "last_updated": "2024-10-10T18:21:27Z",
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [
            {"fingerprint": TEST_KEY_FINGERPRINT, "url": f"{server.url}/cisa/openpgp/pubkey.asc"}
        ],
        "publisher": {
            "category": "coordinator",
            "name": "CISA (test copy)",
            "namespace": "https://www.cisa.gov/",
        },
        "role": "csaf_trusted_provider",
    }
    (server.root / "cisa" / "provider-metadata.json").write_text(json.dumps(metadata, indent=2))
    return f"{server.url}/cisa/provider-metadata.json"
