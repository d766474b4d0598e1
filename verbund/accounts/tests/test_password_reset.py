"""Password reset by e-mail at /konto/passwort-vergessen/ (issue 10, item 4).

The whole way: the link on the login page, the form, the e-mail with an absolute link from
SITE_URL (not from the request's Host), the new password, the login with it; the same answer for
unknown addresses; a used or forged link is refused; requests are limited per address and per
e-mail; sending and resetting are audited.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from verbund.accounts.tests.factories import PASSWORD
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

FORGOT = "/konto/passwort-vergessen/"
SENT = "/konto/passwort-vergessen/gesendet/"
NEW_PASSWORD = "Ein-neues-Passwort-2026"


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _link(message: Any) -> str:
    found = re.findall(r"https?://\S+/konto/passwort-vergessen/\S+/\S+/", message.body)
    assert len(found) == 1, message.body
    return str(found[0])


@override_settings(SITE_URL="https://verbund.example.org")
def test_full_flow_from_the_login_page(clerk: Any) -> None:
    client = Client()
    login_page = client.get("/konto/anmelden/").content.decode()
    assert f'href="{FORGOT}"' in login_page and "Passwort vergessen?" in login_page

    page = client.get(FORGOT)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<h1") == 1 and 'for="id_email">E-Mail-Adresse' in html

    response = client.post(FORGOT, {"email": clerk.email.upper()})
    assert response.status_code == 302 and response["Location"] == SENT
    assert "Wenn zu dieser E-Mail-Adresse ein Konto gehört" in client.get(SENT).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clerk.email]
    assert message.subject == "Verbund: Passwort zurücksetzen"
    link = _link(message)
    assert link.startswith("https://verbund.example.org/konto/passwort-vergessen/")  # not the request host
    assert f"Ihr Benutzername: {clerk.username}" in message.body
    assert (
        AuditEntry.objects.filter(action="user.password_reset_request", object_id=str(clerk.pk)).count() == 1
    )

    path = link.removeprefix("https://verbund.example.org")
    form_page = client.get(path, follow=True)  # Django moves the token into the session first
    assert "Neues Passwort wählen" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    # the password rules apply
    weak = client.post(set_url, {"new_password1": "kurz", "new_password2": "kurz"})
    assert weak.status_code == 200 and "kern-error" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Ihr Passwort ist geändert. Sie können sich jetzt anmelden." in done.content.decode()

    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD) and not clerk.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor_id == clerk.pk and entry.object_id == str(clerk.pk)
    assert "password" in entry.changes and NEW_PASSWORD not in str(entry.changes)

    # the link is void once used
    again = Client().get(path, follow=True).content.decode()
    assert "Dieser Link ist ungültig" in again
    # and the new password logs in
    login = Client().post("/konto/anmelden/", {"username": clerk.username, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(clerk: Any) -> None:
    client = Client()
    known = client.post(FORGOT, {"email": clerk.email})
    unknown = client.post(FORGOT, {"email": "niemand@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"]) == (302, SENT)
    assert [m.to for m in mail.outbox] == [[clerk.email]]


def test_inactive_accounts_get_no_link(clerk: Any) -> None:
    clerk.is_active = False
    clerk.save()
    assert Client().post(FORGOT, {"email": clerk.email}).status_code == 302
    assert mail.outbox == []


def test_forged_token_is_refused(clerk: Any) -> None:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(clerk.pk))
    html = Client().get(f"{FORGOT}{uid}/falsch-123/", follow=True).content.decode()
    assert "Dieser Link ist ungültig" in html


def test_invalid_address_shows_a_german_error() -> None:
    response = Client().post(FORGOT, {"email": "keine-adresse"})
    assert response.status_code == 200
    assert "gültige E-Mail-Adresse" in response.content.decode()


@override_settings(PASSWORD_RESET_MAX_PER_EMAIL=3, PASSWORD_RESET_MAX_PER_ADDRESS=100)
def test_one_mailbox_gets_at_most_a_few_mails_an_hour(clerk: Any) -> None:
    client = Client()
    for _ in range(5):
        assert client.post(FORGOT, {"email": clerk.email})["Location"] == SENT
    assert len(mail.outbox) == 3


@override_settings(PASSWORD_RESET_MAX_PER_ADDRESS=4)
def test_one_client_address_is_limited(clerk: Any) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(4):
        assert client.post(FORGOT, {"email": f"person{n}@example.org"}).status_code == 302
    refused = client.post(FORGOT, {"email": clerk.email})
    assert refused.status_code == 429
    assert "Zu viele Anfragen" in refused.content.decode()
    assert mail.outbox == []
    # another address is not affected
    assert Client(REMOTE_ADDR="198.51.100.8").post(FORGOT, {"email": clerk.email}).status_code == 302
    assert len(mail.outbox) == 1
