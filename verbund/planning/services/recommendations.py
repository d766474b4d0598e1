"""Recommendations: an alliance in status "Idee" started from a recommended partner group."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.alliances.services import alliance_create, member_add
from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.common.german import format_number
from verbund.common.money import cents
from verbund.registry.models import Body
from verbund.shared_services.models import ServiceRecipient, SharedService, Task

from .. import policies
from ..selectors import (
    build_problem,
    cost_model_snapshot,
    cost_model_text,
    cost_parameters,
    effective_cost_model,
)
from ..solvers.explain import whole_euros
from ._common import checked

#: The field of action an alliance started from a recommendation gets (when it exists).
TASK_FIELDS = {
    "kfz-zulassung": "verwaltungsdigitalisierung",
    "bussgeldstelle": "verwaltungsdigitalisierung",
    "elterngeld": "verwaltungsdigitalisierung",
    "wohngeld": "verwaltungsdigitalisierung",
    "it-betrieb": "verwaltungsdigitalisierung",
    "vergabestelle": "back-office-vergabe-beschaffung",
    "informationssicherheit": "cybersicherheit",
    "datenschutz": "cybersicherheit",
    "personalabrechnung": "personal",
    "bauhof": "daseinsvorsorge",
}


@transaction.atomic
def recommendation_adopt(
    *,
    actor: Actor,
    body: Body,
    task: Task,
    partners: Sequence[Body],
    name: str = "",
) -> Alliance:
    """Start an alliance in status "Idee" with ``body`` and the recommended ``partners``.

    The alliance services decide as always (the creator becomes coordinator and adds the members);
    this service checks that the user may act for ``body`` and that every member holds the task,
    and writes the estimate with its parameters into the alliance's description.
    """
    checked(actor, lambda p: policies.recommends_for(p, body.pk), policies.RECOMMEND_REFUSAL)
    current = _current_cooperation(body, task)
    if current is not None:
        # The page offers no new alliance then (only partners joining the existing one); the API
        # must not start a parallel one either.
        raise Conflict(
            _(
                "%(body)s nimmt die Aufgabe „%(task)s“ bereits im Verbund „%(alliance)s“ wahr (Dienst "
                "„%(service)s“). Weitere Partner nimmt dessen Verbundkoordination auf; ein zweiter Verbund "
                "für dieselbe Aufgabe wird nicht angelegt."
            )
            % {
                "body": body.name,
                "task": task.name,
                "alliance": current.alliance.name,
                "service": current.name,
            }
        )
    members = [body, *[p for p in partners if p.pk != body.pk]]
    if len({m.pk for m in members}) != len(members) or len(members) < 2:
        raise ValidationError(_("Bitte mindestens einen weiteren, verschiedenen Partner angeben."))
    if len(members) > 10:
        raise ValidationError(_("Höchstens 10 Mitglieder."))
    others = [
        m for m in members if m.kind not in task.holder_kinds or m.state != body.state or m.dissolved_on
    ]
    if others:
        raise ValidationError(
            _("%(names)s nimmt die Aufgabe „%(task)s“ nicht wahr (oder liegt in einem anderen Land).")
            % {"names": ", ".join(m.name for m in others), "task": task.name}
        )
    model = effective_cost_model(task, body.state)
    if model is None:
        raise ValidationError(_("Für „%(task)s“ gibt es kein Kostenmodell.") % {"task": task.name})
    problem = build_problem(
        task=task,
        state=body.state,
        params=cost_parameters(model),
        kreise=sorted({m.ars[:5] for m in members}),
    )
    index = [problem.index[m.pk] for m in members if m.pk in problem.index]
    group = problem.instance.group_cost(index) if len(index) == len(members) else None
    estimate = ""
    if group is not None:
        estimate = (
            f"Geschätzte Einsparung: {whole_euros(group.saving)} im Jahr gegenüber "
            f"{whole_euros(group.standalone)}, "
            f"wenn {problem.bodies[group.host].name} die Aufgabe für alle übernimmt "
            f"(größte Entfernung {format_number(float(group.max_distance_km), 1)} km). "
        )
    snapshot = cost_model_snapshot(model)
    with translation.override("de"):  # the alliance's description is German, whoever adopts
        parameters = cost_model_text(snapshot, task.volume_unit_label or task.get_volume_unit_display())
    description = (
        f"Angelegt aus einer Empfehlung der Planung für „{task.name}“. {estimate}"
        f"Kostenmodell: {parameters}. Annahmen: {snapshot['assumptions']}"
    )
    field = TASK_FIELDS.get(task.slug)
    fields = [field] if field and FieldOfAction.objects.filter(slug=field).exists() else []
    alliance = alliance_create(
        actor=actor,
        name=(name.strip() or f"{task.name}: {body.name} und Partner")[:200],
        description=description,
        fields=fields,
        sources="Empfehlung der Planung (Verbund), Schätzung mit den genannten Annahmen",
    )
    for member in members:
        member_add(actor=actor, alliance=alliance, body=member)
    audit_record(
        actor=actor,
        action="recommendation.adopt",
        target=alliance,
        alliance=alliance,
        body=body,
        changes={
            "task": task.name,
            "body": body.name,
            "members": ", ".join(m.name for m in members),
            "estimated_saving": None if group is None else str(cents(float(group.saving))),
            "cost_model": snapshot["source"],
        },
    )
    return alliance


def _current_cooperation(body: Body, task: Task) -> SharedService | None:
    """A current shared service for ``task`` that ``body`` provides or receives (not of an ended
    alliance), if any."""
    from django.db.models import Q
    from django.utils import timezone

    from verbund.alliances.models import Status

    today = timezone.localdate()
    receiving = ServiceRecipient.objects.current().filter(body=body).values("service_id")
    return (
        SharedService.objects.filter(task=task)
        .exclude(alliance__status=Status.BEENDET)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(Q(provider=body) | Q(pk__in=receiving))
        .select_related("alliance")
        .order_by("id")
        .first()
    )
