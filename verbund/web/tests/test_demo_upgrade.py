"""Upgrading a database that ran ``load_demo`` before the DemoLoad record existed: the parts whose
demo data is there count as loaded, so the next ``make run`` re-creates nothing a user deleted."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from verbund.audit.models import AuditEntry
from verbund.web.models import DemoLoad

migration = importlib.import_module("verbund.web.migrations.0002_record_demo_parts_loaded_before")

pytestmark = pytest.mark.django_db


def _old_demo_entry(object_type: str) -> None:
    AuditEntry.objects.create(actor_label="load_demo", action="alliance.create", object_type=object_type)


def test_parts_with_old_demo_entries_are_recorded_and_others_not() -> None:
    _old_demo_entry("alliances.alliance")
    _old_demo_entry("accounts.user")
    AuditEntry.objects.create(
        actor_label="koordination.cyber", action="x.y", object_type="funding.application"
    )

    migration.record_loaded_parts(apps, None)

    assert set(DemoLoad.objects.values_list("part", flat=True)) == {"accounts", "alliances"}


def test_a_database_without_old_demo_data_records_nothing() -> None:
    migration.record_loaded_parts(apps, None)
    assert not DemoLoad.objects.exists()


def test_parts_recorded_already_stay_as_they_are() -> None:
    DemoLoad.objects.create(part="alliances", logins=[["koordination.cyber", "Koordination"]])
    _old_demo_entry("alliances.membership")
    migration.record_loaded_parts(apps, None)
    assert DemoLoad.objects.get(part="alliances").logins == [["koordination.cyber", "Koordination"]]
