"""``manage.py import_registry --gv100ad FILE [--boundaries GEOJSON ...] [--state 07]``.

Imports the Destatis Gemeindeverzeichnis and/or boundary layers into the registry and prints a German
report of what changed. Every import is atomic: a malformed file ends with an error naming file,
line and field (exit code 1), and the registry stays as it was.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from verbund.common.actors import SystemActor
from verbund.common.errors import Refusal
from verbund.registry.importer import registry_import_gv100ad
from verbund.registry.policies import IMPORT

#: Who acts when the command imports: named so in the run records' audit entries.
COMMAND_ACTOR = SystemActor(name="Registerimport (Kommandozeile)", capabilities=frozenset({IMPORT}))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' ist kein Datum im Format JJJJ-MM-TT.") from None


class Command(BaseCommand):
    help = "Importiert das Gemeindeverzeichnis GV100AD und/oder Grenzen (GeoJSON) in das Register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--gv100ad", metavar="DATEI", help="GV100AD-Datei von Destatis (Festbreitenformat)."
        )
        parser.add_argument(
            "--boundaries",
            metavar="GEOJSON",
            action="append",
            default=[],
            help="Grenzen als GeoJSON (mehrfach möglich, z. B. Kreise, Verbandsgemeinden, Gemeinden).",
        )
        parser.add_argument("--state", metavar="LAND", help="nur dieses Land importieren, z. B. 07")
        parser.add_argument(
            "--population-date",
            metavar="JJJJ-MM-TT",
            help="Stichtag der Bevölkerungszahlen (Standard: aus dem Gebietsstand abgeleitet)",
        )
        parser.add_argument("--quiet", action="store_true", help="ohne Fortschrittsanzeige")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["gv100ad"] and not options["boundaries"]:
            raise CommandError("Bitte --gv100ad DATEI und/oder --boundaries GEOJSON angeben.")
        population_date = _date(options["population_date"]) if options["population_date"] else None
        quiet = options["quiet"] or options["verbosity"] == 0
        try:
            if options["gv100ad"]:
                with self._bar("GV100AD", quiet) as bar:
                    result = registry_import_gv100ad(
                        path=Path(options["gv100ad"]),
                        actor=COMMAND_ACTOR,
                        state=options["state"],
                        population_date=population_date,
                        progress=(lambda step, total: _advance(bar, step, total))
                        if bar is not None
                        else None,
                    )
                self.stdout.write(result.summary())
            for layer in options["boundaries"]:
                # Imported lazily: the boundary import is its own module with its own dependencies.
                from verbund.registry.boundaries import registry_import_boundaries

                with self._bar(Path(layer).name, quiet) as bar:
                    outcome = registry_import_boundaries(
                        path=Path(layer),
                        actor=COMMAND_ACTOR,
                        progress=(lambda step, total: _advance(bar, step, total))
                        if bar is not None
                        else None,
                    )
                summary = getattr(outcome, "summary", None)
                self.stdout.write(summary() if callable(summary) else str(outcome))
        except Refusal as exc:  # ImportFileError included: file, line, field in the message
            raise CommandError(exc.detail) from exc

    def _bar(self, label: str, quiet: bool) -> Any:
        """A progress bar on stderr (nothing when quiet), usable as a context manager."""
        if quiet:
            return _NoBar()
        return tqdm(desc=label, unit=" Sätze", file=sys.stderr, leave=False, dynamic_ncols=True)


def _advance(bar: Any, step: int, total: int) -> None:
    if bar.total != total:
        bar.total = total
    bar.update(step - bar.n)


class _NoBar:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
