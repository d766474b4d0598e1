"""Content-Security-Policy (django-csp) without inline scripts; the other security headers kept.

The header is on every page with its directives; no template holds an inline script, an inline
event handler (``onclick=``) or a ``style=`` attribute (the policy refuses them: ``style-src
'self'``); JSON data blocks (``<script type="application/json">``) are allowed, they are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tools.translations import official_document

REPO = Path(settings.BASE_DIR)
TEMPLATES = sorted((REPO / "verbund").rglob("templates/**/*.html"))

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[a-zA-Z][^>]*\son[a-z]+\s*=""", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"""<[a-zA-Z][^>]*\sstyle\s*=""", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
DATA_BLOCK = re.compile(r"""\btype\s*=\s*["']application/(?:ld\+)?json["']""", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/verbuende/", "/konto/anmelden/", "/api/v1/docs"])
def test_every_page_carries_the_policy(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    # the other headers stay
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_map_tile_host_is_allowed_when_configured() -> None:
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "VERBUND_MAP_TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "'self'",
        "data:",
        "https://*.tile.example.org",
    ]


def _map_settings(**environment: str) -> dict[str, object]:
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps({'img-src': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'],"
        " 'url': settings.VERBUND_MAP_TILE_URL, 'attribution': settings.VERBUND_MAP_TILE_ATTRIBUTION}))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_the_federal_base_map_is_off_by_default_and_allows_exactly_its_host_when_on() -> None:
    off = _map_settings()
    assert off == {"img-src": ["'self'", "data:"], "url": "", "attribution": ""}  # nothing leaves the server
    on = _map_settings(VERBUND_MAP_BASEMAP_DE="true")
    assert on["img-src"] == ["'self'", "data:", "https://sgx.geodatenzentrum.de"]
    assert str(on["url"]).startswith("https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/")
    assert "{z}" in str(on["url"]) and "GeoBasis-DE" in str(on["attribution"])


def test_the_templates_were_found() -> None:
    assert len(TEMPLATES) > 50
    assert any(path.name == "base.html" for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_inline_script_handler_or_style(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    problems = []
    for match in SCRIPT_TAG.finditer(source):
        attributes = match.group(1)
        if "src=" not in attributes and not DATA_BLOCK.search(attributes):
            problems.append(f"inline <script> at offset {match.start()}")
    problems += [f"event handler: {m.group(0)[-40:]!r}" for m in EVENT_HANDLER.finditer(source)]
    if not official_document(path):
        # Notices, invoices and letters (extending common/pdf/…) are laid out by WeasyPrint on the
        # server and never sent to a browser: their page styles may be inline. Scripts never.
        problems += [f"style attribute: {m.group(0)[-40:]!r}" for m in STYLE_ATTRIBUTE.finditer(source)]
        problems += [f"<style> element at offset {m.start()}" for m in STYLE_ELEMENT.finditer(source)]
    problems += [f"javascript: URL: {m.group(0)!r}" for m in JAVASCRIPT_URL.finditer(source)]
    assert not problems, f"{path.relative_to(REPO)}: move it into the part's static/ files: {problems}"


def test_the_scan_finds_what_it_looks_for() -> None:
    bad = '<p onclick="x()">a</p><span style="width: 3%"></span><script>alert(1)</script><style>p{}</style>'
    assert EVENT_HANDLER.search(bad) and STYLE_ATTRIBUTE.search(bad) and STYLE_ELEMENT.search(bad)
    assert [m.group(1) for m in SCRIPT_TAG.finditer(bad)] == [""]
    assert not EVENT_HANDLER.search('<input type="text" name="one" data-x="1">')
    assert not STYLE_ATTRIBUTE.search('<div class="vb-style" data-style-x="1">')
