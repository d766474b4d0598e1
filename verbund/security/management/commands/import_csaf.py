"""``manage.py import_csaf FILE… [--tlp LABEL] [--body ID]``: import CSAF documents (.json, .json.gz).

Each file is validated (schema and every mandatory test) and imported on its own, atomically, as the
system actor "CSAF-Import (Kommandozeile)". An invalid file is not stored: the command prints each
failed test's number, text and JSON path, goes on with the next file and exits with code 1 at the end.
A newer version of a stored advisory replaces it (the history is kept); an older or equal one is
reported and left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.common.actors import SystemActor
from verbund.common.errors import Refusal
from verbund.registry.models import Body
from verbund.security.policies import MANAGE
from verbund.security.services.advisories import AdvisoryRefused, import_advisory

#: Who acts when the command imports (named so in the audit log).
COMMAND_ACTOR = SystemActor(name="CSAF-Import (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = (
        "Liest CSAF-Dokumente (.json, .json.gz) ein; ungültige werden mit den fehlgeschlagenen Tests "
        "abgewiesen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="DATEI", help="CSAF-Dokument (.json oder .json.gz)")
        parser.add_argument(
            "--tlp",
            metavar="STUFE",
            help="TLP-Stufe (clear, green, amber, amber+strict, red) für Dokumente ohne Angabe, "
            "oder strenger als im Dokument",
        )
        parser.add_argument(
            "--body",
            metavar="ID",
            type=int,
            help="Kennung der Körperschaft, der Hinweise oberhalb von TLP:CLEAR gehören",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = None
        if options["body"] is not None:
            owner = Body.objects.filter(pk=options["body"]).first()
            if owner is None:
                raise CommandError(f"Körperschaft {options['body']} nicht gefunden.")
        failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as error:
                self.stderr.write(f"{path}: nicht lesbar: {error.strerror or error}")
                failed += 1
                continue
            try:
                result = import_advisory(
                    COMMAND_ACTOR, data, filename=path.name, tlp=options["tlp"], owner_body=owner
                )
            except AdvisoryRefused as refusal:
                failed += 1
                self.stderr.write(f"{path}: ungültig, nicht gespeichert ({len(refusal.failures)} Befunde):")
                for failure in refusal.failures:
                    self.stderr.write(f"  {failure.test} {failure.path or '/'}: {failure.message}")
                continue
            except Refusal as refusal:
                failed += 1
                self.stderr.write(f"{path}: nicht gespeichert: {refusal.detail}")
                continue
            self.stdout.write(f"{path}: {result.message}")
        if failed:
            raise CommandError(f"{failed} von {len(options['files'])} Dateien nicht eingelesen.")
