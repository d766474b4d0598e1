"""``manage.py verify_log EVENT [EVENT …]`` (or ``--all``): recompute the hash chain of the staff log.

Exits 0 when every chain holds, 1 when one is broken (naming the event and the first entry that does
not fit), 2 for an unknown event.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.emergency.models import Event
from verbund.emergency.services.log import verify_chain

_PROBLEMS = {
    "sequence": "fehlende oder doppelte laufende Nummer",
    "previous": "Verweis auf den vorigen Eintrag stimmt nicht",
    "hash": "Inhalt wurde nach dem Eintragen verändert",
}


class Command(BaseCommand):
    help = "Prüft die Hash-Kette des Einsatztagebuchs einer oder aller Lagen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("events", nargs="*", type=int, help="Nummern der Lagen")
        parser.add_argument("--all", action="store_true", help="alle Lagen prüfen")

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[int] = list(options["events"])
        if options["all"]:
            ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise CommandError("Bitte die Nummer einer Lage angeben (oder --all).", returncode=2)
        known = set(Event.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise CommandError("Unbekannte Lage: " + ", ".join(str(i) for i in unknown), returncode=2)
        broken = 0
        for event_id in ids:
            result = verify_chain(event_id)
            if result.ok:
                self.stdout.write(f"Lage {event_id}: {result.checked} Einträge, Kette in Ordnung.")
            else:
                assert result.broken is not None
                broken += 1
                self.stderr.write(
                    f"Lage {event_id}: Kette unterbrochen bei Eintrag {result.broken.seq} "
                    f"({_PROBLEMS[result.broken.problem]}); {result.checked} Einträge geprüft."
                )
        if broken:
            raise CommandError(f"{broken} Einsatztagebuch/-bücher mit unterbrochener Kette.", returncode=1)
