"""Restoring an archive into an empty database of either kind (SQLite ↔ PostgreSQL).

In this order, and nothing is changed before the last check passed:

1. the archive: a ZIP with a readable manifest of this format version;
2. the database: without tables it is migrated first; then its migration state must equal the
   archive's (latest migration of every app), and it must be empty: no user accounts, audit entries,
   bodies or alliances (what ``migrate`` seeds — content types, permissions, catalogues — does not
   count and is replaced);
3. every table of the archive exists here with the same columns;
4. every member's SHA-256 and size match the manifest (a damaged archive is refused here);
5. no stored file of the archive lies in the storage with other content.

Then in **one transaction**: the rows ``migrate`` created are removed, every table is loaded with
its original primary keys (raw inserts in batches: no ``save()``, no signals, no ``auto_now``, so
append-only tables such as the audit log load as they were), PostgreSQL sequences are set past the
highest id, foreign keys are checked, the row count of every table is compared with the manifest,
content types or permissions of models the archive did not know are added, the files are written
through the storage API and read back against their checksums, and the restore is written to the
audit log (system actor "Wiederherstellung"). Any failure rolls the database back and deletes the
files written so far.

Content types keep their ids because the whole table is replaced, so every reference to one — the
admin log, permissions, group and user permissions — stays right across database kinds.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.files.temp import NamedTemporaryFile
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from verbund.common.actors import SystemActor
from verbund.common.german import format_datetime, format_number

from . import archive
from .archive import BATCH, CHUNK

#: Who writes the restore into the audit log.
RESTORER = SystemActor(name="Wiederherstellung")

#: Rows in these tables mean the database is in use: a restore never overwrites them.
IN_USE: tuple[tuple[str, str], ...] = (
    (settings.AUTH_USER_MODEL.lower(), "Benutzerkonten"),
    ("audit.auditentry", "Protokolleinträge"),
    ("registry.body", "Körperschaften"),
    ("alliances.alliance", "Verbünde"),
)


class RestoreRefused(Exception):
    """The archive or the database does not allow a restore; the message says why, in German."""


@dataclass
class RestoreResult:
    archive_name: str
    manifest: dict[str, Any]
    vendor: str
    tables: int
    rows: int
    files_written: int
    files_present: int
    file_bytes: int
    migrated: bool
    replaced: dict[str, int] = field(default_factory=dict)
    added: int = 0

    def summary(self) -> str:
        manifest = self.manifest
        lines = [
            f"Wiederhergestellt aus {self.archive_name} (Verbund {manifest['verbund_version']}, "
            f"{manifest['database']['vendor']}, erstellt am {_local(manifest['created_at'])}) "
            f"in die Datenbank ({self.vendor}).",
            f"  {format_number(self.tables)} Tabellen, {format_number(self.rows)} Zeilen: "
            "Anzahl je Tabelle mit dem Manifest verglichen, stimmt.",
            f"  {format_number(self.files_written + self.files_present)} Dateien "
            f"({format_number(self.file_bytes / 1_000_000, 1)} MB): Prüfsummen verglichen, stimmen"
            + (
                f" ({format_number(self.files_present)} lagen schon unverändert im Dateispeicher)."
                if self.files_present
                else "."
            ),
        ]
        if self.migrated:
            lines.insert(1, "  Die Datenbank hatte noch keine Tabellen: zuerst migriert.")
        if self.replaced:
            replaced = ", ".join(
                f"{label} ({format_number(n)})" for label, n in sorted(self.replaced.items())
            )
            lines.append(f"  Von migrate angelegte Zeilen durch die der Sicherung ersetzt: {replaced}.")
        if self.added:
            lines.append(
                f"  {format_number(self.added)} Inhaltstypen oder Berechtigungen ergänzt, die die Sicherung "
                "nicht kannte."
            )
        if manifest.get("missing_files"):
            lines.append(
                f"  Hinweis: {format_number(len(manifest['missing_files']))} Dateien fehlten schon bei der "
                "Sicherung im Dateispeicher (Manifest: missing_files)."
            )
        lines.append("  Die Wiederherstellung steht im Protokoll (Wiederherstellung).")
        return "\n".join(lines)


def _local(moment: str) -> str:
    parsed = parse_datetime(moment)
    if parsed is None:
        return moment
    return format_datetime(timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed)


# --- the archive ----------------------------------------------------------------------------------


def open_archive(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise RestoreRefused(f"Die Sicherung {path} gibt es nicht.")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RestoreRefused(
            f"{path.name} ist kein Verbund-Sicherungsarchiv (kein lesbares ZIP-Archiv)."
        ) from exc


def read_manifest(zf: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(archive.MANIFEST))
    except KeyError as exc:
        raise RestoreRefused(f"{name} ist kein Verbund-Sicherungsarchiv: manifest.json fehlt.") from exc
    except (ValueError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise RestoreRefused(f"Das Archiv {name} ist beschädigt: manifest.json ist nicht lesbar.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != archive.FORMAT:
        raise RestoreRefused(f"{name} ist kein Verbund-Sicherungsarchiv (unbekanntes Manifest).")
    version = manifest.get("format_version")
    if version != archive.FORMAT_VERSION:
        raise RestoreRefused(
            f"Das Archiv {name} hat das Format Version {version}; diese Verbund-Version "
            f"({archive.verbund_version()}) liest nur Version {archive.FORMAT_VERSION}."
        )
    try:
        for key in ("verbund_version", "created_at", "database", "migrations", "tables", "files"):
            manifest[key]
        for table in manifest["tables"]:
            assert isinstance(table["label"], str) and isinstance(table["columns"], list)
            assert isinstance(table["rows"], int) and isinstance(table["sha256"], str)
            assert table["member"] == archive.DATA_PREFIX + table["label"] + ".jsonl"
        for entry in manifest["files"]:
            assert archive.safe_file_name(entry["name"]) and isinstance(entry["sha256"], str)
            assert isinstance(entry["size"], int) and entry["fields"]
    except (KeyError, TypeError, AssertionError) as exc:
        raise RestoreRefused(f"Das Manifest von {name} ist unvollständig oder beschädigt.") from exc
    return manifest


def verify_members(zf: zipfile.ZipFile, manifest: dict[str, Any], name: str) -> None:
    """Every member the manifest names is present, readable and has its SHA-256 and size."""
    expected = [(t["member"], t["sha256"], t["size"]) for t in manifest["tables"]] + [
        (archive.FILES_PREFIX + f["name"], f["sha256"], f["size"]) for f in manifest["files"]
    ]
    present = set(zf.namelist())
    for member, sha256, size in expected:
        if member not in present:
            raise RestoreRefused(f"Das Archiv {name} ist unvollständig: {member} fehlt.")
        digest, read = hashlib.sha256(), 0
        try:
            with zf.open(member) as source:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    read += len(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise RestoreRefused(
                f"Das Archiv {name} ist beschädigt: {member} lässt sich nicht lesen."
            ) from exc
        if digest.hexdigest() != sha256 or read != size:
            raise RestoreRefused(
                f"Das Archiv {name} ist beschädigt: die Prüfsumme von {member} stimmt nicht mit dem Manifest "
                "überein. Nichts wurde verändert."
            )


# --- the database ---------------------------------------------------------------------------------


def ensure_migrated(alias: str) -> bool:
    """Migrate a database without any tables; ``True`` if it did."""
    if archive.applied_migrations(alias):
        return False
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    return True


def check_migrations(manifest: dict[str, Any], alias: str) -> None:
    theirs: dict[str, str] = manifest["migrations"]
    ours = archive.applied_migrations(alias)
    differences = [
        f"  {app}: Sicherung {theirs.get(app) or '–'}, Datenbank {ours.get(app) or '–'}"
        for app in sorted(set(theirs) | set(ours))
        if theirs.get(app) != ours.get(app)
    ]
    if differences:
        raise RestoreRefused(
            f"Der Migrationsstand der Datenbank passt nicht zur Sicherung (geschrieben von Verbund "
            f"{manifest['verbund_version']}):\n"
            + "\n".join(differences)
            + "\nSpielen Sie die Sicherung mit der Verbund-Version ein, die sie geschrieben hat (in eine "
            "leere Datenbank, die diese Version migriert hat); danach bringt `manage.py migrate` sie auf "
            "den neuesten Stand."
        )


def check_empty(alias: str) -> None:
    found = []
    for label, words in IN_USE:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        count = model._base_manager.using(alias).count()
        if count:
            found.append(f"{format_number(count)} {words}")
    if found:
        raise RestoreRefused(
            f"Die Zieldatenbank ist nicht leer: sie enthält bereits {', '.join(found)}. Eine "
            "Wiederherstellung überschreibt keine Daten. Legen Sie eine neue, leere Datenbank an, "
            "setzen Sie DATABASE_URL darauf und rufen Sie `manage.py restore` erneut auf."
        )


def match_tables(manifest: dict[str, Any]) -> list[tuple[dict[str, Any], type[models.Model]]]:
    ours = {model._meta.label_lower: model for model in archive.backup_models()}
    plan = []
    for table in manifest["tables"]:
        model = ours.get(table["label"])
        if model is None:
            raise RestoreRefused(
                f"Die Sicherung enthält die Tabelle {table['label']}, die es in dieser Installation "
                "nicht gibt."
            )
        columns = [f.attname for f in archive.columns(model)]
        if columns != table["columns"]:
            raise RestoreRefused(
                f"Die Spalten der Tabelle {table['label']} passen nicht zur Sicherung "
                f"(Sicherung: {', '.join(table['columns'])}; hier: {', '.join(columns)})."
            )
        plan.append((table, model))
    return plan


# --- files ----------------------------------------------------------------------------------------


def storage_for(entry: dict[str, Any]) -> Storage:
    """The storage of the first FileField that names the file (the default storage otherwise)."""
    label, _, field_name = entry["fields"][0].rpartition(".")
    try:
        file_field = apps.get_model(label)._meta.get_field(field_name)
    except (LookupError, ValueError):
        return default_storage
    return getattr(file_field, "storage", default_storage)


def _digest(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def plan_files(manifest: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(to write, already there with the same content)``; refuses a name taken by other content."""
    to_write, present = [], []
    for entry in manifest["files"]:
        storage = storage_for(entry)
        if not storage.exists(entry["name"]):
            to_write.append(entry)
        elif _digest(storage, entry["name"]) == entry["sha256"]:
            present.append(entry)
        else:
            raise RestoreRefused(
                f"Im Dateispeicher liegt schon eine Datei {entry['name']} mit anderem Inhalt. Eine "
                "Wiederherstellung überschreibt keine Dateien: nehmen Sie einen leeren Dateispeicher "
                "(MEDIA_ROOT oder S3-Bucket)."
            )
    return to_write, present


