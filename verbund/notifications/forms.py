"""Forms of the notifications pages: e-mail preferences and webhook subscriptions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.ui.forms import KernForm

from .models import Mode, WebhookSubscription
from .services import EVENT_TYPES

AS_GLOBAL = ""


def _type_choices() -> list[tuple[str, str]]:
    return sorted(((name, str(kind.label)) for name, kind in EVENT_TYPES.items()), key=lambda c: c[1])


class PreferencesForm(KernForm):
    """The global choice and, per event type, "wie allgemein" or an own choice."""

    global_mode = forms.ChoiceField(label=_("E-Mails zu Benachrichtigungen"), choices=Mode.choices)

    def __init__(self, *args: Any, preferences: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["global_mode"].initial = preferences.get("", Mode.IMMEDIATE)
        self.type_fields: list[str] = []
        for name, label in _type_choices():
            key = "type__" + name
            self.fields[key] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[(AS_GLOBAL, _("wie allgemein eingestellt")), *Mode.choices],
                initial=preferences.get(name, AS_GLOBAL),
            )
            self.type_fields.append(key)
            # added after the mixin styled the declared fields: give it the same KERN class
            self.fields[key].widget.attrs["class"] = self.fields["global_mode"].widget.attrs.get("class", "")

    def modes(self) -> dict[str, str]:
        modes = {"": self.cleaned_data["global_mode"]}
        for key in self.type_fields:
            modes[key.removeprefix("type__")] = self.cleaned_data.get(key) or ""
        return modes

    def type_bound_fields(self) -> list[Any]:
        return [self[key] for key in self.type_fields]


class WebhookForm(KernForm):
    name = forms.CharField(label=_("Bezeichnung"), max_length=200)
    target_url = forms.URLField(
        label=_("Ziel-URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Adresse, an die Verbund die Ereignisse sendet (POST)."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Ereignisarten"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Keine Auswahl: alle Ereignisarten."),
    )
    alliance_id = forms.TypedChoiceField(
        label=_("Verbund"), required=False, coerce=int, empty_value=None, help_text=_("Leer: alle Verbünde.")
    )
    secret = forms.CharField(
        label=_("Geheimnis"),
        required=False,
        max_length=200,
        help_text=_(
            "Schlüssel für die HMAC-SHA256-Signatur. "
            "Leer lassen: beim Anlegen zufällig, beim Ändern unverändert."
        ),
    )
    active = forms.BooleanField(label=_("aktiv"), required=False, initial=True)

    def __init__(self, *args: Any, alliances: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = _type_choices()  # type: ignore[attr-defined]
        self.fields["alliance_id"].choices = [("", _("alle Verbünde")), *alliances]  # type: ignore[attr-defined]

    @classmethod
    def initial_of(cls, subscription: WebhookSubscription) -> dict[str, Any]:
        return {
            "name": subscription.name,
            "target_url": subscription.target_url,
            "event_types": subscription.event_types,
            "alliance_id": subscription.alliance_id,
            "active": subscription.active,
        }
