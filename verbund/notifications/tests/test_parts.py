"""Events of all four parts reach the inbox and the mail outbox (one test per part), through the
parts' own services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.utils import timezone

from verbund.funding import services as funding
from verbund.funding.tests.conftest import alliance, programme, world  # noqa: F401  (fixtures)
from verbund.funding.tests.factories import draft_application, fill_draft
from verbund.notifications.models import DeliveryStatus, Event, Notification, OutboxMail
from verbund.shared_services import services as shared_services
from verbund.shared_services.tests.conftest import service, ss  # noqa: F401  (fixtures)


def _inbox(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("event__event_type", flat=True))


def _mailed(user: Any) -> list[str]:
    return list(
        OutboxMail.objects.filter(recipient=user, status=DeliveryStatus.SENT).values_list(
            "subject", flat=True
        )
    )


def test_funding_events_reach_the_authority_and_the_applicant_side(
    world,  # noqa: F811
    alliance,  # noqa: F811
    programme,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    draft = fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))
    with django_capture_on_commit_callbacks(execute=True):
        funding.application_submit(actor=world.head_a, application=draft)
        funding.application_review(actor=world.authority, application=draft)
        funding.application_request_info(
            actor=world.authority, application=draft, question="Bitte erläutern."
        )
    assert _inbox(world.authority) == ["funding.application_submitted"]
    assert any("Förderantrag eingereicht: IKZ-RLP-0001" in s for s in _mailed(world.authority))
    assert set(_inbox(world.clerk_a)) == {"funding.review_started", "funding.query_asked"}
    assert "funding.query_asked" in _inbox(world.coordinator)
    assert "funding.query_asked" not in _inbox(world.authority)  # the actor is not told what they did
    assert _inbox(world.head_outsider) == [] and _inbox(world.head_b) == []
    assert any("Rückfrage der Bewilligungsbehörde" in m.subject for m in mail.outbox)


def test_alliance_events_reach_coordinators_and_heads(db, django_capture_on_commit_callbacks):
    from verbund.accounts.tests.factories import UserFactory
    from verbund.alliances import services as alliances
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.tests.factories import BodyFactory

    vg_a, vg_b = (BodyFactory.create(verbandsgemeinde=True) for _ in range(2))
    coordinator: Any = UserFactory(username="koordination")
    head_a, head_b = UserFactory(head_of=vg_a), UserFactory(head_of=vg_b)
    cyber: Any = AllianceFactory(members=[vg_a], coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        alliances.member_add(actor=coordinator, alliance=cyber, body=vg_b, joined_on=dt.date(2025, 1, 1))
    assert _inbox(head_a) == _inbox(head_b) == ["alliances.member_added"]
    assert _inbox(coordinator) == []  # the actor
    assert _mailed(head_b) and Event.objects.get().title == cyber.name


def test_shared_services_settlement_and_invoices(ss, service, django_capture_on_commit_callbacks):  # noqa: F811
    settlement = shared_services.settlement_compute(
        actor=ss.clerk_a, service=service, year=2025, kind="final"
    )
    with django_capture_on_commit_callbacks(execute=True):
        shared_services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)
    types = {e.event_type for e in Event.objects.all()}
    assert types == {"shared_services.settlement_finalized", "shared_services.invoice_issued"}
    invoices = Event.objects.filter(event_type="shared_services.invoice_issued")
    assert invoices.count() == settlement.lines.count()
    assert "shared_services.settlement_finalized" in _inbox(ss.clerk_a)
    assert any("Rechnung gestellt" in s for s in _mailed(ss.clerk_a))
    assert all(e.path for e in invoices)


def test_planning_run_failure_reaches_its_author(db, django_capture_on_commit_callbacks, settings):
    from verbund.accounts.tests.factories import UserFactory
    from verbund.planning.models import RunStatus, Scenario, SolverKind
    from verbund.planning.services import RUN_ACTOR, scenario_fail_interrupted
    from verbund.shared_services.models import Task
    from verbund.shared_services.tests.factories import ensure_seed_data

    ensure_seed_data()
    author: Any = UserFactory(username="planung")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    scenario = Scenario.objects.create(
        name="Kfz-Zulassung RLP",
        task=Task.objects.first(),  # type: ignore[misc]
        state="07",
        solver=SolverKind.choices[0][0],
        status=RunStatus.RUNNING,
        created_by=author,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert scenario_fail_interrupted(actor=RUN_ACTOR) == [scenario.pk]
    assert _inbox(author) == ["planning.run_failed"]
    event = Event.objects.get()
    assert event.title == "Kfz-Zulassung RLP" and "unterbrochen" in event.text
    assert any("Planungslauf fehlgeschlagen" in s for s in _mailed(author))
