"""The acting user of an HTML request, typed as the :data:`~verbund.common.actors.Actor` services take.

Views behind ``login_required`` pass ``actor=request_actor(request)`` to a service; an anonymous
request (a view that forgot ``login_required``) is refused with 403 rather than handed on.
"""

from __future__ import annotations

from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from verbund.common.actors import Actor


def request_actor(request: HttpRequest) -> Actor:
    """``request.user`` as an :data:`Actor` (403 for an anonymous request)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied(_("Bitte melden Sie sich an."))
    return cast(Actor, user)
