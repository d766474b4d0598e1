"""Forms of the planning pages (KERN UX markup and German numbers through the UI kit: every numeric
parameter accepts "1.250", "0,95" and "120.000,00")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from verbund.common.german import public_text
from verbund.registry.models import Body, Kind
from verbund.registry.selectors import body_label
from verbund.shared_services.models import Task, TaskCostModel
from verbund.ui.forms import GermanIntegerField, KernForm, money_field, quantity_field

from .models import SolverKind
from .selectors import HOLDER_KIND_CHOICES


def state_choices() -> list[tuple[str, str]]:
    return list(Body.objects.current().of_kind(Kind.LAND).order_by("state").values_list("state", "name"))


def kreis_choices(state: str) -> list[tuple[str, str]]:
    """Landkreise and kreisfreie Städte of the Land; the value is the 5-digit Kreis key."""
    rows = (
        Body.objects.current()
        .in_state(state)
        .of_kind(Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND, Kind.KREISFREIE_STADT)
        .values_list("ars", "kind", "name")
    )
    return sorted(((ars[:5], body_label(kind, name)) for ars, kind, name in rows), key=lambda c: c[1])


class CostModelForm(KernForm):
    """The parameters of ``C(v) = F + c · v^β`` and of cooperation, with the assumptions behind them."""

    fixed_cost = money_field(cast(str, _("Fixkosten F einer Dienststelle (EUR/Jahr)")), required=True)
    unit_cost = quantity_field(
        cast(str, _("Kosten je Einheit c (EUR)")), required=True, max_digits=12, decimal_places=4
    )
    scale_exponent = quantity_field(
        cast(str, _("Größenexponent β")),
        required=True,
        min_value=Decimal("0.1"),
        max_value=Decimal(1),
        max_digits=4,
        decimal_places=3,
        help_text=cast(
            str, _("1 = keine Größenvorteile; je kleiner, desto günstiger wird jeder weitere Fall.")
        ),
    )
    volume_per_inhabitant = quantity_field(
        cast(str, _("Menge je Einwohner und Jahr")), required=True, max_digits=10, decimal_places=5
    )
    overhead_per_member = money_field(
        cast(str, _("Koordinationsaufwand je weiterem Mitglied (EUR/Jahr)")), required=True
    )
    travel_cost_per_case_km = quantity_field(
        cast(str, _("Wegekosten je Fall und km (EUR)")),
        required=True,
        max_digits=8,
        decimal_places=4,
        help_text=cast(
            str, _("Was ein Fall an Wegen zur gastgebenden Stelle kostet; 0 bei rein digitalen Verfahren.")
        ),
    )
    detour_factor = quantity_field(
        cast(str, _("Umwegfaktor")),
        required=True,
        min_value=Decimal(1),
        max_digits=4,
        decimal_places=2,
        help_text=cast(str, _("Straßenkilometer je Kilometer Luftlinie (üblich 1,2 bis 1,4).")),
    )
    assumptions = forms.CharField(
        label=_("Annahmen und Quellen"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    @classmethod
    def initial_from(cls, model: TaskCostModel) -> dict[str, Any]:
        initial = {name: getattr(model, name) for name in cls.base_fields}
        initial["assumptions"] = public_text(model.assumptions)  # no reference to internal documents
        return initial


class RecommendationForm(KernForm):
    """Which task, how large a group, and optional limits."""

    task = forms.ChoiceField(label=_("Aufgabe"))
    max_size = forms.TypedChoiceField(
        label=_("Größte Gruppe (mit Ihrer Körperschaft)"),
        coerce=int,
        choices=[(n, format_lazy(_("{count} Mitglieder"), count=n)) for n in range(2, 7)],
        initial=4,
    )
    max_distance_km = quantity_field(
        cast(str, _("Höchstentfernung zum Gastgeber (km)")),
        min_value=Decimal(1),
        max_value=Decimal(500),
        max_digits=6,
        decimal_places=1,
    )
    contiguous = forms.BooleanField(label=_("Nur zusammenhängende Gebiete"), required=False)
    within_kreis = forms.BooleanField(label=_("Nur im selben Kreis"), required=False)

    def __init__(self, *args: Any, tasks: list[Task], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = [(t.slug, t.name) for t in tasks]  # type: ignore[attr-defined]


class BodySearchForm(KernForm):
    q = forms.CharField(
        label=_("Körperschaft suchen (Name oder Gemeindeschlüssel)"), max_length=100, required=False
    )


class ScenarioForm(KernForm):
    """A Land-wide (or regional) plan: task, region, method, constraints."""

    name = forms.CharField(
        label=_("Bezeichnung"), max_length=200, required=False, help_text=_("Leer: Aufgabe und Land.")
    )
    task = forms.ChoiceField(label=_("Aufgabe"))
    state = forms.ChoiceField(label=_("Land"))
    kreise = forms.MultipleChoiceField(
        label=_("Nur in diesen Kreisen"),
        required=False,
        help_text=_("Keine Auswahl: das ganze Land. Mehrfachauswahl mit Strg bzw. Cmd."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    solver = forms.ChoiceField(
        label=_("Verfahren"),
        choices=SolverKind.choices,
        initial=SolverKind.HEURISTIC,
        widget=forms.RadioSelect,
    )
    max_members = GermanIntegerField(
        label=_("Höchstzahl Mitglieder je Gruppe"), min_value=2, max_value=50, required=False, initial=5
    )
    max_population = GermanIntegerField(
        label=_("Höchstzahl Einwohner je Gruppe"), min_value=1, required=False, help_text=_("z. B. 250.000")
    )
    max_distance_km = quantity_field(
        cast(str, _("Höchstentfernung zum Gastgeber (km)")),
        min_value=Decimal(1),
        max_value=Decimal(1000),
        max_digits=6,
        decimal_places=1,
    )
    contiguous = forms.BooleanField(
        label=_("Nur zusammenhängende Gruppen (gemeinsame Grenzen)"), required=False, initial=True
    )
    within_kreis = forms.BooleanField(label=_("Gruppen bleiben innerhalb eines Kreises"), required=False)
    keep_alliances = forms.BooleanField(
        label=_("Bestehende Verbünde mit geteiltem Dienst für diese Aufgabe als feste Gruppen behalten"),
        required=False,
    )
    holder_kinds = forms.MultipleChoiceField(
        label=_("Abweichende Träger der Aufgabe"),
        required=False,
        choices=HOLDER_KIND_CHOICES,
        help_text=_("Keine Auswahl: wie im Aufgabenkatalog (z. B. Verbandsgemeinden für das Standesamt)."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, state: str = "07", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tasks = list(Task.objects.order_by("sort_order", "name").values_list("slug", "name"))
        self.fields["task"].choices = tasks  # type: ignore[attr-defined]
        states = state_choices() or [("07", "Rheinland-Pfalz")]
        self.fields["state"].choices = states  # type: ignore[attr-defined]
        self.fields["kreise"].choices = kreis_choices(state)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        state = data.get("state") or ""
        bad = [k for k in data.get("kreise") or [] if not k.startswith(state)]
        if bad:
            self.add_error("kreise", _("Diese Kreise liegen nicht im gewählten Land."))
        return data
