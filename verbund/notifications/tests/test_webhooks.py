"""Webhooks against a real local HTTP receiver: signed payloads, the delivery log, retries, failure."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden
from verbund.notifications import delivery, services, signing
from verbund.notifications.models import DeliveryStatus, WebhookDelivery
from verbund.notifications.services import Audience

from .conftest import OTHER_EVENT, SYSTEM, TEST_EVENT
from .helpers import publish_now

SECRET = "geheim-und-lang-genug"


class Receiver:
    """An HTTP server on 127.0.0.1 that checks the signature like a real receiver would."""

    def __init__(self, *, fail_first: int = 0, status_when_failing: int = 503) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = signing.verify(
                    SECRET,
                    self.headers[signing.TIMESTAMP_HEADER],
                    body,
                    self.headers[signing.SIGNATURE_HEADER],
                    now=int(time.time()),
                )
                receiver.requests.append({"headers": dict(self.headers), "body": body, "valid": valid})
                failing = len(receiver.requests) <= receiver.fail_first
                status = status_when_failing if failing else (200 if valid else 401)
                answer = b"Wartung" if failing else (b"danke" if valid else b"falsche Signatur")
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _subscribe(people: Any, url: str, **kwargs: Any) -> Any:
    return services.webhook_create(
        actor=people.operator, name="Fachverfahren", target_url=url, secret=SECRET, **kwargs
    )


def test_a_signed_payload_reaches_the_receiver(
    people, receiver, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://verbund.example.de"
    subscription = _subscribe(
        people, receiver.url, event_types=[TEST_EVENT.name], alliance_id=people.alliance.pk
    )
    event = publish_now(
        django_capture_on_commit_callbacks,
        Audience.users(people.nobody.pk),
        alliance_id=people.alliance.pk,
        payload={"application": "IKZ-RLP-0001"},
    )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["valid"] is True
    assert request["headers"][signing.SIGNATURE_HEADER].startswith("sha256=")
    assert request["headers"][signing.EVENT_HEADER] == TEST_EVENT.name
    payload = json.loads(request["body"])
    assert payload["event"]["id"] == event.pk and payload["event"]["type"] == TEST_EVENT.name
    assert payload["event"]["url"] == "https://verbund.example.de/verbuende/cyber/"
    assert payload["event"]["data"] == {"application": "IKZ-RLP-0001"}
    assert payload["event"]["alliance_id"] == people.alliance.pk
    logged = WebhookDelivery.objects.get(subscription=subscription)
    assert (logged.status, logged.status_code, logged.attempts) == (DeliveryStatus.SENT, 200, 1)
    assert logged.response_excerpt == "danke"


def test_confidential_event_types_never_reach_a_webhook(people, receiver, django_capture_on_commit_callbacks):
    confidential = services.register_event_type("testpart.confidential", label="Vertraulich", webhooks=False)
    _subscribe(people, receiver.url)  # every event type, every alliance
    event = publish_now(
        django_capture_on_commit_callbacks, Audience.users(people.nobody.pk), event_type=confidential
    )
    assert event.notifications.count() == 1  # the people it concerns are notified
    assert not receiver.requests and not WebhookDelivery.objects.exists()
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.nobody.pk))
    assert len(receiver.requests) == 1  # an ordinary event still goes out


def test_a_wrong_secret_is_noticed_by_the_receiver(people, receiver, django_capture_on_commit_callbacks):
    services.webhook_create(actor=people.operator, name="Falsch", target_url=receiver.url, secret="anderes")
    publish_now(django_capture_on_commit_callbacks, Audience())
    assert receiver.requests[0]["valid"] is False
    assert WebhookDelivery.objects.get().status_code == 401


def test_only_matching_subscriptions_receive(people, receiver, django_capture_on_commit_callbacks):
    _subscribe(people, receiver.url, event_types=[OTHER_EVENT.name])
    _subscribe(people, receiver.url, alliance_id=people.alliance.pk + 1000)
    _subscribe(people, receiver.url, active=False)
    publish_now(django_capture_on_commit_callbacks, Audience(), alliance_id=people.alliance.pk)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_back_off_then_succeeds(
    people, django_capture_on_commit_callbacks
):
    with Receiver(fail_first=2) as flaky:
        _subscribe(people, flaky.url)
        publish_now(django_capture_on_commit_callbacks, Audience())
        logged = WebhookDelivery.objects.get()
        assert (logged.status, logged.attempts, logged.status_code) == (DeliveryStatus.PENDING, 1, 503)
        assert logged.response_excerpt == "Wartung" and logged.last_error == "HTTP 503"
        later = timezone.now() + dt.timedelta(seconds=61)
        delivery.retry_due(now=later)
        delivery.retry_due(now=later + dt.timedelta(seconds=121))
        logged.refresh_from_db()
        assert (logged.status, logged.attempts, logged.status_code) == (DeliveryStatus.SENT, 3, 200)
        assert len(flaky.requests) == 3 and all(r["valid"] for r in flaky.requests)


def test_an_unreachable_receiver_fails_after_the_last_attempt_and_is_redelivered(
    people, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    with Receiver() as probe:
        url = probe.url  # a port that is closed once the probe stopped
    subscription = _subscribe(people, url)
    publish_now(django_capture_on_commit_callbacks, Audience())
    delivery.retry_due(now=timezone.now() + dt.timedelta(seconds=61))
    logged = WebhookDelivery.objects.get()
    assert (logged.status, logged.attempts) == (DeliveryStatus.FAILED, 2)
    assert "Connection refused" in logged.last_error or "URLError" in logged.last_error

    with Receiver() as back:
        services.webhook_update(actor=people.operator, subscription=subscription, target_url=back.url)
        with pytest.raises(Forbidden):
            services.webhook_redeliver(actor=people.coordinator, delivery=logged)
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_redeliver(actor=people.operator, delivery=logged)
        logged.refresh_from_db()
        assert logged.status == DeliveryStatus.SENT and back.requests[0]["valid"]
    assert AuditEntry.objects.filter(action="webhook.redeliver", actor=people.operator).exists()


def test_subscriptions_are_the_operators_and_audited(people):
    with pytest.raises(Forbidden):
        services.webhook_create(actor=people.coordinator, name="x", target_url="https://x.example/")
    with pytest.raises(Forbidden):
        services.webhook_create(actor=SYSTEM, name="x", target_url="https://x.example/")
    subscription = services.webhook_create(
        actor=people.operator, name="Fachverfahren", target_url="https://x.example/"
    )
    assert len(subscription.secret) >= 32  # generated
    services.webhook_update(
        actor=people.operator, subscription=subscription, name="Fachverfahren B", secret="neu"
    )
    services.webhook_delete(actor=people.operator, subscription=subscription)
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "changes"))
    assert [a for a, _ in entries] == ["webhook.create", "webhook.update", "webhook.delete"]
    assert entries[1][1]["name"] == ["Fachverfahren", "Fachverfahren B"] and entries[1][1]["secret_changed"]
    assert all(
        SECRET not in json.dumps(c) and "neu" not in json.dumps(c.get("secret", "")) for _, c in entries
    )


def test_bad_subscriptions_are_refused_with_a_german_reason(people):
    from django.core.exceptions import ValidationError

    from verbund.common.errors import Invalid

    with pytest.raises(Invalid, match="Unbekannte Ereignisart"):
        services.webhook_create(
            actor=people.operator, name="x", target_url="https://x.example/", event_types=["a.b"]
        )
    with pytest.raises(ValidationError):
        services.webhook_create(actor=people.operator, name="x", target_url="kein-url")


def test_the_documented_verification_works_without_verbund():
    body = b'{"event": {"type": "funding.grant_issued"}}'
    header = signing.signature("s3cret", 1_700_000_000, body)
    assert signing.verify("s3cret", "1700000000", body, header, now=1_700_000_100)
    assert not signing.verify("s3cret", "1700000000", body + b" ", header, now=1_700_000_100)
    assert not signing.verify("s3cret", "1700000000", body, header, now=1_700_001_000)  # too old: a replay