def write_files(
    zf: zipfile.ZipFile, entries: list[dict[str, Any]], written: list[tuple[Storage, str]]
) -> None:
    for entry in entries:
        storage, name = storage_for(entry), entry["name"]
        with NamedTemporaryFile(suffix=".restore") as spool:
            with zf.open(archive.FILES_PREFIX + name) as source:
                while chunk := source.read(CHUNK):
                    spool.write(chunk)
            spool.flush()
            spool.seek(0)
            saved = storage.save(name, File(spool, name=name))
        written.append((storage, saved))
        if saved != name:
            raise RestoreRefused(
                f"Der Dateispeicher hat {name} unter einem anderen Namen ({saved}) abgelegt."
            )
        if _digest(storage, name) != entry["sha256"]:
            raise RestoreRefused(f"Die Datei {name} liest sich nach dem Schreiben anders als gesichert.")


# --- loading ----------------------------------------------------------------------------------------


def clear_seeded_rows(plan: list[tuple[dict[str, Any], type[models.Model]]], alias: str) -> dict[str, int]:
    """Remove what ``migrate`` put into the empty database (raw deletes: no signals, no cascades in
    Python; the foreign keys are checked at the end of the transaction)."""
    replaced = {}
    for _table, model in plan:
        rows = model._base_manager.using(alias).all()
        count = rows.count()
        if count:
            rows._raw_delete(alias)
            replaced[model._meta.label_lower] = count
    return replaced


