"""The web shell: base templates, start page, demo data."""

from collections.abc import Iterable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _alliance_names(ids: Iterable[int]) -> dict[int, str]:
    from verbund.alliances.models import Alliance

    return dict(Alliance.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def _body_names(ids: Iterable[int]) -> dict[int, str]:
    from verbund.registry.models import Body

    return dict(Body.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


class WebConfig(AppConfig):
    name = "verbund.web"
    verbose_name = _("Oberfläche")

    def ready(self) -> None:
        # The audit log (lowest floor) names its scopes through the parts above it.
        from verbund.audit.selectors import register_scope_names

        register_scope_names("alliance", _alliance_names)
        register_scope_names("body", _body_names)
        # The audit actions of the legal pages (Impressum, Datenschutz, Barrierefreiheit, feedback).
        from .audit_actions import LEGAL_PAGE_UPDATE  # noqa: F401

        # Operations: the restore's audit action; tasks carry the request id that enqueued them.
        from .backup import audit_actions  # noqa: F401
        from .operations import celery_signals

        celery_signals.connect()
