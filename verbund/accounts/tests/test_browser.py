"""End to end in headless Chromium: the head of a body invites a new clerk, the clerk sets a password
through the one-time link and logs in, the link does not work twice, and the head reads the
invitation as a German sentence in the audit history of the body.

(Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses.)"""

from __future__ import annotations

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.registry.tests.factories import BodyFactory
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Zusammenarbeit-Landstuhl-2026"


def _log_in(page, live_server, username: str, password: str) -> None:  # noqa: F811
    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_head_invites_a_clerk_who_sets_a_password_and_logs_in(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    body = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    head = User.objects.create_user("leitung", password=PASSWORD, first_name="Hanna", last_name="Leitner")
    RoleAssignment.objects.create(user=head, role=Role.VERWALTUNGSLEITUNG, body=body)

    _log_in(page, live_server, "leitung", PASSWORD)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Benutzer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzerverwaltung")
    page.get_by_role("link", name=body.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mitarbeitende")

    # an empty invitation: the errors stand at the fields
    page.get_by_role("button", name="Einladen").click()
    expect(page.locator("#id_username_error")).to_be_visible()
    page.get_by_label("Benutzername").fill("erika.muster")
    page.get_by_label("Vorname").fill("Erika")
    page.get_by_label("Nachname").fill("Muster")
    page.get_by_label("E-Mail-Adresse").fill("erika.muster@landstuhl.example")
    page.get_by_role("button", name="Einladen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erika Muster ist eingeladen")
    link = page.get_by_test_id("set-password-link").input_value()
    assert "/konto/passwort-setzen/" in link

    # the head reads the invitation in the body's history, in German
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Protokoll").click()
    history = page.get_by_role("table")
    expect(history).to_contain_text("leitung hat „Erika Muster (erika.muster)“ eingeladen.")
    expect(history).to_contain_text("leitung hat die Rolle „Sachbearbeitung (Landstuhl)“ vergeben.")
    expect(history).not_to_contain_text("sachbearbeitung")  # no raw codes, only German labels
    page.get_by_role("button", name="Abmelden").click()

    # the clerk sets a password with the link, then logs in
    page.goto(link if link.startswith("http") else live_server.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort setzen")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Passwort setzen").click()
    _log_in(page, live_server, "erika.muster", NEW_PASSWORD)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    assert User.objects.get(username="erika.muster").has_usable_password()
    page.get_by_role("button", name="Abmelden").click()

    # the link works once
    page.goto(link if link.startswith("http") else live_server.url + link)
    expect(page.get_by_text("Dieser Link ist ungültig")).to_be_visible()
