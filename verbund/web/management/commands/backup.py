"""``manage.py backup [ZIEL]``: a complete, versioned archive of the database and the stored files.

``ZIEL`` is a directory (default ``var/backups``; the archive is named
``verbund-backup-<Zeitpunkt>.zip``) or a path ending in ``.zip``. See :mod:`verbund.web.backup` and
docs/operations.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.env import BASE_DIR
from verbund.web.backup.create import create_backup

logger = logging.getLogger("verbund.backup")


class Command(BaseCommand):
    help = "Schreibt eine vollständige Sicherung (Datenbank und gespeicherte Dateien) als ZIP-Archiv."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "target",
            nargs="?",
            default=str(BASE_DIR / "var" / "backups"),
            help="Verzeichnis für das Archiv (Standard: var/backups) oder Dateiname auf .zip.",
        )
        parser.add_argument("--database", default="default", help="Datenbank-Alias (Standard: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(Path(options["target"]), alias=options["database"])
        except OSError as exc:
            raise CommandError(f"Die Sicherung konnte nicht geschrieben werden: {exc}") from exc
        logger.info(
            "Sicherung geschrieben: %s (%d Tabellen, %d Zeilen, %d Dateien)",
            result.path.name,
            result.tables,
            result.rows,
            result.files,
        )
        self.stdout.write(result.summary())
