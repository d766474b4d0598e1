"""The optional second factor (TOTP, django-otp) and its duty for operators and the funding authority.

Codes are computed with ``django_otp.oath.totp`` from the secret, as an authenticator app does.
"""

from __future__ import annotations

import re
from binascii import unhexlify
from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from verbund.accounts.models import Role, RoleAssignment
from verbund.accounts.services import token_issue
from verbund.accounts.tests.factories import PASSWORD, UserFactory
from verbund.accounts.two_factor import SETUP_KEY
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/konto/anmelden/"
CODE = "/konto/anmelden/code/"
SETUP = "/konto/zwei-faktor/"
REMOVE = "/konto/zwei-faktor/entfernen/"


def _code(key_hex: str, *, offset: int = 0) -> str:
    return f"{totp(unhexlify(key_hex), drift=offset):06d}"


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def _enrol(client: Client) -> TOTPDevice:
    page = client.get(SETUP)
    assert page.status_code == 200
    key = client.session[SETUP_KEY]
    response = client.post(SETUP, {"code": _code(key)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return TOTPDevice.objects.get(key=key)


def _password_login(client: Client, username: str, next_url: str = "/konto/") -> Any:
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})


def test_enrolment_with_qr_code_and_confirmation(clerk: Any) -> None:
    client = Client()
    client.force_login(clerk)
    account = client.get("/konto/").content.decode()
    assert f'href="{SETUP}"' in account and "Zweiten Faktor einrichten" in account

    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1") == 1
    assert "<svg" in html and 'class="segno"' in html  # the QR code, inline SVG (no data: image)
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    key = client.session[SETUP_KEY]
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None and len(secret.group(1).replace(" ", "")) == 32
    assert not TOTPDevice.objects.exists()  # nothing stored before the confirmation

    wrong = client.post(SETUP, {"code": _wrong(_code(key))})
    assert wrong.status_code == 400
    assert "Der Code stimmt nicht" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    right = client.post(SETUP, {"code": _code(key)}, follow=True)
    assert "Der zweite Faktor ist eingerichtet" in right.content.decode()
    device = TOTPDevice.objects.get(user=clerk)
    assert device.confirmed and device.key == key
    assert SETUP_KEY not in client.session
    entry = AuditEntry.objects.get(action="user.two_factor_enrol")
    assert entry.actor_id == clerk.pk and entry.object_id == str(clerk.pk)


def test_login_asks_for_the_code_before_anything_else(clerk: Any) -> None:
    enrolling = Client()
    enrolling.force_login(clerk)
    device = _enrol(enrolling)

    client = Client()
    assert _password_login(client, clerk.username, "/konto/").status_code == 302
    # every page leads to the code first (the session holds only the password step)
    blocked = client.get("/konto/")
    assert blocked.status_code == 302 and blocked["Location"].startswith(CODE)
    assert client.get("/verbuende/")["Location"].startswith(CODE)
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"

    page = client.get(blocked["Location"])
    assert page.status_code == 200 and "Code eingeben" in page.content.decode()
    wrong = client.post(CODE, {"code": _wrong(_code(device.key)), "next": "/konto/"})
    assert wrong.status_code == 400 and "Der Code stimmt nicht" in wrong.content.decode()
    assert client.get("/konto/").status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp waits after a failure; a person would too
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    right = client.post(CODE, {"code": _code(device.key), "next": "/konto/"})
    assert right.status_code == 302 and right["Location"] == "/konto/"
    assert client.get("/konto/").status_code == 200


def test_wrong_codes_are_throttled(clerk: Any) -> None:
    enrolling = Client()
    enrolling.force_login(clerk)
    device = _enrol(enrolling)
    client = Client()
    _password_login(client, clerk.username)
    client.post(CODE, {"code": _wrong(_code(device.key))})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # even the right code waits until the back-off is over (it doubles with each failure)
    device.last_t = -1
    device.save()
    assert client.post(CODE, {"code": _code(device.key)}).status_code == 400
    assert client.get("/konto/")["Location"].startswith(CODE)


