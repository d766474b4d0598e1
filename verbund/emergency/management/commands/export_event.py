"""``manage.py export_event EVENT [-o FILE]``: write the export of a whole event (log, messages, tasks,
map, situation reports) as JSON, for import into another Verbund instance (``import_event``).

Without ``-o`` (or with ``-o -``) the document goes to standard output; a file name ending in ``.gz``
is written gzip-compressed. Runs as the system actor "Lagenexport (Kommandozeile)" (audited). Exits 2
for an unknown event.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.common.actors import SystemActor
from verbund.common.errors import NotFound
from verbund.emergency.policies import MANAGE
from verbund.emergency.services.transfer import event_export

#: Who acts when the command exports (named so in the audit log).
COMMAND_ACTOR = SystemActor(name="Lagenexport (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = "Schreibt den Export einer ganzen Lage (JSON, .gz: komprimiert) zum Einlesen anderswo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("event", type=int, metavar="LAGE", help="Nummer der Lage")
        parser.add_argument(
            "-o",
            "--output",
            metavar="DATEI",
            default="-",
            help="Zieldatei (.json oder .json.gz); -: Standardausgabe",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target: str = options["output"]
        try:
            if target == "-":
                done = event_export(actor=COMMAND_ACTOR, event_id=options["event"], out=sys.stdout.buffer)
                sys.stdout.flush()
                return
            path = Path(target)
            try:
                with path.open("wb") as out:
                    done = event_export(
                        actor=COMMAND_ACTOR,
                        event_id=options["event"],
                        out=out,
                        compressed=path.suffix == ".gz",
                    )
            except OSError as error:
                raise CommandError(f"{path}: nicht schreibbar: {error.strerror or error}") from None
        except NotFound:
            raise CommandError(f"Unbekannte Lage: {options['event']}", returncode=2) from None
        self.stderr.write(
            f"Lage {done.event.pk} „{done.event.title}“: {done.entries} Einträge nach {path} geschrieben."
        )
