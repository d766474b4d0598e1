"""Login and "Mein Konto": one's roles and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from .access import access_api_token
from .models import ApiToken, RoleAssignment
from .services import token_issue, token_revoke


class LoginView(auth_views.LoginView):
    """Django's login (throttled by django-axes), with the SSO button when OIDC is switched on."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Read at request time, so that the switch is a setting and nothing else.
        context["oidc_enabled"] = bool(getattr(settings, "OIDC_ENABLED", False))
        return context


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Bezeichnung",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="Wofür das Token dient, z. B. „Fachverfahren Kasse“.",
    )


def _account_page(
    request: HttpRequest, *, form: TokenForm, new_token: str = "", status: int = 200
) -> HttpResponse:
    user: Any = request.user
    roles = (
        RoleAssignment.objects.filter(user_id=user.pk).select_related("body").order_by("role", "body__name")
    )
    tokens = ApiToken.objects.filter(user_id=user.pk).order_by("revoked_at", "-created_at")
    response = render(
        request,
        "accounts/account.html",
        {"roles": roles, "tokens": tokens, "form": form, "new_token": new_token, "nav": "account"},
        status=status,
    )
    if new_token:
        # The token is shown exactly once: no cache may keep the page.
        add_never_cache_headers(response)
    return response


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request, form=TokenForm())


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form=form, status=400)
    user: Any = request.user
    _token, plaintext = token_issue(user=user, name=form.cleaned_data["name"], acting_user=user)
    return _account_page(request, form=TokenForm(), new_token=plaintext)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access_api_token(request.user, token_id, for_change=True)
    token_revoke(token=token, acting_user=request.user)
    messages.success(request, f"Das Token „{token.name or token.hint}“ wurde widerrufen.")
    return redirect("accounts:account")
