"""The message flow of staff work (Nachrichtenvordruck → Sichtung → Zuweisung → Antwort → erledigt)
and the tasks (Aufträge) made from messages.

* Writing: every member of the event's staff; the message gets the next number of the event, gapless,
  under the event's row lock (as the log does). A closed event takes no new messages and no steps.
* Screening (Sichtung) and assigning: the holders of :data:`~verbund.emergency.models.SCREENING_FUNCTIONS`
  (KGS, LdS). A screening may assign at once ("Nachricht Nr. 4 gesichtet, zugewiesen an S2, S4").
* Answering and making a task of a message: a holder of a function the message is assigned to, or a
  screener. Closing: the same people. Nothing but screening is possible before the screening.
* A task is finished (erledigt / entfallen) by the holders of its owner function, its owner, the
  person who gave it, or a screener.
* Place: a message may name a place (``place``) and its coordinates (``latitude``, ``longitude`` in
  WGS 84, both or none; :func:`place_errors`). Once screened, a message with coordinates is on the
  situation map (layer "Meldungen", from its ``screened_at`` on, :mod:`.situation`).
* Assigning (also by a screening that assigns at once) tells the current holders of the assigned
  functions (on a new assignment, of the functions added) in the event's staff, standing or for this
  event, holder or deputy, through the notifications part
  (:data:`verbund.emergency.events_notify.MESSAGE_ASSIGNED`; in-app and e-mail, never webhooks); the
  text names the event, the message's number and priority, not its content.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.common.principal import Principal
from verbund.common.statemachine import StateMachine, Transition

from .. import audit_actions, events_notify
from ..models import (
    PRIORITY_RANK,
    SCREENING_FUNCTIONS,
    Direction,
    Event,
    EventStatus,
    LogCategory,
    Message,
    MessageState,
    Position,
    Priority,
    StaffFunction,
    Task,
    TaskState,
)
from ..policies import MANAGE, as_principal, held_functions, sees_event
from . import log as log_services

#: a message may have been taken up to this far in the future (clocks of devices differ)
_FUTURE = dt.timedelta(minutes=5)
_TEXT_MAX = 20_000
_PLACE_MAX = 200
#: the log is a record and stays in the source language: its texts are German, not translated, and the
#: labels of choices in them are taken in German whatever the writer reads
LOG_LANGUAGE = "de"

SCREEN = "screen"
ASSIGN = "assign"
ANSWER = "answer"
CLOSE = "close"
TASK = "task"

#: The states and steps of a message. A screening that assigns at once goes to "zugewiesen".
FLOW = StateMachine(
    labels={state.value: state.value for state in MessageState},  # the values are the German labels
    transitions=[
        Transition(SCREEN, sources={MessageState.WRITTEN}, target=MessageState.SCREENED, label="sichten"),
        Transition(
            ASSIGN,
            sources={MessageState.SCREENED, MessageState.ASSIGNED},
            target=MessageState.ASSIGNED,
            label="zuweisen",
        ),
        Transition(
            ANSWER,
            sources={MessageState.SCREENED, MessageState.ASSIGNED},
            target=MessageState.ANSWERED,
            label="beantworten",
        ),
        Transition(
            CLOSE,
            sources={MessageState.SCREENED, MessageState.ASSIGNED, MessageState.ANSWERED},
            target=MessageState.CLOSED,
            label="erledigen",
        ),
    ],
)
#: states in which a message can become a task
_TASK_STATES = frozenset({MessageState.SCREENED, MessageState.ASSIGNED, MessageState.ANSWERED})

SCREEN_REFUSAL = gettext_noop(
    "Nachrichten sichten und zuweisen nur die Koordinierungsgruppe (KGS) und die Leitung des Stabes (LdS)."
)
HANDLE_REFUSAL = gettext_noop(
    "Diesen Schritt tun nur die Funktionen, denen die Nachricht zugewiesen ist, und die Sichtung (KGS, LdS)."
)
FINISH_REFUSAL = gettext_noop(
    "Einen Auftrag schließen nur die zuständige Funktion, die zuständige Person, wer ihn erteilt hat, "
    "und die Sichtung (KGS, LdS)."
)
CLOSED_EVENT = gettext_noop("Die Lage ist beendet; Nachrichten und Aufträge sind geschlossen.")


# --- reading --------------------------------------------------------------------------------------


def functions_of(who: Actor | Principal, event: Event) -> frozenset[str]:
    """The functions ``who`` holds in the event's staff (standing or for this event)."""
    principal = as_principal(who)
    return held_functions(principal, staff_id=event.staff_id, event_id=event.pk)