def _batch_size(alias: str, fields: list[models.Field[Any, Any]]) -> int:
    by_backend = connections[alias].ops.bulk_batch_size(fields, [None] * BATCH)
    return max(1, min(BATCH, by_backend, 30_000 // max(1, len(fields))))


def load_table(zf: zipfile.ZipFile, table: dict[str, Any], model: type[models.Model], alias: str) -> int:
    """Insert the rows of one table in batches, values exactly as stored (no ``save()``, no
    signals, no ``auto_now``): multi-row ``INSERT … VALUES`` statements of as many rows as the
    database takes parameters. Fields that need their own SQL placeholder go through Django's raw
    insert instead."""
    connection = connections[alias]
    fields = archive.columns(model)
    if any(hasattr(f, "get_placeholder") for f in fields):
        return _load_table_through_orm(zf, table, model, alias)
    decoders = [archive.decoder(f) for f in fields]
    prepares = [f.get_db_prep_save for f in fields]
    quote = connection.ops.quote_name
    prefix = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = _batch_size(alias, fields)
    full_sql = prefix + ", ".join([one_row] * size)
    loaded = 0
    params: list[Any] = []
    rows = 0
    with zf.open(table["member"]) as raw, connection.cursor() as cursor:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            values = json.loads(line)
            params.extend(
                prepare(decode(value), connection)
                for prepare, decode, value in zip(prepares, decoders, values, strict=True)
            )
            rows += 1
            if rows == size:
                cursor.execute(full_sql, params)
                loaded += rows
                params, rows = [], 0
        if rows:
            cursor.execute(prefix + ", ".join([one_row] * rows), params)
            loaded += rows
    return loaded


def _load_table_through_orm(
    zf: zipfile.ZipFile, table: dict[str, Any], model: type[models.Model], alias: str
) -> int:
    fields = archive.columns(model)
    names = [f.attname for f in fields]
    decoders = [archive.decoder(f) for f in fields]
    manager = model._base_manager.db_manager(alias)
    size = _batch_size(alias, fields)
    loaded = 0
    batch: list[models.Model] = []
    with zf.open(table["member"]) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            values = json.loads(line)
            decoded = [decode(value) for decode, value in zip(decoders, values, strict=True)]
            batch.append(model.from_db(alias, names, decoded))
            if len(batch) >= size:
                manager._insert(batch, fields=fields, using=alias, raw=True)  # type: ignore[attr-defined]
                loaded += len(batch)
                batch = []
    if batch:
        manager._insert(batch, fields=fields, using=alias, raw=True)  # type: ignore[attr-defined]
        loaded += len(batch)
    return loaded


def reset_sequences(models_: list[type[models.Model]], alias: str) -> None:
    connection = connections[alias]
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def add_missing_contenttypes(alias: str) -> int:
    """Content types and permissions of models the archive did not know (normally none)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    before = ContentType.objects.using(alias).count() + Permission.objects.using(alias).count()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0, using=alias)
        create_permissions(app_config, verbosity=0, using=alias)
    ContentType.objects.clear_cache()
    return ContentType.objects.using(alias).count() + Permission.objects.using(alias).count() - before


def restore_backup(
    path: Path, *, alias: str = "default", progress: Callable[[str], None] | None = None
) -> RestoreResult:
    """Restore the archive at ``path`` into the empty database ``alias`` and the (empty) storage."""
    from verbund.audit.services import audit_record

    from .audit_actions import BACKUP_RESTORE

    say = progress or (lambda text: None)
    path = Path(path)
    with open_archive(path) as zf:
        manifest = read_manifest(zf, path.name)
        migrated = ensure_migrated(alias)
        check_migrations(manifest, alias)
        check_empty(alias)
        plan = match_tables(manifest)
        say("Prüfe die Prüfsummen des Archivs …")
        verify_members(zf, manifest, path.name)
        to_write, present = plan_files(manifest)
        written: list[tuple[Storage, str]] = []
        say("Lade die Tabellen …")
        try:
            with transaction.atomic(using=alias):
                replaced = clear_seeded_rows(plan, alias)
                for table, model in plan:
                    loaded = load_table(zf, table, model, alias)
                    if loaded != table["rows"]:
                        raise RestoreRefused(
                            f"Tabelle {table['label']}: {loaded} Zeilen gelesen, das Manifest nennt "
                            f"{table['rows']}."
                        )
                reset_sequences([model for _table, model in plan], alias)
                try:
                    connections[alias].check_constraints(table_names=[m._meta.db_table for _t, m in plan])
                except IntegrityError as exc:
                    raise RestoreRefused(
                        f"Die Daten der Sicherung verweisen auf Zeilen, die fehlen ({exc})."
                    ) from exc
                for table, model in plan:
                    count = model._base_manager.using(alias).count()
                    if count != table["rows"]:
                        raise RestoreRefused(
                            f"Tabelle {table['label']}: {count} Zeilen in der Datenbank, das Manifest nennt "
                            f"{table['rows']}."
                        )
                added = add_missing_contenttypes(alias)
                say("Schreibe die Dateien …")
                write_files(zf, to_write, written)
                audit_record(
                    actor=RESTORER,
                    action=BACKUP_RESTORE,
                    object_type="backup",
                    object_repr=path.name,
                    changes={
                        "archive": path.name,
                        "created_at": manifest["created_at"],
                        "source_database": manifest["database"]["vendor"],
                        "verbund_version": manifest["verbund_version"],
                        "tables": len(plan),
                        "rows": sum(t["rows"] for t, _m in plan),
                        "files": len(manifest["files"]),
                    },
                )
        except BaseException as exc:
            for storage, name in written:
                storage.delete(name)
            if isinstance(exc, DatabaseError):
                raise RestoreRefused(
                    f"Die Datenbank hat das Laden abgelehnt ({type(exc).__name__}: {exc}). Nichts wurde "
                    "verändert."
                ) from exc
            raise
    return RestoreResult(
        archive_name=path.name,
        manifest=manifest,
        vendor=connections[alias].vendor,
        tables=len(plan),
        rows=sum(t["rows"] for t, _m in plan),
        files_written=len(to_write),
        files_present=len(present),
        file_bytes=sum(f["size"] for f in manifest["files"]),
        migrated=migrated,
        replaced=replaced,
        added=added,
    )
