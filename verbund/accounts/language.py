"""The visitor's language: the switch in the header, remembered in a cookie and in the account.

* ``POST /sprache/setlang/`` (``{% url 'set_language' %}``, ``language=de|en``, ``next``): Django's
  ``set_language`` sets the cookie ``verbund_sprache`` and goes back to ``next``; for a signed-in
  person the choice is also stored in :attr:`User.language <verbund.accounts.models.User.language>`.
* At sign-in (:func:`apply_language_at_login`, a ``user_logged_in`` receiver) the account's language
  is applied: activated, and the login views set the cookie on their response
  (:func:`cookie_after_login`). An account without a language takes the one the
  person is using (cookie, else ``Accept-Language``), so that e-mails go out in it.
* Nothing chosen: ``LocaleMiddleware`` follows ``Accept-Language``, else German.

No form of the switch needs JavaScript; the choice is not audited (it is a preference, not a change
of data anybody else relies on).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def remember(user: Any, language: str) -> None:
    """Store ``language`` as the account's language (one UPDATE, only when it changes)."""
    from django.contrib.auth import get_user_model

    if language in LANGUAGE_CODES and getattr(user, "language", None) != language:
        user.language = language
        get_user_model().objects.filter(pk=user.pk).update(language=language)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie, redirect to a safe ``next``), remembered in the account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and language in LANGUAGE_CODES:
        remember(user, language)
    return response


def apply_language_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: the account's language becomes the session's (cookie set by the middleware)."""
    if request is None:
        return
    language = getattr(user, "language", "")
    if language not in LANGUAGE_CODES:
        # Never chosen: remember a language other than the default that the person is using now
        # (cookie or browser), so that their e-mails follow it; empty means German.
        current = translation.get_language_from_request(request)
        if current in LANGUAGE_CODES and current != settings.LANGUAGE_CODE:
            remember(user, current)
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request._verbund_language = language  # type: ignore[attr-defined]


def cookie_after_login(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the cookie of the language a sign-in applied (the login views call it on their response)."""
    language = getattr(request, "_verbund_language", None)
    if language:
        set_cookie(response, language)
    return response


def set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


#: ``config/urls.py``: ``path("sprache/", include("verbund.accounts.language"))``
urlpatterns = [path("setlang/", set_language, name="set_language")]
