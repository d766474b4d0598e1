"""Shared helpers: errors, pagination, data directory, translation of pure modules."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "verbund.common"
    verbose_name = _("Gemeinsames")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from . import i18n

        i18n.connect(gettext)
