"""Advisory cases: the services (opening, numbering, editing, parties, states, notes, documents,
appointments, notifications, audit). The other case tests import :func:`case_world` from here."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.models import Case, CaseDocument, CaseNote, CaseParty, CaseStatusChange
from verbund.advisory.services import cases as svc
from verbund.alliances.tests.factories import AllianceFactory, pdf_bytes
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.common.roles import Role
from verbund.notifications.models import Event
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


def office_user(**kwargs: Any) -> Any:
    user = UserFactory.create(**kwargs)
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return user


def case_world() -> SimpleNamespace:
    """An office (two advisors), a requesting Verbandsgemeinde in an alliance, another alliance and
    outsiders of every kind."""
    body_a = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    body_b = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    body_other = BodyFactory.create(verbandsgemeinde=True, name="Weit Weg")
    coordinator = UserFactory.create()
    coordinator_other = UserFactory.create()
    alliance = AllianceFactory.create(
        members=[body_a, body_b], coordinator=coordinator, name="Westpfalz digital"
    )
    other_alliance = AllianceFactory.create(members=[body_other], coordinator=coordinator_other)
    funding = UserFactory.create()
    RoleAssignmentFactory.create(user=funding, role=Role.BEWILLIGUNGSBEHOERDE)
    return SimpleNamespace(
        office=office_user(first_name="Olga", last_name="Office"),
        advisor=office_user(first_name="Anna", last_name="Beraterin"),
        body_a=body_a,
        body_b=body_b,
        body_other=body_other,
        alliance=alliance,
        other_alliance=other_alliance,
        coordinator=coordinator,
        coordinator_other=coordinator_other,
        clerk_a=UserFactory.create(staff_of=body_a),
        head_b=UserFactory.create(head_of=body_b),
        clerk_other=UserFactory.create(staff_of=body_other),
        funding=funding,
        operator=UserFactory.create(operator=True),
    )


def open_sample(world: SimpleNamespace, **kwargs: Any) -> Case:
    values: dict[str, Any] = {
        "title": "Gemeinsames Standesamt",
        "description": "Die VG fragt nach einer Zweckvereinbarung.",
        "parties": [svc.PartyInput(body_id=world.body_a.pk, requested=True)],
        "advisor": world.advisor,
        "next_step": "Unterlagen sichten",
        "next_step_due": timezone.localdate() + dt.timedelta(days=7),
    }
    values.update(kwargs)
    return svc.open_case(actor=world.office, **values)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return case_world()


# --- opening and numbering -------------------------------------------------------------------------


def test_opening_numbers_per_year_and_records_party_history_audit(world: SimpleNamespace) -> None:
    year = timezone.localdate().year
    first = open_sample(world)
    second = open_sample(world, title="Zweiter Fall")
    assert first.number == f"B-{year}-0001" and second.number == f"B-{year}-0002"
    assert first.status == "angefragt"
    party = CaseParty.objects.get(case=first)
    assert party.body == world.body_a and party.requested
    assert CaseStatusChange.objects.filter(case=first, to_status="angefragt").count() == 1
    entry = AuditEntry.objects.get(action="advisory.case_open", object_id=str(first.pk))
    assert entry.changes["Aktenzeichen"] == first.number
    assert all(key[0].isupper() for key in entry.changes)


def test_numbers_continue_after_a_previous_year_and_restart_per_year(world: SimpleNamespace) -> None:
    year = timezone.localdate().year
    old = open_sample(world)
    Case.objects.filter(pk=old.pk).update(number=f"B-{year - 1}-0041")
    fresh = open_sample(world)
    assert fresh.number == f"B-{year}-0001"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"origin": "zufall"}, "origin"),
        ({"field_of_action": 999_999}, "field_of_action"),
        ({"next_step": "", "next_step_due": dt.date(2030, 1, 1)}, "next_step"),
        ({"parties": [svc.PartyInput(body_id=None, alliance_id=None)]}, "parties"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    world: SimpleNamespace, change: dict, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        open_sample(world, **change)
    assert field in refused.value.fields
    assert Case.objects.count() == 0 and AuditEntry.objects.filter(action="advisory.case_open").count() == 0


def test_the_advisor_must_belong_to_the_office(world: SimpleNamespace) -> None:
    with pytest.raises(Invalid) as refused:
        open_sample(world, advisor=world.clerk_a)
    assert "advisor" in refused.value.fields
    assert "Beratungsstelle" in refused.value.fields["advisor"][0]


def test_a_request_marks_who_asked(world: SimpleNamespace) -> None:
    with pytest.raises(Invalid) as refused:
        open_sample(world, parties=[svc.PartyInput(body_id=world.body_a.pk)])
    assert "parties" in refused.value.fields
    case = open_sample(world, origin="initiative", parties=[svc.PartyInput(body_id=world.body_a.pk)])
    assert case.origin == "initiative"


@pytest.mark.parametrize("who", ["clerk_a", "coordinator", "funding", "operator"])
def test_only_the_office_opens_cases(world: SimpleNamespace, who: str) -> None:
    with pytest.raises(Forbidden):
        svc.open_case(actor=getattr(world, who), title="Fall")
    assert Case.objects.count() == 0


# --- editing, alliance, parties --------------------------------------------------------------------


def test_edit_audits_changes_and_notifies_a_new_advisor(world: SimpleNamespace) -> None:
    case = open_sample(world, advisor=None)
    assert not Event.objects.filter(event_type="advisory.case_assigned").exists()
    svc.update_case(actor=world.office, case_id=case.pk, title="Neuer Betreff", advisor=world.advisor)
    case.refresh_from_db()
    assert case.title == "Neuer Betreff" and case.advisor == world.advisor
    entry = AuditEntry.objects.filter(action="advisory.case_change").latest("pk")
    assert entry.changes["Betreff"] == "Neuer Betreff"
    event = Event.objects.get(event_type="advisory.case_assigned")
    assert event.audience["users"] == [world.advisor.pk]
    with pytest.raises(Forbidden):
        svc.update_case(actor=world.clerk_a, case_id=case.pk, title="Von der VG")
    with pytest.raises(NotFound):
        svc.update_case(actor=world.clerk_other, case_id=case.pk, title="Fremd")


def test_link_and_unlink_the_alliance(world: SimpleNamespace) -> None:
    case = open_sample(world)
    svc.link_alliance(actor=world.office, case_id=case.pk, alliance=world.alliance.pk)
    case.refresh_from_db()
    assert case.alliance == world.alliance
    svc.link_alliance(actor=world.office, case_id=case.pk, alliance=None)
    case.refresh_from_db()
    assert case.alliance is None
    with pytest.raises(Invalid) as refused:
        svc.link_alliance(actor=world.office, case_id=case.pk, alliance=999_999)
    assert "alliance" in refused.value.fields
    assert AuditEntry.objects.filter(
        action="advisory.case_change", changes__Verbund=world.alliance.name
    ).exists()


def test_add_and_remove_parties(world: SimpleNamespace) -> None:
    case = open_sample(world)
    party = svc.add_party(actor=world.office, case_id=case.pk, alliance=world.alliance)
    assert party.alliance == world.alliance
    with pytest.raises(Invalid) as twice:
        svc.add_party(actor=world.office, case_id=case.pk, body=world.body_a)
    assert "body" in twice.value.fields
    svc.remove_party(actor=world.office, case_id=case.pk, party_id=party.pk)
    assert not CaseParty.objects.filter(pk=party.pk).exists()
    assert AuditEntry.objects.filter(action="advisory.case_party").count() == 2


# --- the state machine -----------------------------------------------------------------------------


def test_states_recommendation_closing_and_history(world: SimpleNamespace) -> None:
    case = open_sample(world)
    svc.transition(actor=world.office, case_id=case.pk, action="beginnen", remark="Erstgespräch")
    with pytest.raises(Invalid) as refused:
        svc.transition(actor=world.office, case_id=case.pk, action="empfehlen")
    assert "recommendation" in refused.value.fields
    assert Case.objects.get(pk=case.pk).status == "in_beratung"
    svc.transition(
        actor=world.office, case_id=case.pk, action="empfehlen", recommendation="Zweckvereinbarung"
    )
    closed = svc.transition(actor=world.office, case_id=case.pk, action="abschliessen", remark="erledigt")
    assert closed.status == "abgeschlossen" and closed.closed_at is not None
    reopened = svc.transition(actor=world.office, case_id=case.pk, action="wiedereroeffnen")
    assert reopened.status == "in_beratung" and reopened.closed_at is None
    history = list(CaseStatusChange.objects.filter(case=case).values_list("to_status", "remark"))
    assert history == [
        ("angefragt", ""),
        ("in_beratung", "Erstgespräch"),
        ("empfehlung", ""),
        ("abgeschlossen", "erledigt"),
        ("in_beratung", ""),
    ]


def test_impossible_and_unknown_actions(world: SimpleNamespace) -> None:
    case = open_sample(world)
    with pytest.raises(Conflict):
        svc.transition(actor=world.office, case_id=case.pk, action="aufnehmen")
    with pytest.raises(Invalid) as unknown:
        svc.transition(actor=world.office, case_id=case.pk, action="zaubern")
    assert "action" in unknown.value.fields
    with pytest.raises(Forbidden):
        svc.transition(actor=world.clerk_a, case_id=case.pk, action="beginnen")
    svc.transition(actor=world.office, case_id=case.pk, action="ruhen")
    assert svc.transition(actor=world.office, case_id=case.pk, action="aufnehmen").status == "in_beratung"


def test_a_status_change_notifies_the_parties(world: SimpleNamespace) -> None:
    case = open_sample(world, parties=[svc.PartyInput(body_id=world.body_a.pk, requested=True)])
    svc.add_party(actor=world.office, case_id=case.pk, alliance=world.alliance)
    svc.transition(actor=world.office, case_id=case.pk, action="beginnen")
    event = Event.objects.get(event_type="advisory.case_status")
    assert event.audience["bodies"] == [[world.body_a.pk, []]]
    assert event.audience["alliances"] == [world.alliance.pk]
    assert event.path == f"/beratung/faelle/{case.pk}/"


# --- notes -----------------------------------------------------------------------------------------


def test_notes_parties_write_open_notes_internal_ones_are_the_office_s(world: SimpleNamespace) -> None:
    case = open_sample(world)
    svc.add_note(actor=world.office, case_id=case.pk, text="Intern: Kassenlage prüfen", internal=True)
    assert not Event.objects.filter(event_type="advisory.case_note").exists()
    svc.add_note(actor=world.clerk_a, case_id=case.pk, text="Wir schicken die Satzung.")
    assert Event.objects.filter(event_type="advisory.case_note").count() == 1
    with pytest.raises(Invalid) as refused:
        svc.add_note(actor=world.clerk_a, case_id=case.pk, text="geheim", internal=True)
    assert "internal" in refused.value.fields
    with pytest.raises(Invalid) as empty:
        svc.add_note(actor=world.office, case_id=case.pk, text="   ")
    assert "text" in empty.value.fields
    with pytest.raises(NotFound):
        svc.add_note(actor=world.clerk_other, case_id=case.pk, text="fremd")
    assert [n.text for n in svc.notes_of(world.clerk_a, case)] == ["Wir schicken die Satzung."]
    assert svc.notes_of(world.office, case).count() == 2
    assert CaseNote.objects.count() == 2


# --- documents -------------------------------------------------------------------------------------


def test_documents_type_size_checksum_and_internal(world: SimpleNamespace, settings: Any) -> None:
    import hashlib

    case = open_sample(world)
    data = pdf_bytes("Satzung")
    document = svc.add_document(
        actor=world.office,
        case_id=case.pk,
        upload=SimpleUploadedFile("satzung.pdf", data, content_type="application/pdf"),
        title="Satzung",
        internal=True,
    )
    assert document.content_type == "application/pdf" and document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert list(svc.documents_of(world.clerk_a, case)) == []
    for name, content in [("tool.exe", b"MZ..."), ("fake.pdf", b"nur Text"), ("bild.png", b"%PDF-1.4 x")]:
        with pytest.raises(Invalid) as refused:
            svc.add_document(actor=world.office, case_id=case.pk, upload=SimpleUploadedFile(name, content))
        assert "file" in refused.value.fields
    settings.ADVISORY_CASE_UPLOAD_MAX_MB = 1
    with pytest.raises(Invalid) as large:
        svc.add_document(
            actor=world.office,
            case_id=case.pk,
            upload=SimpleUploadedFile("gross.pdf", pdf_bytes(padding=2 * 1024 * 1024)),
        )
    assert large.value.code == "file_too_large"
    with pytest.raises(Invalid) as internal:
        svc.add_document(
            actor=world.clerk_a,
            case_id=case.pk,
            upload=SimpleUploadedFile("notiz.txt", b"Hallo"),
            internal=True,
        )
    assert "internal" in internal.value.fields
    mine = svc.add_document(
        actor=world.clerk_a, case_id=case.pk, upload=SimpleUploadedFile("notiz.txt", "Grüße".encode())
    )
    assert mine.content_type == "text/plain"
    assert CaseDocument.objects.count() == 2


# --- appointments ----------------------------------------------------------------------------------


def test_appointments_create_edit_delete_and_ics(world: SimpleNamespace) -> None:
    case = open_sample(world)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    with pytest.raises(Invalid) as refused:
        svc.create_appointment(
            actor=world.office,
            case_id=case.pk,
            subject="Termin",
            starts_at=starts,
            ends_at=starts - dt.timedelta(hours=1),
        )
    assert "ends_at" in refused.value.fields
    appointment = svc.create_appointment(
        actor=world.office,
        case_id=case.pk,
        subject="Vor-Ort-Termin",
        starts_at=starts,
        place="Rathaus, Saal 1",
    )
    svc.update_appointment(actor=world.office, case_id=case.pk, appointment_id=appointment.pk, place="Saal 2")
    appointment.refresh_from_db()
    assert appointment.place == "Saal 2"
    ics = svc.appointment_ics(appointment)
    assert "BEGIN:VEVENT" in ics and "SUMMARY:Vor-Ort-Termin" in ics and "LOCATION:Saal 2" in ics
    with pytest.raises(Forbidden):
        svc.create_appointment(actor=world.clerk_a, case_id=case.pk, subject="x", starts_at=starts)
    svc.delete_appointment(actor=world.office, case_id=case.pk, appointment_id=appointment.pk)
    assert case.appointments.count() == 0
    assert AuditEntry.objects.filter(action="advisory.case_appointment").count() == 3
