"""Kooperationsverbünde: the alliance, its members, lifecycle, agreements and derived facts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AlliancesConfig(AppConfig):
    name = "verbund.alliances"
    verbose_name = gettext_lazy("Kooperationsverbünde")

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

        # Notifications to an alliance reach its coordinators and the heads of its current members.
        from verbund.notifications.services import register_alliance_choices, register_audience_resolver

        from .events import alliance_audience, alliance_choices, coordinators_of

        register_audience_resolver("alliance", alliance_audience)
        register_audience_resolver(COORDINATOR, coordinators_of)
        register_alliance_choices(alliance_choices)
