"""The security part's start page, the alliance view with the triage, and the members' matches.

* ``/sicherheit/`` — the open matches of the bodies one works for or serves, the alliances, links to
  the part's other pages; the "match again" button for officers and Plattformbetrieb.
* ``/sicherheit/verbund/<slug>/`` — which members are affected by what, sorted by exploitation and
  severity (highest CVSS), with counts per member and remediation progress (:func:`alliance_picture`);
  the advisories in pages of :data:`PAGE_SIZE` (``?seite=N``), the matches in detail up to
  :data:`DETAIL_LIMIT` (the match list has them all).
* ``/sicherheit/verbund/<slug>/bewerten/<advisory>/`` — the SSVC-style triage (officer, coordinator).
* ``/sicherheit/treffer/`` and ``/sicherheit/treffer/<id>/`` — the matches one may see in detail, and
  the remediation state of one.

**What the alliance view shows to whom.** Everyone who opens the alliance's security view (members'
staff, heads and officers, the coordinators, the alliance's ISB) sees, for the advisories *they* may
see, per member body: the number of affected advisories, of affected assets (matches) and how many
of those are remediated (done or not needed). Those counts leave out assets labelled TLP:AMBER+STRICT
or RED unless the viewer sees the asset. Nobody sees another member's asset names, versions,
locations, reasons or notes there: the details (asset, product, version, reason, remediation state)
are listed only for matches the viewer may see (:func:`verbund.security.selectors.visible_matches`:
the own bodies' assets, those served as officer, those a member shared).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.alliances.models import Alliance, Membership
from verbund.common.errors import NotFound
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import PAGE_PARAM, paginate, refusals_as_messages

from ..models import AFFECTED, Advisory, Match, RemediationState, Tlp, Triage, TriageDecision
from ..policies import may_triage, own_body_ids, visibility_filter
from ..selectors import log_read, security_alliances, visible_advisories, visible_matches
from ..services import matching as matching_services
from ..services import triage as triage_services

NAV = "security"
#: asset labels whose matches are counted only for those who see the asset
_PRIVATE_TLP = (Tlp.AMBER_STRICT, Tlp.RED)
_DONE = (RemediationState.DONE, RemediationState.NOT_NEEDED)
#: how many detailed matches the alliance page lists (the match list has them all, paginated)
DETAIL_LIMIT = 50
#: advisories per page of the alliance view
PAGE_SIZE = 50


# --- the alliance picture ------------------------------------------------------------------------


@dataclass
class MemberCounts:
    body: Body
    own: bool = False
    advisories: int = 0
    matches: int = 0
    done: int = 0
    in_progress: int = 0

    @property
    def progress(self) -> int:
        return round(100 * self.done / self.matches) if self.matches else 100


@dataclass
class AdvisoryRow:
    advisory: Advisory
    triage: Triage | None = None
    members: list[tuple[Body, int, int]] = field(default_factory=list)  # body, matches, done
    matches: int = 0
    done: int = 0

    @property
    def progress(self) -> int:
        return round(100 * self.done / self.matches) if self.matches else 100


@dataclass
class AlliancePicture:
    alliance: Alliance
    members: list[MemberCounts]
    #: the advisories of the current page (see :attr:`page`)
    advisories: list[AdvisoryRow]
    #: the page of the advisories (its ``object_list`` holds ``{"advisory_id", "n"}`` rows)
    page: Page
    #: the first :data:`DETAIL_LIMIT` matches the viewer sees in detail (the match list has them all)
    details: list[Match]
    more_details: bool
    may_triage: bool
    sees_all: bool


def alliance_picture(principal: Principal, alliance: Alliance, page_number: Any = 1) -> AlliancePicture:
    """Counts per member, one page of the advisories with their counts per member, and the first
    matches the principal sees in detail; a fixed number of queries whatever the number of members,
    advisories and matches, and whichever page (``page_number`` as :meth:`Paginator.get_page` takes it:
    a number past the end gives the last page, anything else the first)."""
    memberships = list(
        Membership.objects.current().filter(alliance=alliance).select_related("body").order_by("body__name")
    )
    bodies = {m.body_id: m.body for m in memberships}
    own = own_body_ids(principal)
    advisories_seen = visible_advisories(principal).values("pk")
    assets_seen = visible_matches(principal).values("asset_id")
    affected = Match.objects.filter(
        current=True, status__in=AFFECTED, asset__owner_body_id__in=list(bodies), advisory__in=advisories_seen
    )
    countable = affected.filter(~Q(asset__tlp__in=_PRIVATE_TLP) | Q(asset_id__in=assets_seen))
    # the members: matches per remediation state, and affected advisories (two grouped queries)
    per_member: dict[int, MemberCounts] = {
        body_id: MemberCounts(body=body, own=body_id in own) for body_id, body in bodies.items()
    }
    for count in countable.values("asset__owner_body_id", "state").annotate(n=Count("id")).order_by():
        member = per_member[count["asset__owner_body_id"]]
        member.matches += count["n"]
        if count["state"] in _DONE:
            member.done += count["n"]
        elif count["state"] == RemediationState.IN_PROGRESS:
            member.in_progress += count["n"]
    for count in (
        countable.values("asset__owner_body_id").annotate(n=Count("advisory_id", distinct=True)).order_by()
    ):
        per_member[count["asset__owner_body_id"]].advisories = count["n"]
    # the advisories, sorted in the database: exploited first, then the highest CVSS, then the most
    # affected assets; one page of them (count + page)
    ranked = (
        countable.values("advisory_id")
        .annotate(n=Count("id"))
        .order_by(
            F("advisory__exploited").desc(),
            F("advisory__max_score").desc(nulls_last=True),
            "-n",
            "advisory__tracking_id",
            "advisory_id",
        )
    )
    page = Paginator(ranked, PAGE_SIZE).get_page(page_number)
    page_ids = [row["advisory_id"] for row in page.object_list]
    per_advisory: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for count in (
        countable.filter(advisory_id__in=page_ids)
        .values("advisory_id", "asset__owner_body_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        cell = per_advisory[count["advisory_id"]][count["asset__owner_body_id"]]
        cell[0] += count["n"]
        if count["state"] in _DONE:
            cell[1] += count["n"]
    advisories = {
        a.pk: a
        for a in Advisory.objects.filter(pk__in=page_ids).only(
            "pk",
            "tracking_id",
            "title",
            "max_score",
            "exploited",
            "tlp",
            "distribution",
            "current_release_date",
        )
    }
    triages = {
        t.advisory_id: t
        for t in Triage.objects.filter(visibility_filter(principal, Triage))
        .filter(alliance=alliance, advisory_id__in=page_ids)
        .select_related("decided_by")
        .only(
            "pk",
            "advisory_id",
            "decision",
            "points",
            "tlp",
            "distribution",
            "decided_at",
            "decided_by__username",
            "decided_by__first_name",
            "decided_by__last_name",
        )
    }
    rows: list[AdvisoryRow] = []
    for advisory_id in page_ids:
        row = AdvisoryRow(advisory=advisories[advisory_id], triage=triages.get(advisory_id))
        for body_id, (n, done) in sorted(per_advisory[advisory_id].items(), key=lambda i: bodies[i[0]].name):
            row.members.append((bodies[body_id], n, done))
            row.matches += n
            row.done += done
        rows.append(row)
    details = list(
        visible_matches(principal)
        .filter(current=True, status__in=AFFECTED, asset__owner_body_id__in=list(bodies))
        .select_related("asset", "asset__owner_body", "advisory", "vulnerability")
        .order_by(
            "-advisory__exploited", "-advisory__max_score", "asset__owner_body__name", "asset__name", "pk"
        )[: DETAIL_LIMIT + 1]
    )
    triager = may_triage(principal, alliance.pk)
    return AlliancePicture(
        alliance=alliance,
        members=[per_member[b] for b in bodies],
        advisories=rows,
        page=page,
        details=details[:DETAIL_LIMIT],
        more_details=len(details) > DETAIL_LIMIT,
        may_triage=triager,
        sees_all=triager,
    )


def _access_alliance(principal: Principal, slug: str) -> Alliance:
    alliance = security_alliances(principal).filter(slug=slug).first()
    if alliance is None:
        raise NotFound()
    return alliance


def _link(name: str, **kwargs: Any) -> str:
    """The URL of another page of the part, or "" while that page does not exist."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


