"""Incidents: the NIS2 deadlines (pure), reporting and changing an incident (rules, audit), the reports
given, the reminders (each once), sharing groups, and the pages and API of a member."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.notifications.models import Event
from verbund.security import deadlines
from verbund.security.models import Asset, Incident, SharingGroup
from verbund.security.services import groups as group_services
from verbund.security.services import incidents as services

from .test_tlp_leaks import build_world

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


# --- deadlines (pure) ----------------------------------------------------------------------------------


def _deadlines(now: dt.datetime, **done: dt.datetime | None) -> tuple[deadlines.Deadline, ...]:
    return deadlines.deadlines(
        detected_at=T0,
        early_warning_at=done.get("early"),
        notification_at=done.get("report"),
        final_report_at=done.get("final"),
        now=now,
    )


def test_the_three_deadlines_and_their_states() -> None:
    early, report, final = _deadlines(T0 + dt.timedelta(hours=30), early=T0 + dt.timedelta(hours=20))
    assert (
        early.due_at == T0 + dt.timedelta(hours=24) and early.state == deadlines.State.DONE and not early.late
    )
    assert report.due_at == T0 + dt.timedelta(hours=72) and report.state == deadlines.State.DUE
    # one month after the time the report is due (3 Feb) while no report was given
    assert final.due_at == dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    _, report, _ = _deadlines(T0 + dt.timedelta(hours=73))
    assert report.state == deadlines.State.OVERDUE


def test_the_final_report_counts_from_the_report_given_and_month_ends_are_clamped() -> None:
    given_at = dt.datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    final = _deadlines(T0, report=given_at)[2]
    assert final.due_at == dt.datetime(2026, 2, 28, 18, 0, tzinfo=UTC)
    late = _deadlines(T0 + dt.timedelta(days=4), early=T0 + dt.timedelta(hours=30))[0]
    assert late.state == deadlines.State.DONE and late.late


NAIVE_MIN, NAIVE_MAX = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)  # noqa: DTZ001 (hypothesis bounds are naive)


@given(st.datetimes(min_value=NAIVE_MIN, max_value=NAIVE_MAX, timezones=st.just(UTC)))
def test_a_month_later_is_within_28_to_31_days(moment: dt.datetime) -> None:
    later = deadlines.add_month(moment)
    assert 28 <= (later - moment).days <= 31
    assert later.day <= moment.day and (later.month - moment.month) % 12 == 1


def test_reminders_come_once_per_stage() -> None:
    now = T0 + dt.timedelta(hours=20)  # 4 h before the early warning is due
    items = _deadlines(now)
    due = deadlines.reminders_due(items, now=now, sent=set())
    assert [(d.kind, stage) for d, stage in due] == [("early_warning", "soon")]
    assert deadlines.reminders_due(items, now=now, sent={"early_warning:soon"}) == []
    later = T0 + dt.timedelta(hours=25)
    kinds = [
        (d.kind, s)
        for d, s in deadlines.reminders_due(_deadlines(later), now=later, sent={"early_warning:soon"})
    ]
    assert kinds == [("early_warning", "overdue")]


# --- services ----------------------------------------------------------------------------------------------


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    return build_world()


def _report(w: SimpleNamespace, **kwargs: Any) -> Incident:
    values: dict[str, Any] = {
        "actor": w.a1_clerk,
        "owner_body": w.a1,
        "title": "Ausfall der Fachverfahren",
        "started_at": timezone.now() - dt.timedelta(hours=5),
        "detected_at": timezone.now() - dt.timedelta(hours=2),
        "alliance": w.alliance_a,
    }
    values.update(kwargs)
    return services.incident_create(**values)


def test_a_member_reports_an_incident_amber_to_its_alliance(w: SimpleNamespace) -> None:
    asset = Asset.objects.create(name="Firewall", owner_body=w.a1)
    incident = _report(w, assets=[asset], nis2_binding=True)
    assert (incident.tlp, incident.distribution, incident.alliance_id) == (
        "amber",
        "alliance",
        w.alliance_a.pk,
    )
    assert list(incident.assets.all()) == [asset] and incident.created_by == w.a1_clerk
    entry = AuditEntry.objects.get(action="security.incident_create", object_id=str(incident.pk))
    assert entry.body_id == w.a1.pk and entry.object_repr == f"Sicherheitsvorfall Nr. {incident.pk}"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"owner_body": "a2"}, None),
        ({"tlp": "amber+strict", "distribution": "alliance"}, "distribution"),
        ({"tlp": "amber+strict", "distribution": "organisation", "advisory_office": True}, "advisory_office"),
        ({"tlp": "red", "distribution": "organisation", "advisory_office": True}, "advisory_office"),
        ({"title": "  "}, "title"),
        ({"started_at": "later"}, "started_at"),
        ({"detected_at": "future"}, "detected_at"),
        ({"assets": "foreign"}, "assets"),
    ],
)
def test_what_a_report_may_not_do(w: SimpleNamespace, change: dict[str, Any], field: str | None) -> None:
    values = dict(change)
    if values.get("owner_body") == "a2":
        values["owner_body"] = w.a2
    if values.get("started_at") == "later":
        values["started_at"] = timezone.now() - dt.timedelta(minutes=1)
    if values.get("detected_at") == "future":
        values["detected_at"] = timezone.now() + dt.timedelta(days=1)
    if values.get("assets") == "foreign":
        values["assets"] = [Asset.objects.create(name="fremd", owner_body=w.a2)]
    if values.get("distribution") == "organisation":
        values["alliance"] = None
    with pytest.raises((Invalid, Forbidden)) as info:
        _report(w, **values)
    if field:
        assert field in info.value.fields
    assert not Incident.objects.exists()


def test_updates_and_reports_are_audited_and_ordered(w: SimpleNamespace) -> None:
    incident = _report(w)
    with pytest.raises(Forbidden):
        services.incident_update(actor=w.a2_clerk, incident=incident, status="eingedaemmt")
    services.incident_update(actor=w.a1_head, incident=incident, status="abgeschlossen")
    incident.refresh_from_db()
    assert incident.closed_at is not None
    with pytest.raises(Conflict):
        services.incident_report(actor=w.a1_clerk, incident=incident, kind="notification", at=timezone.now())
    services.incident_report(actor=w.a1_clerk, incident=incident, kind="early_warning", at=timezone.now())
    with pytest.raises(Invalid):
        services.incident_report(
            actor=w.a1_clerk,
            incident=incident,
            kind="notification",
            at=incident.detected_at - dt.timedelta(hours=1),
        )
    incident.refresh_from_db()
    assert incident.early_warning_at is not None
    assert (
        AuditEntry.objects.filter(action="security.incident_report", object_id=str(incident.pk)).count() == 1
    )


def test_reminders_go_to_the_body_before_a_deadline_and_never_twice(w: SimpleNamespace) -> None:
    now = timezone.now()
    incident = _report(w, started_at=now - dt.timedelta(hours=21), detected_at=now - dt.timedelta(hours=20))
    # a reminder is only visible to whoever sees the incident: a member of the alliance is not told
    assert services.send_deadline_reminders() == 1
    assert services.send_deadline_reminders() == 0
    event = Event.objects.get(event_type="security.incident_deadline")
    assert event.payload == {"incident": incident.pk, "key": "early_warning:soon"}
    assert set(event.audience["users"]) == {w.a1_clerk.pk, w.a1_head.pk}  # staff and heads of a1 only
    assert incident.title not in event.title
    later = timezone.now() + dt.timedelta(hours=5)
    assert services.send_deadline_reminders(now=later) == 1  # now overdue: once more
    assert services.send_deadline_reminders(now=later) == 0
    services.incident_report(actor=w.a1_clerk, incident=incident, kind="early_warning", at=timezone.now())
    assert services.send_deadline_reminders(now=later) == 0


def test_sharing_groups_are_created_by_a_body_and_audited(w: SimpleNamespace) -> None:
    group = group_services.sharing_group_create(actor=w.a2_clerk, owner_body=w.a2, name="West", bodies=[w.b1])
    assert set(group.bodies.all()) == {w.a2, w.b1}
    with pytest.raises(Forbidden):
        group_services.sharing_group_update(actor=w.b1_clerk, group=group, name="x", bodies=[])
    with pytest.raises(Invalid):
        group_services.sharing_group_create(actor=w.a2_clerk, owner_body=w.a2, name="allein", bodies=[])
    group_services.sharing_group_update(actor=w.a2_clerk, group=group, name="West 2", bodies=[w.b2])
    assert set(SharingGroup.objects.get(pk=group.pk).bodies.all()) == {w.a2, w.b2}
    assert AuditEntry.objects.filter(action__startswith="security.sharing_group").count() == 2


# --- pages and API ------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_reports_through_the_form_and_sees_the_deadlines(w: SimpleNamespace) -> None:
    client = _client(w.a1_clerk)
    page = client.get("/sicherheit/vorfaelle/neu/")
    assert page.status_code == 200 and "NIS2" in page.content.decode()
    response = client.post(
        "/sicherheit/vorfaelle/neu/",
        {
            "owner_body": w.a1.pk,
            "title": "Phishing-Welle",
            "started_at": "02.03.2026 08:00",
            "detected_at": "02.03.2026 09:00",
            "status": "offen",
            "tlp": "amber",
            "distribution": "alliance",
            "alliance": w.alliance_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "Phishing-Welle" in detail and "gute Praxis" in detail and "überfällig" in detail
    assert _client(w.a2_clerk).get(response["Location"]).status_code == 200
    assert _client(w.a2_clerk).get(f"/sicherheit/vorfaelle/{incident.pk}/bearbeiten/").status_code == 403
    assert _client(w.b1_clerk).get(response["Location"]).status_code == 404
    assert _client(w.outsider).get("/sicherheit/vorfaelle/neu/").status_code == 200
    assert _client(w.advisory).get("/sicherheit/vorfaelle/neu/").status_code == 403


def test_the_api_creates_updates_and_records_reports(w: SimpleNamespace) -> None:
    client = _client(w.a1_clerk)
    url = "/api/v1/security/incidents"
    body = {
        "owner_body": w.a1.ars,
        "title": "Ransomware",
        "started_at": "2026-03-01T08:00:00Z",
        "detected_at": "2026-03-01T09:00:00Z",
        "alliance": w.alliance_a.slug,
        "nis2_binding": True,
    }
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["tlp"] == "amber" and data["alliance"] == w.alliance_a.slug and data["owner_body"] == w.a1.ars
    assert [d["kind"] for d in data["deadlines"]] == ["early_warning", "notification", "final_report"]
    incident_url = f"{url}/{data['id']}"
    patched = client.patch(incident_url, {"status": "eingedaemmt"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["status"] == "eingedaemmt"
    reported = client.post(
        f"{incident_url}/reports",
        {"kind": "early_warning", "at": "2026-03-01T21:00:00"},
        content_type="application/json",
    )
    assert reported.status_code == 200 and reported.json()["deadlines"][0]["state"] == "done"
    refused = client.post(url, {**body, "tlp": "amber+strict"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"]
    other = _client(w.a2_clerk)
    assert other.patch(incident_url, {"status": "offen"}, content_type="application/json").status_code == 403
    assert (
        _client(w.b1_clerk)
        .patch(incident_url, {"status": "offen"}, content_type="application/json")
        .status_code
        == 404
    )
    assert Client().get(url).status_code == 401
