"""The knowledge base of good practice: prefill, re-prefill, visibility, search, similarity, API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.models import MemberRole, PracticeRecord, Visibility
from verbund.advisory.services import practice as svc
from verbund.alliances.models import FieldOfAction, LegalForm, Membership
from verbund.alliances.models import MemberRole as AllianceMemberRole
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import principal_for
from verbund.funding.models import GrantNotice
from verbund.funding.tests.factories import ProgrammeFactory, draft_application
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import SharedService, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern", population=106_000)
    vg_a = BodyFactory.create(
        verbandsgemeinde=True,
        parent=kreis,
        name="Landstuhl",
        population=20_000,
        centroid_lat=49.41,
        centroid_lon=7.57,
    )
    vg_b = BodyFactory.create(
        verbandsgemeinde=True,
        parent=kreis,
        name="Ramstein-Miesenbach",
        population=16_000,
        centroid_lat=49.45,
        centroid_lon=7.55,
    )
    elsewhere = BodyFactory.create(
        verbandsgemeinde=True, name="Weit weg", population=18_000, centroid_lat=50.9, centroid_lon=6.1
    )
    office = UserFactory(username="beratung.praxis")
    RoleAssignmentFactory(user=office, role=Role.BERATUNGSSTELLE)
    field = FieldOfAction.objects.get_or_create(slug="cybersicherheit", defaults={"name": "Cybersicherheit"})[
        0
    ]
    alliance = AllianceFactory.create(
        name="Interkommunale Cybersicherheit",
        public_summary="Gemeinsame Beschaffung von IT-Sicherheitsprodukten.",
        umsetzung=True,
        fields=[field],
    )
    Membership.objects.create(
        alliance=alliance, body=vg_a, joined_on=dt.date(2025, 1, 1), role=AllianceMemberRole.ANTRAGSTELLEND
    )
    Membership.objects.create(alliance=alliance, body=vg_b, joined_on=dt.date(2025, 1, 1))
    return SimpleNamespace(
        kreis=kreis,
        vg_a=vg_a,
        vg_b=vg_b,
        elsewhere=elsewhere,
        office=office,
        field=field,
        alliance=alliance,
        clerk_other=UserFactory(username="sb.weit", staff_of=elsewhere),
        clerk_member=UserFactory(username="sb.landstuhl", staff_of=vg_a),
    )


def _task() -> Task:
    return Task.objects.order_by("pk").first() or Task.objects.create(
        slug="it-sicherheit", name="IT-Sicherheit", holder_kinds=["verbandsgemeinde"], volume_unit="faelle"
    )


def _record(w: SimpleNamespace, **values: Any) -> PracticeRecord:
    base = {
        "title": "Gemeinsame Vergabestelle",
        "summary": "Eine Vergabestelle für alle.",
        "task_area": "Vergabe",
    }
    return svc.practice_create(actor=w.office, values={**base, **values}, members=[(w.vg_a, MemberRole.LEAD)])


def test_prefill_takes_members_legal_form_field_task_and_grant(w: SimpleNamespace) -> None:
    task = _task()
    SharedService.objects.create(
        alliance=w.alliance, task=task, name="IT-Sicherheit", provider=w.vg_a, start_date=dt.date(2026, 1, 1)
    )
    programme = ProgrammeFactory.create(name="IKZ-Pilotförderung")
    application = draft_application(programme=programme, alliance=w.alliance, applicant=w.vg_a)
    GrantNotice.objects.create(
        application=application,
        amount=Decimal("321411.61"),
        planned_eligible_costs=Decimal("321411.61"),
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2027, 12, 31),
        conditions="ANBest-K",
    )
    record = svc.prefill_from_alliance(actor=w.office, alliance=w.alliance)
    assert record.title == "Interkommunale Cybersicherheit"
    assert record.legal_form == LegalForm.ZWECKVEREINBARUNG
    assert record.field_of_action == w.field
    assert record.task == task
    assert record.lead_body == w.vg_a
    assert dict(record.members.values_list("body__name", "role")) == {
        "Landstuhl": MemberRole.LEAD,
        "Ramstein-Miesenbach": MemberRole.PARTNER,
    }
    assert record.population == 36_000
    assert record.kreis_prefixes == [w.vg_a.ars[:5]]
    assert record.funding[0]["programme"] == "IKZ-Pilotförderung"
    assert Decimal(record.funding[0]["amount"]) == Decimal("321411.61")
    assert "Aus Verbund übernommen" in record.sources
    assert record.published_at is None


def test_re_prefill_keeps_what_the_office_entered_and_adds_new_members(w: SimpleNamespace) -> None:
    record = svc.prefill_from_alliance(actor=w.office, alliance=w.alliance)
    record = svc.practice_update(
        actor=w.office,
        record=record,
        values={"title": "Cyber-Verbund Westpfalz", "sources": "Pressemitteilung ramstein-miesenbach.de"},
    )
    newcomer = BodyFactory.create(verbandsgemeinde=True, parent=w.kreis, name="Weilerbach", population=14_000)
    Membership.objects.create(alliance=w.alliance, body=newcomer, joined_on=dt.date(2026, 1, 1))
    w.alliance.name = "Anderer Name"
    w.alliance.save()
    record = svc.prefill_from_alliance(actor=w.office, alliance=w.alliance, record=record)
    assert record.title == "Cyber-Verbund Westpfalz"
    assert "Pressemitteilung ramstein-miesenbach.de" in record.sources
    assert record.sources.count("Aus Verbund übernommen") == 1
    assert record.members.count() == 3
    assert record.population == 50_000


def test_only_the_office_writes(w: SimpleNamespace) -> None:
    with pytest.raises(Forbidden):
        svc.practice_create(actor=w.clerk_member, values={"title": "x", "summary": "y", "task_area": "z"})


def test_missing_required_fields_are_named(w: SimpleNamespace) -> None:
    with pytest.raises(Invalid) as refused:
        svc.practice_create(actor=w.office, values={"title": "", "summary": "s"})
    assert {"title", "task_area"} <= set(refused.value.fields)


def test_legal_documents_need_a_date_and_reusable_ones_a_licence(w: SimpleNamespace) -> None:
    record = _record(w)
    with pytest.raises(Invalid) as refused:
        svc.practice_document_add(
            actor=w.office,
            record=record,
            kind="vereinbarung",
            title="Zweckvereinbarung",
            url="https://example.org/zv.pdf",
        )
    assert "dated" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        svc.practice_document_add(
            actor=w.office,
            record=record,
            kind="checkliste",
            title="Checkliste",
            url="https://example.org/c",
            reusable=True,
        )
    assert "licence" in refused.value.fields
    document = svc.practice_document_add(
        actor=w.office,
        record=record,
        kind="checkliste",
        title="Checkliste",
        url="https://example.org/c",
        reusable=True,
        licence="CC BY 4.0",
    )
    assert document.licence == "CC BY 4.0"


# --- visibility ------------------------------------------------------------------------------------------


def _slugs(user: Any) -> set[str]:
    from verbund.common.principal import ANONYMOUS

    principal = principal_for(user) if user is not None else ANONYMOUS
    return set(svc.visible_records(principal).values_list("slug", flat=True))


def test_visibility(w: SimpleNamespace) -> None:
    public = _record(w, title="Öffentlich")
    programme = _record(w, title="Im Programm")
    alliance_only = _record(w, title="Nur Verbund", alliance=w.alliance)
    draft = _record(w, title="Entwurf")
    svc.practice_publish(actor=w.office, record=public)
    svc.practice_publish(actor=w.office, record=programme, visibility=Visibility.PROGRAMME)
    svc.practice_publish(actor=w.office, record=alliance_only, visibility=Visibility.ALLIANCE)
    assert _slugs(None) == {public.slug}
    assert _slugs(w.clerk_other) == {public.slug, programme.slug}
    assert _slugs(w.clerk_member) == {public.slug, programme.slug, alliance_only.slug}
    assert draft.slug in _slugs(w.office)
    with pytest.raises(NotFound):
        svc.record_for(principal_for(w.clerk_other), alliance_only.slug)
    svc.practice_withdraw(actor=w.office, record=public)
    assert public.slug not in _slugs(w.clerk_member)


def test_anonymous_page_sees_only_published_public_records(w: SimpleNamespace, client: Client) -> None:
    public = _record(w, title="Öffentliches Beispiel")
    draft = _record(w, title="Unveröffentlichtes Beispiel")
    svc.practice_publish(actor=w.office, record=public)
    response = client.get("/beratung/praxis/")
    assert response.status_code == 200
    assert "Öffentliches Beispiel" in response.content.decode()
    assert "Unveröffentlichtes Beispiel" not in response.content.decode()
    assert client.get(f"/beratung/praxis/{draft.slug}/").status_code == 404
    assert client.get(f"/beratung/praxis/{public.slug}/").status_code == 200


# --- search ------------------------------------------------------------------------------------------------


def test_search_filters(w: SimpleNamespace) -> None:
    small = _record(w, title="Bauhof klein", tags=["Winterdienst"], legal_form=LegalForm.ZWECKVEREINBARUNG)
    big = svc.practice_create(
        actor=w.office,
        values={
            "title": "Standesamt groß",
            "summary": "s",
            "task_area": "Standesamt",
            "partner_search": True,
            "partner_search_text": "Wir suchen Partner",
        },
        members=[(w.elsewhere, MemberRole.LEAD), (w.kreis, MemberRole.KREIS)],
    )
    for record in (small, big):
        svc.practice_publish(actor=w.office, record=record)
    office = principal_for(w.office)

    def found(**kw: Any) -> set[str]:
        return set(svc.search(office, svc.SearchFilters(**kw)).values_list("title", flat=True))

    assert found(q="winterdienst") == {"Bauhof klein"}
    assert found(size="10000-25000") == {"Bauhof klein"}
    assert found(size="ueber-100000") == {"Standesamt groß"}
    assert found(region=w.vg_a.ars[:5]) == {"Bauhof klein", "Standesamt groß"}
    assert found(region=w.elsewhere.ars[:5]) == {"Standesamt groß"}
    assert found(legal_form=LegalForm.ZWECKVEREINBARUNG) == {"Bauhof klein"}
    assert found(partner_search=True) == {"Standesamt groß"}


# --- projects like mine -------------------------------------------------------------------------------------


def test_like_mine_ranks_same_task_similar_size_and_near_first(w: SimpleNamespace) -> None:
    task = _task()
    me = BodyFactory.create(
        verbandsgemeinde=True,
        parent=w.kreis,
        name="Ich",
        population=19_000,
        centroid_lat=49.42,
        centroid_lon=7.58,
    )
    near = svc.practice_create(
        actor=w.office,
        values={"title": "Nah", "summary": "s", "task_area": "IT", "task": task},
        members=[(w.vg_a, MemberRole.LEAD)],
    )
    far = svc.practice_create(
        actor=w.office,
        values={"title": "Fern", "summary": "s", "task_area": "IT", "task": task},
        members=[(w.elsewhere, MemberRole.LEAD)],
    )
    other = svc.practice_create(
        actor=w.office,
        values={"title": "Andere Aufgabe", "summary": "s", "task_area": "Bauhof"},
        members=[(w.vg_b, MemberRole.LEAD)],
    )
    for record in (near, far, other):
        svc.practice_publish(actor=w.office, record=record)
    results = svc.like_mine(principal_for(w.office), me, task=task)
    assert [r.record.title for r in results] == ["Nah", "Fern"]
    assert results[0].score > results[1].score
    assert results[0].distance_km is not None and results[0].distance_km < 5
    # a member does not get its own project suggested
    assert "Nah" not in [r.record.title for r in svc.like_mine(principal_for(w.office), w.vg_a, task=task)]


# --- API ----------------------------------------------------------------------------------------------------


def test_api_list_detail_create_publish_and_like(w: SimpleNamespace, client: Client) -> None:
    hidden = _record(w, title="Verborgen")
    assert client.get(f"/api/v1/advisory/practice/{hidden.slug}").status_code == 404
    assert client.get("/api/v1/advisory/practice").json()["count"] == 0
    assert client.get("/api/v1/advisory/practice", {"size": "riesig"}).status_code == 422

    client.force_login(w.clerk_member)
    refused = client.post(
        "/api/v1/advisory/practice", json.dumps({"title": "x"}), content_type="application/json"
    )
    assert refused.status_code == 403

    client.force_login(w.office)
    bad = client.post(
        "/api/v1/advisory/practice",
        json.dumps({"title": "Ohne Aufgabe", "summary": "s"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "task_area" in bad.json()["detail"] or "Bitte ausfüllen" in bad.json()["detail"]
    created = client.post(
        "/api/v1/advisory/practice",
        json.dumps(
            {
                "title": "API-Beispiel",
                "summary": "s",
                "task_area": "IT",
                "members": [{"ars": w.vg_a.ars, "role": "federfuehrend"}],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    published = client.post(
        f"/api/v1/advisory/practice/{slug}/publish", "{}", content_type="application/json"
    )
    assert published.status_code == 200, published.content
    patched = client.patch(
        f"/api/v1/advisory/practice/{slug}",
        json.dumps({"lessons_learned": "Früh das Personal beteiligen."}),
        content_type="application/json",
    )
    assert patched.json()["lessons_learned"] == "Früh das Personal beteiligen."

    client.logout()
    listed = client.get("/api/v1/advisory/practice", {"q": "personal"}).json()
    assert [item["slug"] for item in listed["items"]] == [slug]
    like = client.get(f"/api/v1/advisory/practice/like/{w.vg_b.ars}")
    assert like.status_code == 200
