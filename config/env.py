"""The one way settings read the environment.

Every setting that can change between installations goes through :func:`env`, which records the
name, default and help text so that ``.env.example`` and ``docs/configuration.md`` can be checked
against the code (see ``verbund/common/tests/test_settings.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: Any
    help: str


#: Every variable read so far, in reading order; used to document and check the configuration.
REGISTRY: dict[str, EnvVar] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _load_dotenv(path: Path) -> None:
    """Read ``KEY=value`` lines of a local ``.env`` file without overriding the real environment."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv(BASE_DIR / ".env")


def env(name: str, default: T, help: str) -> T:
    """Return the environment variable ``name`` converted to the type of ``default``.

    Booleans accept 1/0, true/false, yes/no, on/off; lists are comma separated.
    """
    REGISTRY[name] = EnvVar(name, default, help)
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in _TRUE:
            return True  # type: ignore[return-value]
        if value in _FALSE:
            return False  # type: ignore[return-value]
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")
    if isinstance(default, int):
        try:
            return int(raw)  # type: ignore[return-value]
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]  # type: ignore[return-value]
    return raw  # type: ignore[return-value]
