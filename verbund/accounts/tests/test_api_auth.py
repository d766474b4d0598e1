"""API authentication: ``manage.py issue_token`` prints only a token that works as
``Authorization: Bearer …`` on ``/api/v1/me``; anonymous, wrong and revoked tokens get 401 in the one
error shape; the schema stays public; session-authenticated writes need the CSRF token."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from ninja.errors import AuthenticationError

from verbund.accounts.auth import TokenOrSessionAuth
from verbund.accounts.models import ApiToken, Role
from verbund.accounts.services import token_issue, token_revoke
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


def _issue(username: str, *args: str) -> str:
    out = StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue()


def test_issue_token_prints_only_the_token(clerk: Any) -> None:
    output = _issue("sachbearbeitung", "--name", "Skript")
    token = output.strip()
    assert output == token + "\n"
    assert token.startswith(ApiToken.PREFIX) and " " not in token
    stored = ApiToken.objects.get(user=clerk)
    assert stored.name == "Skript"
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert AuditEntry.objects.get(action="token.issue").actor_label == "Token-Ausgabe (Kommandozeile)"


def test_issue_token_unknown_user(db: Any) -> None:
    with pytest.raises(CommandError, match="gibt es nicht"):
        _issue("niemand")


def test_bearer_token_authenticates(client: Client, clerk: Any, body: Any) -> None:
    token = _issue("sachbearbeitung").strip()
    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["username"] == "sachbearbeitung"
    assert data["is_operator"] is False
    assert data["roles"] == [
        {
            "role": Role.SACHBEARBEITUNG,
            "label": "Sachbearbeitung",
            "body_ars": body.ars,
            "body_name": body.name,
        }
    ]
    assert ApiToken.objects.get(user=clerk).last_used_at is not None


def test_anonymous_me_is_401_with_error_shape(client: Client) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("header", ["Bearer vbd_falsch", "Bearer ", "Basic dXNlcjpwdw==", "Token abc"])
def test_wrong_token_is_401_never_anonymous(client: Client, clerk: Any, header: str) -> None:
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    # A wrong token fails even on public endpoints, so that a client notices it.
    assert client.get("/api/v1/bodies", headers={"Authorization": header}).status_code == 401


def test_revoked_token_and_inactive_user_are_401(client: Client, clerk: Any) -> None:
    token, plaintext = token_issue(actor=clerk, user=clerk, name="x")
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert client.get(ME, headers=auth).status_code == 200
    token_revoke(actor=clerk, token=token)
    assert client.get(ME, headers=auth).status_code == 401
    _token2, plaintext2 = token_issue(actor=clerk, user=clerk, name="y")
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert client.get(ME, headers={"Authorization": f"Bearer {plaintext2}"}).status_code == 401


def test_session_authenticates_too(client: Client, operator: Any) -> None:
    client.force_login(operator)
    data = client.get(ME).json()
    assert data["username"] == "betrieb" and data["is_operator"] is True


def test_openapi_schema_is_public_and_documents_me(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/me" in schema["paths"]
    assert "401" in schema["paths"]["/api/v1/me"]["get"]["responses"]


class TestCsrfOnSessionWrites:
    """Cookie-authenticated unsafe requests must carry the CSRF token; Bearer requests need none."""

    def _post(self, user: Any, *, with_csrf: bool, bearer: str = "") -> Any:
        rf = RequestFactory()
        seed = rf.get("/")
        csrf = get_token(seed)
        headers = {"X-CSRFToken": csrf} if with_csrf else {}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        request = rf.post("/api/v1/irgendwas", headers=headers)
        request.COOKIES["csrftoken"] = seed.META["CSRF_COOKIE"]
        request.user = user
        return TokenOrSessionAuth()(request)

    def test_session_post_without_csrf_is_refused(self, clerk: Any) -> None:
        with pytest.raises(AuthenticationError):
            self._post(clerk, with_csrf=False)

    def test_session_post_with_csrf_is_accepted(self, clerk: Any) -> None:
        assert self._post(clerk, with_csrf=True) == clerk

    def test_bearer_post_needs_no_csrf(self, clerk: Any) -> None:
        _token, plaintext = token_issue(actor=clerk, user=clerk, name="x")
        assert self._post(clerk, with_csrf=False, bearer=plaintext) == clerk

    def test_anonymous_post_is_passed_to_the_endpoint(self, db: Any) -> None:
        from django.contrib.auth.models import AnonymousUser

        user = self._post(AnonymousUser(), with_csrf=False)
        assert not user.is_authenticated
