"""Knowledge: the service catalogue and who is responsible for a service, request routing, council
documents and a staff assistant with sources (issue 14)."""

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy


class KnowledgeConfig(AppConfig):
    name = "verbund.knowledge"
    verbose_name = gettext_lazy("Wissen und Zuständigkeit")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .tasks_oparl import add_beat_schedule as add_oparl_beat  # periodic OParl harvest

        add_oparl_beat()
        checks.register(check_route_examples)


def check_route_examples(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``KNOWLEDGE_ROUTE_EXAMPLES`` names readable files of labelled requests (``knowledge.E001``)."""
    from .services.routing import example_problem

    problem = example_problem()
    if problem is None:
        return []
    return [
        checks.Error(
            problem,
            hint="Tab-separated lines 'request<TAB>service name' in UTF-8; 'builtin' or empty are allowed.",
            id="knowledge.E001",
        )
    ]
