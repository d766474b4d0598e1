"""The key editor: a form for the usual keys, JSON for the rest, and a live preview of the shares
(an HTMX fragment; the whole page without JavaScript)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.common.german import format_number
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import is_htmx

from .. import allocation, services
from ..calculation import preview
from ..forms import KeyForm, key_initial
from ..models import SharedService
from ..selectors import access_service, service_access
from ._common import NAV, back, choices, recipient_bodies, this_year


def _key_form(service: SharedService, data: Any = None) -> KeyForm:
    members = choices(recipient_bodies(service))
    initial = {"preview_year": this_year(), **key_initial(service.allocation_key)}
    return KeyForm(data, members=members, initial=initial)


def _preview_context(service: SharedService, form: KeyForm) -> dict[str, Any]:
    context: dict[str, Any] = {"service": service, "form": form, "preview": None, "preview_error": ""}
    if not form.is_valid():
        context["preview_error"] = _(
            "Der Schlüssel ist noch nicht vollständig oder nicht gültig (siehe Hinweise am Feld)."
        )
        return context
    year = form.cleaned_data.get("preview_year") or this_year()
    try:
        context["preview"] = preview(service, form.config, year, form.cleaned_data.get("preview_total"))
    except allocation.AllocationError as exc:  # a preview explains why it cannot be computed
        context["preview_error"] = str(exc)
    context["preview_year"] = year
    return context


def _initial_data(form: KeyForm) -> dict[str, Any]:
    """The form's initial values as submitted data (for the preview of the stored key)."""
    data = {}
    for name, field in form.fields.items():
        value = form.get_initial_for_field(field, name)
        if isinstance(value, Decimal):
            data[name] = format_number(value, None)
        elif value is not None:
            data[name] = str(value)
    return data


def key_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    principal = principal_of(request)
    service = access_service(principal, service_id, need="manage")
    form = _key_form(service, request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_on_form(
            form,
            lambda: services.service_set_key(
                actor=request_actor(request), service=service, config=form.config
            ),
            default_field="config_json",
        )
    ):
        messages.success(
            request, _("Der Verteilungsschlüssel ist gespeichert. Offene Entwürfe bitte neu berechnen.")
        )
        return back(service, "schluessel")
    if request.method == "POST":
        context = _preview_context(service, form)
    else:  # show the shares of the stored key right away
        context = _preview_context(service, _key_form(service, _initial_data(form)))
        context["form"] = form
    context.update(nav=NAV, access=service_access(principal, service))
    return render(request, "shared_services/key_edit.html", context)


@require_POST
def key_preview(request: HttpRequest, service_id: int) -> HttpResponse:
    """The shares the edited key would give (HTMX fragment; the whole page without HTMX)."""
    principal = principal_of(request)
    service = access_service(principal, service_id, need="compute")
    form = _key_form(service, request.POST)
    context = _preview_context(service, form)
    template = "shared_services/_key_preview.html" if is_htmx(request) else "shared_services/key_edit.html"
    context.update(nav=NAV, access=service_access(principal, service))
    return render(request, template, context)
