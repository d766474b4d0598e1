"""Append-only record of every change."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "verbund.audit"
    verbose_name = "Protokoll"
