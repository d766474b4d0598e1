"""What the pages of this part share: the year from the query, member choices, redirects back."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, Membership
from verbund.common.errors import NotFound
from verbund.registry.models import Body

from ..models import SharedService
from ..selectors import recipients_history

NAV = "shared_services"


def this_year() -> int:
    return timezone.localdate().year


def year_param(request: HttpRequest, default: int) -> int:
    try:
        year = int(request.GET.get("jahr", default))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def choices(bodies: list[Body]) -> list[tuple[str, str]]:
    return [(b.ars, b.name) for b in bodies]


def recipient_bodies(service: SharedService) -> list[Body]:
    seen: dict[int, Body] = {}
    for recipient in recipients_history(service):
        seen.setdefault(recipient.body_id, recipient.body)
    return sorted(seen.values(), key=lambda b: b.name)


def body_of(ars: str) -> Body:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise NotFound(_("Keine solche Körperschaft."))
    return body


def member_choices(alliance: Alliance) -> list[tuple[str, str]]:
    members = (
        Membership.objects.current().filter(alliance=alliance).select_related("body").order_by("body__name")
    )
    return [(m.body.ars, m.body.name) for m in members]


def back(service: SharedService, anchor: str = "", query: str = "") -> HttpResponse:
    return redirect(
        service.get_absolute_url() + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")
    )


def form_problems(form: forms.BaseForm) -> str:
    """The errors of a form posted from another page, as one German message."""
    parts = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name in form.fields:
            parts.append(f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}")
    return _("Bitte die Angaben prüfen: %(problems)s") % {"problems": "; ".join(parts)}
