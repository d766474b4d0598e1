"""Forms of the alliance pages: they validate input and show errors at the field, in German.

The rules themselves live in the services; a form checks what it can see (required fields, dates,
formats) and :func:`verbund.ui.forms.run_on_form` puts a service's refusal next to the field it
names. Widgets carry the KERN UX classes (:class:`verbund.ui.forms.KernFormMixin`); Django adds
``aria-invalid`` and ``aria-describedby`` itself, and ``forms/kern_field.html`` renders hint and
error with those ids.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.common.principal import Principal
from verbund.registry.labels import body_label
from verbund.registry.models import Body, Kind
from verbund.ui.forms import DateInput, KernFormMixin, money_field

from .models import Alliance, DecidingOrgan, FieldOfAction, LegalForm, MemberRole, Membership, Status

PAGE_SIZES = (20, 50, 100)
ARS_REGEX = r"^[0-9]{12}$"


# --- directory -------------------------------------------------------------------------------------


def kreis_choices(principal: Principal | None = None) -> list[tuple[str, str]]:
    """Landkreise and kreisfreie Städte of the Länder in which alliances have members (one query).

    The Länder are those of the current members of the alliances ``principal`` may see (of all
    alliances without a principal), so a directory of RLP alliances offers RLP's 36 Kreise, not the
    400 of Germany. The value is the 5-digit Kreis prefix of the ARS, which selects the Kreis and
    everything in it.
    """
    # A filter on the memberships themselves: ``Body.objects.filter(alliance_memberships__left_on__isnull=
    # True)`` would also match every body without any membership (an outer join), hence every Land.
    memberships = Membership.objects.current()
    if principal is not None:
        memberships = memberships.filter(alliance__in=Alliance.objects.visible_to(principal).values("pk"))
    states = memberships.values("body__state")
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

    q = forms.CharField(label=gettext_lazy("Name des Verbunds"), required=False, max_length=100)
    field = forms.ChoiceField(label=gettext_lazy("Handlungsfeld"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Alle Status")), *Status.choices],
    )
    kreis = forms.ChoiceField(label=gettext_lazy("Kreis"), required=False)
    member = forms.CharField(
        label=gettext_lazy("Mitglied (Name oder Gemeindeschlüssel)"), required=False, max_length=100
    )
    per_page = forms.TypedChoiceField(
        label=gettext_lazy("Einträge je Seite"),
        required=False,
        coerce=int,
        choices=[(n, str(n)) for n in PAGE_SIZES],
        empty_value=None,
    )

    def __init__(self, *args: Any, principal: Principal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = FieldOfAction.objects.order_by("sort_order", "name").values_list("slug", "name")
        named = [(slug, _(name)) for slug, name in fields]  # the seeded names are in the catalogue
        self.fields["field"].choices = [("", _("Alle Handlungsfelder")), *named]  # type: ignore[attr-defined]
        kreise = kreis_choices(principal)
        self.fields["kreis"].choices = [("", _("Alle Kreise")), *kreise]  # type: ignore[attr-defined]

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

    field_aliases = {"fields": "fields_of_action"}

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    short_name = forms.CharField(label=gettext_lazy("Kurzname"), max_length=60, required=False)
    public_summary = forms.CharField(
        label=gettext_lazy("Kurzbeschreibung (öffentlich)"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Erscheint im öffentlichen Verzeichnis, sobald der Verbund veröffentlicht ist."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Beschreibung (intern)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Nur für Beteiligte sichtbar."),
    )
    # Not named "fields": that is the form's own dict of fields.
    fields_of_action = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Handlungsfelder"),
        queryset=FieldOfAction.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )
    legal_form = forms.ChoiceField(
        label=gettext_lazy("Rechtsform"), choices=LegalForm.choices, initial=LegalForm.NONE
    )
    start_date = forms.DateField(label=gettext_lazy("Beginn"), required=False, widget=DateInput())
    end_date = forms.DateField(label=gettext_lazy("Ende"), required=False, widget=DateInput())
    sources = forms.CharField(
        label=gettext_lazy("Quellen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Woher die Angaben stammen (z. B. Pressemitteilung mit Datum)."),
    )
    reported_grant_eur = money_field(
        cast(str, gettext_lazy("Gemeldete Förderung (EUR)")),
        help_text=cast(
            str, gettext_lazy("Betrag laut öffentlicher Quelle, z. B. 321.411,61 (nicht aus einem Bescheid).")
        ),
    )
    reported_grant_note = forms.CharField(
        label=gettext_lazy("Angaben zur Förderung"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("z. B. „100 %, 2026–2027“ oder „bis zu, 2 Jahre“."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Das Ende darf nicht vor dem Beginn liegen."))
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the services take it (``fields`` as FieldOfAction objects)."""
        data = dict(self.cleaned_data)
        data["fields"] = list(data.pop("fields_of_action", None) or [])
        return data


