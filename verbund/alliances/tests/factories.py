"""factory_boy factories for alliances, for this part's tests and for the parts above it::

    alliance = AllianceFactory()                                  # an idea, unpublished, no members
    AllianceFactory(published=True)                               # in the public directory
    AllianceFactory(vereinbarung=True)                            # agreement signed (Zweckvereinbarung)
    AllianceFactory(members=[vg1, vg2], coordinator=user)         # current members, a coordinator
    MembershipFactory(alliance=alliance, body=vg, left=True)      # a former member

Status traits: ``anbahnung``, ``vereinbarung``, ``umsetzung``, ``regelbetrieb``, ``beendet``. Rows
are written directly (no audit record), as fixtures; tests of the rules call the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from verbund.alliances.models import (
    AgreementDocument,
    Alliance,
    AllianceRole,
    AllianceRoleKind,
    LegalForm,
    MemberRole,
    Membership,
    Status,
)
from verbund.registry.tests.factories import BodyFactory

JOINED = dt.date(2025, 1, 15)


def pdf_bytes(text: str = "Zweckvereinbarung", *, padding: int = 0) -> bytes:
    """A small, well-formed PDF (header, one object, trailer and end marker)."""
    body = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Title ("
        + text.encode("latin-1")
        + b") >>\n"
        b"endobj\n" + b"% " + b"x" * padding + b"\n"
    )
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


class AllianceFactory(DjangoModelFactory[Alliance]):
    class Meta:
        model = Alliance
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(is_published=True)
        anbahnung = factory.Trait(status=Status.ANBAHNUNG)
        vereinbarung = factory.Trait(status=Status.VEREINBARUNG, legal_form=LegalForm.ZWECKVEREINBARUNG)
        umsetzung = factory.Trait(status=Status.UMSETZUNG, legal_form=LegalForm.ZWECKVEREINBARUNG)
        regelbetrieb = factory.Trait(status=Status.REGELBETRIEB, legal_form=LegalForm.ZWECKVEREINBARUNG)
        beendet = factory.Trait(status=Status.BEENDET, end_date=dt.date(2025, 12, 31))

    name = factory.Sequence(lambda n: f"Kooperationsverbund {n}")
    short_name = factory.Sequence(lambda n: f"KV{n}")
    slug = factory.Sequence(lambda n: f"verbund-{n}")
    description = "Interne Beschreibung des Vorhabens."
    public_summary = factory.Sequence(lambda n: f"Gemeinsames Vorhaben Nummer {n}.")
    status = Status.IDEE
    legal_form = LegalForm.NONE
    start_date = dt.date(2025, 1, 1)
    sources = "Testdaten"

    @factory.post_generation
    def fields(alliance: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            alliance.fields.set(extracted)

    @factory.post_generation
    def members(alliance: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for body in extracted:
                Membership.objects.create(alliance=alliance, body=body, joined_on=JOINED)

    @factory.post_generation
    def coordinator(alliance: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not None:
            AllianceRole.objects.create(user=extracted, alliance=alliance, role=AllianceRoleKind.KOORDINATION)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    class Params:
        left = factory.Trait(left_on=dt.date(2025, 6, 30))
        lead = factory.Trait(role=MemberRole.FEDERFUEHREND)

    alliance = factory.SubFactory(AllianceFactory)
    body = factory.SubFactory(BodyFactory, verbandsgemeinde=True)
    role = MemberRole.MITGLIED
    joined_on = JOINED


class AgreementDocumentFactory(DjangoModelFactory[AgreementDocument]):
    class Meta:
        model = AgreementDocument

    alliance = factory.SubFactory(AllianceFactory)
    title = "Zweckvereinbarung"
    version = 1
    file = factory.django.FileField(filename="zweckvereinbarung.pdf", data=pdf_bytes())
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(pdf_bytes()))
    original_name = "zweckvereinbarung.pdf"
