"""Large audit exports run as jobs on the queue (issue 10, item 1): above the threshold the export
page becomes a job whose (eager) task writes the same rows as the direct answer; only the requester
sees the job and downloads its file; a coordinator's file holds only their alliance; a failure ends
with a German reason; old exports are deleted with their files; small exports stay direct."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit import views
from verbund.audit.exports import audit_export_cleanup
from verbund.audit.models import AuditEntry, AuditExport
from verbund.audit.services import audit_record
from verbund.common.actors import SystemActor
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
EXPORT = "/protokoll/export.csv"
SYSTEM = SystemActor(name="Registerimport", capabilities=frozenset())


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Two alliances with six changes each (one of them a would-be formula), a coordinator of the
    first, an operator."""
    coordinator = UserFactory.create(username="koordination.eins")
    first = AllianceFactory.create(
        name="Erster Verbund", members=[BodyFactory.create(verbandsgemeinde=True)], coordinator=coordinator
    )
    second = AllianceFactory.create(
        name="Zweiter Verbund", members=[BodyFactory.create(verbandsgemeinde=True)]
    )
    for alliance in (first, second):
        for i in range(6):
            audit_record(
                actor=SYSTEM, action="alliance.update", target=alliance, changes={"name": [f"=alt{i}", "neu"]}
            )
    return {
        "coordinator": coordinator,
        "operator": UserFactory.create(username="betrieb", operator=True),
        "first": first,
        "second": second,
    }


@pytest.fixture
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "AUDIT_EXPORT_DIRECT_MAX", 3)


