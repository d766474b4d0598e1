"""The personnel cost rates (Personalkostensätze) in the admin: the platform's assumptions, which the
operator replaces with a body's or the Land's own rates. Every change is audited like a service write;
everything else of this part is changed through its pages and API only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from verbund.audit.services import audit_record
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import money_field

from .models import PayGrade


def is_operator(request: HttpRequest) -> bool:
    return principal_of(request).is_operator


class PayGradeForm(forms.ModelForm):
    """The rate typed the German way ("74.100,00")."""

    annual_cost = money_field("Personalkosten je Vollzeitstelle (EUR/Jahr)", required=True)

    class Meta:
        model = PayGrade
        fields = ("code", "scheme", "year", "annual_cost", "is_assumption", "source", "sort_order")


@admin.register(PayGrade)
class PayGradeAdmin(admin.ModelAdmin):
    form = PayGradeForm
    list_display = ("code", "year", "scheme", "annual_cost", "is_assumption")
    list_filter = ("year", "scheme", "is_assumption")
    search_fields = ("code",)
    ordering = ("year", "sort_order", "code")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: PayGrade, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data.get(name) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request_actor(request),
            action="pay_grade.update" if change else "pay_grade.create",
            target=obj,
            changes=changes,
        )

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: PayGrade) -> None:
        audit_record(
            actor=request_actor(request),
            action="pay_grade.delete",
            target=obj,
            changes={"annual_cost": obj.annual_cost},
        )
        super().delete_model(request, obj)
