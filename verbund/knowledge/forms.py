"""Forms of the knowledge part's pages (KERN UX markup). They check the shape of the input; the
services (:mod:`.services.rules`, :mod:`.services.catalogue`) check the rules and name the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.registry.labels import STATE_NAMES
from verbund.shared_services.models import Task
from verbund.ui.forms import KernForm

from .models import Catalogue, Service
from .services.rules import kind_choices

#: the largest catalogue file (Munich's 287 services are 300 KB)
MAX_CATALOGUE_UPLOAD = 50 * 1024 * 1024


def _lines(words: list[str] | None) -> str:
    return "\n".join(words or [])


class ServiceSearchForm(KernForm):
    q = forms.CharField(
        label=gettext_lazy("Leistung suchen (Bezeichnung oder Schlagwort)"), max_length=200, required=False
    )
    katalog = forms.ChoiceField(label=gettext_lazy("Katalog"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["katalog"].choices = [  # type: ignore[attr-defined]
            ("", _("alle Kataloge")),
            *Catalogue.objects.order_by("name").values_list("slug", "name"),
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is dropped and shown at its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "catalogue": data.get("katalog") or ""}


class ServiceEditForm(KernForm):
    synonyms = forms.CharField(
        label=gettext_lazy("Synonyme"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Wörter, die Bürgerinnen und Bürger verwenden, eines je Zeile (z. B. Perso)"),
    )
    keywords = forms.CharField(
        label=gettext_lazy("Schlagworte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("eines je Zeile; ein erneutes Einlesen des Katalogs ersetzt sie"),
    )
    task = forms.ModelChoiceField(
        label=gettext_lazy("Aufgabe (geteilte Dienste)"),
        queryset=Task.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("– keine –"),
        help_text=gettext_lazy(
            "Ein geteilter Dienst eines Verbunds für diese Aufgabe verlegt die Zuständigkeit zum Anbieter."
        ),
    )
    active = forms.BooleanField(label=gettext_lazy("aktiv (wird angezeigt und zugeordnet)"), required=False)

    @classmethod
    def initial_of(cls, service: Service) -> dict[str, Any]:
        return {
            "synonyms": _lines(service.synonyms),
            "keywords": _lines(service.keywords),
            "task": service.task_id,
            "active": service.active,
        }


class HolderRuleForm(KernForm):
    state = forms.ChoiceField(label=gettext_lazy("Land"), choices=sorted(STATE_NAMES.items()), initial="07")
    leika_prefix = forms.CharField(
        label=gettext_lazy("LeiKa-Präfix"),
        max_length=14,
        required=False,
        help_text=gettext_lazy(
            "99 und bis zu zwölf weitere Ziffern, z. B. 99115 (Meldewesen); "
            "leer, wenn die Regel für eine Leistung gilt"
        ),
    )
    service = forms.CharField(
        label=gettext_lazy("oder: Leistung (Kennung im Katalog)"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Eine Regel für eine Leistung geht den Präfixen vor."),
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Zuständige Arten von Körperschaften"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Zuständig ist die nächste Körperschaft einer dieser Arten, von der Gemeinde aufwärts."
        ),
    )
    label = forms.CharField(
        label=gettext_lazy("Bezeichnung"), max_length=200, help_text=gettext_lazy("z. B. Meldebehörde")
    )
    verified = forms.BooleanField(
        label=gettext_lazy("geprüft (an der Rechtsgrundlage bestätigt)"), required=False
    )
    source = forms.CharField(label=gettext_lazy("Rechtsgrundlage / Quelle"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kind_choices()  # type: ignore[attr-defined]

    def clean_leika_prefix(self) -> str:
        return "".join(str(self.cleaned_data.get("leika_prefix") or "").split())

    def clean_service(self) -> Service | None:
        external_id = (self.cleaned_data.get("service") or "").strip()
        if not external_id:
            return None
        service = Service.objects.filter(external_id=external_id).first()
        if service is None:
            raise forms.ValidationError(_("Keine Leistung mit dieser Kennung im Katalog."))
        return service

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CatalogueImportForm(KernForm):
    file = forms.FileField(
        label=gettext_lazy("Katalogdatei (JSON Lines)"),
        help_text=gettext_lazy(
            "Eine Leistung je Zeile: id, name, leika, keywords, description, url (UTF-8, .jsonl)"
        ),
    )
    name = forms.CharField(label=gettext_lazy("Bezeichnung des Katalogs"), max_length=200)
    slug = forms.SlugField(
        label=gettext_lazy("Kennung des Katalogs"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            "Beim erneuten Einlesen desselben Katalogs gleich lassen; leer: aus der Bezeichnung"
        ),
    )
    source = forms.CharField(label=gettext_lazy("Quelle"), max_length=500, required=False)
    licence = forms.CharField(label=gettext_lazy("Lizenz"), max_length=100, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_CATALOGUE_UPLOAD:
            raise forms.ValidationError(_("Die Datei ist größer als 50 MB."))
        return upload


class ContactForm(KernForm):
    office = forms.CharField(
        label=gettext_lazy("Dienststelle"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("z. B. Bürgerbüro"),
    )
    street = forms.CharField(label=gettext_lazy("Straße und Hausnummer"), max_length=200, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postleitzahl"), max_length=10, required=False)
    city = forms.CharField(label=gettext_lazy("Ort"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("Telefon"), max_length=50, required=False)
    email = forms.CharField(label=gettext_lazy("E-Mail"), max_length=254, required=False)
    website = forms.CharField(
        label=gettext_lazy("Internetseite"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("mit https://"),
    )
    hours = forms.CharField(
        label=gettext_lazy("Öffnungszeiten"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ResponsibilityForm(KernForm):
    """The question of the page "Wer ist zuständig?" (GET): a service and a municipality."""

    leistung = forms.CharField(
        label=gettext_lazy("Leistung (Bezeichnung, Schlagwort oder Kennung)"), max_length=200, required=False
    )
    gemeinde = forms.CharField(
        label=gettext_lazy("Ihre Gemeinde (Name oder Regionalschlüssel)"), max_length=100, required=False
    )
