"""Advisory cases: open, edit, move through :data:`~verbund.advisory.casework.CASE_STATES`, parties,
notes, documents, appointments, and the office's work queue.

Rules (policies.py): the Beratungsstelle works cases; the parties read the cases they are party to
(and those linked to their alliance), write non-internal notes and upload non-internal documents.
Everybody else — the operator and the funding authority included — gets a 404.

Numbers: "B-<year>-<0001>", counted per year. Two offices opening a case at the same moment may
compute the same next number; the unique constraint refuses the second insert, which is retried
inside a savepoint with the next number (no counter row, no gap handling needed).

Confidentiality: a case never reads anything of the security part; what people paste into a note is
theirs. Notifications name the case by its number and title and link the case page, which checks
access again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.accounts.models import RoleAssignment
from verbund.alliances.models import Alliance, FieldOfAction, Status
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.principal import Principal, principal_for
from verbund.common.roles import Role
from verbund.common.statemachine import Transition
from verbund.notifications.services import Audience, publish, register_event_type
from verbund.registry.models import Body
from verbund.shared_services.models import Task

from .. import audit_actions
from ..casework import ABGESCHLOSSEN, CASE_STATES, EMPFEHLUNG, STATE_LABELS
from ..models import (
    Appointment,
    Case,
    CaseDocument,
    CaseNote,
    CaseOrigin,
    CaseParty,
    CaseStatusChange,
)
from ..models.cases import OPEN_STATES
from ..policies import case_filter, is_office, reads_internal_notes, works_cases, writes_to_case

CASE_ASSIGNED = register_event_type(
    "advisory.case_assigned", label=gettext_lazy("Beratungsfall zugewiesen"), webhooks=False
)
CASE_STATUS_CHANGED = register_event_type(
    "advisory.case_status", label=gettext_lazy("Stand eines Beratungsfalls geändert"), webhooks=False
)
CASE_NOTE_ADDED = register_event_type(
    "advisory.case_note", label=gettext_lazy("Neue Notiz in einem Beratungsfall"), webhooks=False
)

OFFICE_ONLY = gettext_noop("Nur die Beratungsstelle bearbeitet Beratungsfälle.")
_NUMBER_ATTEMPTS = 20
DEFAULT_UPLOAD_MAX_MB = 20
DEFAULT_CONTACT_MONTHS = 6

#: extension → (content type, magic bytes the file must start with; None: text)
ALLOWED_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "txt": ("text/plain", None),
}


# --- reading ---------------------------------------------------------------------------------------


def _principal(who: Actor | Principal) -> Principal:
    return who if isinstance(who, Principal) else principal_for(who)


def visible_cases(who: Actor | Principal) -> QuerySet[Case]:
    """The cases ``who`` reads (none for the operator and the funding authority)."""
    principal = _principal(who)
    condition = case_filter(principal)
    cases = Case.objects.all()
    if condition:
        cases = cases.filter(pk__in=Case.objects.filter(condition).values("pk"))
    return cases.select_related("advisor", "alliance", "field_of_action", "task")


def get_case(who: Actor | Principal, case_id: int) -> Case:
    """The case, or :class:`NotFound` when it does not exist or ``who`` may not read it."""
    case = visible_cases(who).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def notes_of(who: Actor | Principal, case: Case) -> QuerySet[CaseNote]:
    notes = CaseNote.objects.filter(case=case).select_related("author")
    return notes if reads_internal_notes(_principal(who)) else notes.filter(internal=False)


def documents_of(who: Actor | Principal, case: Case) -> QuerySet[CaseDocument]:
    documents = CaseDocument.objects.filter(case=case).select_related("uploaded_by")
    return documents if reads_internal_notes(_principal(who)) else documents.filter(internal=False)


def get_document(who: Actor | Principal, case_id: int, document_id: int) -> CaseDocument:
    case = get_case(who, case_id)
    document = documents_of(who, case).filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return document


def available_actions(who: Actor | Principal, case: Case) -> list[Transition]:
    """The transitions the office may take from the case's state (none for parties)."""
    if not works_cases(_principal(who)):
        return []
    return [t for t in CASE_STATES.transitions if case.status in t.sources]


