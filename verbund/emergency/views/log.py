"""Pages of the emergency part: the staff log (Einsatztagebuch) of an event.

* ``/krisenstab/lage/<id>/tagebuch/`` — the entries (newest first) with the time of the event and of
  the entry, author, function, category; the corrections of an entry are shown with it. A form to
  write an entry.
* ``/krisenstab/lage/<id>/tagebuch/<seq>/berichtigen/`` — correct an entry: a new entry that names
  the old one, which stays as it was.

Nothing edits or deletes an entry. Only members of the event's staff see these pages (404 for
everyone else).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from verbund.common.errors import NotFound
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import paginate

from ..models import Event, EventStatus, LogCategory, LogEntry, StaffFunction
from ..policies import held_functions
from ..services import log as log_services
from .staffs import NAV, datetime_field, event_links

PER_PAGE = 50


def _function_choices(principal: Principal, event: Event) -> list[tuple[str, str]]:
    held = held_functions(principal, staff_id=event.staff_id, event_id=event.pk)
    return [("", _("ohne Funktion"))] + [(v, str(label)) for v, label in StaffFunction.choices if v in held]


class EntryForm(KernForm):
    id_format = "eintrag_%s"

    text = forms.CharField(
        label=gettext_lazy("Eintrag"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Kategorie"),
        choices=[(v, label) for v, label in LogCategory.choices if v != LogCategory.CORRECTION],
        initial=LogCategory.SITUATION,
    )
    function = forms.ChoiceField(label=gettext_lazy("als Funktion"), required=False)
    occurred_at = datetime_field(gettext_lazy("Zeitpunkt des Ereignisses"), required=False)

    def __init__(self, *args: Any, functions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        function: Any = self.fields["function"]
        function.choices = functions
        self.fields["occurred_at"].help_text = _("leer: jetzt")


class CorrectionForm(KernForm):
    text = forms.CharField(
        label=gettext_lazy("Berichtigung"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    function = forms.ChoiceField(label=gettext_lazy("als Funktion"), required=False)

    def __init__(self, *args: Any, functions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        function: Any = self.fields["function"]
        function.choices = functions


def _log_url(event_id: int) -> str:
    return reverse("emergency:log", kwargs={"event_id": event_id})


@login_required
@require_http_methods(["GET", "POST"])
def log_page(request: HttpRequest, event_id: int) -> HttpResponse:
    principal = principal_of(request)
    event = log_services.get_event(principal, event_id)
    is_open = event.status == EventStatus.OPEN
    form = EntryForm(request.POST or None, functions=_function_choices(principal, event))
    if request.method == "POST" and is_open and form.is_valid():
        data = form.cleaned_data
        entry = run_on_form(
            form,
            lambda: log_services.append(
                actor=request_actor(request),
                event_id=event.pk,
                text=data["text"],
                category=data["category"],
                function=data.get("function") or "",
                occurred_at=data.get("occurred_at"),
            ),
        )
        if entry:
            messages.success(request, _("Eintrag Nr. %(seq)s ist geschrieben.") % {"seq": entry.seq})
            return redirect(_log_url(event.pk))
    entries = log_services.entries(principal, event.pk).order_by("-seq")
    page = paginate(request, entries, per_page=PER_PAGE)
    shown = list(page.object_list)
    corrections: dict[int, list[LogEntry]] = defaultdict(list)
    for correction in LogEntry.objects.filter(event=event, corrects__in=[e.pk for e in shown]).order_by(
        "seq"
    ):
        corrections[int(correction.corrects_id or 0)].append(correction)
    context = {
        "event": event,
        "page": page,
        "rows": [(e, corrections.get(e.pk, [])) for e in shown],
        "form": form,
        "is_open": is_open,
        "links": event_links(event),
        "nav": NAV,
    }
    return render(request, "emergency/log/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def log_correct(request: HttpRequest, event_id: int, seq: int) -> HttpResponse:
    principal = principal_of(request)
    event = log_services.get_event(principal, event_id)
    original = LogEntry.objects.filter(event=event, seq=seq).select_related("corrects").first()
    if original is None:
        raise NotFound()
    form = CorrectionForm(request.POST or None, functions=_function_choices(principal, event))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = run_on_form(
            form,
            lambda: log_services.correct(
                actor=request_actor(request),
                event_id=event.pk,
                entry_seq=original.seq,
                text=data["text"],
                function=data.get("function") or "",
            ),
        )
        if entry:
            messages.success(
                request,
                _("Eintrag Nr. %(seq)s berichtigt Eintrag Nr. %(old)s.")
                % {"seq": entry.seq, "old": original.seq},
            )
            return redirect(_log_url(event.pk))
    return render(
        request,
        "emergency/log/correct.html",
        {"event": event, "entry": original, "form": form, "nav": NAV},
    )


urlpatterns: list[URLPattern] = [
    path("lage/<int:event_id>/tagebuch/", log_page, name="log"),
    path("lage/<int:event_id>/tagebuch/<int:seq>/berichtigen/", log_correct, name="log_correct"),
]
