"""HTML pages of the registry."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Body


def body_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/body_list.html", {"bodies": Body.objects.none(), "nav": "registry"})


def body_detail(request: HttpRequest, ars: str) -> HttpResponse:
    body = get_object_or_404(Body.objects.visible_to(request.user), ars=ars)
    return render(request, "registry/body_detail.html", {"body": body, "nav": "registry"})
