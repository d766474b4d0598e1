"""The audit log: one row per change, written by the service that made it, never edited.

"Append-only" is enforced on every path the application has: ``save()`` of a stored entry,
``delete()`` of an entry, and ``update()``/``delete()``/``bulk_update()`` of a QuerySet raise
:class:`AuditLogIsAppendOnly`; the admin shows entries read-only. Deleting a user keeps
the entries (``actor`` becomes NULL, ``actor_label`` keeps the name).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the application."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Raise before Django opens its transaction, so the caller's transaction stays usable.
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def visible_to(self, user: Any) -> AuditEntryQuerySet:
        """The whole log for operators (Plattformbetrieb, superusers); nothing for anyone else."""
        from verbund.accounts.access import can_view_audit

        return self if can_view_audit(user) else self.none()


class AuditEntry(models.Model):
    """Who did what to which object, and what changed (``{"field": [old, new]}``)."""

    at = models.DateTimeField("Zeitpunkt", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Handelnde Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept even if the user is deleted later, and for system actors ("import", "load_demo").
    actor_label = models.CharField("Handelnde Person (Name)", max_length=150)
    action = models.CharField("Aktion", max_length=80, db_index=True)
    object_type = models.CharField("Objekttyp", max_length=100, db_index=True)
    object_id = models.CharField("Objekt-ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("Objekt", max_length=300, blank=True)
    changes = models.JSONField("Änderungen", default=dict, blank=True)

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Protokolleintrag"
        verbose_name_plural = "Protokoll"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")
