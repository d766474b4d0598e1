"""Who sees and changes which alliance, through the principal: the public sees published alliances,
readers of everything see all, coordinators and members' staff see theirs, everything else is a 404
(NotFound); visible but not allowed is a 403 (Forbidden); only coordinators and operators change;
heads confirm and record for their own body; documents are for insiders; a principal is read in a
fixed number of queries and nothing is cached on the user object."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.accounts.principal import principal_for
from verbund.alliances import policies, services
from verbund.alliances.documents import access_agreement, open_document
from verbund.alliances.models import Alliance, Membership
from verbund.alliances.selectors import access_alliance, alliance_public_data, alliances_of_body
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import Principal

from .factories import AllianceFactory, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def others(world: SimpleNamespace) -> SimpleNamespace:
    """A published alliance without our users, and an unpublished one of the outsider."""
    return SimpleNamespace(
        published=AllianceFactory(published=True, slug="oeffentlich", members=[world.vg_c]),
        hidden=AllianceFactory(slug="fremd", members=[world.outsider]),
    )


def p(user: object) -> Principal:
    """The principal of ``user`` (``None``: an anonymous visitor)."""
    return principal_for(AnonymousUser() if user is None else user)


def visible_slugs(user: object) -> set[str]:
    return set(Alliance.objects.visible_to(p(user)).values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {"oeffentlich"}),
        ("nobody", {"oeffentlich"}),
        ("coordinator", {"oeffentlich", "cyber"}),
        ("head_a", {"oeffentlich", "cyber"}),
        ("clerk_a", {"oeffentlich", "cyber"}),
        ("head_b", {"oeffentlich", "cyber"}),
        ("clerk_outsider", {"oeffentlich", "fremd"}),
        ("advisory", {"oeffentlich", "cyber", "fremd"}),
        ("funding", {"oeffentlich", "cyber", "fremd"}),
        ("operator", {"oeffentlich", "cyber", "fremd"}),
        ("superuser", {"oeffentlich", "cyber", "fremd"}),
    ],
)
def test_visible_to(
    world: SimpleNamespace, alliance: Alliance, others: SimpleNamespace, who: str, expected: set[str]
) -> None:
    user = None if who == "anonymous" else getattr(world, who)
    assert visible_slugs(user) == expected


def test_former_members_staff_no_longer_see(world: SimpleNamespace, alliance: Alliance) -> None:
    membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(actor=world.coordinator, membership=membership)
    assert "cyber" not in visible_slugs(world.head_b)
    with pytest.raises(NotFound):
        access_alliance(p(world.head_b), "cyber")


def test_inactive_users_see_only_the_public(world: SimpleNamespace, alliance: Alliance) -> None:
    world.advisory.is_active = False
    assert p(world.advisory).reads_everything() is False
    assert visible_slugs(world.advisory) == set()


@pytest.mark.parametrize("who", ["anonymous", "nobody", "clerk_outsider", "head_outsider"])
def test_invisible_and_missing_look_alike(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    principal = p(None if who == "anonymous" else getattr(world, who))
    for address in ("cyber", "gibt-es-nicht", alliance.pk, 999_999):
        for need in ("view", "internal", "change"):
            with pytest.raises(NotFound) as excinfo:
                access_alliance(principal, address, need=need)
            assert str(excinfo.value) == "Kein solcher Verbund."


@pytest.mark.parametrize("who", ["advisory", "funding", "head_a", "clerk_a"])
def test_readers_who_may_not_change_get_403(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    principal = p(getattr(world, who))
    assert access_alliance(principal, "cyber") == alliance
    assert access_alliance(principal, "cyber", need="internal") == alliance
    with pytest.raises(Forbidden):
        access_alliance(principal, "cyber", need="change")
    assert not policies.may_change(principal, alliance.pk)


@pytest.mark.parametrize("who", ["coordinator", "operator", "superuser"])
def test_changers(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    assert access_alliance(p(getattr(world, who)), alliance.pk, need="change") == alliance


def test_system_actors_act_through_the_capability(world: SimpleNamespace, alliance: Alliance) -> None:
    demo = principal_for(SystemActor(name="Demodaten", capabilities=frozenset({policies.MANAGE})))
    feed = principal_for(SystemActor(name="Feed", capabilities=frozenset({"registry.import"})))
    assert policies.may_change(demo, alliance.pk) and policies.may_create(demo)
    assert not policies.may_change(feed, alliance.pk) and not policies.may_create(feed)


def test_published_alliance_is_public_but_not_changeable(
    world: SimpleNamespace, others: SimpleNamespace
) -> None:
    assert access_alliance(p(None), "oeffentlich") == others.published
    with pytest.raises(Forbidden):
        access_alliance(p(None), "oeffentlich", need="change")
    # internal parts (documents, timeline) stay hidden from the public
    with pytest.raises(NotFound):
        access_alliance(p(world.nobody), "oeffentlich", need="internal")
    assert access_alliance(p(world.advisory), "oeffentlich", need="internal") == others.published


def test_public_data_holds_exactly_the_public_fields(world: SimpleNamespace, others: SimpleNamespace) -> None:
    data = alliance_public_data(others.published)
    assert set(data) == {
        "slug",
        "name",
        "short_name",
        "status",
        "status_label",
        "public_summary",
        "fields",
        "members",
    }
    assert data["members"] == [
        {
            "ars": world.vg_c.ars,
            "name": world.vg_c.name,
            "kind": "verbandsgemeinde",
            "role": "mitglied",
            "role_label": "Mitglied",
        }
    ]


def test_confirm_and_resolution_rights(world: SimpleNamespace, alliance: Alliance) -> None:
    membership = Membership.objects.get(alliance=alliance, body=world.vg_a)
    assert policies.may_confirm_membership(p(world.head_a), membership)
    assert not policies.may_confirm_membership(p(world.clerk_a), membership)
    assert not policies.may_confirm_membership(p(world.head_b), membership)
    assert not policies.may_confirm_membership(p(world.coordinator), membership)
    assert policies.may_upload_resolution(p(world.head_a), alliance.pk, world.vg_a.pk)
    assert policies.may_upload_resolution(p(world.coordinator), alliance.pk, world.vg_b.pk)
    assert not policies.may_upload_resolution(p(world.head_a), alliance.pk, world.vg_b.pk)
    assert not policies.may_upload_resolution(p(world.clerk_a), alliance.pk, world.vg_a.pk)
    assert not policies.may_upload_resolution(p(world.advisory), alliance.pk, world.vg_a.pk)


def test_documents_only_for_insiders(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(actor=world.coordinator, alliance=alliance, data={"public_summary": "Kurz."})
    services.alliance_publish(actor=world.coordinator, alliance=alliance)
    document = services.agreement_attach(
        actor=world.coordinator,
        alliance=alliance,
        title="Zweckvereinbarung",
        file=SimpleUploadedFile("ZV unterschrieben.pdf", pdf_bytes("signiert")),
    )
    for who in ("clerk_a", "head_b", "coordinator", "advisory", "funding", "operator"):
        opened = open_document(p(getattr(world, who)), document)
        with opened.file as handle:
            assert handle.read() == pdf_bytes("signiert")
        assert opened.filename == "ZV unterschrieben.pdf" and opened.content_type == "application/pdf"
        assert access_agreement(p(getattr(world, who)), document.pk) == document
    for user in (None, world.nobody, world.clerk_outsider):
        assert not policies.may_read_documents(p(user), alliance)
        with pytest.raises(NotFound):
            open_document(p(user), document)
        with pytest.raises(NotFound):
            access_agreement(p(user), document.pk)
    with pytest.raises(NotFound):
        access_agreement(p(world.coordinator), 999_999)


def test_a_principal_is_read_in_fixed_queries_and_never_cached(
    world: SimpleNamespace, alliance: Alliance
) -> None:
    user = world.clerk_a
    with CaptureQueriesContext(connection) as first:
        principal = p(user)
    assert len(first) >= 2  # roles, then one query per registered grant kind
    with CaptureQueriesContext(connection) as again:
        policies.may_change(principal, alliance.pk)
        Alliance.objects.visible_to(principal)
    assert len(again) == 0
    # a change of roles shows at once in a fresh principal (nothing to forget)
    services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=user)
    assert not policies.coordinates(principal, alliance.pk)
    assert policies.coordinates(p(user), alliance.pk)


def test_alliances_of_a_body(world: SimpleNamespace, alliance: Alliance, others: SimpleNamespace) -> None:
    assert list(alliances_of_body(p(None), world.vg_a)) == []
    assert list(alliances_of_body(p(world.clerk_a), world.vg_a)) == [alliance]
    assert list(alliances_of_body(p(None), world.vg_c)) == [others.published]
    membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(actor=world.coordinator, membership=membership)
    assert list(alliances_of_body(p(world.advisory), world.vg_b)) == []
    assert list(alliances_of_body(p(world.advisory), world.vg_b, include_former=True)) == [alliance]
