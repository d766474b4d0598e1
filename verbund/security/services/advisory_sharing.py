"""Who an owned advisory goes to: a member that imported a TLP:GREEN or AMBER document shares it
with its alliance or a sharing group, a TLP:RED one with the people it names (the document's TLP
label itself is never made more open). The rule is :func:`.sharing.check_sharing`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid

from ..audit_actions import ADVISORY_SHARE
from ..models import Advisory, Tlp
from ..policies import acts_for
from .advisories import ImportResult, import_advisory
from .sharing import check_sharing


def _id(value: Any) -> int | None:
    """An object's or a plain id (forms give objects, the API ids)."""
    if value is None or value == "":
        return None
    return int(getattr(value, "pk", value))


@transaction.atomic
def advisory_share(actor: Actor, advisory: Advisory, values: dict[str, Any]) -> Advisory:
    """Set the distribution of an advisory owned by a body the actor acts for (audited); a TLP:RED
    advisory needs its named ``recipients`` (those it has when ``values`` names none)."""
    principal = authorize(actor, lambda p: acts_for(p, advisory.owner_body_id))
    if advisory.owner_body_id is None or advisory.tlp == Tlp.CLEAR:
        raise Invalid(
            fields={"distribution": [_("Ein öffentlicher Hinweis (TLP:CLEAR) geht ohnehin an alle.")]}
        )
    asked: dict[str, Any] = {
        "owner_body_id": advisory.owner_body_id,
        "tlp": advisory.tlp,
        "distribution": str(values.get("distribution") or ""),
        "alliance_id": _id(values.get("alliance")),
        "sharing_group_id": _id(values.get("sharing_group")),
        "advisory_office": bool(values.get("advisory_office")),
    }
    if "recipients" in values:
        asked["recipients"] = values["recipients"] or ()
    elif advisory.tlp == Tlp.RED:
        asked["recipients"] = list(advisory.recipients.values_list("pk", flat=True))
    shared = check_sharing(principal, asked)
    named = shared.pop("recipients", None)
    wanted = {name: value for name, value in shared.items() if name != "tlp"}
    before = {name: getattr(advisory, name) for name in wanted}
    for name, value in wanted.items():
        setattr(advisory, name, value)
    advisory.save(update_fields=[*wanted, "updated_at"])
    changes = {name: [before[name], value] for name, value in wanted.items() if before[name] != value}
    if named is not None:
        old = sorted(advisory.recipients.values_list("pk", flat=True))
        if old != named:
            advisory.recipients.set(named)
            changes["recipients"] = [old, named]
    if changes:
        audit_record(
            actor=actor,
            action=ADVISORY_SHARE,
            target=advisory,
            object_repr=f"Sicherheitshinweis Nr. {advisory.pk}",
            changes=changes,
            body=advisory.owner_body_id,
        )
    return advisory


@transaction.atomic
def import_and_share(
    actor: Actor, data: bytes, *, filename: str, tlp: str | None, owner_body: Any, sharing: dict[str, Any]
) -> ImportResult:
    """Import an uploaded document and, when it belongs to a body (above TLP:CLEAR), give it the chosen
    distribution — both or nothing. A TLP:RED document (its own label or the one chosen) goes to the
    named ``recipients`` of ``sharing``, and is refused without them."""
    result = import_advisory(actor, data, filename=filename, tlp=tlp or None, owner_body=owner_body)
    advisory = result.advisory
    if advisory.owner_body_id is not None and advisory.tlp == Tlp.RED:
        # the people named now, else those a former revision named (none: refused)
        red = {k: v for k, v in sharing.items() if k != "recipients" or v}
        advisory_share(
            actor, advisory, {**red, "distribution": sharing.get("distribution") or "organisation"}
        )
    elif advisory.owner_body_id is not None and advisory.tlp != Tlp.CLEAR and sharing.get("distribution"):
        advisory_share(actor, advisory, sharing)
    return result
