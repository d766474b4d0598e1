"""The API for managing users and roles: lists through the principal (operators all, heads their
bodies', others themselves), paginated; inviting and creating accounts with the one-time link;
assigning roles by ARS or name; revoking by id; locking; 401/403/404/422 in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.accounts.principal import principal_for
from verbund.accounts.services import token_issue
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
USERS = "/api/v1/users"


def _as(user: Any) -> Client:
    _token, plaintext = token_issue(actor=user, user=user, name="Test")
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == code


def test_anonymous_is_401(client: Client, head: Any) -> None:
    _error(client.get(USERS), 401, "unauthenticated")
    _error(client.get(f"{USERS}/leitung"), 401, "unauthenticated")
    _error(
        client.post(f"{USERS}", {"username": "x"}, content_type="application/json"), 401, "unauthenticated"
    )
    _error(client.delete("/api/v1/roles/1"), 401, "unauthenticated")


def test_lists_through_the_principal(operator: Any, head: Any, clerk: Any, other_head: Any) -> None:
    everyone = _as(operator).get(USERS, {"limit": 2}).json()
    assert everyone["count"] == User.objects.count() and len(everyone["items"]) == 2
    heads_view = _as(head).get(USERS).json()
    assert [u["username"] for u in heads_view["items"]] == ["leitung", "sachbearbeitung"]
    clerk_row = heads_view["items"][1]
    assert clerk_row["roles"][0]["role"] == Role.SACHBEARBEITUNG and clerk_row["roles"][0]["id"]
    assert clerk_row["has_password"] is True
    assert [u["username"] for u in _as(clerk).get(USERS).json()["items"]] == ["sachbearbeitung"]
    assert _as(operator).get(USERS, {"q": "leitung2"}).json()["count"] == 1


def test_one_user_404_across_bodies(head: Any, other_head: Any) -> None:
    api = _as(head)
    assert api.get(f"{USERS}/leitung").json()["username"] == "leitung"
    _error(api.get(f"{USERS}/leitung2"), 404, "not_found")
    _error(api.get(f"{USERS}/niemand"), 404, "not_found")


def test_head_invites_with_body(head: Any, body: Any, other_body: Any) -> None:
    api = _as(head)
    response = api.post(
        USERS,
        {
            "username": "nina.neu",
            "first_name": "Nina",
            "last_name": "Neu",
            "email": "nina@example.org",
            "body": body.ars,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["user"]["username"] == "nina.neu" and data["user"]["has_password"] is False
    assert data["user"]["roles"][0]["body_ars"] == body.ars
    assert "/konto/passwort-setzen/" in data["set_password_url"]
    assert AuditEntry.objects.get(action="user.invite").body_id == body.pk
    # Not for another body, and no account without a body.
    _error(
        api.post(USERS, {"username": "fremd", "body": other_body.ars}, content_type="application/json"),
        403,
        "forbidden",
    )
    _error(api.post(USERS, {"username": "ohne"}, content_type="application/json"), 403, "forbidden")
    assert not User.objects.filter(username__in=["fremd", "ohne"]).exists()


def test_operator_creates_and_gets_invalid_input_as_422(operator: Any, body: Any) -> None:
    api = _as(operator)
    created = api.post(USERS, {"username": "neu"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["user"]["roles"] == []
    _error(api.post(USERS, {"username": "neu"}, content_type="application/json"), 422, "unique")
    twin = BodyFactory.create(verbandsgemeinde=True, name=body.name)
    ambiguous = api.post(USERS, {"username": "neu2", "body": body.name}, content_type="application/json")
    _error(ambiguous, 422, "ambiguous")
    assert twin.ars in ambiguous.json()["detail"]


def test_assign_role_by_ars_and_name(operator: Any, plain_user: Any, body: Any) -> None:
    api = _as(operator)
    url = f"{USERS}/ohne.rolle/roles"
    by_ars = api.post(
        url, {"role": Role.VERWALTUNGSLEITUNG, "body": body.ars}, content_type="application/json"
    )
    assert by_ars.status_code == 201, by_ars.content
    assert by_ars.json()["body_ars"] == body.ars and by_ars.json()["username"] == "ohne.rolle"
    by_name = api.post(
        url, {"role": Role.SACHBEARBEITUNG, "body": body.name}, content_type="application/json"
    )
    assert by_name.status_code == 201
    platform = api.post(url, {"role": Role.BERATUNGSSTELLE}, content_type="application/json")
    assert platform.status_code == 201 and platform.json()["body_ars"] is None
    p = principal_for(plain_user)
    assert p.heads(body.pk) and p.works_for(body.pk) and p.has_platform_role(Role.BERATUNGSSTELLE)
    _error(
        api.post(url, {"role": Role.SACHBEARBEITUNG, "body": "Nirgendwo"}, content_type="application/json"),
        422,
        "unknown_body",
    )
    _error(
        api.post(f"{USERS}/niemand/roles", {"role": Role.BERATUNGSSTELLE}, content_type="application/json"),
        404,
        "not_found",
    )


def test_head_assigns_staff_but_not_heads(head: Any, clerk: Any, body: Any) -> None:
    api = _as(head)
    url = f"{USERS}/sachbearbeitung/roles"
    _error(
        api.post(url, {"role": Role.VERWALTUNGSLEITUNG, "body": body.ars}, content_type="application/json"),
        403,
        "forbidden",
    )
    assert (
        api.post(
            url, {"role": Role.SACHBEARBEITUNG, "body": body.ars}, content_type="application/json"
        ).status_code
        == 201
    )


def test_revoke_by_id_404_and_403(head: Any, clerk: Any, other_head: Any, body: Any) -> None:
    api = _as(head)
    staff = RoleAssignment.objects.get(user=clerk)
    own = RoleAssignment.objects.get(user=head)
    foreign = RoleAssignment.objects.get(user=other_head)
    _error(api.delete(f"/api/v1/roles/{foreign.pk}"), 404, "not_found")
    _error(api.delete("/api/v1/roles/999999"), 404, "not_found")
    _error(api.delete(f"/api/v1/roles/{own.pk}"), 403, "forbidden")
    assert api.delete(f"/api/v1/roles/{staff.pk}").status_code == 204
    assert not RoleAssignment.objects.filter(pk=staff.pk).exists()
    assert AuditEntry.objects.get(action="role.revoke").body_id == body.pk


def test_lock_and_unlock(head: Any, clerk: Any, operator: Any) -> None:
    locked = _as(head).post(f"{USERS}/sachbearbeitung/deactivate")
    assert locked.status_code == 200 and locked.json()["is_active"] is False
    _error(_as(head).post(f"{USERS}/sachbearbeitung/reactivate"), 403, "forbidden")
    _error(_as(head).post(f"{USERS}/leitung/deactivate"), 403, "forbidden")  # not oneself
    assert _as(operator).post(f"{USERS}/sachbearbeitung/reactivate").json()["is_active"] is True


def test_me_is_unchanged(client: Client, clerk: Any, body: Any) -> None:
    data = _as(clerk).get("/api/v1/me").json()
    assert data["roles"] == [
        {
            "role": Role.SACHBEARBEITUNG,
            "label": "Sachbearbeitung",
            "body_ars": body.ars,
            "body_name": body.name,
        }
    ]
