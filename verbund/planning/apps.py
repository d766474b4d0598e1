"""Planning: task cost models, partner recommendations and Land-wide cooperation plans."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "verbund.planning"
    verbose_name = _("Planung")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)

        # A body's page gets a "Kooperationspotenzial" panel linking to its recommendations (for
        # those who may see them); the registry (floor 0) offers the hook, this part fills it.
        try:
            from verbund.registry.panels import register_body_panel
        except ImportError:  # pragma: no cover - the hook is optional
            return
        from .views import body_panel

        register_body_panel(body_panel)
