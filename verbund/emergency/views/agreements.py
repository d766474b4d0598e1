"""Pages of the alliances' agreements on mutual aid under ``/krisenstab/ressourcen/vereinbarungen/``.

* ``vereinbarungen/`` — the alliances the person belongs to (or coordinates) and the agreement in
  force in each;
* ``vereinbarungen/verbund/<slug>/`` — one alliance's agreements (all versions), ``…/neu/`` a new one;
* ``vereinbarungen/<id>/`` — an agreement: the terms in words, the cost sharing described, the
  versions of the alliance; ``…/bearbeiten/`` (not started yet), ``…/neue-fassung/`` (new terms from
  a date: the agreement ends the day before), ``…/befristen/`` (last day), ``…/loeschen/`` (POST;
  not started and not settled).

The rules are in :mod:`verbund.emergency.services.agreements`; the forms read German amounts
("1.234,50") and dates ("01.01.2026").
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.common.errors import Forbidden
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import DateInput, KernForm, money_field, run_on_form
from verbund.ui.views import refusals_as_messages

from ..models import AidAgreement
from ..services import agreements as svc

NAV = "emergency"


def _lazy_str(message: str) -> str:
    return gettext_lazy(message)  # type: ignore[return-value]


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    """A date as typed in German ("01.01.2026") or picked (ISO)."""
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"],
        help_text=help_text,
    )


SHARING_CHOICES = [
    ("none", gettext_lazy("keine Kostenteilung: die anfragende Körperschaft trägt die Erstattung")),
    ("equal", gettext_lazy("zu gleichen Teilen auf alle Mitglieder")),
    ("population", gettext_lazy("nach Einwohnern der Mitglieder")),
    ("mix", gettext_lazy("Mischung: 50 % zu gleichen Teilen, 50 % nach Einwohnern")),
    ("json", gettext_lazy("erweitert: anderer Verteilungsschlüssel als JSON")),
]


def _rate_field_name(code: str) -> str:
    return f"rate_{code}"


class AgreementForm(KernForm):
    """The terms and the period; one daily-rate field per resource category (people: hourly rate)."""

    field_aliases = {"daily_rates": "rate_stromerzeuger", "cost_sharing": "cost_sharing_json"}

    reimburse = forms.BooleanField(
        label=gettext_lazy("Hilfe wird erstattet"),
        required=False,
        initial=True,
        help_text=gettext_lazy("ohne Haken: keine Erstattung zwischen den Mitgliedern (Grundsatz)"),
    )
    hourly_rate = money_field(
        _lazy_str("Stundensatz Personal (EUR)"), help_text=_lazy_str("z. B. 45,00; leer: kein Stundensatz")
    )
    consumables_at_cost = forms.BooleanField(
        label=gettext_lazy("Verbrauchsmaterial zum Selbstkostenpreis"), required=False, initial=True
    )
    valid_from = _date_field(gettext_lazy("gültig ab"), help_text=gettext_lazy("TT.MM.JJJJ"))
    valid_until = _date_field(
        gettext_lazy("gültig bis"), required=False, help_text=gettext_lazy("leer: unbefristet")
    )
    sharing = forms.ChoiceField(
        label=gettext_lazy("Kostenteilung im Verbund"),
        choices=SHARING_CHOICES,
        initial="none",
        widget=forms.RadioSelect,
    )
    cost_sharing_json = forms.CharField(
        label=gettext_lazy("Verteilungsschlüssel als JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "nur bei „erweitert“; Schlüssel der gemeinsamen Dienste, "
            "Mitglieder mit ihrem Regionalschlüssel (ARS)"
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Grundlage"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "z. B. „Beschluss der Verbandsversammlung vom …“ oder „Erlass des Landes vom …“"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(
            ["reimburse", "hourly_rate"]
            + [_rate_field_name(c.value) for c in svc.DAILY_RATE_CATEGORIES]
            + ["consumables_at_cost", "sharing", "cost_sharing_json", "valid_from", "valid_until", "note"]
        )

    def rate_fields(self) -> list[Any]:
        return [self[_rate_field_name(c.value)] for c in svc.DAILY_RATE_CATEGORIES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sharing") == "json" and not (data.get("cost_sharing_json") or "").strip():
            self.add_error("cost_sharing_json", _("Bitte den Schlüssel als JSON angeben."))
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        sharing = data.get("sharing") or "none"
        cost_sharing: Any = (
            data.get("cost_sharing_json") if sharing == "json" else svc.SHARING_PRESETS.get(sharing)
        )
        values: dict[str, Any] = {
            "reimburse": data.get("reimburse", False),
            "hourly_rate": data.get("hourly_rate"),
            "daily_rates": {
                c.value: data[_rate_field_name(c.value)]
                for c in svc.DAILY_RATE_CATEGORIES
                if data.get(_rate_field_name(c.value)) is not None
            },
            "consumables_at_cost": data.get("consumables_at_cost", False),
            "cost_sharing": cost_sharing,
            "valid_from": data.get("valid_from"),
            "note": data.get("note") or "",
        }
        values["valid_until"] = data.get("valid_until")
        return values


# one daily-rate field per category with a daily rate (declared on the class, so the kit styles them)
for _category in svc.DAILY_RATE_CATEGORIES:
    AgreementForm.base_fields[_rate_field_name(_category.value)] = money_field(
        format_lazy(gettext_lazy("Tagessatz {category} (EUR)"), category=_category.label)  # type: ignore[arg-type]
    )


def _initial(agreement: AidAgreement) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "reimburse": agreement.reimburse,
        "hourly_rate": agreement.hourly_rate,
        "consumables_at_cost": agreement.consumables_at_cost,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "note": agreement.note,
    }
    for code, rate in (agreement.daily_rates or {}).items():
        initial[_rate_field_name(code)] = Decimal(str(rate))
    preset = svc.sharing_preset(agreement.cost_sharing)
    initial["sharing"] = preset or "json"
    if preset is None:
        initial["cost_sharing_json"] = json.dumps(agreement.cost_sharing, ensure_ascii=False, indent=2)
    return initial


class EndForm(KernForm):
    valid_until = _date_field(
        gettext_lazy("letzter Tag der Vereinbarung"), help_text=gettext_lazy("TT.MM.JJJJ")
    )


# --- pages -----------------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    on = svc.today()
    rows = []
    for alliance in svc.visible_alliances(principal):
        agreements = list(svc.agreements_of(principal, alliance))
        current = next((a for a in agreements if svc.state(a, on) == svc.STATE_ACTIVE), None)
        coming = next(
            (
                a
                for a in sorted(agreements, key=lambda a: a.valid_from)
                if svc.state(a, on) == svc.STATE_FUTURE
            ),
            None,
        )
        rows.append({"alliance": alliance, "current": current, "coming": coming, "count": len(agreements)})
    return render(request, "emergency/agreements/overview.html", {"rows": rows, "nav": NAV})


@login_required
def alliance_agreements(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = svc.get_alliance(principal, slug)
    agreements = list(svc.agreements_of(principal, alliance).order_by("-valid_from", "-id"))
    context = {
        "alliance": alliance,
        "rows": [
            {"agreement": a, "state": svc.state(a), "state_label": svc.state_label(a)} for a in agreements
        ],
        "may_change": svc.may_change(principal, alliance.pk),
        "nav": NAV,
    }
    return render(request, "emergency/agreements/alliance.html", context)


@login_required
def agreement_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = svc.get_alliance(principal, slug)
    if not svc.may_change(principal, alliance.pk):
        raise Forbidden(_("Nur die Verbundkoordination ändert die Vereinbarung über gegenseitige Hilfe."))
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = run_on_form(
            form,
            lambda: svc.agreement_create(
                actor=request_actor(request), alliance=alliance, values=form.values()
            ),
            default_field="valid_from",
        )
        if created:
            messages.success(request, _("Die Vereinbarung ist angelegt."))
            return redirect("emergency:agreement_detail", agreement_id=created.pk)
    context = {"form": form, "alliance": alliance, "mode": "create", "nav": NAV}
    return render(request, "emergency/agreements/form.html", context)


@login_required
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    principal = principal_of(request)
    agreement = svc.get_agreement(principal, agreement_id)
    names = svc.member_names(agreement.alliance_id)
    versions = list(svc.agreements_of(principal, agreement.alliance).order_by("valid_from", "id"))
    state = svc.state(agreement)
    may_change = svc.may_change(principal, agreement.alliance_id)
    settled = agreement.settlements.exists()
    context = {
        "agreement": agreement,
        "alliance": agreement.alliance,
        "terms": svc.terms(agreement, names),
        "state": state,
        "state_label": svc.state_label(agreement),
        "versions": [{"agreement": a, "state_label": svc.state_label(a)} for a in versions],
        "may_change": may_change,
        "may_edit": may_change and state == svc.STATE_FUTURE,
        "may_delete": may_change and state == svc.STATE_FUTURE and not settled,
        "may_new_version": may_change and state != svc.STATE_ENDED,
        "nav": NAV,
    }
    return render(request, "emergency/agreements/detail.html", context)


def _changeable(request: HttpRequest, agreement_id: int) -> AidAgreement:
    principal = principal_of(request)
    agreement = svc.get_agreement(principal, agreement_id)
    if not svc.may_change(principal, agreement.alliance_id):
        raise Forbidden(_("Nur die Verbundkoordination ändert die Vereinbarung über gegenseitige Hilfe."))
    return agreement


@login_required
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _changeable(request, agreement_id)
    if svc.state(agreement) != svc.STATE_FUTURE:
        messages.info(
            request,
            _(
                "Die Vereinbarung ist schon in Kraft; neue Bedingungen gelten mit einer neuen Fassung "
                "ab einem Stichtag."
            ),
        )
        return redirect("emergency:agreement_new_version", agreement_id=agreement.pk)
    form = AgreementForm(request.POST or None, initial=_initial(agreement))
    if request.method == "POST" and form.is_valid():
        updated = run_on_form(
            form,
            lambda: svc.agreement_update(
                actor=request_actor(request), agreement=agreement, values=form.values()
            ),
            default_field="valid_from",
        )
        if updated:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("emergency:agreement_detail", agreement_id=agreement.pk)
    context = {
        "form": form,
        "alliance": agreement.alliance,
        "agreement": agreement,
        "mode": "edit",
        "nav": NAV,
    }
    return render(request, "emergency/agreements/form.html", context)


@login_required
def agreement_new_version_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _changeable(request, agreement_id)
    initial = _initial(agreement)
    initial["valid_from"] = max(svc.today(), agreement.valid_from) + dt.timedelta(days=1)
    form = AgreementForm(request.POST or None, initial=initial)
    form.fields["valid_from"].label = _("neue Fassung gilt ab")
    form.fields["valid_from"].help_text = _("TT.MM.JJJJ; die bisherige Fassung endet am Tag davor")
    if request.method == "POST" and form.is_valid():
        values = form.values()
        created = run_on_form(
            form,
            lambda: svc.agreement_new_version(
                actor=request_actor(request),
                agreement=agreement,
                valid_from=values["valid_from"],
                values=values,
            ),
            default_field="valid_from",
        )
        if created:
            messages.success(request, _("Die neue Fassung ist angelegt; die bisherige endet am Tag davor."))
            return redirect("emergency:agreement_detail", agreement_id=created.pk)
    context = {
        "form": form,
        "alliance": agreement.alliance,
        "agreement": agreement,
        "mode": "version",
        "nav": NAV,
    }
    return render(request, "emergency/agreements/form.html", context)


@login_required
def agreement_end_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _changeable(request, agreement_id)
    form = EndForm(request.POST or None, initial={"valid_until": agreement.valid_until or svc.today()})
    if request.method == "POST" and form.is_valid():
        ended = run_on_form(
            form,
            lambda: svc.agreement_end(
                actor=request_actor(request),
                agreement=agreement,
                valid_until=form.cleaned_data["valid_until"],
            ),
            default_field="valid_until",
        )
        if ended:
            messages.success(request, _("Das Ende der Vereinbarung ist gespeichert."))
            return redirect("emergency:agreement_detail", agreement_id=agreement.pk)
    context = {"form": form, "alliance": agreement.alliance, "agreement": agreement, "nav": NAV}
    return render(request, "emergency/agreements/end.html", context)


@login_required
@require_POST
@refusals_as_messages
def agreement_delete_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _changeable(request, agreement_id)
    slug = agreement.alliance.slug
    svc.agreement_delete(actor=request_actor(request), agreement=agreement)
    messages.success(request, _("Die Vereinbarung ist gelöscht."))
    return redirect("emergency:agreements_alliance", slug=slug)


urlpatterns: list[URLPattern] = [
    path("ressourcen/vereinbarungen/", overview, name="agreements"),
    path("ressourcen/vereinbarungen/verbund/<slug:slug>/", alliance_agreements, name="agreements_alliance"),
    path(
        "ressourcen/vereinbarungen/verbund/<slug:slug>/neu/", agreement_create_view, name="agreement_create"
    ),
    path("ressourcen/vereinbarungen/<int:agreement_id>/", agreement_detail, name="agreement_detail"),
    path("ressourcen/vereinbarungen/<int:agreement_id>/bearbeiten/", agreement_edit, name="agreement_edit"),
    path(
        "ressourcen/vereinbarungen/<int:agreement_id>/neue-fassung/",
        agreement_new_version_view,
        name="agreement_new_version",
    ),
    path("ressourcen/vereinbarungen/<int:agreement_id>/befristen/", agreement_end_view, name="agreement_end"),
    path(
        "ressourcen/vereinbarungen/<int:agreement_id>/loeschen/",
        agreement_delete_view,
        name="agreement_delete",
    ),
]