def _by_priority(queryset: QuerySet[Message]) -> QuerySet[Message]:
    rank = Case(
        *(When(priority=priority, then=Value(order)) for priority, order in PRIORITY_RANK.items()),
        default=Value(len(PRIORITY_RANK)),
        output_field=IntegerField(),
    )
    return queryset.annotate(priority_rank=rank).order_by("priority_rank", "written_at", "number")


def messages(
    who: Actor | Principal,
    event_id: int,
    *,
    state: str = "",
    mine: bool = False,
    open_only: bool = False,
) -> QuerySet[Message]:
    """The event's messages, Blitz first, then sofort, then einfach; within a priority the oldest first
    (the one that waited longest). ``state`` filters by state, ``open_only`` leaves out closed ones,
    ``mine`` keeps those assigned to a function ``who`` holds."""
    principal = as_principal(who)
    event = log_services.get_event(principal, event_id)
    queryset = Message.objects.filter(event=event)
    if state:
        if state not in MessageState.values:
            raise Invalid(fields={"state": [_("Unbekannter Stand.")]})
        queryset = queryset.filter(state=state)
    if open_only:
        queryset = queryset.exclude(state=MessageState.CLOSED)
    if mine:
        queryset = queryset.filter(_assigned_to_any(functions_of(principal, event)))
    return _by_priority(queryset)


def _assigned_to_any(functions: Iterable[str]) -> Q:
    # ``assigned_to`` is a JSON list of codes; the codes are unique words, so a text match on the
    # quoted code finds them on every database (JSON containment differs between SQLite and PostgreSQL)
    condition = Q(pk__in=[])
    for function in functions:
        condition |= Q(assigned_to__icontains=f'"{function}"')
    return condition


def get_message(who: Actor | Principal, event_id: int, number: int) -> Message:
    event = log_services.get_event(who, event_id)
    message = Message.objects.filter(event=event, number=number).select_related("event").first()
    if message is None:
        raise NotFound()
    return message


def tasks(who: Actor | Principal, event_id: int, *, open_only: bool = True) -> QuerySet[Task]:
    """The event's tasks, the earliest deadline first (open ones only unless ``open_only`` is false)."""
    event = log_services.get_event(who, event_id)
    queryset = Task.objects.filter(event=event).select_related("message", "owner")
    if open_only:
        queryset = queryset.filter(state=TaskState.OPEN)
    return queryset.order_by("due_at", "id")


def get_task(who: Actor | Principal, event_id: int, task_id: int) -> Task:
    event = log_services.get_event(who, event_id)
    task = Task.objects.filter(event=event, pk=task_id).select_related("message", "owner").first()
    if task is None:
        raise NotFound()
    return task


def is_overdue(task: Task, now: dt.datetime | None = None) -> bool:
    return task.state == TaskState.OPEN and task.due_at < (now or timezone.now())


# --- who may do what -------------------------------------------------------------------------------


def _is_manager(principal: Principal) -> bool:
    return principal.is_system and principal.capable(MANAGE)


def screens(principal: Principal, held: frozenset[str]) -> bool:
    return _is_manager(principal) or bool(held & SCREENING_FUNCTIONS)


def handles(principal: Principal, held: frozenset[str], message: Message) -> bool:
    """Answer, close and make a task of ``message``: an assigned function, or a screener."""
    return screens(principal, held) or bool(held & set(message.assigned_to or ()))


@dataclass(frozen=True)
class Permitted:
    """The steps a person may take on a message now (for the pages: show only those)."""

    screen: bool
    assign: bool
    answer: bool
    close: bool
    task: bool


def permitted(who: Actor | Principal, message: Message) -> Permitted:
    principal = as_principal(who)
    event = message.event
    if event.status == EventStatus.CLOSED:
        return Permitted(False, False, False, False, False)
    held = functions_of(principal, event)
    screener = screens(principal, held)
    handler = handles(principal, held, message)
    return Permitted(
        screen=screener and FLOW.can(message.state, SCREEN),
        assign=screener and FLOW.can(message.state, ASSIGN),
        answer=handler and FLOW.can(message.state, ANSWER),
        close=handler and FLOW.can(message.state, CLOSE),
        task=handler and message.state in _TASK_STATES,
    )


