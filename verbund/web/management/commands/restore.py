"""``manage.py restore ARCHIV``: restore a backup into an empty database and an empty file storage.

Refuses (with the reason, nothing changed) when the database already holds data, when its migration
state differs from the archive's, or when the archive is damaged. A database without tables is
migrated first. See :mod:`verbund.web.backup.restore` and docs/operations.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from verbund.web.backup.restore import RestoreRefused, restore_backup

logger = logging.getLogger("verbund.backup")


class Command(BaseCommand):
    help = "Stellt eine Sicherung (ZIP-Archiv von `manage.py backup`) in einer leeren Datenbank wieder her."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="Das Sicherungsarchiv (verbund-backup-….zip).")
        parser.add_argument("--database", default="default", help="Datenbank-Alias (Standard: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        try:
            result = restore_backup(path, alias=options["database"], progress=self.stdout.write)
        except RestoreRefused as exc:
            logger.warning("Wiederherstellung aus %s abgelehnt: %s", path.name, exc)
            raise CommandError(f"Wiederherstellung abgelehnt: {exc}") from exc
        logger.info("Wiederhergestellt aus %s: %d Zeilen", path.name, result.rows)
        self.stdout.write(self.style.SUCCESS(result.summary()))
