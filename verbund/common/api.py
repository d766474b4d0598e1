"""The API's common ground: one error shape, the principal of a request, one pagination.

* Errors: every refusal (:mod:`verbund.common.errors`), Django's ``ValidationError``/
  ``PermissionDenied``/``Http404``, ninja's validation and authentication errors answer
  ``{"detail": "...", "code": "..."}``; so do unknown ``/api/v1/…`` paths and wrong methods
  (:class:`ApiErrorShapeMiddleware`).
* :func:`api_principal` / :func:`api_person`: the endpoint's principal (``request.auth`` is set by
  the token-or-session authentication); ``api_person`` answers 401 for anonymous callers.
* :class:`Page` and :func:`paginate`: lists are ``{"items": [...], "count": N}`` with ``limit`` and
  ``offset``, in two queries (count and page).
* Bounds: ``offset`` is at most :data:`MAX_OFFSET`, ids in paths and bodies (:data:`ObjectId`,
  :data:`DbId`) at most :data:`MAX_ID` (a database's 64-bit integer), so that a number too large for
  the database is a 422 naming the parameter, never a 500. Validation messages are German.
* :class:`VerbundAPI`: the schema documents every error an operation can answer with the one shape
  :class:`ErrorOut` (401 for every operation — a wrong token is always refused —, 400 and 422 where
  there is a body, 422 for parameters, 404 for path parameters; the routes add 403/409), and
  :attr:`VerbundOpenAPISchema.collisions` lists two different schemas given one component name.
* :func:`choices_enum`: an API enum with its own component name for a model's choices (two parts'
  ``Status`` would otherwise be one component).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Choices
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.params import P, PathEx
from pydantic import Field

from .errors import Invalid, Refusal, as_refusal
from .german import format_number
from .principal import Principal, principal_of

T = TypeVar("T")

#: The largest id a database's 64-bit integer column holds (PostgreSQL ``bigint``, SQLite INTEGER).
MAX_ID = 2**63 - 1
#: The largest ``offset`` of a list: far beyond any list, and ``offset + limit`` still fits ``MAX_ID``.
MAX_OFFSET = 1_000_000_000

#: An object's id in a path: 1 … :data:`MAX_ID` (anything else is a 422, not a database error).
ObjectId = PathEx[int, P(ge=1, le=MAX_ID, description="Kennung (ganze Zahl ab 1)")]
#: A budget or settlement year in a path.
BudgetYear = PathEx[int, P(ge=2000, le=2100, description="Jahr (2000 bis 2100)")]
#: An object's id in a body.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    """Every error of the API: a German ``detail`` and a stable, machine-readable ``code``."""

    detail: str = Field(description="Was nicht ging und warum (deutsch)")
    code: str = Field(description="Stabiler Fehlercode, z. B. not_found, forbidden, invalid, conflict")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=500, description="Einträge je Seite (höchstens 500)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Einträge überspringen (höchstens 1.000.000.000)")


def paginate(
    items: Any, params: PageParams, *, convert: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """``{"items", "count"}`` of one page of a QuerySet (count + slice) or a list."""
    count = len(items) if isinstance(items, Sequence) else items.count()
    rows: Iterable[Any] = items[params.offset : params.offset + params.limit]
    return {"items": [convert(r) for r in rows] if convert else list(rows), "count": count}


def named_refusal(exc: Invalid) -> Invalid:
    """The refusal with each message prefixed by the field or parameter it concerns (``ars: …``), as
    the validation errors of the API read; messages about no field stay as they are."""
    if not exc.fields:
        return exc
    detail = "; ".join(
        f"{name}: {message}" if name not in ("", "__all__") else message
        for name, messages in exc.fields.items()
        for message in messages
    )
    return Invalid(detail, code=exc.code, fields=exc.fields)


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


def _number(value: Any) -> str:
    return format_number(value, None) if isinstance(value, int | float) else str(value)


def _german_message(error: dict[str, Any]) -> str:
    """Pydantic's English message of one error in German (the common kinds; else a generic text)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    limits = {
        "less_than_equal": (gettext_noop("höchstens %(limit)s erlaubt"), "le"),
        "less_than": (gettext_noop("muss kleiner als %(limit)s sein"), "lt"),
        "greater_than_equal": (gettext_noop("mindestens %(limit)s erforderlich"), "ge"),
        "greater_than": (gettext_noop("muss größer als %(limit)s sein"), "gt"),
        "string_too_long": (gettext_noop("höchstens %(limit)s Zeichen erlaubt"), "max_length"),
        "string_too_short": (gettext_noop("mindestens %(limit)s Zeichen erforderlich"), "min_length"),
        "too_long": (gettext_noop("höchstens %(limit)s Einträge erlaubt"), "max_length"),
        "too_short": (gettext_noop("mindestens %(limit)s Einträge erforderlich"), "min_length"),
        "decimal_max_digits": (gettext_noop("höchstens %(limit)s Ziffern erlaubt"), "max_digits"),
        "decimal_max_places": (
            gettext_noop("höchstens %(limit)s Nachkommastellen erlaubt"),
            "decimal_places",
        ),
    }
    if kind in limits and limits[kind][1] in ctx:
        text, key = limits[kind]
        return _(text) % {"limit": _number(ctx[key])}
    fixed = {
        "missing": gettext_noop("fehlt"),
        "int_parsing": gettext_noop("ist keine ganze Zahl"),
        "int_type": gettext_noop("ist keine ganze Zahl"),
        "int_from_float": gettext_noop("ist keine ganze Zahl"),
        "float_parsing": gettext_noop("ist keine Zahl"),
        "float_type": gettext_noop("ist keine Zahl"),
        "finite_number": gettext_noop("muss eine endliche Zahl sein"),
        "decimal_parsing": gettext_noop("ist keine Zahl"),
        "decimal_type": gettext_noop("ist keine Zahl"),
        "bool_parsing": gettext_noop("ist kein Wahrheitswert (true oder false)"),
        "bool_type": gettext_noop("ist kein Wahrheitswert (true oder false)"),
        "string_type": gettext_noop("muss ein Text sein"),
        "string_pattern_mismatch": gettext_noop("hat nicht das erwartete Format"),
        "date_parsing": gettext_noop("ist kein Datum (JJJJ-MM-TT)"),
        "date_from_datetime_parsing": gettext_noop("ist kein Datum (JJJJ-MM-TT)"),
        "date_type": gettext_noop("ist kein Datum (JJJJ-MM-TT)"),
        "datetime_parsing": gettext_noop("ist kein Zeitpunkt (ISO 8601)"),
        "datetime_type": gettext_noop("ist kein Zeitpunkt (ISO 8601)"),
        "list_type": gettext_noop("muss eine Liste sein"),
        "dict_type": gettext_noop("muss ein Objekt sein"),
        "model_type": gettext_noop("muss ein Objekt sein"),
        "model_attributes_type": gettext_noop("muss ein Objekt sein"),
        "json_invalid": gettext_noop("ist kein gültiges JSON"),
        "extra_forbidden": gettext_noop("ist nicht vorgesehen"),
        "literal_error": gettext_noop("ist keiner der erlaubten Werte"),
        "enum": gettext_noop("ist keiner der erlaubten Werte"),
        "value_error": gettext_noop("ist ungültig"),
    }
    if kind in ("enum", "literal_error") and ctx.get("expected"):
        return _("ist keiner der erlaubten Werte (%(expected)s)") % {"expected": ctx["expected"]}
    return _(fixed.get(kind, gettext_noop("ist ungültig")))


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path", "payload"))
        message = _german_message(error)
        whole = _("Inhalt der Anfrage: %(message)s") % {"message": message}
        parts.append(f"{loc}: {message}" if loc else whole)
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
        if exc.status_code == 400:
            # ninja's "Cannot parse request body": a body that is not JSON (or not the form it expects)
            return _error(
                api, request, 400, _("Der Inhalt der Anfrage ist kein gültiges JSON."), "bad_request"
            )
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
    400: (gettext_noop("Die Anfrage ist fehlerhaft."), "bad_request"),
    403: (gettext_noop("Die Anfrage wurde abgewiesen."), "forbidden"),
    404: (gettext_noop("Diesen Endpunkt gibt es nicht."), "not_found"),
    405: (gettext_noop("Diese Methode ist für diesen Endpunkt nicht erlaubt."), "method_not_allowed"),
    413: (gettext_noop("Die Anfrage ist zu groß."), "too_large"),
    500: (gettext_noop("Interner Fehler; er wurde protokolliert."), "server_error"),
}


