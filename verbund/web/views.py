"""The start page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from verbund.common.principal import principal_of

from .dashboard import dashboard_for
from .start import home_context


def home(request: HttpRequest) -> HttpResponse:
    # Map, funding at a glance, the programme's figures and the registry counts (verbund.web.start).
    return render(request, "web/home.html", home_context(request))


@login_required
def start(request: HttpRequest) -> HttpResponse:
    # The personal start page after login: a group of sections per role (verbund.web.dashboard).
    return render(request, "web/dashboard/start.html", {"dashboard": dashboard_for(principal_of(request))})
