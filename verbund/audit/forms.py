"""Filters of the operator's audit view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .models import AuditEntryQuerySet


class AuditFilterForm(forms.Form):
    """GET filters; every field is optional and an invalid one is reported, not silently dropped."""

    action = forms.ChoiceField(label="Aktion", required=False)
    object_type = forms.ChoiceField(label="Objekttyp", required=False)
    actor = forms.CharField(
        label="Handelnde Person", required=False, max_length=150, help_text="Benutzername oder Teil davon"
    )
    date_from = forms.DateField(label="von", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="bis", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actions: list[str], object_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "alle"), *((a, a) for a in actions)]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [("", "alle"), *((t, t) for t in object_types)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "Das Ende des Zeitraums liegt vor seinem Anfang.")
        return cleaned

    def apply(self, entries: AuditEntryQuerySet) -> AuditEntryQuerySet:
        """Filter ``entries`` by the valid fields. Dates are whole days in Europe/Berlin."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("actor"):
            entries = entries.filter(actor_label__icontains=data["actor"].strip())
        if data.get("date_from"):
            entries = entries.filter(at__gte=_start_of_day(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(at__lt=_start_of_day(data["date_to"] + dt.timedelta(days=1)))
        return entries


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())
