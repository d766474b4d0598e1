"""End to end in headless Chromium: a head sees the unread count in the header, opens the inbox,
follows a notification (which marks it read) and marks the rest read; the badge goes away.

(Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses.)"""

from __future__ import annotations

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.common.actors import SystemActor
from verbund.notifications import delivery
from verbund.notifications.services import Audience, publish
from verbund.registry.tests.factories import BodyFactory
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .conftest import TEST_EVENT

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_badge_and_inbox(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    body = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    head = User.objects.create_user("leitung", password=PASSWORD, first_name="Hanna", last_name="Leitner")
    RoleAssignment.objects.create(user=head, role=Role.VERWALTUNGSLEITUNG, body=body)
    for title in ("Antrag IKZ-RLP-0001", "Antrag IKZ-RLP-0002", "Antrag IKZ-RLP-0003"):
        event = publish(
            TEST_EVENT,
            actor=SystemActor(name="Test"),
            title=title,
            path="/koerperschaften/",
            audience=Audience.body(body.pk),
        )
        delivery.fan_out(event.pk)  # already done after the commit (eager tasks); a second run does nothing

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill("leitung")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    link = page.get_by_test_id("notifications-link")
    expect(link).to_contain_text("Benachrichtigungen")
    expect(page.get_by_test_id("notifications-unread")).to_contain_text("3 ungelesen")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benachrichtigungen")
    expect(page.get_by_test_id("inbox-summary")).to_contain_text("3 ungelesene Benachrichtigungen")
    expect(page.get_by_test_id("notification")).to_have_count(3)

    page.get_by_role("link", name="Antrag IKZ-RLP-0002").click()
    expect(page).to_have_url(live_server.url + "/koerperschaften/")
    expect(page.get_by_test_id("notifications-unread")).to_contain_text("2 ungelesen")

    page.get_by_test_id("notifications-link").click()
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_text("Alle Benachrichtigungen sind als gelesen markiert.")).to_be_visible()
    expect(page.get_by_test_id("notifications-unread")).to_have_count(0)
    expect(page.get_by_test_id("inbox-summary")).to_contain_text("Keine ungelesenen Benachrichtigungen.")
