"""``manage.py load_demo``: the registry from the best available source, then demo data of every part.

Idempotent: a second run changes nothing that is already loaded (the importers compare before they
write) and resets the demo passwords. Prints which registry source was used and the demo logins.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from verbund.common.errors import DomainError
from verbund.registry.models import Body, RegistryImport
from verbund.registry.sources import resolve_registry_source

#: Bodies that get demo users (identity keys of the registry); present in the data and the sample.
DEMO_BODY_KEYS = ("073355011", "07333", "07315000")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Lädt das Register (amtliche Daten, Download oder Stichprobe) und die Demodaten."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--source",
            choices=["auto", "data_dir", "download", "sample"],
            default="auto",
            help="Quelle des Registers (Standard: Datenverzeichnis, sonst Download, sonst Stichprobe).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = resolve_registry_source(prefer=options["source"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Register-Quelle: {source.note}")
        try:
            self._load_registry(source.gv100ad, source.state, source.boundaries)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        logins = self._load_users()
        logins += self._load_alliances()
        self._load_funding()
        logins += self._load_shared_services()
        self._load_planning()
        self._print_logins(logins)

    def _already_imported(self, path: Path) -> bool:
        return RegistryImport.objects.filter(sha256=_sha256(path)).exists()

    def _load_registry(self, gv100ad: Path, state: str | None, boundaries: tuple[Path, ...]) -> None:
        from verbund.registry.boundaries import registry_import_boundaries
        from verbund.registry.importer import registry_import_gv100ad

        if self._already_imported(gv100ad) and Body.objects.exists():
            self.stdout.write(f"Register bereits geladen ({gv100ad.name}).")
        else:
            result = registry_import_gv100ad(path=gv100ad, state=state, acting_user="load_demo")
            self.stdout.write(result.summary())
        for layer in boundaries:
            if self._already_imported(layer):
                self.stdout.write(f"Grenzen bereits geladen ({layer.name}).")
                continue
            self.stdout.write(registry_import_boundaries(path=layer, acting_user="load_demo").summary())

    def _load_users(self) -> list[tuple[str, str, str]]:
        from verbund.accounts.demo import ensure_demo_users

        bodies = {body.key: body for body in Body.objects.current().filter(key__in=DEMO_BODY_KEYS)}
        missing = sorted(set(DEMO_BODY_KEYS) - set(bodies))
        if missing:
            self.stderr.write(
                f"Hinweis: Körperschaften {', '.join(missing)} fehlen; keine Demo-Konten für sie."
            )
        return ensure_demo_users(bodies=bodies)

    def _load_alliances(self) -> list[tuple[str, str, str]]:
        """The real alliances of DOMAIN.md §1 with their coordinators (verbund.alliances.demo)."""
        from verbund.alliances.demo import demo_coordinator_logins, load_demo_alliances

        load_demo_alliances(stdout=self.stdout)
        return demo_coordinator_logins()

    def _load_funding(self) -> None:
        """The RLP pilot programme with the real grants of DOMAIN.md §1 (verbund.funding.demo)."""
        from django.core.exceptions import ValidationError

        from verbund.funding.demo import load_demo_funding

        try:
            load_demo_funding(stdout=self.stdout)
        except (DomainError, ValidationError, LookupError) as exc:
            self.stderr.write(f"Hinweis: Demo-Förderung nicht geladen: {exc}")

    def _load_shared_services(self) -> list[tuple[str, str, str]]:
        """The EMH Kfz-Zulassung and Bußgeldstelle, the Donnersberg Vergabestelle (shared_services.demo)."""
        from django.core.exceptions import ValidationError

        from verbund.shared_services.demo import ensure_demo_provider_clerks, load_demo_shared_services

        try:
            load_demo_shared_services(stdout=self.stdout)
            return ensure_demo_provider_clerks()
        except (DomainError, ValidationError, LookupError) as exc:
            self.stderr.write(f"Hinweis: Demo-Dienste nicht geladen: {exc}")
            return []

    def _load_planning(self) -> None:
        """Two example plans of Rhineland-Palatinate (verbund.planning.demo)."""
        from django.core.exceptions import ValidationError

        from verbund.planning.demo import load_demo_planning

        try:
            load_demo_planning(stdout=self.stdout)
        except (DomainError, ValidationError, LookupError) as exc:
            self.stderr.write(f"Hinweis: Demo-Pläne nicht geladen: {exc}")

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        from verbund.accounts.demo import DEMO_PASSWORD

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo-Anmeldungen (Passwort für alle: {DEMO_PASSWORD}):"))
        width = max(len(username) for username, _password, _description in logins)
        for username, _password, description in logins:
            self.stdout.write(f"  {username.ljust(width)}  {description}")