def status_label(status: str) -> str:
    return _(CASE_STATES.label(status))


def advisors() -> QuerySet[Any]:
    """The people of the Beratungsstelle (who may be responsible for a case)."""
    from django.contrib.auth import get_user_model

    ids = RoleAssignment.objects.filter(role=Role.BERATUNGSSTELLE).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name")


def is_overdue(case: Case, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(case.status in OPEN_STATES and case.next_step_due and case.next_step_due < today)


# --- validation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyInput:
    body_id: int | None = None
    alliance_id: int | None = None
    requested: bool = False


def _check_text(errors: dict[str, list[str]], name: str, value: str, label: str, *, limit: int) -> None:
    if len(value) > limit:
        errors.setdefault(name, []).append(
            _("%(label)s: höchstens %(max)s Zeichen.") % {"label": label, "max": limit}
        )


def _resolve(model: Any, pk: Any, name: str, label: str, errors: dict[str, list[str]]) -> Any:
    if pk in (None, ""):
        return None
    obj = pk if isinstance(pk, model) else model.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        errors.setdefault(name, []).append(_("%(label)s: unbekannt.") % {"label": label})
    return obj


def _check_advisor(advisor: Any, errors: dict[str, list[str]]) -> Any:
    from django.contrib.auth import get_user_model

    user = _resolve(get_user_model(), advisor, "advisor", _("Beraterin / Berater"), errors)
    if user is not None and not advisors().filter(pk=user.pk).exists():
        errors.setdefault("advisor", []).append(
            _("Beraterin / Berater: die Person gehört nicht zur Beratungsstelle.")
        )
    return user


def _case_fields(values: dict[str, Any], errors: dict[str, list[str]], *, partial: bool) -> dict[str, Any]:
    """Check and resolve the editable fields of a case (only those given when ``partial``)."""
    clean: dict[str, Any] = {}
    if "title" in values or not partial:
        title = str(values.get("title") or "").strip()
        if not title:
            errors.setdefault("title", []).append(_("Betreff: bitte angeben."))
        _check_text(errors, "title", title, _("Betreff"), limit=200)
        clean["title"] = title
    if "description" in values:
        clean["description"] = str(values["description"] or "").strip()
        _check_text(errors, "description", clean["description"], _("Anliegen"), limit=20_000)
    if "origin" in values:
        origin = str(values["origin"] or CaseOrigin.REQUEST)
        if origin not in CaseOrigin.values:
            errors.setdefault("origin", []).append(_("Anlass: unbekannt."))
        clean["origin"] = origin
    if "field_of_action" in values:
        clean["field_of_action"] = _resolve(
            FieldOfAction, values["field_of_action"], "field_of_action", _("Handlungsfeld"), errors
        )
    if "task" in values:
        clean["task"] = _resolve(Task, values["task"], "task", _("Aufgabe"), errors)
    if "advisor" in values:
        clean["advisor"] = _check_advisor(values["advisor"], errors)
    if "next_step" in values:
        clean["next_step"] = str(values["next_step"] or "").strip()
        _check_text(errors, "next_step", clean["next_step"], _("Nächster Schritt"), limit=300)
    if "next_step_due" in values:
        due = values["next_step_due"]
        if due is not None and not isinstance(due, dt.date):
            errors.setdefault("next_step_due", []).append(_("fällig am: kein gültiges Datum."))
            due = None
        clean["next_step_due"] = due
    if clean.get("next_step_due") and not clean.get("next_step", values.get("_current_next_step", "")):
        errors.setdefault("next_step", []).append(
            _("Nächster Schritt: bitte angeben, wenn ein Fälligkeitsdatum gesetzt ist.")
        )
    return clean


def _changes(case: Case, clean: dict[str, Any]) -> dict[str, Any]:
    """The audit changes (German keys) of the fields that differ."""
    keys = {
        "title": "Betreff",
        "description": "Anliegen",
        "origin": "Anlass",
        "field_of_action": "Handlungsfeld",
        "task": "Aufgabe",
        "advisor": "Beratung",
        "next_step": "Nächster Schritt",
        "next_step_due": "Fällig",
        "alliance": "Verbund",
    }
    changes: dict[str, Any] = {}
    for name, value in clean.items():
        old = getattr(case, name)
        if old != value:
            # free text of the advice stays out of the audit log (its readers need not see it)
            text = "geändert" if name == "description" else "" if value is None else str(value)
            changes[keys[name]] = text
    return changes


# --- numbering -------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"B-{year}-"
    numbers = Case.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


def _insert_numbered(case: Case, year: int) -> None:
    """Save ``case`` with the next free number of ``year`` (retrying when another took it)."""
    for _attempt in range(_NUMBER_ATTEMPTS):
        case.number = _next_number(year)
        try:
            with transaction.atomic():
                case.save()
            return
        except IntegrityError:
            if not Case.objects.filter(number=case.number).exists():
                raise
            case.pk = None
    raise Conflict(_("Es konnte gerade kein Aktenzeichen vergeben werden; bitte erneut versuchen."))


# --- notifications ---------------------------------------------------------------------------------


def case_path(case: Case) -> str:
    return reverse("advisory:case_detail", kwargs={"case_id": case.pk})


def _parties_audience(case: Case) -> Audience:
    audience = Audience()
    for party in CaseParty.objects.filter(case=case):
        audience = audience | (
            Audience.body(party.body_id) if party.body_id else Audience.alliance(party.alliance_id)
        )
    return audience


def _notify_assigned(actor: Actor, case: Case) -> None:
    if case.advisor_id is None:
        return
    publish(
        CASE_ASSIGNED,
        actor=actor,
        title=str(case),
        text=gettext_noop("Ihnen wurde der Beratungsfall %(number)s zugewiesen."),
        text_params={"number": case.number},
        path=case_path(case),
        audience=Audience.users(case.advisor_id),
        payload={"case": case.pk},
    )


def _notify_parties(actor: Actor, case: Case, event_type: Any, text: str, params: dict[str, str]) -> None:
    audience = _parties_audience(case)
    if not audience:
        return
    publish(
        event_type,
        actor=actor,
        title=str(case),
        text=text,
        text_params=params,
        path=case_path(case),
        audience=audience,
        payload={"case": case.pk},
    )


# --- cases -----------------------------------------------------------------------------------------


def _lock(case_id: int) -> Case:
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def _check_parties(parties: Iterable[PartyInput], errors: dict[str, list[str]]) -> list[CaseParty]:
    rows: list[CaseParty] = []
    seen: set[tuple[str, int]] = set()
    for party in parties:
        if bool(party.body_id) == bool(party.alliance_id):
            errors.setdefault("parties", []).append(
                _("Beteiligte: entweder eine Körperschaft oder ein Verbund angeben.")
            )
            continue
        if party.body_id:
            body = _resolve(Body, party.body_id, "parties", _("Beteiligte Körperschaft"), errors)
            key = ("body", int(party.body_id))
            if body is not None and key not in seen:
                rows.append(CaseParty(body=body, requested=party.requested))
        else:
            alliance = _resolve(Alliance, party.alliance_id, "parties", _("Beteiligter Verbund"), errors)
            key = ("alliance", int(party.alliance_id or 0))
            if alliance is not None and key not in seen:
                rows.append(CaseParty(alliance=alliance, requested=party.requested))
        seen.add(key)
    return rows


def open_case(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    origin: str = CaseOrigin.REQUEST,
    field_of_action: Any = None,
    task: Any = None,
    advisor: Any = None,
    parties: Sequence[PartyInput] = (),
    alliance: Any = None,
    next_step: str = "",
    next_step_due: dt.date | None = None,
) -> Case:
    """The office opens a case (on a request or on its own initiative)."""
    authorize(actor, works_cases, _(OFFICE_ONLY))
    errors: dict[str, list[str]] = {}
    clean = _case_fields(
        {
            "title": title,
            "description": description,
            "origin": origin,
            "field_of_action": field_of_action,
            "task": task,
            "advisor": advisor,
            "next_step": next_step,
            "next_step_due": next_step_due,
        },
        errors,
        partial=False,
    )
    linked = _resolve(Alliance, alliance, "alliance", _("Verbund"), errors)
    rows = _check_parties(parties, errors)
    if clean.get("origin") == CaseOrigin.REQUEST and rows and not any(r.requested for r in rows):
        errors.setdefault("parties", []).append(
            _("Beteiligte: bei einer Anfrage bitte markieren, wer angefragt hat.")
        )
    if errors:
        raise Invalid(fields=errors)
    with transaction.atomic():
        case = Case(**clean, alliance=linked, created_by=_user(actor))
        _insert_numbered(case, timezone.localdate().year)
        for row in rows:
            row.case = case
        CaseParty.objects.bulk_create(rows)
        CaseStatusChange.objects.create(
            case=case, from_status="", to_status=case.status, changed_by=_user(actor)
        )
        audit_record(
            actor=actor,
            action=audit_actions.CASE_OPEN,
            target=case,
            changes={
                "Aktenzeichen": case.number,
                "Betreff": case.title,
                "Anlass": case.origin,
                "Beteiligte": ", ".join(str(r) for r in rows),
                "Verbund": str(linked or ""),
            },
            alliance=linked,
        )
        _notify_assigned(actor, case)
    return case


def _user(actor: Actor) -> Any:
    from django.contrib.auth import get_user_model

    return actor if isinstance(actor, get_user_model()) else None


def update_case(*, actor: Actor, case_id: int, **values: Any) -> Case:
    """Change title, description, origin, field of action, task, advisor, next step and due date."""
    principal = authorize(actor)
    allowed = {
        "title",
        "description",
        "origin",
        "field_of_action",
        "task",
        "advisor",
        "next_step",
        "next_step_due",
    }
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown case fields {sorted(unknown)}")
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        errors: dict[str, list[str]] = {}
        clean = _case_fields({**values, "_current_next_step": case.next_step}, errors, partial=True)
        if errors:
            raise Invalid(fields=errors)
        changes = _changes(case, clean)
        if not changes:
            return case
        advisor_changed = "advisor" in clean and clean["advisor"] != case.advisor
        for name, value in clean.items():
            setattr(case, name, value)
        case.save()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_CHANGE,
            target=case,
            changes=changes,
            alliance=case.alliance_id,
        )
        if advisor_changed:
            _notify_assigned(actor, case)
    return case


