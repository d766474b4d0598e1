"""Shared services: tasks one body performs for others, cost plans, allocation keys, settlements."""

from django.apps import AppConfig


class SharedServicesConfig(AppConfig):
    name = "verbund.shared_services"
    verbose_name = "Geteilte Dienste"
