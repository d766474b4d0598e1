"""Who may manage accounts, roles and API tokens: the accounts part's rules over a principal (pure
predicates and query filters; no queries).

* **Roles.** Plattformbetrieb assigns and revokes every role. The Verwaltungsleitung of a body
  assigns and revokes the *Sachbearbeitung* of that body (ARCHITECTURE.md: "manages own body's
  users"); heads themselves are appointed by the operator. Nobody else manages roles.
* **Accounts.** Operators create accounts and (de)activate any account. A head invites new staff
  for their body and may deactivate an account whose only roles are Sachbearbeitung in bodies they
  head (no platform role, no alliance coordination, no other body); reactivating is the operator's.
  Everyone changes their own profile, password and API tokens; operators those of everyone.
* **Seeing.** A person sees their own account, roles and tokens; a head also the accounts and roles
  of their bodies; operators see everything. Anonymous visitors see nothing. An invisible account,
  role or token answers 404, a visible one that may not be changed 403.
* **Body data.** Staff and heads change their own body's data; operators repair any body.
* **Audit.** Operators read the whole log, anyone else the part their principal's
  :meth:`~verbund.common.principal.Principal.audit_scope` opens (heads: their bodies;
  coordinators: their alliances).
* **Superusers** count as Plattformbetrieb and nothing more (:mod:`verbund.common.principal`);
  only a superuser (or the system) creates another superuser.
* **System actors** act through the capability :data:`MANAGE` (the demo loader, the token command,
  single sign-on); without it every write is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from verbund.audit.selectors import may_read_audit
from verbund.common.principal import Principal
from verbund.common.roles import Role
from verbund.registry import policies as registry_policies

if TYPE_CHECKING:
    from .models import ApiToken, RoleAssignment

#: System capability: create accounts, assign roles, issue tokens.
MANAGE = "accounts.manage"

#: The roles a head manages in their own body.
HEAD_MANAGED_ROLES = frozenset({Role.SACHBEARBEITUNG})


# --- roles ----------------------------------------------------------------------------------------


def may_manage_role(principal: Principal, role: str, body_id: int | None) -> bool:
    """May ``principal`` assign or revoke ``role`` (for the body ``body_id``)?"""
    if principal.is_system:
        return principal.capable(MANAGE)
    if principal.is_operator:
        return True
    return role in HEAD_MANAGED_ROLES and body_id is not None and principal.heads(body_id)


def may_manage_users(principal: Principal) -> bool:
    """May ``principal`` manage accounts at all (operators; heads for their bodies' staff)?"""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or bool(principal.body_ids(Role.VERWALTUNGSLEITUNG))


def may_create_users(principal: Principal) -> bool:
    """May ``principal`` create an account without a body (operators; heads invite instead)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator


def may_invite(principal: Principal, body_id: int) -> bool:
    """May ``principal`` invite a new Sachbearbeitung for the body ``body_id``?"""
    return may_manage_role(principal, Role.SACHBEARBEITUNG, body_id)


def may_grant_staff_access(principal: Principal) -> bool:
    """Django admin access (``is_staff``) is given by the operator (or the system)."""
    return principal.capable(MANAGE) if principal.is_system else principal.is_operator


def may_create_superuser(principal: Principal) -> bool:
    return principal.capable(MANAGE) if principal.is_system else principal.is_superuser


def may_act_for(principal: Principal, user_id: int | None, *, target_is_superuser: bool = False) -> bool:
    """Change the profile, password or tokens of the account ``user_id``: oneself, operators, system.

    A superuser's account is changed only by itself or another superuser: an operator who could set
    a superuser's password could become one (Django's admin grants a superuser everything).
    """
    if principal.is_system:
        return principal.capable(MANAGE)
    if not principal.is_authenticated or user_id is None:
        return False
    if principal.user_id == user_id:
        return True
    return principal.is_operator and (principal.is_superuser or not target_is_superuser)


def may_deactivate(principal: Principal, target: Principal) -> bool:
    """May ``principal`` lock the account whose principal is ``target``?

    Operators lock any account but their own. A head locks an account whose only roles are
    Sachbearbeitung in bodies the head heads (no platform role, no grant such as an alliance's
    coordination, no other body, not a superuser) — an account that belongs to the head's body alone.
    """
    if principal.is_system:
        return principal.capable(MANAGE)
    if target.user_id is not None and target.user_id == principal.user_id:
        return False
    if principal.is_operator:
        return principal.is_superuser or not target.is_superuser
    if target.is_superuser or target.platform_roles or target.grants or not target.body_roles:
        return False
    headed = principal.body_ids(Role.VERWALTUNGSLEITUNG)
    return all(
        body_id in headed and roles <= HEAD_MANAGED_ROLES for body_id, roles in target.body_roles.items()
    )


def may_reactivate(principal: Principal) -> bool:
    """Unlocking an account is the operator's (or the system's)."""
    return principal.capable(MANAGE) if principal.is_system else principal.is_operator


# --- other parts ----------------------------------------------------------------------------------


#: The registry's rule (staff and heads change their own body's data; operators repair any body).
may_change_body = registry_policies.may_change_body
#: The audit log's rule (operators read all of it; heads and coordinators their part).
may_view_audit = may_read_audit


# --- query filters --------------------------------------------------------------------------------


def _sees_all(principal: Principal) -> bool:
    return principal.capable(MANAGE) if principal.is_system else principal.is_operator


def user_filter(principal: Principal) -> Q | None:
    """A ``Q`` on :class:`~verbund.accounts.models.User` for the accounts ``principal`` sees;
    ``None`` for nothing at all."""
    if _sees_all(principal):
        return Q()
    if not principal.is_person:
        return None
    condition = Q(pk=principal.user_id)
    headed = principal.body_ids(Role.VERWALTUNGSLEITUNG)
    if headed:
        from .models import RoleAssignment

        condition |= Q(pk__in=RoleAssignment.objects.filter(body_id__in=headed).values("user_id"))
    return condition


def role_filter(principal: Principal) -> Q | None:
    """A ``Q`` on :class:`~verbund.accounts.models.RoleAssignment`: own roles and those held in
    bodies the principal heads; operators all; ``None`` for nothing."""
    if _sees_all(principal):
        return Q()
    if not principal.is_person:
        return None
    condition = Q(user_id=principal.user_id)
    headed = principal.body_ids(Role.VERWALTUNGSLEITUNG)
    if headed:
        condition |= Q(body_id__in=headed)
    return condition


def token_filter(principal: Principal) -> Q | None:
    """A ``Q`` on :class:`~verbund.accounts.models.ApiToken`: own tokens; operators all."""
    if _sees_all(principal):
        return Q()
    if not principal.is_person:
        return None
    return Q(user_id=principal.user_id)


# --- predicates for access_object ------------------------------------------------------------------


def may_revoke_assignment(principal: Principal, assignment: RoleAssignment) -> bool:
    return may_manage_role(principal, assignment.role, assignment.body_id)


def may_change_token(principal: Principal, token: ApiToken) -> bool:
    return may_act_for(principal, token.user_id)


def headed_bodies(principal: Principal) -> Iterable[int]:
    """The ids of the bodies ``principal`` heads (Verwaltungsleitung)."""
    return sorted(principal.body_ids(Role.VERWALTUNGSLEITUNG))
