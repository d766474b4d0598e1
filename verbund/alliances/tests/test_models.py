"""Single-row and table invariants of alliances, enforced by the database (SQLite and PostgreSQL):
one open membership per body, one open lead per alliance, dates in order, agreement versions unique;
and the seeded fields of action."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from verbund.alliances.models import (
    Alliance,
    FieldOfAction,
    LegalForm,
    MemberRole,
    Membership,
    Status,
    agreement_upload_to,
)

from .factories import AgreementDocumentFactory, AllianceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_fields_of_action_are_seeded_in_order() -> None:
    names = list(FieldOfAction.objects.values_list("name", flat=True))
    assert len(names) == 13
    assert names[:3] == ["Verwaltungsdigitalisierung", "Cybersicherheit", "Brand- und Katastrophenschutz"]
    assert names[-1] == "Sonstiges"
    assert "Back-Office / Vergabe / Beschaffung" in names and "Wissen und KI" in names


def test_one_open_membership_per_body(world: SimpleNamespace, alliance: Alliance) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(alliance=alliance, body=world.vg_a, joined_on=dt.date(2025, 3, 1))
    # closed rows do not count: the history may hold several
    open_row = Membership.objects.get(alliance=alliance, body=world.vg_a)
    open_row.left_on = dt.date(2025, 3, 1)
    open_row.save()
    MembershipFactory(alliance=alliance, body=world.vg_a, joined_on=dt.date(2025, 4, 1), left=False)
    MembershipFactory(
        alliance=alliance, body=world.vg_a, joined_on=dt.date(2024, 1, 1), left_on=dt.date(2024, 2, 1)
    )
    assert Membership.objects.filter(alliance=alliance, body=world.vg_a).count() == 3


def test_one_open_lead_per_alliance(world: SimpleNamespace, alliance: Alliance) -> None:
    Membership.objects.filter(alliance=alliance, body=world.vg_a).update(role=MemberRole.FEDERFUEHREND)
    second = Membership(
        alliance=alliance, body=world.vg_c, role=MemberRole.FEDERFUEHREND, joined_on=timezone.localdate()
    )
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "bereits ein federführendes Mitglied" in str(excinfo.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    # a former lead does not block a new one
    MembershipFactory(alliance=alliance, body=world.outsider, lead=True, left=True)


def test_left_not_before_joined(world: SimpleNamespace, alliance: Alliance) -> None:
    row = Membership.objects.get(alliance=alliance, body=world.vg_a)
    row.left_on = row.joined_on - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_ortsgemeinde_cannot_be_applicant(world: SimpleNamespace, alliance: Alliance) -> None:
    from verbund.registry.tests.factories import BodyFactory

    og = BodyFactory.create(parent=world.vg_a)
    row = Membership(
        alliance=alliance, body=og, role=MemberRole.ANTRAGSTELLEND, joined_on=timezone.localdate()
    )
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert "über ihre Verbandsgemeinde" in str(excinfo.value)


def test_end_not_before_start() -> None:
    alliance = AllianceFactory.build(start_date=dt.date(2025, 1, 1), end_date=dt.date(2024, 12, 31))
    with pytest.raises(ValidationError):
        alliance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        alliance.save()


def test_bound_stages_need_a_legal_form() -> None:
    alliance = AllianceFactory.create(vereinbarung=True)
    alliance.legal_form = LegalForm.NONE
    with pytest.raises(ValidationError) as excinfo:
        alliance.full_clean()
    assert "legal_form" in excinfo.value.message_dict
    AllianceFactory.build(status=Status.BEENDET, legal_form=LegalForm.NONE, slug="x").full_clean()


def test_agreement_versions_are_unique_per_title() -> None:
    doc = AgreementDocumentFactory()
    AgreementDocumentFactory(alliance=doc.alliance, title="Kooperationsvertrag", version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementDocumentFactory(alliance=doc.alliance, title=doc.title, version=1)


def test_upload_path_is_per_alliance_and_random() -> None:
    stub: Any = SimpleNamespace(alliance_id=42)
    first, second = (
        agreement_upload_to(stub, "Vertrag Müller.pdf"),
        agreement_upload_to(stub, "Vertrag Müller.pdf"),
    )
    assert first.startswith("alliances/42/vereinbarungen/") and first.endswith(".pdf")
    assert first != second
    assert "Müller" not in first
