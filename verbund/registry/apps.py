"""Every Gebietskörperschaft from the official Destatis directory."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "verbund.registry"
    verbose_name = "Register"
