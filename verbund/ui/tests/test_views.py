"""The refusal contract for HTML views: the middleware and the decorators."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.ui.views import RefusalMiddleware, refusals_as_messages


def _request(method: str = "get", referer: str = "") -> HttpRequest:
    request = getattr(RequestFactory(), method)("/verbuende/x/", HTTP_REFERER=referer)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _middleware() -> RefusalMiddleware:
    return RefusalMiddleware(lambda request: HttpResponse("ok"))


def test_not_found_and_forbidden_become_django_404_and_403() -> None:
    with pytest.raises(Http404):
        _middleware().process_exception(_request(), NotFound())
    with pytest.raises(PermissionDenied, match="Nur die Koordination"):
        _middleware().process_exception(_request(), Forbidden("Nur die Koordination."))


@pytest.mark.django_db
def test_other_refusals_become_a_message_on_post_and_a_page_on_get() -> None:
    request = _request("post", referer="http://testserver/verbuende/x/")
    response = _middleware().process_exception(request, Conflict("Schon beendet."))
    assert response is not None and response.status_code == 302
    assert response["Location"] == "http://testserver/verbuende/x/"
    assert [str(m) for m in get_messages(request)] == ["Schon beendet."]

    response = _middleware().process_exception(_request(), Invalid("Ungültiger Filter."))
    assert response is not None and response.status_code == 422
    assert "Ungültiger Filter." in response.content.decode()


def test_other_exceptions_and_api_paths_are_left_alone() -> None:
    assert _middleware().process_exception(_request(), ValueError("bug")) is None
    api = RequestFactory().get("/api/v1/alliances")
    assert _middleware().process_exception(api, Conflict("x")) is None


def test_decorator_turns_refusals_into_messages_and_keeps_404() -> None:
    @refusals_as_messages(fallback="/start/")
    def action(request: HttpRequest, fail: Exception | None) -> HttpResponse:
        if fail:
            raise fail
        return HttpResponse("done")

    request = _request("post")
    assert action(request, None).content == b"done"
    response = action(request, Conflict("Nicht jetzt."))
    assert response.status_code == 302 and response["Location"] == "/start/"
    assert [str(m) for m in get_messages(request)] == ["Nicht jetzt."]
    with pytest.raises(Http404):
        action(request, NotFound())
    with pytest.raises(ZeroDivisionError):
        action(request, ZeroDivisionError())
