"""``manage.py load_demo``: the registry from the best available source, then demo data of every part.

**Never over users' work.** Each part's demo data is loaded once per database; the web shell notes
it in :class:`~verbund.web.models.DemoLoad`. A part that was loaded before is not run again, so what
people did with the demo data since (a renamed alliance, a removed member, a changed password, a
moved status) survives every ``make run``. A part that was never loaded (a module added by an
upgrade, or a row deleted on purpose) is loaded on the next run. The registry is reference data: its
import compares before it writes and runs every time.

**Demo data only where asked for.** ``--if-default-database`` (used by ``make run``) loads only into
the default SQLite file (no ``DATABASE_URL``) or when ``VERBUND_DEMO=1``; on any other database it
prints how to load demo data and does nothing, so a real database never gets accounts with the
published demo password by accident.

Everything goes through the parts' services as the system actor "Demodaten". Prints which registry
source was used and the demo logins.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config.env import BASE_DIR, env
from verbund.common.actors import SystemActor
from verbund.common.errors import as_refusal
from verbund.registry.models import Body
from verbund.registry.policies import IMPORT
from verbund.registry.selectors import already_imported
from verbund.web.models import DemoLoad

#: Bodies that get demo users (identity keys of the registry); present in the data and the sample.
DEMO_BODY_KEYS = ("073355011", "07333", "07315000")

#: The registry import of the demo loader (the audit log names it "Demodaten").
DEMO_IMPORTER = SystemActor(name="Demodaten", capabilities=frozenset({IMPORT}))

DEFAULT_DATABASE_URLS = {
    "",
    f"sqlite:///{BASE_DIR / 'var' / 'verbund.sqlite3'}",
    "sqlite:///var/verbund.sqlite3",
}

SKIP_MESSAGE = (
    "DATABASE_URL zeigt auf eine eigene Datenbank: keine Demodaten geladen (sie legen Konten mit "
    "öffentlich bekanntem Passwort an).\n"
    "  Demodaten trotzdem laden:  VERBUND_DEMO=1 make run   (oder: python manage.py load_demo)\n"
    "  Nur das Register laden:    python manage.py import_registry --gv100ad DATEI"
)

Logins = list[tuple[str, str, str]]


def demo_wanted() -> bool:
    """Load demo data under ``--if-default-database``? Only into the default SQLite file, or when
    ``VERBUND_DEMO=1`` says so."""
    if env(
        "VERBUND_DEMO",
        False,
        "Let `make run` load demo data (accounts with the public demo password) into the database of "
        "DATABASE_URL; without DATABASE_URL (the default SQLite file) it always does.",
    ):
        return True
    return os.environ.get("DATABASE_URL", "").strip() in DEFAULT_DATABASE_URLS


# --- the parts ----------------------------------------------------------------------------------


def load_accounts(stdout: Any, stderr: Any) -> Logins:
    """One demo user per role (verbund.accounts.demo)."""
    from verbund.accounts.demo import ensure_demo_users

    bodies = {body.key: body for body in Body.objects.current().filter(key__in=DEMO_BODY_KEYS)}
    missing = sorted(set(DEMO_BODY_KEYS) - set(bodies))
    if missing:
        stderr.write(f"Hinweis: Körperschaften {', '.join(missing)} fehlen; keine Demo-Konten für sie.")
    return ensure_demo_users(bodies=bodies)


def load_alliances(stdout: Any, stderr: Any) -> Logins:
    """The real alliances of DOMAIN.md §1 with their coordinators (verbund.alliances.demo)."""
    from verbund.alliances.demo import demo_coordinator_logins, load_demo_alliances

    load_demo_alliances(stdout=stdout)
    return demo_coordinator_logins()


def load_funding(stdout: Any, stderr: Any) -> Logins:
    """The RLP pilot programme with the real grants of DOMAIN.md §1 (verbund.funding.demo)."""
    from verbund.funding.demo import load_demo_funding

    load_demo_funding(stdout=stdout)
    return []


def load_shared_services(stdout: Any, stderr: Any) -> Logins:
    """The EMH Kfz-Zulassung and Bußgeldstelle, the Donnersberg Vergabestelle (shared_services.demo)."""
    from verbund.shared_services.demo import ensure_demo_provider_clerks, load_demo_shared_services

    load_demo_shared_services(stdout=stdout)
    return ensure_demo_provider_clerks()


def load_planning(stdout: Any, stderr: Any) -> Logins:
    """Two example plans of Rhineland-Palatinate (verbund.planning.demo)."""
    from verbund.planning.demo import load_demo_planning

    load_demo_planning(stdout=stdout)
    return []


def load_security(stdout: Any, stderr: Any) -> Logins:
    """The cyber alliance's inventories, advisories, shared ISB, incident and WiBA (security.demo)."""
    from verbund.security.demo import ensure_demo_security_users, load_demo_security

    logins = ensure_demo_security_users()
    load_demo_security(stdout=stdout)
    return logins


def load_emergency(stdout: Any, stderr: Any) -> Logins:
    """The joint staff of the five Landkreise, an exercise, resource pools, mutual aid (emergency.demo)."""
    from verbund.emergency.demo import ensure_demo_emergency_users, load_demo_emergency

    logins = ensure_demo_emergency_users()
    load_demo_emergency(stdout=stdout)
    return logins