def test_a_session_from_another_door_is_asked_too(clerk: Any) -> None:
    enrolling = Client()
    enrolling.force_login(clerk)
    _enrol(enrolling)
    other = Client()
    other.force_login(clerk)  # e.g. the admin's login page: password only
    assert other.get("/konto/")["Location"].startswith(CODE)


def test_removing_needs_a_current_code(clerk: Any) -> None:
    client = Client()
    client.force_login(clerk)
    device = _enrol(client)
    device.last_t = -1
    device.save()
    wrong = client.post(REMOVE, {"code": _wrong(_code(device.key))})
    assert wrong.status_code == 400 and TOTPDevice.objects.filter(user=clerk).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(REMOVE, {"code": _code(device.key)}, follow=True)
    assert "Der zweite Faktor ist entfernt." in done.content.decode()
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.filter(action="user.two_factor_remove").count() == 1


@pytest.fixture
def funding_authority(db: Any) -> Any:
    user = UserFactory.create(username="bewilligung")
    RoleAssignment.objects.create(user=user, role=Role.BEWILLIGUNGSBEHOERDE)
    return user


@override_settings(TWO_FACTOR_REQUIRED_ROLES=True)
@pytest.mark.parametrize("who", ["operator", "funding_authority"])
def test_required_roles_enrol_before_anything_else(
    who: str, request: pytest.FixtureRequest, clerk: Any
) -> None:
    user = request.getfixturevalue(who)
    client = Client()
    assert _password_login(client, user.username, "/verbuende/").status_code == 302
    first = client.get("/verbuende/")
    assert first.status_code == 302 and first["Location"].startswith(SETUP)
    page = client.get(first["Location"])
    assert "Für Ihre Rolle ist ein zweiter Faktor vorgeschrieben" in page.content.decode()
    key = client.session[SETUP_KEY]
    done = client.post(SETUP, {"code": _code(key), "next": "/verbuende/"})
    assert done.status_code == 302 and done["Location"] == "/verbuende/"
    assert client.get("/verbuende/").status_code == 200
    # the duty also forbids removing it oneself
    device = TOTPDevice.objects.get(user=user)
    device.last_t = -1
    device.save()
    refused = client.post(REMOVE, {"code": _code(key)})
    assert refused.status_code == 400 and "vorgeschrieben" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()

    # other roles are free to choose
    other = Client()
    _password_login(other, clerk.username)
    assert other.get("/verbuende/").status_code == 200


@override_settings(TWO_FACTOR_REQUIRED_ROLES=True)
def test_api_tokens_are_unaffected(operator: Any) -> None:
    _token, plaintext = token_issue(actor=operator, user=operator, name="Skript")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200


def test_without_the_setting_operators_are_free(operator: Any) -> None:
    client = Client()
    _password_login(client, operator.username)
    assert client.get("/verbuende/").status_code == 200


def test_the_operator_resets_a_lost_device_on_the_user_page_and_it_is_audited(
    clerk: Any, operator: Any
) -> None:
    from django.contrib import admin

    owner = Client()
    owner.force_login(clerk)
    _enrol(owner)
    page = f"/konto/benutzer/{clerk.username}/"
    reset = f"/konto/benutzer/{clerk.username}/zweiter-faktor-zuruecksetzen/"

    # the clerk's own head or anyone else but the operator has no such button and is refused
    other = Client()
    other.force_login(UserFactory.create())
    assert other.post(reset).status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=clerk).exists()

    admin_client = Client()
    admin_client.force_login(operator)
    shown = admin_client.get(page).content.decode()
    assert "Zweiten Faktor zurücksetzen" in shown
    done = admin_client.post(reset, follow=True)
    assert f"Der zweite Faktor von {clerk.username} ist zurückgesetzt." in done.content.decode()
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    entry = AuditEntry.objects.get(action="user.two_factor_remove")
    assert entry.actor_id == operator.pk
    # without a device there is nothing to reset, and the admin offers no unaudited way
    assert "Zweiten Faktor zurücksetzen" not in admin_client.get(page).content.decode()
    assert not admin.site.is_registered(TOTPDevice)
