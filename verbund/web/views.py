"""The start page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .start import home_context


def home(request: HttpRequest) -> HttpResponse:
    # Map, funding at a glance, the programme's figures and the registry counts (verbund.web.start).
    return render(request, "web/home.html", home_context(request))
