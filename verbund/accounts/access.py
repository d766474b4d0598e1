"""Access helpers: the only way views and endpoints decide who may see or change what."""

from __future__ import annotations

from typing import Any

from .models import Role, RoleAssignment


def has_role(user: Any, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return RoleAssignment.objects.filter(user=user, role__in=roles).exists()


def can_view_audit(user: Any) -> bool:
    """Operators (Plattformbetrieb) and superusers read the audit log."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.PLATTFORMBETRIEB)
