"""``manage.py import_event FILE --staff STAFF``: read the export of an event (``export_event``, or the
"Export" of another Verbund instance; ``.json`` or ``.json.gz``) in as a new event of the staff.

The file is checked first (format, version, schema, the source's hash chain); a refused file is not
stored, the command names the place and the reason and exits 1. Runs as the system actor
"Lagenimport (Kommandozeile)" (audited). Exits 2 for an unknown staff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.common.actors import SystemActor
from verbund.common.errors import NotFound, Refusal
from verbund.emergency.policies import MANAGE
from verbund.emergency.services.transfer import event_import

#: Who acts when the command imports (named so in the audit log).
COMMAND_ACTOR = SystemActor(name="Lagenimport (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = "Liest den Export einer Lage (.json oder .json.gz) als neue Lage eines Stabes ein."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="DATEI", help="Exportdatei (.json oder .json.gz)")
        parser.add_argument("--staff", type=int, required=True, metavar="STAB", help="Kennung des Stabes")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: nicht lesbar: {error.strerror or error}") from None
        try:
            done = event_import(actor=COMMAND_ACTOR, staff_id=options["staff"], data=data, name=path.name)
        except NotFound:
            raise CommandError(f"Unbekannter Stab: {options['staff']}", returncode=2) from None
        except Refusal as refusal:
            raise CommandError(f"Nicht eingelesen: {refusal.detail}", returncode=1) from None
        self.stdout.write(
            f"Lage {done.event.pk} „{done.event.title}“ angelegt: {done.entries} Einträge, "
            f"{done.messages} Nachrichten, {done.tasks} Aufträge, {done.features} Kartenobjekte, "
            f"{done.reports} Lagemeldungen."
        )
