"""``manage.py import_services [FILE] [--name NAME] [--slug SLUG]``: read a service catalogue (JSON lines).

Without FILE: the Munich catalogue of the data directory (``services/munich_services_de.jsonl``), else
the small built-in sample of real Munich services shipped with the part. The whole file is checked
first; a bad line is named (file, line, field) and nothing is stored (exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.common.actors import SystemActor
from verbund.common.data import data_file
from verbund.common.errors import ImportFileError
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.catalogue import import_services, read_file

ACTOR = SystemActor(name="Katalogimport (Kommandozeile)", capabilities=frozenset({MANAGE}))
MUNICH = "services/munich_services_de.jsonl"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_services_de.jsonl"
MUNICH_NAME = "Dienstleistungen der Landeshauptstadt München"
MUNICH_SOURCE = "Landeshauptstadt München, Dienstleistungsfinder (CC BY 4.0)"


class Command(BaseCommand):
    help = "Liest einen Leistungskatalog (JSON Lines) ein; ohne Datei den Münchner Katalog oder das Beispiel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Datei im Format JSON Lines (eine Leistung je Zeile)")
        parser.add_argument("--name", default="", help="Bezeichnung des Katalogs")
        parser.add_argument(
            "--slug", default="", help="Kennung des Katalogs (bei erneutem Einlesen gleich lassen)"
        )
        parser.add_argument("--source", default="", help="Quelle")
        parser.add_argument("--licence", default="", help="Lizenz")

    def handle(self, *args: Any, **options: Any) -> None:
        name, slug, source, licence = options["name"], options["slug"], options["source"], options["licence"]
        if options["file"]:
            path = Path(options["file"])
        else:
            path = data_file(MUNICH) or SAMPLE
            name, slug = name or MUNICH_NAME, slug or "muenchen"
            source, licence = source or MUNICH_SOURCE, licence or "CC BY 4.0"
            if path == SAMPLE:
                self.stdout.write(
                    "Münchner Katalog nicht im Datenverzeichnis: das eingebaute Beispiel wird gelesen."
                )
        if not name:
            name = path.stem
        try:
            records = read_file(path)
            result = import_services(
                actor=ACTOR,
                records=records,
                name=name,
                slug=slug,
                source=source,
                licence=licence,
                path=path.name,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(
            f"{result.catalogue.name}: {result.created} neu, {result.updated} geändert, "
            f"{result.unchanged} unverändert, {result.deactivated} deaktiviert."
        )
