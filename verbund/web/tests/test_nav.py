"""The main navigation asks the request's principal: "Protokoll" for whoever may read some audit
history (operators, coordinators, heads), "Benutzer" for heads and operators (the accounts part's
``accounts:users``); neither for anonymous visitors or clerks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


def _nav(client: Client, user: Any | None) -> tuple[bool, bool]:
    if user is not None:
        client.force_login(user)
    html = client.get("/").content.decode()
    nav = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    return (f'href="{reverse("audit:list")}"' in nav, ">Benutzer<" in nav)


def test_navigation_follows_the_principal(client: Client) -> None:
    vg1, vg2 = BodyFactory.create(verbandsgemeinde=True), BodyFactory.create(verbandsgemeinde=True)
    coordinator = UserFactory.create()
    AllianceFactory.create(members=[vg1, vg2], coordinator=coordinator)
    assert _nav(client, None) == (False, False)
    assert _nav(client, UserFactory.create(staff_of=vg1)) == (False, False)
    assert _nav(client, coordinator)[0] is True
    assert _nav(client, UserFactory.create(head_of=vg2)) == (True, True)
    assert _nav(client, UserFactory.create(operator=True)) == (True, True)
