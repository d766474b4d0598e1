"""The UI kit every part uses: KERN forms and German fields, component templates, the refusal contract
for HTML views, and HTMX helpers. Floor 0: it knows no part."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    name = "verbund.ui"
    verbose_name = _("Oberfläche")
