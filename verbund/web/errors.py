"""The error pages (``handler400/403/404/500`` in ``config/urls.py``), German first, in the site's layout.

400, 403 and 404 render ``400.html``/``403.html``/``404.html`` (they extend ``base.html``: header,
navigation, footer, the language switch) with the request's context processors. A 500 may come from
a broken database or a failing context processor, so ``500.html`` is a page of its own that needs
neither: plain context, no queries, no user — only the layout, the navigation links and the texts.
The ``RefusalMiddleware`` of :mod:`verbund.ui.views` turns refusals into the same 404/403 pages.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name="400.html")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name="403.html")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name="404.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the 403 page (German, in the layout), not Django's English one."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext

    message = gettext(
        "Das Formular ist abgelaufen oder wurde nicht von dieser Seite gesendet. Bitte laden Sie die "
        "Seite neu und senden Sie es noch einmal."
    )
    return defaults.permission_denied(request, PermissionDenied(message), template_name="403.html")


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """``500.html`` without context processors and database; Django's plain text if even that fails."""
    try:
        template = loader.get_template("500.html")
        return HttpResponseServerError(template.render({"request_path": request.path}))
    except Exception:  # pragma: no cover - a broken template must not hide the original error
        logger.exception("500.html could not be rendered")
        return defaults.server_error(request, template_name="500-does-not-exist.html")
