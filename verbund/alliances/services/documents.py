"""Signed agreements and council resolutions: checked PDFs stored with their metadata."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor
from verbund.common.documents import check_upload
from verbund.registry.models import Body

from .. import events, policies
from ..audit_actions import AGREEMENT_ATTACH, RESOLUTION_RECORD
from ..models import AgreementDocument, Alliance, CouncilResolution, DecidingOrgan, Membership
from ._common import as_file, file_removed_on_error, lock, person, principal_of_actor, require_change


@transaction.atomic
def agreement_attach(
    *,
    actor: Actor,
    alliance: Alliance,
    title: str,
    file: File | IO[bytes],
    signed_on: dt.date | None = None,
    file_name: str = "",
) -> AgreementDocument:
    """Store a signed agreement (PDF) as the next version of ``title`` (1, 2, 3 …)."""
    require_change(actor, alliance)
    alliance = lock(alliance)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Bitte einen Titel angeben (z. B. „Zweckvereinbarung“).")})
    if signed_on and signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Das Unterschriftsdatum kann nicht in der Zukunft liegen.")})
    checked = check_upload(file, name=file_name)
    latest = AgreementDocument.objects.filter(alliance=alliance, title=title).aggregate(v=Max("version"))["v"]
    document = AgreementDocument(
        alliance=alliance,
        title=title,
        version=(latest or 0) + 1,
        signed_on=signed_on,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=person(actor),
        uploaded_at=timezone.now(),
    )
    # Validate before storing the file: a refused document leaves nothing behind.
    document.full_clean(exclude=["file"])
    document.file.save(
        checked.original_name or "vereinbarung.pdf", as_file(file, checked.original_name), save=False
    )
    with file_removed_on_error(document.file):
        document.save()
        audit_record(
            actor=actor,
            action=AGREEMENT_ATTACH,
            target=alliance,
            object_repr=str(document),
            changes={
                "title": title,
                "version": document.version,
                "sha256": checked.sha256,
                "size": checked.size,
                "signed_on": signed_on,
            },
        )
    events.announce(
        events.DOCUMENT_UPLOADED, actor=actor, alliance=alliance, text=str(document), document="agreement"
    )
    return document


@transaction.atomic
def resolution_record(
    *,
    actor: Actor,
    alliance: Alliance,
    body: Body,
    decided_on: dt.date,
    decided_by: str,
    subject: str,
    file: File | IO[bytes] | None = None,
    decided_by_other: str = "",
    file_name: str = "",
) -> CouncilResolution:
    """Record a council resolution of a current member body, optionally with its PDF.

    Allowed for the Verwaltungsleitung of that body and for coordinators of the alliance.
    """
    principal = principal_of_actor(actor)
    require(
        policies.may_upload_resolution(principal, alliance.pk, body.pk),
        _(
            "Den Beschluss von %(name)s trägt die Verwaltungsleitung von %(name)s oder die "
            "Verbundkoordination ein."
        )
        % {"name": body.name},
    )
    alliance = lock(alliance)
    if not Membership.objects.current().filter(alliance=alliance, body=body).exists():
        raise ValidationError({"body": _("%(name)s ist kein Mitglied des Verbunds.") % {"name": body.name}})
    resolution = CouncilResolution(
        alliance=alliance,
        body=body,
        decided_on=decided_on,
        decided_by=decided_by,
        decided_by_other=decided_by_other.strip() if decided_by == DecidingOrgan.SONSTIGES else "",
        subject=subject.strip(),
        uploaded_by=person(actor),
        uploaded_at=timezone.now(),
    )
    if file is not None:
        checked = check_upload(file, name=file_name)
        resolution.original_name = checked.original_name
        resolution.content_type = checked.content_type
        resolution.size = checked.size
        resolution.sha256 = checked.sha256
    # Validate before storing the file: a refused resolution leaves nothing behind.
    resolution.full_clean(exclude=["file"])
    if file is not None:
        resolution.file.save(
            resolution.original_name or "beschluss.pdf", as_file(file, resolution.original_name), save=False
        )
    with file_removed_on_error(resolution.file):
        resolution.save()
        audit_record(
            actor=actor,
            action=RESOLUTION_RECORD,
            target=alliance,
            object_repr=resolution.subject,
            body=body,
            changes={
                "member": body.ars,
                "decided_on": decided_on,
                "decided_by": resolution.organ_label,
                "subject": resolution.subject,
                "sha256": resolution.sha256,
            },
        )
    events.announce(
        events.DOCUMENT_UPLOADED,
        actor=actor,
        alliance=alliance,
        text=resolution.subject,
        document="resolution",
    )
    return resolution