def link_alliance(*, actor: Actor, case_id: int, alliance: Any) -> Case:
    """Link the case to the alliance it leads to (``None`` unlinks)."""
    principal = authorize(actor)
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        errors: dict[str, list[str]] = {}
        linked = _resolve(Alliance, alliance, "alliance", _("Verbund"), errors)
        if errors:
            raise Invalid(fields=errors)
        if linked == case.alliance:
            return case
        before = str(case.alliance or "")
        case.alliance = linked
        case.save(update_fields=["alliance", "updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.CASE_CHANGE,
            target=case,
            changes={"Verbund": str(linked or ""), "Verbund vorher": before},
            alliance=linked,
        )
    return case


def add_party(
    *, actor: Actor, case_id: int, body: Any = None, alliance: Any = None, requested: bool = False
) -> CaseParty:
    principal = authorize(actor)
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        errors: dict[str, list[str]] = {}
        body_id = getattr(body, "pk", body)
        alliance_id = getattr(alliance, "pk", alliance)
        rows = _check_parties(
            [PartyInput(body_id=body_id, alliance_id=alliance_id, requested=requested)], errors
        )
        if not errors and rows:
            row = rows[0]
            exists = CaseParty.objects.filter(case=case).filter(
                Q(body=row.body) if row.body_id else Q(alliance=row.alliance)
            )
            if exists.exists():
                errors.setdefault("body" if row.body_id else "alliance", []).append(
                    _("Beteiligte: ist schon beteiligt.")
                )
        if errors:
            # name the input field the caller used
            messages = errors.pop("parties", [])
            if messages:
                errors["body" if body_id else "alliance"] = messages
            raise Invalid(fields=errors)
        row = rows[0]
        row.case = case
        row.save()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_PARTY,
            target=case,
            changes={"Beteiligt": str(row), "Angefragt": "ja" if requested else "nein"},
            alliance=case.alliance_id,
        )
    return row


