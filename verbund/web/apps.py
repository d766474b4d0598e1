"""The web shell: base templates, start page, demo data."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "verbund.web"
    verbose_name = "Oberfläche"
