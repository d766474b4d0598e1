"""Forms of the alliance pages: they validate input and show errors at the field, in German.

The rules themselves live in the services; a form checks what it can see (required fields, dates,
formats) and :func:`apply_service_error` puts a service's ``ValidationError`` next to the field it
names, so that the person filling in the form sees every refusal where it belongs. Widgets carry the
KERN UX classes (:class:`KernFormMixin`); Django adds ``aria-invalid`` and ``aria-describedby``
(``<id>_helptext``, ``<id>_error``) itself, and ``forms/kern_field.html`` (web shell) renders hint and error
with those ids.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from verbund.registry.models import Body, Kind

from .models import DecidingOrgan, FieldOfAction, LegalForm, MemberRole, Status

PAGE_SIZES = (20, 50, 100)
ARS_REGEX = r"^[0-9]{12}$"

#: Service field names that a form calls differently.
FORM_FIELD_NAMES = {"fields": "fields_of_action"}

_INPUT_CLASS = "kern-form-input__input"
_SELECT_CLASS = "kern-form-input__select"
_CHECK_CLASS = "kern-form-check__checkbox"
_RADIO_CLASS = "kern-form-check__radio"


class DateInput(forms.DateInput):
    """A native date picker; the value is ISO (``YYYY-MM-DD``), which the browser shows localised."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class KernFormMixin:
    """Give every widget its KERN class, and the error variant to fields that have errors."""

    fields: dict[str, forms.Field]
    #: The ``id`` pattern of the inputs; forms that share a page use their own, so ids stay unique.
    id_format = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.id_format)
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = _CHECK_CLASS
            elif isinstance(widget, forms.RadioSelect):
                css = _RADIO_CLASS
            elif isinstance(widget, forms.Select):
                css = _SELECT_CLASS
            else:
                css = _INPUT_CLASS
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.mark_errors()

    def mark_errors(self) -> None:
        """Add the KERN error class to the widgets of fields with errors (also after add_error)."""
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            css = field.widget.attrs.get("class", "")
            if name in errors and "--error" not in css:
                base = css.split()[-1] if css else _INPUT_CLASS
                field.widget.attrs["class"] = f"{css} {base}--error".strip()


def apply_service_error(form: forms.Form, exc: ValidationError, *, default_field: str | None = None) -> None:
    """Show a service's ``ValidationError`` on ``form``: at the field it names when the form has that
    field, otherwise at ``default_field`` (e.g. the file of an upload) or above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            name = FORM_FIELD_NAMES.get(name, name)
            target = name if name in form.fields else default_field
            form.add_error(target, errors)
    else:
        form.add_error(default_field, exc.messages)
    if isinstance(form, KernFormMixin):
        form.mark_errors()


# --- directory -------------------------------------------------------------------------------------


def kreis_choices() -> list[tuple[str, str]]:
    """Landkreise and kreisfreie Städte of the Länder in which alliances have members (one query).

    The value is the 5-digit Kreis prefix of the ARS, which selects the Kreis and everything in it.
    """
    from .facts import body_label

    states = Body.objects.filter(alliance_memberships__left_on__isnull=True).values("state")
    kreise = (
        Body.objects.current()
        .filter(
            kind__in=[Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND, Kind.KREISFREIE_STADT],
            state__in=states,
        )
        .values_list("ars", "kind", "name")
    )
    labelled = sorted(((ars[:5], body_label(kind, name)) for ars, kind, name in kreise), key=lambda c: c[1])
    return labelled


class DirectoryFilterForm(KernFormMixin, forms.Form):
    """Filters of the directory; an invalid filter is dropped and shown at its field."""

    q = forms.CharField(label="Name des Verbunds", required=False, max_length=100)
    field = forms.ChoiceField(label="Handlungsfeld", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Alle Status"), *Status.choices])
    kreis = forms.ChoiceField(label="Kreis", required=False)
    member = forms.CharField(label="Mitglied (Name oder Gemeindeschlüssel)", required=False, max_length=100)
    per_page = forms.TypedChoiceField(
        label="Einträge je Seite",
        required=False,
        coerce=int,
        choices=[(n, str(n)) for n in PAGE_SIZES],
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = FieldOfAction.objects.order_by("sort_order", "name").values_list("slug", "name")
        self.fields["field"].choices = [("", "Alle Handlungsfelder"), *fields]  # type: ignore[attr-defined]
        self.fields["kreis"].choices = [("", "Alle Kreise"), *kreis_choices()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out and reported at its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "field": data.get("field") or "",
            "status": data.get("status") or "",
            "kreis": data.get("kreis") or "",
            "member": (data.get("member") or "").strip(),
            "per_page": data.get("per_page") or PAGE_SIZES[0],
        }


# --- create and edit -------------------------------------------------------------------------------


class AllianceForm(KernFormMixin, forms.Form):
    """The descriptive data of an alliance (create and edit); status and publication have buttons."""

    name = forms.CharField(label="Name", max_length=200)
    short_name = forms.CharField(label="Kurzname", max_length=60, required=False)
    public_summary = forms.CharField(
        label="Kurzbeschreibung (öffentlich)",
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Erscheint im öffentlichen Verzeichnis, sobald der Verbund veröffentlicht ist.",
    )
    description = forms.CharField(
        label="Beschreibung (intern)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Nur für Beteiligte sichtbar.",
    )
    # Not named "fields": that is the form's own dict of fields.
    fields_of_action = forms.ModelMultipleChoiceField(
        label="Handlungsfelder",
        queryset=FieldOfAction.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )
    legal_form = forms.ChoiceField(label="Rechtsform", choices=LegalForm.choices, initial=LegalForm.NONE)
    start_date = forms.DateField(label="Beginn", required=False, widget=DateInput())
    end_date = forms.DateField(label="Ende", required=False, widget=DateInput())
    sources = forms.CharField(
        label="Quellen",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Woher die Angaben stammen (z. B. Pressemitteilung mit Datum).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "Das Ende darf nicht vor dem Beginn liegen.")
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the services take it (``fields`` as FieldOfAction objects)."""
        data = dict(self.cleaned_data)
        data["fields"] = list(data.pop("fields_of_action", None) or [])
        return data


