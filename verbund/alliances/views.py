"""HTML pages of alliances: the directory, an alliance's page with its actions, the forms, downloads,
the open-data exports and the panel on a body's page.

Thin views: forms validate, :mod:`.access` and :mod:`.selectors` read, :mod:`.services` write.
Every alliance is fetched through ``access_alliance`` (404 when invisible, 403 when visible but not
changeable) and every document through ``access_agreement``/``access_resolution`` and
``open_document`` (404 for whoever may not read it). Actions are POST forms that work without
JavaScript; they redirect back to the alliance page with a message, or render the page again with
the errors at the fields of the form that was sent.

The public sees an alliance's public fields (name, members, fields, status, short description) and
the derived facts, which are computed from nothing but the members and the official registry (as in
``GET /api/v1/alliances/{slug}/facts``); legal form, period, description, reported grant, sources,
member history, documents and the timeline are for insiders.

Who may create an alliance: anyone logged in with a role in a body (Sachbearbeitung,
Verwaltungsleitung: alliances start in the administrations), the Beratungsstelle (it helps partners
set one up) and the Plattformbetrieb; the creator becomes its coordinator
(``access.CREATE_ROLES``, ``services.alliance_create``). The Bewilligungsbehörde reads, it does not
start alliances it may later have to fund.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.views.decorators.http import require_GET, require_POST

from verbund.registry.models import Body, BodyBoundary, Kind

from . import exports, lifecycle, services
from .access import access_alliance, can_change, can_upload_resolution, viewer_for
from .documents import access_agreement, access_resolution, max_upload_bytes, open_document
from .facts import KIND_LEVELS, LEVEL_ORDER, Fact
from .forms import (
    AgreementForm,
    AllianceForm,
    DirectoryFilterForm,
    MemberAddForm,
    MemberRemoveForm,
    MemberSearchForm,
    ResolutionForm,
    TransitionForm,
    apply_service_error,
)
from .geometry import simplified
from .models import Alliance, AllianceQuerySet, AllianceRole, Membership, Status
from .panels import alliance_panels
from .selectors import (
    alliance_documents,
    alliance_facts,
    alliance_list,
    alliance_public_data,
    alliance_timeline,
    alliances_of_body,
    current_memberships,
    membership_history,
    viewer_is_insider,
)

#: Slugs that name pages of this part (``/verbuende/neu/``) and so cannot address an alliance.
RESERVED_SLUGS = frozenset({"neu"})
#: How many bodies the member search offers.
CANDIDATES = 10
#: KERN badge variant per status.
STATUS_BADGES: dict[str, str] = {
    Status.IDEE.value: "info",
    Status.ANBAHNUNG.value: "info",
    Status.VEREINBARUNG.value: "warning",
    Status.UMSETZUNG.value: "success",
    Status.REGELBETRIEB.value: "success",
    Status.BEENDET.value: "danger",
}


def _is_htmx_fragment_request(request: HttpRequest) -> bool:
    # A history restore (back button after the cache expired) needs the whole page.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _map_settings() -> dict[str, str]:
    return {
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
    }


# --- directory -------------------------------------------------------------------------------------


def directory_queryset(user: Any, filters: dict[str, Any]) -> AllianceQuerySet:
    """The filtered directory (through :func:`selectors.alliance_list`, so visible only)."""
    return alliance_list(
        user,
        field=filters["field"] or None,
        status=filters["status"] or None,
        kreis=filters["kreis"] or None,
        member=filters["member"] or None,
        q=filters["q"] or None,
    )


def directory_map(qs: AllianceQuerySet, *, outlines: bool = True) -> dict[str, Any]:
    """The members of every alliance in ``qs`` as one FeatureCollection of centroids (one query).

    One Feature per body, however many alliances it belongs to: ``properties.alliances`` holds
    indexes into the top-level ``alliances`` list (``[slug, name]``), in the order of the directory.
    That keeps the map of a thousand alliances a few hundred kilobytes and one query. ``outlines``
    holds the simplified Kreise of the Länder shown (:func:`kreis_outlines`, cached); an HTMX update
    of the results leaves it out, because the map keeps the outlines it has.
    """
    rows = (
        Membership.objects.current()
        .filter(
            alliance__in=qs.order_by().values("pk"),
            body__centroid_lat__isnull=False,
            body__centroid_lon__isnull=False,
        )
        .order_by("alliance__name", "alliance_id", "body__name")
        .values_list(
            "alliance_id",
            "alliance__slug",
            "alliance__name",
            "body_id",
            "body__ars",
            "body__name",
            "body__centroid_lon",
            "body__centroid_lat",
        )
    )
    alliances: list[list[str]] = []
    index: dict[int, int] = {}
    features: dict[int, dict[str, Any]] = {}
    for alliance_id, slug, name, body_id, ars, body_name, lon, lat in rows:
        assert lon is not None and lat is not None  # filtered above
        if alliance_id not in index:
            index[alliance_id] = len(alliances)
            alliances.append([slug, name])
        feature = features.get(body_id)
        if feature is None:
            feature = features[body_id] = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"ars": ars, "name": body_name, "alliances": []},
            }
        feature["properties"]["alliances"].append(index[alliance_id])
    points = list(features.values())
    data: dict[str, Any] = {"type": "FeatureCollection", "alliances": alliances, "features": points}
    if outlines:
        data["outlines"] = kreis_outlines(f["properties"]["ars"][:2] for f in points)
    return data


#: Simplification of the Kreis outlines under the directory map (degrees, about 400 m).
OUTLINE_TOLERANCE = 0.004
_KREIS_LEVEL = (Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND, Kind.KREISFREIE_STADT)


def kreis_outlines(states: Iterable[str]) -> dict[str, Any]:
    """Simplified outlines of the Kreise of ``states``: the background that makes the points readable.

    The registry's boundaries are detailed (hundreds of kilobytes per Land); simplified to about
    400 m they are a few dozen kilobytes. The result is cached until a boundary of those Kreise
    changes (one query to check; one more to rebuild after an import).
    """
    states = sorted(set(states))
    if not states:
        return {"type": "FeatureCollection", "features": []}
    boundaries = BodyBoundary.objects.filter(
        body__kind__in=_KREIS_LEVEL, body__state__in=states, body__dissolved_on__isnull=True
    )
    stamp = boundaries.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    key = f"alliances:kreis-outlines:{','.join(states)}:{stamp['n']}:{last}"
    outlines = cache.get(key)
    if outlines is None:
        outlines = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": simplified(geometry, OUTLINE_TOLERANCE), "properties": {}}
                for geometry in boundaries.values_list("geometry", flat=True).iterator()
            ],
        }
        cache.set(key, outlines, timeout=None)
    return outlines


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    fragment = _is_htmx_fragment_request(request)
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters()
    qs = directory_queryset(request.user, filters)
    page = Paginator(qs, filters["per_page"]).get_page(request.GET.get("page"))
    rows = [
        {"alliance": a, "badge": STATUS_BADGES.get(a.status, "info"), "members": current_memberships(a)}
        for a in page.object_list
    ]
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "map_data": directory_map(qs, outlines=not fragment),
        "filtered": any(v for k, v in filters.items() if k != "per_page"),
        "may_create": viewer_for(request.user).may_create,
        "nav": "alliances",
        **_map_settings(),
    }
    template = "alliances/_directory_results.html" if fragment else "alliances/directory.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the alliance page -----------------------------------------------------------------------------


def _fact_value(fact: Fact[Any]) -> str:
    value = fact.value
    if value is None:
        return "nicht bestimmbar"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, Decimal):
        return f"{number_format(value, decimal_pos=2, force_grouping=True)} km²"
    if isinstance(value, tuple):
        return "; ".join(f"{og} über {vg}" for og, vg in value) if value else "keine"
    return str(value)


def _member_map(members: list[Membership]) -> dict[str, Any]:
    """The current members' boundaries (or centroids) as one FeatureCollection (one query).

    Larger units first (a Landkreis under its Verbandsgemeinden), so that small members stay visible.
    """
    by_body = {m.body_id: m for m in members}
    boundaries = dict(
        BodyBoundary.objects.filter(body_id__in=list(by_body)).values_list("body_id", "geometry")
    )
    features = []
    for body_id, membership in by_body.items():
        body = membership.body
        geometry = boundaries.get(body_id)
        if geometry is None and body.centroid_lon is not None and body.centroid_lat is not None:
            geometry = {"type": "Point", "coordinates": [body.centroid_lon, body.centroid_lat]}
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "ars": body.ars,
                    "name": body.name,
                    "kind": body.get_kind_display(),
                    "role": membership.role,
                    "role_label": membership.get_role_display(),
                    "url": body.get_absolute_url(),
                },
            }
        )
    level = {name: i for i, name in enumerate(LEVEL_ORDER)}
    kinds = {m.body.ars: m.body.kind for m in members}
    features.sort(key=lambda f: level.get(KIND_LEVELS.get(kinds[f["properties"]["ars"]], ""), len(level)))
    return {"type": "FeatureCollection", "features": features}


def member_candidates(user: Any, alliance: Alliance, q: str) -> list[Body]:
    """Bodies matching ``q`` (name or start of AGS/ARS), not yet members; at most :data:`CANDIDATES`."""
    q = q.strip()
    if len(q) < 2:
        return []
    members = Membership.objects.current().filter(alliance=alliance).values("body_id")
    return list(
        Body.objects.visible_to(user)
        .current()
        .search(q)
        .exclude(pk__in=members)
        .select_related("parent__parent")
        .order_by("name", "ars")[:CANDIDATES]
    )


def _detail_context(request: HttpRequest, alliance: Alliance, bound: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    viewer = viewer_for(user)
    members = current_memberships(alliance)
    insider = viewer_is_insider(user, alliance)
    changer = can_change(user, alliance)
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
        **_map_settings(),
    }
    if not insider:
        return context
    history = membership_history(alliance)
    agreements, resolutions = alliance_documents(alliance)
    resolution_bodies = [m.body for m in members if can_upload_resolution(user, alliance, m.body)]
    context.update(
        history=history,
        timeline=alliance_timeline(alliance),
        agreements=agreements,
        resolutions=resolutions,
        coordinators=[
            r.user
            for r in AllianceRole.objects.filter(alliance=alliance).select_related("user").order_by("id")
        ],
        confirmable={
            m.pk for m in history if m.is_current and not m.is_confirmed and viewer.heads(m.body_id)
        },
        resolution_form=bound.get("resolution")
        or (ResolutionForm(bodies=resolution_bodies) if resolution_bodies else None),
    )
    if changer:
        search = bound.get("search") or MemberSearchForm(request.GET or None)
        search_q = search.data.get("member_q", "") if search.is_bound else ""
        candidates = member_candidates(user, alliance, search_q) if search_q else None
        member_form = bound.get("member") or MemberAddForm()
        chosen = member_form.data.get("ars") if member_form.is_bound else None
        if chosen and not any(body.ars == chosen for body in candidates or []):
            # A refused choice stays on screen, with its error, even without the search that found it.
            body = Body.objects.visible_to(user).filter(ars=chosen).select_related("parent").first()
            if body is not None:
                candidates = [body, *(candidates or [])]
        targets = lifecycle.allowed_targets(alliance.status)
        context.update(
            transitions=[
                {"value": t, "label": lifecycle.STATUS_LABELS[t], "ends": t == lifecycle.BEENDET}
                for t in targets
            ],
            search_form=search,
            search_q=search_q,
            candidates=candidates,
            member_form=member_form,
            agreement_form=bound.get("agreement") or AgreementForm(),
            max_upload_mb=max_upload_bytes() // (1024 * 1024),
        )
    return context


def _render_detail(
    request: HttpRequest, alliance: Alliance, *, bound: dict[str, Any] | None = None
) -> HttpResponse:
    return render(request, "alliances/detail.html", _detail_context(request, alliance, bound or {}))


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug)
    return _render_detail(request, alliance)


@require_GET
def member_search(request: HttpRequest, slug: str) -> HttpResponse:
    """The member search's results (HTMX fragment; without JavaScript the alliance page shows them)."""
    alliance = access_alliance(request.user, slug, for_change=True)
    form = MemberSearchForm(request.GET)
    q = form.data.get("member_q", "")
    context = {
        "alliance": alliance,
        "search_q": q,
        "candidates": member_candidates(request.user, alliance, q) if q else None,
        "member_form": MemberAddForm(),
    }
    return render(request, "alliances/_member_candidates.html", context)


