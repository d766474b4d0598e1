"""Match alerts under TLP (issue 12, probe finding 4): an alert about a TLP:RED asset reaches only who
sees the asset, and the count in each alert counts only the assets its recipients see."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.accounts.tests.factories import UserFactory
from verbund.notifications.models import Event
from verbund.security import events
from verbund.security.models import Asset
from verbund.security.services.matching import MATCH_ACTOR
from verbund.security.tests.test_probe_leaks import _match, _public_advisory
from verbund.security.tests.test_tlp_leaks import build_world, sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = build_world()
    w.red_asset = Asset.objects.create(
        name="Rot", vendor="V", version="1", **sharing(w, "red", "organisation", False)
    )
    w.red_asset.recipients.set([w.b2_clerk])
    w.strict_asset = Asset.objects.create(
        name="Streng", vendor="V", version="1", **sharing(w, "amber+strict", "organisation", False)
    )
    w.public = _public_advisory()
    return w


def _alerts(advisory_id: int) -> dict[int, int]:
    """recipient -> the count their alert names (each recipient in at most one alert)."""
    counts: dict[int, int] = {}
    for event in Event.objects.filter(event_type="security.match_alert", payload__advisory=advisory_id):
        assert event.payload["assets"] == int(event.text_params["count"])
        for user_id in event.audience.get("users", []):
            assert user_id not in counts, "a recipient got two alerts about the same advisory"
            counts[user_id] = event.payload["assets"]
    return counts


def test_each_recipient_is_told_only_about_the_assets_they_see(world: SimpleNamespace) -> None:
    matches = [_match(world.public, world.red_asset), _match(world.public, world.strict_asset)]

    published = events.matches_alerted(actor=MATCH_ACTOR, matches=matches)

    # the creator of the RED asset sees both, the unnamed head only the AMBER+STRICT one;
    # b2's named clerk does not work for a1: a1's alert is not for them
    assert _alerts(world.public.pk) == {world.a1_clerk.pk: 2, world.a1_head.pk: 1}
    assert published == 2


def test_an_alert_only_about_a_red_asset_goes_only_to_its_creator_in_the_body(world: SimpleNamespace) -> None:
    events.matches_alerted(actor=MATCH_ACTOR, matches=[_match(world.public, world.red_asset)])

    assert _alerts(world.public.pk) == {world.a1_clerk.pk: 1}


def test_a_named_colleague_in_the_body_is_told_about_the_red_asset(world: SimpleNamespace) -> None:
    world.red_asset.recipients.add(world.a1_head)

    events.matches_alerted(actor=MATCH_ACTOR, matches=[_match(world.public, world.red_asset)])

    assert _alerts(world.public.pk) == {world.a1_clerk.pk: 1, world.a1_head.pk: 1}


def test_nobody_in_the_body_seeing_the_asset_means_no_alert(world: SimpleNamespace) -> None:
    world.red_asset.created_by = world.b2_clerk
    world.red_asset.save(update_fields=["created_by"])

    published = events.matches_alerted(actor=MATCH_ACTOR, matches=[_match(world.public, world.red_asset)])

    assert published == 0
    assert not Event.objects.filter(event_type="security.match_alert").exists()


def test_the_queries_do_not_grow_with_the_number_of_recipients(world: SimpleNamespace) -> None:
    def run() -> int:
        Event.objects.all().delete()
        matches = list(world.public.matches.select_related("advisory"))
        with CaptureQueriesContext(connection) as queries:
            events.matches_alerted(actor=MATCH_ACTOR, matches=matches)
        return len(queries)

    _match(world.public, world.red_asset)
    _match(world.public, world.strict_asset)
    few = run()
    for _ in range(15):
        UserFactory.create(staff_of=world.a1)
    many = run()

    assert _alerts(world.public.pk)[world.a1_head.pk] == 1
    assert len(_alerts(world.public.pk)) == 17
    assert many == few
