"""``manage.py import_registry --gv100ad FILE [--boundaries GEOJSON ...] [--state 07]``.

Imports the Destatis Gemeindeverzeichnis and/or boundary layers into the registry and prints a German
report of what changed. A run is atomic across all its files: a malformed file, or one that fails
while it is written, ends with an error naming file, line and field (exit code 1), and the registry
stays as it was before the run, the directory included.
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
from verbund.registry.import_run import registry_import_run
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
        bars: dict[str, Any] = {}

        def progress(name: str, step: int, total: int) -> None:
            bar = bars.get(name)
            if bar is None:
                bar = bars[name] = self._bar(name, quiet)
            if bar is not None:
                _advance(bar, step, total)

        try:
            # One run: every file is read first, then all are written in one transaction, so a
            # failing boundary file leaves the directory as it was too.
            result = registry_import_run(
                actor=COMMAND_ACTOR,
                gv100ad=Path(options["gv100ad"]) if options["gv100ad"] else None,
                boundaries=[Path(layer) for layer in options["boundaries"]],
                state=options["state"],
                population_date=population_date,
                progress=progress,
            )
        except Refusal as exc:  # ImportFileError included: file, line, field in the message
            raise CommandError(
                f"{exc.detail}\nNichts wurde eingelesen; das Register ist unverändert."
            ) from exc
        finally:
            for bar in bars.values():
                if bar is not None:
                    bar.close()
        for summary in result.summaries():
            self.stdout.write(summary)

    def _bar(self, label: str, quiet: bool) -> Any:
        """A progress bar on stderr (``None`` when quiet)."""
        if quiet:
            return None
        return tqdm(desc=label, unit=" Sätze", file=sys.stderr, leave=False, dynamic_ncols=True)


def _advance(bar: Any, step: int, total: int) -> None:
    if bar.total != total:
        bar.total = total
    bar.update(step - bar.n)
