"""Users, the roles they hold (in a body or platform-wide) and their API tokens.

Alliance roles (Verbundkoordination) belong to the alliances part, which stands above this one.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The roles live in common so that every floor can name them; re-exported for the accounts part.
from verbund.common.principal import Principal
from verbund.common.roles import BODY_ROLES, Role

from . import policies

__all__ = ["BODY_ROLES", "ApiToken", "Role", "RoleAssignment", "User"]


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, principal: Principal) -> UserQuerySet:
        """Oneself; a head also the accounts holding a role in their bodies; operators all."""
        condition = policies.user_filter(principal)
        if condition is None:
            return self.none()
        return self.filter(condition) if condition else self

    def search(self, q: str) -> UserQuerySet:
        """User name, first or last name, or e-mail containing ``q`` (case-insensitive)."""
        q = q.strip()
        if not q:
            return self
        condition = Q()
        for word in q.split():
            condition &= (
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return self.filter(condition)


class VerbundUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user, normalize_email) with :class:`UserQuerySet`'s methods."""


class User(AbstractUser):
    """A person using Verbund. Roles are :class:`RoleAssignment` rows, not flags on the user."""

    #: The language the person chose with the switch in the header (``de``/``en``), applied when they
    #: sign in and used for their e-mails; empty until they choose or first sign in (then the
    #: language they used). E-mails: ``user.language or settings.LANGUAGE_CODE``.
    language = models.CharField(
        _("Sprache"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    objects: ClassVar[VerbundUserManager] = VerbundUserManager()

    class Meta:
        verbose_name = _("Benutzerkonto")
        verbose_name_plural = _("Benutzerkonten")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


# Sorted, so that the constraint below (and its migration) does not depend on the hash seed.
_BODY_ROLE_VALUES = sorted(r.value for r in BODY_ROLES)


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def visible_to(self, principal: Principal) -> RoleAssignmentQuerySet:
        """Own roles; a head also sees the roles held in their bodies; operators see all."""
        condition = policies.role_filter(principal)
        if condition is None:
            return self.none()
        return self.filter(condition) if condition else self


class RoleAssignment(models.Model):
    """A user holds a role, for one body (Sachbearbeitung, Verwaltungsleitung) or platform-wide."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("Rolle"), max_length=32, choices=Role.choices)
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=_("Körperschaft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[RoleAssignmentQuerySet] = RoleAssignmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Rollenzuweisung")
        verbose_name_plural = _("Rollenzuweisungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "body"], name="role_unique_per_body"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(body__isnull=True), name="role_unique_platform"
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=_BODY_ROLE_VALUES, body__isnull=False)
                    | (~Q(role__in=_BODY_ROLE_VALUES) & Q(body__isnull=True))
                ),
                name="role_body_matches_scope",
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.body})" if self.body_id else ""
        return f"{self.get_role_display()}{where}"

    def clean(self) -> None:
        if self.role in BODY_ROLES and self.body_id is None:
            raise ValidationError({"body": _("Diese Rolle gilt für eine Körperschaft; bitte eine wählen.")})
        if self.role not in BODY_ROLES and self.body_id is not None:
            raise ValidationError({"body": _("Diese Rolle gilt plattformweit und hat keine Körperschaft.")})


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def visible_to(self, principal: Principal) -> ApiTokenQuerySet:
        """A user sees their own tokens (never the secret); operators see every token."""
        condition = policies.token_filter(principal)
        if condition is None:
            return self.none()
        return self.filter(condition) if condition else self


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the token is shown once."""

    PREFIX = "vbd_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("Bezeichnung"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so that a user can tell their tokens apart without the secret.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ApiTokenQuerySet] = ApiTokenQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
