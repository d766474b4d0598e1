"""``/api/v1/me``: who the API thinks you are (a quick check that a token works)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import AuthenticationError

from verbund.common.api import ErrorOut

from .access import is_operator
from .models import RoleAssignment

router = Router()


class RoleOut(Schema):
    role: str
    label: str
    body_ars: str | None
    body_name: str | None


class MeOut(Schema):
    username: str
    name: str
    is_operator: bool
    roles: list[RoleOut]


@router.get(
    "",
    response={200: MeOut, 401: ErrorOut},
    summary="Eigenes Konto und Rollen",
    description="Das angemeldete Konto (Token oder Sitzung) mit seinen Rollen; ohne Anmeldung 401.",
)
def me(request: HttpRequest) -> MeOut:
    """The authenticated user with their roles; anonymous callers get 401."""
    user: Any = request.user  # set by TokenOrSessionAuth for Bearer tokens too
    if not user.is_authenticated:
        raise AuthenticationError()
    assignments = (
        RoleAssignment.objects.filter(user_id=user.pk).select_related("body").order_by("role", "body__ars")
    )
    return MeOut(
        username=user.get_username(),
        name=user.get_full_name(),
        is_operator=is_operator(user),
        roles=[
            RoleOut(
                role=a.role,
                label=a.get_role_display(),
                body_ars=a.body.ars if a.body is not None else None,
                body_name=a.body.name if a.body is not None else None,
            )
            for a in assignments
        ],
    )
