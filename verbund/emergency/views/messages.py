"""Pages of the emergency part: the message flow of an event and its tasks.

* ``/krisenstab/lage/<event>/nachrichten/`` — the messages, Blitz first, then sofort, then einfach,
  within a priority the oldest first; filters by state and "assigned to my functions".
* ``…/nachrichten/neu/`` — write a message (the Nachrichtenvordruck).
* ``…/nachrichten/<nr>/`` — one message with its steps; the forms for screening, assigning,
  answering, closing and making a task appear only to those who may take the step now.
* ``/krisenstab/lage/<event>/auftraege/`` — the open tasks of the event with their deadlines.

Everything answers 404 to people without a function in the event's staff
(:mod:`verbund.emergency.services.messages`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import Invalid
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from ..models import Direction, Event, EventStatus, Message, MessageState, Priority, StaffFunction, TaskState
from ..services import log as log_services
from ..services import messages as flow
from ..services import situation as situation_services

NAV = "emergency"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"]


def _datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _function_choices() -> list[tuple[str, Any]]:
    return list(StaffFunction.choices)


# --- forms ---------------------------------------------------------------------------------------------


class MessageForm(KernForm):
    """The Nachrichtenvordruck: direction, priority, sender, recipient, subject, text, taken by/at, and
    optionally the place it is about with its coordinates, typed German style ("49,4447; 7,7690",
    read by :func:`verbund.emergency.services.situation.parse_coordinates`)."""

    #: the service names the coordinates ``latitude``/``longitude``; the form has one field for both
    field_aliases = {"latitude": "coordinates", "longitude": "coordinates"}

    direction = forms.ChoiceField(
        label=gettext_lazy("Eingang/Ausgang"),
        choices=Direction.choices,
        initial=Direction.INCOMING,
        widget=forms.RadioSelect,
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Vorrang"),
        choices=Priority.choices,
        initial=Priority.ROUTINE,
        widget=forms.RadioSelect,
    )
    sender = forms.CharField(label=gettext_lazy("Absender/in"), max_length=200)
    recipient = forms.CharField(label=gettext_lazy("Empfänger/in"), max_length=200, required=False)
    subject = forms.CharField(label=gettext_lazy("Betreff"), max_length=300)
    text = forms.CharField(label=gettext_lazy("Inhalt"), widget=forms.Textarea(attrs={"rows": 8}))
    author_function = forms.ChoiceField(label=gettext_lazy("aufgenommen von (Funktion)"), required=False)
    written_at = _datetime_field(
        gettext_lazy("aufgenommen um"),
        required=False,
        help_text=gettext_lazy(
            "Leer lassen für jetzt; sonst die Uhrzeit der Annahme (z. B. eines Funkspruchs)."
        ),
    )

    place = forms.CharField(
        label=gettext_lazy("Ort"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Worum es geht, z. B. „Umspannwerk Nord, Kaiserslautern“."),
    )
    coordinates = forms.CharField(
        label=gettext_lazy("Koordinaten des Ortes (Breite; Länge)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "z. B. „49,4447; 7,7690“; mit Koordinaten steht die Nachricht nach der Sichtung "
            "auf der Lagekarte."
        ),
    )

    def __init__(self, *args: Any, functions: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["author_function"]
        field.choices = [
            ("", "–"),
            *((code, label) for code, label in StaffFunction.choices if code in functions),
        ]

    def clean_coordinates(self) -> tuple[float, float] | None:
        """One point as (Breite, Länge), or ``None`` when left empty."""
        typed = (self.cleaned_data.get("coordinates") or "").strip()
        if not typed:
            return None
        if len([line for line in typed.replace("|", "\n").splitlines() if line.strip()]) > 1:
            raise forms.ValidationError(_("Bitte genau einen Punkt angeben (Breite; Länge)."))
        try:
            geometry = situation_services.parse_coordinates(typed, field="coordinates")
        except Invalid as refusal:
            raise forms.ValidationError(refusal.fields.get("coordinates") or [refusal.detail]) from refusal
        longitude, latitude = geometry["coordinates"][:2]
        return float(latitude), float(longitude)


class ScreenForm(KernForm):
    id_format = "id_screen_%s"
    note = forms.CharField(
        label=gettext_lazy("Vermerk der Sichtung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    functions = forms.MultipleChoiceField(
        label=gettext_lazy("zuweisen an"),
        choices=_function_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AssignForm(KernForm):
    id_format = "id_assign_%s"
    functions = forms.MultipleChoiceField(
        label=gettext_lazy("zuweisen an"), choices=_function_choices, widget=forms.CheckboxSelectMultiple
    )


class AnswerForm(KernForm):
    id_format = "id_answer_%s"
    answer = forms.CharField(label=gettext_lazy("Antwort"), widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(KernForm):
    id_format = "id_close_%s"


class TaskForm(KernForm):
    id_format = "id_task_%s"
    title = forms.CharField(label=gettext_lazy("Auftrag"), max_length=300)
    details = forms.CharField(
        label=gettext_lazy("Einzelheiten"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_function = forms.ChoiceField(label=gettext_lazy("zuständige Funktion"), choices=_function_choices)
    owner = forms.CharField(
        label=gettext_lazy("zuständige Person"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Benutzername; sie muss die zuständige Funktion im Stab innehaben."),
    )
    due_at = _datetime_field(gettext_lazy("zu erledigen bis"))

    def clean_owner(self) -> Any:
        from django.contrib.auth import get_user_model

        name = (self.cleaned_data.get("owner") or "").strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("Kein aktives Benutzerkonto mit diesem Benutzernamen."))
        return user


# --- helpers ---------------------------------------------------------------------------------------------


def _reverse(*names: str, **kwargs: Any) -> str | None:
    """The first of the named pages that exists (the staffs' and the log's pages are their own)."""
    for name in names:
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    return None


def event_url(event: Event) -> str | None:
    """The event's page."""
    return _reverse("emergency:event_detail", "emergency:event", event_id=event.pk)


