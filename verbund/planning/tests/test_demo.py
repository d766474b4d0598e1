"""The demo plans: created and run once (a second load changes nothing), skipped without a registry."""

from __future__ import annotations

from io import StringIO

import pytest

from verbund.planning.demo import DEMO_PLANS, load_demo_planning
from verbund.planning.models import RunStatus, Scenario

pytestmark = pytest.mark.django_db


def test_demo_plans_are_loaded_once(pw):
    out = StringIO()
    created = load_demo_planning(stdout=out)
    assert [s.name for s in created] == [name for name, _slug, _options in DEMO_PLANS]
    assert all(s.status == RunStatus.DONE for s in created)
    assert "fertig" in out.getvalue()
    assert load_demo_planning() == []
    assert Scenario.objects.count() == len(DEMO_PLANS)


def test_demo_plans_need_the_registry(db):
    out = StringIO()
    assert load_demo_planning(stdout=out) == []
    assert "übersprungen" in out.getvalue()