def may_finish(who: Actor | Principal, task: Task) -> bool:
    principal = as_principal(who)
    if task.state != TaskState.OPEN or task.event.status == EventStatus.CLOSED:
        return False
    if _is_manager(principal):
        return True
    held = functions_of(principal, task.event)
    return (
        screens(principal, held)
        or task.owner_function in held
        or (principal.user_id is not None and principal.user_id in (task.owner_id, task.created_by_id))
    )


# --- helpers for the steps ------------------------------------------------------------------------


def _lock_event(principal: Principal, event_id: int) -> Event:
    """The event, locked (numbers and log entries of one event are written one after the other);
    404 for one ``principal`` does not see; refused when it is closed."""
    event = Event.objects.select_for_update(of=("self",)).select_related("staff").filter(pk=event_id).first()
    if event is None or not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    if event.status == EventStatus.CLOSED:
        raise Invalid(fields={"event": [_(CLOSED_EVENT)]})
    return event


def _lock_message(event: Event, number: int) -> Message:
    message = Message.objects.select_for_update(of=("self",)).filter(event=event, number=number).first()
    if message is None:
        raise NotFound()
    message.event = event
    return message


def _step_refusal(message: Message, action: str) -> Conflict:
    """Why ``action`` is not possible in the message's state, in words."""
    number = {"number": message.number}
    if message.state == MessageState.CLOSED:
        return Conflict(
            _("Nachricht Nr. %(number)s ist erledigt; weitere Schritte sind nicht möglich.") % number
        )
    if message.state == MessageState.WRITTEN:
        return Conflict(
            _(
                "Nachricht Nr. %(number)s ist noch nicht gesichtet: zuerst sichtet die "
                "Koordinierungsgruppe (KGS) oder die Leitung des Stabes (LdS) sie."
            )
            % number
        )
    if action == SCREEN:
        return Conflict(_("Nachricht Nr. %(number)s ist bereits gesichtet.") % number)
    if message.state == MessageState.ANSWERED:
        return Conflict(_("Nachricht Nr. %(number)s ist bereits beantwortet.") % number)
    return Conflict(_("Dieser Schritt passt nicht zum Stand der Nachricht."))


def _require_step(message: Message, action: str) -> str:
    if action == TASK:
        if message.state not in _TASK_STATES:
            raise _step_refusal(message, action)
        return message.state
    if not FLOW.can(message.state, action):
        raise _step_refusal(message, action)
    return FLOW.target(message.state, action)


def _clean_functions(functions: Iterable[str], field: str = "functions") -> list[str]:
    codes = list(dict.fromkeys(f.strip() for f in functions if f and f.strip()))
    unknown = [code for code in codes if code not in StaffFunction.values]
    if unknown:
        raise Invalid(fields={field: [_("Unbekannte Funktion: %(codes)s.") % {"codes": ", ".join(unknown)}]})
    order = {code: index for index, code in enumerate(StaffFunction.values)}
    return sorted(codes, key=order.__getitem__)


def _acting_function(held: frozenset[str], preferred: Iterable[str]) -> str:
    """The function a step is logged under: the first of ``preferred`` that the actor holds."""
    for function in preferred:
        if function in held:
            return function
    return ""


def _log(
    event: Event, actor: Actor, text: str, *, function: str, category: str = LogCategory.MESSAGE
) -> None:
    log_services.system_entry(
        event,
        text=text,
        category=category,
        author_name=log_services.author_name(actor),
        function=function,
    )


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d.%m.%Y %H:%M}"


def _too_long(value: str, limit: int) -> list[str]:
    return [_("Höchstens %(max)s Zeichen.") % {"max": limit}] if len(value) > limit else []


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def place_errors(place: str, latitude: Any, longitude: Any) -> dict[str, list[str]]:
    """What is wrong with a message's place: the name at most 200 characters; the coordinates in
    WGS 84 (latitude −90…90, longitude −180…180), both or none. Each refusal names its field."""
    errors: dict[str, list[str]] = {}
    if too_long := _too_long(place, _PLACE_MAX):
        errors["place"] = too_long
    if latitude is None and longitude is None:
        return errors
    if latitude is None:
        errors["latitude"] = [_("Zur Länge fehlt die Breite: bitte beide Koordinaten angeben oder keine.")]
    elif not _finite(latitude):
        errors["latitude"] = [_("Die Breite muss eine Zahl sein.")]
    elif not -90 <= latitude <= 90:
        errors["latitude"] = [
            _("Breite %(value)s liegt nicht zwischen −90 und 90 (WGS 84).") % {"value": latitude}
        ]
    if longitude is None:
        errors["longitude"] = [_("Zur Breite fehlt die Länge: bitte beide Koordinaten angeben oder keine.")]
    elif not _finite(longitude):
        errors["longitude"] = [_("Die Länge muss eine Zahl sein.")]
    elif not -180 <= longitude <= 180:
        errors["longitude"] = [
            _("Länge %(value)s liegt nicht zwischen −180 und 180 (WGS 84).") % {"value": longitude}
        ]
    return errors


