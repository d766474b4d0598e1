"""Optional OpenID Connect: the backend turns claims (preferred_username, email, given_name,
family_name) into an audited account without roles and updates it on later logins; the SSO routes
answer 404 while ``OIDC_ENABLED`` is off and send the browser to the identity provider when on; the
login page offers "Mit Single Sign-On anmelden" only when on; mozilla_django_oidc needs no app entry."""

from __future__ import annotations

from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.test import Client, override_settings

from verbund.accounts.models import RoleAssignment, User
from verbund.accounts.oidc import VerbundOIDCBackend
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

IDP = "https://sso.example.org/realms/verbund/protocol/openid-connect"
OIDC_ON = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "verbund",
    "OIDC_RP_CLIENT_SECRET": "geheim",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{IDP}/auth",
    "OIDC_OP_TOKEN_ENDPOINT": f"{IDP}/token",
    "OIDC_OP_USER_ENDPOINT": f"{IDP}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{IDP}/certs",
}
CLAIMS = {
    "sub": "f3b1c0de",
    "preferred_username": "m.mueller",
    "email": "m.mueller@landstuhl.de",
    "given_name": "Maria",
    "family_name": "Müller",
}


def _login_with(claims: dict[str, Any]) -> Any:
    backend = VerbundOIDCBackend()
    with mock.patch.object(VerbundOIDCBackend, "get_userinfo", return_value=claims):
        return backend.get_or_create_user("access", "id", {"sub": claims.get("sub")})


@override_settings(**OIDC_ON)
def test_first_login_creates_an_audited_account_without_roles() -> None:
    user = _login_with(CLAIMS)
    assert isinstance(user, User)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "m.mueller",
        "m.mueller@landstuhl.de",
        "Maria",
        "Müller",
    )
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor_label == "Single Sign-On (OIDC)" and entry.object_id == str(user.pk)


@override_settings(**OIDC_ON)
def test_next_login_updates_the_same_account() -> None:
    first = _login_with(CLAIMS)
    again = _login_with({**CLAIMS, "family_name": "Müller-Schmidt", "email": "mm@landstuhl.de"})
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.last_name == "Müller-Schmidt" and again.email == "mm@landstuhl.de"
    assert User.objects.filter(username="m.mueller").count() == 1
    update = AuditEntry.objects.get(action="user.update")
    assert update.changes["last_name"] == ["Müller", "Müller-Schmidt"]
    # Unchanged claims write nothing.
    _login_with({**CLAIMS, "family_name": "Müller-Schmidt", "email": "mm@landstuhl.de"})
    assert AuditEntry.objects.filter(action="user.update").count() == 1


@override_settings(**OIDC_ON)
def test_claims_without_username_or_with_an_invalid_one_are_refused() -> None:
    with pytest.raises(SuspiciousOperation):
        _login_with({k: v for k, v in CLAIMS.items() if k != "preferred_username"})
    with pytest.raises(SuspiciousOperation):
        _login_with({**CLAIMS, "preferred_username": "mit leerzeichen"})
    assert not User.objects.exists()


@override_settings(**OIDC_ON)
def test_existing_local_account_is_matched_by_username() -> None:
    local = User.objects.create_user("m.mueller", email="alt@example.org")
    assert _login_with(CLAIMS).pk == local.pk


def test_routes_are_404_while_sso_is_off(client: Client) -> None:
    assert settings.OIDC_ENABLED is False
    assert client.get("/konto/oidc/authenticate/").status_code == 404
    assert client.get("/konto/oidc/callback/?code=x&state=y").status_code == 404
    assert "Single Sign-On" not in client.get("/konto/anmelden/").content.decode()


@override_settings(**OIDC_ON)
def test_login_page_offers_sso_and_start_redirects_to_the_idp(client: Client) -> None:
    html = client.get("/konto/anmelden/?next=/konto/").content.decode()
    assert "Mit Single Sign-On anmelden" in html
    assert "/konto/oidc/authenticate/?next=/konto/" in html
    response = client.get("/konto/oidc/authenticate/?next=/konto/")
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{IDP}/auth"
    query = parse_qs(target.query)
    assert query["client_id"] == ["verbund"]
    assert query["redirect_uri"] == ["http://testserver/konto/oidc/callback/"]
    assert client.session["oidc_login_next"] == "/konto/"


@override_settings(**OIDC_ON)
def test_failed_callback_returns_to_login_with_a_message(client: Client) -> None:
    response = client.get("/konto/oidc/callback/?error=access_denied", follow=True)
    assert response.redirect_chain[-1][0] == "/konto/anmelden/"
    assert "Single Sign-On ist fehlgeschlagen" in response.content.decode()


@override_settings(
    **OIDC_ON,
    AUTHENTICATION_BACKENDS=[*settings.AUTHENTICATION_BACKENDS, "verbund.accounts.oidc.VerbundOIDCBackend"],
)
def test_whole_round_trip_logs_in_and_returns_to_next(client: Client) -> None:
    # Without an INSTALLED_APPS entry: the library has no models, templates or commands.
    assert "mozilla_django_oidc" not in settings.INSTALLED_APPS
    start = client.get("/konto/oidc/authenticate/?next=/konto/")
    query = parse_qs(urlparse(start["Location"]).query)
    state, nonce = query["state"][0], query["nonce"][0]
    with (
        mock.patch.object(
            VerbundOIDCBackend, "get_token", return_value={"id_token": "i", "access_token": "a"}
        ),
        mock.patch.object(
            VerbundOIDCBackend, "verify_token", return_value={"sub": "f3b1c0de", "nonce": nonce}
        ),
        mock.patch.object(VerbundOIDCBackend, "get_userinfo", return_value=CLAIMS),
    ):
        response = client.get(f"/konto/oidc/callback/?code=abc&state={state}")
    assert response.status_code == 302 and response["Location"] == "/konto/"
    user = User.objects.get(username="m.mueller")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/konto/").status_code == 200
