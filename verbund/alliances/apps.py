"""Kooperationsverbünde: the alliance, its members, lifecycle, agreements and derived facts."""

from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "verbund.alliances"
    verbose_name = "Kooperationsverbünde"
