"""Who sees and changes which alliance: the public sees published alliances, readers of everything
see all, coordinators and members' staff see theirs, everything else is a 404; only coordinators
and operators change; heads confirm and record for their own body; documents are for insiders."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from verbund.alliances import services
from verbund.alliances.access import (
    access_alliance,
    access_alliance_internal,
    can_change,
    can_confirm_membership,
    can_read_documents,
    can_upload_resolution,
    viewer_for,
)
from verbund.alliances.documents import access_agreement, open_document
from verbund.alliances.models import Alliance, Membership
from verbund.alliances.selectors import alliance_public_data, alliances_of_body

from .factories import AllianceFactory, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def others(world: SimpleNamespace) -> SimpleNamespace:
    """A published alliance without our users, and an unpublished one of the outsider."""
    return SimpleNamespace(
        published=AllianceFactory(published=True, slug="oeffentlich", members=[world.vg_c]),
        hidden=AllianceFactory(slug="fremd", members=[world.outsider]),
    )


def visible_slugs(user: object) -> set[str]:
    return set(Alliance.objects.visible_to(user).values_list("slug", flat=True))


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
    user = AnonymousUser() if who == "anonymous" else getattr(world, who)
    assert visible_slugs(user) == expected


def test_former_members_staff_no_longer_see(world: SimpleNamespace, alliance: Alliance) -> None:
    membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(acting_user=world.coordinator, membership=membership)
    assert "cyber" not in visible_slugs(world.head_b)
    with pytest.raises(Http404):
        access_alliance(world.head_b, "cyber")


def test_inactive_users_see_only_the_public(world: SimpleNamespace, alliance: Alliance) -> None:
    world.advisory.is_active = False
    assert viewer_for(world.advisory, fresh=True).reads_all is False
    assert visible_slugs(world.advisory) == set()


@pytest.mark.parametrize("who", ["anonymous", "nobody", "clerk_outsider", "head_outsider"])
def test_invisible_and_missing_look_alike(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    user = AnonymousUser() if who == "anonymous" else getattr(world, who)
    for address in ("cyber", "gibt-es-nicht", alliance.pk, 999_999):
        with pytest.raises(Http404) as excinfo:
            access_alliance(user, address)
        assert str(excinfo.value) == "Kein solcher Verbund."


@pytest.mark.parametrize("who", ["advisory", "funding", "head_a", "clerk_a"])
def test_readers_who_may_not_change_get_403(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    user = getattr(world, who)
    assert access_alliance(user, "cyber") == alliance
    with pytest.raises(PermissionDenied):
        access_alliance(user, "cyber", for_change=True)
    assert not can_change(user, alliance)


@pytest.mark.parametrize("who", ["coordinator", "operator", "superuser"])
def test_changers(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    assert access_alliance(getattr(world, who), alliance.pk, for_change=True) == alliance


def test_published_alliance_is_public_but_not_changeable(
    world: SimpleNamespace, others: SimpleNamespace
) -> None:
    assert access_alliance(AnonymousUser(), "oeffentlich") == others.published
    with pytest.raises(PermissionDenied):
        access_alliance(AnonymousUser(), "oeffentlich", for_change=True)
    # internal parts (documents, timeline) stay hidden from the public
    with pytest.raises(Http404):
        access_alliance_internal(world.nobody, "oeffentlich")
    assert access_alliance_internal(world.advisory, "oeffentlich") == others.published


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
    assert can_confirm_membership(world.head_a, membership)
    assert not can_confirm_membership(world.clerk_a, membership)
    assert not can_confirm_membership(world.head_b, membership)
    assert not can_confirm_membership(world.coordinator, membership)
    assert can_upload_resolution(world.head_a, alliance, world.vg_a)
    assert can_upload_resolution(world.coordinator, alliance, world.vg_b)
    assert not can_upload_resolution(world.head_a, alliance, world.vg_b)
    assert not can_upload_resolution(world.clerk_a, alliance, world.vg_a)
    assert not can_upload_resolution(world.advisory, alliance, world.vg_a)


def test_documents_only_for_insiders(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(
        acting_user=world.coordinator, alliance=alliance, data={"public_summary": "Kurz."}
    )
    services.alliance_publish(acting_user=world.coordinator, alliance=alliance)
    document = services.agreement_attach(
        acting_user=world.coordinator,
        alliance=alliance,
        title="Zweckvereinbarung",
        file=SimpleUploadedFile("ZV unterschrieben.pdf", pdf_bytes("signiert")),
    )
    for who in ("clerk_a", "head_b", "coordinator", "advisory", "funding", "operator"):
        opened = open_document(getattr(world, who), document)
        with opened.file as handle:
            assert handle.read() == pdf_bytes("signiert")
        assert opened.filename == "ZV unterschrieben.pdf" and opened.content_type == "application/pdf"
        assert access_agreement(getattr(world, who), document.pk) == document
    for user in (AnonymousUser(), world.nobody, world.clerk_outsider):
        assert not can_read_documents(user, alliance)
        with pytest.raises(Http404):
            open_document(user, document)
        with pytest.raises(Http404):
            access_agreement(user, document.pk)
    with pytest.raises(Http404):
        access_agreement(world.coordinator, 999_999)


def test_roles_are_read_once_per_user_object(world: SimpleNamespace, alliance: Alliance) -> None:
    user = world.clerk_a
    with CaptureQueriesContext(connection) as first:
        viewer_for(user)
    assert len(first) == 2  # body/platform roles, coordinated alliances
    with CaptureQueriesContext(connection) as again:
        viewer_for(user)
        can_change(user, alliance)
        Alliance.objects.visible_to(user)
    assert len(again) == 0


def test_alliances_of_a_body(world: SimpleNamespace, alliance: Alliance, others: SimpleNamespace) -> None:
    assert list(alliances_of_body(AnonymousUser(), world.vg_a)) == []
    assert list(alliances_of_body(world.clerk_a, world.vg_a)) == [alliance]
    assert list(alliances_of_body(AnonymousUser(), world.vg_c)) == [others.published]
    membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(acting_user=world.coordinator, membership=membership)
    assert list(alliances_of_body(world.advisory, world.vg_b)) == []
    assert list(alliances_of_body(world.advisory, world.vg_b, include_former=True)) == [alliance]
