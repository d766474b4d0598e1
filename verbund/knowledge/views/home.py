"""``/wissen/``: the entry to the knowledge part — who helps me, services and responsibility, council
documents, the staff assistant and the algorithm register."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from ..models import OParlObject, OParlSource, Service


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "knowledge",
        "services": Service.objects.filter(active=True).count(),
        "councils": OParlSource.objects.count(),
        "documents": OParlObject.objects.filter(deleted=False, type__in=("Paper", "File", "Meeting")).count(),
    }
    return render(request, "knowledge/home.html", context)


urlpatterns: list[URLPattern] = [path("", home, name="home")]
