"""Every Gebietskörperschaft from the official Destatis directory."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "verbund.registry"
    verbose_name = _("Register")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
