"""Authentication of API requests: a Bearer token, else the browser session, else anonymous.

Endpoints decide what an anonymous user may see; a wrong token is always a 401, never a silent
fall-back to anonymous, so that a client notices a revoked token.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from .models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def user_for_token(token: str) -> Any | None:
    """The active user owning ``token``, or ``None``. Marks the token as used (once a minute)."""
    api_token = ApiToken.objects.active().select_related("user").filter(digest=ApiToken.hash(token)).first()
    if api_token is None or not api_token.user.is_active:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user


class TokenOrSessionAuth(HttpBearer):
    """django-ninja auth callable; documents itself as HTTP Bearer in the OpenAPI schema."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_token(token)

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise AuthenticationError()
            request.user = user
            return user
        user = getattr(request, "user", None) or AnonymousUser()
        # Cookie-authenticated writes must carry the CSRF token like a form post.
        if user.is_authenticated and request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise AuthenticationError()
        return user
