"""Where set-up takes the registry from (``resolve_registry_source``): a download that answers with
an HTML page, a broken archive or another file is refused with a German reason and set-up falls back
to the built-in sample (with its boundaries); nothing is written to the download folder. The real
download code runs against a local HTTP server (no network)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verbund.registry import sources
from verbund.registry.sources import (
    SAMPLE_BOUNDARIES,
    SAMPLE_GV100AD,
    NotGv100ad,
    check_gv100ad_payload,
    resolve_registry_source,
)
from verbund.registry.tests.http_stub import StubServer

HTML = (
    b"<!DOCTYPE html>\n<html lang='de'><head><title>Statistisches Bundesamt</title></head>"
    b"<body>Portal</body></html>"
)


def _zip(name: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


@pytest.fixture
def server() -> Iterator[StubServer]:
    running = StubServer()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def offline_setup(settings: Any, tmp_path: Path, server: StubServer) -> Path:
    """No data directory, the download pointing at the local server, downloads into ``tmp_path``."""
    empty = tmp_path / "daten"
    empty.mkdir()
    settings.VERBUND_DATA_DIR = str(empty)
    settings.VERBUND_GV100AD_URL = server.url
    settings.BASE_DIR = tmp_path
    return tmp_path / "var" / "download" / "GV100AD.txt"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        pytest.param(HTML, "text/html; charset=utf-8", "lieferte eine HTML-Seite", id="html"),
        pytest.param(HTML, "application/octet-stream", "lieferte eine HTML-Seite", id="html-as-binary"),
        pytest.param(_zip("GV100AD_30112025.txt", HTML), "application/zip", "HTML-Seite", id="html-in-zip"),
        pytest.param(b"PK\x03\x04kaputt", "application/zip", "ist beschädigt", id="broken-zip"),
        pytest.param(
            _zip("liesmich.txt", b"x"), "application/zip", "enthält keine GV100AD-Datei", id="other-zip"
        ),
        pytest.param(
            b"Gemeinde;Einwohner\nMainz;220000\n", "text/plain", "kein Gemeindeverzeichnis", id="csv"
        ),
    ],
)
def test_a_download_that_is_not_gv100ad_falls_back_to_the_sample(
    server: StubServer, offline_setup: Path, body: bytes, content_type: str, reason: str
) -> None:
    server.body, server.content_type = body, content_type
    source = resolve_registry_source()
    assert source.kind == "sample"
    assert source.gv100ad == SAMPLE_GV100AD and source.boundaries == SAMPLE_BOUNDARIES
    assert reason in source.note and server.url in source.note
    assert "weil das Datenverzeichnis fehlt und der Download unbrauchbar war" in source.note
    assert not offline_setup.exists()  # nothing that is not a GV100AD is kept


def test_forcing_the_download_raises_the_german_reason(server: StubServer, offline_setup: Path) -> None:
    server.body = HTML
    with pytest.raises(NotGv100ad, match="lieferte eine HTML-Seite statt des Gemeindeverzeichnisses"):
        resolve_registry_source(prefer="download")


def test_a_real_gv100ad_download_is_used_with_the_sample_boundaries(
    server: StubServer, offline_setup: Path
) -> None:
    server.body, server.content_type = (
        _zip("GV100AD_30112025.txt", SAMPLE_GV100AD.read_bytes()),
        "application/zip",
    )
    source = resolve_registry_source()
    assert source.kind == "download" and source.gv100ad == offline_setup
    assert offline_setup.read_bytes() == SAMPLE_GV100AD.read_bytes()
    assert source.boundaries == SAMPLE_BOUNDARIES


def test_offline_falls_back_to_the_sample(settings: Any, tmp_path: Path) -> None:
    settings.VERBUND_DATA_DIR = str(tmp_path)
    settings.VERBUND_GV100AD_URL = "http://127.0.0.1:9/nicht-da.zip"  # the discard port: refused
    source = resolve_registry_source(timeout=5)
    assert source.kind == "sample" and "nicht möglich" in source.note


def test_the_payload_check_accepts_the_sample() -> None:
    check_gv100ad_payload(SAMPLE_GV100AD.read_bytes(), url="x")
    with pytest.raises(NotGv100ad):
        check_gv100ad_payload(b"", url="x")
    assert issubclass(NotGv100ad, OSError) and sources.SAMPLE_DIR.is_dir()
