"""Settings: production refuses to start without a real SECRET_KEY and ALLOWED_HOSTS and, with them,
turns on secure cookies, HSTS and Argon2; ``.env.example`` documents every variable the code reads
through ``config.env.env`` (including those read only when OIDC is on) and nothing else."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import BASE_DIR, REGISTRY

ENV_EXAMPLE = BASE_DIR / ".env.example"
GOOD_KEY = "k" * 24 + "-not-a-real-secret-but-long"
# env("NAME", ...) with the name as a literal, possibly on the next line.
ENV_CALL = re.compile(r"""\benv\(\s*["']([A-Z][A-Z0-9_]*)["']""")
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with only the given variables (and PATH) set.

    Variables given as "" are set empty on purpose: config.env never lets a local .env file
    override the real environment, so an empty value keeps a developer's .env out of the test.
    """
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


IMPORT_PRODUCTION = "import config.settings.production"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "", "ALLOWED_HOSTS": "verbund.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "zu-kurz", "ALLOWED_HOSTS": "verbund.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-" + GOOD_KEY, "ALLOWED_HOSTS": "verbund.example.org"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_key_or_hosts(env: dict[str, str], message: str) -> None:
    result = _run(IMPORT_PRODUCTION, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr.splitlines()[-1]


def test_production_with_key_and_hosts_is_secure() -> None:
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings as s\n"
        "from django.contrib.auth.hashers import make_password\n"
        "print(json.dumps({'debug': s.DEBUG, 'session_secure': s.SESSION_COOKIE_SECURE,"
        " 'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
        " 'ssl_redirect': s.SECURE_SSL_REDIRECT, 'proxy_header': s.SECURE_PROXY_SSL_HEADER,"
        " 'hosts': s.ALLOWED_HOSTS, 'first_hasher': s.PASSWORD_HASHERS[0],"
        " 'hash': make_password('x')[:7]}))"
    )
    result = _run(code, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="verbund.example.org,www.verbund.example.org")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["session_secure"] is True and values["csrf_secure"] is True
    assert values["hsts"] >= 31536000 and values["ssl_redirect"] is True
    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["hosts"] == ["verbund.example.org", "www.verbund.example.org"]
    assert values["first_hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["hash"] == "argon2$"


# --- .env.example ------------------------------------------------------------------------------------


def _runtime_names() -> set[str]:
    """Variables registered when every settings module is loaded with OIDC on, and the URLs too."""
    code = (
        "import json, django; django.setup()\n"
        "import config.settings.local, config.settings.test, config.urls\n"
        "from config.env import REGISTRY\n"
        "print(json.dumps(sorted(REGISTRY)))"
    )
    result = _run(code, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="verbund.example.org", OIDC_ENABLED="1")
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1])) | set(REGISTRY)


def _source_names() -> set[str]:
    """Variables named in env("…") calls anywhere in the code, also in branches not taken."""
    names: set[str] = set()
    for root in (BASE_DIR / "config", BASE_DIR / "verbund"):
        for path in root.rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(BASE_DIR).parts):
                continue
            names.update(ENV_CALL.findall(path.read_text(encoding="utf-8")))
    return names


def _documented() -> dict[str, int]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return {m.group(1): text.count("\n", 0, m.start()) for m in DOCUMENTED.finditer(text)}


def test_source_scan_finds_conditional_variables() -> None:
    # The OIDC endpoints are read only when OIDC_ENABLED is on; the scan must still see them.
    assert {"SECRET_KEY", "DATABASE_URL", "OIDC_OP_TOKEN_ENDPOINT", "SECURE_HSTS_SECONDS"} <= _source_names()


def test_env_example_lists_every_variable_and_no_other() -> None:
    read = _runtime_names() | _source_names()
    documented = set(_documented())
    missing = sorted(read - documented)
    assert not missing, f"Add to .env.example (with a help comment and the default): {missing}"
    stale = sorted(documented - read)
    assert not stale, f".env.example lists variables nobody reads: {stale}"


def test_env_example_explains_each_variable_and_sets_none() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for name, line_no in _documented().items():
        assert lines[line_no].startswith("# "), f"{name}: keep it commented out, so copying changes nothing"
        previous = lines[line_no - 1]
        assert previous.startswith("# ") and not DOCUMENTED.match(previous), f"{name}: needs a help comment"


def test_env_example_holds_no_machine_paths() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert str(Path(BASE_DIR)) not in text and str(Path(BASE_DIR).parent) + "/" not in text