# --- actions on the alliance page ------------------------------------------------------------------


class TransitionForm(KernFormMixin, forms.Form):
    id_format = "transition_%s"

    to = forms.ChoiceField(label="Neuer Status", choices=Status.choices)
    note = forms.CharField(label="Bemerkung", max_length=500, required=False)


class MemberSearchForm(KernFormMixin, forms.Form):
    id_format = "search_%s"

    member_q = forms.CharField(
        label="Körperschaft suchen (Name oder Gemeindeschlüssel)", max_length=100, required=False
    )


class MemberAddForm(KernFormMixin, forms.Form):
    """A new member: the body by its ARS (picked from the search results), role and joining date."""

    id_format = "member_%s"

    ars = forms.RegexField(
        label="Körperschaft",
        regex=ARS_REGEX,
        error_messages={
            "required": "Bitte eine Körperschaft aus den Suchergebnissen auswählen.",
            "invalid": "Bitte eine Körperschaft aus den Suchergebnissen auswählen.",
        },
    )
    role = forms.ChoiceField(label="Rolle", choices=MemberRole.choices, initial=MemberRole.MITGLIED)
    joined_on = forms.DateField(
        label="Beigetreten am", required=False, widget=DateInput(), help_text="Leer lassen für heute."
    )


class MemberRemoveForm(KernFormMixin, forms.Form):
    id_format = "remove_%s"

    left_on = forms.DateField(
        label="Ausgetreten am", required=False, widget=DateInput(), help_text="Leer lassen für heute."
    )


class AgreementForm(KernFormMixin, forms.Form):
    id_format = "agreement_%s"

    title = forms.CharField(
        label="Titel",
        max_length=200,
        initial="Zweckvereinbarung",
        help_text="Eine neue Datei mit demselben Titel wird die nächste Fassung.",
    )
    signed_on = forms.DateField(label="Unterzeichnet am", required=False, widget=DateInput())
    file = forms.FileField(
        label="Datei (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text="Die unterschriebene Fassung als PDF (möglichst PDF/A).",
    )


class ResolutionForm(KernFormMixin, forms.Form):
    """A council resolution of a member body the user may sign for (choices set by the view)."""

    id_format = "resolution_%s"

    body = forms.TypedChoiceField(label="Körperschaft", coerce=int)
    decided_on = forms.DateField(label="Beschlossen am", widget=DateInput())
    decided_by = forms.ChoiceField(label="Gremium", choices=DecidingOrgan.choices)
    decided_by_other = forms.CharField(
        label="Gremium (wenn „anderes Gremium“)", max_length=120, required=False
    )
    subject = forms.CharField(label="Gegenstand", max_length=300)
    file = forms.FileField(
        label="Datei (PDF)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text="Optional: Auszug aus der Niederschrift als PDF.",
    )

    def __init__(self, *args: Any, bodies: list[Body] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b.pk, b.name) for b in bodies or []]  # type: ignore[attr-defined]
