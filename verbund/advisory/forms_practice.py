"""Forms of the good-practice pages (KERN UX markup). They check the shape of the input; the service
(:mod:`.services.practice`) checks the rules and names the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.shared_services.models import Task
from verbund.ui.forms import DateInput, GermanIntegerField, KernForm, money_field

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
