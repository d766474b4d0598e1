"""Fixtures of the notifications tests: bodies, users in each role, an alliance, a test event type."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.actors import SystemActor
from verbund.notifications.services import register_event_type
from verbund.registry.tests.factories import BodyFactory

TEST_EVENT = register_event_type("tests.something_happened", label="Etwas ist geschehen")
OTHER_EVENT = register_event_type("tests.other_thing", label="Etwas anderes")
SYSTEM = SystemActor(name="Test")


@pytest.fixture
def people(db: Any) -> SimpleNamespace:
    vg_a = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    vg_b = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    outsider_body = BodyFactory.create(verbandsgemeinde=True, name="Anderswo")
    authority = UserFactory(username="bewilligung")
    RoleAssignmentFactory(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    coordinator = UserFactory(username="koordination")
    alliance = AllianceFactory(name="Cyber", slug="cyber", members=[vg_a, vg_b], coordinator=coordinator)
    return SimpleNamespace(
        vg_a=vg_a,
        vg_b=vg_b,
        alliance=alliance,
        authority=authority,
        coordinator=coordinator,
        head_a=UserFactory(username="leitung.a", head_of=vg_a),
        clerk_a=UserFactory(username="sachbearbeitung.a", staff_of=vg_a),
        head_b=UserFactory(username="leitung.b", head_of=vg_b),
        outsider=UserFactory(username="leitung.anderswo", head_of=outsider_body),
        operator=UserFactory(username="betrieb", operator=True),
        nobody=UserFactory(username="ohne.rolle"),
    )
