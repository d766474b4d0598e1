"""Settlements: compute, look at, finalize (after a confirmation), correct, discard; the downloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.common.access import require
from verbund.common.german import format_money
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import refusals_as_messages

from .. import exports, policies, services
from ..forms import ComputeForm, CorrectionForm
from ..models import Settlement, SettlementKind
from ..selectors import (
    access_service,
    access_settlement,
    billing_gaps,
    service_access,
    settlement_diff,
    settlement_lines,
    settlement_versions,
)
from ._common import NAV, this_year


def _name(settlement: Settlement) -> str:
    """The settlement's name in the reader's language (``str(settlement)`` is the German one of the log)."""
    return _("%(kind)s %(year)s (Fassung %(version)s)") % {
        "kind": settlement.get_kind_display(),
        "year": settlement.year,
        "version": settlement.version,
    }


def settlements(request: HttpRequest, service_id: int) -> HttpResponse:
    principal = principal_of(request)
    service = access_service(principal, service_id)
    form = ComputeForm(request.POST or None, initial={"year": this_year() - 1, "kind": SettlementKind.FINAL})
    if request.method == "POST":
        require(policies.computes(principal, service), policies.REFUSALS["compute"])
        settlement = form.is_valid() and run_on_form(
            form,
            lambda: services.settlement_compute(
                actor=request_actor(request),
                service=service,
                year=form.cleaned_data["year"],
                kind=form.cleaned_data["kind"],
            ),
            default_field="year",
        )
        if settlement:
            messages.success(
                request, _("%(settlement)s ist berechnet (Entwurf).") % {"settlement": _name(settlement)}
            )
            return redirect(settlement.get_absolute_url())
    context = {
        "service": service,
        "access": service_access(principal, service),
        "form": form,
        "versions": settlement_versions(service),
        "nav": NAV,
    }
    return render(request, "shared_services/settlements.html", context)


def settlement_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    principal = principal_of(request)
    settlement = access_settlement(principal, settlement_id)
    service = settlement.service
    access = service_access(principal, service)
    lines = settlement_lines(settlement, access)
    versions = [s for s in settlement_versions(service, settlement.year) if s.kind == settlement.kind]
    standalone = [line.standalone_cost for line in lines if line.standalone_cost is not None]
    context: dict[str, Any] = {
        "settlement": settlement,
        "page_title": f"{settlement.get_kind_display()} {settlement.year}",
        "service": service,
        "access": access,
        "lines": lines,
        "diff": settlement_diff(settlement, access),
        "versions": versions,
        "is_latest": bool(versions) and versions[0].pk == settlement.pk,
        "totals": settlement.snapshot.get("cost_plan", {}).get("totals", {}),
        "basis_totals": settlement.snapshot.get("basis_totals", {}),
        "notes": settlement.snapshot.get("notes", []),
        "cost_model": settlement.snapshot.get("cost_model"),
        "standalone_total": sum(standalone, Decimal("0.00")) if standalone else None,
        "share_total": sum((line.share for line in lines), Decimal("0.00")),
        "correction_form": CorrectionForm(),
        "finalize_consequences": finalize_consequences(settlement, lines) if access.manages else [],
        "nav": NAV,
    }
    compared = [line for line in lines if line.saving is not None]
    if compared:
        # Like with like: stand-alone costs against the shares before fee income (share + its revenues).
        context["standalone_total"] = sum(
            (line.standalone_cost or Decimal("0.00") for line in compared), Decimal("0.00")
        )
        context["gross_total"] = sum(
            (line.gross_share or Decimal("0.00") for line in compared), Decimal("0.00")
        )
        context["saving_total"] = sum((line.saving or Decimal("0.00") for line in compared), Decimal("0.00"))
    return render(request, "shared_services/settlement_detail.html", context)


def finalize_consequences(settlement: Settlement, lines: list[Any]) -> list[str]:
    """What finalizing does, with this draft's figures: shown in the confirmation step."""
    members = [line for line in lines if line.days]
    consequences = [
        _(
            "%(total)s werden verbindlich auf %(count)s Mitglieder verteilt; jedes Mitglied erhält eine "
            "Rechnung mit Rechnungsnummer (Kassenzeichen), Fälligkeit und Bankverbindung, auch als XRechnung."
        )
        % {"total": format_money(settlement.total), "count": len(members)}
    ]
    if settlement.kind == SettlementKind.FINAL:
        due = sum((line.balance for line in lines if line.balance > 0), Decimal("0.00"))
        refunds = -sum((line.balance for line in lines if line.balance < 0), Decimal("0.00"))
        consequences.append(
            _("Nachzahlungen zusammen %(due)s, Erstattungen zusammen %(refunds)s.")
            % {"due": format_money(due), "refunds": format_money(refunds)}
        )
    else:
        consequences.append(
            _("Die Abschläge werden in %(count)s Raten je Mitglied fällig.")
            % {"count": settlement.instalments}
        )
    missing = billing_gaps(settlement.service)
    if missing:
        consequences.append(
            _("Achtung: In den Rechnungsdaten der erbringenden Körperschaft fehlen %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    consequences.append(
        _(
            "Die Mitglieder werden benachrichtigt. Die Fassung kann danach nicht mehr geändert oder gelöscht "
            "werden; Änderungen sind nur als Korrektur (neue Fassung) möglich."
        )
    )
    return consequences


# --- buttons: access decides 404/403 first, the service's refusal becomes a message ----------------


@require_POST
def settlement_finalize(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(principal_of(request), settlement_id, need="manage")
    return _finalize(request, settlement)


@refusals_as_messages
def _finalize(request: HttpRequest, settlement: Settlement) -> HttpResponse:
    if not request.POST.get("confirmed"):
        messages.error(request, _("Bitte den Abschluss bestätigen."))
        return redirect(settlement.get_absolute_url())
    services.settlement_finalize(
        actor=request_actor(request), settlement=settlement, confirmed=request.POST.get("confirmed") == "1"
    )
    messages.success(
        request,
        _("%(settlement)s ist abgeschlossen und kann nicht mehr geändert werden.")
        % {"settlement": _name(settlement)},
    )
    return redirect(settlement.get_absolute_url())


@require_POST
def settlement_correct(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(principal_of(request), settlement_id, need="manage")
    form = CorrectionForm(request.POST)
    draft = form.is_valid() and run_on_form(
        form,
        lambda: services.settlement_correct(
            actor=request_actor(request), settlement=settlement, reason=form.cleaned_data["reason"]
        ),
        default_field="reason",
    )
    if not draft:
        messages.error(
            request,
            _("Keine Korrektur angelegt: %(problems)s")
            % {"problems": " ".join(str(e) for e in form.errors.get("reason", []))},
        )
        return redirect(settlement.get_absolute_url())
    messages.success(
        request,
        _("Fassung %(version)s ist als Entwurf angelegt; sie zeigt die Unterschiede.")
        % {"version": draft.version},
    )
    return redirect(draft.get_absolute_url())


@require_POST
def settlement_recompute(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(principal_of(request), settlement_id, need="compute")
    return _recompute(request, settlement)


@refusals_as_messages
def _recompute(request: HttpRequest, settlement: Settlement) -> HttpResponse:
    services.settlement_compute(
        actor=request_actor(request), service=settlement.service, year=settlement.year, kind=settlement.kind
    )
    messages.success(request, _("Der Entwurf ist mit den aktuellen Grundlagen neu berechnet."))
    return redirect(settlement.get_absolute_url())


@require_POST
def settlement_discard(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = access_settlement(principal_of(request), settlement_id, need="manage")
    return _discard(request, settlement)


@refusals_as_messages
def _discard(request: HttpRequest, settlement: Settlement) -> HttpResponse:
    service = settlement.service
    services.settlement_discard(actor=request_actor(request), settlement=settlement)
    messages.success(request, _("Der Entwurf ist verworfen."))
    return redirect("shared_services:settlements", service_id=service.pk)


# --- downloads --------------------------------------------------------------------------------------


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def invoice_pdf(request: HttpRequest, settlement_id: int, ars: str) -> HttpResponse:
    principal = principal_of(request)
    settlement = access_settlement(principal, settlement_id)
    line = settlement.lines.select_related("body").filter(body__ars=ars).first()
    if line is None:
        raise Http404(_("Keine solche Zeile."))
    require(
        policies.sees_line_of(principal, settlement.service, line.body_id),
        _("Sie sehen nur die Rechnungen Ihrer eigenen Körperschaft."),
    )
    filename = exports.export_filename(settlement, f"-{ars}.pdf")
    return _download(exports.invoice_pdf(settlement, line), "application/pdf", filename)


def _overview_lines(request: HttpRequest, settlement_id: int) -> tuple[Settlement, list[Any]]:
    principal = principal_of(request)
    settlement = access_settlement(principal, settlement_id)
    access = service_access(principal, settlement.service)
    require(
        access.sees_all_lines,
        _("Die Übersicht aller Mitglieder sehen Koordination und erbringende Körperschaft."),
    )
    return settlement, settlement_lines(settlement, access)


def overview_xlsx(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement, lines = _overview_lines(request, settlement_id)
    return _download(
        exports.overview_xlsx(settlement, lines),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.export_filename(settlement, ".xlsx"),
    )


def overview_csv(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement, lines = _overview_lines(request, settlement_id)
    return _download(
        exports.overview_csv(settlement, lines),
        "text/csv; charset=utf-8",
        exports.export_filename(settlement, ".csv"),
    )
