"""Pages of the emergency part: staffs and events (``/krisenstab/``).

* ``/krisenstab/`` — the staffs and events the person belongs to; for those who lead: create a
  staff, open an event.
* ``/krisenstab/stab/neu/`` — a body's staff (its Verwaltungsleitung) or an alliance's joint staff
  (its coordinators).
* ``/krisenstab/stab/<id>/`` — positions and the duty roster; ``…/funktion/neu/``, ``…/dienstplan/neu/``
  and the actions to end a position or remove a shift; ``…/lage/neu/`` opens an event.
* ``/krisenstab/lage/<id>/`` — status, level, who is alerted, confirmed and present; confirm or
  decline, register presence, change the level, close.

A staff is seen by its members and those who lead it; an event only by the members of its staff
(404 for everyone else, as if it did not exist).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.alliances import policies as alliance_policies
from verbund.alliances.models import Alliance
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import Principal, principal_of
from verbund.common.roles import Role
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import DateInput, KernForm, run_on_form
from verbund.ui.views import refusals_as_messages

from ..models import (
    Alert,
    Event,
    EventLevel,
    EventStatus,
    Position,
    PositionRole,
    Shift,
    Staff,
    StaffFunction,
    StaffKind,
)
from ..policies import leads_staff, sees_event
from ..services import events as event_services
from ..services import staffs as staff_services

NAV = "emergency"


class DateTimeInput(forms.DateTimeInput):
    """A native date and time picker (``YYYY-MM-DDTHH:MM``, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )


def link(name: str, **kwargs: Any) -> str:
    """The URL of another page of the part, or "" while that page does not exist."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _user(form: forms.Form, field: str) -> Any:
    value = (form.cleaned_data.get(field) or "").strip()
    if not value:
        return None
    user = get_user_model().objects.filter(username=value, is_active=True).first()
    if user is None:
        form.add_error(field, _("Kein aktives Benutzerkonto mit diesem Benutzernamen."))
    return user


def _username_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=150, help_text=gettext_lazy("Benutzername des Kontos in Verbund")
    )


# --- forms -------------------------------------------------------------------------------------------


class StaffForm(KernForm):
    name = forms.CharField(label=gettext_lazy("Bezeichnung"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Art"), choices=StaffKind.choices)
    owner = forms.ChoiceField(label=gettext_lazy("Stab von"))

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.choices = owners


class PositionForm(KernForm):
    function = forms.ChoiceField(label=gettext_lazy("Funktion"), choices=StaffFunction.choices)
    role = forms.ChoiceField(label=gettext_lazy("als"), choices=PositionRole.choices)
    person = _username_field(gettext_lazy("Person"))
    body = forms.ChoiceField(label=gettext_lazy("entsendet von"))
    phone = forms.CharField(label=gettext_lazy("erreichbar unter"), max_length=100, required=False)
    starts_on = forms.DateField(label=gettext_lazy("ab"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("bis"), required=False, widget=DateInput())

    def __init__(self, *args: Any, bodies: list[Body], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body: Any = self.fields["body"]
        body.choices = [(b.ars, b.name) for b in bodies]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person_user"] = _user(self, "person")
        return data


class ShiftForm(KernForm):
    function = forms.ChoiceField(label=gettext_lazy("Funktion"), choices=StaffFunction.choices)
    person = _username_field(gettext_lazy("Person"))
    body = forms.ChoiceField(label=gettext_lazy("entsendet von"))
    starts_at = datetime_field(gettext_lazy("Beginn"))
    ends_at = datetime_field(gettext_lazy("Ende"))
    reachable = forms.CharField(label=gettext_lazy("erreichbar unter"), max_length=100, required=False)
    substitutes = forms.ChoiceField(label=gettext_lazy("vertritt (bei Abwesenheit)"), required=False)

    def __init__(self, *args: Any, bodies: list[Body], holders: list[Position], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body: Any = self.fields["body"]
        body.choices = [(b.ars, b.name) for b in bodies]
        substitutes: Any = self.fields["substitutes"]
        substitutes.choices = [("", _("niemanden"))] + [
            (str(p.pk), f"{p.function}: {staff_services.person_name(p.person)} ({p.body.name})")
            for p in holders
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["person_user"] = _user(self, "person")
        return data


class CoordinateField(forms.FloatField):
    """A coordinate in degrees typed the German way ("49,4447") or with a point ("49.4447")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.strip().replace("\u2212", "-").replace(",", ".")
        return super().to_python(value)


