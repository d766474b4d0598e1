"""Security incidents: a member reports one, updates it and records the reports it gave (NIS2 scheme).

Every write checks that the actor acts for the incident's body (:func:`..policies.acts_for`) on a
fresh principal, applies the sharing rule (:func:`.sharing.check_sharing`), writes the audit record
(the incident named by number only) and publishes its events to those who see the incident
(:func:`notify_seeing`: a notification never reaches someone outside the distribution).

Reminders of the NIS2 deadlines: :func:`send_deadline_reminders` (the periodic task of
:mod:`verbund.security.tasks`) notifies the body's heads and staff before a deadline and once when it
passed unmet; the events it published are its memory, so no reminder goes out twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid
from verbund.common.principal import Principal
from verbund.common.roles import Role
from verbund.notifications.models import Event
from verbund.notifications.services import Audience, publish, register_event_type
from verbund.registry.models import Body

from .. import audit_actions, deadlines, policies
from ..models import Asset, Incident, IncidentStatus, Shared, Tlp
from .sharing import check_sharing

INCIDENT_REPORTED = register_event_type(
    "security.incident_reported", label=gettext_lazy("Sicherheitsvorfall gemeldet"), webhooks=False
)
INCIDENT_DEADLINE = register_event_type(
    "security.incident_deadline", label=gettext_lazy("Meldefrist eines Sicherheitsvorfalls"), webhooks=False
)
HELP_REQUESTED = register_event_type(
    "security.help_requested", label=gettext_lazy("Bitte um Hilfe im Verbund"), webhooks=False
)

REFUSAL = gettext_noop("Nur die betroffene Körperschaft kann diesen Sicherheitsvorfall bearbeiten.")

#: The reports of the NIS2 scheme and the field that records each.
REPORT_FIELDS: dict[str, str] = {
    deadlines.EARLY_WARNING: "early_warning_at",
    deadlines.NOTIFICATION: "notification_at",
    deadlines.FINAL_REPORT: "final_report_at",
}
REPORT_LABELS: dict[str, Any] = {
    deadlines.EARLY_WARNING: gettext_lazy("Frühwarnung (24 Stunden)"),
    deadlines.NOTIFICATION: gettext_lazy("Meldung (72 Stunden)"),
    deadlines.FINAL_REPORT: gettext_lazy("Abschlussbericht (ein Monat nach der Meldung)"),
}

#: Fields :func:`incident_update` changes (besides the sharing fields and the assets).
UPDATABLE = ("title", "description", "started_at", "detected_at", "status", "nis2_binding")
SHARING = ("tlp", "distribution", "alliance", "sharing_group", "advisory_office")


# --- notifications that respect TLP ----------------------------------------------------------------


def users_seeing(obj: Shared, candidate_ids: Iterable[int]) -> list[int]:
    """Those of ``candidate_ids`` (active users) who see ``obj`` under TLP and distribution (a constant
    number of queries, :func:`..policies.users_seeing`)."""
    return policies.users_seeing(candidate_ids, obj)


def notify_seeing(
    obj: Shared,
    event_type: Any,
    *,
    actor: Actor,
    audience: Audience,
    title: str,
    text: str = "",
    text_params: Mapping[str, Any] | None = None,
    path: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Event | None:
    """Publish ``event_type`` to those of ``audience`` who see ``obj`` (none: nothing is published).

    The title and text name the object by number only: an event also goes to webhooks."""
    ids = users_seeing(obj, audience.resolve())
    if not ids:
        return None
    return publish(
        event_type,
        actor=actor,
        title=title,
        text=text,
        text_params=text_params,
        path=path,
        audience=Audience.users(*ids),
        body_id=obj.owner_body_id,
        payload=payload,
    )


def officers_of(body_id: int | None) -> Audience:
    """The shared security officers (and deputies) serving ``body_id`` now, as an audience."""
    if body_id is None:
        return Audience()
    return Audience.users(*policies.officer_people(body_id))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time without zone is read as Europe/Berlin (the API may be sent one)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def incident_path(incident: Incident) -> str:
    from django.urls import reverse

    return reverse("security:incident_detail", kwargs={"incident_id": incident.pk})


# --- checks -------------------------------------------------------------------------------------------


def _check(actor: Actor, incident: Incident) -> Principal:
    return authorize(actor, lambda p: policies.acts_for(p, incident.owner_body_id), _(REFUSAL))


def _check_times(started_at: dt.datetime, detected_at: dt.datetime, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if detected_at > now + dt.timedelta(minutes=5):
        errors["detected_at"] = [_("Der Zeitpunkt des Bemerkens liegt in der Zukunft.")]
    if started_at > detected_at:
        errors["started_at"] = [_("Der Beginn darf nicht nach dem Bemerken liegen.")]
    if errors:
        raise Invalid(fields=errors)


def _check_sharing(principal: Principal, values: Mapping[str, Any]) -> dict[str, Any]:
    """The one sharing rule (:func:`.sharing.check_sharing`), the named recipients included."""
    return check_sharing(principal, dict(values))


def _own_assets(
    principal: Principal, owner_body_id: int, assets: Iterable[Asset | int], linked: Iterable[int] = ()
) -> list[int]:
    """The ids of ``assets`` to link: each one of the body's assets that ``principal`` sees (a TLP:RED
    asset only for its named people; an unknown and an invisible id get the same refusal). ``linked``
    (the incident's assets so far) may stay, and those the principal does not see are kept: someone
    who cannot see an asset can neither link nor unlink it."""
    ids = {a.pk if isinstance(a, Asset) else int(a) for a in assets}
    before = {int(a) for a in linked}
    seen = set(
        Asset.objects.filter(policies.visibility_filter(principal, Asset), owner_body_id=owner_body_id)
        .filter(pk__in=ids | before)
        .values_list("pk", flat=True)
    )
    if ids - before - seen:
        raise Invalid(
            fields={
                "assets": [_("Betroffene Komponenten müssen aus dem Bestand der eigenen Körperschaft sein.")]
            }
        )
    return sorted(ids | (before - seen))


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


# --- writes -------------------------------------------------------------------------------------------


@transaction.atomic
def incident_create(
    *,
    actor: Actor,
    owner_body: Body,
    title: str,
    started_at: dt.datetime,
    detected_at: dt.datetime,
    description: str = "",
    nis2_binding: bool = False,
    assets: Iterable[Asset | int] = (),
    tlp: str = Tlp.AMBER,
    distribution: str = "alliance",
    alliance: Any = None,
    sharing_group: Any = None,
    advisory_office: bool = False,
    recipients: Iterable[Any] = (),
) -> Incident:
    """A member reports an incident (by default TLP:AMBER to its alliance, see the form's default); a
    TLP:RED one goes to the named ``recipients`` (users or ids, :func:`.sharing.check_sharing`)."""
    principal = authorize(actor, lambda p: policies.acts_for(p, owner_body.pk), _(REFUSAL))
    started_at, detected_at = _aware(started_at) or started_at, _aware(detected_at) or detected_at
    title = (title or "").strip()
    if not title:
        raise Invalid(fields={"title": [_("Bitte beschreiben Sie den Vorfall kurz.")]})
    _check_times(started_at, detected_at, timezone.now())
    sharing = {
        "owner_body": owner_body,
        "tlp": tlp,
        "distribution": distribution,
        "alliance": alliance,
        "sharing_group": sharing_group,
        "advisory_office": advisory_office,
    }
    recipient_ids = _check_sharing(principal, {**sharing, "recipients": recipients})["recipients"]
    asset_ids = _own_assets(principal, owner_body.pk, assets)
    incident = Incident(
        title=title[:300],
        description=description.strip(),
        started_at=started_at,
        detected_at=detected_at,
        nis2_binding=nis2_binding,
        created_by=_person(actor),
        **sharing,
    )
    incident.full_clean()
    incident.save()
    incident.assets.set(asset_ids)
    incident.recipients.set(recipient_ids)
    audit_record(
        actor=actor,
        action=audit_actions.INCIDENT_CREATE,
        target=incident,
        body=owner_body,
        changes={"tlp": tlp, "distribution": distribution, "nis2_binding": nis2_binding, "assets": asset_ids},
    )
    notify_seeing(
        incident,
        INCIDENT_REPORTED,
        actor=actor,
        audience=Audience.body(owner_body.pk, Role.VERWALTUNGSLEITUNG)
        | officers_of(owner_body.pk)
        | Audience.alliance(incident.alliance_id),
        title=str(incident),
        text=gettext_noop("Ein Sicherheitsvorfall wurde gemeldet (%(tlp)s)."),
        text_params={"tlp": incident.get_tlp_display()},
        path=incident_path(incident),
        payload={"incident": incident.pk},
    )
    return incident


@transaction.atomic
def incident_update(
    *, actor: Actor, incident: Incident, assets: Iterable[Asset | int] | None = None, **fields: Any
) -> Incident:
    """Change the incident's description, times, status, NIS2 flag, sharing or affected assets."""
    principal = _check(actor, incident)
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    unknown = set(fields) - set(UPDATABLE) - set(SHARING) - {"recipients"}
    if unknown:
        raise TypeError(f"incident_update: unknown fields {sorted(unknown)}")
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "recipients":
            continue
        if name in ("started_at", "detected_at"):
            value = _aware(value)
        old = getattr(incident, name)
        if name == "title":
            value = (value or "").strip()[:300]
            if not value:
                raise Invalid(fields={"title": [_("Bitte beschreiben Sie den Vorfall kurz.")]})
        if old != value:
            changes[name] = {"old": getattr(old, "pk", old), "new": getattr(value, "pk", value)}
            setattr(incident, name, value)
    _check_times(incident.started_at, incident.detected_at, timezone.now())
    recipient_ids: list[int] | None = None
    if set(fields) & {*SHARING, "recipients"}:
        values = {"owner_body_id": incident.owner_body_id, **{n: getattr(incident, n) for n in SHARING}}
        if "recipients" in fields:
            values["recipients"] = fields["recipients"]
        elif incident.tlp == Tlp.RED:  # TLP:RED needs named people: those the incident has
            values["recipients"] = list(incident.recipients.values_list("pk", flat=True))
        recipient_ids = _check_sharing(principal, values).get("recipients")
    if "status" in changes:
        incident.closed_at = timezone.now() if incident.status == IncidentStatus.CLOSED else None
    incident.full_clean()
    incident.save()
    if assets is not None:
        before = sorted(incident.assets.values_list("pk", flat=True))
        asset_ids = _own_assets(principal, incident.owner_body_id or 0, assets, linked=before)
        if before != asset_ids:
            incident.assets.set(asset_ids)
            changes["assets"] = {"old": before, "new": asset_ids}
    if "recipients" in fields and recipient_ids is not None:
        before = sorted(incident.recipients.values_list("pk", flat=True))
        if before != recipient_ids:
            incident.recipients.set(recipient_ids)
            changes["recipients"] = {"old": before, "new": recipient_ids}
    if changes:
        # the title and description may be confidential: the audit log names which fields changed
        logged = {k: v for k, v in changes.items() if k not in ("title", "description")}
        logged.update({k: "geändert" for k in changes if k in ("title", "description")})
        audit_record(
            actor=actor,
            action=audit_actions.INCIDENT_UPDATE,
            target=incident,
            body=incident.owner_body_id,
            changes=logged,
        )
    return incident


@transaction.atomic
def incident_report(*, actor: Actor, incident: Incident, kind: str, at: dt.datetime | None) -> Incident:
    """Record when the early warning, the report or the final report was given (``at`` None: undo)."""
    _check(actor, incident)
    if kind not in REPORT_FIELDS:
        raise Invalid(fields={"kind": [_("Unbekannte Meldung.")]})
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    at = _aware(at)
    if at is not None:
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise Invalid(fields={"at": [_("Der Zeitpunkt liegt in der Zukunft.")]})
        if at < incident.detected_at:
            raise Invalid(fields={"at": [_("Eine Meldung kann nicht vor dem Bemerken des Vorfalls liegen.")]})
        order = list(REPORT_FIELDS)
        for earlier in order[: order.index(kind)]:
            if getattr(incident, REPORT_FIELDS[earlier]) is None:
                raise Conflict(_("Tragen Sie zuerst die vorherige Meldung ein."))
    field = REPORT_FIELDS[kind]
    old = getattr(incident, field)
    setattr(incident, field, at)
    incident.save(update_fields=[field, "updated_at"])
    audit_record(
        actor=actor,
        action=audit_actions.INCIDENT_REPORT,
        target=incident,
        body=incident.owner_body_id,
        changes={field: {"old": old, "new": at}},
    )
    return incident


# --- deadlines and reminders --------------------------------------------------------------------------


def incident_deadlines(incident: Incident, now: dt.datetime | None = None) -> tuple[deadlines.Deadline, ...]:
    return deadlines.deadlines(
        detected_at=incident.detected_at,
        early_warning_at=incident.early_warning_at,
        notification_at=incident.notification_at,
        final_report_at=incident.final_report_at,
        now=now or timezone.now(),
    )


REMINDER_TEXTS = {
    "soon": gettext_noop("Die Frist „%(deadline)s“ endet am %(due)s."),
    "overdue": gettext_noop("Die Frist „%(deadline)s“ ist am %(due)s abgelaufen."),
}

REMINDER_ACTOR = SystemActor("Fristenerinnerung Sicherheitsvorfälle")


def send_deadline_reminders(now: dt.datetime | None = None) -> int:
    """Notify the heads and staff (and officers) of each body with an open incident whose deadline
    comes close or passed; returns the number of reminders published. Each ``(incident, deadline,
    stage)`` is published at most once (the stored events are the memory)."""
    from verbund.common.german import format_datetime

    now = now or timezone.now()
    sent_count = 0
    open_incidents = Incident.objects.exclude(status=IncidentStatus.CLOSED).filter(
        final_report_at__isnull=True
    )
    for incident in open_incidents.order_by("pk").iterator():
        if incident.owner_body_id is None:
            continue
        items = incident_deadlines(incident, now)
        with transaction.atomic():
            Incident.objects.select_for_update(of=("self",)).filter(pk=incident.pk).first()
            sent = set(
                Event.objects.filter(
                    event_type=str(INCIDENT_DEADLINE), payload__incident=incident.pk
                ).values_list("payload__key", flat=True)
            )
            for item, stage in deadlines.reminders_due(items, now=now, sent=sent):
                key = f"{item.kind}:{stage}"
                event = notify_seeing(
                    incident,
                    INCIDENT_DEADLINE,
                    actor=REMINDER_ACTOR,
                    audience=Audience.body(incident.owner_body_id) | officers_of(incident.owner_body_id),
                    title=str(incident),
                    text=REMINDER_TEXTS[stage],
                    text_params={
                        "deadline": str(REPORT_LABELS[item.kind]),
                        "due": format_datetime(item.due_at),
                    },
                    path=incident_path(incident),
                    payload={"incident": incident.pk, "key": key},
                )
                if event is None:
                    # nobody to tell now: remember it anyway, so that it is not tried every run
                    event = Event.objects.create(
                        event_type=str(INCIDENT_DEADLINE),
                        actor_name=REMINDER_ACTOR.name,
                        title=str(incident),
                        body_id=incident.owner_body_id,
                        payload={"incident": incident.pk, "key": key},
                        fanned_out_at=now,
                    )
                sent_count += 1
    return sent_count
