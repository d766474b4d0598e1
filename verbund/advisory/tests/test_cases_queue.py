"""The office's work queue: open cases by due date (overdue first), cases without a next step,
programme alliances without contact for N months (never contacted ones too), conditions at risk."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from verbund.advisory.models import CaseNote, CaseStatusChange
from verbund.advisory.services import cases as svc
from verbund.advisory.services.conditions import ConditionRisk
from verbund.alliances.models import Status
from verbund.alliances.tests.factories import AllianceFactory

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = case_world()
    today = timezone.localdate()
    w.late = open_sample(w, title="Überfällig", next_step_due=today - dt.timedelta(days=2))
    w.soon = open_sample(w, title="Bald fällig", next_step_due=today + dt.timedelta(days=5))
    w.loose = open_sample(w, title="Ohne Schritt", next_step="", next_step_due=None)
    w.closed = open_sample(w, title="Erledigt", next_step_due=today - dt.timedelta(days=30))
    svc.transition(actor=w.office, case_id=w.closed.pk, action="abschliessen")
    # programme alliances: one in contact now, one whose last contact is old, one never contacted
    w.contacted = AllianceFactory.create(status=Status.UMSETZUNG, name="Im Gespräch")
    w.stale = AllianceFactory.create(status=Status.ANBAHNUNG, name="Lange still")
    w.never = AllianceFactory.create(status=Status.REGELBETRIEB, name="Nie beraten")
    w.idea = AllianceFactory.create(status=Status.IDEE, name="Nur eine Idee")
    recent = open_sample(w, title="Laufend", alliance=w.contacted)
    svc.add_note(actor=w.office, case_id=recent.pk, text="Telefonat")
    old = open_sample(w, title="Alt", alliance=w.stale)
    long_ago = timezone.now() - dt.timedelta(days=300)
    CaseStatusChange.objects.filter(case=old).update(changed_at=long_ago)
    CaseNote.objects.filter(case=old).update(created_at=long_ago)
    return w


def test_the_queue_orders_and_marks(world: SimpleNamespace) -> None:
    queue = svc.work_queue(actor=world.office)
    numbers = [c.number for c in queue.due]
    assert numbers.index(world.late.number) < numbers.index(world.soon.number)
    assert world.closed.number not in numbers
    assert world.loose in queue.without_next_step and world.late not in queue.without_next_step
    quiet = {q.alliance.name: q.last_contact for q in queue.quiet}
    assert "Lange still" in quiet and quiet["Lange still"] is not None
    assert "Nie beraten" in quiet and quiet["Nie beraten"] is None
    assert "Im Gespräch" not in quiet and "Nur eine Idee" not in quiet


def test_the_contact_months_come_from_the_setting(world: SimpleNamespace, settings: Any) -> None:
    settings.ADVISORY_CONTACT_MONTHS = 12
    quiet = {q.alliance.name for q in svc.work_queue(actor=world.office).quiet}
    assert "Lange still" not in quiet and "Nie beraten" in quiet


def test_the_page_renders_risks_and_is_the_office_s(world: SimpleNamespace, monkeypatch: Any) -> None:
    from verbund.advisory.services import conditions

    risk = ConditionRisk(
        alliance_id=world.alliance.pk,
        alliance_name="Westpfalz digital",
        kind="verwendungsnachweis",
        label="Verwendungsnachweis 2025 fällig",
        due=dt.date(2026, 6, 30),
        url="/foerderung/",
    )
    monkeypatch.setattr(conditions, "conditions_at_risk", lambda today=None: [risk])
    client = Client()
    client.force_login(world.office)
    text = client.get("/beratung/arbeitsliste/").content.decode()
    assert text.index(world.late.number) < text.index(world.soon.number)
    assert "überfällig" in text and world.loose.number in text and world.closed.number not in text
    assert "Lange still" in text and "Nie beraten" in text and "noch nie Kontakt" in text
    assert (
        "Verwendungsnachweis 2025 fällig" in text and "30.06.2026" in text and 'href="/foerderung/"' in text
    )
    for outsider in (world.clerk_a, world.funding, world.operator):
        client.force_login(outsider)
        assert client.get("/beratung/arbeitsliste/").status_code == 403
