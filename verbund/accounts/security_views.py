"""Pages of the account's security: forgotten password (e-mail link) and the second factor (TOTP).

See :mod:`verbund.accounts.password_reset` and :mod:`verbund.accounts.two_factor` for the rules.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form

from . import two_factor
from .password_reset import PasswordResetKernForm, address_allowed, password_reset
from .views import SetPasswordView

# --- forgotten password ------------------------------------------------------------------------------


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Ask for the e-mail address; the same answer whether an account has it or not."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetKernForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not address_allowed(request):
            response = render(request, "accounts/password_reset_throttled.html", status=429)
            response["Retry-After"] = "3600"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        # The link's host comes from SITE_URL, never from the request's Host header.
        site = urlsplit(str(settings.SITE_URL))
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={"site_url": str(settings.SITE_URL).rstrip("/")},
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_reset_hours"] = max(int(settings.PASSWORD_RESET_TIMEOUT) // 3600, 1)
        return context


class PasswordResetConfirmView(SetPasswordView):
    """The link of the e-mail: choose a new password (the token leaves the URL first, like Django's)."""

    template_name = "accounts/password_reset_confirm.html"
    reset_url_token = "set-password"
    title = gettext_lazy("Neues Passwort wählen")

    def set_password(self, user: Any, password: str) -> None:
        password_reset(actor=user, user=user, password=password)

    def done_message(self) -> str:
        return _("Ihr Passwort ist geändert. Sie können sich jetzt anmelden.")


# --- second factor -----------------------------------------------------------------------------------


class CodeForm(KernForm):
    code = forms.CharField(
        label=gettext_lazy("Code aus der Authenticator-App"),
        help_text=gettext_lazy("Sechs Ziffern, z. B. 123456"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the confirmed device (wrong codes are throttled)."""
    user: Any = request.user
    device = two_factor.confirmed_device(user)
    if device is None or user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(device, form.cleaned_data["code"]):
            two_factor.mark_verified(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code", _("Der Code stimmt nicht oder ist abgelaufen. Bitte geben Sie den aktuellen Code ein.")
        )
    status = 400 if form.is_bound else 200
    response = render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=status,
    )
    add_never_cache_headers(response)
    return response


def _setup_page(request: HttpRequest, *, form: CodeForm, status: int = 200) -> HttpResponse:
    user: Any = request.user
    device = two_factor.confirmed_device(user)
    context: dict[str, Any] = {
        "nav": "account",
        "device": device,
        "form": form,
        "required": two_factor.required_for(user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if device is None:
        key = request.session.get(two_factor.SETUP_KEY)
        if not key:
            key = two_factor.new_secret()
            request.session[two_factor.SETUP_KEY] = key
        url = two_factor.config_url(user, key)
        context.update({"qr_svg": two_factor.qr_svg(url), "secret": two_factor.secret_for_typing(key)})
    response = render(request, "accounts/two_factor.html", context, status=status)
    add_never_cache_headers(response)  # the page shows a secret
    return response


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol: scan the QR code, confirm with a code. Shows the state once a device is confirmed."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = request.session.get(two_factor.SETUP_KEY, "")
        user: Any = request.user
        device = run_on_form(
            form,
            lambda: two_factor.two_factor_enrol(
                actor=request_actor(request), user=user, key=key, token=form.cleaned_data["code"]
            ),
            default_field="code",
        )
        if device is not None:
            request.session.pop(two_factor.SETUP_KEY, None)
            two_factor.mark_verified(request, device)
            messages.success(
                request,
                _("Der zweite Faktor ist eingerichtet. Bei der nächsten Anmeldung fragen wir nach dem Code."),
            )
            return redirect(
                _next_url(request) if request.POST.get("next") else reverse("accounts:two_factor")
            )
    return _setup_page(request, form=form, status=400 if form.is_bound else 200)


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor, with a current code as proof."""
    user: Any = request.user
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:two_factor")
    form = CodeForm(request.POST)
    if form.is_valid():
        if not two_factor.verify(device, form.cleaned_data["code"]):
            form.add_error(
                "code",
                _("Der Code stimmt nicht oder ist abgelaufen. Bitte geben Sie den aktuellen Code ein."),
            )
        elif run_on_form(
            form,
            lambda: two_factor.two_factor_remove(actor=request_actor(request), user=user),
            default_field="code",
        ):
            messages.success(request, _("Der zweite Faktor ist entfernt."))
            return redirect("accounts:two_factor")
    return _setup_page(request, form=form, status=400)
