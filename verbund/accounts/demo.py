"""Demo users: one per role of ARCHITECTURE.md, for ``manage.py load_demo``.

All share :data:`DEMO_PASSWORD` and have the e-mail address ``<username>@verbund.invalid`` (a
reserved domain: nothing is ever delivered). **Demo only**: never run ``load_demo`` on a production
database; anyone who has read the README knows the password. Everything goes through the services
as the system actor :data:`ACTOR` (capability ``accounts.manage``), so the audit log shows who
created the demo users.

Non-destructive: a demo user that already exists is left **entirely alone** — no password reset, no
name or e-mail update, no reactivation, no role added back that someone revoked. Only users that
never existed are created (with their roles).

Verbundkoordination is an alliance role and is created by the alliances part's demo data with
:func:`ensure_demo_user`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import slugify

from verbund.common.actors import SystemActor

from .models import Role, User
from .policies import MANAGE
from .services import role_assign, user_create

if TYPE_CHECKING:
    from verbund.registry.models import Body

#: The password of every demo user. Demo only: public in the README.
DEMO_PASSWORD = "verbund-demo"
#: The demo users' e-mail domain (RFC 2606: reserved, never delivered).
DEMO_EMAIL_DOMAIN = "verbund.invalid"
ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


@transaction.atomic
def ensure_demo_user(
    *,
    username: str,
    first_name: str,
    last_name: str,
    roles: Iterable[tuple[str, Body | None]] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
    password: str = DEMO_PASSWORD,
) -> User:
    """The demo user ``username``: created with ``roles`` (``(role, body or None)`` pairs) when it
    does not exist; returned untouched when it does (see the module doc)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = user_create(
        actor=ACTOR,
        username=username,
        password=password,
        email=demo_email(username),
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
        # The demo password is public (README) and resembles the demo e-mail addresses.
        password_rules=False,
    )
    for role, body in roles:
        role_assign(actor=ACTOR, user=user, role=role, body=body)
    return user


def ensure_demo_users(*, bodies: dict[str, Body]) -> list[tuple[str, str, str]]:
    """Demo users for every role; ``bodies`` maps a short name (``"landstuhl"``) to a body.

    For each body there is ``leitung.<name>`` (Verwaltungsleitung) and ``sachbearbeitung.<name>``
    (Sachbearbeitung). A key that is a registry number (digits) is replaced by the body's name, so
    the logins stay readable. Returns ``(username, password, description)`` rows to print.
    """
    rows: list[tuple[str, str, str]] = []

    def add(
        username: str,
        first: str,
        last: str,
        description: str,
        *,
        roles: list[tuple[str, Body | None]],
        is_staff: bool = False,
        is_superuser: bool = False,
    ) -> None:
        ensure_demo_user(
            username=username,
            first_name=first,
            last_name=last,
            roles=roles,
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
        rows.append((username, DEMO_PASSWORD, description))

    add(
        "betrieb",
        "Bettina",
        "Betrieb",
        "Plattformbetrieb (Benutzer, Importe, Protokoll, Verwaltung)",
        roles=[(Role.PLATTFORMBETRIEB, None)],
        is_staff=True,
        is_superuser=True,
    )
    add(
        "beratung",
        "Bernd",
        "Berater",
        "Beratungsstelle (ADD / MdI)",
        roles=[(Role.BERATUNGSSTELLE, None)],
    )
    add(
        "foerderung",
        "Frieda",
        "Förder",
        "Bewilligungsbehörde",
        roles=[(Role.BEWILLIGUNGSBEHOERDE, None)],
    )
    used: set[str] = set()
    for name, body in bodies.items():
        slug = slugify(body.name if name.isdigit() else name) or body.ars
        if slug in used:  # e.g. Landkreis and Stadt Kaiserslautern
            slug = f"{slug}-{body.ars}"
        used.add(slug)
        add(
            f"leitung.{slug}",
            "Leitung",
            body.name,
            f"Verwaltungsleitung: {body.name}",
            roles=[(Role.VERWALTUNGSLEITUNG, body)],
        )
        add(
            f"sachbearbeitung.{slug}",
            "Sachbearbeitung",
            body.name,
            f"Sachbearbeitung: {body.name}",
            roles=[(Role.SACHBEARBEITUNG, body)],
        )
    return rows