def remove_party(*, actor: Actor, case_id: int, party_id: int) -> None:
    principal = authorize(actor)
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        party = CaseParty.objects.filter(case=case, pk=party_id).select_related("body", "alliance").first()
        if party is None:
            raise NotFound()
        name = str(party)
        party.delete()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_PARTY,
            target=case,
            changes={"Nicht mehr beteiligt": name},
            alliance=case.alliance_id,
        )


def transition(
    *, actor: Actor, case_id: int, action: str, remark: str = "", recommendation: str = ""
) -> Case:
    """Move the case (``beginnen``, ``empfehlen`` with a recommendation, ``abschliessen``, ``ruhen``…)."""
    principal = authorize(actor)
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        errors: dict[str, list[str]] = {}
        known = {t.action for t in CASE_STATES.transitions}
        if action not in known:
            errors["action"] = [_("Aktion: unbekannt.")]
            raise Invalid(fields=errors)
        step = CASE_STATES.transition(action)
        if case.status not in step.sources:
            raise Conflict(
                _("Aktion: „%(action)s“ ist im Stand „%(status)s“ nicht möglich.")
                % {"action": _(step.label), "status": status_label(case.status)}
            )
        remark = (remark or "").strip()
        recommendation = (recommendation or "").strip()
        _check_text(errors, "remark", remark, _("Bemerkung"), limit=500)
        if step.target == EMPFEHLUNG and not (recommendation or case.recommendation):
            errors["recommendation"] = [_("Empfehlung: bitte den Text der Empfehlung angeben.")]
        if errors:
            raise Invalid(fields=errors)
        before = case.status
        case.status = step.target
        if recommendation:
            case.recommendation = recommendation
        case.closed_at = timezone.now() if step.target == ABGESCHLOSSEN else None
        case.save()
        CaseStatusChange.objects.create(
            case=case, from_status=before, to_status=case.status, remark=remark, changed_by=_user(actor)
        )
        # the German labels (the audit log reads as German; the page translates the entry)
        changes = {"Stand": STATE_LABELS[case.status], "Stand vorher": STATE_LABELS.get(before, before)}
        if remark:
            changes["Bemerkung"] = "ja"
        if recommendation:
            changes["Empfehlung"] = "gesetzt"
        audit_record(
            actor=actor,
            action=audit_actions.CASE_STATUS,
            target=case,
            changes=changes,
            alliance=case.alliance_id,
        )
        _notify_parties(
            actor,
            case,
            CASE_STATUS_CHANGED,
            gettext_noop("Der Beratungsfall %(number)s ist jetzt im Stand „%(status)s“."),
            {"number": case.number, "status": _state_label_de(case.status)},
        )
    return case


