"""The archive format: which tables, how values are written, the manifest, the migration state."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from django.apps import apps
from django.db import connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_iso_string

#: The name stored in every manifest, and the version of the layout this code writes and reads.
FORMAT = "verbund-backup"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
DATA_PREFIX = "data/"
FILES_PREFIX = "files/"

#: Tables left out: login sessions are short-lived bearer secrets (after a restore everyone signs in
#: again).
EXCLUDED_MODELS = frozenset({"sessions.session"})

#: Rows read and inserted per batch.
BATCH = 2000
#: Bytes per read of a stored file.
CHUNK = 1 << 20


def verbund_version() -> str:
    try:
        return metadata.version("verbund")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed as a package
        return "unbekannt"


def backup_models() -> list[type[models.Model]]:
    """Every table of the installation, many-to-many tables included, in the apps' order."""
    chosen = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped or opts.label_lower in EXCLUDED_MODELS:
            continue
        chosen.append(model)
    return chosen


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The stored columns of ``model``'s own table (no generated columns)."""
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def data_member(model: type[models.Model]) -> str:
    return f"{DATA_PREFIX}{model._meta.label_lower}.jsonl"


# --- values ----------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A column value (as the database adapter returns it) in portable JSON form."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)  # e.g. a time zone (django-timezone-field): its name


def encoder(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        return lambda value: value  # already JSON
    return encode


def decoder(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """Turns the portable form back into the field's Python value."""
    if isinstance(field, models.JSONField):
        return lambda value: value
    to_python = field.to_python
    return lambda value: None if value is None else to_python(value)


def dumps_line(values: list[Any]) -> bytes:
    return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# --- migration state ---------------------------------------------------------------------------------


def applied_migrations(alias: str = "default") -> dict[str, str]:
    """The latest applied migration of every app (by name; migrations are numbered)."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app_label, name in recorder.applied_migrations():
        if name > latest.get(app_label, ""):
            latest[app_label] = name
    return dict(sorted(latest.items()))


# --- checksums ----------------------------------------------------------------------------------------


class HashingWriter:
    """Writes to ``target`` and keeps the SHA-256 and size of what went through."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.target.write(data)
        self.sha256.update(data)
        self.size += len(data)

    @property
    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


def safe_file_name(name: str) -> bool:
    """A storage name that may be restored: relative, no ``..``, no backslashes or NULs."""
    parts = name.split("/")
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and "\0" not in name
        and (".." not in parts and "" not in parts)
    )


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str
    #: the FileFields naming it: ["alliances.agreementdocument.file", …]
    fields: tuple[str, ...]

    @property
    def member(self) -> str:
        return FILES_PREFIX + self.name


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in backup_models()
        for field in columns(model)
        if isinstance(field, models.FileField)
    ]