def _rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _download(client: Client, job: AuditExport) -> bytes:
    response = client.get(f"/protokoll/exporte/{job.pk}/datei.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _request(client: Client, query: str, capture: Any) -> AuditExport:
    with capture(execute=True):
        response = client.get(EXPORT + query)
    assert response.status_code == 302
    job = AuditExport.objects.get()
    assert response["Location"] == f"/protokoll/exporte/{job.pk}/"
    return job


def test_a_large_export_becomes_a_job_with_the_direct_rows(
    client: Client, world: dict[str, Any], low_threshold: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["operator"])
    query = "?action=alliance.update"
    job = _request(client, query, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == AuditExport.Status.DONE and job.row_count == 12 and job.error == ""
    assert job.file.name.startswith("exports/protokoll-")
    page = client.get(job.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "Der Export ist fertig: 12 Einträge." in html
    assert f"/protokoll/exporte/{job.pk}/datei.csv" in html and "<script" not in html.split("<main")[-1]
    job_rows = _rows(_download(client, job))
    with mock.patch.object(views, "AUDIT_EXPORT_DIRECT_MAX", 5000):
        direct = client.get(EXPORT + query)
    assert direct.status_code == 200 and direct["Content-Type"] == "text/csv; charset=utf-8"
    assert _rows(direct.content) == job_rows
    assert len(job_rows) == 13 and job_rows[0][0] == "Zeitpunkt"
    assert all(row[4].startswith("'=") or row[4].startswith("Name") for row in job_rows[1:])
    # Requesting an export is recorded (with the filter), polling and downloading are not.
    recorded = AuditEntry.objects.filter(action="audit.export").order_by("id")
    assert [e.changes for e in recorded] == [
        {"query": "action=alliance.update", "row_count": 12},
        {"query": "action=alliance.update", "row_count": 12},
    ]
    assert recorded[0].object_id == str(job.pk)


def test_the_page_polls_while_the_job_waits(
    client: Client, world: dict[str, Any], low_threshold: None
) -> None:
    client.force_login(world["operator"])
    response = client.get(EXPORT)  # no commit here, so the job stays queued
    job = AuditExport.objects.get()
    assert response.status_code == 302 and job.status == AuditExport.Status.QUEUED
    html = client.get(job.get_absolute_url()).content.decode()
    assert f'hx-get="/protokoll/exporte/{job.pk}/"' in html and "Wartet auf einen freien Worker" in html
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "HX-Refresh" not in partial
    assert client.get(f"/protokoll/exporte/{job.pk}/datei.csv").status_code == 404


def test_only_the_requester_sees_the_job_and_its_file(
    client: Client, world: dict[str, Any], low_threshold: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["operator"])
    job = _request(client, "", django_capture_on_commit_callbacks)
    other_operator = UserFactory.create(username="betrieb.zwei", operator=True)
    for user in (other_operator, world["coordinator"], UserFactory.create()):
        client.force_login(user)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(f"/protokoll/exporte/{job.pk}/datei.csv").status_code == 404
    client.logout()
    assert client.get(f"/protokoll/exporte/{job.pk}/datei.csv").status_code in (302, 404)
    client.force_login(world["operator"])
    assert client.get(f"/protokoll/exporte/{job.pk}/datei.csv").status_code == 200


def test_a_coordinators_export_holds_only_their_alliance(
    client: Client, world: dict[str, Any], low_threshold: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["coordinator"])
    # a scope filter for another alliance never widens the export
    job = _request(client, f"?verbund={world['second'].pk}", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == AuditExport.Status.DONE and job.row_count == 6
    body = _download(client, job).decode("utf-8")
    assert body.count("Erster Verbund") >= 6 and "Zweiter Verbund" not in body


def test_a_failure_ends_with_a_german_reason(
    client: Client, world: dict[str, Any], low_threshold: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["operator"])
    with mock.patch("verbund.audit.exports.write_csv", side_effect=OSError("disk full")):
        job = _request(client, "", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == AuditExport.Status.FAILED and not job.file and job.finished_at
    assert job.error == "Interner Fehler (OSError); Einzelheiten stehen im Server-Protokoll."
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Der Export ist fehlgeschlagen:" in html and "Interner Fehler (OSError)" in html
    assert client.get(f"/protokoll/exporte/{job.pk}/datei.csv").status_code == 404


def test_a_requester_who_lost_the_right_gets_nothing(
    client: Client, world: dict[str, Any], low_threshold: None, django_capture_on_commit_callbacks: Any
) -> None:
    operator = world["operator"]
    client.force_login(operator)
    client.get(EXPORT)  # queued, not yet run
    job = AuditExport.objects.get()
    type(operator).objects.filter(pk=operator.pk).update(is_active=False)
    from verbund.audit.tasks import run_audit_export

    assert run_audit_export.delay(job.pk).get() == "failed"
    job.refresh_from_db()
    assert job.error.startswith("Sie dürfen das Protokoll nicht mehr lesen") and not job.file


def test_cleanup_deletes_old_exports_and_their_files(world: dict[str, Any]) -> None:
    now = timezone.now()
    old = AuditExport.objects.create(requested_by=world["operator"], status=AuditExport.Status.DONE)
    old.file.save("protokoll-alt.csv", ContentFile(b"\xef\xbb\xbfalt"))
    fresh = AuditExport.objects.create(requested_by=world["operator"], status=AuditExport.Status.DONE)
    fresh.file.save("protokoll-neu.csv", ContentFile(b"\xef\xbb\xbfneu"))
    stuck = AuditExport.objects.create(
        requested_by=world["operator"],
        status=AuditExport.Status.RUNNING,
        started_at=now - dt.timedelta(hours=2),
    )
    AuditExport.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=8))
    old_name = old.file.name
    assert default_storage.exists(old_name)
    from verbund.audit.tasks import delete_old_exports

    assert delete_old_exports.delay().get() == 1
    assert not AuditExport.objects.filter(pk=old.pk).exists() and not default_storage.exists(old_name)
    assert AuditExport.objects.filter(pk=fresh.pk).exists() and default_storage.exists(fresh.file.name)
    stuck.refresh_from_db()
    assert stuck.status == AuditExport.Status.FAILED
    assert stuck.error.startswith("Der Export wurde abgebrochen")
    assert audit_export_cleanup() == 0


def test_the_cleanup_is_on_the_beat_schedule() -> None:
    from celery import current_app

    assert current_app.conf.beat_schedule["audit.delete_old_exports"]["task"] == "audit.delete_old_exports"


def test_a_small_export_is_still_answered_directly(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["coordinator"])
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="protokoll-' in response["Content-Disposition"]
    rows = _rows(response.content)
    assert len(rows) == 7 and all("Erster Verbund" in row[6] for row in rows[1:])
    assert not AuditExport.objects.exists()
