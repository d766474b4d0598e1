"""Shared helpers: errors, pagination, data directory."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "verbund.common"
    verbose_name = "Gemeinsames"
