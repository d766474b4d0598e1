"""An alliance's page: public fields and derived facts for everyone, members' history, documents,
timeline and coordination for insiders, and the forms of the actions for those who may act.

The public sees an alliance's public fields (name, members, fields, status, short description) and
the derived facts, which are computed from nothing but the members and the official registry (as in
``GET /api/v1/alliances/{slug}/facts``); legal form, period, description, reported grant, sources,
member history, documents and the timeline are for insiders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from verbund.common.documents import max_upload_mb
from verbund.common.german import join_words
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body
from verbund.registry.selectors import member_map

from .. import lifecycle, policies
from ..facts import KIND_LEVELS, LEVEL_ORDER, Fact
from ..forms import (
    AgreementForm,
    CoordinatorForm,
    HandoverForm,
    MemberAddForm,
    MemberSearchForm,
    ResolutionForm,
)
from ..models import Alliance, Membership
from ..panels import alliance_panels
from ..selectors import (
    access_alliance,
    alliance_documents,
    alliance_facts,
    alliance_public_data,
    alliance_timeline,
    coordinators_of,
    current_memberships,
    is_insider_of,
    membership_history,
)
from ..services import coordinator_candidates_filter
from ._common import STATUS_BADGES, alliance_url, map_settings

#: How many bodies the member search offers.
CANDIDATES = 10
#: How many people the coordination form suggests.
COORDINATOR_SUGGESTIONS = 50

END_CONSEQUENCES = (
    gettext_lazy("Der Verbund steht danach im Status „beendet“."),
    gettext_lazy("Ein Statuswechsel ist danach nicht mehr möglich; ein Neustart ist ein neuer Verbund."),
)


def end_consequences(alliance: Alliance) -> list[str]:
    """What ending ``alliance`` does, shown before the confirmation (names its current members)."""
    members = [m.body.name for m in current_memberships(alliance)]
    lines = [str(line) for line in END_CONSEQUENCES]
    if members:
        lines.append(
            ngettext(
                "Das Mitglied (%(names)s) und die Beratungsstelle der ADD werden benachrichtigt.",
                "Die %(count)d Mitglieder (%(names)s) und die Beratungsstelle der ADD werden benachrichtigt.",
                len(members),
            )
            % {"count": len(members), "names": join_words(members)}
        )
    lines.append(
        _(
            "Mitglieder, Dokumente und Protokoll bleiben erhalten; "
            "der Verbund erscheint im Verzeichnis als beendet."
        )
    )
    return lines


REMOVE_CONSEQUENCES = (
    gettext_lazy("Die Körperschaft scheidet mit dem heutigen Tag aus dem Verbund aus."),
    gettext_lazy("Die Mitgliedschaft bleibt in der Historie; ein späterer erneuter Beitritt ist möglich."),
)
LEAVE_CONSEQUENCES = (
    gettext_lazy("Sie können den Verbund danach nicht mehr ändern."),
    gettext_lazy("Die übrigen Koordinatorinnen und Koordinatoren führen den Verbund weiter."),
)
REVOKE_CONSEQUENCES = (gettext_lazy("Die Person kann den Verbund danach nicht mehr ändern."),)


def _fact_value(fact: Fact[Any]) -> str:
    value = fact.value
    if value is None:
        return _("nicht bestimmbar")
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, Decimal):
        return f"{number_format(value, decimal_pos=2, force_grouping=True)} km²"
    if isinstance(value, tuple):
        return (
            "; ".join(_("%(og)s über %(vg)s") % {"og": og, "vg": vg} for og, vg in value)
            if value
            else _("keine")
        )
    return str(value)


def _member_map(members: list[Membership]) -> dict[str, Any]:
    """The current members on the map; larger units first (a Landkreis under its Verbandsgemeinden),
    so that small members stay visible."""
    level = {name: i for i, name in enumerate(LEVEL_ORDER)}
    return member_map(members, order=lambda body: level.get(KIND_LEVELS.get(body.kind, ""), len(level)))


def member_candidates(principal: Principal, alliance: Alliance, q: str) -> list[Body]:
    """Bodies matching ``q`` (name or start of AGS/ARS), not yet members; at most :data:`CANDIDATES`."""
    q = q.strip()
    if len(q) < 2:
        return []
    members = Membership.objects.current().filter(alliance=alliance).values("body_id")
    return list(
        Body.objects.visible_to(principal)
        .current()
        .search(q)
        .exclude(pk__in=members)
        .select_related("parent__parent")
        .order_by("name", "ars")[:CANDIDATES]
    )


def _coordination(principal: Principal, alliance: Alliance, bound: dict[str, Any]) -> dict[str, Any]:
    """The "Koordination" section: who coordinates, and the forms for those who may change it."""
    from django.contrib.auth import get_user_model

    coordinators = coordinators_of(alliance)
    me = principal.user_id
    suggestions = list(
        get_user_model()
        .objects.filter(**coordinator_candidates_filter(alliance))
        .exclude(pk__in=[u.pk for u in coordinators])
        .distinct()
        .order_by("last_name", "first_name", "username")[:COORDINATOR_SUGGESTIONS]
    )
    return {
        "coordinator_rows": [
            {
                "user": user,
                "is_me": user.pk == me,
                "revocable": len(coordinators) > 1,
                "revoke_url": reverse("alliances:coordinator_revoke", args=[alliance.slug, user.pk]),
            }
            for user in coordinators
        ],
        "coordinator_form": bound.get("coordinator") or CoordinatorForm(),
        "handover_form": (bound.get("handover") or HandoverForm())
        if policies.coordinates(principal, alliance.pk)
        else None,
        "coordinator_suggestions": suggestions,
        "coordination_url": alliance_url(alliance, "koordination"),
        "leave_consequences": LEAVE_CONSEQUENCES,
        "revoke_consequences": REVOKE_CONSEQUENCES,
    }


def detail_context(request: HttpRequest, alliance: Alliance, bound: dict[str, Any]) -> dict[str, Any]:
    principal = principal_of(request)
    members = current_memberships(alliance)
    insider = is_insider_of(principal, alliance)
    changer = policies.may_change(principal, alliance.pk)
    facts = alliance_facts(alliance)
    context: dict[str, Any] = {
        "alliance": alliance,
        "public": alliance_public_data(alliance),
        "badge": STATUS_BADGES.get(alliance.status, "info"),
        "members": members,
        "insider": insider,
        "can_change": changer,
        "facts": [
            {"label": f.label, "value": _fact_value(f), "reasoning": f.reasoning} for f in facts.as_list()
        ],
        "map_features": _member_map(members),
        # What the parts above add (the alliance's services, its funding), see .panels.
        "panels": alliance_panels(request, alliance),
        "nav": "alliances",
        **map_settings(),
    }
    if not insider:
        return context
    history = membership_history(alliance)
    agreements, resolutions = alliance_documents(alliance)
    resolution_bodies = [
        m.body for m in members if policies.may_upload_resolution(principal, alliance.pk, m.body_id)
    ]
    context.update(
        history=history,
        timeline=alliance_timeline(alliance),
        agreements=agreements,
        resolutions=resolutions,
        coordinators=coordinators_of(alliance),
        confirmable={
            m.pk for m in history if m.is_current and not m.is_confirmed and principal.heads(m.body_id)
        },
        resolution_form=bound.get("resolution")
        or (ResolutionForm(bodies=resolution_bodies) if resolution_bodies else None),
        # The alliance's audit history: for its coordinators and the operator (the audit part decides).
        audit_url=f"{reverse('audit:list')}?verbund={alliance.pk}"
        if changer and not principal.is_system
        else None,
    )
    if changer:
        search = bound.get("search") or MemberSearchForm(request.GET or None)
        search_q = search.data.get("member_q", "") if search.is_bound else ""
        candidates = member_candidates(principal, alliance, search_q) if search_q else None
        member_form = bound.get("member") or MemberAddForm()
        chosen = member_form.data.get("ars") if member_form.is_bound else None
        if chosen and not any(body.ars == chosen for body in candidates or []):
            # A refused choice stays on screen, with its error, even without the search that found it.
            body = Body.objects.visible_to(principal).filter(ars=chosen).select_related("parent").first()
            if body is not None:
                candidates = [body, *(candidates or [])]
        targets = lifecycle.allowed_targets(alliance.status)
        context.update(
            transitions=[
                {"value": t, "label": lifecycle.status_label(t)} for t in targets if t != lifecycle.BEENDET
            ],
            may_end=lifecycle.BEENDET in targets,
            end_consequences=end_consequences(alliance),
            remove_consequences=REMOVE_CONSEQUENCES,
            search_form=search,
            search_q=search_q,
            candidates=candidates,
            member_form=member_form,
            agreement_form=bound.get("agreement") or AgreementForm(),
            max_upload_mb=max_upload_mb(),
            **_coordination(principal, alliance, bound),
        )
    return context


def render_detail(
    request: HttpRequest, alliance: Alliance, *, bound: dict[str, Any] | None = None
) -> HttpResponse:
    return render(request, "alliances/detail.html", detail_context(request, alliance, bound or {}))


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(principal_of(request), slug)
    return render_detail(request, alliance)


@require_GET
def member_search(request: HttpRequest, slug: str) -> HttpResponse:
    """The member search's results (HTMX fragment; without JavaScript the alliance page shows them)."""
    principal = principal_of(request)
    alliance = access_alliance(principal, slug, need="change")
    form = MemberSearchForm(request.GET)
    q = form.data.get("member_q", "")
    context = {
        "alliance": alliance,
        "search_q": q,
        "candidates": member_candidates(principal, alliance, q) if q else None,
        "member_form": MemberAddForm(),
    }
    return render(request, "alliances/_member_candidates.html", context)