# --- pages ---------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """My bodies' open matches, my alliances, the part's other pages."""
    principal = principal_of(request)
    own = own_body_ids(principal)
    open_matches = visible_matches(principal).filter(
        current=True,
        status__in=AFFECTED,
        state__in=(RemediationState.OPEN, RemediationState.IN_PROGRESS),
        asset__owner_body_id__in=own,
    )
    per_body = {
        row["asset__owner_body_id"]: row["n"]
        for row in open_matches.values("asset__owner_body_id").annotate(n=Count("id"))
    }
    bodies = [(body, per_body.get(body.pk, 0)) for body in Body.objects.filter(pk__in=own).order_by("name")]
    top = list(
        open_matches.select_related("asset", "asset__owner_body", "advisory", "vulnerability").order_by(
            "-advisory__exploited", "-advisory__max_score", "pk"
        )[:10]
    )
    links = [
        (label, url)
        for label, url in (
            (_("Sicherheitshinweise"), _link("security:advisory_list")),
            (_("Bestand (Komponenten)"), _link("security:asset_list")),
            (_("Sicherheitsvorfälle"), _link("security:incident_list")),
            (_("WiBA-Checklisten"), _link("security:wiba_index")),
            (_("Gemeinsame Beauftragte"), _link("security:officer_list")),
            (_("CSAF-Quellen"), _link("security:source_list")),
        )
        if url
    ]
    context = {
        "bodies": bodies,
        "open_total": sum(per_body.values()),
        "top": top,
        "alliances": list(security_alliances(principal).order_by("name")),
        "links": links,
        "may_rematch": matching_services.may_rematch(principal),
        "nav": NAV,
    }
    return render(request, "security/index.html", context)


