"""Optional single sign-on through OpenID Connect (e.g. Keycloak), built on mozilla-django-oidc.

Switched on by ``OIDC_ENABLED`` (settings read at request time, so the routes always exist and answer
404 while SSO is off). mozilla-django-oidc needs no entry in ``INSTALLED_APPS``: it has no models,
templates or commands; we use its backend and views only.

Accounts are matched by the ``preferred_username`` claim (Keycloak's user name, unique per realm)
and created on first login through :func:`~verbund.accounts.services.user_create`, so the audit log
records them. SSO grants **no roles**: an operator or the head of a body assigns them as for any
account. An installation that turns SSO on trusts its identity provider for the user names it
issues: a local account with the same name is the same person.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from verbund.common.actors import SystemActor

from .language import cookie_after_login
from .models import User
from .policies import MANAGE
from .services import user_create, user_update

#: The callback route lives in the ``accounts`` namespace, not at the library's un-namespaced name.
CALLBACK_URL_NAME = "accounts:oidc_callback"
#: Who creates and updates accounts from the identity provider's claims (the audit log shows it).
SYSTEM_ACTOR = SystemActor(name="Single Sign-On (OIDC)", capabilities=frozenset({MANAGE}))


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings lookup, with our namespaced callback route as default."""
    if attr == "OIDC_AUTHENTICATION_CALLBACK_URL":
        return getattr(settings, attr, CALLBACK_URL_NAME)
    return import_from_settings(attr, *default)


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


class VerbundOIDCBackend(OIDCAuthenticationBackend):
    """Turns the identity provider's claims into a Verbund account (no roles granted)."""

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(_claim(claims, "preferred_username"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        username = _claim(claims, "preferred_username")
        if not username:
            return User.objects.none()
        return User.objects.filter(username=username)

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return f"preferred_username {_claim(claims, 'preferred_username')}"

    def create_user(self, claims: dict[str, Any]) -> User:
        try:
            return user_create(
                username=_claim(claims, "preferred_username"),
                email=_claim(claims, "email"),
                first_name=_claim(claims, "given_name"),
                last_name=_claim(claims, "family_name"),
                actor=SYSTEM_ACTOR,
            )
        except ValidationError as exc:
            # The library turns SuspiciousOperation into a failed login (and logs it).
            raise SuspiciousOperation(f"OIDC claims do not make a valid account: {exc.messages}") from exc

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """Take over name and e-mail from the identity provider when they changed there."""
        try:
            return user_update(
                user=user,
                email=_claim(claims, "email"),
                first_name=_claim(claims, "given_name"),
                last_name=_claim(claims, "family_name"),
                actor=SYSTEM_ACTOR,
            )
        except ValidationError as exc:
            raise SuspiciousOperation(f"OIDC claims do not make a valid account: {exc.messages}") from exc


def _require_enabled() -> None:
    if not getattr(settings, "OIDC_ENABLED", False):
        raise Http404(_("Single Sign-On ist nicht eingerichtet."))


class _RequestView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)


class _CallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    @property
    def failure_url(self) -> str:
        return reverse("accounts:login")

    def login_failure(self) -> Any:
        messages.error(self.request, _("Die Anmeldung über Single Sign-On ist fehlgeschlagen."))
        return super().login_failure()

    def login_success(self) -> Any:
        return cookie_after_login(self.request, super().login_success())


def oidc_authenticate(request: HttpRequest) -> HttpResponse:
    """Start the login at the identity provider (404 while SSO is off)."""
    _require_enabled()
    return _RequestView.as_view()(request)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The identity provider sends the browser back here (404 while SSO is off)."""
    _require_enabled()
    return _CallbackView.as_view()(request)
