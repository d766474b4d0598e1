"""Funding: programmes, rule sets, applications, grant notices, drawdowns and proof of use."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class FundingConfig(AppConfig):
    name = "verbund.funding"
    verbose_name = gettext_lazy("Förderung")

    def ready(self) -> None:
        # An alliance's page lists its applications; the alliances part offers the hook.
        from verbund.alliances.panels import register_alliance_panel

        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .views import alliance_funding_panel

        register_alliance_panel(alliance_funding_panel)
