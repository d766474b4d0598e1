"""Kooperationsverbünde: the alliance, its members, lifecycle, agreements and derived facts."""

from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "verbund.alliances"
    verbose_name = "Kooperationsverbünde"

    def ready(self) -> None:
        # A body's page lists its alliances; the registry (floor 0) offers the hook, this part fills it.
        from verbund.registry.panels import register_body_panel

        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .views import body_alliances_panel

        register_body_panel(body_alliances_panel)

        # Coordinators hold a grant on their alliance; the principal reads it with the roles.
        from verbund.accounts.principal import register_grant_provider

        from .models import AllianceRole
        from .policies import COORDINATOR

        register_grant_provider(
            COORDINATOR,
            lambda user_id: AllianceRole.objects.filter(user_id=user_id).values_list(
                "alliance_id", flat=True
            ),
        )
