"""Forms of the funding pages. They validate input and turn it into what the services take; the
rules themselves live in :mod:`verbund.funding.rules` and the services.

Every form is a KERN form of the UI kit (:class:`verbund.ui.forms.KernForm`); every amount is a
:func:`verbund.ui.forms.money_field`, which reads what a German user types ("6.500,00", "210000,00",
"1.250" = one thousand two hundred fifty). Forms with fields per budget year or cost category add
them to ``base_fields`` of the instance before the form is built, so the UI kit styles them too.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance, FieldOfAction, Membership
from verbund.alliances.policies import COORDINATOR
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.ui.forms import DateInput, KernForm, money_field

from . import policies, rules, workflow
from .models import Application, GrantYear, Preset, Programme
from .selectors import CostRow, Draft, one_application_refusal


def _with_fields(form: forms.Form, extra: dict[str, forms.Field]) -> None:
    """Give this instance more declared fields (set before ``__init__`` builds ``self.fields``)."""
    form.__dict__["base_fields"] = {**type(form).base_fields, **extra}


# --- Programmes ----------------------------------------------------------------------------------------


class ProgrammeForm(KernForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    code = forms.CharField(
        label=gettext_lazy("Aktenzeichen-Präfix"), max_length=20, help_text=gettext_lazy("z. B. IKZ-RLP")
    )
    slug = forms.SlugField(label=gettext_lazy("Kürzel für die Adresse"), max_length=60, required=False)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    preset = forms.ChoiceField(
        label=gettext_lazy("Vorlage des Regelwerks"), choices=Preset.choices, initial=Preset.RLP_PILOT
    )
    rule_set = forms.CharField(
        label=gettext_lazy("Regelwerk (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "vb-code", "spellcheck": "false"}),
        help_text=gettext_lazy("Leer lassen, um die Vorlage zu übernehmen. Aufbau: siehe docs/funding.md."),
    )
    eligible_categories = forms.MultipleChoiceField(
        label=gettext_lazy("Förderfähige Kostenarten"),
        choices=[(code, gettext_lazy(label)) for code, label in rules.COST_CATEGORIES.items()],
        initial=list(rules.COST_CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
    )
    window_opens = forms.DateField(label=gettext_lazy("Antragsfrist ab"), required=False, widget=DateInput())
    window_closes = forms.DateField(
        label=gettext_lazy("Antragsfrist bis"), required=False, widget=DateInput()
    )
    second_approval_above = money_field(
        cast(str, gettext_lazy("Vier-Augen-Prinzip: zweite Freigabe über (EUR)")),
        help_text=cast(
            str,
            gettext_lazy(
                "Bewilligungen und Mittelfreigaben über diesem Betrag braucht eine zweite, andere Person "
                "der Bewilligungsbehörde. Leer lassen: aus."
            ),
        ),
    )
    budget_year_1 = forms.IntegerField(
        label=gettext_lazy("Haushaltsjahr"), required=False, min_value=2000, max_value=2100
    )
    budget_1 = money_field(cast(str, gettext_lazy("Mittel (EUR)")))
    budget_year_2 = forms.IntegerField(
        label=gettext_lazy("Haushaltsjahr"), required=False, min_value=2000, max_value=2100
    )
    budget_2 = money_field(cast(str, gettext_lazy("Mittel (EUR)")))

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        if programme is not None:
            self.fields["slug"].disabled = True
            self.fields["rule_set"].help_text = _(
                "Änderungen gelten für künftige Prüfungen; Bescheide bleiben."
            )
            self.fields["budget_year_1"].label = _("Neues Haushaltsjahr")

    def clean_rule_set(self) -> dict[str, Any] | None:
        text = self.cleaned_data["rule_set"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("Kein gültiges JSON (Zeile %(lineno)s, Spalte %(colno)s).")
                % {"lineno": exc.lineno, "colno": exc.colno}
            ) from exc
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
        _with_fields(
            self,
            {
                f"budget_{year}": money_field(_("Mittel %(year)s (EUR)") % {"year": year}, required=True)
                for year, _budget in years
            },
        )
        super().__init__(*args, **kwargs)
        for year, budget in years:
            self.initial.setdefault(f"budget_{year}", budget)

    def budgets(self) -> dict[int, Decimal]:
        return {int(name.removeprefix("budget_")): value for name, value in self.cleaned_data.items()}


# --- Applications --------------------------------------------------------------------------------------


def draft_options(principal: Principal) -> list[tuple[str, str]]:
    """``"alliance_id:body_id"`` choices of the alliances and applicant bodies ``principal`` may draft for."""
    if principal.is_system or not policies.may_draft_anything(principal):
        return []
    own_bodies = principal.body_ids(*policies.DRAFT_ROLES)
    coordinated = principal.granted(COORDINATOR)
    memberships = (
        Membership.objects.current()
        .filter(Q(body_id__in=own_bodies) | Q(alliance_id__in=coordinated))
        .select_related("alliance", "body")
        .order_by("alliance__name", "body__name")
    )
    return [
        (
            f"{m.alliance_id}:{m.body_id}",
            _("%(alliance)s – beantragt durch %(body)s") % {"alliance": m.alliance.name, "body": m.body.name},
        )
        for m in memberships
    ]


class ApplicationCreateForm(KernForm):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Förderprogramm"), queryset=Programme.objects.none(), empty_label=None
    )
    alliance_applicant = forms.ChoiceField(label=gettext_lazy("Verbund und antragstellendes Mitglied"))
    title = forms.CharField(label=gettext_lazy("Bezeichnung des Vorhabens"), max_length=200)

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.visible_to(principal).order_by("name")  # type: ignore[attr-defined]
        self.fields["alliance_applicant"].choices = draft_options(principal)  # type: ignore[attr-defined]

    def alliance_and_applicant(self) -> tuple[Alliance, Body]:
        alliance_id, body_id = (int(v) for v in self.cleaned_data["alliance_applicant"].split(":"))
        return Alliance.objects.get(pk=alliance_id), Body.objects.get(pk=body_id)

    def clean(self) -> dict[str, Any]:
        """Before a draft starts: refuse one that the rule "one application per alliance" would
        never let through, naming the existing application."""
        data = super().clean() or {}
        programme = data.get("programme")
        if programme is not None and data.get("alliance_applicant"):
            alliance, _applicant = self.alliance_and_applicant()
            refusal = one_application_refusal(programme, alliance)
            if refusal:
                self.add_error("alliance_applicant", refusal)
        return data

    def existing_applications(self) -> list[str]:
        """The open applications of the alliances offered, so the page says so before drafting."""
        choices = self.fields["alliance_applicant"].choices  # type: ignore[attr-defined]
        alliance_ids = {int(value.split(":")[0]) for value, _label in choices}
        rows = (
            Application.objects.filter(alliance_id__in=alliance_ids, status__in=workflow.OPEN)
            .select_related("programme", "alliance")
            .order_by("alliance__name", "programme__name", "number")
        )
        return [
            _("%(alliance)s: %(reference)s im Programm „%(programme)s“ (%(status)s)%(rule)s")
            % {
                "alliance": a.alliance.name,
                "reference": a.reference,
                "programme": a.programme.name,
                "status": a.get_status_display(),
                "rule": _(" – nach der Regel „ein Antrag je Verbund“ ist dort kein weiterer Antrag möglich")
                if a.programme.rules.one_application_per_alliance
                else "",
            }
            for a in rows
        ]


class DraftForm(KernForm):
    """The draft: project, members taking part, period, cost plan (category × year), request per
    budget year, savings, duration, reason for deviations. Field names of the grid:
    ``cost_<category>_<year>`` and ``request_<year>``."""

    title = forms.CharField(label=gettext_lazy("Bezeichnung des Vorhabens"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung des Vorhabens"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    fields_of_action = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Handlungsfelder"),
        queryset=FieldOfAction.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participants = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Beteiligte Mitglieder"),
        queryset=Body.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = forms.DateField(label=gettext_lazy("Beginn"), required=False, widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("Ende"), required=False, widget=DateInput())
    requested_amount = money_field(cast(str, gettext_lazy("Beantragte Zuwendung (EUR)")))
    special_need_region = forms.BooleanField(
        label=gettext_lazy("Raum mit besonderem Handlungsbedarf"), required=False
    )
    baseline_annual_costs = money_field(cast(str, gettext_lazy("Jährliche Kosten ohne Kooperation (EUR)")))
    expected_annual_costs = money_field(cast(str, gettext_lazy("Jährliche Kosten mit Kooperation (EUR)")))
    commitment_years = forms.IntegerField(
        label=gettext_lazy("Geplante Dauer der Zusammenarbeit (Jahre)"),
        required=False,
        min_value=1,
        max_value=99,
    )
    deviation_reason = forms.CharField(
        label=gettext_lazy("Begründung für Abweichungen von den Förderregeln"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Nur nötig, wenn eine Prüfung nicht erfüllt ist, von der begründet abgewichen werden darf."
        ),
    )

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        programme_years = list(application.programme.years.order_by("year").values_list("year", flat=True))
        self.request_years = programme_years
        cost_years = set(application.costs.values_list("year", flat=True))
        if programme_years:
            cost_years |= set(range(programme_years[0], programme_years[-1] + 2))
        self.cost_years = sorted(cost_years)
        self.categories = [(code, _(label)) for code, label in rules.COST_CATEGORIES.items()]
        extra: dict[str, forms.Field] = {
            f"cost_{code}_{year}": money_field(f"{label} {year}")
            for code, label in self.categories
            for year in self.cost_years
        }
        extra.update(
            {
                f"request_{year}": money_field(_("Haushaltsjahr %(year)s (EUR)") % {"year": year})
                for year in self.request_years
            }
        )
        _with_fields(self, extra)
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Body.objects.filter(  # type: ignore[attr-defined]
            pk__in=Membership.objects.current().filter(alliance_id=application.alliance_id).values("body_id")
        ).order_by("name")
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
    id_format = "att_%s"

    title = forms.CharField(label=gettext_lazy("Bezeichnung der Anlage"), max_length=200)
    file = forms.FileField(label=gettext_lazy("Datei (PDF)"))


class InfoRequestForm(KernForm):
    id_format = "info_%s"

    question = forms.CharField(
        label=gettext_lazy("Rückfrage an den Verbund"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(KernForm):
    id_format = "answer_%s"

    answer = forms.CharField(label=gettext_lazy("Antwort"), widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(KernForm):
    id_format = "reject_%s"

    reasons = forms.CharField(
        label=gettext_lazy("Gründe der Ablehnung"), widget=forms.Textarea(attrs={"rows": 4})
    )


class GrantForm(KernForm):
    """Amount per budget year (``grant_<year>``), period, conditions, reason for a deviation."""

    period_start = forms.DateField(label=gettext_lazy("Bewilligungszeitraum ab"), widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("Bewilligungszeitraum bis"), widget=DateInput())
    conditions = forms.CharField(
        label=gettext_lazy("Nebenbestimmungen"), widget=forms.Textarea(attrs={"rows": 10})
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Begründung einer Abweichung von den Förderregeln"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Nötig, wenn eine Prüfung nicht erfüllt ist (z. B. Höchstbetrag). Haushaltsmittel "
            "können nie überschritten werden."
        ),
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        self.years = years
        _with_fields(
            self,
            {
                f"grant_{year}": money_field(_("Bewilligt für %(year)s (EUR)") % {"year": year})
                for year in years
            },
        )
        super().__init__(*args, **kwargs)

    def year_fields(self) -> list[Any]:
        return [self[f"grant_{year}"] for year in self.years]

    def amounts(self) -> dict[int, Decimal]:
        return {y: self.cleaned_data[f"grant_{y}"] for y in self.years if self.cleaned_data.get(f"grant_{y}")}


class DrawdownForm(KernForm):
    id_format = "draw_%s"

    grant_year = forms.ChoiceField(label=gettext_lazy("Haushaltsjahr"))
    amount = money_field(cast(str, gettext_lazy("Betrag (EUR)")), required=True)
    note = forms.CharField(label=gettext_lazy("Verwendungszweck"), required=False, max_length=500)

    def __init__(self, *args: Any, grant_years: list[GrantYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grant_year"].choices = [  # type: ignore[attr-defined]
            (
                str(y.programme_year.year),
                _("%(year)s (abrufbar %(amount)s)")
                % {"year": y.programme_year.year, "amount": rules.eur(y.available)},
            )
            for y in grant_years
        ]


class DecisionForm(KernForm):
    id_format = "decide_%s"

    # No preset on money decisions: the empty first choice must be changed deliberately.
    decision = forms.ChoiceField(
        label=gettext_lazy("Entscheidung"),
        choices=[
            ("", gettext_lazy("– bitte wählen –")),
            ("approve", gettext_lazy("freigeben / annehmen")),
            ("return", gettext_lazy("zurückgeben")),
        ],
        error_messages={
            "required": gettext_lazy("Bitte die Entscheidung wählen: freigeben oder zurückgeben.")
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Bemerkung (bei Rückgabe: Begründung)"), required=False, max_length=2000
    )


class PrematureStartForm(KernForm):
    """The authority records its approval of a premature start (vorzeitiger Maßnahmebeginn)."""

    id_format = "premature_%s"

    approved_on = forms.DateField(label=gettext_lazy("Zugestimmt am"), widget=DateInput())
    note = forms.CharField(
        label=gettext_lazy("Bemerkung (z. B. Aktenzeichen der Zustimmung)"), required=False, max_length=2000
    )


class PrematureStartWithdrawForm(KernForm):
    """The authority withdraws its consent to a premature start, with the reason."""

    id_format = "premature_withdraw_%s"

    reason = forms.CharField(label=gettext_lazy("Grund des Widerrufs"), max_length=2000)


class ProofForm(KernForm):
    report = forms.CharField(label=gettext_lazy("Sachbericht"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _with_fields(
            self,
            {
                f"actual_{code}": money_field(
                    _("Tatsächliche Ausgaben: %(label)s (EUR)") % {"label": _(label)}
                )
                for code, label in rules.COST_CATEGORIES.items()
            },
        )
        super().__init__(*args, **kwargs)

    def cost_fields(self) -> list[Any]:
        return [self[f"actual_{code}"] for code in rules.COST_CATEGORIES]

    def actual_costs(self) -> dict[str, Decimal]:
        return {
            code: self.cleaned_data[f"actual_{code}"]
            for code in rules.COST_CATEGORIES
            if self.cleaned_data.get(f"actual_{code}") is not None
        }


class PortfolioFilterForm(KernForm):
    id_format = "filter_%s"

    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programm"),
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Alle Programme"),
    )
    field = forms.ChoiceField(label=gettext_lazy("Handlungsfeld"), required=False)
    kreis = forms.RegexField(
        label=gettext_lazy("Kreisschlüssel"), regex=r"^[0-9]{5}$", required=False, max_length=5
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            ("", _("Alle Handlungsfelder")),
            *(
                (slug, _(name))  # the seeded names are in the catalogue
                for slug, name in FieldOfAction.objects.order_by("sort_order", "name").values_list(
                    "slug", "name"
                )
            ),
        ]

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "programme": data.get("programme"),
            "field": data.get("field") or "",
            "kreis": data.get("kreis") or "",
        }