def _german_number(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".").replace(".", ",")


def holders(event: Event, functions: Iterable[str]) -> list[int]:
    """The people who hold one of ``functions`` in the event's staff today (standing or for this
    event, holder or deputy): whom an assignment concerns."""
    codes = list(functions)
    if not codes:
        return []
    today = timezone.localdate()
    return sorted(
        set(
            Position.objects.filter(
                Q(event__isnull=True) | Q(event_id=event.pk),
                staff_id=event.staff_id,
                function__in=codes,
                starts_on__lte=today,
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values_list("person_id", flat=True)
        )
    )


def _tell_assigned(actor: Actor, event: Event, message: Message, codes: list[str]) -> None:
    events_notify.message_assigned(actor=actor, event=event, message=message, user_ids=holders(event, codes))


# --- the steps --------------------------------------------------------------------------------------


def write_message(
    *,
    actor: Actor,
    event_id: int,
    sender: str,
    subject: str,
    text: str,
    recipient: str = "",
    direction: str = Direction.INCOMING,
    priority: str = Priority.ROUTINE,
    author_function: str = "",
    written_at: dt.datetime | None = None,
    place: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Message:
    """A member of the event's staff takes a message (Nachrichtenvordruck); it gets the next number.
    ``place`` names where it is about; ``latitude`` and ``longitude`` (WGS 84, both or none) put it on
    the situation map once it is screened."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        held = functions_of(principal, event) if principal.is_person else frozenset()
        now = timezone.now()
        sender, recipient, subject = sender.strip(), recipient.strip(), subject.strip()
        place = place.strip()
        errors: dict[str, list[str]] = place_errors(place, latitude, longitude)
        for field, value, limit in (
            ("sender", sender, 200),
            ("recipient", recipient, 200),
            ("subject", subject, 300),
        ):
            if field != "recipient" and not value:
                errors[field] = [_("Bitte ausfüllen.")]
            elif too_long := _too_long(value, limit):
                errors[field] = too_long
        if not text.strip():
            errors["text"] = [_("Die Nachricht hat keinen Inhalt.")]
        elif too_long := _too_long(text, _TEXT_MAX):
            errors["text"] = too_long
        if direction not in Direction.values:
            errors["direction"] = [_("Unbekannte Richtung.")]
        if priority not in Priority.values:
            errors["priority"] = [_("Unbekannter Vorrang.")]
        if author_function and author_function not in StaffFunction.values:
            errors["author_function"] = [_("Unbekannte Funktion.")]
        elif author_function and principal.is_person and author_function not in held:
            errors["author_function"] = [_("Diese Funktion haben Sie im Stab nicht inne.")]
        if written_at is not None:
            if written_at.tzinfo is None:
                errors["written_at"] = [_("Der Zeitpunkt braucht eine Zeitzone.")]
            elif log_services.off_calendar(written_at):
                errors["written_at"] = [_(log_services.CALENDAR_REFUSAL)]
            elif written_at > now + _FUTURE:
                errors["written_at"] = [_("Der Zeitpunkt liegt in der Zukunft.")]
            elif written_at < event.opened_at - dt.timedelta(days=1):
                errors["written_at"] = [_("Der Zeitpunkt liegt vor der Eröffnung der Lage.")]
        if errors:
            raise Invalid(fields=errors)
        if not author_function and len(held) == 1:
            author_function = next(iter(held))
        last = (
            Message.objects.filter(event=event).order_by("-number").values_list("number", flat=True).first()
        )
        message = Message.objects.create(
            event=event,
            number=(last or 0) + 1,
            direction=direction,
            priority=priority,
            sender=sender,
            recipient=recipient,
            subject=subject,
            text=text.strip(),
            author=actor if isinstance(actor, get_user_model()) else None,
            author_function=author_function,
            written_at=written_at or now,
            place=place,
            latitude=None if latitude is None else float(latitude),
            longitude=None if longitude is None else float(longitude),
        )
        with translation.override(LOG_LANGUAGE):
            line = (
                f"Nachricht Nr. {message.number} aufgenommen ({message.get_direction_display()}, "
                f"Vorrang {message.get_priority_display()}) von {sender}"
            )
            if recipient:
                line += f" an {recipient}"
            line += f": {subject}"
            if place or message.latitude is not None:
                where = [place] if place else []
                if message.latitude is not None and message.longitude is not None:
                    where.append(f"{_german_number(message.latitude)}; {_german_number(message.longitude)}")
                line += f" (Ort: {', '.join(where)})"
        _log(event, actor, line, function=author_function)
        audit_record(
            actor=actor,
            action=audit_actions.MESSAGE_WRITE,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number},
        )
        return message


def screen_message(
    *, actor: Actor, event_id: int, number: int, note: str = "", functions: Iterable[str] = ()
) -> Message:
    """The Sichtung: KGS or LdS screens the message, with a note, and may assign it at once."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        message = _lock_message(event, number)
        held = functions_of(principal, event)
        if not screens(principal, held):
            raise Forbidden(_(SCREEN_REFUSAL))
        _require_step(message, SCREEN)
        codes = _clean_functions(functions)
        note = note.strip()
        if too_long := _too_long(note, _TEXT_MAX):
            raise Invalid(fields={"note": too_long})
        now = timezone.now()
        message.screened_by = actor if isinstance(actor, get_user_model()) else None
        message.screened_at = now
        message.screening_note = note
        message.state = MessageState.SCREENED
        if codes:
            message.assigned_to = codes
            message.assigned_at = now
            message.state = MessageState.ASSIGNED
        message.save()
        line = f"Nachricht Nr. {message.number} gesichtet"
        if codes:
            line += f", zugewiesen an {', '.join(codes)}"
        if note:
            line += f"; Vermerk: {note}"
        _log(event, actor, line, function=_acting_function(held, (StaffFunction.KGS, StaffFunction.LDS)))
        audit_record(
            actor=actor,
            action=audit_actions.MESSAGE_SCREEN,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number, "zugewiesen an": ", ".join(codes)},
        )
        if codes:
            _tell_assigned(actor, event, message, codes)
        return message


def assign_message(*, actor: Actor, event_id: int, number: int, functions: Iterable[str]) -> Message:
    """KGS or LdS assigns a screened message to functions (replacing an earlier assignment)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        message = _lock_message(event, number)
        held = functions_of(principal, event)
        if not screens(principal, held):
            raise Forbidden(_(SCREEN_REFUSAL))
        target = _require_step(message, ASSIGN)
        codes = _clean_functions(functions)
        if not codes:
            raise Invalid(fields={"functions": [_("Bitte mindestens eine Funktion wählen.")]})
        added = [code for code in codes if code not in set(message.assigned_to or ())]
        message.assigned_to = codes
        message.assigned_at = timezone.now()
        message.state = target
        message.save()
        line = f"Nachricht Nr. {message.number} zugewiesen an {', '.join(codes)}"
        _log(event, actor, line, function=_acting_function(held, (StaffFunction.KGS, StaffFunction.LDS)))
        audit_record(
            actor=actor,
            action=audit_actions.MESSAGE_ASSIGN,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number, "zugewiesen an": ", ".join(codes)},
        )
        _tell_assigned(actor, event, message, added)  # only the functions it is new to
        return message


def _handler_function(held: frozenset[str], message: Message) -> str:
    return _acting_function(held, [*(message.assigned_to or ()), StaffFunction.KGS, StaffFunction.LDS])


def answer_message(*, actor: Actor, event_id: int, number: int, answer: str) -> Message:
    """A holder of an assigned function (or a screener) answers the message."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        message = _lock_message(event, number)
        held = functions_of(principal, event)
        if not handles(principal, held, message):
            raise Forbidden(_(HANDLE_REFUSAL))
        target = _require_step(message, ANSWER)
        answer = answer.strip()
        if not answer:
            raise Invalid(fields={"answer": [_("Die Antwort ist leer.")]})
        if too_long := _too_long(answer, _TEXT_MAX):
            raise Invalid(fields={"answer": too_long})
        message.answer = answer
        message.answered_by = actor if isinstance(actor, get_user_model()) else None
        message.answered_at = timezone.now()
        message.state = target
        message.save()
        line = f"Nachricht Nr. {message.number} beantwortet: {answer}"
        _log(event, actor, line, function=_handler_function(held, message))
        audit_record(
            actor=actor,
            action=audit_actions.MESSAGE_ANSWER,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number},
        )
        return message


