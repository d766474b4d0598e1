"""The refusal contract for HTML views, HTMX helpers and one pagination.

* :func:`refusals_as_messages`: a POST action view (a button: publish, finalize, revoke) whose
  service refuses shows the refusal as an error message and goes back; *not found* stays a 404
  (never reveal another tenant's object). Forms use :func:`verbund.ui.forms.run_on_form` instead,
  which puts the refusal at its field.
* :func:`is_htmx`: an HTMX request asking for a fragment (django-htmx's ``request.htmx``;
  a boosted navigation wants the whole page).
* :func:`paginate`: one page of a list, with ``?seite=N`` (German URLs) and a page size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from verbund.common.errors import NotFound, as_refusal

PAGE_PARAM = "seite"

View = Callable[..., HttpResponse]


def back_url(request: HttpRequest, fallback: str = "/") -> str:
    """Where to return after an action: ``next`` or the referring page of this site, else ``fallback``."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return fallback


def refusals_as_messages(view: View | None = None, *, fallback: str = "/") -> Any:
    """Decorator: a refusal of the service becomes an error message and a redirect back.

    Not-found stays a 404. Usable as ``@refusals_as_messages`` or ``@refusals_as_messages(fallback=…)``.
    """

    def decorate(func: View) -> View:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return func(request, *args, **kwargs)
            except Http404:
                raise
            except Exception as exc:
                refusal = as_refusal(exc)
                if refusal is None:
                    raise
                if isinstance(refusal, NotFound):
                    raise Http404(refusal.detail) from exc
                messages.error(request, refusal.detail)
                return redirect(back_url(request, fallback))

        return wrapper

    return decorate(view) if view is not None else decorate


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request for a fragment (not a boosted page navigation, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    if htmx is None:
        return False
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def paginate(request: HttpRequest, items: Any, *, per_page: int = 50) -> Page:
    """The page of ``items`` that ``?seite=N`` asks for (the last page for a number past it)."""
    return Paginator(items, per_page).get_page(request.GET.get(PAGE_PARAM))


class RefusalMiddleware:
    """The refusal contract for every HTML view, whatever it forgot to decorate.

    ``NotFound`` → the 404 page, ``Forbidden`` → the 403 page; any other refusal of a POST becomes an
    error message and a redirect back, of a GET a page with the refusal and its status (409, 422…).
    The API answers its own JSON (``verbund.common.api``) and is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import render

        from verbund.common.errors import Forbidden, Refusal

        if not isinstance(exception, Refusal) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail) from exception
        if request.method == "POST":
            messages.error(request, exception.detail)
            return redirect(back_url(request))
        return render(request, "ui/refusal.html", {"refusal": exception}, status=exception.status)
