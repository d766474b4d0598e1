"""The notice template of a programme: only the funding authority edits it (not the operator, not the
advisory office, not the applicant side); every edit is checked (a German postal address, no
placeholder, a Rechtsbehelfsbelehrung with remedy and deadline), stored as a new version and audited;
bad input changes nothing; the editor page works and the grant form offers the template's
Nebenbestimmungen."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, Invalid
from verbund.funding import notice_defaults, services
from verbund.funding.models import NoticeTemplate

from .factories import TEST_ACTOR, ProgrammeFactory
from .test_notice_pdf import EDITED

pytestmark = pytest.mark.django_db


@pytest.fixture
def rlp(db: Any) -> Any:
    return ProgrammeFactory.create(slug="ikz-vorlage", code="IKZ-RLP", name="IKZ-Pilotförderung")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_defaults_are_complete_and_carry_a_real_legal_remedy(rlp):
    values, stored = services.notice_template_values(rlp)
    assert stored is None
    assert values["authority_name"] == "Aufsichts- und Dienstleistungsdirektion"
    remedy = values["legal_remedy"]
    assert "innerhalb eines Monats" in remedy and "Widerspruch" in remedy and "{behoerde}" in remedy
    assert "[" not in remedy and "zu ergänzen" not in remedy
    assert "ANBest-K" in values["conditions"]
    assert services.notices.template_problems(values) == {}


def test_the_authority_edits_and_each_edit_is_a_new_audited_version(rlp, world):
    first = services.notice_template_update(actor=world.authority, programme=rlp, data=EDITED)
    unchanged = services.notice_template_update(actor=world.authority, programme=rlp, data=EDITED)
    second = services.notice_template_update(
        actor=world.authority, programme=rlp, data={**EDITED, "signatory_name": "Max Mustermann"}
    )

    assert (first.version, second.version) == (1, 2) and unchanged == first
    assert NoticeTemplate.objects.filter(programme=rlp).count() == 2
    assert NoticeTemplate.objects.current(rlp) == second
    entries = AuditEntry.objects.filter(action="notice_template.update").order_by("pk")
    assert entries.count() == 2
    assert entries[0].changes["authority_name"] == [
        "Aufsichts- und Dienstleistungsdirektion",
        "Ministerium des Innern und für Sport",
    ]
    assert entries[1].changes == {"signatory_name": ["Dr. Maria Beispiel", "Max Mustermann"], "version": 2}


@pytest.mark.parametrize("who", ["operator", "advisory", "head_a", "coordinator", "nobody"])
def test_only_the_funding_authority_edits_the_template(rlp, world, who):
    with pytest.raises(Forbidden, match="Bewilligungsbehörde"):
        services.notice_template_update(actor=getattr(world, who), programme=rlp, data=EDITED)
    assert not NoticeTemplate.objects.exists()


def test_a_system_actor_needs_the_funding_capability(rlp):
    with pytest.raises(Forbidden):
        services.notice_template_update(
            actor=SystemActor(name="Fremd", capabilities=frozenset()), programme=rlp, data=EDITED
        )
    assert services.notice_template_update(actor=TEST_ACTOR, programme=rlp, data=EDITED).version == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "legal_remedy",
            "[Vorlage – von der Bewilligungsbehörde zu ergänzen] Gegen diesen Bescheid kann innerhalb eines "
            "Monats Widerspruch erhoben werden.",
            "noch einen Platzhalter",
        ),
        (
            "legal_remedy",
            "Gegen diesen Bescheid ist nichts zu machen, binnen eines Monats.",
            "Widerspruch oder Klage",
        ),
        ("legal_remedy", "Gegen diesen Bescheid kann Widerspruch erhoben werden.", "Frist"),
        ("legal_remedy", "", "nicht leer"),
        ("address", "Schillerplatz 3", "Postleitzahl und Ort"),
        ("address", "Schillerplatz 3\nMainz", "Postleitzahl und Ort"),
        ("authority_name", "  ", "Namen der Bewilligungsbehörde"),
        ("conditions", "1. Es gelten die {ANBEST}.", "Platzhalter"),
        ("signatory_name", "[[BITTE AUSFÜLLEN: Name]]", "Platzhalter"),
    ],
)
def test_bad_input_is_refused_in_german_and_changes_nothing(rlp, world, field, value, message):
    with pytest.raises(Invalid, match=message) as refused:
        services.notice_template_update(actor=world.authority, programme=rlp, data={**EDITED, field: value})
    assert field in refused.value.fields
    assert not NoticeTemplate.objects.exists()
    assert not AuditEntry.objects.filter(action="notice_template.update").exists()


def test_placeholders_of_the_letterhead_are_filled():
    text = notice_defaults.fill(
        notice_defaults.DEFAULT_LEGAL_REMEDY,
        authority_name="Kreisverwaltung Kusel",
        address="Trierer Straße 49–51\n66869 Kusel",
    )
    assert "bei der Kreisverwaltung Kusel, Trierer Straße 49–51, 66869 Kusel, zu erheben" in text
    assert "{" not in text


# --- The editor page -------------------------------------------------------------------------------------


def test_the_authority_edits_the_template_on_its_page(rlp, world):
    client = client_for(world.authority)
    url = f"/foerderung/programme/{rlp.slug}/bescheidvorlage/"

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Bescheidvorlage bearbeiten" in html
    assert "Aufsichts- und Dienstleistungsdirektion" in html and "Noch keine eigene Fassung" in html

    saved = client.post(url, EDITED, follow=True)
    assert saved.status_code == 200 and "Bescheidvorlage gespeichert (Fassung 1)." in saved.content.decode()
    current = NoticeTemplate.objects.current(rlp)
    assert current is not None and current.authority_name == "Ministerium des Innern und für Sport"

    refused = client.post(url, {**EDITED, "address": "Schillerplatz 3"})
    assert refused.status_code == 200 and "Postleitzahl und Ort" in refused.content.decode()
    assert NoticeTemplate.objects.filter(programme=rlp).count() == 1

    detail = client.get(rlp.get_absolute_url()).content.decode()
    assert url in detail


@pytest.mark.parametrize("who", ["operator", "advisory", "head_a"])
def test_others_cannot_open_the_editor(rlp, world, who):
    assert (
        client_for(getattr(world, who)).get(f"/foerderung/programme/{rlp.slug}/bescheidvorlage/").status_code
        == 403
    )


def test_the_grant_form_offers_the_templates_conditions(world, alliance, rlp):
    from .test_notice_pdf import in_review

    services.notice_template_update(actor=world.authority, programme=rlp, data=EDITED)
    application = in_review(
        world, alliance, rlp, requested="200000.00", years={2025: "100000.00", 2026: "100000.00"}
    )
    html = (
        client_for(world.authority).get(f"/foerderung/antraege/{application.pk}/bewilligen/").content.decode()
    )
    assert "Es gelten die ANBest-K in der Fassung vom 1. Januar 2026." in html
