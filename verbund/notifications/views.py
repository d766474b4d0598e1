"""The notifications pages: the inbox, e-mail preferences, webhooks and the operator's failure view.

The inbox and the preferences are one's own (another user's notification is 404, for operators
too). Webhook subscriptions and the failure view are Plattformbetrieb's; others get 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from verbund.audit.selectors import scope_names
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from . import policies, selectors, services
from .forms import PreferencesForm, WebhookForm
from .models import DeliveryStatus, OutboxMail, WebhookDelivery, WebhookSubscription

PAGE_SIZE = 25


def _operator(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not policies.may_manage_webhooks(principal):
        raise Http404
    return principal


# --- the inbox ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    unread_only = request.GET.get("ungelesen") == "1"
    page = paginate(request, selectors.inbox(principal, unread_only=unread_only), per_page=PAGE_SIZE)
    return render(
        request,
        "notifications/inbox.html",
        {
            "nav": "notifications",
            "page": page,
            "unread_only": unread_only,
            "unread_total": selectors.unread_count(principal.user_id),
            "is_operator": policies.may_see_failures(principal),
        },
    )


@login_required
@require_http_methods(["GET"])
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link: marks it read and goes to the object (or back to the inbox)."""
    notification = services.notification_mark_read(actor=request_actor(request), notification_id=pk)
    target = notification.event.path
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
@refusals_as_messages
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(actor=request_actor(request), notification_id=pk)
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
@refusals_as_messages
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request_actor(request))
    if count:
        messages.success(request, _("Alle Benachrichtigungen sind als gelesen markiert."))
    return redirect(_back_to_inbox(request))


def _back_to_inbox(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target.startswith(reverse("notifications:inbox")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return reverse("notifications:inbox")


# --- preferences ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    current = services.preferences_of(principal.user_id)
    form = PreferencesForm(request.POST or None, preferences=current)
    if request.method == "POST" and form.is_valid():
        done = run_on_form(
            form, lambda: services.preferences_set(actor=request_actor(request), modes=form.modes())
        )
        if done:
            messages.success(request, _("Ihre Einstellungen sind gespeichert."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"nav": "notifications", "form": form, "has_email": bool(getattr(request.user, "email", ""))},
    )


# --- webhooks (Plattformbetrieb) ------------------------------------------------------------------


def _alliance_choices() -> list[tuple[int, str]]:
    return services.alliance_choices()


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    _operator(request)
    form = WebhookForm(request.POST or None, alliances=_alliance_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_on_form(
            form,
            lambda: services.webhook_create(
                actor=request_actor(request),
                name=data["name"],
                target_url=data["target_url"],
                event_types=list(data["event_types"]),
                alliance_id=data["alliance_id"],
                secret=data["secret"],
                active=data["active"],
            ),
        )
        if created:
            messages.success(request, _("Das Webhook-Abonnement ist angelegt."))
            return redirect("notifications:webhook_detail", pk=created.pk)
    subscriptions = list(WebhookSubscription.objects.all())
    names = scope_names("alliance", (s.alliance_id for s in subscriptions if s.alliance_id))
    return render(
        request,
        "notifications/webhooks.html",
        {
            "nav": "notifications",
            "form": form,
            "subscriptions": [(s, names.get(s.alliance_id or 0, "")) for s in subscriptions],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    form = WebhookForm(
        request.POST or None, initial=WebhookForm.initial_of(subscription), alliances=_alliance_choices()
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["event_types"] = list(data["event_types"])
        done = run_on_form(
            form,
            lambda: services.webhook_update(actor=request_actor(request), subscription=subscription, **data),
        )
        if done:
            messages.success(request, _("Das Webhook-Abonnement ist gespeichert."))
            return redirect("notifications:webhook_detail", pk=subscription.pk)
    deliveries = paginate(
        request,
        subscription.deliveries.select_related("event").order_by("-created_at", "-id"),
        per_page=PAGE_SIZE,
    )
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "nav": "notifications",
            "form": form,
            "subscription": subscription,
            "page": deliveries,
            "delete_consequences": [
                _("Das System erhält keine Ereignisse mehr."),
                _("Das Zustellprotokoll dieses Abonnements wird mit gelöscht."),
            ],
        },
    )


@login_required
@require_POST
@refusals_as_messages
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.webhook_delete(actor=request_actor(request), subscription=subscription)
    messages.success(request, _("Das Webhook-Abonnement ist gelöscht."))
    return redirect("notifications:webhooks")


# --- failures (Plattformbetrieb) ------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def failures(request: HttpRequest) -> HttpResponse:
    _operator(request)
    return render(
        request,
        "notifications/failures.html",
        {
            "nav": "notifications",
            "mails": selectors.failed_mails(),
            "deliveries": selectors.failed_deliveries(),
            "redeliver_consequences": [
                _("Die Versuche beginnen von vorn; der letzte Fehler bleibt im Protokoll."),
                _("Der Empfänger erhält die Nachricht womöglich doppelt, falls sie doch angekommen war."),
            ],
        },
    )


@login_required
@require_POST
@refusals_as_messages
def mail_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    mail = get_object_or_404(OutboxMail, pk=pk, status=DeliveryStatus.FAILED)
    services.outbox_redeliver(actor=request_actor(request), mail=mail)
    messages.success(request, _("Die E-Mail wird erneut gesendet."))
    return redirect("notifications:failures")


@login_required
@require_POST
@refusals_as_messages
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    delivery = get_object_or_404(WebhookDelivery, pk=pk, status=DeliveryStatus.FAILED)
    services.webhook_redeliver(actor=request_actor(request), delivery=delivery)
    messages.success(request, _("Die Zustellung wird erneut versucht."))
    return redirect("notifications:failures")
