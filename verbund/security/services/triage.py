"""The alliance's triage of an advisory: an SSVC-style decision by its security officer or coordinator.

Decision points (after CISA's SSVC guide, simplified to three outcomes; its "Track*" counts as
"Beobachten"):

* **Ausnutzung** (exploitation): ``none`` / ``poc`` (public proof of concept) / ``active``;
* **automatisierbar** (automatable): yes / no;
* **technische Auswirkung** (technical impact): ``partial`` / ``total``;
* **Auswirkung auf die Aufgaben** (mission and well-being): ``low`` / ``medium`` / ``high``.

:func:`suggested_decision` derives the decision (act / attend / track); the officer may choose
another one with a reason (kept in ``points["override_reason"]``). A triage is an assessment: it is
TLP-labelled, by default TLP:AMBER to the alliance (``distribution="alliance"``), owned by no body
(it is the alliance's): so it cannot be TLP:AMBER+STRICT (refused: it would reach nobody), and a
TLP:RED one stays with its author. After the triage the affected member bodies are notified
(:func:`verbund.security.events.triage_decided`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.access import authorize, require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal

from .. import audit_actions, events
from ..models import AFFECTED, Advisory, Asset, Distribution, Match, Tlp, Triage, TriageDecision
from ..policies import may_triage, visibility_filter
from .sharing import check_sharing

EXPLOITATION = {
    "none": gettext_lazy("keine bekannt"),
    "poc": gettext_lazy("Machbarkeitsnachweis öffentlich"),
    "active": gettext_lazy("wird aktiv ausgenutzt"),
}
TECHNICAL_IMPACT = {
    "partial": gettext_lazy("teilweise Kontrolle"),
    "total": gettext_lazy("vollständige Kontrolle"),
}
#: asset labels whose matches are counted only for those who see the asset (as the alliance view)
_PRIVATE_TLP = (Tlp.AMBER_STRICT, Tlp.RED)
#: the labels a triage may carry: it belongs to no body, so TLP:AMBER+STRICT ("only the own body")
#: would reach nobody, its author included; TLP:RED keeps it for its author (the creator)
TRIAGE_TLP = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.RED)

MISSION_IMPACT = {
    "low": gettext_lazy("gering"),
    "medium": gettext_lazy("mittel"),
    "high": gettext_lazy("hoch"),
}


def suggested_decision(
    *, exploitation: str, automatable: bool, technical_impact: str, mission_impact: str
) -> str:
    """The SSVC-style decision the points suggest (see the module doc)."""
    severe = automatable and technical_impact == "total"
    if exploitation == "active":
        if mission_impact == "high" or (mission_impact == "medium" and severe):
            return TriageDecision.ACT
        if mission_impact == "medium" or severe:
            return TriageDecision.ATTEND
        return TriageDecision.TRACK
    if exploitation == "poc":
        if mission_impact == "high":
            return TriageDecision.ACT if severe else TriageDecision.ATTEND
        if mission_impact == "medium" and severe:
            return TriageDecision.ATTEND
        return TriageDecision.TRACK
    if mission_impact == "high" and severe:
        return TriageDecision.ATTEND
    return TriageDecision.TRACK


def affected_member_ids(
    advisory: Advisory, alliance: Alliance, principal: Principal | None = None
) -> list[int]:
    """Current members of ``alliance`` with a current, affected match of ``advisory`` on an asset that
    may be counted: for ``principal`` (the triage page) as the alliance view counts — a TLP:AMBER+STRICT
    or RED asset only when they see it; without one (the members told by :func:`triage_set`) on an
    asset every person the notice goes to sees, i.e. not TLP:RED (the staff, heads and officers of the
    body see its assets up to AMBER+STRICT; a RED asset's named people had the match alert)."""
    members = Membership.objects.current().filter(alliance=alliance).values("body_id")
    matches = Match.objects.filter(
        advisory=advisory, current=True, status__in=AFFECTED, asset__owner_body_id__in=members
    )
    if principal is None:
        matches = matches.exclude(asset__tlp=Tlp.RED)
    else:
        seen = Asset.objects.filter(visibility_filter(principal, Asset)).values("pk")
        matches = matches.filter(~Q(asset__tlp__in=_PRIVATE_TLP) | Q(asset_id__in=seen))
    return sorted(set(matches.values_list("asset__owner_body_id", flat=True)))


def _check_choice(name: str, value: str, allowed: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if value not in allowed:
        errors[name] = [_("Bitte einen der angebotenen Werte wählen.")]


@transaction.atomic
def triage_set(
    *,
    actor: Actor,
    alliance_id: int,
    advisory_id: int,
    exploitation: str,
    automatable: bool,
    technical_impact: str,
    mission_impact: str,
    decision: str = "",
    override_reason: str = "",
    note: str = "",
    tlp: str = Tlp.AMBER,
    distribution: str = Distribution.ALLIANCE,
) -> Triage:
    """Record (or change) the alliance's decision about an advisory and notify the affected members.

    404 for an alliance or advisory the actor does not see, 403 for one who sees the alliance but may
    not triage for it; a decision other than the suggested one needs ``override_reason``.
    """
    principal = authorize(actor)
    from ..selectors import security_alliances

    alliance = security_alliances(principal).filter(pk=alliance_id).first()
    if alliance is None:
        raise NotFound()
    advisory = Advisory.objects.filter(visibility_filter(principal, Advisory), pk=advisory_id).first()
    if advisory is None:
        raise NotFound()
    require(
        may_triage(principal, alliance.pk),
        _("Bewerten dürfen die Sicherheitsbeauftragten und die Koordination des Verbunds."),
    )
    errors: dict[str, list[str]] = {}
    _check_choice("exploitation", exploitation, EXPLOITATION, errors)
    _check_choice("technical_impact", technical_impact, TECHNICAL_IMPACT, errors)
    _check_choice("mission_impact", mission_impact, MISSION_IMPACT, errors)
    if decision and decision not in TriageDecision.values:
        errors["decision"] = [_("Bitte einen der angebotenen Werte wählen.")]
    if tlp == Tlp.AMBER_STRICT:
        errors["tlp"] = [
            _(
                "TLP:AMBER+STRICT bleibt in der eigenen Körperschaft; eine Bewertung gehört dem Verbund, "
                "keiner Körperschaft. Bitte TLP:AMBER (an den Verbund) oder TLP:RED (nur für Sie) wählen."
            )
        ]
    if errors:
        raise Invalid(fields=errors)
    suggested = suggested_decision(
        exploitation=exploitation,
        automatable=bool(automatable),
        technical_impact=technical_impact,
        mission_impact=mission_impact,
    )
    decision = decision or suggested
    override_reason = (override_reason or "").strip()
    if decision != suggested and not override_reason:
        raise Invalid(
            fields={
                "override_reason": [
                    _("Sie weichen von der vorgeschlagenen Entscheidung ab: bitte begründen Sie das.")
                ]
            }
        )
    sharing = {
        "owner_body": None,
        "tlp": tlp,
        "distribution": distribution,
        "alliance": alliance.pk,
        "sharing_group": None,
        "advisory_office": False,
    }
    check_sharing(principal, sharing)
    points = {
        "exploitation": exploitation,
        "automatable": bool(automatable),
        "technical_impact": technical_impact,
        "mission_impact": mission_impact,
        "suggested": str(suggested),
        "override_reason": override_reason if decision != suggested else "",
    }
    triage = (
        Triage.objects.select_for_update(of=("self",)).filter(advisory=advisory, alliance=alliance).first()
    )
    old = (triage.decision, triage.tlp) if triage else None
    if triage is None:
        triage = Triage(advisory=advisory, alliance=alliance)
    triage.decision = decision
    triage.points = points
    triage.note = (note or "").strip()
    triage.tlp = tlp
    triage.distribution = distribution
    triage.owner_body = None
    triage.sharing_group = None
    triage.advisory_office = False
    triage.created_by = None if isinstance(actor, SystemActor) else actor
    # who decided (last): shown with the decision on the alliance and advisory pages
    triage.decided_by = None if isinstance(actor, SystemActor) else actor
    triage.full_clean(exclude=["recipients"])
    triage.save()
    audit_record(
        actor=actor,
        action=audit_actions.TRIAGE_SET,
        target=triage,
        object_repr=events.advisory_name(advisory) if advisory.tlp == Tlp.CLEAR else f"Nr. {advisory.pk}",
        changes={
            "Entscheidung": [old[0] if old else "", str(decision)],
            "TLP": [old[1] if old else "", tlp],
        },
        alliance=alliance,
    )
    bodies = affected_member_ids(advisory, alliance)
    events.triage_decided(actor=actor, triage=triage, body_ids=bodies)
    return triage
