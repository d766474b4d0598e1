"""Demo users: one per role of ARCHITECTURE.md, for ``manage.py load_demo``.

All share :data:`DEMO_PASSWORD`. **Demo only**: never run ``load_demo`` on a production database;
anyone who has read the README knows the password. Everything goes through the services, so the
audit log shows who created the demo users (``load_demo``). Running it again changes nothing
(users and roles are matched by name; the password is reset only if it no longer matches).

Verbundkoordination is an alliance role and is created by the alliances part's demo data with
:func:`ensure_demo_user`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.text import slugify

from .models import Role, User
from .services import role_assign, user_create, user_set_password, user_update

if TYPE_CHECKING:
    from verbund.registry.models import Body

#: The password of every demo user. Demo only: public in the README.
DEMO_PASSWORD = "verbund-demo"
ACTOR = "load_demo"


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
    """Create or refresh one demo user with ``roles`` (``(role, body or None)`` pairs)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=is_staff,
            is_superuser=is_superuser,
            acting_user=ACTOR,
        )
    else:
        user_update(user=user, first_name=first_name, last_name=last_name, is_active=True, acting_user=ACTOR)
        if not user.check_password(password):
            user_set_password(user=user, password=password, acting_user=ACTOR)
    for role, body in roles:
        role_assign(user=user, role=role, body=body, acting_user=ACTOR)
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