def close_message(*, actor: Actor, event_id: int, number: int) -> Message:
    """The message is done (erledigt): a holder of an assigned function or a screener."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        message = _lock_message(event, number)
        held = functions_of(principal, event)
        if not handles(principal, held, message):
            raise Forbidden(_(HANDLE_REFUSAL))
        message.state = _require_step(message, CLOSE)
        message.closed_at = timezone.now()
        message.save()
        line = f"Nachricht Nr. {message.number} erledigt"
        _log(event, actor, line, function=_handler_function(held, message))
        audit_record(
            actor=actor,
            action=audit_actions.MESSAGE_CLOSE,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number},
        )
        return message


def create_task(
    *,
    actor: Actor,
    event_id: int,
    number: int,
    title: str,
    owner_function: str,
    due_at: dt.datetime,
    details: str = "",
    owner: Any | None = None,
) -> Task:
    """Turn a screened message into a task for ``owner_function`` (and ``owner``, who must hold that
    function in the staff) with a deadline."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        message = _lock_message(event, number)
        held = functions_of(principal, event)
        if not handles(principal, held, message):
            raise Forbidden(_(HANDLE_REFUSAL))
        _require_step(message, TASK)
        title, details = title.strip(), details.strip()
        now = timezone.now()
        errors: dict[str, list[str]] = {}
        if not title:
            errors["title"] = [_("Bitte den Auftrag benennen.")]
        elif too_long := _too_long(title, 300):
            errors["title"] = too_long
        if too_long := _too_long(details, _TEXT_MAX):
            errors["details"] = too_long
        if owner_function not in StaffFunction.values:
            errors["owner_function"] = [_("Unbekannte Funktion.")]
        elif owner is not None and owner_function not in functions_of(authorize(owner), event):
            errors["owner"] = [_("Diese Person hat die zuständige Funktion im Stab nicht inne.")]
        if due_at.tzinfo is None:
            errors["due_at"] = [_("Der Zeitpunkt braucht eine Zeitzone.")]
        elif log_services.off_calendar(due_at):
            errors["due_at"] = [_(log_services.CALENDAR_REFUSAL)]
        elif due_at <= now:
            errors["due_at"] = [_("Die Frist liegt in der Vergangenheit.")]
        if errors:
            raise Invalid(fields=errors)
        task = Task.objects.create(
            event=event,
            message=message,
            title=title,
            details=details,
            owner_function=owner_function,
            owner=owner,
            due_at=due_at,
            created_by=actor if isinstance(actor, get_user_model()) else None,
        )
        whom = owner_function
        if owner is not None:
            whom += f" ({log_services.author_name(owner)})"
        line = (
            f"Auftrag aus Nachricht Nr. {message.number} an {whom}: {title}; "
            f"zu erledigen bis {_local(due_at)}"
        )
        _log(event, actor, line, function=_handler_function(held, message), category=LogCategory.ORDER)
        audit_record(
            actor=actor,
            action=audit_actions.TASK_CREATE,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Nachricht": message.number, "Auftrag": task.pk, "Zuständig": owner_function},
        )
        return task


