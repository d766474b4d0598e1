"""Users, their roles in bodies, API tokens and access helpers."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "verbund.accounts"
    verbose_name = "Konten"

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
