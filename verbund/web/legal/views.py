"""Pages of the legal texts (public), the operator's editor with preview, and the feedback list."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.access import require
from verbund.common.errors import NotFound
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import paginate

from . import markup, services
from .forms import FeedbackForm, LegalPageForm
from .models import AccessibilityFeedback, LegalKind

#: Feedback messages one session may send within :data:`FEEDBACK_WINDOW` seconds.
FEEDBACK_LIMIT = 5
FEEDBACK_WINDOW = 3600
_SESSION_KEY = "legal_feedback_sent"


def _kind_or_404(kind: str) -> str:
    if kind not in LegalKind.values:
        raise NotFound(_("Diesen Rechtstext gibt es nicht."))
    return kind


def _page_context(request: HttpRequest, kind: str) -> dict[str, Any]:
    text = services.legal_text(kind)
    return {
        "text": text,
        "html": mark_safe(text.html),
        "may_edit": services.may_manage(principal_of(request)),
        "kind": kind,
        # the window title in the reader's language; the text and its heading stay German (lang="de")
        "kind_label": LegalKind(kind).label,
    }


@require_http_methods(["GET", "HEAD"])
def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    return render(request, "legal/page.html", _page_context(request, _kind_or_404(kind)))


def _recent_sends(request: HttpRequest) -> list[float]:
    now = time.time()
    return [t for t in request.session.get(_SESSION_KEY, []) if now - float(t) < FEEDBACK_WINDOW]


@require_http_methods(["GET", "HEAD", "POST"])
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement with its feedback form (BITV 2.0 § 7)."""
    kind = LegalKind.BARRIEREFREIHEIT.value
    status = 200
    if request.method != "POST":
        form = FeedbackForm(initial={"page_url": request.GET.get("seite", "")[:500]})
    else:
        form = FeedbackForm(request.POST)
        sent = _recent_sends(request)
        if len(sent) >= FEEDBACK_LIMIT:
            form.add_error(
                None,
                _(
                    "Sie haben in der letzten Stunde bereits %(count)s Rückmeldungen gesendet. Bitte "
                    "versuchen Sie es später noch einmal oder schreiben Sie uns eine E-Mail."
                )
                % {"count": FEEDBACK_LIMIT},
            )
            status = 429
        elif form.is_spam():
            # A bot filled the hidden field: answer as if it worked, store nothing.
            messages.success(request, _("Vielen Dank für Ihre Rückmeldung."))
            return redirect(reverse("legal:barrierefreiheit") + "#rueckmeldung")
        elif form.is_valid():
            data = form.cleaned_data
            actor = request_actor(request) if request.user.is_authenticated else services.FEEDBACK_FORM
            stored = run_on_form(
                form,
                lambda: services.feedback_submit(
                    actor=actor,
                    name=data["name"],
                    email=data["email"],
                    page_url=data["page_url"],
                    message=data["message"],
                ),
            )
            if stored is not None:
                request.session[_SESSION_KEY] = [*sent, time.time()]
                messages.success(request, _("Vielen Dank für Ihre Rückmeldung. Sie ist bei uns eingegangen."))
                return redirect(reverse("legal:barrierefreiheit") + "#rueckmeldung")
        if status == 200:
            status = 400
    context = {**_page_context(request, kind), "form": form}
    return render(request, "legal/page.html", context, status=status)


def _require_manager(request: HttpRequest) -> None:
    require(
        services.may_manage(principal_of(request)),
        _("Nur der Plattformbetrieb bearbeitet die Rechtstexte."),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def manage(request: HttpRequest) -> HttpResponse:
    """The operator's overview: the three texts (stored or template, open placeholders), feedback."""
    _require_manager(request)
    texts = [services.legal_text(kind) for kind in LegalKind.values]
    return render(
        request,
        "legal/manage.html",
        {
            "texts": texts,
            "open_feedback": AccessibilityFeedback.objects.filter(handled_at__isnull=True).count(),
            "nav": "legal",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Edit one text; "Vorschau" shows the rendered text without saving."""
    _require_manager(request)
    kind = _kind_or_404(kind)
    text = services.legal_text(kind)
    preview = ""
    status = 200
    if request.method != "POST":
        form = LegalPageForm(initial={"title": text.title, "body": text.body})
    else:
        form = LegalPageForm(request.POST)
        if form.is_valid():
            body = form.cleaned_data["body"]
            if "vorschau" in request.POST:
                preview = mark_safe(markup.render(body))
            else:
                saved = run_on_form(
                    form,
                    lambda: services.legal_page_update(
                        actor=request_actor(request), kind=kind, title=form.cleaned_data["title"], body=body
                    ),
                )
                if saved is not None:
                    messages.success(request, _("Der Rechtstext wurde gespeichert."))
                    return redirect(reverse(f"legal:{kind}"))
        if not form.is_valid():
            status = 400
    body_now = form.data.get("body", text.body) if form.is_bound else text.body
    return render(
        request,
        "legal/edit.html",
        {
            "form": form,
            "text": text,
            "kind": kind,
            "preview": preview,
            "placeholders": markup.placeholders(body_now),
            "nav": "legal",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def feedback_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    show = request.GET.get("status", "offen")
    qs = AccessibilityFeedback.objects.all()
    if show == "offen":
        qs = qs.filter(handled_at__isnull=True)
    page = paginate(request, qs, per_page=25)
    return render(
        request,
        "legal/feedback_list.html",
        {"page_obj": page, "show": show, "nav": "legal"},
    )


@login_required
@require_POST
def feedback_handle(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    feedback = AccessibilityFeedback.objects.filter(pk=pk).first()
    if feedback is None:
        raise NotFound(_("Diese Rückmeldung gibt es nicht."))
    services.feedback_handle(actor=request_actor(request), feedback=feedback)
    messages.success(request, _("Die Rückmeldung ist als erledigt markiert."))
    return redirect("legal:feedback_list")
