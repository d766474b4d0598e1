"""Filters of the audit pages (the same filters serve the page and the CSV export)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from verbund.common.principal import Principal
from verbund.ui.forms import DateInput, KernForm

from .actions import ACTIONS, describe
from .models import AuditEntryQuerySet
from .presenters import object_type_label
from .selectors import scope_names


def _scope_choices(kind: str, ids: set[int]) -> list[tuple[str, str]]:
    names = scope_names(kind, ids)
    return [
        ("", gettext("alle")),
        *sorted(((str(i), n) for i, n in names.items()), key=lambda c: c[1].lower()),
    ]


class AuditFilterForm(KernForm):
    """GET filters; every field is optional and an invalid one is reported, not silently dropped.

    ``verbund`` and ``koerperschaft`` narrow the entries to one alliance or body; they only ever
    narrow what the principal may read (the form filters the principal's visible entries, and its
    choices are the scopes the principal may read).
    """

    action = forms.ChoiceField(label=_("Aktion"), required=False)
    object_type = forms.ChoiceField(label=_("Objektart"), required=False)
    actor = forms.CharField(
        label=_("Handelnde Person"),
        required=False,
        max_length=150,
        help_text=_("Benutzername oder Teil davon"),
    )
    date_from = forms.DateField(label=_("von"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("bis"), required=False, widget=DateInput())
    verbund = forms.TypedChoiceField(label=_("Verbund"), required=False, coerce=int, empty_value=None)
    koerperschaft = forms.TypedChoiceField(
        label=_("Körperschaft"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, principal: Principal, visible: AuditEntryQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(ACTIONS, key=lambda code: describe(code).lower())
        self.fields["action"].choices = [("", gettext("alle")), *((c, describe(c)) for c in actions)]  # type: ignore[attr-defined]
        types = visible.order_by("object_type").values_list("object_type", flat=True).distinct()
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", gettext("alle")),
            *sorted(((t, object_type_label(t)) for t in types), key=lambda c: c[1].lower()),
        ]
        if principal.is_operator:
            alliance_ids = set(_distinct_ids(visible, "alliance_id"))
            body_ids = set(_distinct_ids(visible, "body_id"))
        else:
            scope_alliances, scope_bodies = principal.audit_scope()
            alliance_ids, body_ids = set(scope_alliances), set(scope_bodies)
        self.fields["verbund"].choices = _scope_choices("alliance", alliance_ids)  # type: ignore[attr-defined]
        self.fields["koerperschaft"].choices = _scope_choices("body", body_ids)  # type: ignore[attr-defined]
        #: the scope filters are offered where there is something to choose
        self.scope_fields = [
            name
            for name, ids in (("verbund", alliance_ids), ("koerperschaft", body_ids))
            if principal.is_operator or len(ids) > 1
        ]

    def visible_fields_in_order(self) -> list[forms.BoundField]:
        hidden = {"verbund", "koerperschaft"} - set(self.scope_fields)
        return [self[name] for name in self.fields if name not in hidden]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("Das Ende des Zeitraums liegt vor seinem Anfang."))
        return cleaned

    def apply(self, entries: AuditEntryQuerySet) -> AuditEntryQuerySet:
        """Filter ``entries`` by the valid fields. Dates are whole days in Europe/Berlin."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
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
        if data.get("verbund") is not None:
            entries = entries.filter(alliance_id=data["verbund"])
        if data.get("koerperschaft") is not None:
            entries = entries.filter(body_id=data["koerperschaft"])
        return entries


def _distinct_ids(entries: AuditEntryQuerySet, column: str) -> list[int]:
    return list(
        entries.exclude(**{f"{column}__isnull": True})
        .order_by(column)
        .values_list(column, flat=True)
        .distinct()
    )


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())
