"""Forms of the good-practice pages (KERN UX markup). They check the shape of the input; the service
(:mod:`.services.practice`) checks the rules and names the field."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.shared_services.models import Task
from verbund.ui.forms import DateInput, GermanIntegerField, KernForm, money_field, quantity_field

from .models import MemberRole, PracticeDocumentKind, PracticeRecord, PracticeStatus, Visibility
from .services import practice as svc


def _lines(words: list[str] | None) -> str:
    return "\n".join(words or [])


class PracticeSearchForm(KernForm):
    q = forms.CharField(label=gettext_lazy("Suchbegriff"), max_length=200, required=False)
    aufgabe = forms.ChoiceField(label=gettext_lazy("Aufgabe"), required=False)
    handlungsfeld = forms.ChoiceField(label=gettext_lazy("Handlungsfeld"), required=False)
    groesse = forms.ChoiceField(label=gettext_lazy("Größe (Einwohner der Mitglieder)"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region (Landkreis oder kreisfreie Stadt)"), required=False)
    rechtsform = forms.ChoiceField(label=gettext_lazy("Rechtsform"), required=False)
    stand = forms.ChoiceField(label=gettext_lazy("Stand"), required=False)
    partnersuche = forms.BooleanField(label=gettext_lazy("nur Projekte, die Partner suchen"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("alle"))]
        self.fields["aufgabe"].choices = every + list(  # type: ignore[attr-defined]
            Task.objects.order_by("sort_order", "name").values_list("slug", "name")
        )
        self.fields["handlungsfeld"].choices = every + [  # type: ignore[attr-defined]
            (f.slug, f.label) for f in FieldOfAction.objects.order_by("sort_order", "name")
        ]
        self.fields["groesse"].choices = every + [  # type: ignore[attr-defined]
            (key, str(label)) for key, (label, _low, _high) in svc.SIZE_CLASSES.items()
        ]
        self.fields["region"].choices = every + svc.region_choices()  # type: ignore[attr-defined]
        self.fields["rechtsform"].choices = every + svc.legal_form_choices()  # type: ignore[attr-defined]
        self.fields["stand"].choices = every + list(PracticeStatus.choices)  # type: ignore[attr-defined]

    def filters(self) -> svc.SearchFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return svc.SearchFilters(
            q=(data.get("q") or "").strip(),
            task=data.get("aufgabe") or "",
            field=data.get("handlungsfeld") or "",
            size=data.get("groesse") or "",
            region=data.get("region") or "",
            legal_form=data.get("rechtsform") or "",
            status=data.get("stand") or "",
            partner_search=bool(data.get("partnersuche")),
        )


class PracticeForm(KernForm):
    """The office's fields of a record (members, documents and publication have their own steps)."""

    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Kurzbeschreibung"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Was gemeinsam getan wird und warum."),
    )
    alliance = forms.ModelChoiceField(
        label=gettext_lazy("Verbund"),
        queryset=Alliance.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("– keiner –"),
    )
    task_area = forms.CharField(
        label=gettext_lazy("Aufgabenbereich"),
        max_length=100,
        help_text=gettext_lazy("z. B. Standesamt, Bauhof, IT, Datenschutz, Vergabe"),
    )
    task = forms.ModelChoiceField(
        label=gettext_lazy("Aufgabe (geteilte Dienste)"),
        queryset=Task.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("– keine –"),
    )
    field_of_action = forms.ModelChoiceField(
        label=gettext_lazy("Handlungsfeld"),
        queryset=FieldOfAction.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("– keines –"),
    )
    legal_form = forms.ChoiceField(label=gettext_lazy("Rechtsform"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Stand"), choices=PracticeStatus.choices)
    start_date = forms.DateField(label=gettext_lazy("Beginn"), required=False, widget=DateInput())
    duration_years = GermanIntegerField(label=gettext_lazy("Laufzeit (Jahre)"), required=False)
    supervisory_approval_on = forms.DateField(
        label=gettext_lazy("Genehmigung der Aufsicht am"), required=False, widget=DateInput()
    )
    supervisory_authority = forms.CharField(
        label=gettext_lazy("Aufsichtsbehörde"), max_length=200, required=False
    )
    exit_clause = forms.CharField(
        label=gettext_lazy("Kündigung und Ausstieg"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cost_allocation_key = forms.CharField(
        label=gettext_lazy("Kostenschlüssel"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    baseline_costs = money_field(gettext_lazy("Kosten vorher je Jahr (EUR)"))  # type: ignore[arg-type]
    expected_savings = money_field(gettext_lazy("erwartete Einsparung je Jahr (EUR)"))  # type: ignore[arg-type]
    actual_savings = money_field(gettext_lazy("gemessene Einsparung je Jahr (EUR)"))  # type: ignore[arg-type]
    quality_effects = forms.CharField(
        label=gettext_lazy("Wirkungen auf die Qualität"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lessons_learned = forms.CharField(
        label=gettext_lazy("Erfahrungen"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    partner_search = forms.BooleanField(label=gettext_lazy("sucht Partner"), required=False)
    partner_search_text = forms.CharField(
        label=gettext_lazy("Angebot / Bedarf"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    award = forms.CharField(label=gettext_lazy("Auszeichnung"), max_length=300, required=False)
    tags = forms.CharField(
        label=gettext_lazy("Schlagwörter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("eines je Zeile"),
    )
    visibility = forms.ChoiceField(label=gettext_lazy("Sichtbarkeit"), choices=Visibility.choices)
    sources = forms.CharField(
        label=gettext_lazy("Quellen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Woher die Angaben stammen (z. B. Pressemitteilung mit Datum)."),
    )
    last_reviewed = forms.DateField(
        label=gettext_lazy("zuletzt geprüft am"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_form"].choices = [("", _("– offen –")), *svc.legal_form_choices()]  # type: ignore[attr-defined]

    @classmethod
    def initial_of(cls, record: PracticeRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.base_fields if name != "tags"}
        initial["tags"] = _lines(record.tags)
        initial["alliance"] = record.alliance_id
        initial["task"] = record.task_id
        initial["field_of_action"] = record.field_of_action_id
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tags"] = [line.strip() for line in (data.get("tags") or "").splitlines() if line.strip()]
        return data


class MembersForm(KernForm):
    members = forms.CharField(
        label=gettext_lazy("Mitglieder"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Je Zeile ein Regionalschlüssel (12 Ziffern) und die Rolle: federführend, Partner oder "
            "Landkreis, z. B. „073355011000 federführend“."
        ),
    )

    ROLE_WORDS = {
        "federführend": MemberRole.LEAD,
        "partner": MemberRole.PARTNER,
        "landkreis": MemberRole.KREIS,
    }

    def pairs(self) -> list[tuple[str, str]]:
        """(ARS, role) per line; a line that cannot be read is an error at the field."""
        pairs = []
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            words = line.split()
            if not words:
                continue
            role = self.ROLE_WORDS.get(words[1].casefold() if len(words) > 1 else "partner")
            if not words[0].isdigit() or len(words[0]) != 12 or role is None:
                self.add_error("members", _("Zeile %(line)s ist nicht lesbar.") % {"line": number})
                return []
            pairs.append((words[0], str(role)))
        return pairs


class DocumentForm(KernForm):
    kind = forms.ChoiceField(label=gettext_lazy("Art"), choices=PracticeDocumentKind.choices)
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    file = forms.FileField(
        label=gettext_lazy("Datei (PDF)"),
        required=False,
        help_text=gettext_lazy("höchstens 20 MB; oder eine Fundstelle angeben"),
    )
    url = forms.URLField(
        label=gettext_lazy("Fundstelle"), max_length=500, required=False, assume_scheme="https"
    )
    dated = forms.DateField(
        label=gettext_lazy("Datum"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Pflicht bei Vereinbarungen und Ratsbeschlüssen"),
    )
    reusable = forms.BooleanField(label=gettext_lazy("zur Nachnutzung"), required=False)
    licence = forms.CharField(
        label=gettext_lazy("Lizenz"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Pflicht bei Dokumenten zur Nachnutzung, z. B. CC BY 4.0"),
    )


class LikeMineForm(KernForm):
    aufgabe = forms.ChoiceField(label=gettext_lazy("Aufgabe"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aufgabe"].choices = [  # type: ignore[attr-defined]
            ("", _("alle Aufgaben der Körperschaft")),
            *Task.objects.order_by("sort_order", "name").values_list("slug", "name"),
        ]


# --- rows of a record: contact persons, funding, key figures ----------------------------------------


class _RowForm(KernForm):
    """One row of a list of the record. Empty rows are skipped; ``entfernen`` drops the row. The
    service checks the rules (:func:`.services.practice._entries`); this form reads German input."""

    entfernen = forms.BooleanField(label=gettext_lazy("Zeile entfernen"), required=False)

    #: the key of the record's list this form edits
    list_name = ""

    def entry(self) -> dict[str, Any] | None:
        """The row as an entry of the list, ``None`` when removed or left empty."""
        data = self.cleaned_data
        if data.get("entfernen"):
            return None
        entry: dict[str, Any] = {}
        for name, value in data.items():
            if name == "entfernen" or value in (None, "", False):
                continue
            if isinstance(value, Decimal):
                value = f"{value:f}"
            elif isinstance(value, dt.date):
                value = value.isoformat()
            entry[name] = value
        return entry or None

    @classmethod
    def initial_of(cls, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The stored entries as initial rows (dates back to dates so the form shows them)."""
        rows = []
        for item in entries:
            row = {key: value for key, value in item.items() if key in cls.base_fields}
            for key, value in list(row.items()):
                if isinstance(cls.base_fields[key], forms.DateField) and isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        row[key] = dt.date.fromisoformat(value)
            rows.append(row)
        return rows


def _date_field(label: Any) -> forms.DateField:
    # German dates as typed ("31.12.2025") as well as the date picker's ISO value
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "TT.MM.JJJJ"}),
    )


class ContactRowForm(_RowForm):
    list_name = "contact_persons"
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    function = forms.CharField(label=gettext_lazy("Funktion"), max_length=200, required=False)
    body_ars = forms.CharField(
        label=gettext_lazy("Kommune (Regionalschlüssel)"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("12 Ziffern"),
    )
    email = forms.CharField(label=gettext_lazy("E-Mail"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("Telefon"), max_length=50, required=False)
    decides = forms.BooleanField(label=gettext_lazy("entscheidungsbefugt"), required=False)


class FundingRowForm(_RowForm):
    list_name = "funding"
    programme = forms.CharField(label=gettext_lazy("Förderprogramm"), max_length=200, required=False)
    amount = money_field(gettext_lazy("Betrag (EUR)"))  # type: ignore[arg-type]
    period = forms.CharField(
        label=gettext_lazy("Zeitraum"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("z. B. 01.01.2026–31.12.2027"),
    )
    notice_date = _date_field(gettext_lazy("Bescheid vom"))
    authority = forms.CharField(label=gettext_lazy("Bewilligungsbehörde"), max_length=200, required=False)
    # the notice's reference: kept so that "Angaben aus Verbund ergänzen" does not add it again
    reference = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput())


class KpiRowForm(_RowForm):
    list_name = "kpis"
    name = forms.CharField(label=gettext_lazy("Kennzahl"), max_length=200, required=False)
    unit = forms.CharField(label=gettext_lazy("Einheit"), max_length=50, required=False)
    baseline = quantity_field(gettext_lazy("Ausgangswert"), min_value=None, decimal_places=4, max_digits=19)  # type: ignore[arg-type]
    target = quantity_field(gettext_lazy("Zielwert"), min_value=None, decimal_places=4, max_digits=19)  # type: ignore[arg-type]
    value = quantity_field(gettext_lazy("aktueller Wert"), min_value=None, decimal_places=4, max_digits=19)  # type: ignore[arg-type]
    date = _date_field(gettext_lazy("Stand vom"))


#: the lists of a record edited as rows on its edit page: (prefix = the record's field, form, heading)
ROW_FORMS: tuple[tuple[str, type[_RowForm], Any], ...] = (
    ("contact_persons", ContactRowForm, gettext_lazy("Ansprechpersonen")),
    ("funding", FundingRowForm, gettext_lazy("Förderung")),
    ("kpis", KpiRowForm, gettext_lazy("Kennzahlen")),
)
#: empty rows offered for new entries under each list
EXTRA_ROWS = 1


def row_formsets(data: Any, record: PracticeRecord | None) -> list[tuple[Any, forms.BaseFormSet]]:
    """One formset per list of :data:`ROW_FORMS` (``data``: the POST or ``None``), filled from ``record``."""
    formsets = []
    for prefix, form_class, heading in ROW_FORMS:
        factory = forms.formset_factory(form_class, extra=EXTRA_ROWS, max_num=50, validate_max=True)
        initial = form_class.initial_of(list(getattr(record, prefix) or [])) if record else []
        formsets.append((heading, factory(data, initial=initial, prefix=prefix)))
    return formsets


def row_values(formsets: list[tuple[Any, forms.BaseFormSet]]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The lists as the service takes them, and for each list the formset index of every entry (so
    that the service's "<list>.<row>.<key>" errors land on the row the user typed)."""
    values: dict[str, Any] = {}
    positions: dict[str, list[int]] = {}
    for _heading, formset in formsets:
        entries, where = [], []
        for index, form in enumerate(formset.forms):
            entry = form.entry()
            if entry is not None:
                entries.append(entry)
                where.append(index)
        values[str(formset.prefix)] = entries
        positions[str(formset.prefix)] = where
    return values, positions
