"""Forms of the legal pages: the operator's editor and the accessibility feedback form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from verbund.ui.forms import KernForm

from .models import BODY_MAX_LENGTH, MESSAGE_MAX_LENGTH


class LegalPageForm(KernForm):
    title = forms.CharField(label=_("Titel"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "true"}),
        help_text=_(
            "Einfaches Markdown: „## Überschrift“, „### Unterüberschrift“, Absätze durch eine Leerzeile, "
            "Listen mit „- “, **fett**, Links als [Text](https://…). HTML wird als Text angezeigt. "
            "Platzhalter [[…]] werden hervorgehoben, bis Sie sie ersetzen."
        ),
    )


class FeedbackForm(KernForm):
    """The feedback form BITV 2.0 requires: name and e-mail optional, the message required.

    ``website`` is a honeypot: hidden from people (CSS and ``aria-hidden``), filled by bots.
    """

    id_format = "feedback_%s"

    message = forms.CharField(
        label=_("Ihre Nachricht"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Welche Barriere ist Ihnen begegnet? Was hat nicht funktioniert?"),
        error_messages={"required": _("Bitte beschreiben Sie das Problem.")},
    )
    page_url = forms.CharField(
        label=_("Betroffene Seite"),
        max_length=500,
        required=False,
        help_text=_("Adresse oder Name der Seite, z. B. „Verzeichnis der Verbünde“."),
    )
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        required=False,
        help_text=_("Nur wenn Sie eine Antwort wünschen."),
        error_messages={
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an (z. B. name@beispiel.de).")
        },
    )
    website = forms.CharField(
        label=_("Bitte dieses Feld leer lassen"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())
