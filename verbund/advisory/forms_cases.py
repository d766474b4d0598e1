"""Forms of the advisory cases' pages (the services check the rules; these only parse input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.registry.models import Body
from verbund.shared_services.models import Task
from verbund.ui.forms import DateInput, KernForm

from .casework import CASE_STATES
from .models import CaseOrigin
from .services.cases import advisors


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
_DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _advisor_label(user: Any) -> str:
    return user.get_full_name() or user.username


class AdvisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _advisor_label(obj)


class CaseForm(KernForm):
    title = forms.CharField(label=_("Betreff"), max_length=200)
    description = forms.CharField(
        label=_("Anliegen"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    origin = forms.ChoiceField(label=_("Anlass"), choices=CaseOrigin.choices, initial=CaseOrigin.REQUEST)
    field_of_action = forms.ModelChoiceField(
        label=_("Handlungsfeld"), queryset=FieldOfAction.objects.all(), required=False
    )
    task = forms.ModelChoiceField(label=_("Aufgabe"), queryset=Task.objects.order_by("name"), required=False)
    advisor = AdvisorChoiceField(
        label=_("zuständige Beraterin / zuständiger Berater"), queryset=advisors(), required=False
    )
    next_step = forms.CharField(label=_("Nächster Schritt"), max_length=300, required=False)
    next_step_due = forms.DateField(
        label=_("fällig am"), required=False, widget=DateInput(), input_formats=_DATE_FORMATS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = advisors()  # type: ignore[attr-defined]


class CaseOpenForm(CaseForm):
    requesting_body = forms.ModelChoiceField(
        label=_("Anfragende Körperschaft"), queryset=Body.objects.order_by("name"), required=False
    )
    requesting_alliance = forms.ModelChoiceField(
        label=_("Anfragender Verbund"), queryset=Alliance.objects.order_by("name"), required=False
    )
    alliance = forms.ModelChoiceField(
        label=_("Verbund, zu dem der Fall führt"), queryset=Alliance.objects.order_by("name"), required=False
    )
    field_aliases = {"parties": "requesting_body"}


class AllianceLinkForm(KernForm):
    id_format = "id_link_%s"
    alliance = forms.ModelChoiceField(
        label=_("Verbund, zu dem der Fall führt"), queryset=Alliance.objects.order_by("name"), required=False
    )


class PartyForm(KernForm):
    id_format = "id_party_%s"
    body = forms.ModelChoiceField(
        label=_("Körperschaft"), queryset=Body.objects.order_by("name"), required=False
    )
    alliance = forms.ModelChoiceField(
        label=_("Verbund"), queryset=Alliance.objects.order_by("name"), required=False
    )
    requested = forms.BooleanField(label=_("hat angefragt"), required=False)


class NoteForm(KernForm):
    id_format = "id_note_%s"
    text = forms.CharField(label=_("Notiz"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("nur für die Beratungsstelle"), required=False)


class DocumentForm(KernForm):
    id_format = "id_document_%s"
    title = forms.CharField(label=_("Titel"), max_length=200, required=False)
    file = forms.FileField(label=_("Datei"))
    internal = forms.BooleanField(label=_("nur für die Beratungsstelle"), required=False)


class AppointmentForm(KernForm):
    subject = forms.CharField(label=_("Anlass"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Beginn"), widget=DateTimeInput(), input_formats=_DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ende"), required=False, widget=DateTimeInput(), input_formats=_DATETIME_FORMATS
    )
    place = forms.CharField(label=_("Ort"), max_length=200, required=False)
    online_url = forms.CharField(label=_("Online-Link"), max_length=500, required=False)
    participants = forms.CharField(
        label=_("Teilnehmende"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransitionForm(KernForm):
    remark = forms.CharField(label=_("Bemerkung"), max_length=500, required=False)
    recommendation = forms.CharField(
        label=_("Empfehlung"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class CaseFilterForm(KernForm):
    id_format = "id_filter_%s"
    stand = forms.ChoiceField(label=_("Stand"), required=False)
    beratung = AdvisorChoiceField(label=_("Beratung"), queryset=advisors(), required=False)
    handlungsfeld = forms.ModelChoiceField(
        label=_("Handlungsfeld"), queryset=FieldOfAction.objects.all(), required=False
    )
    verbund = forms.ModelChoiceField(
        label=_("Verbund"), queryset=Alliance.objects.order_by("name"), required=False
    )
    ueberfaellig = forms.BooleanField(label=_("nur überfällige"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        states = [(state, _(label)) for state, label in CASE_STATES.labels.items()]
        self.fields["stand"].choices = [("", _("alle")), *states]  # type: ignore[attr-defined]
        self.fields["beratung"].queryset = advisors()  # type: ignore[attr-defined]
