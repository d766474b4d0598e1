"""The API's common ground: one error shape, the principal of a request, one pagination.

* Errors: every refusal (:mod:`verbund.common.errors`), Django's ``ValidationError``/
  ``PermissionDenied``/``Http404``, ninja's validation and authentication errors answer
  ``{"detail": "...", "code": "..."}``; so do unknown ``/api/v1/…`` paths and wrong methods
  (:class:`ApiErrorShapeMiddleware`).
* :func:`api_principal` / :func:`api_person`: the endpoint's principal (``request.auth`` is set by
  the token-or-session authentication); ``api_person`` answers 401 for anonymous callers.
* :class:`Page` and :func:`paginate`: lists are ``{"items": [...], "count": N}`` with ``limit`` and
  ``offset``, in two queries (count and page).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from .errors import Refusal, as_refusal
from .principal import Principal, principal_of

T = TypeVar("T")


class ErrorOut(Schema):
    detail: str
    code: str


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=500, description="Einträge je Seite (höchstens 500)")
    offset: int = Field(0, ge=0, description="Einträge überspringen")


def paginate(
    items: Any, params: PageParams, *, convert: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """``{"items", "count"}`` of one page of a QuerySet (count + slice) or a list."""
    count = len(items) if isinstance(items, Sequence) else items.count()
    rows: Iterable[Any] = items[params.offset : params.offset + params.limit]
    return {"items": [convert(r) for r in rows] if convert else list(rows), "count": count}


def api_principal(request: HttpRequest) -> Principal:
    """The principal of an API request (anonymous when nobody is signed in)."""
    return principal_of(request)


def api_person(request: HttpRequest) -> Principal:
    """The principal of a signed-in caller; 401 for anonymous ones."""
    principal = api_principal(request)
    if not principal.is_person:
        raise AuthenticationError()
    return principal


def api_user(request: HttpRequest) -> Any:
    """The signed-in user of an API request (for services, which take the acting user); else 401."""
    api_person(request)
    return request.user


def _error(api: NinjaAPI, request: HttpRequest, status: int, detail: str, code: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path"))
        message = error.get("msg") or _("ungültig")
        parts.append(f"{loc}: {message}" if loc else str(message))
    return "; ".join(parts) or _("Ungültige Eingabe.")


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every refusal to ``{"detail", "code"}``. Not found and not allowed across tenants are 404."""

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return _error(api, request, 422, _validation_detail(list(exc.errors)), "invalid")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, _("Anmeldung erforderlich oder Token ungültig."), "unauthenticated")

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, str(exc), "error")

    def _refusal(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        refusal = as_refusal(exc) if isinstance(exc, Exception) else None
        assert refusal is not None
        if refusal.status == 404:
            # One message for missing and invisible, whatever the service said.
            return _error(api, request, 404, _("Nicht gefunden."), "not_found")
        return _error(api, request, refusal.status, refusal.detail, refusal.code)

    from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
    from django.http import Http404

    for exc_class in (Refusal, ValidationError, PermissionDenied, Http404, ObjectDoesNotExist):
        api.add_exception_handler(exc_class, _refusal)


API_PREFIX = "/api/"

_STATUS_TEXT = {
    404: (gettext_noop("Diesen Endpunkt gibt es nicht."), "not_found"),
    405: (gettext_noop("Diese Methode ist für diesen Endpunkt nicht erlaubt."), "method_not_allowed"),
}


class ApiErrorShapeMiddleware:
    """Under ``/api/``: a 404 or 405 that is not JSON yet (an unknown path, a wrong method) gets the
    API's error shape, so a client never has to parse an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in _STATUS_TEXT:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                body = {}
            if isinstance(body, dict) and "detail" in body and "code" in body:
                return response
        detail, code = _STATUS_TEXT[response.status_code]
        detail = _(detail)
        shaped = JsonResponse({"detail": detail, "code": code}, status=response.status_code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


__all__ = [
    "ErrorOut",
    "Page",
    "PageParams",
    "Query",
    "api_person",
    "api_principal",
    "api_user",
    "install_error_handlers",
    "paginate",
]
