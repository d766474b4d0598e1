"""Every Gebietskörperschaft from the official Destatis directory."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "verbund.registry"
    verbose_name = "Register"

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
