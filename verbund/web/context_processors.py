"""Template context every page needs: the data attribution and what the navigation may show."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from verbund.accounts.access import can_view_audit
from verbund.registry.selectors import registry_attribution


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        # Lazy: only base.html's footer reads it; fragments and the panels rendered with
        # ``request=`` run this processor too and should not each pay a query for it.
        "registry_attribution": SimpleLazyObject(registry_attribution),
        "perms_view_audit": bool(user is not None and can_view_audit(user)),
    }
