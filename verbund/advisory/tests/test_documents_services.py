"""Model agreements: versions (added by the office, never changed), filling with an alliance's data,
the files (DOCX, ODT, PDF) and who may fill them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory import audit_actions
from verbund.advisory.models import DocumentTemplate, TemplateVersion
from verbund.advisory.services import documents as svc
from verbund.alliances.models import MemberRole, Membership
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import principal_for as principal_of_user
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.tests.factories import SharedServiceFactory

pytestmark = pytest.mark.django_db


def make_world() -> SimpleNamespace:
    """Two Verbandsgemeinden of one Landkreis in a published alliance (the first leads, with a shared
    service: equal shares), a head of the first, an outsider, the office, an unpublished alliance."""
    kreis = BodyFactory.create(landkreis=True, name="Landkreis Südwestpfalz")
    ahorn = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Ahornwald", seat="Ahorn", population=12_000
    )
    buche = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Buchenland", population=9_500)
    alliance = AllianceFactory.create(
        published=True,
        vereinbarung=True,
        members=[ahorn, buche],
        short_name="Standesamt Süd",
        name="Standesamt Südwest",
    )
    Membership.objects.filter(alliance=alliance, body=ahorn).update(role=MemberRole.FEDERFUEHREND)
    SharedServiceFactory.create(alliance=alliance, provider=ahorn, recipients=[ahorn, buche])
    other = BodyFactory.create(verbandsgemeinde=True, name="Fremdhausen")
    hidden = AllianceFactory.create(members=[other], name="Geheimer Verbund")
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    return SimpleNamespace(
        alliance=alliance,
        hidden=hidden,
        ahorn=ahorn,
        buche=buche,
        head=UserFactory.create(head_of=ahorn),
        clerk_buche=UserFactory.create(staff_of=buche),
        outsider=UserFactory.create(staff_of=other),
        office=office,
        template=DocumentTemplate.objects.get(slug="zweckvereinbarung"),
        resolution=DocumentTemplate.objects.get(slug="beschlussvorlage-rat"),
    )


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def odt_text(data: bytes) -> str:
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    document = load(io.BytesIO(data))
    return "\n".join(teletype.extractText(e) for kind in (H, P) for e in document.getElementsByType(kind))


def pdf_text(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


# --- the seed ---------------------------------------------------------------------------------------


def test_the_three_model_texts_are_seeded_once() -> None:
    slugs = set(DocumentTemplate.objects.values_list("slug", flat=True))
    assert {"zweckvereinbarung", "verwaltungsvereinbarung", "beschlussvorlage-rat"} <= slugs
    version = TemplateVersion.objects.get(template__slug="zweckvereinbarung", number=1)
    assert "KomZG" in version.source
    from importlib import import_module

    from django.apps import apps as django_apps

    # again: seeds only what is absent
    import_module("verbund.advisory.migrations.0002_seed_templates").seed(django_apps, None)
    assert TemplateVersion.objects.filter(template__slug="zweckvereinbarung").count() == 1


# --- versions ---------------------------------------------------------------------------------------


def test_the_office_adds_a_version_and_the_old_one_stays(world: Any) -> None:
    first = TemplateVersion.objects.get(template=world.template, number=1)
    before = first.body
    created = svc.version_add(
        actor=world.office, template=world.template, body="# Neu\nText für {{ verbund.name }}", note="gekürzt"
    )
    assert created.number == 2 and created.created_by == world.office
    assert created.source == first.source  # taken over when not given
    first.refresh_from_db()
    assert first.body == before
    assert svc.get_version(world.template).number == 2
    assert svc.get_version(world.template, 1).body == before
    entry = AuditEntry.objects.get(action=audit_actions.TEMPLATE_VERSION.code)
    assert entry.changes == {"Fassung": 2, "Änderung": "gekürzt"}


def test_an_unknown_placeholder_is_refused_when_saved(world: Any) -> None:
    with pytest.raises(Invalid) as raised:
        svc.version_add(
            actor=world.office, template=world.template, body="# T\n\n{{ verbund.nam }}", note="x"
        )
    assert raised.value.fields["body"] == ["Zeile 3: Unbekannter Platzhalter „verbund.nam“."]
    assert not TemplateVersion.objects.filter(template=world.template, number=2).exists()


def test_a_version_needs_a_note(world: Any) -> None:
    with pytest.raises(Invalid) as raised:
        svc.version_add(actor=world.office, template=world.template, body="# T", note=" ")
    assert "note" in raised.value.fields


@pytest.mark.parametrize("who", ["head", "outsider"])
def test_only_the_office_adds_versions(world: Any, who: str) -> None:
    with pytest.raises(Forbidden):
        svc.version_add(actor=getattr(world, who), template=world.template, body="# T", note="x")


# --- filling ----------------------------------------------------------------------------------------


def test_the_values_come_from_the_alliance(world: Any) -> None:
    values, members = svc.fill_values(world.alliance, today=dt.date(2026, 12, 4))
    assert values["verbund.mitglieder"] == "Verbandsgemeinde Ahornwald und Verbandsgemeinde Buchenland"
    assert values["federfuehrend.name"] == "Verbandsgemeinde Ahornwald"
    assert values["federfuehrend.sitz"] == "Ahorn"
    assert values["rechtsform"] == "Zweckvereinbarung"
    assert values["datum"] == "04.12.2026"
    assert values["aufsichtsbehoerde"] and "Kreisverwaltung" in values["aufsichtsbehoerde"]
    assert values["kostenschluessel"]  # the shared service's key in words
    assert values["sitzungsdatum"] is None
    assert values["verbund.einwohner"] == "21.500"
    assert [m["mitglied.gremium"] for m in members] == ["Verbandsgemeinderat", "Verbandsgemeinderat"]


@pytest.mark.parametrize("fmt", ["docx", "odt", "pdf"])
def test_the_files_open_and_name_the_members(world: Any, fmt: str) -> None:
    content, name, content_type = svc.fill(
        actor=world.head, template=world.template, alliance=world.alliance, fmt=fmt
    )
    text = {"docx": docx_text, "odt": odt_text, "pdf": pdf_text}[fmt](content)
    assert "Verbandsgemeinde Ahornwald" in text and "Verbandsgemeinde Buchenland" in text
    assert "Für Verbandsgemeinde Buchenland" in text  # the signature block
    assert "§ 1 Gegenstand der Vereinbarung" in text
    assert name.startswith("zweckvereinbarung-standesamt-sud-") and name.endswith(f".{fmt}")
    assert content_type == svc.CONTENT_TYPES[fmt]
    if fmt != "pdf":
        assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None


def test_the_pdf_is_tagged_and_german(world: Any) -> None:
    import pikepdf

    content, _name, _type = svc.fill(
        actor=world.office, template=world.template, alliance=world.alliance, fmt="pdf"
    )
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang).startswith("de")


def test_the_resolution_draft_has_a_block_per_member_and_the_session_gap(world: Any) -> None:
    content, _name, _type = svc.fill(
        actor=world.head, template=world.resolution, alliance=world.alliance, fmt="docx"
    )
    text = docx_text(content)
    assert (
        "Vorlage für Verbandsgemeinde Ahornwald" in text and "Vorlage für Verbandsgemeinde Buchenland" in text
    )
    assert "Sitzung am: [Sitzungsdatum eintragen]" in text
    dated, _name, _type = svc.fill(
        actor=world.head,
        template=world.resolution,
        alliance=world.alliance,
        fmt="docx",
        session_date=dt.date(2027, 3, 1),
    )
    assert "Sitzung am: 01.03.2027" in docx_text(dated)


def test_a_fill_uses_the_chosen_version(world: Any) -> None:
    svc.version_add(
        actor=world.office, template=world.template, body="# Kurz\n{{ verbund.name }}", note="kurz"
    )
    latest, _n, _t = svc.fill(actor=world.head, template=world.template, alliance=world.alliance, fmt="docx")
    assert docx_text(latest).startswith("Kurz")
    first, _n, _t = svc.fill(
        actor=world.head, template=world.template, alliance=world.alliance, fmt="docx", number=1
    )
    assert "Zweckvereinbarung" in docx_text(first).splitlines()[0]
    with pytest.raises(NotFound):
        svc.fill(actor=world.head, template=world.template, alliance=world.alliance, fmt="docx", number=9)


def test_every_fill_is_audited_without_personal_data(world: Any) -> None:
    svc.fill(actor=world.clerk_buche, template=world.template, alliance=world.alliance, fmt="odt")
    entry = AuditEntry.objects.get(action=audit_actions.TEMPLATE_FILL.code)
    assert entry.changes == {"Verbund": "Standesamt Südwest", "Fassung": 1, "Format": "ODT"}
    assert entry.actor == world.clerk_buche


def test_an_outsider_may_not_fill_and_an_unseen_alliance_is_not_found(world: Any) -> None:
    outsider = principal_of_user(world.outsider)
    with pytest.raises(Forbidden):
        svc.alliance_to_fill(outsider, world.alliance.slug)
    with pytest.raises(Forbidden):
        svc.fill(actor=world.outsider, template=world.template, alliance=world.alliance, fmt="pdf")
    with pytest.raises(NotFound):
        svc.alliance_to_fill(principal_of_user(world.head), world.hidden.slug)
    assert not AuditEntry.objects.filter(action=audit_actions.TEMPLATE_FILL.code).exists()


def test_the_alliances_offered_for_filling(world: Any) -> None:
    assert list(svc.fillable_alliances(principal_of_user(world.head))) == [world.alliance]
    assert list(svc.fillable_alliances(principal_of_user(world.outsider))) == [world.hidden]
    office = set(svc.fillable_alliances(principal_of_user(world.office)))
    assert {world.alliance, world.hidden} <= office


def test_an_unknown_format_is_refused(world: Any) -> None:
    with pytest.raises(Invalid):
        svc.fill(actor=world.head, template=world.template, alliance=world.alliance, fmt="exe")


def test_filling_reads_a_bounded_number_of_queries(world: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        svc.fill_values(world.alliance, today=dt.date(2026, 1, 1))
    assert len(queries) <= 12
