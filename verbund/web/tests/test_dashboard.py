"""The personal start page (``/start/``): after login everyone lands there; each role sees its
sections and nothing of another body; a person without roles sees a helpful empty page; the number
of queries does not grow with the person's bodies and alliances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.principal import principal_for
from verbund.accounts.tests.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from verbund.alliances.models import Membership
from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding import workflow
from verbund.funding.models import Application, Drawdown, GrantNotice, InfoRequest
from verbund.funding.tests.factories import ProgrammeFactory, draft_application
from verbund.registry.tests.factories import BodyFactory
from verbund.web.dashboard.common import add_months, flag_for, proof_due

pytestmark = pytest.mark.django_db

START = "/start/"


def granted(programme: Any, alliance: Any, applicant: Any, *, title: str, period_end: dt.date) -> Application:
    """A granted application with its grant notice (rows written directly: a fixture)."""
    application = draft_application(programme=programme, alliance=alliance, applicant=applicant, title=title)
    Application.objects.filter(pk=application.pk).update(
        status=workflow.BEWILLIGT, submitted_at=timezone.now() - dt.timedelta(days=400)
    )
    GrantNotice.objects.create(
        application=application,
        amount=Decimal("100000.00"),
        planned_eligible_costs=Decimal("125000.00"),
        period_start=period_end - dt.timedelta(days=365),
        period_end=period_end,
        conditions="Nebenbestimmungen",
    )
    application.refresh_from_db()
    return application


def world_of(n: int = 1) -> SimpleNamespace:
    """Bodies A and B in an alliance coordinated by ``coordinator``; a head and a clerk of A; a head
    of B; ``n`` further bodies headed by the head of A, each in an alliance of its own."""
    today = timezone.localdate()
    a = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    b = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    coordinator = UserFactory.create(username="koordination")
    alliance = AllianceFactory.create(
        name="Gemeinsame Vergabestelle", members=[a, b], coordinator=coordinator
    )
    head_a = UserFactory.create(username="leitung.a", head_of=a)
    clerk_a = UserFactory.create(username="sachbearbeitung.a", staff_of=a)
    head_b = UserFactory.create(username="leitung.b", head_of=b)
    programme = ProgrammeFactory.create()
    # A's grant period ended five months ago: the proof of use is due in about a month (soon).
    own = granted(
        programme,
        alliance,
        a,
        title="Vergabe digital Landstuhl",
        period_end=add_months(today, -6) + dt.timedelta(days=10),
    )
    # B's proof of use is overdue; A's people must never see it on their start page.
    other_alliance = AllianceFactory.create(
        name="Bauhof Ramstein", members=[b, BodyFactory.create(verbandsgemeinde=True)]
    )
    theirs = granted(
        programme, other_alliance, b, title="Bauhof Ramstein gemeinsam", period_end=add_months(today, -8)
    )
    extra = []
    for i in range(n):
        body = BodyFactory.create(verbandsgemeinde=True, name=f"Weitere {i}")
        RoleAssignmentFactory.create(user=head_a, role=Role.VERWALTUNGSLEITUNG, body=body)
        extra.append(AllianceFactory.create(name=f"Verbund {i}", members=[body, b]))
    return SimpleNamespace(
        a=a,
        b=b,
        alliance=alliance,
        coordinator=coordinator,
        head_a=head_a,
        clerk_a=clerk_a,
        head_b=head_b,
        programme=programme,
        own=own,
        theirs=theirs,
        extra=extra,
        today=today,
    )


def page(client: Client, user: Any) -> str:
    client.force_login(user)
    response = client.get(START)
    assert response.status_code == 200
    return response.content.decode()


def test_proof_due_is_six_months_after_the_grant_period() -> None:
    assert proof_due(dt.date(2026, 8, 31)) == dt.date(2027, 2, 28)
    assert proof_due(dt.date(2025, 12, 31)) == dt.date(2026, 6, 30)
    today = dt.date(2026, 6, 1)
    assert flag_for(dt.date(2026, 5, 31), today) == "overdue"
    assert flag_for(dt.date(2026, 6, 20), today) == "soon"
    assert flag_for(dt.date(2026, 9, 20), today) == ""


def test_login_lands_on_the_start_page(client: Client) -> None:
    body = BodyFactory.create(verbandsgemeinde=True)
    user = UserFactory.create(username="anmeldung", staff_of=body)
    response = client.post(reverse(settings.LOGIN_URL), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == START
    assert "Meine Startseite" in client.get(START).content.decode()


def test_anonymous_visitors_keep_the_public_home_and_are_sent_to_login_from_start(client: Client) -> None:
    response = client.get(START)
    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert "Das Programm in Zahlen" in client.get("/").content.decode()


def test_a_clerk_sees_the_own_body_and_never_another_bodys_proof_of_use(client: Client) -> None:
    w = world_of()
    # B's grant in the alliance A belongs to: A's people read it in the funding pages (members read
    # the alliance's applications), but its proof of use is B's task, not A's.
    shared = granted(
        ProgrammeFactory.create(),
        w.alliance,
        w.b,
        title="Leitstelle von B",
        period_end=add_months(w.today, -7),
    )
    assert Application.objects.visible_to(principal_for(w.clerk_a)).filter(pk=shared.pk).exists()
    html = page(client, w.clerk_a)
    assert "Leitstelle von B" not in html
    assert "Gemeinsame Vergabestelle" in html  # the body's alliance
    assert "Verwendungsnachweis: Vergabe digital Landstuhl" in html
    assert proof_due(w.own.grant.period_end).strftime("%d.%m.%Y") in html  # German date
    assert 'data-flag="soon"' in html
    assert reverse("funding:application_detail", args=[w.own.pk]) in html
    assert "Bauhof Ramstein gemeinsam" not in html  # B's proof of use
    assert "Bauhof Ramstein" not in html  # B's other alliance
    assert "Zu unterschreiben" not in html  # heads only
    assert "vb-dashboard-coordinator" not in html and "vb-dashboard-authority" not in html


def test_a_head_sees_what_to_sign_and_the_overdue_proof_of_their_own_body(client: Client) -> None:
    w = world_of()
    draft = draft_application(
        programme=w.programme, alliance=w.extra[0], applicant=w.b, title="Entwurf von B"
    )
    html = page(client, w.head_b)
    assert "Zu unterschreiben" in html
    assert "Antrag einreichen: Entwurf von B" in html
    assert reverse("funding:application_detail", args=[draft.pk]) in html
    assert "Verwendungsnachweis: Bauhof Ramstein gemeinsam" in html and 'data-flag="overdue"' in html
    assert "Vergabe digital Landstuhl" not in html  # A's proof of use, though B reads the alliance
    # the unconfirmed memberships of B are to confirm
    assert "Mitgliedschaft bestätigen: Gemeinsame Vergabestelle" in html
    Membership.objects.filter(body=w.b).update(confirmed_at=timezone.now())
    assert "Mitgliedschaft bestätigen" not in page(client, w.head_b)


def test_queries_drawdowns_and_settlements_show_for_the_applicant_body_only(client: Client) -> None:
    w = world_of()
    InfoRequest.objects.create(application=w.own, question="Bitte Kostenplan erläutern")
    InfoRequest.objects.create(application=w.theirs, question="Frage an B")
    html = page(client, w.clerk_a)
    assert "Rückfrage beantworten: Vergabe digital Landstuhl" in html
    assert "Rückfrage beantworten: Bauhof Ramstein gemeinsam" not in html
    assert Drawdown.objects.count() == 0
    assert 'data-empty="drawdowns"' in html  # the empty sentence
    assert 'data-empty="settlements"' in html


def test_a_coordinator_sees_the_alliance_state(client: Client) -> None:
    w = world_of()
    html = page(client, w.coordinator)
    assert "Ihre Verbünde (Koordination)" in html
    assert "Gemeinsame Vergabestelle" in html
    assert "Bestätigung fehlt: Landstuhl" in html  # memberships from the factory are unconfirmed
    assert "Nächster Verwendungsnachweis" in html
    assert proof_due(w.own.grant.period_end).strftime("%d.%m.%Y") in html
    assert "Bauhof Ramstein gemeinsam" not in html  # another alliance's application
    assert "Ihre Körperschaft" not in html


def test_the_funding_authority_sees_its_queue(client: Client) -> None:
    w = world_of()
    Application.objects.filter(pk=w.own.pk).update(status=workflow.NACHWEIS)
    submitted = draft_application(
        programme=w.programme, alliance=w.extra[0], applicant=w.b, title="Neuer Antrag"
    )
    Application.objects.filter(pk=submitted.pk).update(
        status=workflow.EINGEREICHT, submitted_at=timezone.now()
    )
    authority = UserFactory.create()
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    html = page(client, authority)
    section = html.split('data-section="review"', 1)[1].split("</section>", 1)[0]
    assert "Neuer Antrag" in section
    checks = html.split('data-section="checks"', 1)[1].split("</section>", 1)[0]
    assert "Vergabe digital Landstuhl" in checks
    assert reverse("funding:queue") in html
    assert "Zu unterschreiben" not in html and "Beratungsstelle" not in html


def test_the_office_sees_its_cases_and_the_programme_link(client: Client) -> None:
    from verbund.advisory.models import Case

    w = world_of()
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    Case.objects.create(
        number="B-2026-0001",
        title="Zweckvereinbarung prüfen",
        alliance=w.alliance,
        next_step="Entwurf lesen",
        next_step_due=w.today - dt.timedelta(days=3),
    )
    html = page(client, office)
    cases = html.split('data-section="cases"', 1)[1].split("</section>", 1)[0]
    assert "B-2026-0001 Zweckvereinbarung prüfen" in cases and 'data-flag="overdue"' in cases
    assert 'data-section="risks"' in html and 'data-section="programme"' in html
    assert reverse("advisory:case_detail", args=[Case.objects.get().pk]) in cases
    glance = html.split('data-section="programme"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Verbünde</dt><dd>" in glance  # figures of the programme summary
    assert "Vergabe digital Landstuhl" not in html  # the office has no body tasks


def test_an_operator_gets_links_only(client: Client) -> None:
    operator = UserFactory.create(operator=True)
    html = page(client, operator)
    assert (
        reverse("web:queue") in html and reverse("accounts:users") in html and reverse("audit:list") in html
    )
    assert "Ihre Körperschaft" not in html


def test_a_person_without_roles_sees_a_helpful_empty_page(client: Client) -> None:
    world_of()
    html = page(client, UserFactory.create())
    assert "Noch keine Aufgaben" in html
    assert "Ihrem Konto ist noch keine Rolle zugeordnet" in html
    assert "Vergabe digital Landstuhl" not in html and "Gemeinsame Vergabestelle" not in html


@pytest.mark.parametrize("n", [1, 6])
def test_the_query_count_does_not_grow_with_bodies_and_alliances(
    client: Client, django_assert_max_num_queries: Any, n: int
) -> None:
    w = world_of(n)
    # The head of A also coordinates every alliance and has a query and drafts everywhere.
    from verbund.alliances.models import AllianceRole

    second = ProgrammeFactory.create()
    for alliance in [w.alliance, *w.extra]:
        AllianceRole.objects.create(user=w.head_a, alliance=alliance, role="koordination")
        draft_application(programme=second, alliance=alliance, applicant=alliance.memberships.first().body)
    client.force_login(w.head_a)
    with django_assert_max_num_queries(30):  # 27 for 2 and for 7 bodies and alliances
        response = client.get(START)
    html = response.content.decode()
    assert html.count('data-section="alliance-') == n + 1
    assert "Verwendungsnachweis: Vergabe digital Landstuhl" in html


def test_the_public_home_links_a_logged_in_person_to_the_start_page(client: Client) -> None:
    assert 'id="vb-home-start"' not in client.get("/").content.decode()
    client.force_login(UserFactory.create())
    assert reverse("web:start") in client.get("/").content.decode()


def test_the_start_pages_have_no_internal_words(client: Client) -> None:
    from verbund.web.tests.test_no_internal_words import _Reader, internal_words

    w = world_of()
    authority, office = UserFactory.create(), UserFactory.create()
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    for user in (w.head_a, w.clerk_a, w.head_b, w.coordinator, authority, office, UserFactory.create()):
        reader = _Reader()
        reader.feed(page(client, user))
        assert internal_words("\n".join(reader.texts)) == [], user.username


def test_security_advisories_show_for_the_body_whose_assets_they_affect_only(client: Client) -> None:
    from verbund.security.services.matching import match_advisory
    from verbund.security.tests.test_matching_service import (
        import_document,
        make_asset,
        security_alliance,
        small_document,
    )

    s = security_alliance(2)
    make_asset(s.bodies[0], version="2.4.0")  # affected; TLP:AMBER by default, owned by the first body
    make_asset(s.bodies[1], version="2.4.1")  # fixed
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    html = page(client, s.clerks[0])
    section = html.split('data-section="security"', 1)[1].split("</section>", 1)[0]
    assert advisory.title in section and "betroffene Komponenten: 1" in section
    assert reverse("security:advisory_detail", args=[advisory.pk]) in section
    other = page(client, s.clerks[1]).split('data-section="security"', 1)[1].split("</section>", 1)[0]
    assert advisory.title not in other and 'data-empty="security"' in other
