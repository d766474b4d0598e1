"""Planning: task cost models, partner recommendations and Land-wide cooperation plans."""

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "verbund.planning"
    verbose_name = "Planung"
