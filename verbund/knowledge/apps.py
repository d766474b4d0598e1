"""Knowledge: the service catalogue and who is responsible for a service, request routing, council
documents and a staff assistant with sources (issue 14; being built)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class KnowledgeConfig(AppConfig):
    name = "verbund.knowledge"
    verbose_name = gettext_lazy("Wissen und Zuständigkeit")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .tasks_oparl import add_beat_schedule as add_oparl_beat  # periodic OParl harvest

        add_oparl_beat()
