"""Backup and restore (issue 10, item 6).

The round trip: the demo data and an uploaded file are backed up from the test database and
restored by ``manage.py restore`` in another process into a fresh database of the **other** kind
(SQLite → a PostgreSQL database created on 127.0.0.1:5432, PostgreSQL → a SQLite file); a backup of
the restored database then holds the same rows, value for value, and the same files, checksum for
checksum (plus the audit entry of the restore). In this process: a database in use, a damaged
archive, another migration state and a failure half-way are refused, and nothing is changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from config.env import BASE_DIR
from verbund.accounts.models import User
from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.models import AgreementDocument, Alliance
from verbund.alliances.tests.factories import AgreementDocumentFactory, AllianceFactory, pdf_bytes
from verbund.audit.models import AuditEntry
from verbund.web.backup import archive
from verbund.web.backup.restore import (
    RestoreRefused,
    clear_seeded_rows,
    match_tables,
    read_manifest,
    restore_backup,
)

pytestmark = pytest.mark.django_db

#: The PostgreSQL server the round trip from SQLite restores into (trust authentication).
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

#: A stored file with bytes that no text transformation survives.
UPLOAD = pdf_bytes("Sicherungstest") + bytes(range(256))


def _counts() -> dict[str, int]:
    return {model._meta.label_lower: model._base_manager.count() for model in archive.backup_models()}


def _stored_checksums() -> dict[str, str]:
    sums = {}
    for model, field in archive.file_fields():
        for name in model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True):
            with field.storage.open(name, "rb") as stored:
                sums[name] = hashlib.sha256(stored.read()).hexdigest()
    return sums


def _rows(path: Path) -> dict[str, list[list[Any]]]:
    """Every table of an archive, parsed (so that JSON key order does not matter)."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(archive.MANIFEST))
        return {
            t["label"]: [json.loads(line) for line in zf.read(t["member"]).decode().splitlines()]
            for t in manifest["tables"]
        }


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(archive.MANIFEST))


def _rewrite(
    source: Path,
    target: Path,
    *,
    member: str | None = None,
    change: Callable[[bytes], bytes] | None = None,
    manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A copy of the archive with one member or the manifest changed (a valid ZIP)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member and change:
                data = change(data)
            if item.filename == archive.MANIFEST and manifest:
                content = json.loads(data)
                manifest(content)
                data = json.dumps(content).encode()
            zout.writestr(item.filename, data)
    return target


@contextmanager
def _other_database(tmp_path: Path) -> Iterator[str]:
    """A fresh database of the other kind than the one the suite runs on; removed afterwards."""
    if connection.vendor != "sqlite":
        yield f"sqlite:///{tmp_path / 'wiederhergestellt.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    try:
        server = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"Kein PostgreSQL-Server auf 127.0.0.1:5432 erreichbar ({exc}); der Rundlauf SQLite → "
            "PostgreSQL braucht einen."
        )
    name = f"verbund_restore_{uuid.uuid4().hex[:12]}"
    with server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as server:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _manage(database_url: str, media: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "STORAGE_BACKEND": "local",
        "MEDIA_ROOT": str(media),
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_FORMAT": "text",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture
def demo_site(db: Any) -> dict[str, Any]:
    """The demo data, an uploaded agreement, an admin log entry and a user permission (both point to
    content types, whose ids differ between databases unless the restore keeps them)."""
    call_command("load_demo", "--source", "sample", stdout=StringIO(), stderr=StringIO())
    alliance = Alliance.objects.order_by("pk").first()
    assert alliance is not None
    document = AgreementDocumentFactory.create(
        alliance=alliance, title="Sicherungstest", file__filename="sicherungstest.pdf", file__data=UPLOAD
    )
    user = User.objects.order_by("pk").first()
    assert user is not None
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Alliance),
        object_id=str(alliance.pk),
        object_repr="Sicherungstest",
        action_flag=ADDITION,
    )
    user.user_permissions.add(Permission.objects.get(codename="change_alliance"))
    return {"document": document, "user": user}


