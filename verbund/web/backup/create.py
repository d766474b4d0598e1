"""Writing an archive: every table streamed in batches, every stored file, the manifest last.

The tables are read in one transaction, so that the archive is one consistent state even while the
site keeps working: PostgreSQL ``REPEATABLE READ, READ ONLY``; SQLite a deferred read transaction
(in WAL mode it reads a snapshot and never blocks writers). Files are read through each
``FileField``'s storage (local disk or S3). A file that a row names but the storage lacks is listed
in the manifest (``missing_files``) and reported, not a reason to fail. The archive is written as
``<name>.partial`` and renamed when complete, so an interrupted backup never looks like a good one.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import connections, models, transaction
from django.utils import timezone

from verbund.common.german import format_number

from . import archive
from .archive import BATCH, CHUNK, HashingWriter


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    file_bytes: int
    archive_bytes: int
    missing_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Sicherung geschrieben: {self.path}",
            f"  {format_number(self.tables)} Tabellen, {format_number(self.rows)} Zeilen",
            f"  {format_number(self.files)} Dateien ({_megabytes(self.file_bytes)})",
            f"  Archiv: {_megabytes(self.archive_bytes)}",
        ]
        if self.missing_files:
            lines.append(
                f"Warnung: {format_number(len(self.missing_files))} Dateien werden in der Datenbank "
                "genannt, fehlen aber im Dateispeicher (im Manifest unter missing_files):"
            )
            lines.extend(f"  {name}" for name in self.missing_files[:20])
        return "\n".join(lines)


def _megabytes(size: int) -> str:
    return f"{format_number(size / 1_000_000, 1)} MB"


def archive_name(now: Any = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"verbund-backup-{moment:%Y%m%d-%H%M%S}.zip"


@contextmanager
def snapshot(alias: str) -> Iterator[None]:
    """Read everything from one consistent state of the database."""
    connection = connections[alias]
    if connection.in_atomic_block:
        yield  # the caller's transaction is the snapshot
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Django would open an IMMEDIATE transaction (settings), which blocks writers; a deferred
        # one takes a read snapshot in WAL mode.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=alias):
        yield


def _write_table(zf: zipfile.ZipFile, model: type[models.Model], alias: str) -> dict[str, Any]:
    fields = archive.columns(model)
    names = [f.attname for f in fields]
    encoders = [archive.encoder(f) for f in fields]
    rows = (
        model._base_manager.using(alias)
        .order_by(model._meta.pk.attname)
        .values_list(*names)
        .iterator(chunk_size=BATCH)
    )
    count = 0
    member = archive.data_member(model)
    with zf.open(member, "w", force_zip64=True) as raw:
        out = HashingWriter(raw)
        buffer: list[bytes] = []
        for row in rows:
            buffer.append(
                archive.dumps_line([encode(value) for encode, value in zip(encoders, row, strict=True)])
            )
            count += 1
            if len(buffer) >= BATCH:
                out.write(b"".join(buffer))
                buffer.clear()
        if buffer:
            out.write(b"".join(buffer))
    return {
        "label": model._meta.label_lower,
        "table": model._meta.db_table,
        "columns": names,
        "rows": count,
        "member": member,
        "size": out.size,
        "sha256": out.hexdigest,
    }


def _stored_files(alias: str) -> dict[str, tuple[Storage, list[str]]]:
    """Every file name a FileField holds: ``{name: (storage, ["app.model.field", …])}``."""
    found: dict[str, tuple[Storage, list[str]]] = {}
    for model, file_field in archive.file_fields():
        names = (
            model._base_manager.using(alias)
            .exclude(**{f"{file_field.attname}__isnull": True})
            .exclude(**{file_field.attname: ""})
            .order_by()
            .values_list(file_field.attname, flat=True)
            .distinct()
        )
        where = f"{model._meta.label_lower}.{file_field.name}"
        for name in names.iterator(chunk_size=BATCH):
            _storage, fields = found.setdefault(str(name), (file_field.storage, []))
            if where not in fields:
                fields.append(where)
    return found


def _write_files(zf: zipfile.ZipFile, alias: str) -> tuple[list[dict[str, Any]], list[str]]:
    entries: list[dict[str, Any]] = []
    missing: list[str] = []
    for name, (storage, fields) in sorted(_stored_files(alias).items()):
        if not archive.safe_file_name(name) or not storage.exists(name):
            missing.append(name)
            continue
        with (
            storage.open(name, "rb") as source,
            zf.open(archive.FILES_PREFIX + name, "w", force_zip64=True) as raw,
        ):
            out = HashingWriter(raw)
            while chunk := source.read(CHUNK):
                out.write(chunk)
        entries.append({"name": name, "size": out.size, "sha256": out.hexdigest, "fields": fields})
    return entries, missing


def create_backup(target: Path, *, alias: str = "default") -> BackupResult:
    """Write a complete archive to ``target`` (a ``.zip`` path, or a directory to put it in)."""
    target = Path(target)
    if target.suffix.lower() != ".zip":
        target = target / archive_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    connection = connections[alias]
    try:
        with (
            snapshot(alias),
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf,
        ):
            chosen = archive.backup_models()
            tables = [_write_table(zf, model, alias) for model in chosen]
            files, missing = _write_files(zf, alias)
            manifest = {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "verbund_version": archive.verbund_version(),
                "created_at": timezone.now().isoformat(),
                # the kind of database only: no name, host or password
                "database": {"vendor": connection.vendor, "engine": settings.DATABASES[alias]["ENGINE"]},
                "apps": sorted({model._meta.app_label for model in chosen}),
                "migrations": archive.applied_migrations(alias),
                "tables": tables,
                "files": files,
                "missing_files": missing,
            }
            zf.writestr(archive.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=target,
        tables=len(tables),
        rows=sum(t["rows"] for t in tables),
        files=len(files),
        file_bytes=sum(f["size"] for f in files),
        archive_bytes=target.stat().st_size,
        missing_files=missing,
    )
