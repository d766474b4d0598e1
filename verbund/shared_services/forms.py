"""Forms of the shared-services pages, on the UI kit (:mod:`verbund.ui.forms`): KERN markup, German
numbers ("6.500,00", "1.250") in every money and quantity field.

The rules live in the services and the allocation engine; views run the services with
:func:`verbund.ui.forms.run_on_form`, which puts a refusal next to the field it concerns. The key editor
(:class:`KeyForm`) builds an allocation key configuration from a few plain fields — type, up to three
weighted parts, a fixed share, a price — and takes any other configuration as JSON; the engine
validates the result.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from verbund.ui.forms import (
    DateInput,
    GermanDecimalField,
    GermanIntegerField,
    KernForm,
    apply_refusal,
    money_field,
    quantity_field,
)

from . import allocation
from .models import CostCategory, PlanKind, SettlementKind, Task

ARS_REGEX = r"^[0-9]{12}$"


# --- services and recipients ------------------------------------------------------------------------


class ServiceForm(KernForm):
    name = forms.CharField(
        label=_("Bezeichnung"), max_length=200, help_text=_("z. B. „Zentrale Vergabestelle“")
    )
    task = forms.ModelChoiceField(
        label=_("Aufgabe"), queryset=Task.objects.order_by("sort_order", "name"), to_field_name="slug"
    )
    provider = forms.ChoiceField(label=_("Erbringende Körperschaft"))
    recipients = forms.MultipleChoiceField(
        label=_("Empfänger ab Beginn"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("In der Regel auch die erbringende Körperschaft selbst."),
    )
    start_date = forms.DateField(label=_("Beginn"), widget=DateInput())
    description = forms.CharField(
        label=_("Beschreibung"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = members  # type: ignore[attr-defined]
        self.fields["recipients"].choices = members  # type: ignore[attr-defined]


class ServiceEditForm(KernForm):
    """What the coordinator may change of a service besides key and recipients."""

    id_format = "edit_%s"
    name = forms.CharField(label=_("Bezeichnung"), max_length=200)
    legal_basis = forms.ChoiceField(label=_("Rechtsgrundlage (Vereinbarung des Verbunds)"), required=False)
    legal_basis_note = forms.CharField(
        label=_("Fundstelle"), max_length=200, required=False, help_text=_("z. B. „§ 5 Kostenerstattung“")
    )
    advance_instalments = forms.TypedChoiceField(
        label=_("Abschläge je Jahr"),
        coerce=int,
        choices=[(1, _("jährlich")), (2, _("halbjährlich")), (4, _("vierteljährlich")), (12, _("monatlich"))],
    )
    description = forms.CharField(
        label=_("Beschreibung"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].choices = [("", _("– keine –")), *agreements]  # type: ignore[attr-defined]


class RecipientForm(KernForm):
    id_format = "recipient_%s"
    ars = forms.ChoiceField(label=_("Körperschaft"))
    from_date = forms.DateField(label=_("ab"), widget=DateInput())

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ars"].choices = candidates  # type: ignore[attr-defined]


class RecipientEndForm(KernForm):
    id_format = "end_%s"
    until_date = forms.DateField(label=_("bis einschließlich"), widget=DateInput())


class PopulationForm(KernForm):
    id_format = "population_%s"
    ars = forms.ChoiceField(label=_("Körperschaft"))
    year = forms.IntegerField(label=_("Abrechnungsjahr"), min_value=2000, max_value=2100)
    population = GermanIntegerField(label=_("Einwohner"), min_value=0, max_value=100_000_000)
    reference_date = forms.DateField(label=_("Stichtag"), widget=DateInput())
    source = forms.CharField(
        label=_("Quelle"), max_length=200, help_text=_("z. B. Statistisches Landesamt, Stand 30.06.")
    )

    def __init__(self, *args: Any, recipients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ars"].choices = recipients  # type: ignore[attr-defined]


# --- the key editor ---------------------------------------------------------------------------------

BASIS_CHOICES = [
    ("", "–"),
    ("equal", _("Grundbetrag (gleiche Teile)")),
    ("population", _("Einwohner")),
    ("area", _("Fläche")),
    ("volume", _("Menge (Fälle, Stunden …)")),
]
TYPE_CHOICES = [
    ("equal", _("Grundbetrag: alle zahlen gleich viel")),
    ("population", _("nach Einwohnern")),
    ("area", _("nach Fläche")),
    ("volume", _("nach erfasster Menge")),
    ("mix", _("Mischschlüssel (z. B. 50 % Grundbetrag + 50 % Einwohner)")),
    ("fixed_share", _("fester Anteil für ein Mitglied, Rest nach Mischung oder Grundlage")),
    ("price_per_unit", _("Preis je Einheit (z. B. 1,90 EUR je Einwohner)")),
    ("json", _("erweitert: Schlüssel als JSON")),
]
PARTS = 3


def _percent_field(label: Any) -> GermanDecimalField:
    """An optional 0–100 % share; the key's parts and the fixed share take the same input ("12,5")."""
    return GermanDecimalField(label=label, required=False, min_value=0, max_value=100, decimal_places=2)


