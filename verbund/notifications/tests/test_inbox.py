"""The inbox: own notifications only (page and API), unread first, mark read, the header's badge."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from verbund.accounts.models import Role
from verbund.accounts.services import token_issue
from verbund.notifications.models import Notification
from verbund.notifications.services import Audience

from .helpers import publish_now


@pytest.fixture
def three(people, django_capture_on_commit_callbacks):
    """Three notifications for leitung.a, one for leitung.b."""
    for title in ("Erstens", "Zweitens", "Drittens"):
        publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk), title=title)
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_b.pk), title="Geheim für B")
    return Notification.objects.filter(recipient=people.head_a).order_by("pk")


def test_the_inbox_lists_only_ones_own_unread_first(client, people, three):
    first = three[0]
    first.read_at = first.created_at
    first.save()
    client.force_login(people.head_a)
    html = client.get("/benachrichtigungen/").content.decode()
    assert "Geheim für B" not in html
    assert html.index("Drittens") < html.index("Zweitens") < html.index("Erstens")
    assert "2 ungelesene Benachrichtigungen" in html
    assert 'href="/benachrichtigungen/einstellungen/"' in html


def test_another_users_notification_is_not_found(client, people, three):
    other = Notification.objects.get(recipient=people.head_b)
    for user in (people.head_a, people.operator):
        client.force_login(user)
        assert client.get(f"/benachrichtigungen/{other.pk}/").status_code == 404
        assert client.post(f"/benachrichtigungen/{other.pk}/gelesen/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_opening_marks_read_and_leads_to_the_object(client, people, three):
    client.force_login(people.head_a)
    response = client.get(f"/benachrichtigungen/{three[0].pk}/")
    assert response.status_code == 302 and response["Location"] == "/verbuende/cyber/"
    assert Notification.objects.get(pk=three[0].pk).read_at is not None


def test_mark_one_and_mark_all_read(client, people, three):
    client.force_login(people.head_a)
    client.post(f"/benachrichtigungen/{three[1].pk}/gelesen/")
    assert Notification.objects.filter(recipient=people.head_a, read_at__isnull=True).count() == 2
    client.post("/benachrichtigungen/alle-gelesen/")
    assert not Notification.objects.filter(recipient=people.head_a, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=people.head_b).read_at is None


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    response = client.get("/benachrichtigungen/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/anmelden/")


def test_the_header_shows_the_unread_count_in_one_query(client, people, three):
    request = RequestFactory().get("/")
    request.user = people.head_a
    template = Template('{% include "notifications/_header.html" %}')
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"request": request, "user": people.head_a}))
    assert len(queries) == 1 and "COUNT" in queries[0]["sql"].upper()
    assert "3 ungelesen" in html and ">3<" in html and "Benachrichtigungen" in html
    client.force_login(people.head_a)
    assert "3 ungelesen" in client.get("/").content.decode()


def test_the_api_lists_counts_and_marks_only_ones_own(client, people, three):
    token = token_issue(actor=people.head_a, user=people.head_a, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listing = client.get("/api/v1/notifications", **auth).json()
    assert listing["count"] == 3 and {n["title"] for n in listing["items"]} == {
        "Erstens",
        "Zweitens",
        "Drittens",
    }
    assert listing["items"][0]["url"].endswith("/verbuende/cyber/")
    assert client.get("/api/v1/notifications/unread-count", **auth).json() == {"unread": 3}
    other = Notification.objects.get(recipient=people.head_b)
    assert client.post(f"/api/v1/notifications/{other.pk}/read", **auth).status_code == 404
    marked = client.post(f"/api/v1/notifications/{three[0].pk}/read", **auth).json()
    assert marked["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true", **auth).json()["count"] == 2
    assert client.post("/api/v1/notifications/read-all", **auth).json() == {"marked": 2}
    assert client.get("/api/v1/notifications").status_code == 401


def test_webhooks_and_failures_are_the_operators(client, people):
    for user, status in ((people.head_a, 404), (people.coordinator, 404), (people.operator, 200)):
        client.force_login(user)
        assert client.get("/benachrichtigungen/webhooks/").status_code == status
        assert client.get("/benachrichtigungen/fehler/").status_code == status
    assert Role.PLATTFORMBETRIEB  # the operator of the fixture holds it


def test_the_operator_creates_a_webhook_on_the_page(client, people):
    client.force_login(people.operator)
    response = client.post(
        "/benachrichtigungen/webhooks/",
        {
            "name": "Fachverfahren",
            "target_url": "https://fach.example/hook",
            "active": "on",
            "alliance_id": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Fachverfahren" in page and "Noch keine Zustellungen." in page
    refused = client.post("/benachrichtigungen/webhooks/", {"name": "x", "target_url": "kein url"})
    assert refused.status_code == 200 and "gültige Adresse" in refused.content.decode()


def test_preferences_page_saves_the_choices(client, people):
    from verbund.notifications.models import Preference

    client.force_login(people.head_a)
    assert client.get("/benachrichtigungen/einstellungen/").status_code == 200
    response = client.post(
        "/benachrichtigungen/einstellungen/",
        {"global_mode": "taeglich", "type__tests.other_thing": "aus"},
    )
    assert response.status_code == 302
    assert dict(Preference.objects.filter(user=people.head_a).values_list("event_type", "mode")) == {
        "": "taeglich",
        "tests.other_thing": "aus",
    }
