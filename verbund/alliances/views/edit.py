"""Creating an alliance and editing its descriptive data.

Who may create an alliance: anyone logged in with a role in a body (Sachbearbeitung,
Verwaltungsleitung: alliances start in the administrations), the Beratungsstelle (it helps partners
set one up) and the Plattformbetrieb; the creator becomes its coordinator
(:func:`verbund.alliances.policies.may_create`, :func:`verbund.alliances.services.alliance_create`).
The Bewilligungsbehörde reads, it does not start alliances it may later have to fund.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from verbund.common.access import require
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form

from .. import policies, services
from ..forms import AllianceForm
from ..selectors import access_alliance
from ._common import RESERVED_SLUGS


def _new_slug(name: str) -> str:
    slug = services.unique_slug(name)
    return services.unique_slug(f"verbund {name}") if slug in RESERVED_SLUGS else slug


@login_required
def create(request: HttpRequest) -> HttpResponse:
    require(
        policies.may_create(principal_of(request)),
        _(
            "Einen Verbund anlegen können Beschäftigte einer Körperschaft (Sachbearbeitung, "
            "Verwaltungsleitung), die Beratungsstelle und der Plattformbetrieb."
        ),
    )
    form = AllianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        alliance = run_on_form(
            form,
            lambda: services.alliance_create(
                actor=request_actor(request), slug=_new_slug(data["name"]), **data
            ),
        )
        if alliance:
            messages.success(
                request,
                _(
                    "Der Verbund „%(name)s“ ist angelegt; Sie sind als Verbundkoordination "
                    "eingetragen. Nehmen Sie jetzt die Mitglieder auf."
                )
                % {"name": alliance.name},
            )
            return redirect(alliance)
    return render(
        request, "alliances/alliance_form.html", {"form": form, "alliance": None, "nav": "alliances"}
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = access_alliance(principal_of(request), slug, need="change")
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
        "reported_grant_eur": alliance.reported_grant_eur,
        "reported_grant_note": alliance.reported_grant_note,
    }
    form = AllianceForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_on_form(
            form,
            lambda: services.alliance_update(
                actor=request_actor(request), alliance=alliance, data=form.service_data()
            ),
        )
    ):
        messages.success(request, _("Die Angaben sind gespeichert."))
        return redirect(alliance)
    return render(
        request, "alliances/alliance_form.html", {"form": form, "alliance": alliance, "nav": "alliances"}
    )