@login_required
def alliance_view(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = _access_alliance(principal, slug)
    picture = alliance_picture(principal, alliance, request.GET.get(PAGE_PARAM))
    return render(request, "security/alliance.html", {"picture": picture, "alliance": alliance, "nav": NAV})


class TriageForm(KernForm):
    exploitation = forms.ChoiceField(
        label=gettext_lazy("Ausnutzung"),
        choices=list(triage_services.EXPLOITATION.items()),
        widget=forms.RadioSelect,
    )
    automatable = forms.TypedChoiceField(
        label=gettext_lazy("Automatisierbar (Angriff ohne menschliches Zutun wiederholbar)"),
        choices=[("ja", gettext_lazy("ja")), ("nein", gettext_lazy("nein"))],
        coerce=lambda value: value == "ja",
        widget=forms.RadioSelect,
    )
    technical_impact = forms.ChoiceField(
        label=gettext_lazy("Technische Auswirkung"),
        choices=list(triage_services.TECHNICAL_IMPACT.items()),
        widget=forms.RadioSelect,
    )
    mission_impact = forms.ChoiceField(
        label=gettext_lazy("Auswirkung auf die Aufgaben der Mitglieder"),
        choices=list(triage_services.MISSION_IMPACT.items()),
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Entscheidung"),
        choices=[("", gettext_lazy("wie vorgeschlagen")), *TriageDecision.choices],
        required=False,
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Begründung bei Abweichung vom Vorschlag"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=gettext_lazy("Bewertung für die Mitglieder"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tlp = forms.ChoiceField(
        label=gettext_lazy("TLP der Bewertung"),
        # no TLP:AMBER+STRICT: a triage belongs to no body, so that label would reach nobody
        choices=[(value, label) for value, label in Tlp.choices if value in triage_services.TRIAGE_TLP],
        initial=Tlp.AMBER,
        help_text=gettext_lazy("Vorgabe: TLP:AMBER an den Verbund."),
    )

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        tlp = data["tlp"]
        distribution = "alliance" if tlp in (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER) else "organisation"
        return {
            "exploitation": data["exploitation"],
            "automatable": bool(data["automatable"]),
            "technical_impact": data["technical_impact"],
            "mission_impact": data["mission_impact"],
            "decision": data.get("decision") or "",
            "override_reason": data.get("override_reason") or "",
            "note": data.get("note") or "",
            "tlp": tlp,
            "distribution": distribution,
        }


def _triage_initial(triage: Triage | None) -> dict[str, Any]:
    if triage is None:
        return {"tlp": Tlp.AMBER}
    points = triage.points or {}
    overridden = triage.decision != points.get("suggested", triage.decision)
    return {
        "exploitation": points.get("exploitation"),
        "automatable": "ja" if points.get("automatable") else "nein",
        "technical_impact": points.get("technical_impact"),
        "mission_impact": points.get("mission_impact"),
        "decision": triage.decision if overridden else "",
        "override_reason": points.get("override_reason", ""),
        "note": triage.note,
        "tlp": triage.tlp,
    }


@login_required
def triage(request: HttpRequest, slug: str, advisory_id: int) -> HttpResponse:
    """The SSVC-style decision about one advisory for the alliance (officer or coordinator)."""
    principal = principal_of(request)
    alliance = _access_alliance(principal, slug)
    advisory = visible_advisories(principal).filter(pk=advisory_id).first()
    if advisory is None:
        raise NotFound()
    if not may_triage(principal, alliance.pk):
        from verbund.common.errors import Forbidden

        raise Forbidden(_("Bewerten dürfen die Sicherheitsbeauftragten und die Koordination des Verbunds."))
    log_read(request.user, advisory, purpose="Bewertung im Verbund")
    existing = (
        Triage.objects.filter(alliance=alliance, advisory=advisory).select_related("decided_by").first()
    )
    form = TriageForm(request.POST or None, initial=_triage_initial(existing))
    if request.method == "POST" and form.is_valid():
        saved = run_on_form(
            form,
            lambda: triage_services.triage_set(
                actor=request_actor(request),
                alliance_id=alliance.pk,
                advisory_id=advisory.pk,
                **form.service_values(),
            ),
            default_field="decision",
        )
        if saved is not None:
            messages.success(
                request,
                _("Bewertung „%(decision)s“ gespeichert; die betroffenen Mitglieder sind benachrichtigt.")
                % {"decision": saved.get_decision_display()},
            )
            return redirect("security:alliance", slug=alliance.slug)
    context = {
        "alliance": alliance,
        "advisory": advisory,
        "form": form,
        "existing": existing,
        "affected": len(triage_services.affected_member_ids(advisory, alliance, principal)),
        "nav": NAV,
    }
    return render(request, "security/alliance_triage.html", context)


@login_required
@require_POST
@refusals_as_messages(fallback="/sicherheit/")
def rematch(request: HttpRequest) -> HttpResponse:
    """Match every advisory against every asset again (on the queue)."""
    matching_services.rematch_all_queue(actor=request_actor(request))
    messages.success(request, _("Der Abgleich aller Hinweise mit dem Bestand ist in Auftrag gegeben."))
    return redirect("security:index")


# --- matches -------------------------------------------------------------------------------------


class MatchFilterForm(KernForm):
    id_format = "filter_%s"
    hinweis = forms.IntegerField(label=gettext_lazy("Hinweis (Nr.)"), required=False, min_value=1)
    stand = forms.ChoiceField(
        label=gettext_lazy("Stand der Behebung"),
        choices=[("", gettext_lazy("alle")), *RemediationState.choices],
        required=False,
    )
    alle = forms.BooleanField(
        label=gettext_lazy("auch nicht mehr aktuelle und nicht betroffene"), required=False
    )


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = MatchFilterForm(request.GET or None)
    matches = visible_matches(principal).select_related(
        "asset", "asset__owner_body", "advisory", "vulnerability"
    )
    show_all = False
    if form.is_valid():
        data = form.cleaned_data
        if data.get("hinweis"):
            matches = matches.filter(advisory_id=data["hinweis"])
        if data.get("stand"):
            matches = matches.filter(state=data["stand"])
        show_all = bool(data.get("alle"))
    if not show_all:
        matches = matches.filter(current=True, status__in=AFFECTED)
    matches = matches.order_by(
        "-advisory__exploited", "-advisory__max_score", "asset__owner_body__name", "pk"
    )
    page = paginate(request, matches, per_page=50)
    return render(request, "security/match_list.html", {"page": page, "form": form, "nav": NAV})


class RemediationForm(KernForm):
    state = forms.ChoiceField(label=gettext_lazy("Stand der Behebung"), choices=RemediationState.choices)
    note = forms.CharField(
        label=gettext_lazy("Bemerkung"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
def match_detail(request: HttpRequest, match_id: int) -> HttpResponse:
    principal = principal_of(request)
    match = (
        visible_matches(principal)
        .select_related("asset", "asset__owner_body", "advisory", "vulnerability", "state_changed_by")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound()
    may_change = matching_services.may_set_remediation(principal, match)
    form = RemediationForm(request.POST or None, initial={"state": match.state, "note": match.state_note})
    if request.method == "POST":
        if not may_change:
            from verbund.common.errors import Forbidden

            raise Forbidden(
                _("Den Stand der Behebung trägt die Körperschaft ein, der die Komponente gehört.")
            )
        if form.is_valid() and run_on_form(
            form,
            lambda: matching_services.remediation_set(
                actor=request_actor(request),
                match_id=match.pk,
                state=form.cleaned_data["state"],
                note=form.cleaned_data.get("note") or "",
            ),
            default_field="state",
        ):
            messages.success(request, _("Der Stand der Behebung ist gespeichert."))
            return redirect("security:match_detail", match_id=match.pk)
    else:
        log_read(request.user, match.asset, purpose="Treffer")
    context = {"match": match, "form": form, "may_change": may_change, "nav": NAV}
    return render(request, "security/match_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("abgleich/", rematch, name="rematch"),
    path("verbund/<slug:slug>/", alliance_view, name="alliance"),
    path("verbund/<slug:slug>/bewerten/<int:advisory_id>/", triage, name="triage"),
    path("treffer/", match_list, name="match_list"),
    path("treffer/<int:match_id>/", match_detail, name="match_detail"),
]