def finish_task(*, actor: Actor, event_id: int, task_id: int, state: str = TaskState.DONE) -> Task:
    """The task is done (erledigt) or no longer needed (entfallen)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _lock_event(principal, event_id)
        task = Task.objects.select_for_update(of=("self",)).filter(event=event, pk=task_id).first()
        if task is None:
            raise NotFound()
        task.event = event
        if state not in (TaskState.DONE, TaskState.CANCELLED):
            raise Invalid(fields={"state": [_("Ein Auftrag wird erledigt oder entfällt.")]})
        if not may_finish(principal, task):
            if task.state != TaskState.OPEN:
                raise Conflict(_("Der Auftrag ist bereits abgeschlossen."))
            raise Forbidden(_(FINISH_REFUSAL))
        task.state = state
        task.done_at = timezone.now()
        task.save()
        held = functions_of(principal, event)
        line = f"Auftrag „{task.title}“ {'erledigt' if state == TaskState.DONE else 'entfallen'}"
        if task.message is not None:
            line += f" (aus Nachricht Nr. {task.message.number})"
        function = _acting_function(held, (task.owner_function, StaffFunction.KGS, StaffFunction.LDS))
        _log(event, actor, line, function=function, category=LogCategory.ORDER)
        audit_record(
            actor=actor,
            action=audit_actions.TASK_FINISH,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Auftrag": task.pk, "Stand": state},
        )
        return task