# --- actions on the alliance page ------------------------------------------------------------------


class TransitionForm(KernFormMixin, forms.Form):
    id_format = "transition_%s"

    to = forms.ChoiceField(label=gettext_lazy("Neuer Status"), choices=Status.choices)
    note = forms.CharField(label=gettext_lazy("Bemerkung"), max_length=500, required=False)


class MemberSearchForm(KernFormMixin, forms.Form):
    id_format = "search_%s"

    member_q = forms.CharField(
        label=gettext_lazy("Körperschaft suchen (Name oder Gemeindeschlüssel)"),
        max_length=100,
        required=False,
    )


class MemberAddForm(KernFormMixin, forms.Form):
    """A new member: the body by its ARS (picked from the search results), role and joining date."""

    id_format = "member_%s"

    ars = forms.RegexField(
        label=gettext_lazy("Körperschaft"),
        regex=ARS_REGEX,
        error_messages={
            "required": gettext_lazy("Bitte eine Körperschaft aus den Suchergebnissen auswählen."),
            "invalid": gettext_lazy("Bitte eine Körperschaft aus den Suchergebnissen auswählen."),
        },
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Rolle"), choices=MemberRole.choices, initial=MemberRole.MITGLIED
    )
    joined_on = forms.DateField(
        label=gettext_lazy("Beigetreten am"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leer lassen für heute."),
    )


class MemberRemoveForm(KernFormMixin, forms.Form):
    id_format = "remove_%s"

    left_on = forms.DateField(
        label=gettext_lazy("Ausgetreten am"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leer lassen für heute."),
    )


class AgreementForm(KernFormMixin, forms.Form):
    id_format = "agreement_%s"

    title = forms.CharField(
        label=gettext_lazy("Titel"),
        max_length=200,
        initial="Zweckvereinbarung",
        help_text=gettext_lazy("Eine neue Datei mit demselben Titel wird die nächste Fassung."),
    )
    signed_on = forms.DateField(label=gettext_lazy("Unterzeichnet am"), required=False, widget=DateInput())
    file = forms.FileField(
        label=gettext_lazy("Datei (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=gettext_lazy("Die unterschriebene Fassung als PDF (möglichst PDF/A)."),
    )


class ResolutionForm(KernFormMixin, forms.Form):
    """A council resolution of a member body the user may sign for (choices set by the view)."""

    id_format = "resolution_%s"

    body = forms.TypedChoiceField(label=gettext_lazy("Körperschaft"), coerce=int)
    decided_on = forms.DateField(label=gettext_lazy("Beschlossen am"), widget=DateInput())
    decided_by = forms.ChoiceField(label=gettext_lazy("Gremium"), choices=DecidingOrgan.choices)
    decided_by_other = forms.CharField(
        label=gettext_lazy("Gremium (wenn „anderes Gremium“)"), max_length=120, required=False
    )
    subject = forms.CharField(label=gettext_lazy("Gegenstand"), max_length=300)
    file = forms.FileField(
        label=gettext_lazy("Datei (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=gettext_lazy("Optional: Auszug aus der Niederschrift als PDF."),
    )

    def __init__(self, *args: Any, bodies: list[Body] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b.pk, b.name) for b in bodies or []]  # type: ignore[attr-defined]


class CoordinatorForm(KernFormMixin, forms.Form):
    """A further coordinator, or the successor of a handover, by user name."""

    id_format = "coordinator_%s"
    field_aliases = {"user": "username"}

    username = forms.CharField(
        label=gettext_lazy("Benutzername"),
        max_length=150,
        help_text=(
            gettext_lazy(
                "Beschäftigte einer Mitgliedskörperschaft (der Plattformbetrieb kann jede Person benennen)."
            )
        ),
    )


class HandoverForm(CoordinatorForm):
    """Hand the coordination over: the successor comes in, the coordinator's own role ends."""

    id_format = "handover_%s"

    confirm = forms.BooleanField(
        label=gettext_lazy("Ich gebe die Verbundkoordination damit ab."),
        error_messages={"required": gettext_lazy("Bitte bestätigen, dass Sie die Koordination abgeben.")},
    )
