"""The operator's queue page: waiting messages per queue (filesystem broker: files in the queue
folder), running, retried and failed tasks with German labels; operators only, linked in their
navigation only."""

from __future__ import annotations

import pytest
from django_celery_results.models import TaskResult

from config.celery import app
from verbund.accounts.tests.factories import UserFactory
from verbund.web import queue

pytestmark = pytest.mark.django_db


def test_the_operator_sees_running_retried_and_failed_tasks(client):
    TaskResult.objects.create(
        task_id="a1", task_name="planning.run_scenario", status="STARTED", task_args="(7,)"
    )
    TaskResult.objects.create(
        task_id="b2", task_name="planning.run_scenario", status="RETRY", task_args="(8,)"
    )
    TaskResult.objects.create(
        task_id="c3",
        task_name="registry.import_files",
        status="FAILURE",
        traceback="Traceback …\nValueError: kaputt",
    )
    TaskResult.objects.create(task_id="d4", task_name="other.thing", status="SUCCESS")
    client.force_login(UserFactory.create(operator=True))
    response = client.get("/betrieb/warteschlange/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Wartend", "Läuft", "Wird wiederholt", "Fehlgeschlagen (letzte 7 Tage)", "Zuletzt erledigt"):
        assert text in html
    assert "Planungslauf" in html and "läuft" in html and "wird wiederholt" in html
    assert "Registerimport" in html and "ValueError: kaputt" in html
    assert "other.thing" in html  # a task without a German label is shown by its name
    assert 'href="/betrieb/warteschlange/"' in html  # in the navigation
    assert 'href="/koerperschaften/import/"' in html


@pytest.mark.parametrize("who", ["anonymous", "head"])
def test_others_neither_see_the_page_nor_the_link(client, who):
    if who == "head":
        from verbund.registry.tests.factories import BodyFactory

        client.force_login(UserFactory.create(head_of=BodyFactory.create(verbandsgemeinde=True)))
    assert client.get("/betrieb/warteschlange/").status_code == 404
    assert "/betrieb/warteschlange/" not in client.get("/").content.decode()


def test_waiting_messages_of_the_filesystem_broker_are_counted(tmp_path, monkeypatch):
    folder = tmp_path / "queue"
    folder.mkdir()
    for name in ("1_a.celery.msg", "2_b.celery.msg", "3_c.andere.msg", "notiz.txt"):
        (folder / name).write_text("{}")
    monkeypatch.setattr(app.conf, "broker_url", "filesystem://")
    monkeypatch.setitem(app.conf, "broker_transport_options", {"data_folder_in": str(folder)})
    waiting = queue.waiting()
    assert waiting.queues == {"celery": 2} and waiting.total == 2 and not waiting.problem
    assert waiting.transport.startswith("Dateisystem")
    monkeypatch.setitem(app.conf, "broker_transport_options", {"data_folder_in": str(tmp_path / "fehlt")})
    assert queue.waiting().problem == "Der Ordner der Warteschlange fehlt."


def test_an_unreachable_broker_is_named_not_fatal(monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    waiting = queue.waiting()
    assert waiting.transport == "Redis" and waiting.problem.startswith("Der Broker ist nicht erreichbar")
