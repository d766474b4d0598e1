"""Evidence files of an incident, each TLP-labelled itself.

A file is never shared wider than its incident: it carries either the incident's sharing (label,
distribution, alliance, group) or stays in the organisation (``organisation``, any label up to RED);
the Beratungsstelle only when the incident is shared with it too. It is handed out only by the
download view, which checks that the reader sees both the incident and the file and logs reads of
TLP:AMBER and RED files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import IO, Any, cast

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.documents import max_upload_mb
from verbund.common.errors import Invalid

from .. import audit_actions, policies
from ..models import Attachment, Incident, Tlp
from .incidents import REFUSAL
from .sharing import check_sharing


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return (base or "datei")[:300]


def sharing_error(incident: Incident, *, tlp: str, distribution: str, advisory_office: bool) -> str:
    """Why a file with this sharing would reach further than its incident ("" when it does not; the
    sharing rule itself is :func:`.sharing.check_sharing`)."""
    if advisory_office and not incident.advisory_office:
        return _("Die Datei kann nicht weiter gehen als ihr Vorfall (Beratungsstelle).")
    if distribution == "organisation":
        return ""
    if tlp != incident.tlp or distribution != incident.distribution:
        return _(
            "Eine Datei trägt die Einstufung ihres Vorfalls oder bleibt in der eigenen Körperschaft "
            "(Verteilung „nur die eigene Körperschaft“)."
        )
    return ""


@transaction.atomic
def attachment_add(
    *,
    actor: Actor,
    incident: Incident,
    upload: File | IO[bytes],
    name: str = "",
    tlp: str | None = None,
    distribution: str | None = None,
    advisory_office: bool | None = None,
    recipients: Iterable[Any] | None = None,
) -> Attachment:
    """Store ``upload`` as evidence of ``incident`` (by default with the incident's sharing). A
    TLP:RED file goes to ``recipients`` (by default the named people of a TLP:RED incident)."""
    principal = authorize(actor, lambda p: policies.acts_for(p, incident.owner_body_id), _(REFUSAL))
    tlp = tlp or incident.tlp
    distribution = distribution or incident.distribution
    office = incident.advisory_office if advisory_office is None else advisory_office
    same = distribution == incident.distribution
    if recipients is None:
        recipients = incident.recipients.all() if tlp == Tlp.RED and incident.tlp == Tlp.RED else ()
    shared = check_sharing(
        principal,
        {
            "owner_body_id": incident.owner_body_id,
            "tlp": tlp,
            "distribution": distribution,
            "alliance_id": incident.alliance_id if same else None,
            "sharing_group_id": incident.sharing_group_id if same else None,
            "advisory_office": office,
            "recipients": recipients,
        },
    )
    error = sharing_error(incident, tlp=tlp, distribution=distribution, advisory_office=office)
    if error:
        raise Invalid(fields={"tlp": [error]})
    file_name = _safe_name(name or str(getattr(upload, "name", "") or ""))
    limit = max_upload_mb() * 1024 * 1024
    upload.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := upload.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise Invalid(
                fields={
                    "file": [
                        _("Die Datei ist zu groß; erlaubt sind höchstens %(mb)s MB.")
                        % {"mb": max_upload_mb()}
                    ]
                }
            )
        digest.update(chunk)
    if size == 0:
        raise Invalid(fields={"file": [_("Die Datei ist leer.")]})
    upload.seek(0)
    attachment = Attachment(
        incident=incident,
        owner_body_id=incident.owner_body_id,
        tlp=tlp,
        distribution=distribution,
        alliance_id=shared["alliance_id"],
        sharing_group_id=shared["sharing_group_id"],
        advisory_office=office,
        name=file_name,
        size=size,
        created_by=None if isinstance(actor, SystemActor) else cast(Any, actor),
    )
    stored: Any = upload if isinstance(upload, File) else File(upload)
    attachment.file.save(f"{digest.hexdigest()[:16]}.bin", stored, save=False)
    attachment.save()
    attachment.recipients.set(shared["recipients"])
    audit_record(
        actor=actor,
        action=audit_actions.ATTACHMENT_ADD,
        target=attachment,
        body=incident.owner_body_id,
        changes={"incident": incident.pk, "tlp": tlp, "distribution": distribution, "size": size},
    )
    return attachment
