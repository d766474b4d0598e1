"""The UI kit's forms: German number fields accept what a German user types, show values the
German way, and refusals land at their field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404

from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.ui.forms import GermanIntegerField, KernForm, money_field, quantity_field, run_on_form


class CostForm(KernForm):
    amount = money_field("Betrag", required=True)
    hours = quantity_field("Stunden")
    inhabitants = GermanIntegerField(label="Einwohner", required=False)
    note = forms.CharField(label="Notiz", required=False)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("6.500,00", "6500.00"),
        ("1.250", "1250"),
        ("6500", "6500"),
        ("12,5", "12.5"),
        ("1234.56", "1234.56"),
        ("6 500,00 €", "6500.00"),
    ],
)
def test_money_accepts_german_input(typed: str, amount: str) -> None:
    form = CostForm({"amount": typed, "hours": "1.250", "inhabitants": "12.500"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal(amount)
    assert form.cleaned_data["hours"] == Decimal("1250")
    assert form.cleaned_data["inhabitants"] == 12500


@pytest.mark.parametrize("typed", ["1,2,3", "zwölf", "1.2345,00", "12,345"])
def test_money_refuses_clearly(typed: str) -> None:
    form = CostForm({"amount": typed})
    assert not form.is_valid()
    assert "amount" in form.errors
    assert "--error" in form.fields["amount"].widget.attrs["class"]


def test_integer_refuses_fractions() -> None:
    form = CostForm({"amount": "1", "inhabitants": "12,5"})
    assert not form.is_valid()
    assert form.errors["inhabitants"] == ["Bitte eine ganze Zahl eingeben."]


def test_values_are_shown_the_german_way() -> None:
    form = CostForm(initial={"amount": Decimal("6500.5"), "inhabitants": 12500})
    html = str(form["amount"])
    assert 'value="6.500,50"' in html and 'inputmode="decimal"' in html
    assert 'value="12.500"' in str(form["inhabitants"])
    assert "step=" not in html and "min=" not in html


def test_run_on_form_puts_refusals_at_their_field_and_reraises_not_found() -> None:
    form = CostForm({"amount": "1"})
    assert form.is_valid()

    def refuse_field() -> None:
        raise Invalid(fields={"hours": ["Zu viele Stunden."]})

    assert run_on_form(form, refuse_field) is None
    assert form.errors["hours"] == ["Zu viele Stunden."]

    form = CostForm({"amount": "1"})
    form.is_valid()
    assert run_on_form(form, lambda: (_ for _ in ()).throw(Conflict("Schon abgeschlossen."))) is None
    assert form.non_field_errors() == ["Schon abgeschlossen."]

    form = CostForm({"amount": "1"})
    form.is_valid()
    assert run_on_form(form, lambda: (_ for _ in ()).throw(ValidationError({"note": "Zu lang."}))) is None
    assert form.errors["note"] == ["Zu lang."]

    with pytest.raises(NotFound):
        run_on_form(form, lambda: (_ for _ in ()).throw(NotFound()))
    with pytest.raises(Http404):
        run_on_form(form, lambda: (_ for _ in ()).throw(Http404()))
    with pytest.raises(ZeroDivisionError):
        run_on_form(form, lambda: 1 / 0)
    assert run_on_form(form, lambda: "done") == "done"
