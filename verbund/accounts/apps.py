"""Users, their roles in bodies, API tokens and access helpers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "verbund.accounts"
    verbose_name = _("Konten")

    def ready(self) -> None:
        # The lower floors (registry, audit) reach principals through verbund.common.principal.
        from verbund.common.principal import set_principal_builder

        from . import audit_actions  # noqa: F401  (declares this part's audit actions)
        from .principal import principal_for

        set_principal_builder(principal_for)

        # Notifications (a floor below) reach users by platform role and by role in a body.
        from verbund.notifications.services import register_audience_resolver

        from .models import BODY_ROLES, RoleAssignment

        def _holders(**where: object) -> list[int]:
            return list(RoleAssignment.objects.filter(**where).values_list("user_id", flat=True))

        register_audience_resolver("role", lambda role: _holders(role=role, body__isnull=True))
        register_audience_resolver(
            "body", lambda body_id, roles: _holders(body_id=body_id, role__in=roles or BODY_ROLES)
        )

        from django.contrib.auth.signals import user_logged_in

        from .language import apply_language_at_login

        user_logged_in.connect(apply_language_at_login, dispatch_uid="verbund.accounts.language")

        from .two_factor import decide_at_login

        user_logged_in.connect(decide_at_login, dispatch_uid="verbund.accounts.two_factor")
