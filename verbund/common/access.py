"""One way to reach a single tenant object: :func:`access_object`.

Lists go through ``Model.objects.visible_to(principal)``; one object through ``access_object``:

* the object is looked up **inside** ``queryset.visible_to(principal)``; missing and invisible both
  raise :class:`~verbund.common.errors.NotFound` (404) with the same message, so nobody can probe
  another tenant's ids;
* with ``need`` (a policy predicate ``need(principal, obj) -> bool``), an object that is visible but
  not allowed raises :class:`~verbund.common.errors.Forbidden` (403) with ``refusal``.

Example (alliances)::

    alliance = access_object(Alliance.objects, principal, slug=slug,
                             need=policies.may_change_alliance,
                             refusal="Nur die Verbundkoordination kann diesen Verbund ändern.")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from .errors import Forbidden, NotFound
from .principal import Principal

M = TypeVar("M", bound=models.Model)


def access_object(
    queryset: Any,
    principal: Principal,
    *,
    need: Callable[[Principal, Any], bool] | None = None,
    refusal: str = "",
    not_found: str = "",
    **lookup: Any,
) -> Any:
    """The object matching ``lookup`` among those ``principal`` may see; see the module doc."""
    visible = (
        queryset.visible_to(principal)
        if hasattr(queryset, "visible_to")
        else queryset.all().visible_to(principal)
    )
    try:
        obj = visible.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(not_found) from exc
    if need is not None and not need(principal, obj):
        raise Forbidden(refusal or Forbidden.default_detail())
    return obj


def require(allowed: bool, refusal: str = "", *, code: str | None = None) -> None:
    """Raise :class:`Forbidden` with ``refusal`` unless ``allowed`` (services' one-line checks)."""
    if not allowed:
        raise Forbidden(refusal or Forbidden.default_detail(), code=code)


def authorize(
    actor: Any,
    allowed: Callable[[Principal], bool] | None = None,
    refusal: str = "",
    *,
    code: str | None = None,
) -> Principal:
    """The fresh principal of ``actor`` for a service, after ``allowed(principal)`` said yes.

    Every service starts with this: a string, ``None`` or an anonymous user raises ``TypeError`` (a
    caller that forgot who acts is a bug), the principal is read anew (roles changed a moment ago
    count), and a ``False`` from the policy raises :class:`Forbidden` with ``refusal``.
    """
    from .actors import check_actor
    from .principal import principal_for

    check_actor(actor)
    principal = principal_for(actor)
    if allowed is not None:
        require(allowed(principal), refusal, code=code)
    return principal
