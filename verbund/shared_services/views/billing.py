"""Billing data (Rechnungsdaten) of the bodies of a service, and the XRechnung download of an invoice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from verbund.common.access import require
from verbund.common.errors import NotFound
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form

from .. import policies, services, xrechnung
from ..forms import BillingProfileForm
from ..invoices import invoice_document
from ..models import DEFAULT_TAX_NOTE, BillingProfile
from ..selectors import access_service, access_settlement, billing_rows, service_access
from ._common import NAV, body_of


def billing(request: HttpRequest, service_id: int) -> HttpResponse:
    """The provider's and the recipients' billing data, with what is missing for a proper invoice."""
    principal = principal_of(request)
    service = access_service(principal, service_id)
    access = service_access(principal, service)
    require(access.sees_all_lines, _("Die Rechnungsdaten sehen Koordination und erbringende Körperschaft."))
    context: dict[str, Any] = {
        "service": service,
        "access": access,
        "rows": billing_rows(principal, service),
        "page_title": _("Rechnungsdaten"),
        "nav": NAV,
    }
    return render(request, "shared_services/billing.html", context)


def billing_edit(request: HttpRequest, service_id: int, ars: str) -> HttpResponse:
    principal = principal_of(request)
    service = access_service(principal, service_id)
    body = body_of(ars)
    if not services.billing.involved(service, body):
        raise NotFound(_("Keine solche Körperschaft."))
    require(policies.edits_billing(principal, service, body.pk), policies.REFUSALS["billing"])
    profile = BillingProfile.objects.filter(body=body).first()
    initial = (
        {name: getattr(profile, name) for name in services.BILLING_FIELDS}
        if profile
        else {
            "tax_note": DEFAULT_TAX_NOTE,
            "number_pattern": "{jahr}-{nr}",
            "number_digits": 5,
            "payment_days": 30,
        }
    )
    form = BillingProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = run_on_form(
            form,
            lambda: services.billing_profile_set(
                actor=request_actor(request), service=service, body=body, **form.cleaned_data
            ),
            default_field="street",
        )
        if saved:
            messages.success(
                request, _("Die Rechnungsdaten von %(name)s sind gespeichert.") % {"name": body.name}
            )
            return redirect(reverse("shared_services:billing", args=[service.pk]))
    context = {
        "service": service,
        "access": service_access(principal, service),
        "body": body,
        "form": form,
        "page_title": _("Rechnungsdaten: %(name)s") % {"name": body.name},
        "nav": NAV,
    }
    return render(request, "shared_services/billing_edit.html", context)


def invoice_xrechnung(request: HttpRequest, settlement_id: int, ars: str) -> HttpResponse:
    """The member's invoice as an XRechnung (CII XML); 409 with the reason when it cannot be one."""
    principal = principal_of(request)
    settlement = access_settlement(principal, settlement_id)
    line = settlement.lines.select_related("body").filter(body__ars=ars).first()
    if line is None:
        raise Http404(_("Keine solche Zeile."))
    require(
        policies.sees_line_of(principal, settlement.service, line.body_id),
        _("Sie sehen nur die Rechnungen Ihrer eigenen Körperschaft."),
    )
    doc = invoice_document(settlement, line)
    content = xrechnung.xrechnung_xml(doc)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{xrechnung.filename(doc)}"'
    response["Cache-Control"] = "private, no-store"
    return response