def _event_context(principal: Principal, event: Event) -> dict[str, Any]:
    return {
        "event": event,
        "home_url": _reverse("emergency:home"),
        "event_url": event_url(event),
        "log_url": _reverse("emergency:log", event_id=event.pk),
        "closed": event.status == EventStatus.CLOSED,
        "nav": NAV,
        "my_functions": sorted(flow.functions_of(principal, event)),
    }


def _detail_context(principal: Principal, message: Message, **forms_given: Any) -> dict[str, Any]:
    allowed = flow.permitted(principal, message)
    forms_: dict[str, Any] = {
        "screen_form": ScreenForm() if allowed.screen else None,
        "assign_form": AssignForm(initial={"functions": message.assigned_to}) if allowed.assign else None,
        "answer_form": AnswerForm() if allowed.answer else None,
        "close_form": CloseForm() if allowed.close else None,
        "task_form": TaskForm(initial={"title": message.subject}) if allowed.task else None,
    }
    forms_.update(forms_given)
    tasks = list(message.tasks.select_related("owner").order_by("due_at", "id"))
    now = timezone.now()
    return {
        **_event_context(principal, message.event),
        "message": message,
        # a screened message with coordinates is on the situation map
        "map_url": _reverse("emergency:map", event_id=message.event_id) if message.screened_at else None,
        "coordinates": (
            situation_services.format_coordinates(
                {"type": "Point", "coordinates": [message.longitude, message.latitude]}
            )
            if message.latitude is not None and message.longitude is not None
            else ""
        ),
        "allowed": allowed,
        "tasks": [(task, flow.is_overdue(task, now)) for task in tasks],
        **forms_,
    }


# --- pages -------------------------------------------------------------------------------------------------

STATE_PARAM = "stand"
MINE_PARAM = "meine"


