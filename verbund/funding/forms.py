"""Forms of the funding pages. They validate input and turn it into what the services take; the
rules themselves live in :mod:`verbund.funding.rules` and the services.

Money fields accept German input ("210.000,00" or "210000,00"): ``localize=True`` parses with the
active locale (German), and the fields are text inputs with ``inputmode="decimal"``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from verbund.alliances.models import Alliance, FieldOfAction, Membership
from verbund.registry.models import Body

from . import rules
from .models import Application, GrantYear, Preset, Programme
from .selectors import CostRow, Draft

_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_money(text: str) -> str:
    """German money input to a plain decimal string: "210.000,50" → "210000.50", "50.000" → "50000",
    "1234.5" → "1234.5" (a lone dot that does not group thousands is a decimal point)."""
    value = text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("EUR").removesuffix("€").strip()
    if "," in value:
        return value.replace(".", "").replace(",", ".")
    if _THOUSANDS.match(value):
        return value.replace(".", "")
    return value


class MoneyField(forms.DecimalField):
    """A Decimal field (cents) that reads German input with or without thousands separators."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = parse_money(value)
        return super().to_python(value)


def money_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DecimalField:
    return MoneyField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def date_input() -> forms.DateInput:
    """A native date picker; the value is ISO (``YYYY-MM-DD``), which the browser shows localised."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class KernForm(forms.Form):
    """A form whose widgets carry the KERN UX classes (and the error variant on invalid fields).

    ``id_prefix`` keeps the ids unique when several forms share a page (``<prefix>_<name>``).
    """

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self._style()

    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "kern-form-check__checkbox"
            elif isinstance(widget, forms.Select):
                css = "kern-form-input__select"
            elif isinstance(widget, forms.Textarea):
                css = "kern-form-input__input kern-form-input__textarea"
            else:
                css = "kern-form-input__input"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def mark_errors(self) -> None:
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            css = field.widget.attrs.get("class", "")
            if name in errors and "--error" not in css:
                field.widget.attrs["class"] = f"{css} {css.split()[0]}--error".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_errors()


# --- Programmes ----------------------------------------------------------------------------------------


class ProgrammeForm(KernForm):
    name = forms.CharField(label="Name", max_length=200)
    code = forms.CharField(label="Aktenzeichen-Präfix", max_length=20, help_text="z. B. IKZ-RLP")
    slug = forms.SlugField(label="Kürzel für die Adresse", max_length=60, required=False)
    description = forms.CharField(
        label="Beschreibung", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    preset = forms.ChoiceField(
        label="Vorlage des Regelwerks", choices=Preset.choices, initial=Preset.RLP_PILOT
    )
    rule_set = forms.CharField(
        label="Regelwerk (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "vb-code", "spellcheck": "false"}),
        help_text="Leer lassen, um die Vorlage zu übernehmen. Aufbau: siehe docs/funding.md.",
    )
    eligible_categories = forms.MultipleChoiceField(
        label="Förderfähige Kostenarten",
        choices=list(rules.COST_CATEGORIES.items()),
        initial=list(rules.COST_CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
    )
    window_opens = forms.DateField(label="Antragsfrist ab", required=False, widget=date_input())
    window_closes = forms.DateField(label="Antragsfrist bis", required=False, widget=date_input())
    budget_year_1 = forms.IntegerField(label="Haushaltsjahr", required=False, min_value=2000, max_value=2100)
    budget_1 = money_field("Mittel (EUR)")
    budget_year_2 = forms.IntegerField(label="Haushaltsjahr", required=False, min_value=2000, max_value=2100)
    budget_2 = money_field("Mittel (EUR)")

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        if programme is not None:
            self.fields["slug"].disabled = True
            self.fields["rule_set"].help_text = "Änderungen gelten für künftige Prüfungen; Bescheide bleiben."
            self.fields["budget_year_1"].label = "Neues Haushaltsjahr"

    def clean_rule_set(self) -> dict[str, Any] | None:
        text = self.cleaned_data["rule_set"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}).") from exc
        try:
            rules.RuleSet.from_dict(data)
        except rules.RuleSetError as exc:
            raise ValidationError(exc.messages) from exc
        return dict(data)

    def budgets(self) -> dict[int, Decimal]:
        out = {}
        for n in (1, 2):
            year, budget = self.cleaned_data.get(f"budget_year_{n}"), self.cleaned_data.get(f"budget_{n}")
            if year and budget is not None:
                out[int(year)] = budget
        return out


class BudgetForm(KernForm):
    """Change the budget of existing years (one field per year, named ``budget_<year>``)."""

    def __init__(self, *args: Any, years: list[tuple[int, Decimal]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for year, budget in years:
            self.fields[f"budget_{year}"] = money_field(f"Mittel {year} (EUR)", required=True)
            self.initial.setdefault(f"budget_{year}", budget)
        self._style()

    def budgets(self) -> dict[int, Decimal]:
        return {int(name.removeprefix("budget_")): value for name, value in self.cleaned_data.items()}


# --- Applications --------------------------------------------------------------------------------------


def draft_options(user: Any) -> list[tuple[str, str]]:
    """``"alliance_id:body_id"`` choices of the alliances and applicant bodies ``user`` may draft for."""
    from verbund.alliances.access import viewer_for

    from .access import DRAFT_ROLES

    viewer = viewer_for(user)
    own_bodies = {body_id for body_id, roles in viewer.body_roles.items() if roles & DRAFT_ROLES}
    if not own_bodies and not viewer.coordinated:
        return []
    memberships = (
        Membership.objects.current()
        .filter(Q(body_id__in=own_bodies) | Q(alliance_id__in=viewer.coordinated))
        .select_related("alliance", "body")
        .order_by("alliance__name", "body__name")
    )
    return [
        (f"{m.alliance_id}:{m.body_id}", f"{m.alliance.name} – beantragt durch {m.body.name}")
        for m in memberships
    ]


class ApplicationCreateForm(KernForm):
    programme = forms.ModelChoiceField(
        label="Förderprogramm", queryset=Programme.objects.none(), empty_label=None
    )
    alliance_applicant = forms.ChoiceField(label="Verbund und antragstellendes Mitglied")
    title = forms.CharField(label="Bezeichnung des Vorhabens", max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["alliance_applicant"].choices = draft_options(user)  # type: ignore[attr-defined]

    def alliance_and_applicant(self) -> tuple[Alliance, Body]:
        alliance_id, body_id = (int(v) for v in self.cleaned_data["alliance_applicant"].split(":"))
        return Alliance.objects.get(pk=alliance_id), Body.objects.get(pk=body_id)


class DraftForm(KernForm):
    """The draft: project, members taking part, period, cost plan (category × year), request per
    budget year, savings, duration, reason for deviations. Field names of the grid:
    ``cost_<category>_<year>`` and ``request_<year>``."""

    title = forms.CharField(label="Bezeichnung des Vorhabens", max_length=200)
    description = forms.CharField(
        label="Beschreibung des Vorhabens", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    fields_of_action = forms.ModelMultipleChoiceField(
        label="Handlungsfelder",
        queryset=FieldOfAction.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = forms.ModelMultipleChoiceField(
        label="Beteiligte Mitglieder",
        queryset=Body.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = forms.DateField(label="Beginn", required=False, widget=date_input())
    period_end = forms.DateField(label="Ende", required=False, widget=date_input())
    requested_amount = money_field("Beantragte Zuwendung (EUR)")
    special_need_region = forms.BooleanField(label="Raum mit besonderem Handlungsbedarf", required=False)
    baseline_annual_costs = money_field("Jährliche Kosten ohne Kooperation (EUR)")
    expected_annual_costs = money_field("Jährliche Kosten mit Kooperation (EUR)")
    commitment_years = forms.IntegerField(
        label="Geplante Dauer der Zusammenarbeit (Jahre)", required=False, min_value=1, max_value=99
    )
    deviation_reason = forms.CharField(
        label="Begründung für Abweichungen von den Förderregeln",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Nur nötig, wenn eine Prüfung nicht erfüllt ist, von der begründet abgewichen werden darf.",
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.fields["participants"].queryset = Body.objects.filter(  # type: ignore[attr-defined]
            pk__in=Membership.objects.current().filter(alliance_id=application.alliance_id).values("body_id")
        ).order_by("name")
        programme_years = list(application.programme.years.order_by("year").values_list("year", flat=True))
        self.request_years = programme_years
        cost_years = set(application.costs.values_list("year", flat=True))
        if programme_years:
            cost_years |= set(range(programme_years[0], programme_years[-1] + 2))
        self.cost_years = sorted(cost_years)
        self.categories = list(rules.COST_CATEGORIES.items())
        for code, label in self.categories:
            for year in self.cost_years:
                self.fields[f"cost_{code}_{year}"] = money_field(f"{label} {year}")
        for year in self.request_years:
            self.fields[f"request_{year}"] = money_field(f"Haushaltsjahr {year} (EUR)")
        self._style()
        if not self.is_bound:
            self.initial.update(self._initial())

    def _initial(self) -> dict[str, Any]:
        a = self.application
        initial: dict[str, Any] = {
            "title": a.title,
            "description": a.description,
            "fields_of_action": list(a.fields.all()),
            "participants": list(a.participants.all()),
            "period_start": a.period_start,
            "period_end": a.period_end,
            "requested_amount": a.requested_amount,
            "special_need_region": a.special_need_region,
            "baseline_annual_costs": a.baseline_annual_costs,
            "expected_annual_costs": a.expected_annual_costs,
            "commitment_years": a.commitment_years,
            "deviation_reason": a.deviation_reason,
        }
        for cost in a.costs.all():
            initial[f"cost_{cost.category}_{cost.year}"] = cost.amount
        for row in a.requested_years.all():
            initial[f"request_{row.year}"] = row.amount
        return initial

    def grid(self) -> list[dict[str, Any]]:
        """Rows of the cost plan for the template: label and the bound fields of each year."""
        return [
            {"label": label, "cells": [self[f"cost_{code}_{year}"] for year in self.cost_years]}
            for code, label in self.categories
        ]

    def request_fields(self) -> list[Any]:
        return [self[f"request_{year}"] for year in self.request_years]

    def _value(self, name: str) -> Any:
        """The cleaned value, or ``None`` where the field is invalid (live checks use what is valid)."""
        data = getattr(self, "cleaned_data", {})
        return data.get(name)

    def to_draft(self) -> Draft:
        """The form as a :class:`Draft` for the checks (invalid fields count as empty)."""
        self.is_valid()
        costs = [
            CostRow(code, year, self._value(f"cost_{code}_{year}"))
            for code, _label in self.categories
            for year in self.cost_years
            if self._value(f"cost_{code}_{year}")
        ]
        participants = self._value("participants")
        return Draft(
            participant_ids=[b.pk for b in participants] if participants is not None else [],
            costs=costs,
            requested_amount=self._value("requested_amount") or Decimal("0.00"),
            requested_by_year={
                year: self._value(f"request_{year}")
                for year in self.request_years
                if self._value(f"request_{year}")
            },
            period_start=self._value("period_start"),
            period_end=self._value("period_end"),
            special_need_region=bool(self._value("special_need_region")),
            baseline_annual_costs=self._value("baseline_annual_costs"),
            expected_annual_costs=self._value("expected_annual_costs"),
            commitment_years=self._value("commitment_years"),
        )

    def changes(self) -> dict[str, Any]:
        """What :func:`verbund.funding.services.application_update` takes."""
        draft = self.to_draft()
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "fields": [f.slug for f in data["fields_of_action"]],
            "participants": draft.participant_ids,
            "costs": draft.costs,
            "requested_amount": draft.requested_amount,
            "requested_by_year": draft.requested_by_year,
            "period_start": draft.period_start,
            "period_end": draft.period_end,
            "special_need_region": draft.special_need_region,
            "baseline_annual_costs": draft.baseline_annual_costs,
            "expected_annual_costs": draft.expected_annual_costs,
            "commitment_years": draft.commitment_years,
            "deviation_reason": data["deviation_reason"],
        }


class AttachmentForm(KernForm):
    id_prefix = "att"

    title = forms.CharField(label="Bezeichnung der Anlage", max_length=200)
    file = forms.FileField(label="Datei (PDF)")


class InfoRequestForm(KernForm):
    id_prefix = "info"

    question = forms.CharField(label="Rückfrage an den Verbund", widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(KernForm):
    id_prefix = "answer"

    answer = forms.CharField(label="Antwort", widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(KernForm):
    id_prefix = "reject"

    reasons = forms.CharField(label="Gründe der Ablehnung", widget=forms.Textarea(attrs={"rows": 4}))


class GrantForm(KernForm):
    """Amount per budget year (``grant_<year>``), period, conditions, reason for a deviation."""

    period_start = forms.DateField(label="Bewilligungszeitraum ab", widget=date_input())
    period_end = forms.DateField(label="Bewilligungszeitraum bis", widget=date_input())
    conditions = forms.CharField(label="Nebenbestimmungen", widget=forms.Textarea(attrs={"rows": 10}))
    override_reason = forms.CharField(
        label="Begründung einer Abweichung von den Förderregeln",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Nötig, wenn eine Prüfung nicht erfüllt ist (z. B. Höchstbetrag). Haushaltsmittel "
        "können nie überschritten werden.",
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        for year in years:
            self.fields[f"grant_{year}"] = money_field(f"Bewilligt für {year} (EUR)")
        self._style()

    def year_fields(self) -> list[Any]:
        return [self[f"grant_{year}"] for year in self.years]

    def amounts(self) -> dict[int, Decimal]:
        return {y: self.cleaned_data[f"grant_{y}"] for y in self.years if self.cleaned_data.get(f"grant_{y}")}


class DrawdownForm(KernForm):
    id_prefix = "draw"

    grant_year = forms.ChoiceField(label="Haushaltsjahr")
    amount = money_field("Betrag (EUR)", required=True)
    note = forms.CharField(label="Verwendungszweck", required=False, max_length=500)

    def __init__(self, *args: Any, grant_years: list[GrantYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant_year"].choices = [  # type: ignore[attr-defined]
            (str(y.programme_year.year), f"{y.programme_year.year} (abrufbar {rules.eur(y.available)})")
            for y in grant_years
        ]


class DecisionForm(KernForm):
    id_prefix = "decide"

    decision = forms.ChoiceField(
        label="Entscheidung", choices=[("approve", "freigeben / annehmen"), ("return", "zurückgeben")]
    )
    note = forms.CharField(label="Bemerkung (bei Rückgabe: Begründung)", required=False, max_length=2000)


class ProofForm(KernForm):
    report = forms.CharField(label="Sachbericht", widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in rules.COST_CATEGORIES.items():
            self.fields[f"actual_{code}"] = money_field(f"Tatsächliche Ausgaben: {label} (EUR)")
        self._style()

    def cost_fields(self) -> list[Any]:
        return [self[f"actual_{code}"] for code in rules.COST_CATEGORIES]

    def actual_costs(self) -> dict[str, Decimal]:
        return {
            code: self.cleaned_data[f"actual_{code}"]
            for code in rules.COST_CATEGORIES
            if self.cleaned_data.get(f"actual_{code}") is not None
        }


class PortfolioFilterForm(KernForm):
    id_prefix = "filter"

    programme = forms.ModelChoiceField(
        label="Programm",
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label="Alle Programme",
    )
    field = forms.ChoiceField(label="Handlungsfeld", required=False)
    kreis = forms.RegexField(label="Kreisschlüssel", regex=r"^[0-9]{5}$", required=False, max_length=5)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            ("", "Alle Handlungsfelder"),
            *FieldOfAction.objects.order_by("sort_order", "name").values_list("slug", "name"),
        ]

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "programme": data.get("programme"),
            "field": data.get("field") or "",
            "kreis": data.get("kreis") or "",
        }
