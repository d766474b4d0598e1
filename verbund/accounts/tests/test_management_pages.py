"""Managing users and roles in the product (/konto/benutzer/…, /konto/koerperschaften/…): heads see
and invite their body's staff, revoke Sachbearbeitung and lock accounts of their body alone; another
body's accounts are 404 for them, a head's role they see is 403 to revoke; the operator lists,
searches and creates accounts, assigns any role choosing the body by ARS or name (an ambiguous or
unknown name is a German field error), and unlocks accounts; an invited person sets their password
with a one-time link; the pages have one <h1> and a label for every input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.accounts.principal import principal_for
from verbund.accounts.tests.factories import UserFactory
from verbund.accounts.tests.pages import ACCOUNTS_PAGES
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
USERS = "/konto/benutzer/"


def _login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _html(response: Any) -> str:
    return response.content.decode()


# --- who may open the pages -------------------------------------------------------------------------


def test_users_page_needs_login_and_a_managing_role(client: Client, clerk: Any) -> None:
    assert client.get(USERS)["Location"].startswith("/konto/anmelden/")
    assert _login(client, clerk).get(USERS).status_code == 403


def test_operator_lists_and_searches_every_account(
    client: Client, operator: Any, head: Any, other_head: Any, clerk: Any
) -> None:
    html = _html(_login(client, operator).get(USERS))
    for user in (head, other_head, clerk):
        assert f'href="/konto/benutzer/{user.username}/"' in html
    assert "Benutzerkonto anlegen" in html
    found = _html(client.get(USERS, {"q": "leitung2"}))
    assert "/konto/benutzer/leitung2/" in found and "/konto/benutzer/sachbearbeitung/" not in found


def test_head_lists_only_their_bodys_accounts(
    client: Client, head: Any, clerk: Any, other_head: Any, body: Any
) -> None:
    html = _html(_login(client, head).get(USERS))
    assert "/konto/benutzer/sachbearbeitung/" in html and "/konto/benutzer/leitung2/" not in html
    assert f'href="/konto/koerperschaften/{body.ars}/"' in html
    assert "Benutzerkonto anlegen" not in html


def test_head_sees_their_body_page_but_not_another(
    client: Client, head: Any, clerk: Any, body: Any, other_body: Any
) -> None:
    _login(client, head)
    html = _html(client.get(f"/konto/koerperschaften/{body.ars}/"))
    assert "Mitarbeitende: Verbandsgemeinde Landstuhl" in html and "sachbearbeitung" in html
    assert client.get(f"/konto/koerperschaften/{other_body.ars}/").status_code == 404
    assert client.get("/konto/koerperschaften/079999999999/").status_code == 404


def test_clerk_has_no_body_page(client: Client, clerk: Any, body: Any) -> None:
    assert _login(client, clerk).get(f"/konto/koerperschaften/{body.ars}/").status_code == 404


def test_head_cannot_see_or_manage_another_bodys_users_404(
    client: Client, head: Any, other_head: Any
) -> None:
    _login(client, head)
    assert client.get(f"{USERS}leitung2/").status_code == 404
    assert client.get(f"{USERS}niemand/").status_code == 404
    assert client.post(f"{USERS}leitung2/sperren/").status_code == 404
    ars = RoleAssignment.objects.select_related("body").get(user=other_head).body.ars  # type: ignore[union-attr]
    assert client.post(f"{USERS}leitung2/rollen/verwaltungsleitung/{ars}/entziehen/").status_code == 404
    assert RoleAssignment.objects.filter(user=other_head).exists()
    other_head.refresh_from_db()
    assert other_head.is_active


# --- heads: invite, revoke, lock ---------------------------------------------------------------------


def test_invite_and_set_password(client: Client, head: Any, body: Any) -> None:
    _login(client, head)
    response = client.post(
        f"/konto/koerperschaften/{body.ars}/einladen/",
        {"username": "nina.neu", "first_name": "Nina", "last_name": "Neu", "email": "nina@example.org"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = re.search(
        r'value="(http://testserver(/konto/passwort-setzen/[^"]+))" data-testid="set-password-link"',
        _html(response),
    )
    assert match, _html(response)
    user = User.objects.get(username="nina.neu")
    assert not user.has_usable_password()
    assert principal_for(user).body_roles == {body.pk: {Role.SACHBEARBEITUNG}}
    assert AuditEntry.objects.get(action="user.invite").body_id == body.pk

    invited = Client()
    # Like Django's reset view: the token moves into the session, the URL shows no secret any more.
    first = invited.get(match.group(2))
    assert first.status_code == 302 and first["Location"].endswith("/setzen/")
    form = invited.get(first["Location"])
    assert form.status_code == 200 and "Passwort setzen" in _html(form)
    too_short = invited.post(first["Location"], {"new_password1": "kurz", "new_password2": "kurz"})
    assert too_short.status_code == 200 and "Bitte prüfen Sie Ihre Angaben" in _html(too_short)
    done = invited.post(
        first["Location"],
        {"new_password1": "ein-sicheres-passwort", "new_password2": "ein-sicheres-passwort"},
    )
    assert done.status_code == 302 and done["Location"] == "/konto/anmelden/"
    user.refresh_from_db()
    assert user.check_password("ein-sicheres-passwort")
    entry = AuditEntry.objects.get(action="user.set_password")
    assert entry.actor == user
    login = Client().post("/konto/anmelden/", {"username": "nina.neu", "password": "ein-sicheres-passwort"})
    assert login.status_code == 302
    # The link works once.
    again = Client()
    moved = again.get(match.group(2))
    assert moved.status_code == 200 and "Dieser Link ist ungültig" in _html(moved)


def test_invite_errors_stay_on_the_body_page(client: Client, head: Any, clerk: Any, body: Any) -> None:
    _login(client, head)
    response = client.post(
        f"/konto/koerperschaften/{body.ars}/einladen/",
        {"username": "sachbearbeitung", "first_name": "X", "last_name": "Y", "email": "x@example.org"},
    )
    assert response.status_code == 400
    html = _html(response)
    assert "Bitte prüfen Sie Ihre Angaben" in html and "Benutzername" in html
    assert User.objects.filter(username="sachbearbeitung").count() == 1


def test_head_cannot_invite_for_another_body(client: Client, head: Any, other_body: Any) -> None:
    _login(client, head)
    response = client.post(
        f"/konto/koerperschaften/{other_body.ars}/einladen/",
        {"username": "fremd", "first_name": "X", "last_name": "Y", "email": "x@example.org"},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="fremd").exists()


def test_head_revokes_staff_role(client: Client, head: Any, clerk: Any, body: Any) -> None:
    _login(client, head)
    detail = _html(client.get(f"{USERS}sachbearbeitung/"))
    url = f"{USERS}sachbearbeitung/rollen/sachbearbeitung/{body.ars}/entziehen/"
    assert f'action="{url}"' in detail
    response = client.post(url, {"confirmed": "1"})
    # The account left the head's body, so the head goes back to the body page.
    assert response.status_code == 302 and response["Location"] == f"/konto/koerperschaften/{body.ars}/"
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.get(action="role.revoke").body_id == body.pk


def test_head_sees_but_cannot_revoke_a_head_role_403(client: Client, head: Any, body: Any) -> None:
    colleague = UserFactory.create(username="leitung.zwei", head_of=body)
    _login(client, head)
    detail = client.get(f"{USERS}leitung.zwei/")
    assert detail.status_code == 200 and "Verwaltungsleitung" in _html(detail)
    assert "entziehen/" not in _html(detail)
    url = f"{USERS}leitung.zwei/rollen/verwaltungsleitung/{body.ars}/entziehen/"
    assert client.post(url).status_code == 403
    assert RoleAssignment.objects.filter(user=colleague).exists()


def test_head_locks_an_account_of_their_body_only(
    client: Client, head: Any, clerk: Any, body: Any, other_body: Any
) -> None:
    _login(client, head)
    assert "Konto sperren" in _html(client.get(f"{USERS}sachbearbeitung/"))
    response = client.post(f"{USERS}sachbearbeitung/sperren/", {"confirmed": "1"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert client.post(f"{USERS}sachbearbeitung/freischalten/").status_code == 403
    # A colleague who also works for another body is not the head's to lock.
    busy = UserFactory.create(username="doppelt", staff_of=body)
    RoleAssignment.objects.create(user=busy, role=Role.SACHBEARBEITUNG, body=other_body)
    assert "Konto sperren" not in _html(client.get(f"{USERS}doppelt/"))
    assert client.post(f"{USERS}doppelt/sperren/").status_code == 403
    busy.refresh_from_db()
    assert busy.is_active


# --- the operator --------------------------------------------------------------------------------------


def test_operator_creates_an_account_and_gets_the_link(client: Client, operator: Any) -> None:
    _login(client, operator)
    assert client.get("/konto/benutzer-anlegen/").status_code == 200
    response = client.post(
        "/konto/benutzer-anlegen/",
        {"username": "neu", "first_name": "Nele", "last_name": "Neu", "email": "nele@example.org"},
    )
    assert response.status_code == 200 and 'data-testid="set-password-link"' in _html(response)
    assert not User.objects.get(username="neu").has_usable_password()


def test_head_cannot_create_accounts_without_a_body(client: Client, head: Any) -> None:
    assert _login(client, head).get("/konto/benutzer-anlegen/").status_code == 403


def _assign(client: Client, username: str, role: str, body: str = "") -> Any:
    return client.post(f"{USERS}{username}/rollen/", {"role": role, "body": body})


def test_operator_assigns_a_role_by_ars(
    client: Client, operator: Any, plain_user: Any, other_body: Any
) -> None:
    _login(client, operator)
    response = _assign(client, "ohne.rolle", Role.VERWALTUNGSLEITUNG, other_body.ars)
    assert response.status_code == 302, _html(response)
    assert principal_for(plain_user).heads(other_body.pk)
    assert AuditEntry.objects.get(action="role.assign").body_id == other_body.pk


def test_operator_assigns_a_role_by_name(client: Client, operator: Any, plain_user: Any, body: Any) -> None:
    _login(client, operator)
    assert (
        _assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, "verbandsgemeinde landstuhl").status_code == 302
    )
    assert principal_for(plain_user).works_for(body.pk)
    # The suggestion list's "Name (ARS)" works too.
    other = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Landstuhl-Süd")
    assert (
        _assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, f"{other.name} ({other.ars})").status_code == 302
    )
    assert principal_for(plain_user).works_for(other.pk)


def test_ambiguous_and_unknown_names_are_field_errors(
    client: Client, operator: Any, plain_user: Any, body: Any
) -> None:
    twin = BodyFactory.create(verbandsgemeinde=True, name=body.name)
    _login(client, operator)
    response = _assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, body.name)
    assert response.status_code == 400
    html = _html(response)
    assert "tragen mehrere Körperschaften" in html and body.ars in html and twin.ars in html
    assert "12-stelligen Regionalschlüssel" in html
    unknown = _html(_assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, "Landstuhl"))
    assert "Es gibt keine Körperschaft mit dem Namen „Landstuhl“" in unknown and "Meinten Sie" in unknown
    short = _html(_assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, "0733"))
    assert "hat 12 Ziffern" in short
    missing = _html(_assign(client, "ohne.rolle", Role.SACHBEARBEITUNG, ""))
    assert "Bitte eine Körperschaft angeben" in missing
    platform = _html(_assign(client, "ohne.rolle", Role.BERATUNGSSTELLE, body.ars))
    assert "plattformweit" in platform
    assert not RoleAssignment.objects.filter(user=plain_user).exists()


def test_head_assigns_only_staff_of_their_body(
    client: Client, head: Any, clerk: Any, body: Any, other_body: Any
) -> None:
    _login(client, head)
    html = _html(client.get(f"{USERS}sachbearbeitung/"))
    assert '<option value="sachbearbeitung"' in html and '<option value="verwaltungsleitung"' not in html
    assert _assign(client, "sachbearbeitung", Role.VERWALTUNGSLEITUNG, body.ars).status_code == 400
    response = _assign(client, "sachbearbeitung", Role.SACHBEARBEITUNG, other_body.ars)
    assert response.status_code == 400 and "Sie dürfen diese Rolle nicht vergeben" in _html(response)
    assert list(RoleAssignment.objects.filter(user=clerk).values_list("body_id", flat=True)) == [body.pk]


def test_operator_revokes_a_platform_role_and_unlocks(client: Client, operator: Any, plain_user: Any) -> None:
    RoleAssignment.objects.create(user=plain_user, role=Role.BERATUNGSSTELLE)
    plain_user.is_active = False
    plain_user.save()
    _login(client, operator)
    html = _html(client.get(f"{USERS}ohne.rolle/"))
    assert "Konto wieder freischalten" in html
    assert client.post(f"{USERS}ohne.rolle/rollen/beratungsstelle/entziehen/").status_code == 302
    assert not RoleAssignment.objects.filter(user=plain_user).exists()
    assert client.post(f"{USERS}ohne.rolle/freischalten/").status_code == 302
    plain_user.refresh_from_db()
    assert plain_user.is_active


def test_body_suggestions(client: Client, operator: Any, body: Any, head: Any) -> None:
    _login(client, operator)
    fragment = client.get(
        "/konto/koerperschaft-vorschlaege/", {"body": "Landst"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert _html(fragment).strip() == f'<option value="{body.name} ({body.ars})"></option>'
    page = client.get("/konto/koerperschaft-vorschlaege/", {"body": "Landst"})
    assert "<h1" in _html(page) and body.ars in _html(page)
    assert Client().get("/konto/koerperschaft-vorschlaege/").status_code == 302


@pytest.mark.parametrize("page", sorted(ACCOUNTS_PAGES))
def test_pages_render_accessibly(client: Client, body: Any, page: str) -> None:
    url, user = ACCOUNTS_PAGES[page](body)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    html = _html(response)
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(?:hidden|submit|button)"', tag):
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag)
        assert input_id and input_id[1] in labels, f"input without a label: {tag}"
    assert "Internal" not in html
