"""Pages of the security part: incidents (report, list, detail with the NIS2 deadlines, reports given,
evidence files), mutual help (ask the alliance, record a contribution, the statement as page, CSV and
PDF, settling) and sharing groups.

TLP applies everywhere: lists and the search are filtered by :func:`..policies.visibility_filter`, one
object is reached only through :func:`..selectors.get_shared` (404 outside the distribution, reads of
TLP:AMBER and RED logged), a help request through its incident, a file through its incident and
itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.alliances.models import Alliance, Membership
from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, money_field, quantity_field, run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from .. import deadlines, policies
from ..forms import SharingForm
from ..models import (
    TLP_MEANING,
    Asset,
    Attachment,
    Distribution,
    HelpRequest,
    Incident,
    IncidentStatus,
    SharingGroup,
    Tlp,
)
from ..selectors import get_shared, log_read, security_alliances, visible_assets
from ..services import attachments as attachment_services
from ..services import groups as group_services
from ..services import help as help_services
from ..services import incidents as incident_services

NAV = "security"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y"]

NIS2_HELP = gettext_lazy(
    "Nur ankreuzen, wenn die Körperschaft unter die NIS2-Umsetzung fällt (z. B. ein kommunales Wasser- "
    "oder Energieunternehmen). Kommunalverwaltungen sind nicht meldepflichtig – der IT-Planungsrat hat 2023 "
    "entschieden, NIS2 nicht auf sie zu erstrecken; für sie sind die Fristen gute Praxis."
)


def _datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


# --- forms ---------------------------------------------------------------------------------------------


class IncidentForm(SharingForm):
    """What happened, since when, detected when, the affected assets and the sharing (default TLP:AMBER
    to the alliance)."""

    title = forms.CharField(label=gettext_lazy("Kurzbeschreibung"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Was ist geschehen?"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    started_at = _datetime_field(gettext_lazy("seit (Beginn des Vorfalls)"))
    detected_at = _datetime_field(
        gettext_lazy("bemerkt am"), help_text=gettext_lazy("Ab hier laufen die Meldefristen (24 h, 72 h).")
    )
    status = forms.ChoiceField(choices=IncidentStatus.choices, label=gettext_lazy("Stand"), initial="offen")
    nis2_binding = forms.BooleanField(
        label=gettext_lazy("NIS2-Meldepflicht besteht"), required=False, help_text=NIS2_HELP
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label=gettext_lazy("betroffene Komponenten (aus dem eigenen Bestand)"),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = [
        "owner_body",
        "title",
        "description",
        "started_at",
        "detected_at",
        "status",
        "nis2_binding",
        "assets",
        "tlp",
        "distribution",
        "alliance",
        "sharing_group",
        "advisory_office",
        "recipients",
    ]

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, principal=principal, **kwargs)
        bodies = policies.own_body_ids(principal)
        # the own bodies' assets this person sees (a TLP:RED one only for its named people)
        self.fields["assets"].queryset = (  # type: ignore[attr-defined]
            visible_assets(principal)
            .filter(owner_body_id__in=bodies)
            .order_by("owner_body__name", "name", "version")
        )
        self.fields["assets"].label_from_instance = lambda a: " ".join(  # type: ignore[attr-defined]
            x for x in (a.vendor, a.name, a.version, f"({a.owner_body})" if len(bodies) > 1 else "") if x
        )
        if not self.is_bound and not self.initial.get("tlp"):
            self.fields["tlp"].initial = Tlp.AMBER
            self.fields["distribution"].initial = Distribution.ALLIANCE
            alliances = list(security_alliances(principal).values_list("pk", flat=True)[:2])
            if len(alliances) == 1:
                self.fields["alliance"].initial = alliances[0]
        self.fields["tlp"].help_text = " · ".join(
            f"{label}: {TLP_MEANING[value]}" for value, label in Tlp.choices
        )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "started_at": data["started_at"],
            "detected_at": data["detected_at"],
            "nis2_binding": bool(data.get("nis2_binding")),
            **self.sharing_values(),
        }

    @staticmethod
    def initial_of(incident: Incident) -> dict[str, Any]:
        return {
            "owner_body": incident.owner_body_id,
            "title": incident.title,
            "description": incident.description,
            "started_at": timezone.localtime(incident.started_at),
            "detected_at": timezone.localtime(incident.detected_at),
            "status": incident.status,
            "nis2_binding": incident.nis2_binding,
            "assets": list(incident.assets.values_list("pk", flat=True)),
            "tlp": incident.tlp,
            "distribution": incident.distribution,
            "alliance": incident.alliance_id,
            "sharing_group": incident.sharing_group_id,
            "advisory_office": incident.advisory_office,
            "recipients": list(incident.recipients.values_list("pk", flat=True)),
        }


class ReportForm(KernForm):
    kind = forms.ChoiceField(
        choices=[(k, v) for k, v in incident_services.REPORT_LABELS.items()], label=gettext_lazy("Meldung")
    )
    at = _datetime_field(gettext_lazy("abgegeben am"), required=False)

    id_format = "id_report_%s"


class AttachmentForm(KernForm):
    file = forms.FileField(label=gettext_lazy("Datei"))
    tlp = forms.ChoiceField(choices=Tlp.choices, label=gettext_lazy("TLP der Datei"))
    distribution = forms.ChoiceField(
        choices=[
            ("incident", gettext_lazy("wie der Vorfall")),
            (Distribution.ORGANISATION, gettext_lazy("nur die eigene Körperschaft")),
        ],
        label=gettext_lazy("Verteilung"),
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=gettext_lazy("namentliche Empfänger (nur TLP:RED)"),
        help_text=gettext_lazy(
            "TLP:RED sehen nur die hier genannten Personen und wer den Eintrag angelegt hat; "
            "mindestens eine Person ist nötig."
        ),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        """The recipients among the people of the incident's body's community (as in
        :class:`..forms.SharingForm`); a TLP:RED incident's named people ticked to begin with."""
        super().__init__(*args, **kwargs)
        people: Any = self.fields["recipients"]
        people.queryset = policies.recipient_candidates([incident.owner_body_id or 0]).order_by(
            "last_name", "first_name", "username"
        )
        people.label_from_instance = lambda user: user.get_full_name() or user.get_username()
        if not self.is_bound and incident.tlp == Tlp.RED:
            people.initial = list(incident.recipients.values_list("pk", flat=True))

    def named(self) -> list[Any] | None:
        """The recipients for the service: the ticked people for a TLP:RED file, else None (a file
        of another label names nobody)."""
        if self.cleaned_data.get("tlp") != Tlp.RED:
            return None
        return list(self.cleaned_data.get("recipients") or [])