def _state_label_de(status: str) -> str:
    """The German label (stored as the text parameter; translated when shown)."""
    return CASE_STATES.label(status)


# --- notes -----------------------------------------------------------------------------------------


def add_note(*, actor: Actor, case_id: int, text: str, internal: bool = False) -> CaseNote:
    """A note: parties write non-internal notes on cases they read; internal notes are the office's."""
    principal = authorize(actor, writes_to_case)
    with transaction.atomic():
        get_case(principal, case_id)
        case = _lock(case_id)
        errors: dict[str, list[str]] = {}
        text = (text or "").strip()
        if not text:
            errors["text"] = [_("Notiz: bitte einen Text angeben.")]
        _check_text(errors, "text", text, _("Notiz"), limit=20_000)
        if internal and not is_office(principal):
            errors["internal"] = [_("Interne Notizen schreibt nur die Beratungsstelle.")]
        if errors:
            raise Invalid(fields=errors)
        note = CaseNote.objects.create(case=case, text=text, internal=internal, author=_user(actor))
        case.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.CASE_NOTE,
            target=case,
            changes={"Notiz": "intern" if internal else "für Beteiligte"},
            alliance=case.alliance_id,
        )
        if not internal:
            _notify_parties(
                actor,
                case,
                CASE_NOTE_ADDED,
                gettext_noop("Im Beratungsfall %(number)s gibt es eine neue Notiz."),
                {"number": case.number},
            )
    return note


