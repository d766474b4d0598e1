"""Shared services: tasks one body performs for others, cost plans, allocation keys, settlements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedServicesConfig(AppConfig):
    name = "verbund.shared_services"
    verbose_name = _("Geteilte Dienste")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)

        # A body's page lists the services it provides or receives (for those who may see them);
        # the registry (floor 0) offers the hook, this part fills it.
        try:
            from verbund.registry.panels import register_body_panel
        except ImportError:  # pragma: no cover - the hook is optional
            return
        from verbund.alliances.panels import register_alliance_panel

        from .views import alliance_services_panel, body_services_panel

        register_body_panel(body_services_panel)
        register_alliance_panel(alliance_services_panel)
