"""Append-only record of every change."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "verbund.audit"
    verbose_name = _("Protokoll")
