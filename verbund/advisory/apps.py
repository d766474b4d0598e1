"""Advisory office and programme monitoring: advisory cases, the knowledge base of good practice,
model agreements, workshops and the annual conference, evidence per alliance and the programme's
figures for the ministry and the ADD (issue 15)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AdvisoryConfig(AppConfig):
    name = "verbund.advisory"
    verbose_name = gettext_lazy("Beratung und Programm")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
