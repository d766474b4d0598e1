"""The alliance's security view, the triage and the matches API.

* Who opens ``/sicherheit/verbund/<slug>/``: members' staff and heads, coordinators, the alliance's
  ISB; outsiders and the Beratungsstelle get 404. A member sees its own assets' matches in detail
  and the other members only as counts; the ISB serving the members sees them in detail.
* The page's queries do not grow with the number of members, advisories and matches, and are the same
  on every page of the advisories; the pages keep the order (exploited first, then the highest CVSS).
* Triage (SSVC): the suggestion, an override needs a reason, only officers and coordinators decide;
  the affected members are notified, in words that name the advisory and no other member, and only
  those who may see the triage (TLP).
* ``/api/v1/security/matches``: list with filters, detail, remediation state; 404 outside the
  distribution, 403 for a visible match of another body.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.notifications.models import Notification
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import (
    Advisory,
    Asset,
    Match,
    RemediationState,
    Triage,
    TriageDecision,
)
from verbund.security.services.matching import match_advisory
from verbund.security.services.triage import suggested_decision, triage_set
from verbund.security.tests.test_matching_service import (
    import_document,
    make_asset,
    security_alliance,
    small_document,
)
from verbund.security.tests.world import alliance_world, make_isb
from verbund.security.views import alliance as alliance_views

PASSWORD = "geheim-genug-123"


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    """Three members; the first two run affected firewalls (2.4.0, 2.3.9), the third an unaffected one."""
    s = security_alliance(3, slug="cyber")
    s.assets = [
        make_asset(s.bodies[0], version="2.4.0", location="Rathaus Alpha"),
        make_asset(s.bodies[1], version="2.3.9", location="Wasserwerk Beta"),
        make_asset(s.bodies[2], version="2.4.1"),
    ]
    s.advisory = import_document(small_document(affected=("FWX-240", "FWX-239")))
    match_advisory(s.advisory.pk)
    s.isb = make_isb(s.alliance, s.bodies)
    outsider_body = BodyFactory.create(verbandsgemeinde=True)
    s.outsider = UserFactory.create(head_of=outsider_body)
    return s


def _page(client: Any, user: Any, url: str = "/sicherheit/verbund/cyber/") -> Any:
    client.force_login(user)
    return client.get(url)


# --- who sees what --------------------------------------------------------------------------------


def test_a_member_sees_its_own_matches_in_detail_and_the_others_as_counts(client, world):
    response = _page(client, world.clerks[0])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rathaus Alpha" not in html  # locations are on the match page only
    assert "Beispiel Firewall X 2.4.0" in html and "2.3.9" not in html
    members = response.context["picture"].members
    assert [(m.body, m.matches, m.own) for m in members] == sorted(
        [(world.bodies[0], 1, True), (world.bodies[1], 1, False), (world.bodies[2], 0, False)],
        key=lambda row: row[0].name,
    )
    assert [m.asset.owner_body_id for m in response.context["picture"].details] == [world.bodies[0].pk]
    assert not response.context["picture"].may_triage
    assert "bewerten" not in html


def test_the_isb_serving_the_members_sees_everything_and_may_triage(client, world):
    picture = _page(client, world.isb).context["picture"]
    assert {m.asset.owner_body_id for m in picture.details} == {world.bodies[0].pk, world.bodies[1].pk}
    assert picture.may_triage and [r.advisory for r in picture.advisories] == [world.advisory]
    assert [(b, n) for b, n, _done in picture.advisories[0].members] == sorted(
        [(world.bodies[0], 1), (world.bodies[1], 1)], key=lambda row: row[0].name
    )


def test_the_coordinator_sees_counts_but_no_private_asset(client, world):
    picture = _page(client, world.coordinator).context["picture"]
    assert picture.may_triage and picture.details == []
    assert sum(m.matches for m in picture.members) == 2


def test_outsiders_the_advisory_office_and_anonymous_visitors_do_not_get_the_view(client, world):
    assert _page(client, world.outsider).status_code == 404
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    assert _page(client, office).status_code == 404
    client.logout()
    assert client.get("/sicherheit/verbund/cyber/").status_code == 302
    assert _page(client, world.outsider, "/sicherheit/verbund/gibt-es-nicht/").status_code == 404


def test_counts_leave_out_assets_a_member_keeps_strictly_to_itself(client, world):
    Asset.objects.filter(pk=world.assets[1].pk).update(tlp="amber+strict")
    picture = _page(client, world.clerks[0]).context["picture"]
    assert {m.body.pk: m.matches for m in picture.members}[world.bodies[1].pk] == 0
    picture = _page(client, world.clerks[1]).context["picture"]  # the owner still counts its own
    assert {m.body.pk: m.matches for m in picture.members}[world.bodies[1].pk] == 1


def test_an_amber_advisory_the_viewer_may_not_see_is_not_counted(client, world):
    amber = import_document(
        small_document(tracking_id="BSP-AMBER", tlp="AMBER", affected=("FWX-240", "FWX-239")),
        owner_body=world.bodies[1],
    )
    match_advisory(amber.pk)
    assert Match.objects.filter(advisory=amber).count() == 1
    picture = _page(client, world.clerks[0]).context["picture"]
    assert [r.advisory.tracking_id for r in picture.advisories] == ["BSP-2026-0001"]
    assert "BSP-AMBER" not in _page(client, world.clerks[0]).content.decode()


def test_start_page_lists_my_open_matches_and_my_alliances(client, world):
    response = _page(client, world.clerks[0], "/sicherheit/")
    assert response.status_code == 200
    assert response.context["bodies"] == [(world.bodies[0], 1)]
    assert response.context["alliances"] == [world.alliance]
    assert not response.context["may_rematch"]
    assert _page(client, world.isb, "/sicherheit/").context["may_rematch"]


def test_the_match_page_is_the_owners_and_sets_the_remediation_state(client, world):
    match = Match.objects.get(asset=world.assets[0])
    url = f"/sicherheit/treffer/{match.pk}/"
    assert _page(client, world.clerks[1], url).status_code == 404
    response = _page(client, world.clerks[0], url)
    assert response.status_code == 200 and "Rathaus Alpha" in response.content.decode()
    response = client.post(url, {"state": RemediationState.DONE, "note": "gepatcht"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert (match.state, match.state_changed_by) == (RemediationState.DONE, world.clerks[0])
    assert "Fortschritt" in _page(client, world.clerks[0]).content.decode()


# --- a constant number of queries ---------------------------------------------------------------


def _queries(client: Any, user: Any, slug: str, query: str = "") -> int:
    client.force_login(user)
    client.get(f"/sicherheit/verbund/{slug}/{query}")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/sicherheit/verbund/{slug}/{query}")
    assert response.status_code == 200
    return len(captured.captured_queries)


def _viewers(world: SimpleNamespace) -> dict[str, Any]:
    return {"head": world.head, "isb": world.isb, "coordinator": world.coordinator}


@pytest.mark.django_db
def test_the_alliance_view_makes_the_same_number_of_queries_for_2_and_20_members(client):
    small = alliance_world(2, 2, slug="klein")
    large = alliance_world(20, 20, slug="gross")

    for who in ("head", "isb", "coordinator"):
        few = _queries(client, _viewers(small)[who], "klein")
        many = _queries(client, _viewers(large)[who], "gross")
        assert few == many, f"{who}: {few} queries for 2 members, {many} for 20"
    assert Match.objects.filter(advisory__tracking_id__startswith="BSP-gross").count() == 400


@pytest.mark.django_db
def test_every_page_of_the_alliance_view_makes_the_same_number_of_queries(client, monkeypatch):
    monkeypatch.setattr(alliance_views, "PAGE_SIZE", 5)
    small = alliance_world(2, 2, slug="klein", staff=False)
    large = alliance_world(20, 12, slug="gross", staff=False)  # pages of 5, 5 and 2 advisories

    for who in ("head", "isb", "coordinator"):
        counts = {
            "klein": _queries(client, _viewers(small)[who], "klein"),
            **{
                query: _queries(client, _viewers(large)[who], "gross", query)
                for query in ("", "?seite=2", "?seite=3", "?seite=99", "?seite=unsinn")
            },
        }
        assert len(set(counts.values())) == 1, f"{who}: {counts}"


@pytest.mark.django_db
def test_the_pages_keep_the_order_exploited_first_then_the_highest_cvss(client, monkeypatch):
    monkeypatch.setattr(alliance_views, "PAGE_SIZE", 4)
    world = alliance_world(3, 10, slug="cyber", staff=False)
    Advisory.objects.filter(tracking_id="BSP-cyber-7").update(max_score=None)
    client.force_login(world.isb)
    seen = []
    for number in (1, 2, 3):
        response = client.get(f"/sicherheit/verbund/cyber/?seite={number}")
        picture = response.context["picture"]
        assert picture.page.number == number and picture.page.paginator.num_pages == 3
        seen += [row.advisory.tracking_id for row in picture.advisories]
        names = sorted(b.name for b in world.bodies)
        for row in picture.advisories:
            assert row.matches == 3 and [b.name for b, _n, _d in row.members] == names
    # exploited (n % 3 == 0) by score 9, 6, 3, 0; then the others by score; no score last
    expected = [9, 6, 3, 0, 8, 5, 4, 2, 1, 7]
    assert seen == [f"BSP-cyber-{n}" for n in expected]
    html = client.get("/sicherheit/verbund/cyber/?seite=2").content.decode()
    assert "Seite 2 von 3" in html and "?seite=3" in html and "?seite=1" in html
    # the member counts cover every advisory, not just the page's
    assert [m.advisories for m in response.context["picture"].members] == [10, 10, 10]


# --- triage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exploitation", "automatable", "technical", "mission", "expected"),
    [
        ("active", False, "partial", "high", TriageDecision.ACT),
        ("active", True, "total", "medium", TriageDecision.ACT),
        ("active", False, "partial", "medium", TriageDecision.ATTEND),
        ("active", False, "partial", "low", TriageDecision.TRACK),
        ("poc", True, "total", "high", TriageDecision.ACT),
        ("poc", False, "partial", "high", TriageDecision.ATTEND),
        ("poc", False, "total", "medium", TriageDecision.TRACK),
        ("none", True, "total", "high", TriageDecision.ATTEND),
        ("none", False, "partial", "high", TriageDecision.TRACK),
    ],
)
def test_the_ssvc_suggestion(exploitation, automatable, technical, mission, expected):
    assert (
        suggested_decision(
            exploitation=exploitation,
            automatable=automatable,
            technical_impact=technical,
            mission_impact=mission,
        )
        == expected
    )


ACT_POINTS: dict[str, Any] = {
    "exploitation": "active",
    "automatable": True,
    "technical_impact": "total",
    "mission_impact": "high",
}


def test_the_isb_triages_and_the_affected_members_are_notified(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        triage = triage_set(
            actor=world.isb, alliance_id=world.alliance.pk, advisory_id=world.advisory.pk, **ACT_POINTS
        )
    assert (triage.decision, triage.tlp, triage.distribution) == ("act", "amber", "alliance")
    assert triage.points["suggested"] == "act" and triage.created_by == world.isb
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    affected = {*world.heads[:2], *world.clerks[:2]}
    assert {u.pk for u in affected} <= notified
    assert world.heads[2].pk not in notified and world.clerks[2].pk not in notified
    assert world.isb.pk not in notified  # the actor
    for notification in Notification.objects.select_related("event"):
        text = notification.event.display_text
        assert "BSP-2026-0001" in notification.event.title and "Handeln" in text
        assert not any(body.name in text for body in world.bodies)


def test_a_red_triage_notifies_nobody_who_may_not_read_it(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        triage_set(
            actor=world.isb,
            alliance_id=world.alliance.pk,
            advisory_id=world.advisory.pk,
            tlp="red",
            distribution="organisation",
            **ACT_POINTS,
        )
    assert not Notification.objects.exists()


def test_an_override_needs_a_reason_and_only_officers_and_coordinators_decide(world):
    args = {"alliance_id": world.alliance.pk, "advisory_id": world.advisory.pk, **ACT_POINTS}
    with pytest.raises(Invalid) as refused:
        triage_set(actor=world.coordinator, decision="track", **args)
    assert "override_reason" in refused.value.fields
    triage = triage_set(
        actor=world.coordinator, decision="track", override_reason="Herstellerpatch liegt vor", **args
    )
    assert triage.decision == "track" and triage.points["override_reason"] == "Herstellerpatch liegt vor"
    with pytest.raises(Forbidden):
        triage_set(actor=world.clerks[0], **args)
    with pytest.raises(NotFound):
        triage_set(actor=world.outsider, **args)
    assert Triage.objects.count() == 1


def test_the_triage_page_saves_and_returns_to_the_alliance(client, world):
    url = f"/sicherheit/verbund/cyber/bewerten/{world.advisory.pk}/"
    assert _page(client, world.clerks[0], url).status_code == 403
    assert _page(client, world.isb, url).status_code == 200
    response = client.post(
        url,
        {
            "exploitation": "active",
            "automatable": "ja",
            "technical_impact": "total",
            "mission_impact": "high",
            "decision": "",
            "tlp": "amber",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/sicherheit/verbund/cyber/"
    assert Triage.objects.get().decision == "act"


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_only_visible_matches_with_filters(client, world):
    client.force_login(world.clerks[0])
    data = client.get("/api/v1/security/matches").json()
    assert data["count"] == 1 and data["items"][0]["body"] == world.bodies[0].ars
    assert (
        client.get(f"/api/v1/security/matches?advisory={world.advisory.pk}&state=offen").json()["count"] == 1
    )
    assert client.get("/api/v1/security/matches?state=erledigt").json()["count"] == 0
    assert client.get("/api/v1/security/matches?state=unsinn").status_code == 422
    client.force_login(world.isb)
    assert client.get("/api/v1/security/matches").json()["count"] == 3  # with the fixed 2.4.1
    client.logout()
    assert client.get("/api/v1/security/matches").status_code in (200, 401)


def test_api_detail_and_remediation_follow_the_tlp_policies(client, world):
    own = Match.objects.get(asset=world.assets[0])
    other = Match.objects.get(asset=world.assets[1])
    client.force_login(world.clerks[0])
    detail = client.get(f"/api/v1/security/matches/{own.pk}").json()
    assert detail["remediations"][0]["category"] == "vendor_fix" and detail["reason"]
    assert client.get(f"/api/v1/security/matches/{other.pk}").status_code == 404
    put = client.put(
        f"/api/v1/security/matches/{own.pk}/remediation",
        {"state": "in_arbeit", "note": "Wartungsfenster Freitag"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["state"] == "in_arbeit"
    assert put.json()["state_changed_by"] == world.clerks[0].username
    assert (
        client.put(
            f"/api/v1/security/matches/{other.pk}/remediation",
            {"state": "erledigt"},
            content_type="application/json",
        ).status_code
        == 404
    )
    # shared with the alliance, the other member sees the asset's match but may not change it
    Asset.objects.filter(pk=world.assets[1].pk).update(distribution="alliance", alliance=world.alliance)
    assert client.get(f"/api/v1/security/matches/{other.pk}").status_code == 200
    response = client.put(
        f"/api/v1/security/matches/{other.pk}/remediation",
        {"state": "erledigt"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
