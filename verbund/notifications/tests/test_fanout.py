"""Fan-out: each audience kind reaches exactly its people, never the actor; nothing before commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from verbund.accounts.models import Role
from verbund.alliances.policies import COORDINATOR
from verbund.notifications import delivery
from verbund.notifications.models import Event, Notification
from verbund.notifications.services import Audience, publish

from .conftest import TEST_EVENT
from .helpers import publish_now, recipients


def test_by_platform_role(people, django_capture_on_commit_callbacks):
    event = publish_now(django_capture_on_commit_callbacks, Audience.role(Role.BEWILLIGUNGSBEHOERDE))
    assert recipients(event) == {"bewilligung"}
    assert event.fanned_out_at is not None


def test_by_body_and_role_in_it(people, django_capture_on_commit_callbacks):
    heads = publish_now(
        django_capture_on_commit_callbacks, Audience.body(people.vg_a.pk, Role.VERWALTUNGSLEITUNG)
    )
    everyone = publish_now(django_capture_on_commit_callbacks, Audience.body(people.vg_a.pk))
    assert recipients(heads) == {"leitung.a"}
    assert recipients(everyone) == {"leitung.a", "sachbearbeitung.a"}


def test_by_alliance_coordinators_and_heads_of_members(people, django_capture_on_commit_callbacks):
    event = publish_now(django_capture_on_commit_callbacks, Audience.alliance(people.alliance.pk))
    assert recipients(event) == {"koordination", "leitung.a", "leitung.b"}


def test_by_grant_and_by_user(people, django_capture_on_commit_callbacks):
    granted = publish_now(django_capture_on_commit_callbacks, Audience.grant(COORDINATOR, people.alliance.pk))
    explicit = publish_now(django_capture_on_commit_callbacks, Audience.users(people.nobody.pk))
    assert recipients(granted) == {"koordination"}
    assert recipients(explicit) == {"ohne.rolle"}


def test_never_the_actor_and_never_inactive_accounts(people, django_capture_on_commit_callbacks):
    people.head_b.is_active = False
    people.head_b.save()
    event = publish_now(
        django_capture_on_commit_callbacks, Audience.alliance(people.alliance.pk), actor=people.coordinator
    )
    assert recipients(event) == {"leitung.a"}
    assert event.actor == people.coordinator and event.actor_name == "koordination"


def test_combined_audiences_notify_each_person_once(people, django_capture_on_commit_callbacks):
    audience = (
        Audience.alliance(people.alliance.pk)
        | Audience.body(people.vg_a.pk)
        | Audience.users(people.head_a.pk)
    )
    event = publish_now(django_capture_on_commit_callbacks, audience)
    assert Notification.objects.filter(event=event, recipient=people.head_a).count() == 1
    assert recipients(event) == {"koordination", "leitung.a", "leitung.b", "sachbearbeitung.a"}


def test_nothing_is_published_when_the_transaction_rolls_back(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                publish(
                    TEST_EVENT, actor=people.coordinator, title="x", audience=Audience.users(people.nobody.pk)
                )
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == [] and not Event.objects.exists() and not Notification.objects.exists()


def test_fan_out_waits_for_the_commit_and_runs_once(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = publish(
            TEST_EVENT, actor=people.coordinator, title="x", audience=Audience.users(people.nobody.pk)
        )
    assert not Notification.objects.exists() and len(callbacks) == 1
    callbacks[0]()
    assert delivery.fan_out(event.pk) == 0  # a second delivery of the task does nothing
    assert recipients(event) == {"ohne.rolle"}


def test_unknown_event_types_and_absolute_paths_are_refused(people):
    with pytest.raises(ValueError, match="not registered"):
        publish("tests.unknown", actor=people.coordinator, title="x", audience=Audience())
    with pytest.raises(ValueError, match="site-relative"):
        publish(
            TEST_EVENT, actor=people.coordinator, title="x", path="https://x.example/", audience=Audience()
        )
    with pytest.raises(TypeError):
        publish(TEST_EVENT, actor=None, title="x", audience=Audience())  # type: ignore[arg-type]
