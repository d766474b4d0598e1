"""End to end in headless Chromium: the language switch in the header, without JavaScript being
needed, remembered in the cookie (a new page stays English) and in the account (after signing out
and in again in a browser that forgot the cookie, the page is English again).

(Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses; its
browser asks for German, ``locale="de-DE"``.)"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from verbund.accounts.models import User
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

SIGN_OUT = re.compile(r"^(Sign|Log) out$")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_switch_remembers_english_in_the_cookie_and_the_account(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    User.objects.create_user("erika", password=PASSWORD, first_name="Erika", last_name="Muster")

    page.goto(live_server.url + "/koerperschaften/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Körperschaften")

    # the switch: one button per language; back on the same page, now English
    expect(page.get_by_role("button", name="Deutsch")).to_be_disabled()
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server.url + "/koerperschaften/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Public bodies")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "en"

    # another page keeps it (cookie); sign in: the account learns English
    page.goto(live_server.url + "/konto/anmelden/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("User name").fill("erika")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    assert User.objects.get(username="erika").language == "en"

    # back to German with the switch while signed in: the account follows
    page.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert User.objects.get(username="erika").language == "de"
    page.get_by_role("button", name="English").click()
    assert User.objects.get(username="erika").language == "en"
    page.get_by_role("button", name=SIGN_OUT).click()

    # a browser that forgot the cookie (German Accept-Language): German until she signs in
    page.context.clear_cookies()
    page.goto(live_server.url + "/konto/anmelden/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Signed in as")).to_be_visible()
