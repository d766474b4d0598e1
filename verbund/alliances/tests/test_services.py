"""Alliance services: who may call each one, the rules they enforce (lifecycle, members, history,
documents, coordinators, publication) and the audit record every write leaves behind."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from verbund.alliances import services
from verbund.alliances.models import (
    AgreementDocument,
    Alliance,
    AllianceRole,
    CouncilResolution,
    DecidingOrgan,
    LegalForm,
    MemberRole,
    Membership,
    Status,
    StatusChange,
)
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.registry.tests.factories import BodyFactory

from .factories import AllianceFactory, pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
#: A refusal of the data or the state: Django's ValidationError (full_clean) or the core's kinds.
REFUSED = (ValidationError, Invalid, Conflict)


def audit(alliance: Alliance, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_object(alliance).filter(action=action))


# --- create, update, publish ---------------------------------------------------------------------------


def test_create_makes_the_creator_coordinator(world: SimpleNamespace) -> None:
    alliance = services.alliance_create(
        actor=world.clerk_a,
        name="Zentrale Vergabestelle und Fördermittelmanagement",
        fields=["back-office-vergabe-beschaffung", "foerdermittelmanagement"],
    )
    assert alliance.slug == "zentrale-vergabestelle-und-fordermittelmanagement"
    assert alliance.status == Status.IDEE and not alliance.is_published
    assert AllianceRole.objects.filter(alliance=alliance, user=world.clerk_a).exists()
    assert [c.to_status for c in StatusChange.objects.filter(alliance=alliance)] == [Status.IDEE]
    (entry,) = audit(alliance, "alliance.create")
    assert entry.actor == world.clerk_a
    assert entry.changes["fields"] == "Back-Office / Vergabe / Beschaffung, Fördermittelmanagement"
    # the creator may now change it (the cached roles were refreshed)
    services.alliance_update(actor=world.clerk_a, alliance=alliance, data={"short_name": "ZVS"})
    again = services.alliance_create(actor=world.advisory, name=alliance.name)
    assert again.slug == alliance.slug + "-2"


@pytest.mark.parametrize("who", ["nobody", "funding"])
def test_create_needs_a_role(world: SimpleNamespace, who: str) -> None:
    with pytest.raises(Forbidden):
        services.alliance_create(actor=getattr(world, who), name="Ohne Recht")
    assert not Alliance.objects.exists()


def test_create_refuses_unknown_field(world: SimpleNamespace) -> None:
    with pytest.raises(REFUSED) as excinfo:
        services.alliance_create(actor=world.clerk_a, name="X", fields=["gibt-es-nicht"])
    assert "Unbekanntes Handlungsfeld" in str(excinfo.value)


def test_update_records_what_changed(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(
        actor=world.coordinator,
        alliance=alliance,
        data={
            "legal_form": LegalForm.ZWECKVEREINBARUNG,
            "name": alliance.name,
            "fields": ["cybersicherheit"],
        },
    )
    alliance.refresh_from_db()
    assert alliance.legal_form == LegalForm.ZWECKVEREINBARUNG
    (entry,) = audit(alliance, "alliance.update")
    assert entry.changes == {"legal_form": ["none", "zweckvereinbarung"], "fields": ["", "Cybersicherheit"]}
    # nothing changed, nothing recorded
    services.alliance_update(actor=world.coordinator, alliance=alliance, data={"name": alliance.name})
    assert len(audit(alliance, "alliance.update")) == 1
    with pytest.raises(ValueError):
        services.alliance_update(actor=world.coordinator, alliance=alliance, data={"status": "umsetzung"})


def test_update_validates_dates(world: SimpleNamespace, alliance: Alliance) -> None:
    with pytest.raises(REFUSED):
        services.alliance_update(
            actor=world.coordinator,
            alliance=alliance,
            data={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2025, 1, 1)},
        )


@pytest.mark.parametrize("who", ["advisory", "funding", "head_a", "clerk_a", "nobody"])
def test_only_coordinators_and_operators_change(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    with pytest.raises(Forbidden):
        services.alliance_update(actor=getattr(world, who), alliance=alliance, data={"short_name": "X"})
    with pytest.raises(Forbidden):
        services.alliance_transition(actor=getattr(world, who), alliance=alliance, to_status=Status.ANBAHNUNG)
    with pytest.raises(Forbidden):
        services.member_add(actor=getattr(world, who), alliance=alliance, body=world.vg_c)


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_operators_change_any_alliance(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    services.alliance_update(actor=getattr(world, who), alliance=alliance, data={"short_name": "CS"})
    alliance.refresh_from_db()
    assert alliance.short_name == "CS"


def test_publish_needs_a_public_summary(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(actor=world.coordinator, alliance=alliance, data={"public_summary": ""})
    with pytest.raises(Conflict) as conflict:
        services.alliance_publish(actor=world.coordinator, alliance=alliance)
    assert conflict.value.status == 409 and conflict.value.code == "public_summary_missing"
    assert "Kurzbeschreibung" in str(conflict.value) and "public_summary" in conflict.value.fields
    services.alliance_update(
        actor=world.coordinator, alliance=alliance, data={"public_summary": "Gemeinsam sicherer."}
    )
    services.alliance_publish(actor=world.coordinator, alliance=alliance)
    alliance.refresh_from_db()
    assert alliance.is_published
    with pytest.raises(REFUSED):
        services.alliance_update(actor=world.coordinator, alliance=alliance, data={"public_summary": " "})
    services.alliance_unpublish(actor=world.coordinator, alliance=alliance)
    alliance.refresh_from_db()
    assert not alliance.is_published
    assert len(audit(alliance, "alliance.publish")) == 1 and len(audit(alliance, "alliance.unpublish")) == 1


# --- lifecycle -----------------------------------------------------------------------------------------


def test_full_lifecycle_is_recorded(world: SimpleNamespace, alliance: Alliance) -> None:
    services.alliance_update(
        actor=world.coordinator, alliance=alliance, data={"legal_form": LegalForm.ZWECKVEREINBARUNG}
    )
    path = [Status.ANBAHNUNG, Status.VEREINBARUNG, Status.UMSETZUNG, Status.REGELBETRIEB, Status.BEENDET]
    for target in path:
        change = services.alliance_transition(
            actor=world.coordinator, alliance=alliance, to_status=target, note=f"nach {target}"
        )
        assert change.to_status == target and change.changed_by == world.coordinator
        assert alliance.status == target
    alliance.refresh_from_db()
    assert alliance.status == Status.BEENDET
    timeline = list(StatusChange.objects.filter(alliance=alliance).order_by("changed_at", "id"))
    assert [c.to_status for c in timeline] == path
    assert [c.from_status for c in timeline] == [Status.IDEE, *path[:-1]]
    entries = audit(alliance, "alliance.transition")
    assert len(entries) == 5
    assert {tuple(e.changes["status"]) for e in entries} == {(c.from_status, c.to_status) for c in timeline}
    with pytest.raises(Conflict) as conflict:
        services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.IDEE)
    assert conflict.value.code == "transition_refused" and "beendet" in str(conflict.value)


def test_skipping_a_stage_is_refused(world: SimpleNamespace, alliance: Alliance) -> None:
    with pytest.raises(Conflict) as excinfo:
        services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.UMSETZUNG)
    assert excinfo.value.code == "transition_refused" and excinfo.value.status == 409
    assert "jede Stufe wird einzeln durchlaufen" in str(excinfo.value)
    with pytest.raises(Invalid) as invalid:  # a bad value is an input error (422), not a conflict
        services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status="fertig")
    assert invalid.value.status == 422 and "Unbekannter Status" in invalid.value.fields["to_status"][0]
    alliance.refresh_from_db()
    assert alliance.status == Status.IDEE
    assert not audit(alliance, "alliance.transition")


def test_agreement_needs_legal_form_and_two_current_members(
    world: SimpleNamespace, alliance: Alliance
) -> None:
    services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.ANBAHNUNG)
    with pytest.raises(Conflict) as excinfo:
        services.alliance_transition(
            actor=world.coordinator, alliance=alliance, to_status=Status.VEREINBARUNG
        )
    assert "Rechtsform" in str(excinfo.value)
    services.alliance_update(
        actor=world.coordinator, alliance=alliance, data={"legal_form": LegalForm.ZWECKVEREINBARUNG}
    )
    membership = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(actor=world.coordinator, membership=membership)
    with pytest.raises(Conflict) as excinfo:
        services.alliance_transition(
            actor=world.coordinator, alliance=alliance, to_status=Status.VEREINBARUNG
        )
    assert "mindestens 2 Mitglieder" in str(excinfo.value)
    services.member_add(actor=world.coordinator, alliance=alliance, body=world.vg_c)
    services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.VEREINBARUNG)
    alliance.refresh_from_db()
    assert alliance.status == Status.VEREINBARUNG
    with pytest.raises(REFUSED):
        services.alliance_update(actor=world.coordinator, alliance=alliance, data={"legal_form": "none"})


def test_end_from_any_stage(world: SimpleNamespace) -> None:
    alliance = AllianceFactory.create(umsetzung=True, coordinator=world.coordinator)
    services.alliance_transition(actor=world.coordinator, alliance=alliance, to_status=Status.BEENDET)
    assert Alliance.objects.get(pk=alliance.pk).status == Status.BEENDET


# --- members -------------------------------------------------------------------------------------------


def test_leaving_and_rejoining_keeps_history(world: SimpleNamespace, alliance: Alliance) -> None:
    first = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_remove(
        actor=world.coordinator, membership=first, left_on=dt.date(2025, 6, 30), note="Ratsbeschluss"
    )
    with pytest.raises(Conflict) as conflict:
        services.member_remove(actor=world.coordinator, membership=first)
    assert conflict.value.code == "already_left"
    assert "bereits am 30.06.2025 ausgetreten" in str(conflict.value)
    with pytest.raises(Conflict) as conflict:
        services.member_set_role(actor=world.coordinator, membership=first, role=MemberRole.MITGLIED)
    assert conflict.value.code == "former_member"
    other = Membership.objects.get(alliance=alliance, body=world.vg_a)
    with pytest.raises(ValidationError) as invalid:  # a bad date is an input error, not a conflict
        services.member_remove(
            actor=world.coordinator, membership=other, left_on=TODAY() + dt.timedelta(days=1)
        )
    assert "Zukunft" in str(invalid.value)
    assert Membership.objects.get(pk=other.pk).is_current
    with pytest.raises(REFUSED) as excinfo:
        services.member_add(
            actor=world.coordinator, alliance=alliance, body=world.vg_b, joined_on=dt.date(2025, 6, 1)
        )
    assert "letzten Austritt (30.06.2025)" in str(excinfo.value)
    with pytest.raises(REFUSED) as excinfo:
        services.member_add(
            actor=world.coordinator,
            alliance=alliance,
            body=world.vg_b,
            joined_on=TODAY() + dt.timedelta(days=1),
        )
    assert "Zukunft" in str(excinfo.value)
    second = services.member_add(
        actor=world.coordinator, alliance=alliance, body=world.vg_b, joined_on=dt.date(2025, 9, 1)
    )
    rows = list(Membership.objects.filter(alliance=alliance, body=world.vg_b).order_by("joined_on"))
    assert [(r.pk, r.joined_on, r.left_on) for r in rows] == [
        (first.pk, first.joined_on, dt.date(2025, 6, 30)),
        (second.pk, dt.date(2025, 9, 1), None),
    ]
    assert rows[0].note == "Ratsbeschluss"
    assert [e.changes["member"] for e in audit(alliance, "alliance.member_remove")] == [world.vg_b.ars]
    assert len(audit(alliance, "alliance.member_add")) == 1


def test_member_add_refusals(world: SimpleNamespace, alliance: Alliance) -> None:
    with pytest.raises(Conflict) as conflict:
        services.member_add(actor=world.coordinator, alliance=alliance, body=world.vg_a)
    assert conflict.value.code == "already_member" and "bereits Mitglied" in str(conflict.value)
    dissolved = BodyFactory.create(dissolved=True)
    with pytest.raises(ValidationError) as excinfo:
        services.member_add(actor=world.coordinator, alliance=alliance, body=dissolved)
    assert "aufgelöst" in str(excinfo.value)


def test_one_lead_at_a_time(world: SimpleNamespace, alliance: Alliance) -> None:
    a = Membership.objects.get(alliance=alliance, body=world.vg_a)
    b = Membership.objects.get(alliance=alliance, body=world.vg_b)
    services.member_set_role(actor=world.coordinator, membership=a, role=MemberRole.FEDERFUEHREND)
    with pytest.raises(Conflict) as conflict:
        services.member_set_role(actor=world.coordinator, membership=b, role=MemberRole.FEDERFUEHREND)
    assert conflict.value.code == "lead_taken" and conflict.value.fields == {"role": [str(conflict.value)]}
    assert "bereits ein federführendes Mitglied" in str(conflict.value)
    with pytest.raises(Conflict):
        services.member_add(
            actor=world.coordinator, alliance=alliance, body=world.vg_c, role=MemberRole.FEDERFUEHREND
        )
    services.member_set_role(actor=world.coordinator, membership=a, role=MemberRole.MITGLIED)
    services.member_set_role(actor=world.coordinator, membership=b, role=MemberRole.FEDERFUEHREND)
    entries = sorted(audit(alliance, "alliance.member_set_role"), key=lambda e: e.pk)
    assert [e.changes["role"] for e in entries] == [
        ["mitglied", "federfuehrend"],
        ["federfuehrend", "mitglied"],
        ["mitglied", "federfuehrend"],
    ]


def test_head_confirms_own_membership_only(world: SimpleNamespace, alliance: Alliance) -> None:
    membership = Membership.objects.get(alliance=alliance, body=world.vg_a)
    for who in (world.clerk_a, world.head_b, world.coordinator, world.advisory, world.operator):
        with pytest.raises(Forbidden):
            services.membership_confirm(actor=who, membership=membership)
    services.membership_confirm(actor=world.head_a, membership=membership)
    membership.refresh_from_db()
    assert membership.is_confirmed and membership.confirmed_by == world.head_a
    with pytest.raises(Conflict) as conflict:
        services.membership_confirm(actor=world.head_a, membership=membership)
    assert conflict.value.code == "already_confirmed"
    services.member_remove(actor=world.coordinator, membership=membership)
    with pytest.raises(Conflict) as conflict:
        services.membership_confirm(actor=world.head_a, membership=membership)
    assert conflict.value.code == "membership_ended"
    (entry,) = audit(alliance, "alliance.membership_confirm")
    assert entry.changes["member"] == world.vg_a.ars


# --- documents -----------------------------------------------------------------------------------------


def upload(data: bytes, name: str = "vereinbarung.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_agreement_versions_count_up_per_title(world: SimpleNamespace, alliance: Alliance) -> None:
    docs = [
        services.agreement_attach(
            actor=world.coordinator,
            alliance=alliance,
            title="Zweckvereinbarung",
            file=upload(pdf_bytes(str(n))),
        )
        for n in range(3)
    ]
    other = services.agreement_attach(
        actor=world.coordinator,
        alliance=alliance,
        title="Kooperationsvertrag",
        file=io.BytesIO(pdf_bytes()),
        file_name="vertrag.pdf",
        signed_on=dt.date(2026, 1, 21),
    )
    assert [d.version for d in docs] == [1, 2, 3] and other.version == 1
    assert docs[0].file.name.startswith(f"alliances/{alliance.pk}/vereinbarungen/")
    assert docs[0].file.read() == pdf_bytes("0")
    assert docs[0].content_type == "application/pdf" and docs[0].size == len(pdf_bytes("0"))
    assert len(docs[0].sha256) == 64 and docs[0].sha256 != docs[1].sha256
    assert other.original_name == "vertrag.pdf" and other.signed_on == dt.date(2026, 1, 21)
    entries = audit(alliance, "alliance.agreement_attach")
    assert sorted(e.changes["version"] for e in entries) == [1, 1, 2, 3]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 word document", "kein PDF-Dokument"),
        (b"\x89PNG\r\n\x1a\n....", "kein PDF-Dokument"),
        (b"", "leer"),
        (pdf_bytes()[:-8], "unvollständig"),
    ],
    ids=["docx", "png", "empty", "truncated"],
)
def test_uploads_must_be_complete_pdfs(
    world: SimpleNamespace, alliance: Alliance, data: bytes, message: str
) -> None:
    with pytest.raises(REFUSED) as excinfo:
        services.agreement_attach(
            actor=world.coordinator,
            alliance=alliance,
            title="Zweckvereinbarung",
            file=upload(data, "x.pdf"),
        )
    assert message in str(excinfo.value)
    assert not AgreementDocument.objects.exists()
    assert not audit(alliance, "alliance.agreement_attach")


@override_settings(ALLIANCE_UPLOAD_MAX_MB=1)
def test_uploads_over_the_limit_are_refused(world: SimpleNamespace, alliance: Alliance) -> None:
    too_big = pdf_bytes(padding=1024 * 1024)
    with pytest.raises(REFUSED) as excinfo:
        services.agreement_attach(
            actor=world.coordinator, alliance=alliance, title="Zweckvereinbarung", file=upload(too_big)
        )
    assert "zu groß" in str(excinfo.value) and "höchstens 1 MB" in str(excinfo.value)
    # a stream without a declared size is measured while reading
    with pytest.raises(REFUSED):
        services.agreement_attach(
            actor=world.coordinator,
            alliance=alliance,
            title="Zweckvereinbarung",
            file=io.BytesIO(too_big),
        )
    fits = pdf_bytes(padding=1024 * 1024 - 200)
    assert services.agreement_attach(
        actor=world.coordinator, alliance=alliance, title="Zweckvereinbarung", file=upload(fits)
    ).size == len(fits)


@override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}})
def test_a_failed_write_leaves_no_stored_file(
    world: SimpleNamespace, alliance: Alliance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.storage import default_storage

    def broken_audit(**kwargs: object) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services.documents, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.agreement_attach(
            actor=world.coordinator,
            alliance=alliance,
            title="Zweckvereinbarung",
            file=upload(pdf_bytes()),
        )
    assert default_storage.listdir(f"alliances/{alliance.pk}/vereinbarungen") == ([], [])
    assert not AgreementDocument.objects.exists()


@pytest.mark.parametrize("who", ["advisory", "head_a", "clerk_a", "operator"])
def test_only_changers_attach_agreements(world: SimpleNamespace, alliance: Alliance, who: str) -> None:
    if who == "operator":
        services.agreement_attach(
            actor=world.operator, alliance=alliance, title="V", file=upload(pdf_bytes())
        )
        return
    with pytest.raises(Forbidden):
        services.agreement_attach(
            actor=getattr(world, who), alliance=alliance, title="V", file=upload(pdf_bytes())
        )


def test_resolutions_by_head_of_the_member_or_coordinator(world: SimpleNamespace, alliance: Alliance) -> None:
    decided = dt.date(2025, 11, 20)
    own = services.resolution_record(
        actor=world.head_a,
        alliance=alliance,
        body=world.vg_a,
        decided_on=decided,
        decided_by=DecidingOrgan.VERBANDSGEMEINDERAT,
        subject="Beitritt zur Zweckvereinbarung",
        file=upload(pdf_bytes("Beschluss"), "beschluss.pdf"),
    )
    assert own.file.name.startswith(f"alliances/{alliance.pk}/beschluesse/") and own.sha256
    by_coordinator = services.resolution_record(
        actor=world.coordinator,
        alliance=alliance,
        body=world.vg_b,
        decided_on=decided,
        decided_by=DecidingOrgan.SONSTIGES,
        decided_by_other="Haupt- und Finanzausschuss",
        subject="Beitritt",
    )
    assert not by_coordinator.file and by_coordinator.organ_label == "Haupt- und Finanzausschuss"
    for who, body in ((world.head_a, world.vg_b), (world.clerk_a, world.vg_a), (world.advisory, world.vg_a)):
        with pytest.raises(Forbidden):
            services.resolution_record(
                actor=who,
                alliance=alliance,
                body=body,
                decided_on=decided,
                decided_by=DecidingOrgan.GEMEINDERAT,
                subject="x",
            )
    # the body must be a current member
    with pytest.raises(REFUSED) as excinfo:
        services.resolution_record(
            actor=world.head_outsider,
            alliance=alliance,
            body=world.outsider,
            decided_on=decided,
            decided_by=DecidingOrgan.GEMEINDERAT,
            subject="x",
        )
    assert "kein Mitglied" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        services.resolution_record(
            actor=world.head_a,
            alliance=alliance,
            body=world.vg_a,
            decided_on=TODAY() + dt.timedelta(days=1),
            decided_by=DecidingOrgan.SONSTIGES,
            subject="x",
        )
    assert {"decided_on", "decided_by_other"} <= set(excinfo.value.message_dict)
    assert CouncilResolution.objects.count() == 2
    assert len(audit(alliance, "alliance.resolution_record")) == 2


# --- coordinators --------------------------------------------------------------------------------------


def test_coordinators_assign_and_revoke(world: SimpleNamespace, alliance: Alliance) -> None:
    with pytest.raises(REFUSED) as excinfo:
        services.coordinator_revoke(actor=world.coordinator, alliance=alliance, user=world.coordinator)
    assert "mindestens eine Koordination" in str(excinfo.value)
    with pytest.raises(Forbidden):
        services.coordinator_assign(actor=world.head_a, alliance=alliance, user=world.head_a)
    services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=world.head_a)
    with pytest.raises(REFUSED):
        services.coordinator_assign(actor=world.coordinator, alliance=alliance, user=world.head_a)
    # the new coordinator may change the alliance at once, and revoke the old one
    services.coordinator_revoke(actor=world.head_a, alliance=alliance, user=world.coordinator)
    with pytest.raises(Forbidden):
        services.alliance_update(actor=world.coordinator, alliance=alliance, data={"short_name": "X"})
    assert [e.changes["coordinator"] for e in audit(alliance, "alliance.coordinator_assign")] == ["leitung.a"]
    assert [e.changes["coordinator"] for e in audit(alliance, "alliance.coordinator_revoke")] == [
        "koordination"
    ]