# --- documents -------------------------------------------------------------------------------------


def upload_max_mb() -> int:
    return int(getattr(settings, "ADVISORY_CASE_UPLOAD_MAX_MB", DEFAULT_UPLOAD_MAX_MB))


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def check_document(upload: File | IO[bytes], *, name: str) -> CheckedFile:
    """Type from the allow-list (extension and content must agree), size limit, SHA-256."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        raise Invalid(
            fields={"file": [_("Datei: erlaubt sind PDF, ODT, DOCX, XLSX, PNG, JPEG und Text (TXT).")]},
            code="file_type",
        )
    content_type, magic = ALLOWED_TYPES[extension]
    limit = upload_max_mb() * 1024 * 1024
    upload.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    text_ok = True
    while chunk := upload.read(1 << 20):
        if not head:
            head = chunk[:16]
        size += len(chunk)
        if size > limit:
            raise Invalid(
                fields={
                    "file": [
                        _("Datei: zu groß; erlaubt sind höchstens %(max)s MB.") % {"max": upload_max_mb()}
                    ]
                },
                code="file_too_large",
            )
        if magic is None and b"\x00" in chunk:
            text_ok = False
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        raise Invalid(fields={"file": [_("Datei: die Datei ist leer.")]}, code="file_empty")
    if (magic is not None and not head.startswith(magic)) or not text_ok:
        raise Invalid(
            fields={"file": [_("Datei: der Inhalt passt nicht zur Dateiendung.")]}, code="file_type"
        )
    return CheckedFile(content_type=content_type, size=size, sha256=digest.hexdigest())


def add_document(
    *, actor: Actor, case_id: int, upload: File, title: str = "", internal: bool = False
) -> CaseDocument:
    """A document of the case (parties: non-internal only). Downloaded only through the case's view."""
    principal = authorize(actor, writes_to_case)
    name = str(getattr(upload, "name", "") or "").rsplit("/", 1)[-1]
    title = (title or "").strip() or name
    errors: dict[str, list[str]] = {}
    if internal and not is_office(principal):
        errors["internal"] = [_("Interne Dokumente legt nur die Beratungsstelle ab.")]
    _check_text(errors, "title", title, _("Titel"), limit=200)
    with transaction.atomic():
        get_case(principal, case_id)
        if errors:
            raise Invalid(fields=errors)
        checked = check_document(upload, name=name)
        case = _lock(case_id)
        document = CaseDocument(
            case=case,
            title=title,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            internal=internal,
            uploaded_by=_user(actor),
        )
        document.file.save(name, upload if isinstance(upload, File) else File(upload, name=name), save=False)
        document.save()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_DOCUMENT,
            target=case,
            changes={"Dokument": title, "Prüfsumme": checked.sha256, "Intern": "ja" if internal else "nein"},
            alliance=case.alliance_id,
        )
    return document


def remove_document(*, actor: Actor, case_id: int, document_id: int) -> None:
    principal = authorize(actor)
    with transaction.atomic():
        document = get_document(principal, case_id, document_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        title = document.title
        document.file.delete(save=False)
        document.delete()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_DOCUMENT,
            target=case,
            changes={"Dokument entfernt": title},
            alliance=case.alliance_id,
        )


# --- appointments ----------------------------------------------------------------------------------


def _appointment_fields(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    clean["subject"] = str(values.get("subject") or "").strip()
    if not clean["subject"]:
        errors["subject"] = [_("Anlass: bitte angeben.")]
    _check_text(errors, "subject", clean["subject"], _("Anlass"), limit=200)
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts, dt.datetime):
        errors["starts_at"] = [_("Beginn: bitte Datum und Uhrzeit angeben.")]
    elif timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    if ends is not None:
        if not isinstance(ends, dt.datetime):
            errors["ends_at"] = [_("Ende: kein gültiger Zeitpunkt.")]
        else:
            ends = timezone.make_aware(ends) if timezone.is_naive(ends) else ends
            if isinstance(starts, dt.datetime) and ends < starts:
                errors["ends_at"] = [_("Ende: liegt vor dem Beginn.")]
    clean["starts_at"], clean["ends_at"] = starts, ends
    clean["place"] = str(values.get("place") or "").strip()
    _check_text(errors, "place", clean["place"], _("Ort"), limit=200)
    url = str(values.get("online_url") or "").strip()
    if url and not url.startswith(("https://", "http://")):
        errors["online_url"] = [_("Online-Link: bitte eine Adresse mit https:// angeben.")]
    _check_text(errors, "online_url", url, _("Online-Link"), limit=500)
    clean["online_url"] = url
    clean["participants"] = str(values.get("participants") or "").strip()
    _check_text(errors, "participants", clean["participants"], _("Teilnehmende"), limit=5_000)
    if errors:
        raise Invalid(fields=errors)
    return clean


