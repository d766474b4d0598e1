"""Cyber security: advisories, assets and matching, TLP sharing, incidents, WiBA, shared officers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SecurityConfig(AppConfig):
    name = "verbund.security"
    verbose_name = gettext_lazy("Informationssicherheit")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)

        # A shared security officer holds a grant on each body served; the principal reads it.
        from verbund.accounts.principal import register_grant_provider

        from .policies import ALLIANCE_OFFICER, OFFICER, officer_alliance_ids, officer_body_ids

        register_grant_provider(OFFICER, officer_body_ids)
        register_grant_provider(ALLIANCE_OFFICER, officer_alliance_ids)
