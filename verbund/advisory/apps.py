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
        from .tasks import add_beat_schedule as add_event_reminders  # periodic event reminders
        from .tasks_reports import build_programme_report  # noqa: F401  (the programme report job)

        add_event_reminders()
        # A body's page gets "Praxisbeispiele wie Ihres" next to the planning engine's panel.
        from verbund.registry.panels import register_body_panel

        from .views.practice import body_panel as practice_body_panel

        register_body_panel(practice_body_panel)
