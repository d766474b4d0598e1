"""``manage.py harvest_oparl URL [--name NAME] [--full] [--rewrite PREFIX=BASE]``: harvest an OParl server.

URL is the server's System (its entry point); the source is added if it is new. A source harvested
completely before is read incrementally (``modified_since``) unless ``--full``. The run's counts are
printed (and audited); a failed run (the System or a list page could not be read) exits with 1 and
leaves the source's ``harvested_until`` as it was. ``--rewrite`` fetches every URL starting with
PREFIX from BASE instead (a local mirror of a server); the stored ids stay the server's URLs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.common.actors import SystemActor
from verbund.common.errors import Invalid
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.oparl import oparl_harvest, oparl_source_add

ACTOR = SystemActor(name="OParl-Abruf (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = (
        "Ruft die Ratsdokumente eines OParl-Servers ab (Einstiegspunkt: das System); "
        "neue Quellen werden angelegt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="Adresse des OParl-Systems (Einstiegspunkt)")
        parser.add_argument("--name", default="", help="Bezeichnung der Quelle (nur beim Anlegen)")
        parser.add_argument(
            "--full",
            action="store_true",
            help="alles abrufen, nicht nur die Änderungen seit dem letzten Abruf",
        )
        parser.add_argument(
            "--rewrite",
            default="",
            metavar="PREFIX=BASE",
            help="Adressen, die mit PREFIX beginnen, von BASE abrufen (lokaler Spiegel)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rewrite = None
        if options["rewrite"]:
            prefix, sep, base = options["rewrite"].partition("=")
            if not sep or not prefix or not base:
                raise CommandError("--rewrite erwartet PREFIX=BASE.", returncode=2)
            rewrite = (prefix, base)
        try:
            source, created = oparl_source_add(actor=ACTOR, url=options["url"], name=options["name"])
        except Invalid as exc:
            raise CommandError(str(exc), returncode=2) from None
        if created:
            self.stdout.write(f"Neue OParl-Quelle „{source.name}“ angelegt.")
        result = oparl_harvest(actor=ACTOR, source=source, full=options["full"], rewrite=rewrite)
        for problem in result.problems:
            self.stderr.write(f"  {problem}")
        if not result.ok:
            raise CommandError(result.summary(), returncode=1)
        self.stdout.write(result.summary())
