"""``manage.py issue_token USERNAME [--name NAME]``: print a new API token, and nothing else.

Only the token goes to stdout so that scripts can capture it
(``TOKEN=$(python manage.py issue_token betrieb)``); the database keeps only its SHA-256 digest.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verbund.accounts.models import User
from verbund.accounts.policies import MANAGE
from verbund.accounts.services import token_issue
from verbund.common.actors import SystemActor

#: The command acts as the system (whoever runs manage.py administers the installation).
ACTOR = SystemActor(name="Token-Ausgabe (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = "Stellt ein API-Token für USERNAME aus und gibt es (nur dieses eine Mal) aus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Benutzername des Kontos")
        parser.add_argument("--name", default="manage.py issue_token", help="Bezeichnung des Tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"Benutzerkonto {options['username']!r} gibt es nicht.") from exc
        if not user.is_active:
            raise CommandError(f"Benutzerkonto {user.username!r} ist gesperrt.")
        _token, plaintext = token_issue(actor=ACTOR, user=user, name=options["name"])
        self.stdout.write(plaintext)
