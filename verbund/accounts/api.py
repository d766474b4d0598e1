"""The accounts API: ``/api/v1/me`` (who the API thinks you are) and managing users and roles.

Three routers, mounted by ``config/api.py``:

* :data:`router` at ``/me``: the signed-in account and its roles.
* :data:`users_router` at ``/users``: the accounts the caller sees (operators: all; heads: their
  bodies'), creating and inviting accounts, one account, assigning roles, locking and unlocking.
* :data:`roles_router` at ``/roles``: revoking a role by its id.

Same rules as the pages (:mod:`verbund.accounts.policies`): an account or role the caller may not
see is 404, one it sees but may not change 403; anonymous callers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate

from . import selectors
from .models import RoleAssignment, User
from .services import role_assign, role_revoke, user_create, user_deactivate, user_invite, user_reactivate

router = Router()
users_router = Router()
roles_router = Router()

_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- schemas --------------------------------------------------------------------------------------


class RoleOut(Schema):
    role: str
    label: str
    body_ars: str | None
    body_name: str | None

    @staticmethod
    def resolve_label(obj: RoleAssignment) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_body_ars(obj: RoleAssignment) -> str | None:
        return obj.body.ars if obj.body is not None else None

    @staticmethod
    def resolve_body_name(obj: RoleAssignment) -> str | None:
        return obj.body.name if obj.body is not None else None


@dataclass(frozen=True)
class Me:
    """What :class:`MeOut` reads: the account, whether it is an operator, its role rows."""

    username: str
    name: str
    is_operator: bool
    roles: list[RoleAssignment]


class MeOut(Schema):
    username: str
    name: str
    is_operator: bool
    roles: list[RoleOut]


class AssignmentOut(RoleOut):
    """A role of an account, with the id to revoke it by (``DELETE /api/v1/roles/{id}``)."""

    id: int
    username: str

    @staticmethod
    def resolve_username(obj: RoleAssignment) -> str:
        return obj.user.get_username()


class UserOut(Schema):
    username: str
    first_name: str
    last_name: str
    email: str
    is_active: bool
    has_password: bool = Field(description="Ob das Konto schon ein Passwort hat (eingeladene Konten: nein).")
    roles: list[AssignmentOut] = Field(description="Die Rollen des Kontos, die der Aufrufer sieht.")

    @staticmethod
    def resolve_has_password(obj: User) -> bool:
        return obj.has_usable_password()

    @staticmethod
    def resolve_roles(obj: User) -> list[RoleAssignment]:
        return list(getattr(obj, "visible_roles", []))


class UserIn(Schema):
    username: str = Field(max_length=150)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    body: str | None = Field(
        None,
        description=(
            "Körperschaft (12-stelliger ARS oder eindeutiger Name): lädt das Konto als Sachbearbeitung "
            "dieser Körperschaft ein (Verwaltungsleitung oder Plattformbetrieb). Ohne: ein Konto ohne "
            "Rolle (nur Plattformbetrieb)."
        ),
    )


@dataclass(frozen=True)
class Created:
    user: User
    set_password_url: str


class UserCreatedOut(Schema):
    user: UserOut
    set_password_url: str = Field(description="Einmaliger Link, mit dem die Person ihr Passwort setzt.")


class RoleIn(Schema):
    role: str = Field(
        description="sachbearbeitung, verwaltungsleitung, beratungsstelle, bewilligungsbehoerde oder "
        "plattformbetrieb"
    )
    body: str | None = Field(
        None, description="Für Rollen in einer Körperschaft: 12-stelliger ARS oder eindeutiger Name."
    )


class UserFilter(PageParams):
    q: str = Field("", description="Suche in Benutzername, Name und E-Mail")


# --- /me ------------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: MeOut, 401: ErrorOut},
    summary="Eigenes Konto und Rollen",
    description="Das angemeldete Konto (Token oder Sitzung) mit seinen Rollen; ohne Anmeldung 401.",
)
def me(request: HttpRequest) -> Me:
    """The authenticated user with their roles; anonymous callers get 401."""
    principal = api_person(request)
    user = api_user(request)
    assignments = (
        RoleAssignment.objects.filter(user_id=user.pk).select_related("body").order_by("role", "body__ars")
    )
    return Me(
        username=user.get_username(),
        name=user.get_full_name(),
        is_operator=principal.is_operator,
        roles=list(assignments),
    )


# --- /users ---------------------------------------------------------------------------------------


def _user_out(principal: Any, user: User) -> User:
    """``user`` again, with the roles ``principal`` sees (for :class:`UserOut`)."""
    return selectors.access_user(principal, user.get_username())


@users_router.get(
    "",
    response={200: Page[UserOut], 401: ErrorOut},
    summary="Benutzerkonten",
    description="Die Konten, die der Aufrufer sieht: Plattformbetrieb alle, Verwaltungsleitung die ihrer "
    "Körperschaften, alle anderen nur das eigene.",
)
def user_list(request: HttpRequest, filters: Query[UserFilter]) -> dict[str, Any]:
    principal = api_person(request)
    return paginate(selectors.users_for(principal, filters.q), filters)


@users_router.post(
    "",
    response={201: UserCreatedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Benutzerkonto anlegen oder einladen",
    description="Mit `body`: lädt eine Sachbearbeitung dieser Körperschaft ein (ihre Verwaltungsleitung "
    "oder der Plattformbetrieb). Ohne: ein Konto ohne Rolle (Plattformbetrieb). Das Konto hat kein "
    "Passwort; die Antwort enthält den einmaligen Link, mit dem die Person es setzt.",
)
def user_add(request: HttpRequest, data: UserIn) -> Status:
    principal = api_person(request)
    actor = api_user(request)
    fields = data.dict(exclude={"body"})
    if data.body:
        body = selectors.find_body(data.body)
        user = user_invite(actor=actor, body=body, **fields)
    else:
        user = user_create(actor=actor, **fields)
    link = request.build_absolute_uri(selectors.set_password_path(user))
    return Status(201, Created(user=_user_out(principal, user), set_password_url=link))


@users_router.get("/{username}", response={200: UserOut, **_ERRORS}, summary="Ein Benutzerkonto")
def user_get(request: HttpRequest, username: str) -> User:
    return selectors.access_user(api_person(request), username)


@users_router.post(
    "/{username}/roles",
    response={201: AssignmentOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Rolle vergeben",
    description="Plattformbetrieb vergibt jede Rolle, die Verwaltungsleitung die Sachbearbeitung ihrer "
    "Körperschaft. Eine schon vorhandene Rolle wird nicht doppelt vergeben.",
)
def user_role_add(request: HttpRequest, username: str, data: RoleIn) -> Status:
    principal = api_person(request)
    user = selectors.access_user(principal, username)
    body = selectors.find_body(data.body) if data.body else None
    assignment = role_assign(actor=api_user(request), user=user, role=data.role, body=body)
    return Status(201, RoleAssignment.objects.select_related("user", "body").get(pk=assignment.pk))


def _lock(request: HttpRequest, username: str, *, active: bool) -> User:
    principal = api_person(request)
    user = selectors.access_user(principal, username)
    if active:
        user_reactivate(actor=api_user(request), user=user)
    else:
        user_deactivate(actor=api_user(request), user=user)
    return _user_out(principal, user)


@users_router.post(
    "/{username}/deactivate",
    response={200: UserOut, **_ERRORS},
    summary="Konto sperren",
    description="Plattformbetrieb sperrt jedes Konto außer dem eigenen, die Verwaltungsleitung Konten, "
    "die nur Sachbearbeitung in ihrer Körperschaft sind.",
)
def user_lock(request: HttpRequest, username: str) -> User:
    return _lock(request, username, active=False)


@users_router.post(
    "/{username}/reactivate", response={200: UserOut, **_ERRORS}, summary="Konto wieder freischalten"
)
def user_unlock(request: HttpRequest, username: str) -> User:
    return _lock(request, username, active=True)


# --- /roles ---------------------------------------------------------------------------------------


@roles_router.delete(
    "/{role_id}",
    response={204: None, **_ERRORS},
    summary="Rolle entziehen",
    description="Wer eine Rolle sieht, aber nicht vergeben darf, erhält 403; eine unsichtbare Rolle 404.",
)
def role_delete(request: HttpRequest, role_id: ObjectId) -> Status:
    principal = api_person(request)
    assignment = selectors.access_assignment_by_id(principal, role_id, for_change=True)
    role_revoke(actor=api_user(request), assignment=assignment)
    return Status(204, None)
