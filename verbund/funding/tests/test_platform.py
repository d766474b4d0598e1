"""Funding on the platform core: access through the principal (404 for an outsider on page and API,
403 for a reading member that may not edit), typed actors (a string is a ``TypeError``, a system actor
without ``funding.manage`` is refused), German money input in every money field of the forms, the
demo loader leaving users' edits alone, and the alliance and body scope of the audit entries."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden
from verbund.funding import policies, services, workflow
from verbund.funding.forms import BudgetForm, DraftForm, DrawdownForm, GrantForm, ProgrammeForm, ProofForm
from verbund.funding.models import Application, Drawdown, DrawdownStatus, GrantYear, Programme

from .factories import TEST_ACTOR, draft_application, fill_draft

pytestmark = pytest.mark.django_db

D = Decimal
API = "/api/v1/funding"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft(world: SimpleNamespace, alliance: Any, programme: Any) -> Application:
    return fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))


def _granted(application: Application) -> Application:
    Application.objects.filter(pk=application.pk).update(status=workflow.IN_PRUEFUNG)
    application.refresh_from_db()
    services.application_grant(
        actor=TEST_ACTOR,
        application=application,
        amounts_by_year={2025: "100000.00", 2026: "100000.00"},
        notify=False,
    )
    application.refresh_from_db()
    return application


# --- 404 / 403 through the principal ------------------------------------------------------------------


def test_an_outsider_gets_404_on_page_and_api(draft, world):
    outsider = client_for(world.head_outsider)
    assert outsider.get(draft.get_absolute_url()).status_code == 404
    assert outsider.get(f"/foerderung/antraege/{draft.pk}/bearbeiten/").status_code == 404
    for response in (
        outsider.get(f"{API}/applications/{draft.pk}"),
        outsider.patch(f"{API}/applications/{draft.pk}", {"title": "X"}, content_type="application/json"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}


def test_staff_of_another_member_reads_but_cannot_edit(draft, world):
    clerk_b = UserFactory.create(username="sachbearbeitung.b", staff_of=world.vg_b)
    client = client_for(clerk_b)
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(f"/foerderung/antraege/{draft.pk}/bearbeiten/").status_code == 403
    assert client.get(f"{API}/applications/{draft.pk}").status_code == 200
    patched = client.patch(f"{API}/applications/{draft.pk}", {"title": "X"}, content_type="application/json")
    assert patched.status_code == 403 and patched.json()["code"] == "forbidden"
    draft.refresh_from_db()
    assert draft.title != "X"


def test_a_superuser_is_no_funding_authority(draft, world):
    from verbund.common.principal import principal_for

    superuser = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    principal = principal_for(superuser)
    assert not policies.is_authority(principal) and not policies.may_decide(principal)
    assert policies.reads_portfolio(principal)  # Plattformbetrieb reads the portfolio
    Application.objects.filter(pk=draft.pk).update(status=workflow.IN_PRUEFUNG)
    draft.refresh_from_db()
    with pytest.raises(Forbidden):
        services.application_reject(actor=superuser, application=draft, reasons="Nein.")


# --- Typed actors ---------------------------------------------------------------------------------------


def test_a_string_actor_is_a_type_error(world, alliance, programme, draft):
    with pytest.raises(TypeError):
        services.application_create(
            actor="tests",  # type: ignore[arg-type]
            programme=programme,
            alliance=alliance,
            applicant=world.vg_a,
            title="X",
        )
    with pytest.raises(TypeError):
        services.programme_create(actor="tests", name="P", code="P")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        services.application_update(actor=None, application=draft, data={"title": "Y"})  # type: ignore[arg-type]


def test_a_system_actor_without_the_capability_is_refused(world, alliance, programme, draft):
    stranger = SystemActor(name="Import", capabilities=frozenset({"alliances.manage"}))
    with pytest.raises(Forbidden):
        services.application_create(
            actor=stranger, programme=programme, alliance=alliance, applicant=world.vg_a, title="X"
        )
    with pytest.raises(Forbidden):
        services.programme_create(actor=stranger, name="P", code="P")
    with pytest.raises(Forbidden):
        services.application_submit(actor=stranger, application=draft)
    Application.objects.filter(pk=draft.pk).update(status=workflow.IN_PRUEFUNG)
    with pytest.raises(Forbidden):
        services.application_grant(actor=stranger, application=draft, amounts_by_year={2025: "1.00"})
    assert not Application.objects.filter(title="X").exists()


def test_a_system_actor_with_the_capability_takes_both_sides(draft):
    services.application_submit(actor=TEST_ACTOR, application=draft, notify=False)
    services.application_review(actor=TEST_ACTOR, application=draft, notify=False)
    draft.refresh_from_db()
    assert draft.status == workflow.IN_PRUEFUNG
    entry = AuditEntry.objects.filter(action="application.review").get()
    assert entry.actor_id is None and entry.actor_label == "Testdaten"


# --- German money input in every money field -------------------------------------------------------------

GERMAN = (("6.500,00", D("6500.00")), ("1.250", D("1250")))


def _money_fields(form: Any) -> list[str]:
    from verbund.ui.forms import GermanDecimalField

    return [name for name, field in form.fields.items() if isinstance(field, GermanDecimalField)]


@pytest.mark.parametrize(("text", "value"), GERMAN)
def test_every_money_field_reads_german_input(draft, text, value):
    forms_and_data: list[tuple[Any, dict[str, Any]]] = [
        (
            lambda data: ProgrammeForm(data),
            {
                "name": "P",
                "code": "P",
                "preset": "rlp_pilot",
                "eligible_categories": ["personal"],
                "budget_year_1": "2025",
                "budget_year_2": "2026",
            },
        ),
        (lambda data: BudgetForm(data, years=[(2025, D("1")), (2026, D("1"))]), {}),
        (lambda data: DraftForm(data, application=draft), {"title": "T"}),
        (
            lambda data: GrantForm(data, years=[2025, 2026]),
            {"period_start": "2026-01-01", "period_end": "2027-12-31", "conditions": "x"},
        ),
        (lambda data: ProofForm(data), {"report": "Bericht"}),
    ]
    for build, base in forms_and_data:
        names = _money_fields(build(None))
        assert names, build
        form = build({**base, **dict.fromkeys(names, text)})
        assert form.is_valid(), (type(form).__name__, form.errors)
        assert {form.cleaned_data[name] for name in names} == {value}, type(form).__name__


@pytest.mark.parametrize(("text", "value"), GERMAN)
def test_the_drawdown_amount_reads_german_input(draft, text, value):
    granted = _granted(draft)
    years = list(GrantYear.objects.filter(grant__application=granted).select_related("programme_year"))
    form = DrawdownForm({"grant_year": "2025", "amount": text}, grant_years=years)
    assert _money_fields(form) == ["amount"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == value


def test_the_draft_form_saves_german_amounts(draft, world):
    response = client_for(world.clerk_a).post(
        f"/foerderung/antraege/{draft.pk}/bearbeiten/",
        {
            "title": draft.title,
            "participants": [world.vg_a.pk, world.vg_b.pk, world.vg_c.pk],
            "requested_amount": "6.500,00",
            "request_2025": "1.250",
            "request_2026": "5.250,00",
            "cost_personal_2026": "6.500,00",
            "period_start": "2026-01-01",
            "period_end": "2027-12-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.requested_amount == D("6500.00")
    assert dict(draft.requested_years.values_list("year", "amount")) == {
        2025: D("1250.00"),
        2026: D("5250.00"),
    }


# --- Audit scope -------------------------------------------------------------------------------------------


def test_audit_entries_of_applications_carry_alliance_and_body(draft, world, alliance):
    services.application_update(actor=world.clerk_a, application=draft, data={"title": "Neu"})
    services.application_submit(actor=world.head_a, application=draft)
    services.application_review(actor=world.authority, application=draft)
    services.application_grant(
        actor=world.authority, application=draft, amounts_by_year={2025: "100000.00", 2026: "100000.00"}
    )
    drawdown = services.drawdown_request(actor=world.clerk_a, application=draft, year=2025, amount="1000.00")
    services.drawdown_approve(actor=world.authority, drawdown=drawdown)
    entries = list(
        AuditEntry.objects.filter(Q(action__startswith="application.") | Q(action__startswith="drawdown."))
    )
    actions = {e.action for e in entries}
    assert {"application.create", "application.update", "application.submit", "application.grant"} <= actions
    assert {"drawdown.request", "drawdown.approve"} <= actions
    assert {(e.alliance_id, e.body_id) for e in entries} == {(alliance.pk, world.vg_a.pk)}


# --- Demo data over users' work -----------------------------------------------------------------------------


@pytest.fixture
def demo_registry(db: Any) -> None:
    from verbund.registry.tests.factories import BodyFactory, LandFactory

    from .test_demo import CYBER_VGS

    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(
        landkreis=True, parent=land, ars="073350000000", key="07335", name="Kaiserslautern"
    )
    for key in CYBER_VGS:
        BodyFactory.create(verbandsgemeinde=True, parent=kreis, ars=f"{key}000", key=key, name=f"VG {key}")


def test_demo_twice_after_user_edits_changes_nothing(demo_registry, world):
    from verbund.alliances.demo import load_demo_alliances
    from verbund.funding.demo import PROGRAMME_SLUG, load_demo_funding

    load_demo_alliances()
    load_demo_funding(stdout=io.StringIO())
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    cyber = Application.objects.get(alliance__slug="interkommunale-cybersicherheit")
    pending = Drawdown.objects.get(grant_year__grant__application=cyber, status=DrawdownStatus.REQUESTED)

    # the funding authority works on the demo data
    services.programme_update(actor=world.authority, programme=programme, data={"name": "Umbenannt"})
    services.programme_year_set(actor=world.authority, programme=programme, year=2025, budget="6000000.00")
    services.drawdown_return(actor=world.authority, drawdown=pending, reason="Belege fehlen")
    counts = (Application.objects.count(), Drawdown.objects.count(), AuditEntry.objects.count())

    out = io.StringIO()
    load_demo_funding(stdout=out)

    programme.refresh_from_db()
    pending.refresh_from_db()
    assert programme.name == "Umbenannt"
    assert programme.years.get(year=2025).budget == D("6000000.00")
    assert pending.status == DrawdownStatus.RETURNED
    assert (Application.objects.count(), Drawdown.objects.count(), AuditEntry.objects.count()) == counts
    assert "vorhanden" in out.getvalue()
