"""Pages of the resource pool and mutual aid under ``/krisenstab/ressourcen/``.

* ``ressourcen/`` — the pool with filters (category, kind, body, search); ``…/neu/`` and
  ``…/<id>/bearbeiten/`` the form of a body's own resource.
* ``ressourcen/ersuchen/`` — the requests for help; ``…/neu/`` post one; ``…/<id>/`` a request with
  its commitments (handover, return, cancel) and the ranked offers with their reasons and a commit
  button for those whose owner the person acts for; ``…/<id>/abrechnung/`` the statement (HTML and
  ``…/abrechnung.pdf``); the section "Erstattungsabrechnung" with the booked settlement's versions
  and buttons (:mod:`.settlements`).
* ``ressourcen/zusagen/`` — tracking the commitments of the person's bodies (lent and received).

Everybody working for a body sees the pool and the requests; the event a request belongs to is
named only to members of its staff.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.common.errors import Forbidden
from verbund.common.principal import Principal, principal_of
from verbund.common.roles import Role
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import GermanIntegerField, KernForm, money_field, quantity_field, run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from ..models import (
    AidPriority,
    AidStatus,
    Commitment,
    CommitmentStatus,
    Event,
    Resource,
    ResourceCategory,
)
from ..policies import acts_for_body, event_filter
from ..services import aid
from ..services import resources as svc
from . import settlements as settlement_views
from .staffs import CoordinateField

NAV = "emergency"


def _lazy_str(message: str) -> str:
    """A lazily translated label where a helper is typed ``str`` (the form renders it per request)."""
    return gettext_lazy(message)  # type: ignore[return-value]


class DateTimeInput(forms.DateTimeInput):
    """A native date and time picker (``YYYY-MM-DDTHH:MM``, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )


def _own_bodies(principal: Principal) -> Any:
    if principal.is_system:
        return Body.objects.all().order_by("name")
    return Body.objects.filter(
        pk__in=principal.body_ids(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)
    ).order_by("name")


def _symbol_choices() -> list[tuple[str, str]]:
    return [("", _("– ohne –")), *svc.symbol_choices()]


# --- forms ---------------------------------------------------------------------------------------


