"""The audit log in the admin: read-only for operators (Plattformbetrieb, superusers); nobody can add,
change or delete entries."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from verbund.common.principal import principal_of

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_repr", "object_id")
    fields = ("at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "changes")
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return principal_of(request).is_operator

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return principal_of(request).is_operator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
