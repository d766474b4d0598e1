"""The API of events and the staff log: members list, read, append and correct; non-members get 404;
there is no update or delete (PUT, PATCH and DELETE answer 405); opening and closing by leaders."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from verbund.emergency.models import Alert, LogEntry

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency/events"


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff)
    return w


def _post(client: Client, url: str, payload: Any = None) -> Any:
    return client.post(url, payload or {}, content_type="application/json")


def test_members_append_read_and_correct(client: Client, world: Any) -> None:
    client.force_login(world.s2)
    url = f"{API}/{world.event.pk}/log"
    response = _post(client, url, {"text": "Lage ruhig", "category": "lage", "function": "S2"})
    assert response.status_code == 201, response.content
    assert response.json()["seq"] == 1 and response.json()["author"] == "Sina Lage"
    response = _post(client, f"{url}/1/corrections", {"text": "Lage angespannt"})
    assert response.status_code == 201 and response.json()["corrects"] == 1
    listed = client.get(url, {"limit": 1}).json()
    assert listed["count"] == 2 and listed["items"][0]["corrected_by"] == [2]
    assert client.get(f"{url}/2").json()["category"] == "berichtigung"
    assert _post(client, f"{url}/9/corrections", {"text": "x"}).status_code == 404
    assert _post(client, url, {"text": "x", "function": "S3"}).status_code == 422


def test_non_members_get_not_found(client: Client, world: Any) -> None:
    LogEntry.objects.count()
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        client.force_login(person)
        url = f"{API}/{world.event.pk}"
        assert client.get(url).status_code == 404
        assert client.get(f"{url}/log").status_code == 404
        assert _post(client, f"{url}/log", {"text": "x"}).status_code == 404
        assert client.get(API).json()["count"] == 0
    assert not LogEntry.objects.exists()


def test_the_log_has_no_update_or_delete(client: Client, world: Any) -> None:
    client.force_login(world.s2)
    _post(client, f"{API}/{world.event.pk}/log", {"text": "Lage ruhig"})
    for url in (f"{API}/{world.event.pk}/log", f"{API}/{world.event.pk}/log/1"):
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(url, {"text": "geändert"}, content_type="application/json")
            assert response.status_code == 405, (method, url)
    assert LogEntry.objects.get().text == "Lage ruhig"


def test_open_list_and_close(client: Client, world: Any, django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(world.s2)
    assert _post(client, API, {"staff": world.staff.pk, "title": "Hochwasser"}).status_code == 403
    client.force_login(world.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, API, {"staff": world.staff.pk, "title": "Hochwasser", "level": 3})
    assert response.status_code == 201, response.content
    opened = response.json()
    assert opened["level"] == 3 and len(opened["alerts"]) == 3
    assert Alert.objects.filter(event_id=opened["id"]).count() == 3
    assert client.get(API).json()["count"] == 2
    client.force_login(world.s2)
    assert _post(client, f"{API}/{opened['id']}/close").status_code == 403
    client.force_login(world.lead)
    response = _post(client, f"{API}/{opened['id']}/close")
    assert response.status_code == 200 and response.json()["status"] == "beendet"
    assert _post(client, f"{API}/{opened['id']}/close").status_code == 409
    client.force_login(world.outsider)
    assert _post(client, f"{API}/{opened['id']}/close").status_code == 404
