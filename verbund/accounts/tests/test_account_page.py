"""The "Mein Konto" page: only for logged-in users; lists one's roles and token hints (never a
digest); issuing a token shows the plaintext exactly once (and it works on the API); revoking works
for one's own tokens and answers 404 for anybody else's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import ApiToken
from verbund.accounts.services import token_issue
from verbund.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
ACCOUNT = "/konto/"


def test_requires_login(client: Client) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/anmelden/?next=/konto/")


def test_shows_roles_and_token_hints(client: Client, head: Any, body: Any) -> None:
    token, plaintext = token_issue(actor=head, user=head, name="Fachverfahren")
    client.force_login(head)
    response = client.get(ACCOUNT)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1 and "Mein Konto" in html
    assert 'href="/konto/" aria-current="page"' in html  # the header links here
    assert "Verwaltungsleitung" in html and body.name in html
    assert "Fachverfahren" in html and token.hint in html
    assert plaintext not in html and token.digest not in html


def test_create_token_shows_it_once_and_it_works(client: Client, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.post("/konto/tokens/neu/", {"name": "Kasse"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = re.search(r'value="(vbd_[^"]+)" data-testid="new-token"', html)
    assert match, html
    plaintext = match.group(1)
    assert ApiToken.objects.get(user=clerk, name="Kasse").digest == ApiToken.hash(plaintext)
    # Not on the next visit.
    assert plaintext not in client.get(ACCOUNT).content.decode()
    api = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.json()["username"] == "sachbearbeitung"


def test_create_token_needs_a_name(client: Client, clerk: Any) -> None:
    client.force_login(clerk)
    response = client.post("/konto/tokens/neu/", {"name": ""})
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_create_token_needs_csrf(clerk: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post("/konto/tokens/neu/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_revoke_own_token(client: Client, clerk: Any) -> None:
    token, _ = token_issue(actor=clerk, user=clerk, name="alt")
    client.force_login(clerk)
    response = client.post(f"/konto/tokens/{token.pk}/widerrufen/", follow=True)
    assert response.status_code == 200
    assert "wurde widerrufen" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoke", actor=clerk).count() == 1


def test_revoke_someone_elses_token_is_404(client: Client, clerk: Any, head: Any) -> None:
    token, _ = token_issue(actor=head, user=head, name="fremd")
    client.force_login(clerk)
    assert client.post(f"/konto/tokens/{token.pk}/widerrufen/").status_code == 404
    assert client.post("/konto/tokens/999999/widerrufen/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(f"/konto/tokens/{token.pk}/widerrufen/").status_code == 405
