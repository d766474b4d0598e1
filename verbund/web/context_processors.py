"""Template context every page needs: the data attribution and what the navigation may show.

The navigation asks the request's principal (:func:`verbund.common.principal.principal_of`, built
once per request): "Protokoll" for whoever may read some audit history (operators, coordinators,
heads), "Benutzer" for heads and operators once the accounts part offers its user pages
(``accounts:users``). Everything is lazy, so fragments and panels that never draw the navigation pay
no query for it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from verbund.audit.selectors import may_read_audit
from verbund.common.principal import principal_of
from verbund.common.roles import Role
from verbund.emergency.policies import EVENT_MEMBER, STAFF_MEMBER
from verbund.registry.selectors import registry_attribution

#: URL name of the user and role management of the accounts part.
USERS_URL_NAME = "accounts:users"


def _users_url() -> str | None:
    try:
        return reverse(USERS_URL_NAME)
    except NoReverseMatch:
        return None


def _nav(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    users_url = _users_url()
    manages_users = principal.is_operator or bool(principal.body_ids(Role.VERWALTUNGSLEITUNG))
    return {
        "audit": may_read_audit(principal),
        "users_url": users_url if users_url and manages_users else "",
        "queue": principal.is_operator,  # the task queue (verbund/web/queue.py)
        # the crisis staff (verbund/emergency): whoever holds a function in a staff or for an event
        "emergency": bool(principal.granted(STAFF_MEMBER) or principal.granted(EVENT_MEMBER)),
    }


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        # Lazy: only base.html's footer reads it; fragments and the panels rendered with
        # ``request=`` run this processor too and should not each pay a query for it.
        "registry_attribution": SimpleLazyObject(registry_attribution),
        "nav_allowed": SimpleLazyObject(lambda: _nav(request)),
    }
