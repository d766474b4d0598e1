"""Login at /konto/anmelden/: German form, redirect to ``next`` on success, German error on a wrong
password, lockout (django-axes) after five failures even with the right password, logout by POST
only."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from verbund.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/konto/anmelden/"


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_renders_in_german(client: Client) -> None:
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'for="id_username">Benutzername<' in html and 'for="id_password">Passwort<' in html
    assert "kern-form-input__input" in html
    assert "Mit Single Sign-On anmelden" not in html  # OIDC is off in the test settings


def test_successful_login_redirects_to_next(client: Client, clerk: Any) -> None:
    response = client.post(LOGIN, {"username": "sachbearbeitung", "password": PASSWORD, "next": "/konto/"})
    assert response.status_code == 302
    assert response["Location"] == "/konto/"
    assert _logged_in(client)


def test_login_refuses_offsite_next(client: Client, clerk: Any) -> None:
    response = client.post(
        LOGIN, {"username": "sachbearbeitung", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_wrong_password_shows_german_error(client: Client, clerk: Any) -> None:
    response = client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
    assert response.status_code == 200
    assert "Bitte Benutzername und Passwort eingeben" in response.content.decode()
    assert not _logged_in(client)


def test_sixth_attempt_is_locked_out_even_with_the_right_password(client: Client, clerk: Any) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
        assert response.status_code == 200
    fifth = client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
    assert fifth.status_code == 429
    sixth = client.post(LOGIN, {"username": "sachbearbeitung", "password": PASSWORD})
    html = sixth.content.decode()
    assert sixth.status_code == 429
    assert "Anmeldung gesperrt" in html and "15 Minuten" in html
    assert html.count("<h1") == 1
    assert not _logged_in(client)


def test_lockout_is_per_username_and_address(client: Client, clerk: Any, head: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
    # Another account from the same address is not locked ...
    response = client.post(LOGIN, {"username": "leitung", "password": PASSWORD})
    assert response.status_code == 302
    # ... nor the same account from another address.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(LOGIN, {"username": "sachbearbeitung", "password": PASSWORD}).status_code == 302


def test_success_resets_the_failure_count(client: Client, clerk: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
    assert client.post(LOGIN, {"username": "sachbearbeitung", "password": PASSWORD}).status_code == 302
    client.post("/konto/abmelden/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "sachbearbeitung", "password": "falsch"})
    assert client.post(LOGIN, {"username": "sachbearbeitung", "password": PASSWORD}).status_code == 302


def test_logout_by_post_only(client: Client, clerk: Any) -> None:
    client.force_login(clerk)
    assert client.get("/konto/abmelden/").status_code == 405
    assert _logged_in(client)
    response = client.post("/konto/abmelden/")
    assert response.status_code == 302
    assert not _logged_in(client)


def test_logged_in_user_is_sent_on_from_login_page(client: Client, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.get(LOGIN + "?next=/konto/")
    assert response.status_code == 302 and response["Location"] == "/konto/"
