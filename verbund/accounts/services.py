"""Writes of the accounts part: users, roles, API tokens. Each is atomic, checked and audited.

Every service takes ``actor: Actor`` (a signed-in user or a
:class:`~verbund.common.actors.SystemActor`), builds the actor's principal freshly and checks the
rule of :mod:`verbund.accounts.policies`; a system actor needs the capability
:data:`~verbund.accounts.policies.MANAGE`. Strings, ``None`` and anonymous users raise ``TypeError``.
Refusals are :class:`~verbund.common.errors.Forbidden` (403) or Django's ``ValidationError`` from
``full_clean`` (shown at the field); the audit entry is written in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record, diff_fields
from verbund.common.access import authorize, require
from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.common.principal import Principal

from . import audit_actions as actions
from . import policies
from .models import ApiToken, Role, RoleAssignment, User
from .principal import principal_for

if TYPE_CHECKING:
    from verbund.registry.models import Body


def _principal(actor: Actor) -> Principal:
    return authorize(actor)


# --- users --------------------------------------------------------------------------------------------


def _user_create(
    *,
    username: str,
    password: str | None,
    email: str,
    first_name: str,
    last_name: str,
    is_staff: bool = False,
    is_superuser: bool = False,
    password_rules: bool = True,
) -> User:
    """Create the row (unchecked, not audited: the callers do both)."""
    user = User(
        username=User.normalize_username(username.strip()),
        email=User.objects.normalize_email(email.strip()),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        if password_rules:
            password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _user_changes(user: User, *, password: bool) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "password": "gesetzt" if password else "keines",
    }


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    password_rules: bool = True,
) -> User:
    """Create an account without roles. Without ``password`` it cannot log in with a password until
    its holder sets one (a set-password link, see :func:`verbund.accounts.selectors.set_password_path`).

    Operators (and the system) create accounts; heads *invite* staff for their body
    (:func:`user_invite`). Admin access is the operator's; superusers are created only by a superuser
    or the system. Only a system actor may skip the password rules (``password_rules=False``): the
    demo loader's shared password is public anyway.
    """
    principal = _principal(actor)
    require(policies.may_create_users(principal), _("Sie dürfen keine Benutzerkonten anlegen."))
    if is_staff:
        require(
            policies.may_grant_staff_access(principal),
            _("Nur der Plattformbetrieb vergibt Verwaltungszugang."),
        )
    if is_superuser:
        require(policies.may_create_superuser(principal), _("Nur Superuser legen Superuser an."))
    if not password_rules:
        require(principal.is_system, _("Die Passwortregeln gelten für jedes Konto."))
    user = _user_create(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
        password_rules=password_rules,
    )
    audit_record(
        actor=actor,
        action=actions.USER_CREATE,
        target=user,
        changes=_user_changes(user, password=bool(password)),
    )
    return user


@transaction.atomic
def user_invite(
    *,
    actor: Actor,
    body: Body,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create an account for a new Sachbearbeitung of ``body``, without a password.

    The head of ``body`` (or an operator) invites; the new person sets a password through the
    one-time link of :func:`verbund.accounts.selectors.set_password_path`. Audited as ``user.invite``
    and ``role.assign``, both in the scope of ``body``.
    """
    principal = _principal(actor)
    require(
        policies.may_invite(principal, body.pk),
        _("Nur die Verwaltungsleitung dieser Körperschaft lädt neue Mitarbeitende ein."),
    )
    user = _user_create(
        username=username, password=None, email=email, first_name=first_name, last_name=last_name
    )
    audit_record(
        actor=actor,
        action=actions.USER_INVITE,
        target=user,
        body=body,
        changes={
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "body": body.ars,
            "role": Role.SACHBEARBEITUNG.value,
        },
    )
    _role_assign(actor=actor, user=user, role=Role.SACHBEARBEITUNG, body=body)
    return user


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user: User,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Change profile fields (``None`` leaves a field alone); records only what really changed.

    Users edit their own profile, operators everyone's. Locking is :func:`user_deactivate`.
    """
    principal = _principal(actor)
    require(
        policies.may_act_for(principal, user.pk, target_is_superuser=user.is_superuser),
        _("Sie dürfen dieses Benutzerkonto nicht ändern."),
    )
    new_values: dict[str, Any] = {
        name: value
        for name, value in {
            "email": None if email is None else User.objects.normalize_email(email.strip()),
            "first_name": None if first_name is None else first_name.strip(),
            "last_name": None if last_name is None else last_name.strip(),
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
    audit_record(actor=actor, action=actions.USER_UPDATE, target=user, changes=changes)
    return user


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> User:
    """Lock an account (it can no longer log in or use its API tokens); its roles stay for a later
    reactivation. Operators lock any account but their own; a head locks an account that belongs to
    their body alone (:func:`verbund.accounts.policies.may_deactivate`). Locking twice is a no-op."""
    principal = _principal(actor)
    if not user.is_active:
        require(policies.may_manage_users(principal), _("Sie dürfen dieses Benutzerkonto nicht sperren."))
        return user
    require(
        policies.may_deactivate(principal, principal_for(user)),
        _(
            "Sie dürfen dieses Benutzerkonto nicht sperren: es hat Rollen außerhalb Ihrer Körperschaft "
            "oder ist Ihr eigenes."
        ),
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action=actions.USER_DEACTIVATE, target=user, changes={"is_active": [True, False]}
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: Actor, user: User) -> User:
    """Unlock an account (operators and the system). Unlocking an active account is a no-op."""
    principal = _principal(actor)
    require(
        policies.may_reactivate(principal), _("Nur der Plattformbetrieb schaltet Benutzerkonten wieder frei.")
    )
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action=actions.USER_REACTIVATE, target=user, changes={"is_active": [False, True]}
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    """Set a new password (validated by the configured rules); the audit record holds no secret.

    The account's holder (also through a set-password link, acting as themself), operators and the
    system set passwords.
    """
    principal = _principal(actor)
    require(
        policies.may_act_for(principal, user.pk, target_is_superuser=user.is_superuser),
        _("Sie dürfen das Passwort dieses Kontos nicht setzen."),
    )
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=actions.USER_SET_PASSWORD, target=user, changes={"password": "geändert"})
    return user


# --- roles --------------------------------------------------------------------------------------------


def _role_changes(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user.get_username(),
        "role": assignment.role,
        "body": assignment.body.ars if assignment.body is not None else None,
    }


def _role_assign(*, actor: Actor, user: User, role: str, body: Body | None) -> RoleAssignment:
    existing = RoleAssignment.objects.filter(user=user, role=role, body=body).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment(user=user, role=role, body=body)
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action=actions.ROLE_ASSIGN,
        target=assignment,
        body=body,
        changes=_role_changes(assignment),
    )
    return assignment


@transaction.atomic
def role_assign(*, actor: Actor, user: User, role: str, body: Body | None = None) -> RoleAssignment:
    """Give ``user`` the ``role`` (for ``body`` if it is a body role). Assigning twice is a no-op.

    Operators assign every role; a Verwaltungsleitung assigns Sachbearbeitung for its own body.
    """
    principal = _principal(actor)
    require(
        policies.may_manage_role(principal, role, body.pk if body is not None else None),
        _("Sie dürfen diese Rolle nicht vergeben."),
    )
    return _role_assign(actor=actor, user=user, role=role, body=body)


@transaction.atomic
def role_revoke(*, actor: Actor, assignment: RoleAssignment) -> None:
    """Take a role away (same permission as assigning it); audited in the scope of its body."""
    principal = _principal(actor)
    require(
        policies.may_revoke_assignment(principal, assignment),
        _("Sie dürfen diese Rolle nicht entziehen."),
    )
    audit_record(
        actor=actor,
        action=actions.ROLE_REVOKE,
        target=assignment,
        body=assignment.body_id,
        changes=_role_changes(assignment),
    )
    assignment.delete()


# --- API tokens ---------------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the row and the plaintext token.

    The plaintext exists only in the return value: the database keeps its SHA-256 digest and a
    short hint, so a leaked database does not leak usable tokens.
    """
    principal = _principal(actor)
    require(
        policies.may_act_for(principal, user.pk, target_is_superuser=user.is_superuser),
        _("Sie dürfen für dieses Konto kein Token ausstellen."),
    )
    if not user.is_active:
        raise Conflict(_("Für ein gesperrtes Konto wird kein Token ausgestellt."))
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
        actor=actor,
        action=actions.TOKEN_ISSUE,
        target=token,
        changes={"user": user.get_username(), "name": token.name, "hint": token.hint},
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token (its owner or an operator); it stays listed as revoked. Revoking twice is a no-op."""
    principal = _principal(actor)
    require(policies.may_change_token(principal, token), _("Sie dürfen dieses Token nicht widerrufen."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action=actions.TOKEN_REVOKE,
        target=token,
        changes={"user": token.user.get_username(), "name": token.name, "hint": token.hint},
    )
    return token