def _back(alliance: Alliance, anchor: str = "") -> HttpResponse:
    return redirect(alliance.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _say(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- actions ---------------------------------------------------------------------------------------


@require_POST
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Der Statuswechsel ist nicht möglich: unbekannter Status.")
        return _back(alliance, "status")
    try:
        change = services.alliance_transition(
            acting_user=request.user,
            alliance=alliance,
            to_status=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, f"Der Statuswechsel ist nicht möglich: {_say(exc)}")
    else:
        messages.success(request, f"Der Verbund ist jetzt im Status „{change.get_to_status_display()}“.")
    return _back(alliance, "status")


@require_POST
def publication(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    publish = request.POST.get("action") == "publish"
    try:
        if publish:
            services.alliance_publish(acting_user=request.user, alliance=alliance)
        else:
            services.alliance_unpublish(acting_user=request.user, alliance=alliance)
    except ValidationError as exc:
        messages.error(request, f"Veröffentlichen ist nicht möglich: {_say(exc)}")
    else:
        messages.success(
            request,
            "Der Verbund steht jetzt im öffentlichen Verzeichnis."
            if publish
            else "Der Verbund ist nicht mehr öffentlich.",
        )
    return _back(alliance)


@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    form = MemberAddForm(request.POST)
    search = MemberSearchForm({"member_q": request.POST.get("member_q", "")})
    if form.is_valid():
        body = Body.objects.visible_to(request.user).current().filter(ars=form.cleaned_data["ars"]).first()
        if body is None:
            form.add_error("ars", "Keine solche Körperschaft im Register.")
            form.mark_errors()
        else:
            try:
                services.member_add(
                    acting_user=request.user,
                    alliance=alliance,
                    body=body,
                    role=form.cleaned_data["role"],
                    joined_on=form.cleaned_data["joined_on"],
                )
            except ValidationError as exc:
                apply_service_error(form, exc, default_field="ars")
            else:
                messages.success(request, f"{body.name} ist jetzt Mitglied des Verbunds.")
                return _back(alliance, "mitglieder")
    return _render_detail(request, alliance, bound={"member": form, "search": search})


def _membership(alliance: Alliance, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(alliance=alliance, pk=membership_id)
        .select_related("body", "alliance")
        .first()
    )
    if membership is None:
        raise Http404("Keine solche Mitgliedschaft.")
    return membership


@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    membership = _membership(alliance, membership_id)
    form = MemberRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Bitte ein gültiges Austrittsdatum angeben.")
        return _back(alliance, "mitglieder")
    try:
        services.member_remove(
            acting_user=request.user, membership=membership, left_on=form.cleaned_data["left_on"]
        )
    except ValidationError as exc:
        messages.error(request, f"Der Austritt ist nicht möglich: {_say(exc)}")
    else:
        messages.success(request, f"Der Austritt von {membership.body.name} ist eingetragen.")
    return _back(alliance, "mitglieder")


@require_POST
def member_confirm(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """The head of the member body confirms the membership (the service checks who may)."""
    alliance = access_alliance(request.user, slug)
    membership = _membership(alliance, membership_id)
    try:
        services.membership_confirm(acting_user=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, _say(exc))
    else:
        messages.success(request, f"Die Mitgliedschaft von {membership.body.name} ist bestätigt.")
    return _back(alliance, "mitglieder")


@require_POST
def agreement_upload(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    form = AgreementForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = services.agreement_attach(
                acting_user=request.user,
                alliance=alliance,
                title=form.cleaned_data["title"],
                file=upload,
                signed_on=form.cleaned_data["signed_on"],
                file_name=upload.name,
            )
        except ValidationError as exc:
            apply_service_error(form, exc, default_field="file")
        else:
            messages.success(request, f"„{document.title}“ ist als Fassung {document.version} gespeichert.")
            return _back(alliance, "dokumente")
    return _render_detail(request, alliance, bound={"agreement": form})


@require_POST
def resolution_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """A council resolution: by the head of a member body for that body, or by a coordinator."""
    alliance = access_alliance(request.user, slug)
    bodies = [
        m.body for m in current_memberships(alliance) if can_upload_resolution(request.user, alliance, m.body)
    ]
    if not bodies:
        raise PermissionDenied(
            "Beschlüsse trägt die Verwaltungsleitung einer Mitgliedskörperschaft oder die "
            "Verbundkoordination ein."
        )
    form = ResolutionForm(request.POST, request.FILES, bodies=bodies)
    if form.is_valid():
        data = form.cleaned_data
        body = next(b for b in bodies if b.pk == data["body"])
        upload = data.get("file")
        try:
            services.resolution_record(
                acting_user=request.user,
                alliance=alliance,
                body=body,
                decided_on=data["decided_on"],
                decided_by=data["decided_by"],
                decided_by_other=data["decided_by_other"],
                subject=data["subject"],
                file=upload,
                file_name=upload.name if upload else "",
            )
        except ValidationError as exc:
            apply_service_error(form, exc, default_field="file")
        else:
            messages.success(request, f"Der Beschluss von {body.name} ist eingetragen.")
            return _back(alliance, "dokumente")
    return _render_detail(request, alliance, bound={"resolution": form})


def _file_response(request: HttpRequest, document: Any) -> FileResponse:
    opened = open_document(request.user, document)
    response = FileResponse(
        opened.file, as_attachment=True, filename=opened.filename, content_type=opened.content_type
    )
    # Internal documents: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def agreement_file(request: HttpRequest, slug: str, document_id: int) -> FileResponse:
    document = access_agreement(request.user, document_id)
    if document.alliance.slug != slug:
        raise Http404("Kein solches Dokument.")
    return _file_response(request, document)


@require_GET
def resolution_file(request: HttpRequest, slug: str, resolution_id: int) -> FileResponse:
    resolution = access_resolution(request.user, resolution_id)
    if resolution.alliance.slug != slug:
        raise Http404("Kein solches Dokument.")
    return _file_response(request, resolution)


# --- create and edit -------------------------------------------------------------------------------


def _new_slug(name: str) -> str:
    slug = services.unique_slug(name)
    return services.unique_slug(f"verbund {name}") if slug in RESERVED_SLUGS else slug


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not viewer_for(request.user).may_create:
        raise PermissionDenied(
            "Einen Verbund anlegen können Beschäftigte einer Körperschaft (Sachbearbeitung, "
            "Verwaltungsleitung), die Beratungsstelle und der Plattformbetrieb."
        )
    form = AllianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            alliance = services.alliance_create(
                acting_user=request.user, slug=_new_slug(data["name"]), **data
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Der Verbund „{alliance.name}“ ist angelegt; Sie sind als Verbundkoordination eingetragen. "
                "Nehmen Sie jetzt die Mitglieder auf.",
            )
            return redirect(alliance)
    return render(
        request, "alliances/alliance_form.html", {"form": form, "alliance": None, "nav": "alliances"}
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(request.user, slug, for_change=True)
    initial = {
        "name": alliance.name,
        "short_name": alliance.short_name,
        "public_summary": alliance.public_summary,
        "description": alliance.description,
        "fields_of_action": list(alliance.fields.all()),
        "legal_form": alliance.legal_form,
        "start_date": alliance.start_date,
        "end_date": alliance.end_date,
        "sources": alliance.sources,
    }
    form = AllianceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.alliance_update(acting_user=request.user, alliance=alliance, data=form.service_data())
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "Die Angaben sind gespeichert.")
            return redirect(alliance)
    return render(
        request, "alliances/alliance_form.html", {"form": form, "alliance": alliance, "nav": "alliances"}
    )


# --- open data -------------------------------------------------------------------------------------


def _open_data(response: HttpResponse) -> HttpResponse:
    # Open data: any site may read it (no credentials are involved).
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("\ufeff" + exports.export_csv(request), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verbuende.csv"'
    return _open_data(response)


@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    return _open_data(
        HttpResponse(exports.dumps(exports.export_json(request)), content_type="application/json")
    )


@require_GET
def export_geojson(request: HttpRequest) -> HttpResponse:
    return _open_data(
        HttpResponse(exports.dumps(exports.export_geojson(request)), content_type="application/geo+json")
    )


# --- panel on a body's page ------------------------------------------------------------------------


def body_alliances_panel(request: HttpRequest, body: Body) -> str:
    """The alliances ``body`` belongs to that the user may see (registered in ``AppConfig.ready``)."""
    alliances = [
        {"alliance": a, "badge": STATUS_BADGES.get(a.status, "info")}
        for a in alliances_of_body(request.user, body)
    ]
    return render_to_string(
        "alliances/_body_panel.html", {"body": body, "alliances": alliances}, request=request
    )
