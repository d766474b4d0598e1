"""E-mail: the outbox, absolute links, preferences (at once, digest, off), retries with back-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.notifications import delivery, services
from verbund.notifications.models import DeliveryStatus, MailState, Mode, Notification, OutboxMail
from verbund.notifications.services import Audience

from .conftest import OTHER_EVENT, TEST_EVENT
from .helpers import publish_now

FAILING = "verbund.notifications.tests.test_mail.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP-Server nicht erreichbar")


def test_an_immediate_mail_per_recipient_with_absolute_links(
    people, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://verbund.example.de"
    publish_now(
        django_capture_on_commit_callbacks,
        Audience.alliance(people.alliance.pk),
        title="IKZ-RLP-0001 – Cyber",
        text="Die Bewilligungsbehörde prüft Ihren Antrag.",
        path="/foerderung/antraege/10/",
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "koordination@example.org",
        "leitung.a@example.org",
        "leitung.b@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "[Verbund] Etwas ist geschehen: IKZ-RLP-0001 – Cyber"
    assert "https://verbund.example.de/foerderung/antraege/10/" in message.body
    assert "https://verbund.example.de/benachrichtigungen/einstellungen/" in message.body
    assert "Die Bewilligungsbehörde prüft Ihren Antrag." in message.body
    assert set(OutboxMail.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Notification.objects.values_list("mail_state", flat=True)) == {MailState.QUEUED}


def test_off_means_inbox_only(people, django_capture_on_commit_callbacks):
    services.preferences_set(actor=people.head_a, modes={"": Mode.OFF})
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk))
    assert mail.outbox == [] and not OutboxMail.objects.exists()
    assert Notification.objects.get(recipient=people.head_a).mail_state == MailState.NONE


def test_a_choice_per_event_type_beats_the_global_one(people, django_capture_on_commit_callbacks):
    services.preferences_set(actor=people.head_a, modes={"": Mode.OFF, OTHER_EVENT.name: Mode.IMMEDIATE})
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk), title="leise")
    publish_now(
        django_capture_on_commit_callbacks,
        Audience.users(people.head_a.pk),
        title="laut",
        event_type=OTHER_EVENT,
    )
    assert [m.subject for m in mail.outbox] == ["[Verbund] Etwas anderes: laut"]
    assert AuditEntry.objects.filter(action="notification_preferences.set").count() == 1


def test_preferences_refuse_unknown_values(people):
    with pytest.raises(Invalid, match="Unbekannte Einstellung"):
        services.preferences_set(actor=people.head_a, modes={"": "manchmal"})
    with pytest.raises(Invalid, match="Unbekannte Ereignisart"):
        services.preferences_set(actor=people.head_a, modes={"tests.nope": Mode.OFF})


def test_the_daily_digest_collects_and_sends_one_mail(people, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://verbund.example.de"
    services.preferences_set(actor=people.head_a, modes={TEST_EVENT.name: Mode.DIGEST})
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk), title="Erstens")
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk), title="Zweitens")
    assert mail.outbox == []
    assert Notification.objects.filter(mail_state=MailState.DIGEST).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.send_digests() == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["leitung.a@example.org"] and "2 neue" in digest.subject
    assert digest.body.index("Erstens") < digest.body.index("Zweitens")
    assert "https://verbund.example.de/verbuende/cyber/" in digest.body
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.send_digests() == 0  # nothing is sent twice


def test_a_failing_mail_server_is_retried_with_back_off_then_fails(
    people, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = FAILING
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_SECONDS = 60
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk))
    row = OutboxMail.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "SMTP-Server nicht erreichbar" in row.last_error
    assert row.next_attempt_at is not None
    first_wait = row.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < first_wait <= dt.timedelta(seconds=60)

    # not due yet: the sweep leaves it alone
    assert delivery.retry_due() == (0, 0)
    # the second attempt after 60 s, the third after another 120 s
    later = timezone.now() + dt.timedelta(seconds=61)
    assert delivery.retry_due(now=later) == (1, 0)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at is not None
    assert row.next_attempt_at - later >= dt.timedelta(seconds=119)
    delivery.retry_due(now=later + dt.timedelta(seconds=121))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert delivery.retry_due(now=later + dt.timedelta(days=1)) == (0, 0)
    assert mail.outbox == []

    # the operator sends it again, once the server is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(Forbidden):
        services.outbox_redeliver(actor=people.head_a, mail=row)
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_redeliver(actor=people.operator, mail=row)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and len(mail.outbox) == 1
    entry = AuditEntry.objects.get(action="outbox_mail.redeliver")
    assert entry.actor == people.operator and "SMTP-Server" in entry.changes["previous_error"]
    with pytest.raises(Conflict):
        services.outbox_redeliver(actor=people.operator, mail=row)


def test_users_without_address_get_the_inbox_only(people, django_capture_on_commit_callbacks):
    people.nobody.email = ""
    people.nobody.save()
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.nobody.pk))
    assert Notification.objects.filter(recipient=people.nobody).exists() and not OutboxMail.objects.exists()


def test_the_mail_frame_follows_the_recipients_language(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(delivery, "language_of", lambda user: "en")
    publish_now(django_capture_on_commit_callbacks, Audience.users(people.head_a.pk))
    message = mail.outbox[0]
    assert message.body.startswith("Hello ") and "Open: http" in message.body
    assert "Guten Tag" not in message.body
    monkeypatch.undo()
    assert delivery.language_of(people.head_a) == "de"


def test_the_publishers_sentence_is_translated_and_its_values_are_not(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import translation

    # a fixed sentence of funding (marked with gettext_noop, English in funding's events.po)
    # with a value a person wrote, which no catalogue may touch
    event = publish_now(
        django_capture_on_commit_callbacks,
        Audience.users(people.head_a.pk),
        text="Der Antrag wurde zurückgezogen. Begründung: %(reason)s",
        text_params={"reason": "Der Antrag wurde zurückgezogen."},
    )
    with translation.override("en"):
        assert event.display_text == (
            "The application has been withdrawn. Reason: Der Antrag wurde zurückgezogen."
        )
    with translation.override("de"):
        assert event.display_text == (
            "Der Antrag wurde zurückgezogen. Begründung: Der Antrag wurde zurückgezogen."
        )
    german_mail = mail.outbox[-1].body
    assert "Begründung: Der Antrag wurde zurückgezogen." in german_mail

    monkeypatch.setattr(delivery, "language_of", lambda user: "en")
    subject, body = delivery.render_event_mail(event, people.head_a)
    assert "The application has been withdrawn. Reason: Der Antrag wurde zurückgezogen." in body
    assert subject.startswith("[Verbund] ")
