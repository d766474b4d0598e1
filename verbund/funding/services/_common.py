"""Helpers shared by the funding services (private to the package)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from verbund.alliances.models import FieldOfAction
from verbund.audit.services import audit_record
from verbund.common.access import authorize, require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid
from verbund.common.money import CENT, cents
from verbund.common.principal import Principal

from .. import policies, rules, workflow
from ..models import Application, ApplicationEvent

MIN_YEAR, MAX_YEAR = 2000, 2100


def principal_of_actor(actor: Actor) -> Principal:
    """The acting principal, read fresh (a string, ``None`` or an anonymous user: ``TypeError``)."""
    return authorize(actor)


def person(actor: Actor) -> Any:
    """The user behind ``actor`` for ``…_by`` columns (``None`` for a system actor)."""
    return None if isinstance(actor, SystemActor) else actor


def require_decider(principal: Principal, message: str = "") -> None:
    require(policies.may_decide(principal), message or _("Das entscheidet die Bewilligungsbehörde."))


def money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("„%(value)s“ ist kein Betrag.") % {"value": value}}) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("Der Betrag darf nicht negativ sein.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("Beträge haben höchstens zwei Nachkommastellen (Cent).")})
    return cents(amount)


def year_of(value: Any, field: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("„%(value)s“ ist kein Jahr.") % {"value": value}}) from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                field: _("Das Jahr %(year)s liegt außerhalb von %(MIN_YEAR)s–%(MAX_YEAR)s.")
                % {"year": year, "MIN_YEAR": MIN_YEAR, "MAX_YEAR": MAX_YEAR}
            }
        )
    return year


def lock(application: Application) -> Application:
    """Re-read the application under a row lock, so that two decisions on it queue up."""
    return (
        Application.objects.select_for_update()
        .select_related("programme", "alliance", "applicant")
        .get(pk=application.pk)
    )


def lock_for_signer(actor: Actor, application: Application, refusal: str) -> Application:
    """The locked application, if ``actor`` signs for the applicant body (else ``refusal``)."""
    principal = principal_of_actor(actor)
    application = lock(application)
    require(policies.may_sign(principal, application), refusal)
    return application


def check_status(application: Application, action: str) -> None:
    reason = workflow.refusal(action, application.status)
    if reason:
        raise Conflict(reason, code="invalid_status")


def transition(application: Application, action: str, actor: Actor, note: str = "") -> ApplicationEvent:
    """Move ``application`` by ``action`` (status already checked) and record the event."""
    old = application.status
    application.status = workflow.target(action)
    application.save(update_fields=["status", "updated_at"])
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=old,
        to_status=application.status,
        by=person(actor),
        note=note,
    )


def audit(
    *,
    actor: Actor,
    action: str,
    application: Application,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """An audit entry about ``application`` (or ``target`` of it), scoped to its alliance and applicant."""
    audit_record(
        actor=actor,
        action=action,
        target=target if target is not None else application,
        changes=changes,
        alliance=application.alliance_id,
        body=application.applicant_id,
    )


def check_outcomes(results: Iterable[Any]) -> dict[str, str]:
    """The outcome of the checks for the audit log, in words: ``{"Antragsberechtigung": "erfüllt"}``."""
    return {r.label: r.status_label for r in results}


def field_objects(slugs: Iterable[str | FieldOfAction]) -> list[FieldOfAction]:
    items = list(slugs)
    wanted = [s for s in items if isinstance(s, str)]
    found = {f.slug: f for f in FieldOfAction.objects.filter(slug__in=wanted)}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise ValidationError(
            {"fields": _("Unbekanntes Handlungsfeld: %(join)s.") % {"join": ", ".join(unknown)}}
        )
    return [found[s] for s in wanted] + [f for f in items if isinstance(f, FieldOfAction)]


def _failed_text(results: Sequence[rules.CheckResult]) -> str:
    return " ".join(f"{r.label}: {r.explanation}" for r in results)


def enforce_checks(results: Sequence[rules.CheckResult], *, reason: str, who: str) -> None:
    """Refuse on a blocking failure, or on an overridable one without a written reason."""
    hard = rules.blocking(results)
    if hard:
        raise Invalid(
            _("Der Antrag erfüllt Förderregeln nicht, von denen nicht abgewichen werden kann. ")
            + _failed_text(hard),
            code="checks_failed",
        )
    soft = rules.needing_reason(results)
    if soft and not reason.strip():
        raise Invalid(
            _(
                "Nicht erfüllt: %(join)s. Eine Abweichung ist nur mit schriftlicher Begründung "
                "%(who)s möglich. "
            )
            % {"join": ", ".join(r.label for r in soft), "who": who}
            + _failed_text(soft),
            code="checks_failed",
        )


def store_checks(application: Application, results: Sequence[rules.CheckResult]) -> None:
    application.checks = [r.as_dict() for r in results]
    application.save(update_fields=["checks", "updated_at"])
