"""The sharing rule every service applies before it stores a TLP-labelled object (the API obeys it
as the forms do)."""

from __future__ import annotations

from typing import Any

from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from ..policies import acts_for, advisory_office_error, distribution_error


def check_sharing(principal: Principal, values: dict[str, Any]) -> None:
    """Refuse a combination of TLP label and distribution that TLP 2.0 does not allow, an owner body
    the principal does not act for, or the advisory office on TLP:RED (``values`` as model fields:
    ``owner_body``/``owner_body_id``, ``tlp``, ``distribution``, ``alliance``, ``sharing_group``,
    ``advisory_office``)."""
    owner = values.get("owner_body_id", getattr(values.get("owner_body"), "pk", values.get("owner_body")))
    if owner is not None and not acts_for(principal, owner):
        raise Invalid(fields={"owner_body": ["Für diese Körperschaft können Sie nichts eintragen."]})
    tlp = str(values.get("tlp") or "")
    distribution = str(values.get("distribution") or "")
    alliance = values.get("alliance_id", getattr(values.get("alliance"), "pk", values.get("alliance")))
    group = values.get(
        "sharing_group_id", getattr(values.get("sharing_group"), "pk", values.get("sharing_group"))
    )
    error = distribution_error(tlp, distribution, alliance_id=alliance, group_id=group)
    if error:
        raise Invalid(fields={"distribution": [error]})
    office = advisory_office_error(tlp, bool(values.get("advisory_office")))
    if office:
        raise Invalid(fields={"advisory_office": [office]})
