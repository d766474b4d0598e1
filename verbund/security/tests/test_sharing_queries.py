"""Who sees what, decided in a constant number of queries: the recipients of a security event
(:func:`verbund.security.events.seeing`, :func:`verbund.security.policies.users_seeing`) and the
visibility filter behind every list (:func:`verbund.security.policies.visibility_filter`, which asks
the database nothing while it is built). The fast answers are compared with the slow, obvious one:
a fresh principal per user and :func:`verbund.security.policies.sees`."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.accounts.principal import principal_for
from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.policies import COORDINATOR
from verbund.security import events, policies, selectors
from verbund.security.models import Asset, Incident, OfficerKind, OfficerShare, SharedOfficer
from verbund.security.services import incidents as incident_services

from .test_tlp_leaks import MODELS, PRINCIPALS, build_world, make_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    """The TLP leak world, its objects, a shared ISB (with a deputy) serving a1 and the ISB of
    alliance A (grants the bulk principals must carry as well)."""
    w = build_world()
    w.objects = make_objects(w)
    w.isb, w.deputy, w.alliance_isb = (UserFactory.create() for _ in range(3))
    serving = SharedOfficer.objects.create(
        kind=OfficerKind.ISB, person=w.isb, deputy=w.deputy, employer=w.a2, starts_on=dt.date(2020, 1, 1)
    )
    OfficerShare.objects.create(officer=serving, body=w.a1, percent=50)
    SharedOfficer.objects.create(
        kind=OfficerKind.ISB,
        person=w.alliance_isb,
        employer=w.a2,
        alliance=w.alliance_a,
        starts_on=dt.date(2020, 1, 1),
    )
    former = SharedOfficer.objects.create(  # ended: no grant any more
        kind=OfficerKind.ISB,
        person=w.outsider,
        employer=w.a2,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2021, 1, 1),
    )
    OfficerShare.objects.create(officer=former, body=w.a1, percent=10)
    return w


def _people(w: SimpleNamespace) -> list[Any]:
    return [getattr(w, who) for who in PRINCIPALS] + [w.isb, w.deputy, w.alliance_isb]


def _queries(action: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return len(captured), result


def test_the_bulk_principals_carry_what_the_visibility_rule_reads(world: SimpleNamespace) -> None:
    people = _people(world)
    bulk = policies.visibility_principals(u.pk for u in people)
    for user in people:
        single, fast = principal_for(user), bulk[user.pk]
        for kind in (policies.OFFICER, policies.ALLIANCE_OFFICER, COORDINATOR):
            assert fast.granted(kind) == single.granted(kind), (user, kind)
        assert dict(fast.body_roles) == dict(single.body_roles), user
        assert fast.platform_roles == single.platform_roles, user
        assert (fast.user_id, fast.is_authenticated, fast.is_system) == (user.pk, True, False)
    assert bulk[world.isb.pk].granted(policies.OFFICER) == {world.a1.pk}
    assert bulk[world.alliance_isb.pk].granted(policies.ALLIANCE_OFFICER) == {world.alliance_a.pk}
    assert not bulk[world.outsider.pk].granted(policies.OFFICER)  # the share ended


def test_users_seeing_answers_as_a_fresh_principal_per_user_would(world: SimpleNamespace) -> None:
    people = _people(world)
    ids = [u.pk for u in people]
    for name in MODELS:
        for combo, obj in world.objects[name].items():
            slow = sorted(u.pk for u in people if policies.sees(principal_for(u), obj))
            assert policies.users_seeing(ids, obj) == slow, (name, combo)
    # several objects: those who see every one of them
    both = (
        world.objects["incident"][("amber", "alliance", False)],
        world.objects["asset"][("amber", "group", False)],
    )
    assert policies.users_seeing(ids, *both) == sorted(
        u.pk for u in people if all(policies.sees(principal_for(u), o) for o in both)
    )


def test_an_inactive_user_and_an_unknown_id_see_nothing(world: SimpleNamespace) -> None:
    clear = world.objects["incident"][("clear", "all", False)]
    world.a2_clerk.is_active = False
    world.a2_clerk.save(update_fields=["is_active"])
    assert policies.users_seeing([world.a2_clerk.pk, 999_999, world.a1_clerk.pk], clear) == [
        world.a1_clerk.pk
    ]


def _staff(w: SimpleNamespace, n: int) -> list[int]:
    """``n`` staff of a1 (the first is a1's clerk), each a different principal."""
    extra = [UserFactory.create(staff_of=w.a1).pk for _ in range(n - 1)]
    return [w.a1_clerk.pk, *extra]


def test_seeing_makes_the_same_number_of_queries_for_1_and_10_recipients(world: SimpleNamespace) -> None:
    from verbund.security.models import Advisory, Triage

    advisory: Advisory = world.objects["advisory"][("amber", "alliance", False)]
    triage: Triage = world.objects["triage"][("amber", "alliance", False)]
    ten = _staff(world, 10)
    one_count, one = _queries(lambda: events.seeing(ten[:1], advisory, triage))
    ten_count, kept = _queries(lambda: events.seeing(ten, advisory, triage))
    assert one == ten[:1] and kept == sorted(ten)
    assert ten_count == one_count


def test_seeing_makes_the_same_number_of_queries_for_1_and_10_objects(world: SimpleNamespace) -> None:
    incidents = [world.objects["incident"][c] for c in sorted(world.objects["incident"])][:10]
    people = [u.pk for u in _people(world)]
    one_count, _ = _queries(lambda: policies.users_seeing(people, incidents[0]))
    ten_count, _ = _queries(lambda: policies.users_seeing(people, *incidents))
    assert len(incidents) == 10 and ten_count == one_count


def test_a_notification_of_an_incident_asks_a_constant_number_of_queries(world: SimpleNamespace) -> None:
    incident: Incident = world.objects["incident"][("amber", "alliance", False)]
    ten = _staff(world, 10)
    one_count, _ = _queries(lambda: incident_services.users_seeing(incident, ten[:1]))
    ten_count, kept = _queries(lambda: incident_services.users_seeing(incident, ten))
    assert kept == sorted(ten) and ten_count == one_count


def test_the_visibility_filter_asks_the_database_nothing(world: SimpleNamespace) -> None:
    for who in PRINCIPALS:
        principal = principal_for(getattr(world, who))
        count, _ = _queries(lambda p=principal: [policies.visibility_filter(p, m) for m in MODELS.values()])
        assert count == 0, who


def test_visible_matches_is_one_query_whoever_asks(world: SimpleNamespace) -> None:
    for who in ("a1_clerk", "a2_clerk", "coordinator", "outsider", "advisory"):
        principal = principal_for(getattr(world, who))
        built, matches = _queries(lambda p=principal: selectors.visible_matches(p))
        evaluated, _ = _queries(lambda m=matches: list(m))
        assert (built, evaluated) == (0, 1), who


def test_all_alliances_still_needs_a_body_in_an_alliance(world: SimpleNamespace) -> None:
    """The subquery that replaced the membership lookup keeps the rule: the outsider's body is in no
    alliance, so TLP:GREEN for all alliances stays hidden from it (and shows once it joins)."""
    from verbund.alliances.models import Membership

    green = world.objects["asset"][("green", "all_alliances", False)]
    outsider = principal_for(world.outsider)
    assert not Asset.objects.visible_to(outsider).filter(pk=green.pk).exists()
    Membership.objects.create(alliance=world.alliance_b, body=world.o1, joined_on=dt.date(2026, 1, 1))
    assert Asset.objects.visible_to(outsider).filter(pk=green.pk).exists()