def get_appointment(who: Actor | Principal, case_id: int, appointment_id: int) -> Appointment:
    case = get_case(who, case_id)
    appointment = Appointment.objects.filter(case=case, pk=appointment_id).first()
    if appointment is None:
        raise NotFound()
    return appointment


def create_appointment(*, actor: Actor, case_id: int, **values: Any) -> Appointment:
    principal = authorize(actor)
    with transaction.atomic():
        get_case(principal, case_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        clean = _appointment_fields(values)
        case = _lock(case_id)
        appointment = Appointment.objects.create(case=case, created_by=_user(actor), **clean)
        case.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.CASE_APPOINTMENT,
            target=case,
            changes={"Termin": appointment.subject, "Beginn": appointment.starts_at.isoformat()},
            alliance=case.alliance_id,
        )
    return appointment


def update_appointment(*, actor: Actor, case_id: int, appointment_id: int, **values: Any) -> Appointment:
    principal = authorize(actor)
    with transaction.atomic():
        appointment = get_appointment(principal, case_id, appointment_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        merged = {
            name: getattr(appointment, name)
            for name in ("subject", "starts_at", "ends_at", "place", "online_url", "participants")
        }
        merged.update(values)
        clean = _appointment_fields(merged)
        case = _lock(case_id)
        changes = {}
        for name, value in clean.items():
            if getattr(appointment, name) != value:
                changes[name] = value
                setattr(appointment, name, value)
        if changes:
            appointment.save()
            keys = {
                "subject": "Anlass",
                "starts_at": "Beginn",
                "ends_at": "Ende",
                "place": "Ort",
                "online_url": "Online-Link",
                "participants": "Teilnehmende",
            }
            audit_record(
                actor=actor,
                action=audit_actions.CASE_APPOINTMENT,
                target=case,
                changes={keys[k]: "" if v is None else str(v) for k, v in changes.items()},
                alliance=case.alliance_id,
            )
    return appointment


def delete_appointment(*, actor: Actor, case_id: int, appointment_id: int) -> None:
    principal = authorize(actor)
    with transaction.atomic():
        appointment = get_appointment(principal, case_id, appointment_id)
        authorize(actor, works_cases, _(OFFICE_ONLY))
        case = _lock(case_id)
        subject = appointment.subject
        appointment.delete()
        audit_record(
            actor=actor,
            action=audit_actions.CASE_APPOINTMENT,
            target=case,
            changes={"Termin abgesagt": subject},
            alliance=case.alliance_id,
        )


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def appointment_ics(appointment: Appointment, *, host: str = "verbund") -> str:
    """One appointment as an iCalendar file (RFC 5545)."""

    def stamp(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    ends = appointment.ends_at or appointment.starts_at + dt.timedelta(hours=1)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Verbund//Beratung//DE",
        "BEGIN:VEVENT",
        f"UID:advisory-appointment-{appointment.pk}@{host}",
        f"DTSTAMP:{stamp(timezone.now())}",
        f"DTSTART:{stamp(appointment.starts_at)}",
        f"DTEND:{stamp(ends)}",
        f"SUMMARY:{_ics_text(appointment.subject)}",
    ]
    if appointment.place:
        lines.append(f"LOCATION:{_ics_text(appointment.place)}")
    if appointment.online_url:
        lines.append(f"URL:{appointment.online_url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


# --- the office's work queue -----------------------------------------------------------------------


def contact_months() -> int:
    return int(getattr(settings, "ADVISORY_CONTACT_MONTHS", DEFAULT_CONTACT_MONTHS))


@dataclass(frozen=True)
class QuietAlliance:
    alliance: Alliance
    last_contact: dt.datetime | None


@dataclass
class WorkQueue:
    due: list[Case] = field(default_factory=list)
    without_next_step: list[Case] = field(default_factory=list)
    quiet: list[QuietAlliance] = field(default_factory=list)
    at_risk: list[Any] = field(default_factory=list)
    today: dt.date = field(default_factory=timezone.localdate)
    months: int = DEFAULT_CONTACT_MONTHS


def programme_alliances() -> QuerySet[Alliance]:
    """Alliances in the programme: beyond "Idee" and not ended, or with a funding application."""
    from verbund.funding.models import Application

    with_application = Application.objects.values("alliance_id")
    return Alliance.objects.exclude(status=Status.BEENDET).filter(
        ~Q(status=Status.IDEE) | Q(pk__in=with_application)
    )


def last_contacts(alliance_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """The latest note, appointment (that has begun) or state change of a case linked to or with each
    alliance as a party."""
    ids = list(alliance_ids)
    latest: dict[int, dt.datetime] = {}
    if not ids:
        return latest
    now = timezone.now()
    link_pairs = list(Case.objects.filter(alliance_id__in=ids).values_list("pk", "alliance_id"))
    link_pairs += list(CaseParty.objects.filter(alliance_id__in=ids).values_list("case_id", "alliance_id"))
    by_case: dict[int, set[int]] = {}
    for case_id, alliance_id in link_pairs:
        by_case.setdefault(case_id, set()).add(alliance_id)
    if not by_case:
        return latest
    moments: list[tuple[int, dt.datetime | None]] = []
    case_ids = list(by_case)
    moments += list(
        CaseNote.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(m=Max("created_at"))
        .values_list("case_id", "m")
    )
    moments += list(
        Appointment.objects.filter(case_id__in=case_ids, starts_at__lte=now)
        .values("case_id")
        .annotate(m=Max("starts_at"))
        .values_list("case_id", "m")
    )
    moments += list(
        CaseStatusChange.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(m=Max("changed_at"))
        .values_list("case_id", "m")
    )
    for case_id, moment in moments:
        if moment is None:
            continue
        for alliance_id in by_case[case_id]:
            if alliance_id not in latest or latest[alliance_id] < moment:
                latest[alliance_id] = moment
    return latest


def _months_ago(today: dt.date, months: int) -> dt.date:
    year, month = divmod(today.month - 1 - months, 12)
    year += today.year
    month += 1
    day = min(today.day, 28)
    return dt.date(year, month, day)


def work_queue(*, actor: Actor, today: dt.date | None = None) -> WorkQueue:
    """The office's queue: open cases by due date (overdue first), open cases without a next step,
    programme alliances without contact for :func:`contact_months` months, conditions at risk."""
    from .conditions import conditions_at_risk

    authorize(actor, works_cases, _(OFFICE_ONLY))
    today = today or timezone.localdate()
    months = contact_months()
    open_cases = Case.objects.filter(status__in=OPEN_STATES).select_related("advisor", "alliance")
    due = list(open_cases.filter(next_step_due__isnull=False).order_by("next_step_due", "number"))
    without = list(open_cases.filter(next_step_due__isnull=True).order_by("opened_at", "number"))
    alliances = list(programme_alliances().order_by("name"))
    contacts = last_contacts(a.pk for a in alliances)
    limit = _months_ago(today, months)
    quiet = [
        QuietAlliance(alliance=a, last_contact=contacts.get(a.pk))
        for a in alliances
        if a.pk not in contacts or timezone.localdate(contacts[a.pk]) < limit
    ]
    quiet.sort(key=lambda q: (q.last_contact is not None, q.last_contact or timezone.now(), q.alliance.name))
    return WorkQueue(
        due=due,
        without_next_step=without,
        quiet=quiet,
        at_risk=list(conditions_at_risk(today=today)),
        today=today,
        months=months,
    )
