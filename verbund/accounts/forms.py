"""Forms of the accounts pages (KERN UX through :mod:`verbund.ui.forms`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from verbund.common.errors import Invalid
from verbund.ui.forms import KernForm, KernFormMixin, apply_refusal

from .models import BODY_ROLES, ApiToken, Role, User
from .selectors import find_body

_USERNAME_FIELD = User._meta.get_field("username")


class TokenForm(KernForm):
    name = forms.CharField(
        label=_("Bezeichnung"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("Wofür das Token dient, z. B. „Fachverfahren Kasse“."),
    )


class UserSearchForm(KernForm):
    id_format = "suche_%s"

    q = forms.CharField(
        label=_("Suche"), required=False, help_text=_("Benutzername, Name oder E-Mail-Adresse")
    )


class NewUserForm(KernForm):
    """The fields of a new account (invited by a head, or created by the operator)."""

    username = forms.CharField(
        label=_("Benutzername"),
        max_length=_USERNAME_FIELD.max_length,
        help_text=_("Für die Anmeldung, z. B. „vorname.nachname“: Buchstaben, Ziffern und @ . + - _"),
    )
    first_name = forms.CharField(label=_("Vorname"), max_length=150)
    last_name = forms.CharField(label=_("Nachname"), max_length=150)
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)


class RoleAssignForm(KernForm):
    """A role and, for a body role, the body: by name or by its 12-digit ARS."""

    id_format = "rolle_%s"

    role = forms.ChoiceField(label=_("Rolle"))
    body = forms.CharField(
        label=_("Körperschaft"),
        required=False,
        max_length=200,
        help_text=_(
            "Name oder 12-stelliger Regionalschlüssel (ARS); nur für Sachbearbeitung und Verwaltungsleitung."
        ),
        widget=forms.TextInput(
            attrs={
                # A suggestion list that HTMX fills while typing; without JavaScript the field
                # still takes a name or an ARS.
                "list": "koerperschaften",
                "autocomplete": "off",
                "hx-get": reverse_lazy("accounts:body_suggestions"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#koerperschaften",
                "hx-swap": "innerHTML",
            }
        ),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(role, labels[role]) for role in roles]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role")
        text = (cleaned.get("body") or "").strip()
        cleaned["body_obj"] = None
        if role in BODY_ROLES:
            try:
                cleaned["body_obj"] = find_body(text, field="body")
            except Invalid as exc:
                apply_refusal(self, exc)
        elif role and text:
            self.add_error("body", _("Diese Rolle gilt plattformweit; bitte keine Körperschaft angeben."))
        return cleaned


class SetPasswordKernForm(KernFormMixin, SetPasswordForm):
    """Django's set-password form (two fields, the configured password rules) in KERN markup."""
