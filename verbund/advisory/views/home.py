"""``/beratung/``: the entry to the advisory part — cases and the work queue for the office, good
practice, model agreements, workshops, and the programme's figures for the ministry and the ADD."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from verbund.common.principal import principal_of

from ..policies import is_office, reads_programme


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    context = {
        "nav": "advisory",
        "is_office": is_office(principal),
        "reads_programme": reads_programme(principal),
    }
    return render(request, "advisory/home.html", context)


urlpatterns: list[URLPattern] = [path("", home, name="home")]
