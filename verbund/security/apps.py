"""Cyber security: advisories, assets and matching, TLP sharing, incidents, WiBA, shared officers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SecurityConfig(AppConfig):
    name = "verbund.security"
    verbose_name = gettext_lazy("Informationssicherheit")

    def ready(self) -> None:
        # A shared security officer holds a grant on each body served; the principal reads it.
        from verbund.accounts.principal import register_grant_provider

        from . import (
            audit_actions,  # noqa: F401  (declares this part's audit actions)
            events,  # noqa: F401  (declares the match and triage event types)
        )
        from .policies import ALLIANCE_OFFICER, OFFICER, officer_alliance_ids, officer_body_ids
        from .services import incidents  # noqa: F401  (declares the incident event types)

        register_grant_provider(OFFICER, officer_body_ids)
        register_grant_provider(ALLIANCE_OFFICER, officer_alliance_ids)

        # Periodic jobs: polling the CSAF sources, reminders of the NIS2 deadlines of incidents.
        from .tasks import add_beat_schedule, add_incident_beat_schedule

        add_beat_schedule()
        add_incident_beat_schedule()
