"""Registry imports started on the operator's page and run as a task (eagerly here): the upload is
stored, the task imports it acting as the operator (audited), the page shows state and report; a
malformed file ends as "fehlgeschlagen" with the German reason and changes nothing; only
Plattformbetrieb sees the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.registry.models import Body, RegistryImportJob

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent.parent / "sample" / "gv100ad_rlp_sample.txt"


def _upload(name: str = "GV100AD_sample.txt", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE.read_bytes() if content is None else content, "text/plain")


def test_an_operator_imports_the_registry_through_the_queue(client, django_capture_on_commit_callbacks):
    operator = UserFactory.create(operator=True)
    client.force_login(operator)
    page = client.get("/koerperschaften/import/")
    assert page.status_code == 200 and "Register einlesen" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/koerperschaften/import/", {"gv100ad": _upload(), "state": "07"})
    assert len(callbacks) == 1  # queued after the commit
    job = RegistryImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/koerperschaften/import/{job.pk}/"
    assert job.status == RegistryImportJob.Status.DONE, job.error
    assert job.progress == 100 and job.task_id
    assert job.summary.startswith("GV100AD GV100AD_sample.txt, Gebietsstand")
    assert Body.objects.filter(state="07").count() > 10
    started = AuditEntry.objects.get(action="registry.import_start")
    assert started.actor_id == operator.pk and started.changes["land_filter"] == "07"
    assert AuditEntry.objects.filter(action="registry.import", actor_id=operator.pk).exists()
    detail = client.get(f"/koerperschaften/import/{job.pk}/").content.decode()
    assert "fertig" in detail and "Körperschaften" in detail and "hx-get" not in detail


def test_a_malformed_file_fails_with_a_german_reason_and_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory.create(operator=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/koerperschaften/import/", {"gv100ad": _upload(content=b"kaputt\n" * 3)})
    job = RegistryImportJob.objects.get()
    assert job.status == RegistryImportJob.Status.FAILED
    assert job.error and "GV100AD_sample.txt" in job.error
    assert not Body.objects.exists()
    detail = client.get(f"/koerperschaften/import/{job.pk}/").content.decode()
    assert "Der Import ist fehlgeschlagen; das Register ist unverändert" in detail


def test_a_queued_job_is_polled_until_it_finishes(client):
    client.force_login(UserFactory.create(operator=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("verbund.registry.tasks.import_registry_files.delay", lambda pk: None)
        client.post("/koerperschaften/import/", {"gv100ad": _upload()})
    job = RegistryImportJob.objects.get()
    assert job.status == RegistryImportJob.Status.QUEUED
    fragment = client.get(f"/koerperschaften/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "Wartet auf einen freien Worker" in fragment.content.decode()
    assert "hx-trigger" in fragment.content.decode() and "HX-Refresh" not in fragment


def test_uploads_are_checked_before_anything_is_stored(client):
    client.force_login(UserFactory.create(operator=True))
    response = client.post("/koerperschaften/import/", {"gv100ad": _upload(name="liste.pdf"), "state": "7"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bitte einen zweistelligen Land-Schlüssel angeben" in html
    assert not RegistryImportJob.objects.exists()
    response = client.post("/koerperschaften/import/", {"gv100ad": _upload(name="liste.pdf")})
    assert "hat nicht die erwartete Endung" in response.content.decode()
    assert not RegistryImportJob.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "head", "clerk"])
def test_only_the_operator_sees_the_import_page(client, who):
    if who != "anonymous":
        from verbund.registry.tests.factories import BodyFactory

        body = BodyFactory.create(verbandsgemeinde=True)
        client.force_login(UserFactory.create(**({"head_of": body} if who == "head" else {"staff_of": body})))
    assert client.get("/koerperschaften/import/").status_code == 404
    assert client.post("/koerperschaften/import/", {"gv100ad": _upload()}).status_code == 404
    assert not RegistryImportJob.objects.exists()


def test_an_import_whose_worker_died_ends_failed_with_a_german_reason(client):
    import datetime as dt

    from django.utils import timezone

    from verbund.registry import tasks
    from verbund.registry.jobs import INTERRUPTED_AFTER

    client.force_login(UserFactory.create(operator=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("verbund.registry.tasks.import_registry_files.delay", lambda pk: None)
        client.post("/koerperschaften/import/", {"gv100ad": _upload()})
        client.post("/koerperschaften/import/", {"gv100ad": _upload()})
    silent, alive = RegistryImportJob.objects.order_by("pk")
    now = timezone.now()
    RegistryImportJob.objects.filter(pk=silent.pk).update(
        status=RegistryImportJob.Status.RUNNING,
        heartbeat_at=now - INTERRUPTED_AFTER - dt.timedelta(seconds=1),
    )
    RegistryImportJob.objects.filter(pk=alive.pk).update(
        status=RegistryImportJob.Status.RUNNING, heartbeat_at=now - dt.timedelta(minutes=1)
    )

    assert tasks.fail_interrupted_imports.apply().get() == 1

    silent.refresh_from_db()
    alive.refresh_from_db()
    assert silent.status == RegistryImportJob.Status.FAILED
    assert "Der Import wurde unterbrochen" in silent.error and "15 Minuten" in silent.error
    assert alive.status == RegistryImportJob.Status.RUNNING
    page = client.get(f"/koerperschaften/import/{silent.pk}/").content.decode()
    assert "Der Import wurde unterbrochen" in page
