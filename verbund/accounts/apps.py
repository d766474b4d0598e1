"""Users, their roles in bodies, API tokens and access helpers."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "verbund.accounts"
    verbose_name = "Konten"

    def ready(self) -> None:
        # The lower floors (registry, audit) reach principals through verbund.common.principal.
        from verbund.common.principal import set_principal_builder

        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .principal import principal_for

        set_principal_builder(principal_for)