class EventForm(KernForm):
    title = forms.CharField(label=gettext_lazy("Bezeichnung"), max_length=200)
    level = forms.TypedChoiceField(
        label=gettext_lazy("Stufe"), choices=EventLevel.choices, coerce=int, initial=EventLevel.PARTIAL
    )
    exercise = forms.BooleanField(label=gettext_lazy("Übung"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Lage bei Eröffnung"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    center_lat = CoordinateField(
        label=gettext_lazy("Mittelpunkt Breite"),
        required=False,
        help_text=gettext_lazy("leer: Schwerpunkt der Körperschaft oder der Mitglieder des Verbunds"),
    )
    center_lon = CoordinateField(label=gettext_lazy("Mittelpunkt Länge"), required=False)


# --- helpers -----------------------------------------------------------------------------------------


def _owners(principal: Principal) -> list[tuple[str, str]]:
    """The bodies the person heads and the alliances they coordinate (where they may create a staff)."""
    bodies = Body.objects.filter(pk__in=principal.body_ids(Role.VERWALTUNGSLEITUNG)).order_by("name")
    alliances = Alliance.objects.filter(pk__in=principal.granted(alliance_policies.COORDINATOR)).order_by(
        "name"
    )
    return [(f"k{b.pk}", b.name) for b in bodies] + [
        (f"v{a.pk}", _("%(name)s (gemeinsamer Stab)") % {"name": a.name}) for a in alliances
    ]


def _staff(request: HttpRequest, staff_id: int) -> Staff:
    return staff_services.get_staff(principal_of(request), staff_id)


def _led_staff(request: HttpRequest, staff_id: int) -> Staff:
    """A staff the person sees (else 404) and leads (else 403)."""
    principal = principal_of(request)
    staff = staff_services.get_staff(principal, staff_id)
    if not leads_staff(principal, staff):
        raise Forbidden(_(staff_services.LEAD_REFUSAL))
    return staff


def _body(bodies: list[Body], ars: str) -> Body | None:
    return next((b for b in bodies if b.ars == ars), None)


# --- start page and staffs ------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    staffs = list(staff_services.visible_staffs(principal))
    events = list(event_services.visible_events(principal).order_by("status", "-opened_at", "-pk"))
    own = {
        a.event_id: a
        for a in Alert.objects.filter(person_id=principal.user_id, event__in=[e.pk for e in events])
    }
    context = {
        "staffs": [(s, leads_staff(principal, s)) for s in staffs],
        "events": [(e, own.get(e.pk)) for e in events],
        "may_create": bool(_owners(principal)),
        "nav": NAV,
    }
    return render(request, "emergency/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    owners = _owners(principal)
    if not owners:
        raise Forbidden(
            _("Einen Stab richten die Verwaltungsleitung einer Körperschaft und die Verbundkoordination ein.")
        )
    form = StaffForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = data["owner"]
        body = Body.objects.filter(pk=int(owner[1:])).first() if owner.startswith("k") else None
        alliance = Alliance.objects.filter(pk=int(owner[1:])).first() if owner.startswith("v") else None
        staff = run_on_form(
            form,
            lambda: staff_services.staff_create(
                actor=request_actor(request),
                name=data["name"],
                kind=data["kind"],
                body=body,
                alliance=alliance,
            ),
            default_field="owner",
        )
        if staff:
            messages.success(request, _("Der Stab ist angelegt. Besetzen Sie nun seine Funktionen."))
            return redirect("emergency:staff_detail", staff_id=staff.pk)
    return render(
        request,
        "emergency/staffs/form.html",
        {
            "form": form,
            "heading": _("Stab anlegen"),
            "cancel": reverse("emergency:home"),
            "staff": None,
            "nav": NAV,
        },
    )


@login_required
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    principal = principal_of(request)
    staff = staff_services.get_staff(principal, staff_id)
    positions = list(staff_services.current_positions(staff))
    context = {
        "staff": staff,
        "positions": positions,
        "roster": staff_services.roster(staff),
        "events": list(event_services.visible_events(principal).filter(staff=staff)),
        "may_lead": leads_staff(principal, staff),
        "today": timezone.localdate(),
        "nav": NAV,
    }
    return render(request, "emergency/staffs/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def position_create(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _led_staff(request, staff_id)
    bodies = list(staff_services.member_bodies(staff))
    form = PositionForm(request.POST or None, bodies=bodies, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_on_form(
            form,
            lambda: staff_services.position_set(
                actor=request_actor(request),
                staff=staff,
                function=data["function"],
                role=data["role"],
                person=data["person_user"],
                body=_body(bodies, data["body"]),
                phone=data.get("phone", ""),
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
            ),
        )
        if done:
            messages.success(request, _("Die Funktion ist besetzt."))
            return redirect("emergency:staff_detail", staff_id=staff.pk)
    return render(
        request,
        "emergency/staffs/form.html",
        {
            "form": form,
            "heading": _("Funktion besetzen"),
            "cancel": reverse("emergency:staff_detail", kwargs={"staff_id": staff.pk}),
            "staff": staff,
            "nav": NAV,
        },
    )


@login_required
@require_POST
@refusals_as_messages
def position_end(request: HttpRequest, staff_id: int, position_id: int) -> HttpResponse:
    staff = _led_staff(request, staff_id)
    position = Position.objects.filter(staff=staff, pk=position_id).select_related("staff", "person").first()
    if position is None:
        raise NotFound()
    staff_services.position_end(actor=request_actor(request), position=position)
    messages.success(request, _("Die Funktion endet heute."))
    return redirect("emergency:staff_detail", staff_id=staff.pk)


@login_required
@require_http_methods(["GET", "POST"])
def shift_create(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _led_staff(request, staff_id)
    bodies = list(staff_services.member_bodies(staff))
    holders = [p for p in staff_services.current_positions(staff) if p.role == PositionRole.HOLDER]
    form = ShiftForm(request.POST or None, bodies=bodies, holders=holders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        substitutes = next((p for p in holders if str(p.pk) == data.get("substitutes")), None)
        done = run_on_form(
            form,
            lambda: staff_services.shift_add(
                actor=request_actor(request),
                staff=staff,
                function=data["function"],
                person=data["person_user"],
                body=_body(bodies, data["body"]),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reachable=data.get("reachable", ""),
                substitutes=substitutes,
            ),
        )
        if done:
            messages.success(request, _("Die Schicht steht im Dienstplan."))
            return redirect("emergency:staff_detail", staff_id=staff.pk)
    return render(
        request,
        "emergency/staffs/form.html",
        {
            "form": form,
            "heading": _("Schicht eintragen"),
            "cancel": reverse("emergency:staff_detail", kwargs={"staff_id": staff.pk}),
            "staff": staff,
            "nav": NAV,
        },
    )


@login_required
@require_POST
@refusals_as_messages
def shift_remove(request: HttpRequest, staff_id: int, shift_id: int) -> HttpResponse:
    staff = _led_staff(request, staff_id)
    shift = Shift.objects.filter(staff=staff, pk=shift_id).select_related("staff", "person").first()
    if shift is None:
        raise NotFound()
    staff_services.shift_remove(actor=request_actor(request), shift=shift)
    messages.success(request, _("Die Schicht ist aus dem Dienstplan entfernt."))
    return redirect("emergency:staff_detail", staff_id=staff.pk)


# --- events -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def event_open(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _led_staff(request, staff_id)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        event = run_on_form(
            form,
            lambda: event_services.event_open(
                actor=request_actor(request),
                staff=staff,
                title=data["title"],
                level=data["level"],
                exercise=data.get("exercise", False),
                description=data.get("description", ""),
                center_lat=data.get("center_lat"),
                center_lon=data.get("center_lon"),
            ),
        )
        if event:
            messages.success(request, _("Die Lage ist eröffnet; die Mitglieder des Stabes werden alarmiert."))
            if sees_event(principal_of(request), staff_id=staff.pk, event_id=event.pk):
                return redirect("emergency:event_detail", event_id=event.pk)
            return redirect("emergency:staff_detail", staff_id=staff.pk)
    return render(
        request,
        "emergency/events/form.html",
        {"form": form, "staff": staff, "nav": NAV},
    )


def event_links(event: Event) -> dict[str, str]:
    """The pages of the event (the log; messages and map once those pages exist)."""
    return {
        "log": link("emergency:log", event_id=event.pk),
        "messages": link("emergency:messages", event_id=event.pk),
        "map": link("emergency:map", event_id=event.pk),
        "pack": link("emergency:pack", event_id=event.pk),
    }


@login_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = event_services.get_event(principal, event_id)
    alerts = list(event_services.alerts_of(event))
    rows = [(a, event_services.alert_state(a)) for a in alerts]
    own = [a for a in alerts if a.person_id == principal.user_id]
    counts = {
        "alerted": len(alerts),
        "confirmed": sum(1 for _a, s in rows if s in ("confirmed", "present")),
        "present": sum(1 for _a, s in rows if s == "present"),
        "declined": sum(1 for _a, s in rows if s == "declined"),
    }
    context = {
        "event": event,
        "rows": rows,
        "own": own,
        "counts": counts,
        "is_open": event.status == EventStatus.OPEN,
        "may_lead": leads_staff(principal, event.staff, event_id=event.pk),
        "may_register": event_services.may_register_presence(principal, event),
        "levels": EventLevel.choices,
        "links": event_links(event),
        "arrival_default": timezone.localtime(timezone.now() + dt.timedelta(minutes=30)),
        "nav": NAV,
    }
    return render(request, "emergency/events/detail.html", context)


def _event_url(event_id: int) -> str:
    return reverse("emergency:event_detail", kwargs={"event_id": event_id})


@login_required
@require_POST
@refusals_as_messages
def alert_confirm(request: HttpRequest, event_id: int) -> HttpResponse:
    event_services.get_event(principal_of(request), event_id)
    field = datetime_field(_("Eintreffen voraussichtlich"))
    try:
        arrival = field.clean(request.POST.get("arrival_at", ""))
    except forms.ValidationError as exc:
        raise Invalid(fields={"arrival_at": [_("Bitte Datum und Uhrzeit des Eintreffens angeben.")]}) from exc
    alert_id = request.POST.get("alert")
    event_services.alert_confirm(
        actor=request_actor(request),
        event_id=event_id,
        arrival_at=arrival,
        alert_id=int(alert_id) if alert_id and alert_id.isascii() and alert_id.isdigit() else None,
    )
    messages.success(request, _("Ihre Zusage ist eingetragen."))
    return redirect(_event_url(event_id))


@login_required
@require_POST
@refusals_as_messages
def alert_decline(request: HttpRequest, event_id: int) -> HttpResponse:
    event_services.get_event(principal_of(request), event_id)
    alert_id = request.POST.get("alert")
    event_services.alert_decline(
        actor=request_actor(request),
        event_id=event_id,
        alert_id=int(alert_id) if alert_id and alert_id.isascii() and alert_id.isdigit() else None,
    )
    messages.success(request, _("Ihre Absage ist eingetragen; die Vertretung wird alarmiert."))
    return redirect(_event_url(event_id))


@login_required
@require_POST
@refusals_as_messages
def presence(request: HttpRequest, event_id: int, alert_id: int) -> HttpResponse:
    event_services.get_event(principal_of(request), event_id)
    present = request.POST.get("state") != "weg"
    event_services.presence_set(
        actor=request_actor(request), event_id=event_id, alert_id=alert_id, present=present
    )
    messages.success(request, _("Anwesend eingetragen.") if present else _("Abmeldung eingetragen."))
    return redirect(_event_url(event_id))


@login_required
@require_POST
@refusals_as_messages
def event_level(request: HttpRequest, event_id: int) -> HttpResponse:
    event_services.get_event(principal_of(request), event_id)
    raw = request.POST.get("level", "")
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), but int("²") fails
        raise Invalid(fields={"level": [_("Unbekannte Stufe.")]})
    event_services.event_set_level(actor=request_actor(request), event_id=event_id, level=int(raw))
    messages.success(request, _("Die Stufe ist geändert."))
    return redirect(_event_url(event_id))


@login_required
@require_POST
@refusals_as_messages
def event_close(request: HttpRequest, event_id: int) -> HttpResponse:
    event_services.get_event(principal_of(request), event_id)
    event_services.event_close(actor=request_actor(request), event_id=event_id)
    messages.success(request, _("Die Lage ist beendet."))
    return redirect(_event_url(event_id))


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("stab/neu/", staff_create, name="staff_create"),
    path("stab/<int:staff_id>/", staff_detail, name="staff_detail"),
    path("stab/<int:staff_id>/funktion/neu/", position_create, name="position_create"),
    path("stab/<int:staff_id>/funktion/<int:position_id>/beenden/", position_end, name="position_end"),
    path("stab/<int:staff_id>/dienstplan/neu/", shift_create, name="shift_create"),
    path("stab/<int:staff_id>/dienstplan/<int:shift_id>/entfernen/", shift_remove, name="shift_remove"),
    path("stab/<int:staff_id>/lage/neu/", event_open, name="event_open"),
    path("lage/<int:event_id>/", event_detail, name="event_detail"),
    path("lage/<int:event_id>/zusage/", alert_confirm, name="alert_confirm"),
    path("lage/<int:event_id>/absage/", alert_decline, name="alert_decline"),
    path("lage/<int:event_id>/anwesenheit/<int:alert_id>/", presence, name="presence"),
    path("lage/<int:event_id>/stufe/", event_level, name="event_level"),
    path("lage/<int:event_id>/beenden/", event_close, name="event_close"),
]
