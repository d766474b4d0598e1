"""Writes of the accounts part: users, roles, API tokens. Each is atomic and audited.

``acting_user`` is the user who acts, or a string naming a system process (``"load_demo"``,
``"issue_token"``, ``"oidc"``) for writes that no logged-in person makes. Anything else (an
anonymous user) is refused. Permissions are checked here, not only in the views, so a view that
forgets a check cannot open a write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from verbund.audit.services import audit_record, diff_fields

from .access import can_manage_role, can_manage_users, forget_roles, is_operator
from .models import ApiToken, RoleAssignment, User

if TYPE_CHECKING:
    from verbund.registry.models import Body

#: A logged-in user, or the name of a system process (management command, import, SSO).
Actor = Any


def _is_system(acting_user: Actor) -> bool:
    return isinstance(acting_user, str) and bool(acting_user)


def _is_person(acting_user: Actor) -> bool:
    return bool(getattr(acting_user, "is_authenticated", False)) and bool(
        getattr(acting_user, "is_active", False)
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _may_act_for(acting_user: Actor, user: User) -> bool:
    """The user themself, an operator, or a system process."""
    if _is_system(acting_user):
        return True
    return _is_person(acting_user) and (acting_user.pk == user.pk or is_operator(acting_user))


# --- users --------------------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    acting_user: Actor,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create an account. Without ``password`` it cannot log in with a password (SSO, API only).

    Operators and heads of a body create accounts (a head then assigns Sachbearbeitung for their
    body); only a superuser or a system process creates superusers.
    """
    system = _is_system(acting_user)
    _require(system or can_manage_users(acting_user), "Sie dürfen keine Benutzerkonten anlegen.")
    if is_staff:
        _require(system or is_operator(acting_user), "Nur der Plattformbetrieb vergibt Verwaltungszugang.")
    if is_superuser:
        _require(
            system or bool(getattr(acting_user, "is_superuser", False)),
            "Nur Superuser legen Superuser an.",
        )
    user = User(
        username=User.normalize_username(username),
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(
        actor=acting_user,
        action="user.create",
        target=user,
        changes={
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_staff": user.is_staff,
            "is_superuser": user.is_superuser,
            "password": "gesetzt" if password else "keines",
        },
    )
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    acting_user: Actor,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change profile fields (``None`` leaves a field alone). Records only what really changed.

    Users edit their own profile; deactivating an account is the operator's.
    """
    _require(_may_act_for(acting_user, user), "Sie dürfen dieses Benutzerkonto nicht ändern.")
    if is_active is not None and is_active != user.is_active:
        _require(
            _is_system(acting_user) or is_operator(acting_user),
            "Nur der Plattformbetrieb sperrt oder entsperrt Benutzerkonten.",
        )
    new_values: dict[str, Any] = {
        name: value
        for name, value in {
            "email": None if email is None else User.objects.normalize_email(email),
            "first_name": first_name,
            "last_name": last_name,
            "is_active": is_active,
        }.items()
        if value is not None
    }
    changes = diff_fields(user, new_values)
    if not changes:
        return user
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    user.full_clean()
    user.save(update_fields=list(changes))
    audit_record(actor=acting_user, action="user.update", target=user, changes=changes)
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, acting_user: Actor) -> User:
    """Set a new password (validated by the configured rules); the audit record holds no secret."""
    _require(_may_act_for(acting_user, user), "Sie dürfen das Passwort dieses Kontos nicht setzen.")
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=acting_user, action="user.set_password", target=user, changes={"password": "geändert"})
    return user


# --- roles --------------------------------------------------------------------------------------------


def _role_changes(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.get_username(),
        "role": assignment.role,
        "body": assignment.body.ars if assignment.body is not None else None,
    }


@transaction.atomic
def role_assign(*, user: User, role: str, body: Body | None = None, acting_user: Actor) -> RoleAssignment:
    """Give ``user`` the ``role`` (for ``body`` if it is a body role). Assigning twice is a no-op.

    Operators assign every role; a Verwaltungsleitung assigns Sachbearbeitung for its own body.
    """
    _require(
        _is_system(acting_user) or can_manage_role(acting_user, role, body.pk if body is not None else None),
        "Sie dürfen diese Rolle nicht vergeben.",
    )
    existing = RoleAssignment.objects.filter(user=user, role=role, body=body).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, body=body)
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=acting_user,
        action="role.assign",
        target=assignment,
        changes=_role_changes(assignment),
    )
    forget_roles(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, acting_user: Actor) -> None:
    """Take a role away (same permission as assigning it)."""
    _require(
        _is_system(acting_user) or can_manage_role(acting_user, assignment.role, assignment.body_id),
        "Sie dürfen diese Rolle nicht entziehen.",
    )
    audit_record(
        actor=acting_user,
        action="role.revoke",
        target=assignment,
        changes=_role_changes(assignment),
    )
    user = assignment.user
    assignment.delete()
    forget_roles(user)


# --- API tokens ---------------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, user: User, name: str, acting_user: Actor) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the row and the plaintext token.

    The plaintext exists only in the return value: the database keeps its SHA-256 digest and a
    short hint, so a leaked database does not leak usable tokens.
    """
    _require(_may_act_for(acting_user, user), "Sie dürfen für dieses Konto kein Token ausstellen.")
    _require(user.is_active, "Für ein gesperrtes Konto wird kein Token ausgestellt.")
    plaintext = ApiToken.generate()
    token = ApiToken(
        user=user,
        name=name.strip(),
        digest=ApiToken.hash(plaintext),
        hint=plaintext[: ApiToken._meta.get_field("hint").max_length],
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=acting_user,
        action="token.issue",
        target=token,
        changes={"user": user.get_username(), "name": token.name, "hint": token.hint},
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, token: ApiToken, acting_user: Actor) -> ApiToken:
    """Revoke a token (its owner or an operator); it stays listed as revoked. Revoking twice is a no-op."""
    _require(_may_act_for(acting_user, token.user), "Sie dürfen dieses Token nicht widerrufen.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=acting_user,
        action="token.revoke",
        target=token,
        changes={"user": token.user.get_username(), "name": token.name, "hint": token.hint},
    )
    return token
