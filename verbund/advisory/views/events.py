"""Pages of the advisory part: workshops, the annual conference, webinars and network meetings.

* ``/beratung/veranstaltungen/`` — upcoming and past events; the office also sees drafts.
* ``/beratung/veranstaltungen.ics`` — the public iCalendar feed (no login).
* ``/beratung/veranstaltungen/<id>/`` — detail: agenda, places left, waiting list, register/cancel,
  material, minutes; ``…/kalender.ics`` one event as iCalendar.
* Office: ``neu/``, ``<id>/bearbeiten/``, ``<id>/veroeffentlichen/``, ``<id>/absagen/`` (confirmation
  step), ``<id>/teilnehmende/`` (list, register others, remove, attendance; ``teilnahmeliste.csv`` and
  ``teilnahmeliste.pdf``, the list to sign at the door),
  ``<id>/material/`` (upload), ``<id>/protokoll/`` (minutes text).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import GermanIntegerField, KernForm, run_on_form

from ..models.events import Event, EventKind, EventMaterial, Registration, RegistrationStatus
from ..policies import manages_events
from ..services import events as svc
from ..services.events_ical import calendar_bytes

NAV = "advisory"
#: What a German user types, and what the browser's date-time picker sends (the API accepts the same).
DATETIME_FORMATS = list(svc.DATETIME_FORMATS)


def _datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(format="%d.%m.%Y %H:%M", attrs={"autocomplete": "off"}),
        input_formats=DATETIME_FORMATS,
        help_text=gettext_lazy("z. B. 12.03.2027 09:30"),
    )


class EventForm(KernForm):
    kind = forms.ChoiceField(label=gettext_lazy("Art"), choices=EventKind.choices)
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    starts_at = _datetime_field(gettext_lazy("Beginn"))
    ends_at = _datetime_field(gettext_lazy("Ende"))
    place = forms.CharField(label=gettext_lazy("Ort"), max_length=300, required=False)
    online_url = forms.URLField(
        label=gettext_lazy("Online-Link"), max_length=500, required=False, assume_scheme="https"
    )
    capacity = GermanIntegerField(
        label=gettext_lazy("Plätze"), min_value=1, required=False, help_text=gettext_lazy("leer: unbegrenzt")
    )
    registration_deadline = _datetime_field(gettext_lazy("Anmeldeschluss"), required=False)
    field_of_action: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Handlungsfeld"), queryset=None, required=False
    )
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    agenda = forms.CharField(
        label=gettext_lazy("Tagesordnung"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from verbund.alliances.models import FieldOfAction

        field: Any = self.fields["field_of_action"]
        field.queryset = FieldOfAction.objects.all()


class RegisterForm(KernForm):
    body = forms.TypedChoiceField(label=gettext_lazy("Für die Körperschaft"), coerce=int)
    remark = forms.CharField(
        label=gettext_lazy("Hinweis (z. B. Barrierefreiheit, Essen)"), max_length=300, required=False
    )

    def __init__(self, *args: Any, bodies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["body"]
        field.choices = bodies
        if len(bodies) == 1:
            field.initial = bodies[0][0]


class RegisterOtherForm(KernForm):
    id_format = "andere_%s"
    username = forms.CharField(label=gettext_lazy("Benutzername"), max_length=150)
    body = forms.IntegerField(
        label=gettext_lazy("Körperschaft (Nummer)"),
        required=False,
        help_text=gettext_lazy("leer: die einzige Körperschaft der Person"),
    )
    remark = forms.CharField(label=gettext_lazy("Hinweis"), max_length=300, required=False)


class CancelForm(KernForm):
    reason = forms.CharField(
        label=gettext_lazy("Grund (wird den Angemeldeten mitgeteilt)"), max_length=500, required=False
    )


class MaterialForm(KernForm):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    file = forms.FileField(
        label=gettext_lazy("Datei"),
        help_text=gettext_lazy("PDF, OpenDocument oder Office, höchstens 20 MB"),
    )
    is_minutes = forms.BooleanField(label=gettext_lazy("Protokoll"), required=False)
    public = forms.BooleanField(
        label=gettext_lazy("für alle Angemeldeten der Plattform (sonst nur für Teilnehmende)"), required=False
    )


class MinutesForm(KernForm):
    minutes = forms.CharField(
        label=gettext_lazy("Protokoll"), widget=forms.Textarea(attrs={"rows": 16}), required=False
    )


def _detail_url(event_id: int) -> str:
    return reverse("advisory:event_detail", kwargs={"event_id": event_id})


def _office_event(request: HttpRequest, event_id: int) -> tuple[Principal, Event]:
    principal = principal_of(request)
    event = svc.get_event(principal, event_id)
    if not manages_events(principal):
        raise Forbidden(_("Nur die Beratungsstelle verwaltet Veranstaltungen."))
    return principal, event


def _bodies(user_id: int | None, principal: Principal) -> list[tuple[int, str]]:
    from verbund.registry.models import Body

    ids = sorted(principal.body_ids())
    return [(b.pk, b.name) for b in Body.objects.filter(pk__in=ids).order_by("name")]


# --- pages for everyone logged in -------------------------------------------------------------------


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    now = timezone.now()
    events = svc.with_counts(svc.events_for(principal))
    context = {
        "nav": NAV,
        "upcoming": events.filter(ends_at__gte=now).order_by("starts_at", "id"),
        "past": events.filter(ends_at__lt=now).order_by("-starts_at", "-id")[:50],
        "is_office": manages_events(principal),
    }
    return render(request, "advisory/events/list.html", context)


@require_GET
def event_feed(request: HttpRequest) -> HttpResponse:
    """The public calendar feed (no login): published events, cancelled ones marked cancelled."""
    body = calendar_bytes(svc.feed_events(), base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="veranstaltungen.ics"'
    return response


@require_GET
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event as iCalendar (published events for everyone; drafts for the office)."""
    event = svc.get_event(principal_of(request), event_id)
    body = calendar_bytes([event], base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="veranstaltung-{event.pk}.ics"'
    return response


@require_GET
@login_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = svc.get_event(principal, event_id)
    registered, waiting = svc.counts(event)
    own = svc.own_registration(principal.user_id, event)
    own_active = own if own is not None and own.status != RegistrationStatus.CANCELLED else None
    office = manages_events(principal)
    materials = [m for m in event.materials.all() if svc.reads_material(principal, m)]
    context = {
        "nav": NAV,
        "event": event,
        "registered": registered,
        "waiting": waiting,
        "places_left": svc.places_left(event),
        "own": own_active,
        "own_rank": svc.waiting_rank(own_active) if own_active else None,
        "may_register": own_active is None and bool(principal.body_ids()) and svc.registration_open(event),
        "open": svc.registration_open(event),
        "past": svc.is_past(event),
        "is_office": office,
        "materials": materials,
        "shows_minutes": bool(event.minutes) and (office or own_active is not None),
    }
    return render(request, "advisory/events/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def event_register(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = svc.get_event(principal, event_id)
    bodies = _bodies(principal.user_id, principal)
    if not bodies:
        raise Forbidden(_("Anmelden kann sich, wer für eine Körperschaft arbeitet."))
    form = RegisterForm(request.POST or None, bodies=bodies)
    if request.method == "POST" and form.is_valid():
        result = run_on_form(
            form,
            lambda: svc.register(
                actor=request_actor(request),
                event_id=event.pk,
                body_id=form.cleaned_data["body"],
                remark=form.cleaned_data["remark"],
            ),
            default_field=None,
        )
        if result:
            if result.status == RegistrationStatus.WAITING:
                messages.info(
                    request,
                    _("Die Veranstaltung ist ausgebucht: Sie stehen auf Platz %(rank)s der Warteliste.")
                    % {"rank": svc.waiting_rank(result)},
                )
            else:
                messages.success(request, _("Sie sind angemeldet."))
            return redirect(_detail_url(event.pk))
    return render(request, "advisory/events/register.html", {"nav": NAV, "event": event, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def event_unregister(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = svc.get_event(principal, event_id)
    own = svc.own_registration(principal.user_id, event)
    if own is None or own.status == RegistrationStatus.CANCELLED:
        raise NotFound(_("Diese Anmeldung gibt es nicht."))
    if request.method == "POST":
        svc.registration_cancel(actor=request_actor(request), registration_id=own.pk)
        messages.success(request, _("Ihre Anmeldung ist zurückgenommen."))
        return redirect(_detail_url(event.pk))
    return render(
        request,
        "advisory/events/confirm.html",
        {
            "nav": NAV,
            "event": event,
            "heading": _("Anmeldung zurücknehmen"),
            "question": _(
                "Möchten Sie Ihre Anmeldung wirklich zurücknehmen? Ihr Platz geht an die Warteliste."
            ),
            "button": _("Anmeldung zurücknehmen"),
        },
    )


@require_GET
@login_required
def material_download(request: HttpRequest, event_id: int, material_id: int) -> FileResponse:
    principal = principal_of(request)
    event = svc.get_event(principal, event_id)
    material = EventMaterial.objects.filter(pk=material_id, event=event).first()
    if material is None or not svc.reads_material(principal, material):
        raise Http404(_("Dieses Material gibt es nicht."))
    name = material.file.name.rsplit("/", 1)[-1]
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=name)


# --- office ----------------------------------------------------------------------------------------


def _event_values(form: EventForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {name: data.get(name) for name in svc.EDITABLE} | {
        "place": data.get("place") or "",
        "online_url": data.get("online_url") or "",
        "description": data.get("description") or "",
        "agenda": data.get("agenda") or "",
    }


@require_http_methods(["GET", "POST"])
@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not manages_events(principal_of(request)):
        raise Forbidden(_("Nur die Beratungsstelle verwaltet Veranstaltungen."))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = run_on_form(
            form, lambda: svc.event_create(actor=request_actor(request), values=_event_values(form))
        )
        if event:
            messages.success(request, _("Die Veranstaltung ist angelegt (noch nicht veröffentlicht)."))
            return redirect(_detail_url(event.pk))
    return render(
        request, "advisory/events/form.html", {"nav": NAV, "form": form, "heading": _("Neue Veranstaltung")}
    )


@require_http_methods(["GET", "POST"])
@login_required
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    initial = {name: getattr(event, name) for name in svc.EDITABLE}
    for name in ("starts_at", "ends_at", "registration_deadline"):
        if initial[name]:
            initial[name] = timezone.localtime(initial[name])
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _event_values(form)
        done = run_on_form(
            form, lambda: svc.event_update(actor=request_actor(request), event_id=event.pk, values=values)
        )
        if done:
            if "capacity" in values:
                svc.capacity_changed(actor=request_actor(request), event_id=event.pk)
            messages.success(request, _("Die Veranstaltung ist gespeichert."))
            return redirect(_detail_url(event.pk))
    return render(
        request,
        "advisory/events/form.html",
        {"nav": NAV, "form": form, "event": event, "heading": _("Veranstaltung bearbeiten")},
    )


@require_POST
@login_required
def event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    publish = request.POST.get("published", "1") == "1"
    svc.event_publish(actor=request_actor(request), event_id=event.pk, published=publish)
    messages.success(
        request,
        _("Die Veranstaltung ist veröffentlicht.") if publish else _("Die Veranstaltung ist zurückgezogen."),
    )
    return redirect(_detail_url(event.pk))


@require_http_methods(["GET", "POST"])
@login_required
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_on_form(
            form,
            lambda: svc.event_cancel(
                actor=request_actor(request), event_id=event.pk, reason=form.cleaned_data["reason"]
            ),
        )
        if done:
            messages.success(
                request, _("Die Veranstaltung ist abgesagt; die Angemeldeten werden benachrichtigt.")
            )
            return redirect(_detail_url(event.pk))
    registered, waiting = svc.counts(event)
    return render(
        request,
        "advisory/events/cancel.html",
        {"nav": NAV, "event": event, "form": form, "registered": registered, "waiting": waiting},
    )


@require_http_methods(["GET", "POST"])
@login_required
def event_participants(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    other = RegisterOtherForm(request.POST if request.POST.get("form") == "register" else None)
    if request.method == "POST" and request.POST.get("form") == "attendance":
        marks: dict[int, bool | None] = {}
        for key, value in request.POST.items():
            if key.startswith("attended_"):
                try:
                    pk = int(key.removeprefix("attended_"))
                except ValueError:
                    continue
                marks[pk] = {"ja": True, "nein": False}.get(str(value))
        svc.attendance_set(actor=request_actor(request), event_id=event.pk, marks=marks)
        messages.success(request, _("Die Teilnahme ist gespeichert."))
        return redirect(reverse("advisory:event_participants", kwargs={"event_id": event.pk}))
    if request.method == "POST" and other.is_valid():
        user = (
            get_user_model().objects.filter(username=other.cleaned_data["username"], is_active=True).first()
        )
        if user is None:
            other.add_error("username", _("Kein aktives Benutzerkonto mit diesem Benutzernamen."))
        else:
            done = run_on_form(
                other,
                lambda: svc.register(
                    actor=request_actor(request),
                    event_id=event.pk,
                    user=user,
                    body_id=other.cleaned_data["body"],
                    remark=other.cleaned_data["remark"],
                ),
                default_field="username",
            )
            if done:
                messages.success(request, _("Die Person ist angemeldet."))
                return redirect(reverse("advisory:event_participants", kwargs={"event_id": event.pk}))
    rows = list(svc.registrations_of(event))
    context = {
        "nav": NAV,
        "event": event,
        "registered_rows": [r for r in rows if r.status == RegistrationStatus.REGISTERED],
        "waiting_rows": [r for r in rows if r.status == RegistrationStatus.WAITING],
        "other": other,
        "attendance_open": event.starts_at <= timezone.now(),
    }
    return render(request, "advisory/events/participants.html", context)


@require_GET
@login_required
def event_participants_csv(request: HttpRequest, event_id: int) -> HttpResponse:
    """The attendance list as CSV (semicolons, UTF-8 with BOM: opens in German spreadsheet programs)."""
    _principal, event = _office_event(request, event_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [_("Name"), _("Körperschaft"), _("Stand"), _("Hinweis"), _("teilgenommen"), _("Unterschrift")]
    )
    for row in svc.registrations_of(event):
        attended = "" if row.attended is None else (_("ja") if row.attended else _("nein"))
        writer.writerow(
            [
                row.user.get_full_name() or row.user.get_username(),
                row.body.name if row.body else "",
                row.get_status_display(),
                row.remark,
                attended,
                "",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="teilnahmeliste-{event.pk}.csv"'
    return response


@require_GET
@login_required
def event_participants_pdf(request: HttpRequest, event_id: int) -> HttpResponse:
    """The attendance list as a tagged PDF/UA (office only, like the CSV): the event, the people
    registered with their body and attendance, an empty column to sign; German whatever the UI."""
    from verbund.common.pdf import render_pdf

    _principal, event = _office_event(request, event_id)
    rows = [
        {
            "name": row.user.get_full_name() or row.user.get_username(),
            "body": row.body.name if row.body else "",
            "attended": "–" if row.attended is None else ("ja" if row.attended else "nein"),
        }
        for row in sorted(
            svc.registrations_of(event, statuses=[RegistrationStatus.REGISTERED]),
            # alphabetical: people at the door find their line quickly
            key=lambda r: ((r.user.last_name or r.user.get_username()).casefold(), r.user.first_name),
        )
    ]
    context = {
        "event": event,
        "starts": timezone.localtime(event.starts_at),
        "ends": timezone.localtime(event.ends_at),
        "rows": rows,
        "generated_at": timezone.localtime(),
    }
    title = f"Teilnahmeliste: {event.title}"
    data = render_pdf("advisory/events/attendance_pdf.html", context, title=title, subject=event.title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="teilnahmeliste-{event.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def registration_remove(request: HttpRequest, event_id: int, registration_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    registration = Registration.objects.filter(pk=registration_id, event=event).select_related("user").first()
    if registration is None:
        raise NotFound(_("Diese Anmeldung gibt es nicht."))
    if request.method == "POST":
        svc.registration_cancel(actor=request_actor(request), registration_id=registration.pk)
        messages.success(request, _("Die Anmeldung ist entfernt."))
        return redirect(reverse("advisory:event_participants", kwargs={"event_id": event.pk}))
    name = registration.user.get_full_name() or registration.user.get_username()
    return render(
        request,
        "advisory/events/confirm.html",
        {
            "nav": NAV,
            "event": event,
            "heading": _("Anmeldung entfernen"),
            "question": _("Möchten Sie die Anmeldung von %(name)s wirklich entfernen?") % {"name": name},
            "button": _("Anmeldung entfernen"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def material_add(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_on_form(
            form,
            lambda: svc.material_add(
                actor=request_actor(request),
                event_id=event.pk,
                title=data["title"],
                upload=data["file"],
                is_minutes=data["is_minutes"],
                public=data["public"],
            ),
        )
        if done:
            messages.success(request, _("Das Material ist hochgeladen."))
            return redirect(_detail_url(event.pk))
    return render(request, "advisory/events/material.html", {"nav": NAV, "event": event, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def material_delete(request: HttpRequest, event_id: int, material_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    material = EventMaterial.objects.filter(pk=material_id, event=event).first()
    if material is None:
        raise NotFound(_("Dieses Material gibt es nicht."))
    if request.method == "POST":
        svc.material_delete(actor=request_actor(request), material_id=material.pk)
        messages.success(request, _("Das Material ist gelöscht."))
        return redirect(_detail_url(event.pk))
    return render(
        request,
        "advisory/events/confirm.html",
        {
            "nav": NAV,
            "event": event,
            "heading": _("Material löschen"),
            "question": _("Möchten Sie „%(title)s“ wirklich löschen?") % {"title": material.title},
            "button": _("Löschen"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def minutes_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    _principal, event = _office_event(request, event_id)
    form = MinutesForm(request.POST or None, initial={"minutes": event.minutes})
    if request.method == "POST" and form.is_valid():
        svc.minutes_set(actor=request_actor(request), event_id=event.pk, minutes=form.cleaned_data["minutes"])
        messages.success(request, _("Das Protokoll ist gespeichert."))
        return redirect(_detail_url(event.pk))
    return render(request, "advisory/events/minutes.html", {"nav": NAV, "event": event, "form": form})


_E = "veranstaltungen/<int:event_id>/"
urlpatterns: list[URLPattern] = [
    path("veranstaltungen/", event_list, name="event_list"),
    path("veranstaltungen.ics", event_feed, name="event_feed"),
    path("veranstaltungen/neu/", event_create, name="event_create"),
    path(_E, event_detail, name="event_detail"),
    path(_E + "kalender.ics", event_ics, name="event_ics"),
    path(_E + "anmelden/", event_register, name="event_register"),
    path(_E + "abmelden/", event_unregister, name="event_unregister"),
    path(_E + "bearbeiten/", event_edit, name="event_edit"),
    path(_E + "veroeffentlichen/", event_publish, name="event_publish"),
    path(_E + "absagen/", event_cancel, name="event_cancel"),
    path(_E + "teilnehmende/", event_participants, name="event_participants"),
    path(_E + "teilnahmeliste.csv", event_participants_csv, name="event_participants_csv"),
    path(_E + "teilnahmeliste.pdf", event_participants_pdf, name="event_participants_pdf"),
    path(
        _E + "teilnehmende/<int:registration_id>/entfernen/",
        registration_remove,
        name="event_registration_remove",
    ),
    path(_E + "material/", material_add, name="event_material_add"),
    path(_E + "material/<int:material_id>/", material_download, name="event_material"),
    path(_E + "material/<int:material_id>/loeschen/", material_delete, name="event_material_delete"),
    path(_E + "protokoll/", minutes_edit, name="event_minutes"),
]
