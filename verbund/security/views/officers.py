"""Pages of the security part: shared officers (ISB, DSB) of an alliance, their shares of the working
time and the cost of each share from the settlement.

* ``/sicherheit/beauftragte/`` — the officers the user sees; alliances they may add one to.
* ``/sicherheit/beauftragte/neu/<slug>/`` — record an officer for an alliance (coordinators,
  Plattformbetrieb).
* ``/sicherheit/beauftragte/<id>/`` — person, deputy, period, shares and costs.
* ``/sicherheit/beauftragte/<id>/bearbeiten/`` — change them; ``…/abrechnung/`` opens the settlement
  (a shared service); ``…/beenden/`` ends the role.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.alliances import policies as alliance_policies
from verbund.alliances.models import Alliance, Membership
from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import DateInput, GermanDecimalField, KernForm, run_on_form
from verbund.ui.views import refusals_as_messages

from ..models import OfficerKind, SharedOfficer
from ..policies import manages_officers
from ..services import officers as officer_services

NAV = "security"


def _username_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=150,
        help_text=gettext_lazy("Benutzername des Kontos in Verbund"),
    )


class OfficerForm(KernForm):
    """Person, deputy, period and one share field per current member of the alliance."""

    kind = forms.ChoiceField(choices=OfficerKind.choices, label=gettext_lazy("Funktion"))
    person = _username_field(gettext_lazy("Beauftragte/r"))
    deputy = _username_field(gettext_lazy("Vertretung"), required=False)
    employer = forms.ChoiceField(label=gettext_lazy("Anstellungskörperschaft"))
    starts_on = forms.DateField(label=gettext_lazy("ab"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("bis"), required=False, widget=DateInput())

    def __init__(self, *args: Any, members: list[Body], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        employer: Any = self.fields["employer"]
        employer.choices = [(b.ars, b.name) for b in members]
        if editing:
            del self.fields["kind"]
            del self.fields["employer"]
        for body in members:
            self.fields[f"share_{body.ars}"] = GermanDecimalField(
                label=_("Anteil %(body)s (%% der Arbeitszeit)") % {"body": body.name},
                required=False,
                max_digits=5,
                decimal_places=2,
            )
        self.mark_errors()

    def share_fields(self) -> list[Any]:
        return [self[f"share_{b.ars}"] for b in self.members]

    def _user(self, name: str) -> Any:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            self.add_error(name, _("Kein aktives Benutzerkonto mit diesem Benutzernamen."))
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person_user"] = self._user("person")
        data["deputy_user"] = self._user("deputy")
        return data

    def shares(self) -> list[tuple[Body, Decimal]]:
        return [
            (b, self.cleaned_data[f"share_{b.ars}"])
            for b in self.members
            if self.cleaned_data.get(f"share_{b.ars}") not in (None, Decimal("0"))
        ]


def _members(alliance: Alliance) -> list[Body]:
    return list(
        Body.objects.filter(
            pk__in=Membership.objects.current().filter(alliance=alliance).values("body_id")
        ).order_by("name")
    )


def _officer(principal: Principal, officer_id: int) -> SharedOfficer:
    officer = officer_services.visible_officers(principal).filter(pk=officer_id).first()
    if officer is None:
        raise NotFound()
    return officer


def _managed(principal: Principal, officer_id: int) -> SharedOfficer:
    officer = _officer(principal, officer_id)
    if not manages_officers(principal, officer.alliance_id):
        raise Forbidden(_(officer_services.MANAGE_REFUSAL))
    return officer


def _manageable_alliances(principal: Principal) -> Any:
    if principal.is_operator:
        return Alliance.objects.order_by("name")
    return Alliance.objects.filter(pk__in=principal.granted(alliance_policies.COORDINATOR)).order_by("name")


@login_required
def officer_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    officers = list(officer_services.visible_officers(principal).prefetch_related("shares__body"))
    today = timezone.localdate()
    context = {
        "officers": [(o, officer_services.is_current(o, today)) for o in officers],
        "alliances": list(_manageable_alliances(principal)),
        "nav": NAV,
    }
    return render(request, "security/officers/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def officer_create(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = _manageable_alliances(principal).filter(slug=slug).first()
    if alliance is None:
        if Alliance.objects.filter(slug=slug).exists() and principal.is_authenticated:
            raise Forbidden(_(officer_services.MANAGE_REFUSAL))
        raise NotFound()
    members = _members(alliance)
    form = OfficerForm(request.POST or None, members=members, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        employer = next(b for b in members if b.ars == data["employer"])
        officer = run_on_form(
            form,
            lambda: officer_services.officer_create(
                actor=request_actor(request),
                kind=data["kind"],
                person=data["person_user"],
                deputy=data["deputy_user"],
                employer=employer,
                alliance=alliance,
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
                shares=form.shares(),
            ),
        )
        if officer:
            messages.success(request, _("Die gemeinsame Funktion ist eingetragen."))
            return redirect("security:officer_detail", officer_id=officer.pk)
    return render(
        request,
        "security/officers/form.html",
        {"form": form, "alliance": alliance, "officer": None, "nav": NAV},
    )


@login_required
def officer_detail(request: HttpRequest, officer_id: int) -> HttpResponse:
    principal = principal_of(request)
    officer = _officer(principal, officer_id)
    context = {
        "officer": officer,
        "costs": officer_services.officer_costs(principal, officer),
        "current": officer_services.is_current(officer),
        "may_manage": manages_officers(principal, officer.alliance_id),
        "today": timezone.localdate(),
        "nav": NAV,
    }
    return render(request, "security/officers/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def officer_edit(request: HttpRequest, officer_id: int) -> HttpResponse:
    principal = principal_of(request)
    officer = _managed(principal, officer_id)
    members = _members(officer.alliance) if officer.alliance else [s.body for s in officer.shares.all()]
    initial: dict[str, Any] = {
        "person": officer.person.get_username(),
        "deputy": officer.deputy.get_username() if officer.deputy else "",
        "starts_on": officer.starts_on,
        "ends_on": officer.ends_on,
    }
    for share in officer.shares.select_related("body"):
        initial[f"share_{share.body.ars}"] = share.percent
    form = OfficerForm(request.POST or None, members=members, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_on_form(
            form,
            lambda: officer_services.officer_update(
                actor=request_actor(request),
                officer=officer,
                person=data["person_user"],
                deputy=data["deputy_user"],
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
                shares=form.shares(),
            ),
        )
        if done:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("security:officer_detail", officer_id=officer.pk)
    return render(
        request,
        "security/officers/form.html",
        {"form": form, "alliance": officer.alliance, "officer": officer, "nav": NAV},
    )


@login_required
@require_POST
@refusals_as_messages
def officer_settlement(request: HttpRequest, officer_id: int) -> HttpResponse:
    officer = _managed(principal_of(request), officer_id)
    service = officer_services.officer_settlement_link(actor=request_actor(request), officer=officer)
    messages.success(
        request,
        _(
            "Die Kosten werden über den geteilten Dienst „%(name)s“ abgerechnet. "
            "Tragen Sie dort den Kostenplan ein."
        )
        % {"name": service.name},
    )
    return redirect("security:officer_detail", officer_id=officer.pk)


@login_required
@require_POST
@refusals_as_messages
def officer_end(request: HttpRequest, officer_id: int) -> HttpResponse:
    officer = _managed(principal_of(request), officer_id)
    try:
        ends_on = dt.date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, _("Bitte ein Datum angeben."))
        return redirect("security:officer_detail", officer_id=officer.pk)
    officer_services.officer_end(actor=request_actor(request), officer=officer, ends_on=ends_on)
    messages.success(request, _("Die Funktion endet am %(date)s.") % {"date": f"{ends_on:%d.%m.%Y}"})
    return redirect("security:officer_detail", officer_id=officer.pk)


urlpatterns: list[URLPattern] = [
    path("beauftragte/", officer_list, name="officer_list"),
    path("beauftragte/neu/<slug:slug>/", officer_create, name="officer_create"),
    path("beauftragte/<int:officer_id>/", officer_detail, name="officer_detail"),
    path("beauftragte/<int:officer_id>/bearbeiten/", officer_edit, name="officer_edit"),
    path("beauftragte/<int:officer_id>/abrechnung/", officer_settlement, name="officer_settlement"),
    path("beauftragte/<int:officer_id>/beenden/", officer_end, name="officer_end"),
]
