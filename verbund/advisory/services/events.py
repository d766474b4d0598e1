"""Workshops, the annual conference, webinars and network meetings of the office.

* **Events** (:func:`event_create`, :func:`event_update`, :func:`event_publish`, :func:`event_cancel`,
  :func:`minutes_set`): the office only. A change of date, place or online link of a published event
  raises ``sequence`` (the iCalendar SEQUENCE) and tells everyone registered or waiting; a
  cancellation does the same and closes the registration.
* **Registration** (:func:`register`, :func:`registration_cancel`): a person who works for a body
  registers themselves for one of their bodies; the office registers others and removes people.
  Every registration locks the event row first (``select_for_update``), so two people racing for the
  last place are served one after the other: one gets it, the other goes on the waiting list. A full
  event puts new registrations on the waiting list; a freed place goes to the first waiting person
  (who is told). Closed: after the registration deadline (the office may still add people), for
  cancelled and for past events.
* **Attendance** (:func:`attendance_set`): the office records yes/no per registration once the event
  has begun.
* **Material** (:func:`material_add`, :func:`material_delete`): PDF, OpenDocument and Office files
  up to :data:`MATERIAL_MAX_MB`; minutes are flagged.
* **Reminders** (:func:`send_reminders`, run by the periodic task): one per registration, 24 hours
  before the start; ``reminded_at`` makes a second run send nothing.

Reads: :func:`events_for` (published events for everyone; all of them for the office).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.documents import check_upload
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.common.german import format_datetime
from verbund.common.principal import Principal
from verbund.notifications.services import Audience, publish, register_event_type

from .. import audit_actions
from ..models.events import Event, EventMaterial, Registration, RegistrationStatus
from ..policies import MANAGE, is_office, manages_events, registers_for_events

EVENT_CHANGED = register_event_type(
    "advisory.event_changed", label=gettext_lazy("Veranstaltung geändert"), webhooks=False
)
EVENT_CANCELLED = register_event_type(
    "advisory.event_cancelled", label=gettext_lazy("Veranstaltung abgesagt"), webhooks=False
)
EVENT_PROMOTED = register_event_type(
    "advisory.event_promoted", label=gettext_lazy("Platz von der Warteliste"), webhooks=False
)
EVENT_REMINDER = register_event_type(
    "advisory.event_reminder", label=gettext_lazy("Erinnerung an eine Veranstaltung"), webhooks=False
)
EVENT_REGISTRATION = register_event_type(
    "advisory.event_registration", label=gettext_lazy("Anmeldung zu einer Veranstaltung"), webhooks=False
)

#: The system actor of the periodic reminder task.
REMINDER_ACTOR = SystemActor(name="Erinnerungen", capabilities=frozenset({MANAGE}))
#: Reminders go out this long before the start.
REMINDER_BEFORE = dt.timedelta(hours=24)
#: Past events stay in the iCalendar feed this long.
FEED_PAST = dt.timedelta(days=90)
MATERIAL_MAX_MB = 20
#: Material: PDF (checked by content) and OpenDocument/Office files (ZIP containers).
MATERIAL_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EDITABLE = (
    "kind",
    "title",
    "description",
    "agenda",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "registration_deadline",
    "field_of_action",
)
#: The moments the pages and the API read besides ISO 8601: what a German user types, and what the
#: browser's date-time picker sends (naive: local time, Europe/Berlin).
DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y %H.%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
#: Changes that make calendars update the entry and are told to the registered.
ANNOUNCED = ("starts_at", "ends_at", "place", "online_url")
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)


def _status_de(registration: Registration) -> str:
    """The registration's state in German (the audit log reads as German whatever the request's
    language)."""
    with translation.override("de"):
        return str(registration.get_status_display())


def _when(value: dt.datetime) -> str:
    """A moment in the local time zone, the German way."""
    return format_datetime(timezone.localtime(value))


def _office_only() -> str:
    return _("Nur die Beratungsstelle verwaltet Veranstaltungen.")


# --- reads -----------------------------------------------------------------------------------------


def events_for(principal: Principal) -> QuerySet[Event]:
    """The events ``principal`` sees: the office all, everyone else the published ones."""
    events = Event.objects.select_related("field_of_action")
    if is_office(principal):
        return events.all()
    return events.filter(published=True)


def get_event(principal: Principal, event_id: int) -> Event:
    """One visible event (404 otherwise)."""
    try:
        return events_for(principal).get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Diese Veranstaltung gibt es nicht.")) from None


def with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        registered_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
        ),
        waiting_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)),
    )


def counts(event: Event) -> tuple[int, int]:
    """(registered, waiting) of ``event``."""
    rows = dict(event.registrations.filter(status__in=ACTIVE).values_list("status").annotate(n=Count("id")))
    return int(rows.get(RegistrationStatus.REGISTERED, 0)), int(rows.get(RegistrationStatus.WAITING, 0))


def places_left(event: Event) -> int | None:
    """Free places (``None``: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - counts(event)[0], 0)


