"""The operator's admin for accounts, roles and API tokens.

Writes made here go through the services where one exists (roles, token revocation) and are
audited in the same transaction otherwise (user fields, passwords, deletions), so the audit log
is complete whichever door a change came through. API tokens are issued only where the plaintext
can be shown safely once (``Mein Konto``, ``manage.py issue_token``), never in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from verbund.audit.services import audit_record
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor

from . import audit_actions as actions
from . import policies
from .models import ApiToken, RoleAssignment, User
from .services import role_assign, role_revoke, token_revoke

#: Fields whose values never go into the audit log.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "digest"})


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a form value: related objects by pk, many-to-many by name."""
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted(str(v) for v in value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _form_changes(form: Form, change: bool) -> dict[str, Any]:
    """``{field: [old, new]}`` of a changed admin form (``{field: value}`` when adding)."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            changes["password" if name.startswith("password") else name] = "geändert"
        elif change:
            changes[name] = [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
        else:
            changes[name] = _plain(form.cleaned_data.get(name))
    return changes


class AuditedAdminMixin(admin.ModelAdmin):
    """Record admin saves and deletions in the audit log (the admin runs them in a transaction)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = _form_changes(form, change)
        if change and not changes:
            return
        audit_record(
            actor=request_actor(request),
            action=actions.ADMIN_CHANGE if change else actions.ADMIN_ADD,
            target=obj,
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request_actor(request), action=actions.ADMIN_DELETE, target=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            audit_record(actor=request_actor(request), action=actions.ADMIN_DELETE, target=obj)
        super().delete_queryset(request, queryset)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ("role", "body", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("body",)
    verbose_name = _("Rolle")
    verbose_name_plural = _("Rollen")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A role is assigned or revoked, never edited in place: the log then reads as it happened.
        return False


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = ("name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("API-Tokens (ausstellen über „Mein Konto“ oder manage.py issue_token)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    inlines = (RoleAssignmentInline, ApiTokenInline)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "role_assignments__role")

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # Roles are given after the account exists (the add form asks for name and password only).
        return self.inlines if obj is not None else ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The admin follows the accounts policies: only a superuser makes superusers or hands out
        Django permissions, only the operator gives admin access, and nobody but a superuser
        changes a superuser's account (an operator could otherwise take it over)."""
        readonly = list(super().get_readonly_fields(request, obj))
        principal = principal_of(request)
        if not policies.may_create_superuser(principal):
            readonly += ["is_superuser", "groups", "user_permissions"]
        if not policies.may_grant_staff_access(principal):
            readonly.append("is_staff")
        if obj is not None and obj.is_superuser and not principal.is_superuser:
            readonly += ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
        return tuple(dict.fromkeys(readonly))

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """A superuser's password is set only by a superuser (see :func:`policies.may_act_for`)."""
        user = self.get_object(request, id)
        if user is not None and not policies.may_act_for(
            principal_of(request), user.pk, target_is_superuser=user.is_superuser
        ):
            raise PermissionDenied(_("Das Passwort eines Superusers setzt nur ein Superuser."))
        return self._audited_change_password(request, id, form_url)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        new_objects = formset.save(commit=False)
        for assignment in formset.deleted_objects:
            role_revoke(actor=request_actor(request), assignment=assignment)
        for assignment in new_objects:
            saved = role_assign(
                actor=request_actor(request),
                user=form.instance,
                role=assignment.role,
                body=assignment.body,
            )
            assignment.pk = saved.pk

    @transaction.atomic
    def _audited_change_password(self, request: HttpRequest, id: str, form_url: str) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                audit_record(
                    actor=request_actor(request),
                    action=actions.USER_SET_PASSWORD,
                    target=user,
                    changes={"password": "geändert"},
                )
        return response


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "body", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__last_name", "body__name", "body__ars")
    list_select_related = ("user", "body")
    raw_id_fields = ("user", "body")
    readonly_fields = ("created_at",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = role_assign(actor=request_actor(request), user=obj.user, role=obj.role, body=obj.body)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        role_revoke(actor=request_actor(request), assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for assignment in queryset.select_related("user", "body"):
            role_revoke(actor=request_actor(request), assignment=assignment)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; the digest is never shown or editable."""

    list_display = ("hint", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "name", "hint")
    list_select_related = ("user",)
    fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Revoked, not deleted: the audit log and "last used" stay meaningful.
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return principal_of(request).is_operator

    @admin.action(description=_("Ausgewählte Tokens widerrufen"), permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        with transaction.atomic():
            revoked = 0
            for token in queryset.select_related("user").filter(revoked_at__isnull=True):
                token_revoke(actor=request_actor(request), token=token)
                revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d Token widerrufen.", "%(count)d Tokens widerrufen.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


# The second factor is removed through the audited service (the operator's button on the user page,
# accounts:two_factor_reset), never by deleting a device in the admin.
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