def load_knowledge(stdout: Any, stderr: Any) -> Logins:
    """The Munich service catalogue and a first measurement of the request routing (knowledge.demo)."""
    from verbund.knowledge.demo import load_demo_knowledge

    load_demo_knowledge(stdout=stdout)
    return []


def load_advisory(stdout: Any, stderr: Any) -> Logins:
    """Good practice of the real alliances, cases, a workshop, two years of figures (advisory.demo)."""
    from verbund.advisory.demo import load_demo_advisory

    load_demo_advisory(stdout=stdout)
    return []


def load_notifications(stdout: Any, stderr: Any) -> Logins:
    """The demo users' inbox: the events the other parts' demo data published (notifications.demo)."""
    from verbund.notifications.demo import load_demo_notifications

    load_demo_notifications(stdout=stdout)
    return []


@dataclass(frozen=True)
class DemoPart:
    name: str
    label: str
    load: Callable[[Any, Any], Logins]


#: The demo parts in the order they build on each other. A new part adds a line here.
DEMO_PARTS = (
    DemoPart("accounts", "Benutzerkonten", load_accounts),
    DemoPart("alliances", "Verbünde", load_alliances),
    DemoPart("funding", "Förderung", load_funding),
    DemoPart("shared_services", "Geteilte Dienste", load_shared_services),
    DemoPart("planning", "Planung", load_planning),
    DemoPart("security", "Informationssicherheit", load_security),
    DemoPart("emergency", "Krisenmanagement", load_emergency),
    DemoPart("knowledge", "Wissen und Zuständigkeit", load_knowledge),
    DemoPart("advisory", "Beratung und Programm", load_advisory),
    DemoPart("notifications", "Benachrichtigungen", load_notifications),
)


class Command(BaseCommand):
    help = "Lädt das Register (amtliche Daten, Download oder Stichprobe) und die Demodaten."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--source",
            choices=["auto", "data_dir", "download", "sample"],
            default="auto",
            help="Quelle des Registers (Standard: Datenverzeichnis, sonst Download, sonst Stichprobe).",
        )
        parser.add_argument(
            "--if-default-database",
            action="store_true",
            help="Nur in die Standard-SQLite-Datei laden (ohne DATABASE_URL) oder mit VERBUND_DEMO=1.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_default_database"] and not demo_wanted():
            self.stdout.write(SKIP_MESSAGE)
            return
        from verbund.registry.services import resolve_registry_source

        try:
            source = resolve_registry_source(prefer=options["source"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Register-Quelle: {source.note}")
        try:
            self._load_registry(source.gv100ad, source.state, source.boundaries)
        except Exception as exc:
            refusal = as_refusal(exc)
            if refusal is None:
                raise
            raise CommandError(refusal.detail) from exc
        loaded = set(DemoLoad.objects.values_list("part", flat=True))
        for part in DEMO_PARTS:
            if part.name in loaded:
                self.stdout.write(f"Demodaten {part.label}: bereits geladen, bleiben unverändert.")
                continue
            self._load_part(part)
        self._print_logins()

    def _already_imported(self, path: Path) -> bool:
        return already_imported(path)

    def _load_registry(self, gv100ad: Path, state: str | None, boundaries: tuple[Path, ...]) -> None:
        """Import the files not imported before, in one run (all or nothing)."""
        from verbund.registry.services import registry_import_run

        directory: Path | None = gv100ad
        if self._already_imported(gv100ad) and Body.objects.exists():
            self.stdout.write(f"Register bereits geladen ({gv100ad.name}).")
            directory = None
        layers = []
        for layer in boundaries:
            if self._already_imported(layer):
                self.stdout.write(f"Grenzen bereits geladen ({layer.name}).")
            else:
                layers.append(layer)
        if directory is None and not layers:
            return
        result = registry_import_run(actor=DEMO_IMPORTER, gv100ad=directory, boundaries=layers, state=state)
        for summary in result.summaries():
            self.stdout.write(summary)

    def _load_part(self, part: DemoPart) -> None:
        """Load one part in one transaction and note it; a refusal leaves nothing and no note."""
        try:
            with transaction.atomic():
                logins = part.load(self.stdout, self.stderr)
                DemoLoad.objects.create(
                    part=part.name, logins=[[username, description] for username, _pw, description in logins]
                )
        except Exception as exc:
            refusal = as_refusal(exc)
            if refusal is None and not isinstance(exc, LookupError):
                raise
            detail = refusal.detail if refusal is not None else str(exc)
            self.stderr.write(f"Hinweis: Demodaten {part.label} nicht geladen: {detail}")
            return
        self.stdout.write(f"Demodaten {part.label}: geladen.")

    def _print_logins(self) -> None:
        from verbund.accounts.demo import DEMO_PASSWORD
        from verbund.accounts.models import User

        order = {part.name: i for i, part in enumerate(DEMO_PARTS)}
        rows: list[tuple[str, str]] = []
        for load in sorted(DemoLoad.objects.all(), key=lambda d: order.get(d.part, len(order))):
            rows.extend((str(username), str(description)) for username, description in load.logins)
        present = set(
            User.objects.filter(username__in=[u for u, _ in rows], is_active=True).values_list(
                "username", flat=True
            )
        )
        rows = [(u, d) for u, d in rows if u in present]
        if not rows:
            return
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo-Anmeldungen (Passwort für alle, sofern nicht geändert: {DEMO_PASSWORD}):"
            )
        )
        width = max(len(username) for username, _description in rows)
        for username, description in rows:
            self.stdout.write(f"  {username.ljust(width)}  {description}")
