"""KERN UX forms and the German fields every form uses.

* :class:`KernFormMixin` / :class:`KernForm` / :class:`KernModelForm`: every widget gets its KERN
  class, fields with errors the error variant; render a field with ``{% include "forms/kern_field.html" %}``.
* :class:`GermanDecimalField`, :func:`money_field`, :func:`quantity_field`: accept what a German user
  types ("6.500,00", "1.250", "6 500 €") and show values the German way.
* :func:`apply_refusal`: put a service's refusal at the field it names, else above the form.

Example (a view)::

    form = CostItemForm(request.POST)
    if form.is_valid() and run_on_form(
        form, lambda: cost_item_add(actor=request_actor(request), **form.cleaned_data)
    ):
        return redirect(...)

``request_actor`` (:mod:`verbund.ui.actor`) is the acting user typed as an ``Actor`` (403 if anonymous).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from verbund.common.errors import as_refusal
from verbund.common.german import GermanNumberError, format_number, normalize_number

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
    """Give every widget its KERN class, and the error variant to fields that have errors.

    ``field_aliases`` maps a service's field names to this form's (``{"fields": "fields_of_action"}``),
    so that :func:`apply_refusal` finds the right field.
    """

    fields: dict[str, forms.Field]
    #: The ``id`` pattern of the inputs; forms that share a page use their own, so ids stay unique.
    id_format = "id_%s"
    field_aliases: Mapping[str, str] = {}

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


class KernForm(KernFormMixin, forms.Form):
    """A plain form in KERN UX markup."""


class KernModelForm(KernFormMixin, forms.ModelForm):
    """A model form in KERN UX markup."""


def apply_refusal(form: forms.BaseForm, exc: BaseException, *, default_field: str | None = None) -> None:
    """Show a refusal (or Django ``ValidationError``) on ``form``: each message at the field it names
    when the form has that field, otherwise at ``default_field`` or above the form."""
    refusal = as_refusal(exc)
    if refusal is None:
        raise exc
    aliases = getattr(form, "field_aliases", {})
    if refusal.fields:
        for name, messages in refusal.fields.items():
            name = aliases.get(name, name)
            target = name if name in form.fields else default_field
            form.add_error(target, list(messages))
    else:
        form.add_error(default_field, refusal.detail)
    if isinstance(form, KernFormMixin):
        form.mark_errors()


def run_on_form(form: forms.BaseForm, action: Any, *, default_field: str | None = None) -> Any:
    """Run ``action()``; a refusal (other than not-found) lands on ``form`` and gives ``None``.

    Not-found is re-raised: a form must not tell that an object of another tenant exists.
    """
    from verbund.common.errors import NotFound

    try:
        result = action()
    except Exception as exc:
        refusal = as_refusal(exc)
        if refusal is None or isinstance(refusal, NotFound):
            raise
        apply_refusal(form, refusal, default_field=default_field)
        return None
    return True if result is None else result


# --- German numbers -------------------------------------------------------------------------------


class GermanNumberInput(forms.TextInput):
    """A text input that shows a number the German way ("6.500,00") and asks for a decimal keyboard."""

    def __init__(self, places: int | None = None, attrs: dict[str, Any] | None = None) -> None:
        merged = {"inputmode": "decimal", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=merged)
        self.places = places

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = Decimal(normalize_number(value))
            except GermanNumberError:
                return value  # what the user typed, shown back with its error
        return format_number(Decimal(value), self.places)


class GermanDecimalField(forms.DecimalField):
    """A decimal field that reads German input: "6.500,00", "6500,00", "1.250" (= 1250), "6 500 €".

    An English point is a decimal point only where it cannot group thousands ("1234.5").
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        places = kwargs.get("decimal_places")
        kwargs.setdefault("widget", GermanNumberInput(places=places))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str) and value.strip():
            try:
                value = normalize_number(value)
            except GermanNumberError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from exc
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # No HTML min/max/step: the browser would validate "6.500,00" as an English number.
        for key in ("min", "max", "step"):
            attrs.pop(key, None)
        return attrs


class GermanIntegerField(forms.IntegerField):
    """An integer field that accepts thousands dots ("12.500" = 12500)."""

    widget = forms.TextInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GermanNumberInput(places=0, attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip():
            try:
                number = Decimal(normalize_number(value))
            except GermanNumberError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from exc
            if number != number.to_integral_value():
                raise forms.ValidationError(_("Bitte eine ganze Zahl eingeben."), code="invalid")
            value = str(int(number))
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        for key in ("min", "max", "step"):
            attrs.pop(key, None)
        return attrs


def money_field(
    label: str,
    *,
    required: bool = False,
    help_text: str = "",
    min_value: Decimal | None = Decimal("0"),
    **kwargs: Any,
) -> GermanDecimalField:
    """An amount in EUR with cents ("6.500,00")."""
    return GermanDecimalField(
        label=label,
        required=required,
        min_value=min_value,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        **kwargs,
    )


def quantity_field(
    label: str,
    *,
    required: bool = False,
    help_text: str = "",
    decimal_places: int = 2,
    max_digits: int = 14,
    min_value: Decimal | None = Decimal("0"),
    **kwargs: Any,
) -> GermanDecimalField:
    """A quantity (cases, hours, inhabitants, hectares) typed the German way ("1.250" or "12,5")."""
    return GermanDecimalField(
        label=label,
        required=required,
        min_value=min_value,
        max_digits=max_digits,
        decimal_places=decimal_places,
        help_text=help_text,
        **kwargs,
    )
