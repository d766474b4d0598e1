"""The actions on an alliance's page: status, publication, members, documents and coordination.

Each action is a POST form that works without JavaScript. The alliance is fetched first through
:func:`~verbund.alliances.selectors.access_alliance` (404 invisible, 403 visible but not allowed:
:class:`verbund.ui.views.RefusalMiddleware`); a refusal of the service then lands at the field of
the form that was sent (:func:`verbund.ui.forms.run_on_form`, the page is shown again) or, for a
button, becomes an error message (:func:`verbund.ui.views.refusals_as_messages`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from verbund.common.access import require
from verbund.common.errors import NotFound
from verbund.common.principal import principal_for, principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import refusals_as_messages

from .. import lifecycle, policies, services
from ..documents import access_agreement, access_resolution, open_document
from ..forms import (
    AgreementForm,
    CoordinatorForm,
    HandoverForm,
    MemberAddForm,
    MemberRemoveForm,
    MemberSearchForm,
    ResolutionForm,
    TransitionForm,
)
from ..models import Alliance, Membership
from ..selectors import access_alliance, current_memberships
from ._common import alliance_url, back
from .detail import render_detail


def _button(request: HttpRequest, alliance: Alliance, anchor: str, action: Callable[[], str]) -> HttpResponse:
    """Run ``action`` (it returns the success message); a refusal becomes an error message."""

    @refusals_as_messages(fallback=alliance_url(alliance, anchor))
    def run(request: HttpRequest) -> HttpResponse:
        messages.success(request, action())
        return back(alliance, anchor)

    return run(request)


def _changeable(request: HttpRequest, slug: str) -> Alliance:
    return access_alliance(principal_of(request), slug, need="change")


def _membership(alliance: Alliance, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(alliance=alliance, pk=membership_id)
        .select_related("body", "alliance")
        .first()
    )
    if membership is None:
        raise NotFound(_("Keine solche Mitgliedschaft."))
    return membership


def _still_visible(request: HttpRequest, alliance: Alliance, anchor: str = "") -> HttpResponse:
    """Back to the alliance, or to the directory when the user's own change hid it from them."""
    if Alliance.objects.visible_to(principal_for(request.user)).filter(pk=alliance.pk).exists():
        return back(alliance, anchor)
    return redirect("alliances:directory")


# --- status and publication ------------------------------------------------------------------------

END_UNCONFIRMED = gettext_lazy(
    "Der Verbund wurde nicht beendet: Das Beenden muss nach Lesen der Folgen ausdrücklich bestätigt "
    "werden („Verbund beenden“, dann „Verbund endgültig beenden“)."
)


@require_POST
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = _changeable(request, slug)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Der Statuswechsel ist nicht möglich: unbekannter Status."))
        return back(alliance, "status")
    if form.cleaned_data["to"] == lifecycle.BEENDET:
        # Ending has its own confirmation (``end``): never in one click through the status buttons.
        messages.error(request, END_UNCONFIRMED)
        return back(alliance, "status")

    def move() -> str:
        change = services.alliance_transition(
            actor=request_actor(request),
            alliance=alliance,
            to_status=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
        )
        return _("Der Verbund ist jetzt im Status „%(to_status)s“.") % {
            "to_status": change.get_to_status_display()
        }

    return _button(request, alliance, "status", move)


@require_POST
def end(request: HttpRequest, slug: str) -> HttpResponse:
    """End the alliance (after the confirmation of ``ui/confirm.html``; without it nothing changes)."""
    alliance = _changeable(request, slug)
    if request.POST.get("confirmed") != "1":
        messages.error(request, END_UNCONFIRMED)
        return back(alliance, "status")

    def finish() -> str:
        services.alliance_transition(
            actor=request_actor(request),
            alliance=alliance,
            to_status=lifecycle.BEENDET,
            note=request.POST.get("note", "")[:500],
        )
        return _("Der Verbund ist beendet.")

    return _button(request, alliance, "status", finish)