class HelpRequestForm(KernForm):
    alliance = forms.ModelChoiceField(queryset=Alliance.objects.none(), label=gettext_lazy("Verbund"))
    needed = forms.CharField(
        label=gettext_lazy("Was wird gebraucht?"), widget=forms.Textarea(attrs={"rows": 4})
    )
    people = forms.IntegerField(label=gettext_lazy("Personen"), min_value=0, initial=1)
    devices = forms.CharField(label=gettext_lazy("Geräte"), required=False, max_length=500)
    hours = quantity_field(cast(str, gettext_lazy("Stunden (geschätzt)")), required=False)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_of = (
            Membership.objects.current().filter(body_id=incident.owner_body_id or 0).values("alliance_id")
        )
        self.fields["alliance"].queryset = Alliance.objects.filter(pk__in=member_of).order_by("name")  # type: ignore[attr-defined]
        if incident.alliance_id and not self.is_bound:
            self.fields["alliance"].initial = incident.alliance_id


class ContributionForm(KernForm):
    helper_body = forms.ModelChoiceField(
        queryset=Body.objects.none(), label=gettext_lazy("helfende Körperschaft")
    )
    people = forms.IntegerField(label=gettext_lazy("Personen"), min_value=0, initial=1)
    hours = quantity_field(cast(str, gettext_lazy("Stunden")), required=True)
    hourly_rate = money_field(cast(str, gettext_lazy("Stundensatz (EUR)")), required=True)
    costs = money_field(cast(str, gettext_lazy("Sachkosten (EUR)")))
    note = forms.CharField(label=gettext_lazy("Bemerkung"), required=False, max_length=1000)

    def __init__(self, *args: Any, principal: Principal, help_request: HelpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.current().filter(alliance_id=help_request.alliance_id).values("body_id")
        self.fields["helper_body"].queryset = (  # type: ignore[attr-defined]
            Body.objects.filter(pk__in=members, id__in=policies.own_body_ids(principal))
            .exclude(pk=help_request.incident.owner_body_id or 0)
            .order_by("name")
        )


class GroupForm(KernForm):
    owner_body = forms.ModelChoiceField(queryset=Body.objects.none(), label=gettext_lazy("angelegt von"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    bodies = forms.ModelMultipleChoiceField(
        queryset=Body.objects.none(),
        label=gettext_lazy("Körperschaften der Gruppe"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Die Mitglieder Ihrer Verbünde; Ihre eigene Körperschaft gehört immer dazu."),
    )

    def __init__(
        self, *args: Any, principal: Principal, group: SharingGroup | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        own = policies.own_body_ids(principal)
        self.fields["owner_body"].queryset = Body.objects.filter(pk__in=own).order_by("name")  # type: ignore[attr-defined]
        if len(own) == 1 and not self.is_bound:
            self.fields["owner_body"].initial = next(iter(own))
        member_of = Membership.objects.current().filter(body_id__in=own).values("alliance_id")
        candidates = Membership.objects.current().filter(alliance_id__in=member_of).values("body_id")
        queryset = Body.objects.filter(Q(pk__in=candidates) | Q(pk__in=own))
        if group is not None:
            queryset = queryset | Body.objects.filter(pk__in=group.bodies.values("pk"))
            self.fields["owner_body"].disabled = True
            self.fields["owner_body"].required = False
        self.fields["bodies"].queryset = queryset.distinct().order_by("name")  # type: ignore[attr-defined]


# --- helpers -----------------------------------------------------------------------------------------


def _incident(request: HttpRequest, incident_id: int, *, purpose: str = "") -> Incident:
    """The incident if the user sees it (404 otherwise); a read of AMBER/RED goes to the read log."""
    return get_shared(
        Incident.objects.select_related("owner_body", "alliance", "sharing_group"),
        principal_of(request),
        actor=request_actor(request),
        purpose=purpose,
        pk=incident_id,
    )


def _own_incident(request: HttpRequest, incident_id: int, *, purpose: str) -> Incident:
    """As :func:`_incident`, and 403 unless the user acts for its body."""
    incident = _incident(request, incident_id, purpose=purpose)
    if not policies.acts_for(principal_of(request), incident.owner_body_id):
        raise Forbidden(_(incident_services.REFUSAL))
    return incident


def _help_request(request: HttpRequest, request_id: int, *, purpose: str) -> HelpRequest:
    """A help request, reached through its incident (404 unless the user sees the incident)."""
    principal = principal_of(request)
    visible = Incident.objects.visible_to(principal).values("pk")
    try:
        help_request = HelpRequest.objects.select_related("incident", "incident__owner_body", "alliance").get(
            pk=request_id, incident__in=visible
        )
    except HelpRequest.DoesNotExist as exc:
        raise NotFound() from exc
    log_read(request_actor(request), help_request.incident, purpose=purpose)
    return help_request


def _deadline_rows(incident: Incident) -> list[dict[str, Any]]:
    labels = incident_services.REPORT_LABELS
    return [
        {"item": item, "label": labels[item.kind], "state": item.state.value, "late": item.late}
        for item in incident_services.incident_deadlines(incident)
    ]


# --- incidents -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents the user sees (TLP applied); search by the short description."""
    principal = principal_of(request)
    incidents = Incident.objects.visible_to(principal).select_related("owner_body")
    q = request.GET.get("q", "").strip()[:200]
    if q:
        incidents = incidents.filter(Q(title__icontains=q) | Q(description__icontains=q))
    status = request.GET.get("stand", "")
    if status in IncidentStatus.values:
        incidents = incidents.filter(status=status)
    page = paginate(request, incidents.order_by("-detected_at", "-id"))
    return render(
        request,
        "security/incidents/list.html",
        {
            "nav": NAV,
            "page": page,
            "q": q,
            "status": status,
            "statuses": IncidentStatus.choices,
            "may_report": bool(policies.own_body_ids(principal)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not policies.own_body_ids(principal):
        raise Forbidden(_("Sicherheitsvorfälle melden die Beschäftigten einer Körperschaft."))
    form = IncidentForm(request.POST or None, principal=principal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = run_on_form(
            form,
            lambda: incident_services.incident_create(
                actor=request_actor(request),
                assets=list(data.get("assets") or []),
                **form.values(),
            ),
        )
        if incident:
            messages.success(request, _("Der Sicherheitsvorfall ist gemeldet."))
            return redirect("security:incident_detail", incident_id=incident.pk)
    return render(request, "security/incidents/form.html", {"nav": NAV, "form": form, "incident": None})


@login_required
@require_http_methods(["GET"])
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    principal = principal_of(request)
    incident = _incident(request, incident_id, purpose=_("Sicherheitsvorfall angesehen"))
    own = policies.acts_for(principal, incident.owner_body_id)
    assets = incident.assets.filter(policies.visibility_filter(principal, Asset)).order_by("name")
    files = incident.attachments.visible_to(principal).order_by("-uploaded_at")
    help_requests = list(help_services.help_requests_of(incident))
    contributable = {
        hr.pk
        for hr in help_requests
        if hr.status != "abgeschlossen"
        and Membership.objects.current()
        .filter(alliance_id=hr.alliance_id, body_id__in=policies.own_body_ids(principal))
        .exclude(body_id=incident.owner_body_id or 0)
        .exists()
    }
    return render(
        request,
        "security/incidents/detail.html",
        {
            "nav": NAV,
            "incident": incident,
            "own": own,
            "deadlines": _deadline_rows(incident),
            "assets": assets,
            "hidden_assets": incident.assets.count() - assets.count(),
            "files": files,
            "help_requests": [(hr, hr.pk in contributable) for hr in help_requests],
            "report_form": ReportForm(initial={"at": timezone.localtime().replace(second=0, microsecond=0)}),
            "attachment_form": AttachmentForm(
                initial={"tlp": incident.tlp, "distribution": "incident"}, incident=incident
            ),
            "tlp_meaning": TLP_MEANING.get(incident.tlp, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    principal = principal_of(request)
    incident = _own_incident(request, incident_id, purpose=_("Sicherheitsvorfall bearbeitet"))
    form = IncidentForm(request.POST or None, principal=principal, initial=IncidentForm.initial_of(incident))
    form.fields["owner_body"].disabled = True
    form.fields["owner_body"].queryset = Body.objects.filter(pk=incident.owner_body_id or 0)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = form.values()
        values.pop("owner_body", None)
        done = run_on_form(
            form,
            lambda: incident_services.incident_update(
                actor=request_actor(request),
                incident=incident,
                assets=list(data.get("assets") or []),
                status=data["status"],
                **values,
            ),
        )
        if done:
            messages.success(request, _("Der Sicherheitsvorfall ist fortgeschrieben."))
            return redirect("security:incident_detail", incident_id=incident.pk)
    return render(request, "security/incidents/form.html", {"nav": NAV, "form": form, "incident": incident})


@login_required
@require_POST
@refusals_as_messages
def incident_report(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Record (or with an empty time, withdraw) that a report was given."""
    incident = _own_incident(request, incident_id, purpose=_("Meldung eingetragen"))
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie die Meldung und einen gültigen Zeitpunkt an."))
    else:
        incident_services.incident_report(
            actor=request_actor(request),
            incident=incident,
            kind=form.cleaned_data["kind"],
            at=form.cleaned_data["at"],
        )
        messages.success(request, _("Die Meldung ist eingetragen."))
    return redirect("security:incident_detail", incident_id=incident.pk)


# --- evidence files ---------------------------------------------------------------------------------------


@login_required
@require_POST
@refusals_as_messages
def attachment_upload(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _own_incident(request, incident_id, purpose=_("Datei hochgeladen"))
    form = AttachmentForm(request.POST, request.FILES, incident=incident)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine Datei und ihre Einstufung."))
        if "recipients" in form.errors:  # someone not of the body's community (or no longer)
            refused = " ".join(str(error) for error in form.errors["recipients"])
            messages.error(request, f"{form.fields['recipients'].label}: {refused}")
    else:
        data = form.cleaned_data
        distribution = incident.distribution if data["distribution"] == "incident" else data["distribution"]
        attachment_services.attachment_add(
            actor=request_actor(request),
            incident=incident,
            upload=data["file"],
            name=data["file"].name,
            tlp=data["tlp"],
            distribution=distribution,
            recipients=form.named(),
        )
        messages.success(request, _("Die Datei ist gespeichert."))
    return redirect("security:incident_detail", incident_id=incident.pk)


@login_required
@require_http_methods(["GET"])
def attachment_download(request: HttpRequest, incident_id: int, attachment_id: int) -> FileResponse:
    """Hand out a file only to who sees its incident and the file itself; AMBER/RED reads are logged."""
    principal = principal_of(request)
    incident = _incident(request, incident_id)
    attachment = get_shared(
        Attachment.objects.filter(incident=incident),
        principal,
        actor=request_actor(request),
        purpose=_("Datei heruntergeladen"),
        pk=attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- mutual help -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def help_request_create(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _own_incident(request, incident_id, purpose=_("Hilfeersuchen angelegt"))
    form = HelpRequestForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_on_form(
            form,
            lambda: help_services.help_request_create(
                actor=request_actor(request),
                incident=incident,
                alliance=data["alliance"],
                needed=data["needed"],
                people=data["people"] or 0,
                devices=data.get("devices", ""),
                hours=data.get("hours") or Decimal(0),
            ),
            default_field="alliance",
        )
        if created:
            messages.success(request, _("Ihr Verbund ist um Hilfe gebeten."))
            return redirect("security:incident_detail", incident_id=incident.pk)
    return render(
        request, "security/incidents/help_request.html", {"nav": NAV, "form": form, "incident": incident}
    )


@login_required
@require_http_methods(["GET", "POST"])
def help_contribution(request: HttpRequest, request_id: int) -> HttpResponse:
    """Record what a helping body gave; money is stored only after the computed claim was confirmed."""
    principal = principal_of(request)
    help_request = _help_request(request, request_id, purpose=_("Hilfeleistung eingetragen"))
    form = ContributionForm(request.POST or None, principal=principal, help_request=help_request)
    if not form.fields["helper_body"].queryset.exists():  # type: ignore[attr-defined]
        raise Forbidden(_(help_services.CONTRIBUTE_REFUSAL))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        confirmed = request.POST.get("confirmed") == "1"
        try:
            done = run_on_form(
                form,
                lambda: help_services.help_contribution_record(
                    actor=request_actor(request),
                    request=help_request,
                    helper_body=data["helper_body"],
                    hours=data["hours"],
                    hourly_rate=data["hourly_rate"],
                    costs=data.get("costs") or Decimal(0),
                    people=data["people"] or 0,
                    note=data.get("note", ""),
                    confirmed=confirmed,
                ),
            )
        except help_services.NeedsConfirmation:  # pragma: no cover - run_on_form turns it into a form error
            done = None
        if done:
            messages.success(request, _("Die Hilfeleistung ist eingetragen."))
            return redirect("security:incident_detail", incident_id=help_request.incident_id)
        if not confirmed and not [e for f, e in form.errors.items() if f != "__all__"]:
            form.errors.pop("__all__", None)
            preview = {
                "labour": help_services.labour_amount(data["hours"], data["hourly_rate"]),
                "costs": data.get("costs") or Decimal(0),
                "claim": help_services.claim_amount(
                    data["hours"], data["hourly_rate"], data.get("costs") or Decimal(0)
                ),
            }
    return render(
        request,
        "security/incidents/contribution.html",
        {
            "nav": NAV,
            "form": form,
            "help_request": help_request,
            "incident": help_request.incident,
            "preview": preview,
        },
    )


@login_required
@require_http_methods(["GET"])
def help_statement(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _help_request(request, request_id, purpose=_("Abrechnung der Hilfe angesehen"))
    statement = help_services.help_statement(help_request)
    own = policies.acts_for(principal_of(request), help_request.incident.owner_body_id)
    return render(
        request,
        "security/incidents/statement.html",
        {
            "nav": NAV,
            "help_request": help_request,
            "incident": help_request.incident,
            "statement": statement,
            "may_settle": own and help_request.status != "abgeschlossen",
            "settle_consequences": [
                _("Das Hilfeersuchen wird abgeschlossen."),
                _("Weitere Hilfeleistungen können danach nicht mehr eingetragen werden."),
                _("Die Summen werden im Änderungsprotokoll festgehalten."),
            ],
        },
    )


def _statement_name(help_request: HelpRequest, suffix: str) -> str:
    return f"hilfe-{help_request.pk}-abrechnung{suffix}"


@login_required
@require_http_methods(["GET"])
def help_statement_csv(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _help_request(request, request_id, purpose=_("Abrechnung der Hilfe exportiert (CSV)"))
    body = help_services.statement_csv(help_services.help_statement(help_request))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_statement_name(help_request, ".csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def help_statement_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    from verbund.common.pdf import render_pdf

    help_request = _help_request(request, request_id, purpose=_("Abrechnung der Hilfe exportiert (PDF)"))
    statement = help_services.help_statement(help_request)
    title = f"Abrechnung der gegenseitigen Hilfe – {help_request}"
    pdf = render_pdf(
        "security/incidents/pdf/statement.html",
        {"statement": statement, "help_request": help_request, "printed": timezone.now()},
        title=title,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_statement_name(help_request, ".pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
@refusals_as_messages
def help_settle(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _help_request(request, request_id, purpose=_("Hilfe abgerechnet"))
    if request.POST.get("confirmed") != "1":
        messages.error(request, _("Bitte bestätigen Sie die Abrechnung."))
    else:
        help_services.help_settle(actor=request_actor(request), request=help_request, confirmed=True)
        messages.success(request, _("Die Hilfe ist abgerechnet; das Hilfeersuchen ist abgeschlossen."))
    return redirect("security:help_statement", request_id=help_request.pk)


# --- sharing groups ------------------------------------------------------------------------------------


def _group(request: HttpRequest, group_id: int) -> SharingGroup:
    """A group the user's bodies belong to or created (404 otherwise)."""
    try:
        return group_services.groups_of(principal_of(request)).select_related("owner_body").get(pk=group_id)
    except SharingGroup.DoesNotExist as exc:
        raise NotFound() from exc


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    may_create = bool(policies.own_body_ids(principal))
    form = GroupForm(request.POST or None, principal=principal) if may_create else None
    if request.method == "POST":
        if form is None:
            raise Forbidden(_("Teilungsgruppen legen die Beschäftigten einer Körperschaft an."))
        if form.is_valid():
            data = form.cleaned_data
            group = run_on_form(
                form,
                lambda: group_services.sharing_group_create(
                    actor=request_actor(request),
                    owner_body=data["owner_body"],
                    name=data["name"],
                    bodies=list(data["bodies"]),
                    description=data.get("description", ""),
                ),
            )
            if group:
                messages.success(request, _("Die Teilungsgruppe ist angelegt."))
                return redirect("security:group_detail", group_id=group.pk)
    groups = group_services.groups_of(principal).select_related("owner_body").prefetch_related("bodies")
    return render(
        request, "security/groups/list.html", {"nav": NAV, "groups": groups.order_by("name"), "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    principal = principal_of(request)
    group = _group(request, group_id)
    may_edit = policies.may_manage_group(principal, group.owner_body_id)
    form = None
    if may_edit:
        form = GroupForm(
            request.POST or None,
            principal=principal,
            group=group,
            initial={
                "owner_body": group.owner_body_id,
                "name": group.name,
                "description": group.description,
                "bodies": list(group.bodies.values_list("pk", flat=True)),
            },
        )
    if request.method == "POST":
        if form is None:
            raise Forbidden(_(group_services.REFUSAL))
        if form.is_valid():
            data = form.cleaned_data
            done = run_on_form(
                form,
                lambda: group_services.sharing_group_update(
                    actor=request_actor(request),
                    group=group,
                    name=data["name"],
                    bodies=list(data["bodies"]),
                    description=data.get("description", ""),
                ),
            )
            if done:
                messages.success(request, _("Die Teilungsgruppe ist gespeichert."))
                return redirect("security:group_detail", group_id=group.pk)
    return render(
        request,
        "security/groups/detail.html",
        {"nav": NAV, "group": group, "bodies": group.bodies.order_by("name"), "form": form},
    )


urlpatterns: list[URLPattern] = [
    path("vorfaelle/", incident_list, name="incident_list"),
    path("vorfaelle/neu/", incident_create, name="incident_create"),
    path("vorfaelle/<int:incident_id>/", incident_detail, name="incident_detail"),
    path("vorfaelle/<int:incident_id>/bearbeiten/", incident_edit, name="incident_edit"),
    path("vorfaelle/<int:incident_id>/meldung/", incident_report, name="incident_report"),
    path("vorfaelle/<int:incident_id>/dateien/", attachment_upload, name="attachment_upload"),
    path(
        "vorfaelle/<int:incident_id>/dateien/<int:attachment_id>/",
        attachment_download,
        name="attachment_download",
    ),
    path("vorfaelle/<int:incident_id>/hilfe/", help_request_create, name="help_request_create"),
    path("hilfe/<int:request_id>/leistung/", help_contribution, name="help_contribution"),
    path("hilfe/<int:request_id>/abrechnung/", help_statement, name="help_statement"),
    path("hilfe/<int:request_id>/abrechnung.csv", help_statement_csv, name="help_statement_csv"),
    path("hilfe/<int:request_id>/abrechnung.pdf", help_statement_pdf, name="help_statement_pdf"),
    path("hilfe/<int:request_id>/abrechnen/", help_settle, name="help_settle"),
    path("gruppen/", group_list, name="group_list"),
    path("gruppen/<int:group_id>/", group_detail, name="group_detail"),
]

__all__ = ["deadlines", "reverse", "urlpatterns"]
