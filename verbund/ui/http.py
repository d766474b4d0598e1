"""Refusals as Django's own 404 and 403 pages, for views that decide access before any form.

:func:`refusals_as_http_errors` turns a :class:`~verbund.common.errors.NotFound` (missing or
invisible) into :class:`~django.http.Http404` and a :class:`~verbund.common.errors.Forbidden`
(visible, not allowed) into :class:`~django.core.exceptions.PermissionDenied`, so a page reached
through :func:`verbund.common.access.access_object` answers with the status the refusal contract
names. Other refusals pass through (forms use ``run_on_form``, buttons ``refusals_as_messages``).

Example::

    @login_required
    @refusals_as_http_errors
    def user_detail(request, username):
        user = access_object(User.objects, principal_of(request), username=username)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from verbund.common.errors import Forbidden, NotFound


def refusals_as_http_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator: ``NotFound`` → 404 page, ``Forbidden`` → 403 page (see the module doc)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from exc

    return wrapper