def test_round_trip_into_the_other_database_kind(demo_site: dict[str, Any], tmp_path: Path) -> None:
    counts, checksums = _counts(), _stored_checksums()
    assert counts["alliances.alliance"] > 0 and counts["funding.application"] > 0
    assert demo_site["document"].file.name in checksums
    assert hashlib.sha256(UPLOAD).hexdigest() in checksums.values()

    out = StringIO()
    call_command("backup", str(tmp_path / "quelle"), stdout=out)
    (source,) = (tmp_path / "quelle").glob("verbund-backup-*.zip")
    assert "Sicherung geschrieben" in out.getvalue()
    manifest = _manifest(source)
    assert manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["database"]["vendor"] == connection.vendor
    assert {t["label"]: t["rows"] for t in manifest["tables"]} == counts
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == checksums
    assert manifest["migrations"]["alliances"] and "accounts" in manifest["apps"]
    assert "PASSWORD" not in json.dumps(manifest["database"]).upper()

    media = tmp_path / "medien"
    with _other_database(tmp_path) as url:
        migrated = _manage(url, media, "migrate", "--no-input", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr

        restored = _manage(url, media, "restore", str(source))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "Wiederhergestellt aus" in restored.stdout and "stimmt" in restored.stdout

        again = _manage(url, media, "backup", str(tmp_path / "ziel"))
        assert again.returncode == 0, again.stderr
        (copy,) = (tmp_path / "ziel").glob("verbund-backup-*.zip")

    theirs = _manifest(copy)
    assert theirs["database"]["vendor"] != connection.vendor
    # counts per table: the same, plus the audit entry of the restore
    expected = {**counts, "audit.auditentry": counts["audit.auditentry"] + 1}
    assert {t["label"]: t["rows"] for t in theirs["tables"]} == expected
    # file checksums: the same, read back through the other installation's storage
    assert {f["name"]: f["sha256"] for f in theirs["files"]} == checksums
    for name, digest in checksums.items():
        assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest
    # and every value of every row (ids, content type ids, dates, amounts, JSON), the audit log
    # with the restore's entry at its end
    ours, restored_rows = _rows(source), _rows(copy)
    audit = restored_rows.pop("audit.auditentry")
    assert audit[:-1] == ours.pop("audit.auditentry")
    columns = next(t["columns"] for t in theirs["tables"] if t["label"] == "audit.auditentry")
    entry = dict(zip(columns, audit[-1], strict=True))
    assert (entry["action"], entry["actor_label"], entry["is_system"]) == (
        "backup.restore",
        "Wiederherstellung",
        True,
    )
    assert restored_rows == ours


# --- refusals (in this process) ---------------------------------------------------------------------


@pytest.fixture
def small_archive(db: Any, tmp_path: Path) -> Path:
    """An archive of a small site (a user, an alliance with an agreement file)."""
    UserFactory.create(username="sicherung")
    AgreementDocumentFactory.create(
        alliance=AllianceFactory.create(), file__filename="klein.pdf", file__data=UPLOAD
    )
    call_command("backup", str(tmp_path / "klein.zip"), stdout=StringIO())
    return tmp_path / "klein.zip"


def _empty_the_database(path: Path) -> list[str]:
    """Make the test database as empty as a fresh one (rows and stored files removed)."""
    with zipfile.ZipFile(path) as zf:
        manifest = read_manifest(zf, path.name)
    clear_seeded_rows(match_tables(manifest), "default")
    names = [entry["name"] for entry in manifest["files"]]
    for name in names:
        default_storage.delete(name)
    return names


def _nothing_there(names: list[str]) -> None:
    assert User.objects.count() == 0 and Alliance.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert not any(default_storage.exists(name) for name in names)


def test_restore_refuses_a_database_in_use(small_archive: Path) -> None:
    before = _counts()
    with pytest.raises(CommandError, match="nicht leer: sie enthält bereits 1 Benutzerkonten") as refused:
        call_command("restore", str(small_archive), stdout=StringIO())
    assert "Wiederherstellung abgelehnt" in str(refused.value)
    assert _counts() == before


def test_a_damaged_archive_is_refused_and_changes_nothing(small_archive: Path, tmp_path: Path) -> None:
    names = _empty_the_database(small_archive)

    # one row changed after the backup: the ZIP is valid, the checksum in the manifest is not
    forged = _rewrite(
        small_archive,
        tmp_path / "verfaelscht.zip",
        member="data/accounts.user.jsonl",
        change=lambda data: data.replace(b"sicherung", b"angreifer"),
    )
    with pytest.raises(CommandError, match=r"beschädigt: die Prüfsumme von data/accounts\.user\.jsonl"):
        call_command("restore", str(forged), stdout=StringIO())
    _nothing_there(names)

    # a stored file changed
    file_member = archive.FILES_PREFIX + names[0]
    forged_file = _rewrite(small_archive, tmp_path / "datei.zip", member=file_member, change=lambda d: d[:-1])
    with pytest.raises(RestoreRefused, match="Prüfsumme"):
        restore_backup(forged_file)
    _nothing_there(names)

    # bytes damaged on disk: the ZIP itself is broken
    broken = tmp_path / "kaputt.zip"
    data = bytearray(small_archive.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = b"\0" * 64
    broken.write_bytes(bytes(data))
    with pytest.raises(RestoreRefused, match=r"beschädigt|kein Verbund-Sicherungsarchiv"):
        restore_backup(broken)
    _nothing_there(names)

    # not an archive at all
    text = tmp_path / "notiz.zip"
    text.write_text("keine Sicherung")
    with pytest.raises(RestoreRefused, match="kein Verbund-Sicherungsarchiv"):
        restore_backup(text)

    # the untouched archive restores
    result = restore_backup(small_archive)
    assert User.objects.filter(username="sicherung").exists()
    assert all(default_storage.exists(name) for name in names)
    assert result.files_written == len(names) and "Wiederhergestellt" in result.summary()


def test_another_migration_state_is_refused(small_archive: Path, tmp_path: Path) -> None:
    names = _empty_the_database(small_archive)

    def older(manifest: dict[str, Any]) -> None:
        manifest["migrations"]["alliances"] = "0001_initial"

    with pytest.raises(RestoreRefused, match=r"Migrationsstand[\s\S]*alliances: Sicherung 0001_initial"):
        restore_backup(_rewrite(small_archive, tmp_path / "alt.zip", manifest=older))

    def newer_format(manifest: dict[str, Any]) -> None:
        manifest["format_version"] = archive.FORMAT_VERSION + 1

    with pytest.raises(RestoreRefused, match="Format Version"):
        restore_backup(_rewrite(small_archive, tmp_path / "neu.zip", manifest=newer_format))
    _nothing_there(names)


def test_a_failure_half_way_leaves_no_rows_and_no_files(
    small_archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _empty_the_database(small_archive)
    before = _counts()

    def audit_fails(**kwargs: Any) -> None:
        raise RuntimeError("Protokoll nicht erreichbar")

    # the last step, after every table was loaded and every file written
    monkeypatch.setattr("verbund.audit.services.audit_record", audit_fails)
    with pytest.raises(RuntimeError, match="Protokoll"):
        restore_backup(small_archive)
    _nothing_there(names)
    assert _counts() == before


def test_a_file_missing_from_storage_is_reported_not_fatal(db: Any, tmp_path: Path) -> None:
    document = AgreementDocumentFactory.create(file__filename="weg.pdf", file__data=b"x")
    default_storage.delete(document.file.name)
    AgreementDocument.objects.create(
        alliance=document.alliance,
        title="Zweite",
        version=1,
        file=default_storage.save("da.pdf", ContentFile(b"y")),
    )
    out = StringIO()
    call_command("backup", str(tmp_path / "b.zip"), stdout=out)

    manifest = _manifest(tmp_path / "b.zip")
    assert manifest["missing_files"] == [document.file.name]
    assert [f["name"] for f in manifest["files"]] == [AgreementDocument.objects.get(title="Zweite").file.name]
    assert "fehlen aber im Dateispeicher" in out.getvalue()


def test_values_survive_the_portable_form() -> None:
    import datetime as dt
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.db import models

    cases: list[tuple[models.Field[Any, Any], Any]] = [
        (models.DateTimeField(), dt.datetime(2026, 11, 24, 15, 30, 1, 123456, tzinfo=dt.UTC)),
        (models.DateField(), dt.date(2026, 2, 28)),
        (models.TimeField(), dt.time(8, 15, 0, 5)),
        (models.DecimalField(max_digits=12, decimal_places=2), Decimal("1234567.89")),
        (models.DurationField(), dt.timedelta(days=2, microseconds=7)),
        (models.UUIDField(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (models.BinaryField(), b"\x00\xff"),
        (models.JSONField(), {"a": [1, "zwei", None], "ä": {"b": 1.5}}),
        (models.JSONField(), "nur ein Text"),
        (models.FloatField(), 0.1),
        (models.BooleanField(), False),
    ]
    for field, value in cases:
        portable = json.loads(json.dumps(archive.encoder(field)(value)))
        assert archive.decoder(field)(portable) == value, field
    assert archive.encode(ZoneInfo("Europe/Berlin")) == "Europe/Berlin"
