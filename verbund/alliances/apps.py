"""Kooperationsverbünde: the alliance, its members, lifecycle, agreements and derived facts."""

from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "verbund.alliances"
    verbose_name = "Kooperationsverbünde"

    def ready(self) -> None:
        # A body's page lists its alliances; the registry (floor 0) offers the hook, this part fills it.
        from verbund.registry.panels import register_body_panel

        from .views import body_alliances_panel

        register_body_panel(body_alliances_panel)
