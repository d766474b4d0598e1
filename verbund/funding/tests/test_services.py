"""Funding services: the life of an application (draft → submitted → review → query → resubmitted →
granted with notice → drawdowns → proof of use → closed, or rejected / withdrawn), who may take
each step (403), the checks that refuse a step (422) or need a written reason, budget integrity
(grants within the year's budget, drawdowns within the grant), the audit record of every write and
the event for the other side published only after commit (verbund.notifications)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from verbund.alliances.tests.factories import pdf_bytes
from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden, Invalid, Refusal
from verbund.funding import rules, services, workflow
from verbund.funding.models import (
    Application,
    ApplicationEvent,
    Drawdown,
    DrawdownStatus,
    GrantYear,
    ProgrammeYear,
    UseProofStatus,
)
from verbund.funding.selectors import CostRow, budget_overview

from .factories import ProgrammeFactory, draft_application, fill_draft

pytestmark = pytest.mark.django_db

D = Decimal


def actions(application: Application) -> list[str]:
    return list(AuditEntry.objects.for_object(application).order_by("id").values_list("action", flat=True))


@pytest.fixture
def draft(world: SimpleNamespace, alliance: Any, programme: Any) -> Application:
    application = services.application_create(
        actor=world.clerk_a,
        programme=programme,
        alliance=alliance,
        applicant=world.vg_a,
        title="Gemeinsame IT-Sicherheit",
    )
    return fill_draft(application, requested="200000.00")


def submit_and_review(
    world: SimpleNamespace, application: Application, django_capture_on_commit_callbacks: Any
) -> Application:
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=world.head_a, application=application)
        services.application_review(actor=world.authority, application=application)
    application.refresh_from_db()
    return application


def grant(
    world: SimpleNamespace, application: Application, amounts: dict[int, str] | None = None, **kwargs: Any
) -> Any:
    return services.application_grant(
        actor=world.authority,
        application=application,
        amounts_by_year=amounts or {2025: "100000.00", 2026: "100000.00"},
        **kwargs,
    )


# --- drafting -------------------------------------------------------------------------------------


def test_create_draft_takes_all_members_and_the_alliance_fields(draft, world, alliance):
    assert draft.status == workflow.ENTWURF
    assert draft.reference == "IKZ-RLP-0001"
    assert set(draft.participants.values_list("pk", flat=True)) == {
        world.vg_a.pk,
        world.vg_b.pk,
        world.vg_c.pk,
    }
    assert list(draft.fields.values_list("slug", flat=True)) == ["cybersicherheit"]
    # created, then filled in; the fixture's period began before today: the authority consented
    assert actions(draft) == [
        "application.create",
        "application.update",
        "application.premature_start_approve",
    ]


def test_numbers_run_per_programme(world, alliance, programme):
    # two applications of one alliance: a programme without the one-application rule
    programme.rule_set = {**programme.rule_set, "one_application_per_alliance": False}
    programme.save()
    programme.__dict__.pop("rules", None)
    other = ProgrammeFactory.create()
    first = draft_application(programme=programme, alliance=alliance, applicant=world.vg_a)
    second = draft_application(programme=programme, alliance=alliance, applicant=world.vg_b)
    elsewhere = draft_application(programme=other, alliance=alliance, applicant=world.vg_a)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)


@pytest.mark.parametrize("user", ["head_a", "clerk_a", "coordinator"])
def test_applicant_staff_and_coordinators_may_draft(world, alliance, programme, user):
    application = services.application_create(
        actor=getattr(world, user),
        programme=programme,
        alliance=alliance,
        applicant=world.vg_a,
        title="X",
    )
    assert application.pk


@pytest.mark.parametrize("user", ["head_b", "head_outsider", "authority", "advisory", "nobody"])
def test_others_may_not_draft_for_the_applicant(world, alliance, programme, user):
    with pytest.raises(Forbidden):
        services.application_create(
            actor=getattr(world, user),
            programme=programme,
            alliance=alliance,
            applicant=world.vg_a,
            title="X",
        )


def test_a_third_party_cannot_apply(world, alliance, programme):
    with pytest.raises(ValidationError, match="kein Mitglied"):
        services.application_create(
            actor=world.head_outsider,
            programme=programme,
            alliance=alliance,
            applicant=world.outsider,
            title="X",
        )


def test_participants_must_be_current_members(world, alliance, programme):
    with pytest.raises(ValidationError, match="aktuelle Mitglieder"):
        services.application_create(
            actor=world.head_a,
            programme=programme,
            alliance=alliance,
            applicant=world.vg_a,
            title="X",
            participants=[world.vg_a, world.outsider],
        )


def test_update_replaces_cost_plan_and_records_the_change(draft, world):
    services.application_update(
        actor=world.clerk_a,
        application=draft,
        data={"costs": [CostRow("qualifizierung", 2026, D("5000.00"))], "title": "Neu"},
    )
    draft.refresh_from_db()

    assert [(c.category, c.amount) for c in draft.costs.all()] == [("qualifizierung", D("5000.00"))]
    entry = AuditEntry.objects.for_object(draft).filter(action="application.update").latest("id")
    assert set(entry.changes) == {"costs", "title"}


def test_update_without_change_writes_no_audit(draft, world):
    before = actions(draft)
    services.application_update(actor=world.clerk_a, application=draft, data={"title": draft.title})
    assert actions(draft) == before


def test_update_refuses_cents_fractions_and_duplicates(draft, world):
    with pytest.raises(ValidationError, match="Cent"):
        services.application_update(
            actor=world.clerk_a, application=draft, data={"requested_amount": "1.005"}
        )
    with pytest.raises(ValidationError, match="doppelt"):
        services.application_update(
            actor=world.clerk_a,
            application=draft,
            data={"costs": [CostRow("personal", 2026, D("1")), CostRow("personal", 2026, D("2"))]},
        )


def test_member_that_is_not_the_applicant_may_read_but_not_edit(draft, world):
    with pytest.raises(Forbidden):
        services.application_update(actor=world.head_b, application=draft, data={"title": "Y"})


def test_attachment_must_be_a_pdf(draft, world):
    upload = SimpleUploadedFile("plan.pdf", pdf_bytes("Projektplan"), content_type="application/pdf")
    attachment = services.application_attach(
        actor=world.clerk_a, application=draft, upload=upload, title="Projektplan"
    )
    assert attachment.size == len(pdf_bytes("Projektplan")) and attachment.sha256

    with pytest.raises(Invalid, match="kein PDF"):
        services.application_attach(
            actor=world.clerk_a,
            application=draft,
            upload=SimpleUploadedFile("plan.docx", b"PK\x03\x04 word", content_type="application/msword"),
            title="Word",
        )


# --- submission ------------------------------------------------------------------------------------


def test_only_the_head_of_the_applicant_submits(draft, world):
    for user in (world.clerk_a, world.coordinator, world.head_b):
        with pytest.raises(Forbidden):
            services.application_submit(actor=user, application=draft)


def test_submit_runs_the_checks_stores_them_and_notifies_the_authority(
    draft, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = services.application_submit(actor=world.head_a, application=draft)
    draft.refresh_from_db()

    assert draft.status == workflow.EINGEREICHT and draft.submitted_at is not None
    assert {r.code for r in results} >= {"eligibility", "cap", "rate", "budget"}
    assert [c["code"] for c in draft.checks] == [r.code for r in results]
    assert len(callbacks) == 2  # the event's fan-out, then the one e-mail it queued
    assert mail.outbox[-1].to == ["bewilligung@example.org"]
    assert "IKZ-RLP-0001" in mail.outbox[-1].subject and "Förderantrag eingereicht" in mail.outbox[-1].subject
    assert actions(draft)[-1] == "application.submit"


def test_submit_over_the_cap_needs_the_applicants_reason(draft, world):
    fill_draft(draft, requested="210000.01")

    with pytest.raises(Refusal, match="Förderhöchstbetrag") as refused:
        services.application_submit(actor=world.head_a, application=draft)
    assert refused.value.code == "checks_failed"
    draft.refresh_from_db()
    assert draft.status == workflow.ENTWURF

    services.application_update(
        actor=world.clerk_a, application=draft, data={"deviation_reason": "Zusätzliche Schulungen"}
    )
    services.application_submit(actor=world.head_a, application=draft)
    draft.refresh_from_db()
    assert draft.status == workflow.EINGEREICHT
    cap = next(c for c in draft.checks if c["code"] == "cap")
    assert cap["status"] == rules.FAIL and "0,01 EUR mehr" in cap["explanation"]


def test_an_ortsgemeinde_cannot_apply_itself(world, alliance, programme):
    from verbund.alliances.models import Membership

    Membership.objects.create(alliance=alliance, body=world.og, joined_on=dt.date(2025, 1, 1))
    application = draft_application(programme=programme, alliance=alliance, applicant=world.og)
    fill_draft(application)
    head_og = __import__("verbund.accounts.tests.factories", fromlist=["UserFactory"]).UserFactory(
        head_of=world.og
    )

    with pytest.raises(Refusal, match="Ortsgemeinden stellen Anträge über ihre Verbandsgemeinde"):
        services.application_submit(actor=head_og, application=application)


def test_rollback_sends_no_mail(draft, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.application_submit(actor=world.head_a, application=draft)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


# --- review, query, resubmission -------------------------------------------------------------------


def test_query_answer_and_resubmit(draft, world, django_capture_on_commit_callbacks):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        info = services.application_request_info(
            actor=world.authority, application=draft, question="Bitte Kostenplan erläutern."
        )
    draft.refresh_from_db()
    assert draft.status == workflow.RUECKFRAGE
    asked = [m for m in mail.outbox if "Rückfrage" in m.subject]
    assert "leitung.a@example.org" in [m.to[0] for m in asked]

    # while under query the alliance may edit again
    services.application_update(actor=world.clerk_a, application=draft, data={"description": "Ergänzt."})
    with pytest.raises(Refusal, match="Rückfrage beantworten"):
        services.application_resubmit(actor=world.head_a, application=draft)
    services.info_request_answer(actor=world.clerk_a, info_request=info, answer="Siehe Anlage.")
    services.application_resubmit(actor=world.head_a, application=draft)
    draft.refresh_from_db()

    assert draft.status == workflow.IN_PRUEFUNG
    assert [e.action for e in ApplicationEvent.objects.filter(application=draft)] == [
        "create",
        "premature_start",  # the fixture's period began before today: the authority consented
        "submit",
        "review",
        "request_info",
        "resubmit",
    ]


def test_only_the_authority_reviews_and_decides(draft, world):
    services.application_submit(actor=world.head_a, application=draft)
    for user in (world.head_a, world.advisory, world.operator, world.coordinator):
        with pytest.raises(Forbidden):
            services.application_review(actor=user, application=draft)


def test_steps_out_of_order_answer_409(draft, world):
    with pytest.raises(Refusal) as refused:
        services.application_review(actor=world.authority, application=draft)
    assert refused.value.status == 409 and refused.value.code == "invalid_status"
    assert "Prüfung beginnen" in refused.value.detail


def test_reject_needs_reasons_and_tells_the_applicant(draft, world, django_capture_on_commit_callbacks):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.application_reject(actor=world.authority, application=draft, reasons=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(actor=world.authority, application=draft, reasons="Kein IKZ-Bezug.")
    draft.refresh_from_db()
    assert draft.status == workflow.ABGELEHNT and draft.rejection_reason == "Kein IKZ-Bezug."
    assert "abgelehnt" in mail.outbox[-1].subject


def test_withdraw_before_decision(draft, world):
    services.application_withdraw(actor=world.head_a, application=draft, reason="Neu planen")
    draft.refresh_from_db()
    assert draft.status == workflow.ZURUECKGEZOGEN


# --- grant -----------------------------------------------------------------------------------------


def test_grant_issues_the_notice_commits_the_budget_and_stores_the_pdf(
    draft, world, programme, django_capture_on_commit_callbacks
):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        notice = grant(world, draft, conditions="Besondere Nebenbestimmung: Bericht nach 12 Monaten.")
    draft.refresh_from_db()

    assert draft.status == workflow.BEWILLIGT
    assert notice.amount == D("200000.00") and notice.planned_eligible_costs == D("200000.00")
    assert notice.reference == "IKZ-RLP-0001-B"
    assert [(y.programme_year.year, y.amount) for y in notice.years.order_by("programme_year__year")] == [
        (2025, D("100000.00")),
        (2026, D("100000.00")),
    ]
    assert dict(ProgrammeYear.objects.filter(programme=programme).values_list("year", "committed")) == {
        2025: D("100000.00"),
        2026: D("100000.00"),
    }
    data = notice.pdf.read()
    assert data.startswith(b"%PDF-") and len(notice.pdf_sha256) == 64
    assert "Zuwendungsbescheid" in mail.outbox[-1].subject
    assert "application.grant" in actions(draft)


def test_grant_cannot_exceed_the_request(draft, world, django_capture_on_commit_callbacks):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="höchstens der beantragte Betrag"):
        grant(world, draft, {2025: "150000.00", 2026: "50000.01"})


def test_grant_over_the_cap_needs_the_authoritys_reason(
    world, alliance, programme, django_capture_on_commit_callbacks
):
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=world.vg_a),
        requested="215940.00",
        deviation_reason="Laut Pressemitteilung bewilligt.",
    )
    submit_and_review(world, application, django_capture_on_commit_callbacks)
    with pytest.raises(Refusal, match="Begründung der Bewilligungsbehörde"):
        grant(world, application, {2025: "107970.00", 2026: "107970.00"})

    notice = grant(
        world, application, {2025: "107970.00", 2026: "107970.00"}, override_reason="Erhöhung im Einzelfall"
    )
    assert notice.override_reason == "Erhöhung im Einzelfall"


def test_grant_never_exceeds_the_budget_of_a_year(
    world, alliance, programme, django_capture_on_commit_callbacks
):
    ProgrammeYear.objects.filter(programme=programme, year=2025).update(budget=D("150000.00"))
    # the one-application rule would stop the second: this programme allows several
    programme.rule_set = {**programme.rule_set, "one_application_per_alliance": False}
    programme.save()
    programme.__dict__.pop("rules", None)
    first = fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))
    second = fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_b))
    for application in (first, second):
        Application.objects.filter(pk=application.pk).update(status=workflow.IN_PRUEFUNG)
        application.refresh_from_db()

    grant(world, first)
    with pytest.raises(Refusal, match=r"frei sind nur noch 50\.000,00 EUR") as refused:
        grant(world, second)
    assert refused.value.code == "budget_exceeded"
    year = ProgrammeYear.objects.get(programme=programme, year=2025)
    assert year.committed == D("100000.00")


def test_the_database_refuses_over_commitment_even_without_the_service(programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeYear.objects.filter(programme=programme, year=2025).update(committed=D("5000000.01"))


def test_budget_cannot_fall_below_what_is_committed(
    draft, world, programme, django_capture_on_commit_callbacks
):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    grant(world, draft)
    with pytest.raises(Refusal, match=r"bereits 100\.000,00 EUR bewilligt"):
        services.programme_year_set(actor=world.authority, programme=programme, year=2025, budget="99999.99")
    row = services.programme_year_set(
        actor=world.authority, programme=programme, year=2025, budget="100000.00"
    )
    assert row.free == 0


# --- drawdowns -------------------------------------------------------------------------------------


@pytest.fixture
def granted(draft, world, django_capture_on_commit_callbacks):
    submit_and_review(world, draft, django_capture_on_commit_callbacks)
    grant(world, draft)
    draft.refresh_from_db()
    return draft


def test_drawdowns_up_to_what_is_granted_and_not_yet_drawn_or_requested(granted, world):
    first = services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="60000.00")
    with pytest.raises(Refusal, match=r"noch 40\.000,00 EUR") as refused:
        services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="40000.01")
    assert refused.value.code == "drawdown_exceeds_grant"

    services.drawdown_approve(actor=world.authority, drawdown=first)
    second = services.drawdown_request(
        actor=world.coordinator, application=granted, year=2025, amount="40000.00"
    )
    services.drawdown_return(actor=world.authority, drawdown=second, reason="Belege fehlen")
    third = services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="40000.00")
    services.drawdown_approve(actor=world.authority, drawdown=third)

    year = GrantYear.objects.get(grant__application=granted, programme_year__year=2025)
    assert (year.drawn, year.pending, year.available) == (D("100000.00"), D("0.00"), D("0.00"))
    assert Drawdown.objects.get(pk=second.pk).status == DrawdownStatus.RETURNED
    with pytest.raises(Refusal, match="bereits freigegeben"):
        services.drawdown_approve(actor=world.authority, drawdown=first)


def test_drawdown_for_a_year_without_grant_is_refused(granted, world):
    with pytest.raises(ValidationError, match="2027"):
        services.drawdown_request(actor=world.clerk_a, application=granted, year=2027, amount="1.00")


def test_only_the_authority_decides_drawdowns(granted, world):
    drawdown = services.drawdown_request(actor=world.clerk_a, application=granted, year=2026, amount="1.00")
    with pytest.raises(Forbidden):
        services.drawdown_approve(actor=world.head_a, drawdown=drawdown)


def test_the_database_refuses_drawing_more_than_granted(granted):
    year = GrantYear.objects.get(grant__application=granted, programme_year__year=2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantYear.objects.filter(pk=year.pk).update(drawn=D("100000.01"))


# --- proof of use ------------------------------------------------------------------------------------


def test_proof_with_underspending_computes_the_repayment_and_closes(
    granted, world, django_capture_on_commit_callbacks
):
    for year in (2025, 2026):
        drawdown = services.drawdown_request(
            actor=world.clerk_a, application=granted, year=year, amount="100000.00"
        )
        services.drawdown_approve(actor=world.authority, drawdown=drawdown)

    proof = services.use_proof_submit(
        actor=world.head_a,
        application=granted,
        actual_costs={"it_software": "90000.00", "personal": "80000.00"},
        report="Alle Bausteine beschafft; Schulungen günstiger als geplant.",
    )
    assert proof.actual_eligible_costs == D("170000.00")
    assert proof.entitled_amount == D("170000.00")
    assert proof.repayment_amount == D("30000.00")
    assert "zurückzuzahlen sind 30.000,00 EUR" in proof.explanation
    granted.refresh_from_db()
    assert granted.status == workflow.NACHWEIS
    with pytest.raises(Refusal):
        services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="1.00")

    with django_capture_on_commit_callbacks(execute=True):
        services.use_proof_accept(actor=world.authority, proof=proof)
    granted.refresh_from_db()
    proof.refresh_from_db()
    assert granted.status == workflow.ABGESCHLOSSEN and proof.status == UseProofStatus.ACCEPTED
    assert "30.000,00 EUR" in mail.outbox[-1].body


def test_proof_waits_for_open_drawdowns_and_may_be_returned(granted, world):
    services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="10.00")
    with pytest.raises(Refusal, match="Mittelabrufe offen"):
        services.use_proof_submit(actor=world.head_a, application=granted, actual_costs={}, report="x")
    Drawdown.objects.all().delete()
    GrantYear.objects.update(pending=0)

    proof = services.use_proof_submit(
        actor=world.head_a, application=granted, actual_costs={"personal": "1.00"}, report="x"
    )
    services.use_proof_return(actor=world.authority, proof=proof, reason="Belege fehlen")
    granted.refresh_from_db()
    assert granted.status == workflow.BEWILLIGT


def test_budget_overview_counts_committed_drawn_and_requested(granted, world, programme):
    drawdown = services.drawdown_request(
        actor=world.clerk_a, application=granted, year=2025, amount="2500.50"
    )
    services.drawdown_approve(actor=world.authority, drawdown=drawdown)
    services.drawdown_request(actor=world.clerk_a, application=granted, year=2025, amount="100.00")
    rows = {r.year: r for r in budget_overview(programme)}

    assert rows[2025].committed == D("100000.00")
    assert rows[2025].drawn == D("2500.50")
    assert rows[2025].pending_drawdowns == D("100.00")
    assert rows[2025].free == D("4900000.00")


# --- programmes ----------------------------------------------------------------------------------------


def test_authority_creates_a_programme_from_a_preset(world):
    programme = services.programme_create(
        actor=world.authority, name="IKZ Bayern", code="BY", preset="bayern", budgets={2026: "1000000"}
    )
    assert programme.rules.financing == rules.FINANCING_FIXED
    assert programme.years.get().budget == D("1000000.00")


def test_a_broken_rule_set_is_refused_in_german(world):
    with pytest.raises(ValidationError) as refused:
        services.programme_create(
            actor=world.authority, name="Kaputt", code="K", rule_set={"name": "x", "cap_tiers": []}
        )
    assert "mindestens eine Stufe" in str(refused.value)


def test_only_the_authority_creates_programmes(world):
    with pytest.raises(Forbidden):
        services.programme_create(actor=world.advisory, name="X", code="X")