def _has_nul(request: HttpRequest) -> bool:
    """A NUL character in the path, the query or a JSON body (files may contain any byte)."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in str(request.GET):
        return True
    if request.content_type == "application/json" and request.method not in ("GET", "HEAD"):
        try:
            body = request.body
        except Exception:  # too large or unreadable: the endpoint answers that in its own way
            return False
        return b"\x00" in body or b"\\u0000" in body
    return False


class ApiErrorShapeMiddleware:
    """Under ``/api/``: an error that is not JSON yet (an unknown path, a wrong method, a request
    Django refused before the API saw it, a server error) gets the API's error shape, so a client
    never has to parse an HTML page. A NUL character in a path, query or JSON body is a 422 before
    any endpoint runs (PostgreSQL cannot store it in text: it was a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and _has_nul(request):
            # PostgreSQL stores no NUL character in text; refused here for every field at once.
            detail = _("Die Anfrage enthält ein Nullzeichen (U+0000); das ist in keinem Feld erlaubt.")
            return JsonResponse({"detail": detail, "code": "invalid"}, status=422)
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


# --- the OpenAPI schema ---------------------------------------------------------------------------

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

#: German descriptions of the error statuses in the schema.
ERROR_DESCRIPTIONS = {
    400: "Der Inhalt der Anfrage ist kein gültiges JSON (oder nicht lesbar).",
    401: "Anmeldung erforderlich, oder das Token ist ungültig.",
    403: "Sichtbar, aber diese Aktion ist nicht erlaubt.",
    404: "Nicht vorhanden oder nicht sichtbar (beides sieht gleich aus).",
    409: "Der aktuelle Stand erlaubt die Aktion nicht.",
    422: "Ungültige Eingabe; `detail` nennt das Feld und den Grund.",
}


class VerbundOpenAPISchema(OpenAPISchema):
    """ninja's schema, with every error status an operation can answer documented as :class:`ErrorOut`,
    and :attr:`collisions`: component names that two different schemas were given (ninja keeps the
    last one silently, so the schema would be wrong for the other routes)."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        self.collisions: dict[str, list[dict[str, Any]]] = {}
        super().__init__(api, path_prefix)

    def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                variants = self.collisions.setdefault(name, [known])
                if definition not in variants:
                    variants.append(definition)
        super().add_schema_definitions(definitions)

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        responses: dict[Any, Any] = details["responses"]
        statuses = {401}
        parameters = details.get("parameters") or []
        if "requestBody" in details:
            statuses |= {400, 422}
        if parameters:
            statuses.add(422)
        if any(p.get("in") == "path" for p in parameters):
            statuses.add(404)
        for status in sorted(
            statuses | {s for s in responses if isinstance(s, int) and s in ERROR_DESCRIPTIONS}
        ):
            responses[status] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ERROR_REF}},
            }
        self.schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        return details


class VerbundAPI(NinjaAPI):
    """The API instance's class (``config/api.py``): the schema is a :class:`VerbundOpenAPISchema`."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> VerbundOpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return VerbundOpenAPISchema(self, path_prefix)


def choices_enum(name: str, choices: type[Choices], description: str) -> type[enum.StrEnum]:
    """An enum of ``choices``' values named ``name`` in the schema (its own component), for the API.

    A field typed with it takes the model's values and members (``Status.IDEE`` or ``"idee"``) and
    gives ``str(member)`` = the value to the services."""
    api_enum = enum.StrEnum(name, [(member.name, str(member.value)) for member in choices])  # type: ignore[misc]
    api_enum.__doc__ = description
    api_enum.__module__ = choices.__module__
    return api_enum


__all__ = [
    "MAX_ID",
    "MAX_OFFSET",
    "BudgetYear",
    "DbId",
    "ErrorOut",
    "ObjectId",
    "Page",
    "PageParams",
    "Query",
    "VerbundAPI",
    "VerbundOpenAPISchema",
    "api_person",
    "api_principal",
    "api_user",
    "choices_enum",
    "install_error_handlers",
    "paginate",
]
