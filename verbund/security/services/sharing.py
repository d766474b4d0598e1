"""The one sharing rule of the security part: every service applies it before it stores a
TLP-labelled object (advisory, assessment, incident, file, asset, WiBA answers, triage), so the API
obeys it as the forms do; :class:`verbund.security.forms.SharingForm` asks it too.

:func:`check_sharing` refuses, naming every faulty field at once:

* an owner body the principal does not act for (``owner_body``);
* an unknown TLP label or distribution, a distribution the label does not allow (TLP 2.0 read with
  MISP's levels, :data:`verbund.security.policies.ALLOWED_DISTRIBUTIONS`), the alliance or group
  missing for the distribution that needs it;
* an alliance the owner body is not a current member of, a sharing group it does not belong to
  (nobody shares into a stranger's community);
* the Beratungsstelle on TLP:AMBER+STRICT or RED (``advisory_office``);
* TLP:RED without named recipients, or with people outside the owner's community
  (:func:`verbund.security.policies.recipient_candidates`); named recipients on another label.
  Recipients are checked when the caller gives them (``recipients`` in ``values``); the services
  that keep named people always do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from ..models import Distribution, SharingGroup, Tlp
from ..policies import acts_for, advisory_office_error, distribution_error, recipient_candidates


class _Unknown(ValueError):
    """An id that is not a number."""


def _pk(values: dict[str, Any], name: str) -> int | None:
    """``name``'s id in ``values`` (``name_id``, an object or an id; None when empty)."""
    value = values[f"{name}_id"] if f"{name}_id" in values else values.get(name)
    if value is None or value == "":
        return None
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        raise _Unknown(name) from None


def recipient_ids(recipients: Iterable[Any]) -> list[int]:
    """Users or user ids as sorted ids (:class:`Invalid` on something that is neither)."""
    try:
        return sorted({int(getattr(user, "pk", user)) for user in recipients})
    except (TypeError, ValueError):
        raise Invalid(
            fields={"recipients": [_("Unbekannte Empfängerin oder unbekannter Empfänger.")]}
        ) from None


def check_sharing(principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    """Refuse sharing fields that break the rule (module doc) with :class:`Invalid`; else return them
    as they are to be stored.

    ``values`` as model fields: ``owner_body`` (or ``owner_body_id``), ``tlp``, ``distribution``,
    ``alliance``/``alliance_id`` and ``sharing_group``/``sharing_group_id`` (objects or ids),
    ``advisory_office`` and, where the object keeps named people, ``recipients`` (users or ids).
    Returned: ``tlp``, ``distribution``, ``alliance_id`` and ``sharing_group_id`` (None unless the
    distribution uses them), ``advisory_office`` and, when given, ``recipients`` as sorted ids.
    """
    errors: dict[str, list[str]] = {}
    try:
        owner = _pk(values, "owner_body")
    except _Unknown:
        raise Invalid(fields={"owner_body": [_("Unbekannte Körperschaft.")]}) from None
    if owner is not None and not acts_for(principal, owner):
        raise Invalid(fields={"owner_body": [_("Für diese Körperschaft können Sie nichts eintragen.")]})
    tlp = str(values.get("tlp") or "")
    distribution = str(values.get("distribution") or "")
    advisory_office = bool(values.get("advisory_office"))
    alliance = group = None
    try:
        alliance = _pk(values, "alliance") if distribution == Distribution.ALLIANCE else None
    except _Unknown:
        errors["alliance"] = [_("Unbekannter Verbund.")]
    try:
        group = _pk(values, "sharing_group") if distribution == Distribution.GROUP else None
    except _Unknown:
        errors["sharing_group"] = [_("Unbekannte Teilungsgruppe.")]
    if tlp not in Tlp.values:
        errors["tlp"] = [_("Unbekannte TLP-Stufe „%(value)s“.") % {"value": tlp[:20]}]
    elif distribution not in Distribution.values:
        errors["distribution"] = [_("Unbekannte Verteilung.")]
    elif not errors:
        error = distribution_error(tlp, distribution, alliance_id=alliance, group_id=group)
        if error:
            errors["distribution"] = [error]
        elif owner is not None:
            errors.update(_membership_errors(owner, alliance, group))
    office = advisory_office_error(tlp, advisory_office)
    if office:
        errors["advisory_office"] = [office]
    cleaned: dict[str, Any] = {
        "tlp": tlp,
        "distribution": distribution,
        "alliance_id": alliance,
        "sharing_group_id": group,
        "advisory_office": advisory_office,
    }
    if "recipients" in values:
        named = recipient_ids(values.get("recipients") or ())
        error = _recipients_error(tlp, owner, named)
        if error:
            errors["recipients"] = [error]
        cleaned["recipients"] = named
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _membership_errors(owner: int, alliance: int | None, group: int | None) -> dict[str, list[str]]:
    """The owner body must be a current member of the alliance and belong to the sharing group."""
    from verbund.alliances.models import Membership
    from verbund.registry.models import Body

    errors: dict[str, list[str]] = {}

    def name() -> str:
        return str(Body.objects.filter(pk=owner).values_list("name", flat=True).first() or owner)

    if (
        alliance is not None
        and not Membership.objects.current().filter(alliance_id=alliance, body_id=owner).exists()
    ):
        errors["alliance"] = [_("%(body)s ist kein Mitglied dieses Verbunds.") % {"body": name()}]
    if group is not None:
        found = SharingGroup.objects.filter(pk=group).first()
        if found is None:
            errors["sharing_group"] = [_("Unbekannte Teilungsgruppe.")]
        elif not found.bodies.filter(pk=owner).exists():
            errors["sharing_group"] = [
                _("%(body)s gehört nicht zu dieser Teilungsgruppe.") % {"body": name()}
            ]
    return errors


def _recipients_error(tlp: str, owner: int | None, named: list[int]) -> str:
    """Why the named recipients do not fit ``tlp`` ("" when they do)."""
    if tlp != Tlp.RED:
        return _("Namentliche Empfänger gibt es nur bei TLP:RED.") if named else ""
    if not named:
        return _(
            "TLP:RED geht nur an namentlich genannte Personen: bitte nennen Sie mindestens eine "
            "Empfängerin oder einen Empfänger."
        )
    allowed = set(
        recipient_candidates([owner] if owner is not None else [])
        .filter(pk__in=named)
        .values_list("pk", flat=True)
    )
    if allowed != set(named):
        return _(
            "Namentliche Empfänger müssen für die Körperschaft, einen Verbund oder eine Teilungsgruppe "
            "arbeiten, zu der sie gehört, oder ihr als Beauftragte dienen."
        )
    return ""
