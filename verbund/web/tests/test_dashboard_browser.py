"""The start page in headless Chromium: a head of a body logs in, lands on their start page and sees
the proof of use due for their body's grant (date in German, marked as due soon), and follows the
link to the application."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding.tests.factories import ProgrammeFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.web.dashboard.common import add_months, proof_due
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (the Chromium fixture)

from .test_dashboard import granted

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_head_sees_the_proof_of_use_due_on_the_start_page(live_server: Any, page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    today = timezone.localdate()
    body = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    other = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    alliance = AllianceFactory.create(name="Gemeinsame Vergabestelle", members=[body, other])
    head = UserFactory.create(username="leitung.landstuhl", head_of=body)
    head.set_password(PASSWORD)
    head.save()
    application = granted(
        ProgrammeFactory.create(),
        alliance,
        body,
        title="Vergabe digital",
        period_end=add_months(today, -6) + dt.timedelta(days=12),
    )
    due = proof_due(application.grant.period_end)

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(head.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Startseite")
    assert page.url.endswith("/start/")
    proofs = page.locator('[data-section="proofs"]')
    expect(proofs.locator("[data-count]")).to_have_text("1")
    row = proofs.get_by_role("listitem").filter(has_text="Verwendungsnachweis: Vergabe digital")
    expect(row).to_contain_text(f"fällig am {due.strftime('%d.%m.%Y')}")
    expect(row).to_contain_text("bald fällig")
    row.get_by_role("link", name="Verwendungsnachweis: Vergabe digital").click()
    expect(page).to_have_url(f"{live_server.url}/foerderung/antraege/{application.pk}/")
