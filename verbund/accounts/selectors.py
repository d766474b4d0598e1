"""Reads of the accounts part for pages and the API: single accounts and roles through the principal,
a body chosen by name or ARS, and the one-time set-password link.

* :func:`access_user`, :func:`access_assignment`: 404 when missing or invisible, 403 when visible
  but the action is not allowed (:func:`verbund.common.access.access_object`).
* :func:`find_body`: the body a person means by a 12-digit ARS, by ``"Name (ARS)"`` (what the
  suggestion list offers) or by its exact name; a German refusal when it is unknown or ambiguous.
* :func:`set_password_path`: the link with which an invited person sets their first password
  (Django's ``default_token_generator``: it stops working once the password is set).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.tokens import default_token_generator
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from verbund.common.access import access_object
from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from . import policies
from .models import RoleAssignment, User, UserQuerySet

if TYPE_CHECKING:
    from verbund.registry.models import Body

_ARS = re.compile(r"\d{12}")
_NAME_WITH_ARS = re.compile(r"\((\d[\d ]*)\)\s*$")
#: How many candidates an ambiguous name lists.
_LISTED = 5


def _with_visible_roles(users: UserQuerySet, principal: Principal) -> UserQuerySet:
    """``users``, each with ``visible_roles``: the roles of the account that ``principal`` sees."""
    return users.prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.visible_to(principal)
            .select_related("body")
            .order_by("role", "body__name"),
            to_attr="visible_roles",
        )
    )


def users_for(principal: Principal, q: str = "") -> UserQuerySet:
    """The accounts ``principal`` sees (searched by ``q``), each with the roles ``principal`` sees."""
    return _with_visible_roles(User.objects.visible_to(principal).search(q), principal).order_by("username")


def access_user(
    principal: Principal,
    username: str,
    *,
    need: Callable[[Principal, Any], bool] | None = None,
    refusal: str = "",
) -> User:
    """The account ``username`` if ``principal`` sees it (404 otherwise; 403 when ``need`` fails)."""
    user: User = access_object(
        _with_visible_roles(User.objects.all(), principal),
        principal,
        need=need,
        refusal=refusal,
        username=username,
    )
    return user


def access_assignment(
    principal: Principal, *, username: str, role: str, ars: str | None, for_change: bool = False
) -> RoleAssignment:
    """The role ``role`` of ``username`` (in the body ``ars``, or platform-wide when ``None``)."""
    lookup: dict[str, Any] = {"user__username": username, "role": role}
    if ars:
        lookup["body__ars"] = ars
    else:
        lookup["body__isnull"] = True
    assignment: RoleAssignment = access_object(
        RoleAssignment.objects.select_related("user", "body"),
        principal,
        need=policies.may_revoke_assignment if for_change else None,
        refusal=_("Diese Rolle vergibt und entzieht nur der Plattformbetrieb."),
        **lookup,
    )
    return assignment


def access_assignment_by_id(
    principal: Principal, assignment_id: int, *, for_change: bool = False
) -> RoleAssignment:
    """A role assignment by its id (the API's handle); see :func:`access_assignment`."""
    assignment: RoleAssignment = access_object(
        RoleAssignment.objects.select_related("user", "body"),
        principal,
        need=policies.may_revoke_assignment if for_change else None,
        refusal=_("Diese Rolle vergibt und entzieht nur der Plattformbetrieb."),
        pk=assignment_id,
    )
    return assignment


# --- choosing a body ------------------------------------------------------------------------------


def body_suggestions(q: str, *, limit: int = 20) -> list[Body]:
    """Current bodies whose name contains ``q`` or whose key starts with it (for a suggestion list)."""
    from verbund.registry.models import Body

    q = q.strip()
    if len(q) < 2:
        return []
    return list(Body.objects.current().search(q).order_by("name", "ars")[:limit])


def body_label(body: Body) -> str:
    """How a suggestion list shows a body; :func:`find_body` reads it back."""
    return f"{body.name} ({body.ars})"


def find_body(text: str, *, field: str = "body") -> Body:
    """The current body ``text`` names: a 12-digit ARS, ``"Name (ARS)"``, or an exact, unique name.

    Raises :class:`~verbund.common.errors.Invalid` at ``field`` with a German message when the text
    names no body or several.
    """
    from verbund.registry.models import Body

    value = " ".join((text or "").split())
    if not value:
        raise Invalid(
            fields={
                field: [
                    _(
                        "Bitte eine Körperschaft angeben: ihren Namen oder ihren "
                        "12-stelligen Regionalschlüssel."
                    )
                ]
            }
        )
    with_ars = _NAME_WITH_ARS.search(value)
    digits = (with_ars.group(1) if with_ars else value).replace(" ", "")
    if digits.isdigit():
        if not _ARS.fullmatch(digits):
            raise Invalid(
                fields={
                    field: [
                        _("Ein Regionalschlüssel (ARS) hat 12 Ziffern, „%(digits)s“ hat %(count)s.")
                        % {"digits": digits, "count": len(digits)}
                    ]
                }
            )
        body = Body.objects.filter(ars=digits).first()
        if body is None:
            raise Invalid(
                fields={
                    field: [
                        _("Es gibt keine Körperschaft mit dem Regionalschlüssel %(ars)s.") % {"ars": digits}
                    ]
                }
            )
        if not body.is_current:
            raise Invalid(
                fields={field: [_("Die Körperschaft %(body)s ist aufgelöst.") % {"body": body_label(body)}]}
            )
        return body
    current = Body.objects.current()
    matches = list(current.filter(name__iexact=value).order_by("ars")[: _LISTED + 1])
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(body_label(b) for b in matches[:_LISTED]) + (
            ", …" if len(matches) > _LISTED else ""
        )
        raise Invalid(
            fields={
                field: [
                    _(
                        "Den Namen „%(name)s“ tragen mehrere Körperschaften: %(listed)s. "
                        "Bitte den 12-stelligen Regionalschlüssel angeben."
                    )
                    % {"name": value, "listed": listed}
                ]
            },
            code="ambiguous",
        )
    similar = list(current.filter(name__icontains=value).order_by("name", "ars")[:_LISTED])
    message = _("Es gibt keine Körperschaft mit dem Namen „%(name)s“.") % {"name": value}
    if similar:
        names = ", ".join(body_label(b) for b in similar)
        message += " " + _("Meinten Sie: %(names)s?") % {"names": names}
    raise Invalid(
        fields={field: [message]},
        code="unknown_body",
    )


# --- the set-password link ------------------------------------------------------------------------


def set_password_path(user: User) -> str:
    """The path of the one-time link with which ``user`` sets a password (valid until it is used or
    ``PASSWORD_RESET_TIMEOUT`` passes)."""
    return reverse(
        "accounts:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