class ResourceForm(KernForm):
    owner_body = forms.ModelChoiceField(queryset=Body.objects.none(), label=gettext_lazy("Körperschaft"))
    category = forms.ChoiceField(label=gettext_lazy("Kategorie"), choices=ResourceCategory.choices)
    symbol = forms.ChoiceField(
        label=gettext_lazy("Art (Taktisches Zeichen)"),
        required=False,
        help_text=gettext_lazy("nach DV 102; oder unten eine eigene Bezeichnung"),
    )
    own_type = forms.CharField(
        label=gettext_lazy("eigene Bezeichnung der Art"), max_length=200, required=False
    )
    name = forms.CharField(label=gettext_lazy("Bezeichnung"), max_length=200)
    quantity = GermanIntegerField(label=gettext_lazy("Anzahl"), min_value=1, max_value=1_000_000, initial=1)
    unit = forms.CharField(label=gettext_lazy("Einheit"), max_length=30, initial="Stück")
    qualifications = forms.CharField(
        label=gettext_lazy("Qualifikationen"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("bei Personal, z. B. Maschinist, Fachberater THW, Führerschein C"),
    )
    location = forms.CharField(
        label=gettext_lazy("Standort"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("leer: der Sitz der Körperschaft"),
    )
    latitude = CoordinateField(label=gettext_lazy("Breite"), required=False, min_value=-90, max_value=90)
    longitude = CoordinateField(label=gettext_lazy("Länge"), required=False, min_value=-180, max_value=180)
    available_from = _datetime(gettext_lazy("verfügbar ab"), required=False)
    available_until = _datetime(gettext_lazy("verfügbar bis"), required=False)
    conditions = forms.CharField(
        label=gettext_lazy("Bedingungen"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hourly_rate = money_field(_lazy_str("Stundensatz (EUR)"))
    daily_rate = money_field(_lazy_str("Tagessatz (EUR)"))
    consumable = forms.BooleanField(label=gettext_lazy("Verbrauchsmaterial"), required=False)
    unit_cost = money_field(_lazy_str("Kosten je Einheit (EUR)"))
    active = forms.BooleanField(label=gettext_lazy("im Pool"), required=False, initial=True)

    def __init__(
        self, *args: Any, principal: Principal, resource: Resource | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner_body"]
        owner.queryset = _own_bodies(principal)  # type: ignore[attr-defined]
        if resource is not None:
            owner.disabled = True
            owner.queryset = Body.objects.filter(pk=resource.owner_body_id)  # type: ignore[attr-defined]
        self.fields["symbol"].choices = _symbol_choices()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in svc.RESOURCE_FIELDS}


class RequestForm(KernForm):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=gettext_lazy("anfragende Körperschaft"))
    category = forms.ChoiceField(label=gettext_lazy("Kategorie"), choices=ResourceCategory.choices)
    symbol = forms.ChoiceField(label=gettext_lazy("Art (Taktisches Zeichen)"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Was wird gebraucht?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    quantity = GermanIntegerField(label=gettext_lazy("Anzahl"), min_value=1, max_value=1_000_000)
    place = forms.CharField(
        label=gettext_lazy("Einsatzort"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("leer: der Sitz der Körperschaft"),
    )
    latitude = CoordinateField(label=gettext_lazy("Breite"), required=False, min_value=-90, max_value=90)
    longitude = CoordinateField(label=gettext_lazy("Länge"), required=False, min_value=-180, max_value=180)
    needed_from = _datetime(gettext_lazy("benötigt ab"))
    needed_until = _datetime(gettext_lazy("benötigt bis"))
    priority = forms.ChoiceField(
        label=gettext_lazy("Dringlichkeit"), choices=AidPriority.choices, initial=AidPriority.NORMAL
    )
    event = forms.ModelChoiceField(queryset=Event.objects.none(), label=gettext_lazy("Lage"), required=False)

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = _own_bodies(principal)  # type: ignore[attr-defined]
        self.fields["symbol"].choices = _symbol_choices()  # type: ignore[attr-defined]
        self.fields["event"].queryset = Event.objects.filter(event_filter(principal)).order_by(  # type: ignore[attr-defined]
            "-opened_at"
        )


class CommitForm(KernForm):
    resource = forms.IntegerField(widget=forms.HiddenInput)
    quantity = GermanIntegerField(label=gettext_lazy("Anzahl zusagen"), min_value=1, max_value=1_000_000)


class HandoverForm(KernForm):
    at = _datetime(gettext_lazy("übergeben am"), required=False)
    condition = forms.CharField(label=gettext_lazy("Zustand bei Übergabe"), max_length=500, required=False)


class ReturnForm(KernForm):
    at = _datetime(gettext_lazy("zurück am"), required=False)
    condition = forms.CharField(label=gettext_lazy("Zustand bei Rückgabe"), max_length=500, required=False)
    quantity = GermanIntegerField(label=gettext_lazy("zurückgegebene Anzahl"), min_value=0, required=False)
    hours = quantity_field(_lazy_str("geleistete Stunden (Personal)"))


# --- the pool --------------------------------------------------------------------------------------


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    resources = svc.visible_resources(principal)
    params = {
        "q": request.GET.get("q", "").strip()[:200],
        "category": request.GET.get("kategorie", ""),
        "symbol": request.GET.get("art", ""),
        "body": request.GET.get("koerperschaft", "").strip()[:12],
        "inactive": bool(request.GET.get("auch_inaktive")),
    }
    if not params["inactive"]:
        resources = resources.filter(active=True)
    if params["category"] in ResourceCategory.values:
        resources = resources.filter(category=params["category"])
    if params["symbol"]:
        resources = resources.filter(symbol=params["symbol"])
    if params["body"]:
        resources = resources.filter(owner_body__ars=params["body"])
    if params["q"]:
        q = params["q"]
        resources = resources.filter(
            Q(name__icontains=q)
            | Q(own_type__icontains=q)
            | Q(qualifications__icontains=q)
            | Q(location__icontains=q)
        )
    page = paginate(request, resources.order_by("owner_body__name", "category", "name", "id"))
    own = set(_own_bodies(principal).values_list("pk", flat=True))
    context = {
        "page": page,
        "params": params,
        "categories": ResourceCategory.choices,
        "symbols": svc.symbol_choices(),
        "symbol_labels": dict(svc.symbol_choices()),
        "bodies": Body.objects.filter(pk__in=Resource.objects.values("owner_body_id")).order_by("name"),
        "own": own,
        "may_create": bool(own),
        "nav": NAV,
    }
    return render(request, "emergency/resources/pool.html", context)


@login_required
def resource_create_view(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    svc.visible_resources(principal)
    form = ResourceForm(request.POST or None, principal=principal)
    if request.method == "POST" and form.is_valid():
        created = run_on_form(
            form,
            lambda: svc.resource_create(
                actor=request_actor(request), owner_body=form.cleaned_data["owner_body"], values=form.values()
            ),
            default_field="name",
        )
        if created:
            messages.success(request, _("Die Ressource ist im Pool."))
            return redirect("emergency:resource_pool")
    return render(request, "emergency/resources/form.html", {"form": form, "resource": None, "nav": NAV})


@login_required
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    principal = principal_of(request)
    resource = svc.get_resource(principal, resource_id)
    if not acts_for_body(principal, resource.owner_body_id):
        raise Forbidden(_("Nur wer für die Körperschaft arbeitet, pflegt ihre Ressourcen."))
    initial = {name: getattr(resource, name) for name in svc.RESOURCE_FIELDS}
    initial["owner_body"] = resource.owner_body_id
    for name in ("available_from", "available_until"):
        if initial[name]:
            initial[name] = timezone.localtime(initial[name])
    form = ResourceForm(request.POST or None, principal=principal, resource=resource, initial=initial)
    if request.method == "POST" and form.is_valid():
        updated = run_on_form(
            form,
            lambda: svc.resource_update(
                actor=request_actor(request), resource=resource, values=form.values()
            ),
            default_field="name",
        )
        if updated:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("emergency:resource_pool")
    return render(request, "emergency/resources/form.html", {"form": form, "resource": resource, "nav": NAV})


# --- requests --------------------------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    requests = svc.visible_requests(principal)
    params = {"status": request.GET.get("stand", ""), "category": request.GET.get("kategorie", "")}
    if params["status"] in AidStatus.values:
        requests = requests.filter(status=params["status"])
    elif not params["status"]:
        requests = requests.exclude(status__in=(AidStatus.CANCELLED, AidStatus.FULFILLED))
    if params["category"] in ResourceCategory.values:
        requests = requests.filter(category=params["category"])
    context = {
        "page": paginate(request, requests.order_by("-created_at", "-id")),
        "params": params,
        "statuses": AidStatus.choices,
        "categories": ResourceCategory.choices,
        "may_create": _own_bodies(principal).exists(),
        "nav": NAV,
    }
    return render(request, "emergency/resources/requests.html", context)


@login_required
def request_create_view(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    svc.visible_requests(principal)
    form = RequestForm(request.POST or None, principal=principal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_on_form(
            form,
            lambda: svc.request_create(
                actor=request_actor(request),
                body=data["body"],
                category=data["category"],
                symbol=data.get("symbol") or "",
                description=data["description"],
                quantity=data["quantity"],
                place=data.get("place") or "",
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                needed_from=data["needed_from"],
                needed_until=data["needed_until"],
                priority=data["priority"],
                event=data.get("event"),
            ),
            default_field="description",
        )
        if created:
            messages.success(request, _("Das Hilfeersuchen ist gestellt."))
            return redirect("emergency:aid_request_detail", request_id=created.pk)
    return render(request, "emergency/resources/request_form.html", {"form": form, "nav": NAV})


def _commitment_rows(principal: Principal, commitments: Any) -> list[dict[str, Any]]:
    rows = []
    for commitment in commitments:
        party = acts_for_body(principal, commitment.resource.owner_body_id) or acts_for_body(
            principal, commitment.request.requesting_body_id
        )
        rows.append(
            {
                "commitment": commitment,
                "may_act": party,
                "handover_form": HandoverForm(prefix=f"h{commitment.pk}")
                if party and commitment.status == CommitmentStatus.COMMITTED
                else None,
                "return_form": ReturnForm(
                    prefix=f"r{commitment.pk}", initial={"quantity": commitment.quantity}
                )
                if party and commitment.status == CommitmentStatus.OUT
                else None,
            }
        )
    return rows


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    principal = principal_of(request)
    aid_request = svc.get_request(principal, request_id)
    commitments = aid_request.commitments.select_related(
        "resource", "resource__owner_body", "request", "request__requesting_body"
    ).order_by("committed_at", "id")
    open_request = aid_request.status not in (AidStatus.CANCELLED, AidStatus.FULFILLED)
    offers = svc.ranked_offers(principal, aid_request) if open_request else []
    committed = svc.committed_quantity(aid_request)
    context = {
        "aid_request": aid_request,
        "event_visible": svc.event_visible(principal, aid_request.event),
        "symbol_label": svc.symbol_label(aid_request.symbol) if aid_request.symbol else "",
        "commitments": _commitment_rows(principal, commitments),
        "committed": committed,
        "missing": max(0, aid_request.quantity - committed),
        "offers": [
            {
                "offer": offer,
                "may_commit": acts_for_body(principal, offer.resource.owner_body_id),
                "form": CommitForm(
                    prefix=f"c{offer.resource.pk}",
                    initial={"resource": offer.resource.pk, "quantity": offer.ranked.usable},
                ),
            }
            for offer in offers
        ],
        "open_request": open_request,
        "may_cancel": open_request and acts_for_body(principal, aid_request.requesting_body_id),
        "may_see_statement": aid.may_see_statement(principal, aid_request),
        "no_reimbursement": _(aid.NO_REIMBURSEMENT),
        **settlement_views.section(principal, aid_request),
        "nav": NAV,
    }
    return render(request, "emergency/resources/request_detail.html", context)


@login_required
@require_POST
@refusals_as_messages
def commit_view(request: HttpRequest, request_id: int) -> HttpResponse:
    principal = principal_of(request)
    aid_request = svc.get_request(principal, request_id)
    resource_id = request.POST.get("resource", "")
    prefix = f"c{resource_id}" if resource_id.isdigit() else "c"
    form = CommitForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("Bitte eine Anzahl ab 1 angeben."))
        return redirect("emergency:aid_request_detail", request_id=aid_request.pk)
    resource = svc.get_resource(principal, form.cleaned_data["resource"])
    svc.commit(
        actor=request_actor(request),
        aid_request=aid_request,
        resource=resource,
        quantity=form.cleaned_data["quantity"],
    )
    messages.success(request, _("Die Hilfe ist zugesagt."))
    return redirect("emergency:aid_request_detail", request_id=aid_request.pk)


@login_required
@require_POST
@refusals_as_messages
def request_cancel_view(request: HttpRequest, request_id: int) -> HttpResponse:
    aid_request = svc.get_request(principal_of(request), request_id)
    svc.request_cancel(actor=request_actor(request), aid_request=aid_request)
    messages.success(request, _("Das Hilfeersuchen ist zurückgezogen."))
    return redirect("emergency:aid_request_detail", request_id=aid_request.pk)


def _back(commitment: Commitment) -> HttpResponse:
    return redirect("emergency:aid_request_detail", request_id=commitment.request_id)


@login_required
@require_POST
@refusals_as_messages
def handover_view(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = svc.get_commitment(principal_of(request), commitment_id)
    form = HandoverForm(request.POST, prefix=f"h{commitment.pk}")
    if not form.is_valid():
        messages.error(request, _("Bitte die Angaben zur Übergabe prüfen."))
        return _back(commitment)
    svc.handover(
        actor=request_actor(request),
        commitment=commitment,
        at=form.cleaned_data.get("at"),
        condition=form.cleaned_data.get("condition") or "",
    )
    messages.success(request, _("Die Übergabe ist eingetragen."))
    return _back(commitment)


@login_required
@require_POST
@refusals_as_messages
def return_view(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = svc.get_commitment(principal_of(request), commitment_id)
    form = ReturnForm(request.POST, prefix=f"r{commitment.pk}")
    if not form.is_valid():
        messages.error(request, _("Bitte die Angaben zur Rückgabe prüfen."))
        return _back(commitment)
    data = form.cleaned_data
    svc.return_(
        actor=request_actor(request),
        commitment=commitment,
        at=data.get("at"),
        condition=data.get("condition") or "",
        quantity=data.get("quantity"),
        hours=data.get("hours"),
    )
    messages.success(request, _("Die Rückgabe ist eingetragen."))
    return _back(commitment)


@login_required
@require_POST
@refusals_as_messages
def commitment_cancel_view(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = svc.get_commitment(principal_of(request), commitment_id)
    svc.commitment_cancel(actor=request_actor(request), commitment=commitment)
    messages.success(request, _("Die Zusage ist storniert."))
    return _back(commitment)


@login_required
def commitment_list(request: HttpRequest) -> HttpResponse:
    """The commitments of the person's bodies: what they lent and what they received."""
    principal = principal_of(request)
    own = list(_own_bodies(principal).values_list("pk", flat=True))
    commitments = svc.visible_commitments(principal).filter(
        Q(resource__owner_body_id__in=own) | Q(request__requesting_body_id__in=own)
    )
    status = request.GET.get("stand", "")
    if status in CommitmentStatus.values:
        commitments = commitments.filter(status=status)
    context = {
        "page": paginate(request, commitments.order_by("-committed_at", "-id")),
        "own": set(own),
        "status": status,
        "statuses": CommitmentStatus.choices,
        "nav": NAV,
    }
    return render(request, "emergency/resources/commitments.html", context)


# --- the statement ---------------------------------------------------------------------------------


def _statement_context(request: HttpRequest, request_id: int) -> dict[str, Any]:
    principal = principal_of(request)
    aid_request = svc.get_request(principal, request_id)
    return {
        "aid_request": aid_request,
        "statement": aid.statement(principal, aid_request),
        "no_reimbursement": _(aid.NO_REIMBURSEMENT),
        "generated_at": timezone.localtime(),
        "nav": NAV,
    }


@login_required
def statement_view(request: HttpRequest, request_id: int) -> HttpResponse:
    return render(request, "emergency/resources/statement.html", _statement_context(request, request_id))


@login_required
def statement_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    from verbund.common.pdf import render_pdf

    context = _statement_context(request, request_id)
    title = _("Abrechnung zu Hilfeersuchen Nr. %(number)s") % {"number": request_id}
    data = render_pdf("emergency/resources/statement_pdf.html", context, title=title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="abrechnung-hilfeersuchen-{request_id}.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("ressourcen/", pool, name="resource_pool"),
    path("ressourcen/neu/", resource_create_view, name="resource_create"),
    path("ressourcen/<int:resource_id>/bearbeiten/", resource_edit, name="resource_edit"),
    path("ressourcen/ersuchen/", request_list, name="aid_request_list"),
    path("ressourcen/ersuchen/neu/", request_create_view, name="aid_request_create"),
    path("ressourcen/ersuchen/<int:request_id>/", request_detail, name="aid_request_detail"),
    path("ressourcen/ersuchen/<int:request_id>/zusagen/", commit_view, name="aid_commit"),
    path(
        "ressourcen/ersuchen/<int:request_id>/zurueckziehen/", request_cancel_view, name="aid_request_cancel"
    ),
    path("ressourcen/ersuchen/<int:request_id>/abrechnung/", statement_view, name="aid_statement"),
    path("ressourcen/ersuchen/<int:request_id>/abrechnung.pdf", statement_pdf, name="aid_statement_pdf"),
    path("ressourcen/zusagen/", commitment_list, name="aid_commitments"),
    path("ressourcen/zusagen/<int:commitment_id>/uebergabe/", handover_view, name="aid_handover"),
    path("ressourcen/zusagen/<int:commitment_id>/rueckgabe/", return_view, name="aid_return"),
    path(
        "ressourcen/zusagen/<int:commitment_id>/storno/", commitment_cancel_view, name="aid_commitment_cancel"
    ),
]
