"""``manage.py plan``: prints the summary of a plan (nothing written), stores it with ``--save``, solves
exactly with ``--exact``, keeps shared services with ``--keep-alliances`` and names unknown tasks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.planning.models import RunStatus, Scenario
from verbund.shared_services.tests.factories import SharedServiceFactory

pytestmark = pytest.mark.django_db


def plan(*args: str) -> str:
    out = StringIO()
    call_command("plan", *args, "--quiet", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_plan_prints_the_summary_without_writing(pw):
    text = plan("--task", "standesamt", "--state", "07", "--max-members", "3", "--contiguous")
    assert "Standesamt, Land 07: Plan (nicht gespeichert)" in text
    assert "Grenzen: höchstens 3 Mitglieder, zusammenhängend" in text
    assert "Körperschaften: 6; in " in text
    assert "Einsparung: " in text and " EUR im Jahr" in text
    assert "Kostenmodell (Standard): F=120000.00 EUR" in text
    assert not Scenario.objects.exists()


def test_plan_exact_says_whether_it_is_proven(pw):
    text = plan("--task", "standesamt", "--max-members", "3", "--contiguous", "--exact")
    assert "Verfahren: exakt (HiGHS)" in text
    assert "Optimum: bewiesen" in text


def test_plan_save_stores_a_scenario(pw):
    text = plan(
        "--task", "standesamt", "--max-members", "2", "--within-kreis", "--save", "--name", "Kommandozeile"
    )
    scenario = Scenario.objects.get()
    assert scenario.status == RunStatus.DONE and scenario.name == "Kommandozeile"
    assert f"Szenario {scenario.pk} gespeichert" in text
    assert scenario.parameters["constraints"]["within_kreis"] is True
    assert AuditEntry.objects.get(action="scenario.create").actor_label == "Planung (Kommandozeile)"


def test_plan_keeps_shared_services(pw):
    alliance = AllianceFactory.create(members=[pw.a, pw.e])
    SharedServiceFactory.create(alliance=alliance, task=pw.task, provider=pw.a, recipients=[pw.e])
    text = plan("--task", "standesamt", "--max-members", "3", "--contiguous", "--keep-alliances")
    assert "bestehende Verbünde fest" in text


def test_plan_refuses_unknown_tasks_and_empty_regions(pw):
    with pytest.raises(CommandError, match="Unbekannte Aufgabe"):
        plan("--task", "zauberei")
    with pytest.raises(CommandError, match="keine Körperschaft"):
        plan("--task", "standesamt", "--state", "09")