class KeyForm(KernForm):
    """Builds a key configuration; :meth:`config` is the validated, normalised result."""

    id_format = "key_%s"
    key_type = forms.ChoiceField(
        label=_("Art des Schlüssels"), choices=TYPE_CHOICES, widget=forms.RadioSelect
    )
    part1_weight = _percent_field(_("Teil 1: Anteil in %"))
    part1_basis = forms.ChoiceField(label=_("Teil 1: Grundlage"), choices=BASIS_CHOICES, required=False)
    part2_weight = _percent_field(_("Teil 2: Anteil in %"))
    part2_basis = forms.ChoiceField(label=_("Teil 2: Grundlage"), choices=BASIS_CHOICES, required=False)
    part3_weight = _percent_field(_("Teil 3: Anteil in %"))
    part3_basis = forms.ChoiceField(label=_("Teil 3: Grundlage"), choices=BASIS_CHOICES, required=False)
    fixed_member = forms.ChoiceField(label=_("Mitglied mit festem Anteil"), required=False)
    fixed_percent = _percent_field(_("Fester Anteil in %"))
    price = GermanDecimalField(
        label=_("Preis je Einheit (EUR)"), required=False, min_value=0, max_digits=14, decimal_places=4
    )
    price_unit = forms.ChoiceField(
        label=_("Einheit des Preises"),
        required=False,
        choices=[
            ("population", _("je Einwohner")),
            ("volume", _("je erfasster Einheit (Fall, Stunde …)")),
            ("area", _("je Hektar")),
            ("member", _("je Mitglied und Jahr")),
        ],
    )
    price_unit_label = forms.CharField(
        label=_("Bezeichnung der Einheit"), required=False, max_length=60, help_text=_("z. B. „Stunde“")
    )
    population_reference = forms.CharField(
        label=_("Einwohner-Stichtag (Text)"),
        required=False,
        max_length=100,
        help_text=_("z. B. „30.06. des Vorjahres“"),
    )
    volume_unit = forms.CharField(
        label=_("Mengeneinheit"), required=False, max_length=60, help_text=_("z. B. „Fallzahlen“")
    )
    config_json = forms.CharField(
        label=_("Schlüssel als JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    preview_year = forms.IntegerField(
        label=_("Vorschau für das Jahr"), min_value=2000, max_value=2100, required=False
    )
    preview_total = money_field(
        cast(str, _("Vorschau-Betrag (EUR)")), help_text=cast(str, _("leer: Plankosten des Jahres"))
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fixed_member"].choices = [("", _("– bitte wählen –")), *members]  # type: ignore[attr-defined]
        # The example is code to copy, not text to read: shown as such (and never translated).
        self.fields["config_json"].help_text = format_html(
            "{} <code>{}</code> – {}",
            _("Für Fachleute, z. B."),
            '{"type": "fixed_share", "shares": {"073330000000": "30"}, "rest": {"type": "equal"}}',
            _("Mitglieder mit ihrem Regionalschlüssel (ARS)"),
        )
        self._config: dict[str, Any] | None = None

    def _basis(self, basis: str, data: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"type": basis}
        if basis == "population" and data.get("population_reference"):
            config["reference"] = data["population_reference"]
        if basis == "volume" and data.get("volume_unit"):
            config["unit"] = data["volume_unit"]
        return config

    def _parts(self, data: dict[str, Any]) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        for n in range(1, PARTS + 1):
            weight, basis = data.get(f"part{n}_weight"), data.get(f"part{n}_basis")
            if weight and basis:
                parts.append({"weight": str(weight), "key": self._basis(basis, data)})
        if not parts:
            raise ValidationError(
                {"part1_weight": _("Bitte mindestens einen Teil mit Anteil und Grundlage angeben.")}
            )
        if len(parts) == 1:
            if Decimal(parts[0]["weight"]) != 100:
                raise ValidationError({"part1_weight": _("Ein einzelner Teil trägt 100 %.")})
            return dict(parts[0]["key"])
        return {"type": "mix", "parts": parts}

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        key_type = data.get("key_type")
        if key_type in ("equal", "population", "area", "volume"):
            return self._basis(str(key_type), data)
        if key_type == "mix":
            return self._parts(data)
        if key_type == "fixed_share":
            if not data.get("fixed_member"):
                raise ValidationError({"fixed_member": _("Bitte das Mitglied mit festem Anteil wählen.")})
            if data.get("fixed_percent") is None:
                raise ValidationError({"fixed_percent": _("Bitte den festen Anteil in Prozent angeben.")})
            percent = Decimal(data["fixed_percent"])
            config: dict[str, Any] = {"type": "fixed_share", "shares": {data["fixed_member"]: str(percent)}}
            if percent < 100:
                config["rest"] = self._parts(data)
            return config
        if key_type == "price_per_unit":
            if data.get("price") is None:
                raise ValidationError({"price": _("Bitte den Preis je Einheit angeben.")})
            config = {
                "type": "price_per_unit",
                "price": str(data["price"]),
                "unit": data.get("price_unit") or "population",
            }
            if data.get("price_unit_label"):
                config["unit_label"] = data["price_unit_label"]
            return config
        try:
            loaded = json.loads(data.get("config_json") or "")
        except json.JSONDecodeError as exc:
            raise ValidationError(
                {
                    "config_json": _("Kein gültiges JSON: %(error)s (Zeile %(line)s).")
                    % {"error": exc.msg, "line": exc.lineno}
                }
            ) from exc
        if not isinstance(loaded, dict):
            raise ValidationError({"config_json": _("Der Schlüssel ist ein JSON-Objekt.")})
        return loaded

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            config = self.build(data)
            self._config = allocation.validate_key(config)
        except ValidationError as exc:
            apply_refusal(self, exc)
        except allocation.KeyConfigError as exc:
            field = "config_json" if data.get("key_type") == "json" else None
            if field is None and "weight" in exc.path:
                field = "part1_weight"
            self.add_error(field, _("Der Schlüssel ist nicht gültig: %(error)s") % {"error": exc})
        return data

    @property
    def config(self) -> dict[str, Any]:
        assert self._config is not None, "call is_valid() first"
        return self._config


def key_initial(config: dict[str, Any]) -> dict[str, Any]:
    """Form values that reproduce ``config``; anything the simple fields cannot show becomes JSON."""
    initial: dict[str, Any] = {"config_json": json.dumps(config, ensure_ascii=False, indent=2)}
    key_type = config.get("type")

    def basis_fields(key: dict[str, Any]) -> bool:
        if not key.get("type") or key.get("type") not in dict(BASIS_CHOICES):
            return False
        if key.get("reference"):
            initial["population_reference"] = key["reference"]
        if key.get("unit"):
            initial["volume_unit"] = key["unit"]
        return True

    def part_fields(key: dict[str, Any]) -> bool:
        if key.get("type") == "mix" and len(key["parts"]) <= PARTS:
            for n, part in enumerate(key["parts"], start=1):
                if not basis_fields(part["key"]):
                    return False
                initial[f"part{n}_weight"] = Decimal(part["weight"])
                initial[f"part{n}_basis"] = part["key"]["type"]
            return True
        if basis_fields(key):
            initial["part1_weight"] = Decimal(100)
            initial["part1_basis"] = key["type"]
            return True
        return False

    if key_type in ("equal", "population", "area", "volume"):
        basis_fields(config)
        initial["key_type"] = key_type
    elif key_type == "mix" and part_fields(config):
        initial["key_type"] = "mix"
    elif (
        key_type == "fixed_share"
        and len(config["shares"]) == 1
        and ("rest" not in config or part_fields(config["rest"]))
    ):
        ((member, percent),) = config["shares"].items()
        initial.update(key_type="fixed_share", fixed_member=member, fixed_percent=Decimal(percent))
    elif key_type == "price_per_unit":
        initial.update(
            key_type="price_per_unit",
            price=Decimal(config["price"]),
            price_unit=config.get("unit", "population"),
            price_unit_label=config.get("unit_label", ""),
        )
    else:
        initial["key_type"] = "json"
    return initial


# --- cost plans and volumes -------------------------------------------------------------------------


class CostItemForm(KernForm):
    id_format = "item_%s"
    category = forms.ChoiceField(label=_("Kostenart"), choices=CostCategory.choices)
    description = forms.CharField(label=_("Bezeichnung"), max_length=200)
    fte = quantity_field(cast(str, _("Stellenanteil (VZÄ, nur Personal)")), max_digits=6)
    pay_grade = forms.ChoiceField(label=_("Entgelt-/Besoldungsgruppe (nur Personal)"), required=False)
    amount = GermanDecimalField(
        label=_("Betrag in EUR (Sach-, IT-, sonstige Kosten, Erlöse)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    percent = quantity_field(cast(str, _("Prozent der Personalkosten (nur Gemeinkosten)")), max_digits=5)

    def __init__(self, *args: Any, pay_grades: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pay_grade"].choices = [("", "–"), *((g, g) for g in pay_grades)]  # type: ignore[attr-defined]


class CostPlanCopyForm(KernForm):
    id_format = "copy_%s"
    source_year = forms.IntegerField(label=_("aus dem Jahr"), min_value=2000, max_value=2100)
    source_kind = forms.ChoiceField(label=_("aus dem Plan"), choices=PlanKind.choices)


class VolumeForm(KernForm):
    id_format = "volume_%s"
    ars = forms.ChoiceField(label=_("Körperschaft"))
    period_start = forms.DateField(label=_("von"), widget=DateInput())
    period_end = forms.DateField(label=_("bis einschließlich"), widget=DateInput())
    quantity = quantity_field(cast(str, _("Menge")), required=True, max_digits=12)
    note = forms.CharField(label=_("Bemerkung"), required=False, max_length=200)

    def __init__(self, *args: Any, recipients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ars"].choices = recipients  # type: ignore[attr-defined]


class VolumeImportForm(KernForm):
    id_format = "import_%s"
    file = forms.FileField(
        label=_("CSV-Datei"),
        help_text=_(
            "Spalten: ars;von;bis;menge;bemerkung (Kopfzeile erforderlich; Mengen wie 1.250 oder 12,5)"
        ),
    )


class ComputeForm(KernForm):
    id_format = "compute_%s"
    year = forms.IntegerField(label=_("Jahr"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Art"), choices=SettlementKind.choices)


class CorrectionForm(KernForm):
    id_format = "correction_%s"
    reason = forms.CharField(
        label=_("Grund der Korrektur"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class BillingProfileForm(KernForm):
    """A body's billing data; the service validates (IBAN check digits, BIC, Leitweg-ID, scheme)."""

    id_format = "billing_%s"
    department = forms.CharField(label=_("Organisationseinheit"), required=False, max_length=120)
    street = forms.CharField(label=_("Straße und Hausnummer"), max_length=120)
    postcode = forms.CharField(label=_("Postleitzahl"), max_length=5)
    city = forms.CharField(label=_("Ort"), max_length=80)
    leitweg_id = forms.CharField(
        label=_("Leitweg-ID"),
        required=False,
        max_length=46,
        help_text=_("Routing-ID für E-Rechnungen an diese Körperschaft, z. B. 991-33333TEST-33"),
    )
    email = forms.EmailField(label=_("E-Mail für Rechnungen"), required=False, max_length=120)
    iban = forms.CharField(label=_("IBAN"), required=False, max_length=42)
    bic = forms.CharField(label=_("BIC"), required=False, max_length=11)
    bank = forms.CharField(label=_("Kreditinstitut"), required=False, max_length=120)
    contact_name = forms.CharField(label=_("Ansprechperson"), required=False, max_length=120)
    contact_phone = forms.CharField(label=_("Telefon"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("E-Mail der Ansprechperson"), required=False, max_length=120)
    number_pattern = forms.CharField(
        label=_("Schema des Kassenzeichens"),
        max_length=40,
        initial="{jahr}-{nr}",
        help_text=_("{jahr} = Jahr der Rechnung, {nr} = laufende Nummer im Jahr, z. B. 5.1100.{jahr}.{nr}"),
    )
    number_digits = forms.IntegerField(
        label=_("Stellen der laufenden Nummer"), min_value=1, max_value=10, initial=5
    )
    payment_days = forms.IntegerField(label=_("Zahlungsziel (Tage)"), min_value=0, max_value=365, initial=30)
    tax_note = forms.CharField(
        label=_("Steuerlicher Hinweis"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