def waiting_rank(registration: Registration) -> int | None:
    """The place of a waiting registration on the list (1 = next), else ``None``."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITING
    ).filter(
        Q(position__lt=registration.position) | Q(position=registration.position, id__lt=registration.pk)
    )
    return ahead.count() + 1


def own_registration(user_id: int | None, event: Event) -> Registration | None:
    if user_id is None:
        return None
    return Registration.objects.filter(event=event, user_id=user_id).select_related("body").first()


def is_past(event: Event, now: dt.datetime | None = None) -> bool:
    return event.ends_at < (now or timezone.now())


def registration_open(event: Event, *, now: dt.datetime | None = None, office: bool = False) -> bool:
    now = now or timezone.now()
    if not event.published or event.cancelled_at is not None or event.starts_at <= now:
        return False
    return office or event.registration_deadline is None or event.registration_deadline >= now


def reads_material(principal: Principal, material: EventMaterial) -> bool:
    """The office; registered (or waiting) participants; ``public`` material everyone logged in."""
    if is_office(principal):
        return True
    if not principal.is_person or principal.user_id is None:
        return False
    if material.public:
        return True
    return Registration.objects.filter(
        event_id=material.event_id, user_id=principal.user_id, status__in=ACTIVE
    ).exists()


def feed_events(now: dt.datetime | None = None) -> QuerySet[Event]:
    """The public feed: published events that end in the future or ended within :data:`FEED_PAST`
    (cancelled ones included, so calendars mark them cancelled)."""
    now = now or timezone.now()
    return Event.objects.filter(published=True, ends_at__gte=now - FEED_PAST).order_by("starts_at", "id")


# --- events ----------------------------------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = (slugify(title) or "veranstaltung")[:70]
    slug, n = base, 1
    while Event.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check(event: Event) -> None:
    errors: dict[str, list[str]] = {}
    if event.starts_at and event.ends_at and event.ends_at < event.starts_at:
        errors["ends_at"] = [_("Das Ende liegt vor dem Beginn.")]
    if event.registration_deadline and event.starts_at and event.registration_deadline > event.starts_at:
        errors["registration_deadline"] = [_("Der Anmeldeschluss liegt nach dem Beginn.")]
    if not event.place.strip() and not event.online_url.strip():
        errors["place"] = [_("Bitte geben Sie einen Ort oder einen Online-Link an.")]
    if event.capacity is not None and event.capacity < 1:
        errors["capacity"] = [_("Eine Veranstaltung hat mindestens einen Platz (leer: unbegrenzt).")]
    try:
        event.full_clean(exclude=["slug", "ends_at", "created_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise Invalid(fields=errors)


def _changes(values: Mapping[str, Any]) -> dict[str, Any]:
    labels = {
        "kind": "Art",
        "title": "Titel",
        "description": "Beschreibung",
        "agenda": "Tagesordnung",
        "starts_at": "Beginn",
        "ends_at": "Ende",
        "place": "Ort",
        "online_url": "Online-Link",
        "capacity": "Plätze",
        "registration_deadline": "Anmeldeschluss",
        "field_of_action": "Handlungsfeld",
    }
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dt.datetime):
            value = _when(value)
        elif hasattr(value, "pk"):
            value = str(value)
        out[labels.get(name, name.capitalize())] = value
    return out


def event_create(*, actor: Actor, values: Mapping[str, Any]) -> Event:
    """A new (unpublished) event."""
    authorize(actor, manages_events, _office_only())
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    event = Event(**values)
    event.place = event.place or ""
    event.online_url = event.online_url or ""
    _check(event)
    with transaction.atomic():
        event.slug = _unique_slug(event.title)
        event.created_by = actor if not isinstance(actor, SystemActor) else None  # type: ignore[assignment]
        event.save()
        audit_record(actor=actor, action=audit_actions.EVENT_SET, target=event, changes=_changes(values))
    return event


def _lock(event_id: int) -> Event:
    try:
        return Event.objects.select_for_update().get(pk=event_id)
    except Event.DoesNotExist:
        raise NotFound(_("Diese Veranstaltung gibt es nicht.")) from None


def _recipients(event: Event) -> list[int]:
    return list(
        event.registrations.filter(status__in=ACTIVE).values_list("user_id", flat=True).order_by("user_id")
    )


def _path(event: Event) -> str:
    return reverse("advisory:event_detail", kwargs={"event_id": event.pk})


def event_update(*, actor: Actor, event_id: int, values: Mapping[str, Any]) -> Event:
    """Change an event; a change of date, place or link raises ``sequence`` and tells the registered."""
    authorize(actor, manages_events, _office_only())
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        event = _lock(event_id)
        if event.cancelled_at is not None:
            raise Conflict(_("Eine abgesagte Veranstaltung kann nicht mehr geändert werden."))
        changed = {name: value for name, value in values.items() if getattr(event, name) != value}
        if not changed:
            return event
        for name, value in changed.items():
            setattr(event, name, "" if value is None and name in ("place", "online_url") else value)
        _check(event)
        announced = [name for name in ANNOUNCED if name in changed]
        if announced:
            event.sequence += 1
        event.save()
        audit_record(actor=actor, action=audit_actions.EVENT_SET, target=event, changes=_changes(changed))
        if announced and event.published:
            recipients = _recipients(event)
            if recipients:
                place = event.place or event.online_url
                publish(
                    EVENT_CHANGED,
                    actor=actor,
                    title=event.title,
                    text=gettext_noop(
                        "Die Veranstaltung wurde geändert: %(starts)s bis %(ends)s, %(place)s. "
                        "Bitte prüfen Sie Ihren Kalender."
                    ),
                    text_params={
                        "starts": _when(event.starts_at),
                        "ends": _when(event.ends_at),
                        "place": place,
                    },
                    path=_path(event),
                    audience=Audience.users(*recipients),
                    payload={"event": event.pk, "sequence": event.sequence},
                )
    return event


def event_publish(*, actor: Actor, event_id: int, published: bool = True) -> Event:
    """Publish (or withdraw) an event: listed for everyone logged in and in the calendar feed."""
    authorize(actor, manages_events, _office_only())
    with transaction.atomic():
        event = _lock(event_id)
        if event.cancelled_at is not None:
            raise Conflict(_("Eine abgesagte Veranstaltung kann nicht mehr geändert werden."))
        if not published and event.registrations.filter(status__in=ACTIVE).exists():
            raise Conflict(
                _(
                    "Es gibt schon Anmeldungen: bitte sagen Sie die Veranstaltung ab, "
                    "statt sie zurückzuziehen."
                )
            )
        if event.published != published:
            event.published = published
            event.save(update_fields=["published", "updated_at"])
            audit_record(
                actor=actor,
                action=audit_actions.EVENT_SET,
                target=event,
                changes={"Veröffentlicht": published},
            )
    return event


def event_cancel(*, actor: Actor, event_id: int, reason: str = "") -> Event:
    """Cancel an event: closed for registration, SEQUENCE raised, everyone registered or waiting told."""
    authorize(actor, manages_events, _office_only())
    with transaction.atomic():
        event = _lock(event_id)
        if event.cancelled_at is not None:
            raise Conflict(_("Die Veranstaltung ist schon abgesagt."))
        if is_past(event):
            raise Conflict(_("Eine vergangene Veranstaltung kann nicht abgesagt werden."))
        event.cancelled_at = timezone.now()
        event.sequence += 1
        event.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_CANCEL,
            target=event,
            changes={"Abgesagt": True, "Grund": reason.strip()},
        )
        recipients = _recipients(event)
        if recipients:
            publish(
                EVENT_CANCELLED,
                actor=actor,
                title=event.title,
                text=gettext_noop("Die Veranstaltung am %(starts)s ist abgesagt. %(reason)s"),
                text_params={"starts": _when(event.starts_at), "reason": reason.strip()},
                path=_path(event),
                audience=Audience.users(*recipients),
                payload={"event": event.pk, "sequence": event.sequence},
            )
    return event


def minutes_set(*, actor: Actor, event_id: int, minutes: str) -> Event:
    authorize(actor, manages_events, _office_only())
    with transaction.atomic():
        event = _lock(event_id)
        if event.minutes != minutes:
            event.minutes = minutes
            event.save(update_fields=["minutes", "updated_at"])
            audit_record(
                actor=actor, action=audit_actions.EVENT_SET, target=event, changes={"Protokoll": True}
            )
    return event


# --- registration ----------------------------------------------------------------------------------


def _body_for(user: Any, body_id: int | None) -> int:
    from verbund.common.principal import principal_for

    bodies = sorted(principal_for(user).body_ids())
    if not bodies:
        raise Forbidden(_("Anmelden kann sich, wer für eine Körperschaft arbeitet."), code="no_body")
    if body_id is None:
        if len(bodies) > 1:
            raise Invalid(fields={"body": [_("Bitte wählen Sie, für welche Körperschaft Sie teilnehmen.")]})
        return bodies[0]
    if body_id not in bodies:
        raise Invalid(fields={"body": [_("Sie arbeiten nicht für diese Körperschaft.")]})
    return body_id


def register(
    *,
    actor: Actor,
    event_id: int,
    body_id: int | None = None,
    remark: str = "",
    user: Any = None,
) -> Registration:
    """Register ``user`` (default: the actor) for ``body_id`` (one of the bodies they work for).

    A full event puts the registration on the waiting list. The event row is locked first.
    """
    principal = authorize(
        actor, registers_for_events, _("Anmelden kann sich, wer für eine Körperschaft arbeitet.")
    )
    office = is_office(principal)
    person: Any = user if user is not None else actor
    if user is not None and getattr(user, "pk", None) != getattr(actor, "pk", None) and not office:
        raise Forbidden(_("Nur die Beratungsstelle meldet andere Personen an."))
    if len(remark) > 300:
        raise Invalid(fields={"remark": [_("Höchstens 300 Zeichen.")]})
    body = _body_for(person, body_id)
    with transaction.atomic():
        if office:
            event = _lock(event_id)
        else:
            get_event(principal, event_id)
            event = _lock(event_id)
        now = timezone.now()
        if event.cancelled_at is not None:
            raise Conflict(_("Die Veranstaltung ist abgesagt."), code="cancelled")
        if not event.published:
            raise Conflict(_("Die Veranstaltung ist noch nicht veröffentlicht."), code="unpublished")
        if event.starts_at <= now:
            raise Conflict(_("Die Veranstaltung hat schon begonnen."), code="past")
        if not registration_open(event, now=now, office=office):
            raise Conflict(_("Der Anmeldeschluss ist vorbei."), code="deadline")
        existing = Registration.objects.select_for_update().filter(event=event, user=person).first()
        if existing is not None and existing.status in ACTIVE:
            raise Conflict(_("Diese Person ist schon angemeldet."), code="registered")
        registered = event.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        full = event.capacity is not None and registered >= event.capacity
        registration = existing or Registration(event=event, user=person)
        registration.body_id = body
        registration.remark = remark.strip()
        registration.attended = None
        registration.reminded_at = None
        if full:
            last = event.registrations.filter(status=RegistrationStatus.WAITING).aggregate(m=Max("position"))
            registration.status = RegistrationStatus.WAITING
            registration.position = int(last["m"] or 0) + 1
        else:
            registration.status = RegistrationStatus.REGISTERED
            registration.position = 0
        registration.save()
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_REGISTER,
            target=event,
            changes={
                "Person": str(person),
                "Stand": _status_de(registration),
                "Körperschaft": body,
            },
        )
        if person is not actor and getattr(person, "pk", None) != getattr(actor, "pk", None):
            publish(
                EVENT_REGISTRATION,
                actor=actor,
                title=event.title,
                text=gettext_noop("Die Beratungsstelle hat Sie zur Veranstaltung am %(starts)s angemeldet."),
                text_params={"starts": _when(event.starts_at)},
                path=_path(event),
                audience=Audience.users(person.pk),
                payload={"event": event.pk, "registration": registration.pk},
            )
    return registration


def _promote(*, actor: Actor, event: Event) -> Registration | None:
    """Give free places to the first on the waiting list (and tell them)."""
    if event.cancelled_at is not None or event.starts_at <= timezone.now():
        return None
    promoted: Registration | None = None
    while True:
        registered = event.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        if event.capacity is not None and registered >= event.capacity:
            break
        first = (
            event.registrations.select_for_update()
            .filter(status=RegistrationStatus.WAITING)
            .order_by("position", "id")
            .first()
        )
        if first is None:
            break
        first.status = RegistrationStatus.REGISTERED
        first.position = 0
        first.save(update_fields=["status", "position", "changed_at"])
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_REGISTER,
            target=event,
            changes={
                "Person": str(first.user),
                "Stand": _status_de(first),
                "Nachgerückt": True,
            },
        )
        publish(
            EVENT_PROMOTED,
            actor=actor,
            title=event.title,
            text=gettext_noop(
                "Ein Platz ist frei geworden: Sie sind jetzt für die Veranstaltung am %(starts)s angemeldet."
            ),
            text_params={"starts": _when(event.starts_at)},
            path=_path(event),
            audience=Audience.users(first.user_id),
            payload={"event": event.pk, "registration": first.pk},
        )
        promoted = first
    return promoted


def registration_cancel(*, actor: Actor, registration_id: int) -> Registration:
    """Cancel one's own registration (or, the office, anyone's); a freed place goes to the first on
    the waiting list."""
    principal = authorize(actor)
    office = is_office(principal)
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None or not (office or registration.user_id == principal.user_id):
        raise NotFound(_("Diese Anmeldung gibt es nicht."))
    with transaction.atomic():
        event = _lock(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status == RegistrationStatus.CANCELLED:
            raise Conflict(_("Die Anmeldung ist schon zurückgenommen."))
        if is_past(event) or (event.starts_at <= timezone.now() and not office):
            raise Conflict(_("Die Veranstaltung hat schon begonnen."), code="past")
        was_registered = registration.status == RegistrationStatus.REGISTERED
        registration.status = RegistrationStatus.CANCELLED
        registration.position = 0
        registration.save(update_fields=["status", "position", "changed_at"])
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_REGISTER,
            target=event,
            changes={"Person": str(registration.user), "Stand": _status_de(registration)},
        )
        if was_registered:
            _promote(actor=actor, event=event)
    return registration


def capacity_changed(*, actor: Actor, event_id: int) -> None:
    """After more places were made available: move waiting people up."""
    with transaction.atomic():
        _promote(actor=actor, event=_lock(event_id))


# --- attendance ------------------------------------------------------------------------------------


def attendance_set(*, actor: Actor, event_id: int, marks: Mapping[int, bool | None]) -> int:
    """Record attendance (``registration id → yes/no/unknown``) once the event has begun."""
    authorize(actor, manages_events, _office_only())
    with transaction.atomic():
        event = _lock(event_id)
        if event.starts_at > timezone.now():
            raise Conflict(_("Die Teilnahme wird erst nach Beginn der Veranstaltung erfasst."))
        rows = {
            r.pk: r
            for r in event.registrations.select_for_update().filter(
                pk__in=list(marks), status=RegistrationStatus.REGISTERED
            )
        }
        if set(marks) - set(rows):
            raise NotFound(_("Diese Anmeldung gibt es nicht."))
        changed = 0
        for pk, value in marks.items():
            row = rows[pk]
            if row.attended != value:
                row.attended = value
                row.save(update_fields=["attended", "changed_at"])
                changed += 1
        if changed:
            audit_record(
                actor=actor,
                action=audit_actions.EVENT_ATTENDANCE,
                target=event,
                changes={"Teilnahmen": changed},
            )
    return changed


# --- material --------------------------------------------------------------------------------------


def _check_material(upload: UploadedFile) -> str:
    name = upload.name or ""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in MATERIAL_TYPES:
        raise Invalid(
            fields={
                "file": [
                    _(
                        "Erlaubt sind PDF-, OpenDocument- und Office-Dateien "
                        "(pdf, odt, odp, ods, docx, pptx, xlsx)."
                    )
                ]
            }
        )
    if (upload.size or 0) > MATERIAL_MAX_MB * 1024 * 1024:
        raise Invalid(fields={"file": [_("Die Datei ist größer als %(mb)s MB.") % {"mb": MATERIAL_MAX_MB}]})
    if suffix == ".pdf":
        check_upload(upload, name=name, max_mb=MATERIAL_MAX_MB)
    else:
        upload.seek(0)
        ok = zipfile.is_zipfile(upload)
        upload.seek(0)
        if not ok:
            raise Invalid(
                fields={"file": [_("Die Datei ist beschädigt oder hat nicht das angegebene Format.")]}
            )
    return suffix


def material_add(
    *,
    actor: Actor,
    event_id: int,
    title: str,
    upload: UploadedFile,
    is_minutes: bool = False,
    public: bool = False,
) -> EventMaterial:
    authorize(actor, manages_events, _office_only())
    if not title.strip():
        raise Invalid(fields={"title": [_("Bitte geben Sie einen Titel an.")]})
    suffix = _check_material(upload)
    with transaction.atomic():
        event = _lock(event_id)
        material = EventMaterial(
            event=event,
            title=title.strip()[:200],
            is_minutes=is_minutes,
            public=public,
            uploaded_by=actor if not isinstance(actor, SystemActor) else None,  # type: ignore[misc]
        )
        material.file.save(f"{slugify(title)[:60] or 'material'}{suffix}", upload, save=False)
        material.save()
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_MATERIAL,
            target=event,
            changes={"Material": material.title, "Protokoll": is_minutes, "Für alle": public},
        )
    return material


def material_delete(*, actor: Actor, material_id: int) -> None:
    authorize(actor, manages_events, _office_only())
    with transaction.atomic():
        material = EventMaterial.objects.select_related("event").filter(pk=material_id).first()
        if material is None:
            raise NotFound(_("Dieses Material gibt es nicht."))
        audit_record(
            actor=actor,
            action=audit_actions.EVENT_MATERIAL,
            target=material.event,
            changes={"Material": material.title, "Gelöscht": True},
        )
        stored = material.file.name
        storage = material.file.storage
        material.delete()
        transaction.on_commit(lambda: storage.delete(stored))


# --- reminders -------------------------------------------------------------------------------------


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """One reminder per registration whose event starts within the next 24 hours; idempotent."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminded_at__isnull=True,
        event__published=True,
        event__cancelled_at__isnull=True,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMINDER_BEFORE,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event")
                .filter(pk=pk, reminded_at__isnull=True, status=RegistrationStatus.REGISTERED)
                .first()
            )
            if registration is None:
                continue
            event = registration.event
            registration.reminded_at = now
            registration.save(update_fields=["reminded_at"])
            publish(
                EVENT_REMINDER,
                actor=REMINDER_ACTOR,
                title=event.title,
                text=gettext_noop("Erinnerung: Die Veranstaltung beginnt am %(starts)s (%(place)s)."),
                text_params={
                    "starts": _when(event.starts_at),
                    "place": event.place or event.online_url,
                },
                path=_path(event),
                audience=Audience.users(registration.user_id),
                payload={"event": event.pk, "registration": registration.pk},
            )
            sent += 1
    return sent


def registrations_of(event: Event, statuses: Iterable[str] = ACTIVE) -> QuerySet[Registration]:
    return (
        event.registrations.filter(status__in=list(statuses))
        .select_related("user", "body")
        .order_by("status", "position", "registered_at", "id")
    )