@login_required
def message_list(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = log_services.get_event(principal, event_id)
    state = request.GET.get(STATE_PARAM, "")
    if state not in MessageState.values:
        state = ""
    mine = request.GET.get(MINE_PARAM) == "1"
    items = flow.messages(principal, event.pk, state=state, mine=mine).select_related("author")
    page = paginate(request, items)
    context = {
        **_event_context(principal, event),
        "page": page,
        "states": MessageState.choices,
        "state": state,
        "mine": mine,
        "may_write": event.status != EventStatus.CLOSED,
    }
    return render(request, "emergency/messages/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def message_create(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = log_services.get_event(principal, event_id)
    functions = flow.functions_of(principal, event)
    initial = {"author_function": next(iter(functions)) if len(functions) == 1 else ""}
    form = MessageForm(request.POST or None, functions=functions, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        message = run_on_form(
            form,
            lambda: flow.write_message(
                actor=request_actor(request),
                event_id=event.pk,
                direction=data["direction"],
                priority=data["priority"],
                sender=data["sender"],
                recipient=data.get("recipient") or "",
                subject=data["subject"],
                text=data["text"],
                author_function=data.get("author_function") or "",
                written_at=data.get("written_at"),
                place=data.get("place") or "",
                latitude=data["coordinates"][0] if data.get("coordinates") else None,
                longitude=data["coordinates"][1] if data.get("coordinates") else None,
            ),
        )
        if message:
            flash.success(
                request, _("Nachricht Nr. %(number)s ist aufgenommen.") % {"number": message.number}
            )
            return redirect("emergency:message_detail", event_id=event.pk, number=message.number)
    next_number = (event.messages.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    context = {
        **_event_context(principal, event),
        "form": form,
        "next_number": next_number,
        "now": timezone.now(),
    }
    return render(request, "emergency/messages/form.html", context)


@login_required
def message_detail(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    principal = principal_of(request)
    message = flow.get_message(principal, event_id, number)
    return render(request, "emergency/messages/detail.html", _detail_context(principal, message))


def _step(
    request: HttpRequest,
    event_id: int,
    number: int,
    form_class: type[KernForm],
    context_name: str,
    action: Any,
    done: str,
) -> HttpResponse:
    """Run one step from its form on the detail page; a refusal shows at the form."""
    principal = principal_of(request)
    message = flow.get_message(principal, event_id, number)
    form = form_class(request.POST)
    if form.is_valid() and run_on_form(form, lambda: action(form.cleaned_data, message)):
        flash.success(request, done % {"number": number})
        return redirect("emergency:message_detail", event_id=event_id, number=number)
    message.refresh_from_db()
    context = _detail_context(principal, message, **{context_name: form})
    return render(request, "emergency/messages/detail.html", context)


@login_required
@require_POST
def message_screen(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    return _step(
        request,
        event_id,
        number,
        ScreenForm,
        "screen_form",
        lambda data, message: flow.screen_message(
            actor=request_actor(request),
            event_id=event_id,
            number=number,
            note=data.get("note") or "",
            functions=data.get("functions") or [],
        ),
        _("Nachricht Nr. %(number)s ist gesichtet."),
    )


@login_required
@require_POST
def message_assign(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    return _step(
        request,
        event_id,
        number,
        AssignForm,
        "assign_form",
        lambda data, message: flow.assign_message(
            actor=request_actor(request), event_id=event_id, number=number, functions=data["functions"]
        ),
        _("Nachricht Nr. %(number)s ist zugewiesen."),
    )


@login_required
@require_POST
def message_answer(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    return _step(
        request,
        event_id,
        number,
        AnswerForm,
        "answer_form",
        lambda data, message: flow.answer_message(
            actor=request_actor(request), event_id=event_id, number=number, answer=data["answer"]
        ),
        _("Nachricht Nr. %(number)s ist beantwortet."),
    )


@login_required
@require_POST
def message_close(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    return _step(
        request,
        event_id,
        number,
        CloseForm,
        "close_form",
        lambda data, message: flow.close_message(
            actor=request_actor(request), event_id=event_id, number=number
        ),
        _("Nachricht Nr. %(number)s ist erledigt."),
    )


@login_required
@require_POST
def message_task(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    return _step(
        request,
        event_id,
        number,
        TaskForm,
        "task_form",
        lambda data, message: flow.create_task(
            actor=request_actor(request),
            event_id=event_id,
            number=number,
            title=data["title"],
            details=data.get("details") or "",
            owner_function=data["owner_function"],
            owner=data.get("owner"),
            due_at=data["due_at"],
        ),
        _("Aus Nachricht Nr. %(number)s ist ein Auftrag geworden."),
    )


@login_required
def task_list(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = log_services.get_event(principal, event_id)
    now = timezone.now()
    items = [
        (task, flow.is_overdue(task, now), flow.may_finish(principal, task))
        for task in flow.tasks(principal, event.pk).select_related("event")
    ]
    context = {**_event_context(principal, event), "tasks": items, "overdue": sum(1 for t in items if t[1])}
    return render(request, "emergency/messages/tasks.html", context)


@login_required
@require_POST
@refusals_as_messages
def task_finish(request: HttpRequest, event_id: int, task_id: int) -> HttpResponse:
    state = request.POST.get("state", TaskState.DONE)
    task = flow.finish_task(actor=request_actor(request), event_id=event_id, task_id=task_id, state=state)
    if task.state == TaskState.DONE:
        text = _("Der Auftrag „%(title)s“ ist erledigt.")
    else:
        text = _("Der Auftrag „%(title)s“ entfällt.")
    flash.success(request, text % {"title": task.title})
    return redirect("emergency:tasks", event_id=event_id)


urlpatterns: list[URLPattern] = [
    path("lage/<int:event_id>/nachrichten/", message_list, name="messages"),
    path("lage/<int:event_id>/nachrichten/neu/", message_create, name="message_create"),
    path("lage/<int:event_id>/nachrichten/<int:number>/", message_detail, name="message_detail"),
    path("lage/<int:event_id>/nachrichten/<int:number>/sichten/", message_screen, name="message_screen"),
    path("lage/<int:event_id>/nachrichten/<int:number>/zuweisen/", message_assign, name="message_assign"),
    path("lage/<int:event_id>/nachrichten/<int:number>/beantworten/", message_answer, name="message_answer"),
    path("lage/<int:event_id>/nachrichten/<int:number>/erledigt/", message_close, name="message_close"),
    path("lage/<int:event_id>/nachrichten/<int:number>/auftrag/", message_task, name="message_task"),
    path("lage/<int:event_id>/auftraege/", task_list, name="tasks"),
    path("lage/<int:event_id>/auftraege/<int:task_id>/abschliessen/", task_finish, name="task_finish"),
]
