"""Crisis management: joint administrative staffs, the staff log, messages, the situation picture,
the resource pool and mutual aid between bodies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EmergencyConfig(AppConfig):
    name = "verbund.emergency"
    verbose_name = gettext_lazy("Krisenmanagement")

    def ready(self) -> None:
        # A staff function is a grant of the platform core: the principal reads the staffs and the
        # events a person holds a function in.
        from verbund.accounts.principal import register_grants_provider

        from . import (
            audit_actions,  # noqa: F401  (declares this part's audit actions)
            events_notify,  # noqa: F401  (declares the alert and event notification types)
        )
        from .policies import EVENT_MEMBER, STAFF_MEMBER, member_grants

        register_grants_provider((STAFF_MEMBER, EVENT_MEMBER), member_grants)

        # Periodic job: the situation reports of the open events when their interval is over.
        from .tasks import add_beat_schedule

        add_beat_schedule()
