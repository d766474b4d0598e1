"""Sections this part adds to a body's page and an alliance's page (for those who may see them)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string

from verbund.alliances.models import Alliance
from verbund.common.principal import principal_of
from verbund.registry.models import Body

from ..models import SharedService


def body_services_panel(request: HttpRequest, body: Body) -> str:
    """Services the body provides or receives that the visitor may see (nothing for the public)."""
    principal = principal_of(request)
    if not principal.is_authenticated:
        return ""
    rows = list(
        SharedService.objects.visible_to(principal)
        .filter(Q(provider=body) | Q(recipients__body=body, recipients__until_date__isnull=True))
        .select_related("alliance", "task", "provider")
        .distinct()
        .order_by("name")
    )
    if not rows:
        return ""
    return render_to_string(
        "shared_services/_body_panel.html", {"body": body, "services": rows}, request=request
    )


def alliance_services_panel(request: HttpRequest, alliance: Alliance) -> str:
    """The alliance page's section on its shared services, for those who may see them."""
    principal = principal_of(request)
    if not principal.is_authenticated:
        return ""
    rows = list(
        SharedService.objects.visible_to(principal)
        .filter(alliance=alliance)
        .select_related("task", "provider")
        .order_by("name")
    )
    if not rows:
        return ""
    return render_to_string(
        "shared_services/_alliance_panel.html", {"alliance": alliance, "services": rows}, request=request
    )
