"""The staff assistant under ``/wissen/assistent/``: a question in German, an answer with numbered
citations that link to their sources (:mod:`verbund.knowledge.services.assistant`).

Signed-in people only (anonymous visitors are sent to the login). The question is posted (it stays
out of addresses and logs) and is not stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form

from ..services import assistant as svc

NAV = "knowledge"


class AssistantForm(KernForm):
    frage = forms.CharField(
        label=gettext_lazy("Ihre Frage"),
        max_length=svc.MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Zum Beispiel „Wer erbringt die Bußgeldstelle für unseren Verbund?“ oder „Was hat der Stadtrat "
            "zur Digitalisierung beschlossen?“. Bitte keine Namen, E-Mail-Adressen oder anderen "
            "persönlichen Angaben eingeben."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assistant_page(request: HttpRequest) -> HttpResponse:
    form = AssistantForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "nav": NAV, "answer": None, "max_question": svc.MAX_QUESTION}
    status = 200
    if form.is_bound:
        if form.is_valid():
            answer = run_on_form(
                form,
                lambda: svc.ask(actor=request_actor(request), question=form.cleaned_data["frage"]),
                default_field="frage",
            )
            context["answer"] = answer if isinstance(answer, svc.Answer) else None
        if form.errors:
            status = 422
    return render(request, "knowledge/assistant/assistant.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("assistent/", assistant_page, name="assistant"),
]