@require_POST
def publication(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = _changeable(request, slug)
    publish = request.POST.get("action") == "publish"

    def toggle() -> str:
        if publish:
            services.alliance_publish(actor=request_actor(request), alliance=alliance)
            return _("Der Verbund steht jetzt im öffentlichen Verzeichnis.")
        services.alliance_unpublish(actor=request_actor(request), alliance=alliance)
        return _("Der Verbund ist nicht mehr öffentlich.")

    return _button(request, alliance, "", toggle)


# --- members ---------------------------------------------------------------------------------------


@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = _changeable(request, slug)
    principal = principal_of(request)
    form = MemberAddForm(request.POST)
    search = MemberSearchForm({"member_q": request.POST.get("member_q", "")})
    if form.is_valid():
        body = Body.objects.visible_to(principal).current().filter(ars=form.cleaned_data["ars"]).first()
        if body is None:
            form.add_error("ars", _("Keine solche Körperschaft im Register."))
            form.mark_errors()
        elif run_on_form(
            form,
            lambda: services.member_add(
                actor=request_actor(request),
                alliance=alliance,
                body=body,
                role=form.cleaned_data["role"],
                joined_on=form.cleaned_data["joined_on"],
            ),
            default_field="ars",
        ):
            messages.success(request, _("%(name)s ist jetzt Mitglied des Verbunds.") % {"name": body.name})
            return back(alliance, "mitglieder")
    return render_detail(request, alliance, bound={"member": form, "search": search})


@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Enter a member's leaving (today after the confirmation, or on the date given)."""
    alliance = _changeable(request, slug)
    membership = _membership(alliance, membership_id)
    form = MemberRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte ein gültiges Austrittsdatum angeben."))
        return back(alliance, "mitglieder")

    def leave() -> str:
        services.member_remove(
            actor=request_actor(request), membership=membership, left_on=form.cleaned_data["left_on"]
        )
        return _("Der Austritt von %(name)s ist eingetragen.") % {"name": membership.body.name}

    return _button(request, alliance, "mitglieder", leave)


@require_POST
def member_confirm(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """The head of the member body confirms the membership (the service checks who may)."""
    alliance = access_alliance(principal_of(request), slug)
    membership = _membership(alliance, membership_id)

    def confirm() -> str:
        services.membership_confirm(actor=request_actor(request), membership=membership)
        return _("Die Mitgliedschaft von %(name)s ist bestätigt.") % {"name": membership.body.name}

    return _button(request, alliance, "mitglieder", confirm)


# --- documents -------------------------------------------------------------------------------------


@require_POST
def agreement_upload(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = _changeable(request, slug)
    form = AgreementForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        document = run_on_form(
            form,
            lambda: services.agreement_attach(
                actor=request_actor(request),
                alliance=alliance,
                title=form.cleaned_data["title"],
                file=upload,
                signed_on=form.cleaned_data["signed_on"],
                file_name=upload.name,
            ),
            default_field="file",
        )
        if document:
            messages.success(
                request,
                _("„%(title)s“ ist als Fassung %(version)s gespeichert.")
                % {"title": document.title, "version": document.version},
            )
            return back(alliance, "dokumente")
    return render_detail(request, alliance, bound={"agreement": form})


@require_POST
def resolution_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """A council resolution: by the head of a member body for that body, or by a coordinator."""
    principal = principal_of(request)
    alliance = access_alliance(principal, slug)
    bodies = [
        m.body
        for m in current_memberships(alliance)
        if policies.may_upload_resolution(principal, alliance.pk, m.body_id)
    ]
    require(
        bool(bodies),
        _(
            "Beschlüsse trägt die Verwaltungsleitung einer Mitgliedskörperschaft oder die "
            "Verbundkoordination ein."
        ),
    )
    form = ResolutionForm(request.POST, request.FILES, bodies=bodies)
    if form.is_valid():
        data = form.cleaned_data
        body = next(b for b in bodies if b.pk == data["body"])
        upload = data.get("file")
        if run_on_form(
            form,
            lambda: services.resolution_record(
                actor=request_actor(request),
                alliance=alliance,
                body=body,
                decided_on=data["decided_on"],
                decided_by=data["decided_by"],
                decided_by_other=data["decided_by_other"],
                subject=data["subject"],
                file=upload,
                file_name=upload.name if upload else "",
            ),
            default_field="file",
        ):
            messages.success(request, _("Der Beschluss von %(name)s ist eingetragen.") % {"name": body.name})
            return back(alliance, "dokumente")
    return render_detail(request, alliance, bound={"resolution": form})


def _file_response(request: HttpRequest, document: Any) -> HttpResponse:
    opened = open_document(principal_of(request), document)
    response = FileResponse(
        opened.file, as_attachment=True, filename=opened.filename, content_type=opened.content_type
    )
    if not response.has_header("Content-Length") and opened.size is not None:
        response["Content-Length"] = str(opened.size)  # a stream from S3 does not know its length
    # Internal documents: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # a streaming response, passed through the decorators as is


@require_GET
def agreement_file(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = access_agreement(principal_of(request), document_id)
    if document.alliance.slug != slug:
        raise NotFound(_("Kein solches Dokument."))
    return _file_response(request, document)


@require_GET
def resolution_file(request: HttpRequest, slug: str, resolution_id: int) -> HttpResponse:
    resolution = access_resolution(principal_of(request), resolution_id)
    if resolution.alliance.slug != slug:
        raise NotFound(_("Kein solches Dokument."))
    return _file_response(request, resolution)


# --- coordination ----------------------------------------------------------------------------------


def _named_user(form: CoordinatorForm) -> Any:
    """The active user the form names, or ``None`` with the error at the field."""
    user = (
        get_user_model()
        .objects.filter(username=form.cleaned_data["username"].strip(), is_active=True)
        .first()
    )
    if user is None:
        form.add_error("username", _("Kein aktives Benutzerkonto mit diesem Benutzernamen."))
        form.mark_errors()
    return user


def _name_coordinator(
    request: HttpRequest,
    alliance: Alliance,
    form: CoordinatorForm,
    bound: str,
    act: Callable[..., object],
    *,
    done: Callable[[str], str],
    after: Callable[[], HttpResponse],
) -> HttpResponse:
    """The coordinator form (``bound`` names it on the page): ``act`` on the user it names, then say
    ``done`` with their name and go ``after``; a refusal lands at the user name field."""
    if form.is_valid():
        user = _named_user(form)
        if user is not None and run_on_form(
            form,
            lambda: act(actor=request_actor(request), alliance=alliance, user=user),
            default_field="username",
        ):
            messages.success(request, done(user.get_full_name() or user.get_username()))
            return after()
    return render_detail(request, alliance, bound={bound: form})


@require_POST
def coordinator_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Share the coordination: a further coordinator."""
    alliance = _changeable(request, slug)
    return _name_coordinator(
        request,
        alliance,
        CoordinatorForm(request.POST),
        "coordinator",
        services.coordinator_assign,
        done=lambda name: _("%(name)s koordiniert den Verbund jetzt mit.") % {"name": name},
        after=lambda: back(alliance, "koordination"),
    )


@require_POST
def coordinator_handover(request: HttpRequest, slug: str) -> HttpResponse:
    """Hand the coordination over: the successor comes in, the coordinator's own role ends."""
    alliance = _changeable(request, slug)
    return _name_coordinator(
        request,
        alliance,
        HandoverForm(request.POST),
        "handover",
        services.coordinator_handover,
        done=lambda name: _("Die Verbundkoordination ist an %(name)s übergeben.") % {"name": name},
        after=lambda: _still_visible(request, alliance),
    )


@require_POST
def coordinator_revoke(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """End someone's coordination (one's own too), after the confirmation of ``ui/confirm.html``."""
    alliance = _changeable(request, slug)
    user = get_user_model().objects.filter(pk=user_id, alliance_roles__alliance=alliance).first()
    if user is None:
        raise NotFound(_("Keine solche Verbundkoordination."))
    name = user.get_full_name() or user.get_username()

    @refusals_as_messages(fallback=alliance_url(alliance, "koordination"))
    def run(request: HttpRequest) -> HttpResponse:
        services.coordinator_revoke(actor=request_actor(request), alliance=alliance, user=user)
        messages.success(request, _("%(name)s koordiniert den Verbund nicht mehr.") % {"name": name})
        return _still_visible(request, alliance, "koordination")

    return run(request)
