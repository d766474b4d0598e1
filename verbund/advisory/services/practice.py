"""The knowledge base of good practice: records, their members and documents, publication, the
prefill from Verbund's own data, the search and "projects like mine".

Writing is for the Beratungsstelle (:func:`~verbund.advisory.policies.edits_practice`); reading goes
through :func:`~verbund.advisory.policies.practice_filter` (see :func:`visible_records`).

**Prefill** (:func:`prefill_from_alliance`): fills what Verbund knows about an alliance — title,
summary (its public summary), members (current memberships; ``federführend``/``antragstellend``
become the lead), legal form, field of action, task (of its shared services), start date, status,
funding (grant notices: programme, amount, period, notice date, authority), savings where a final
settlement exists (the shared-services figure, see :func:`settlement_savings`), population (sum of
the members' inhabitants in the registry) and the Kreis prefixes (5 digits of the ARS). The rule of a
**re-prefill**: it never overwrites what the office entered — a field is filled only while it is
empty; members and grant notices not yet listed are added (none is removed or changed); the derived
``population`` and ``kreis_prefixes`` always follow the members. The ``sources`` text keeps a block
"Aus Verbund übernommen …" naming the fields that came from Verbund; the office's own text around
that block stays.

**Projects like mine** (:func:`like_mine`): see the function's doc for the score.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance, LegalForm, Membership
from verbund.alliances.models import MemberRole as AllianceMemberRole
from verbund.alliances.models import Status as AllianceStatus
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.documents import check_upload
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.german import format_money
from verbund.common.principal import Principal
from verbund.registry.models import Body, Kind
from verbund.shared_services.models import Task

from .. import audit_actions
from ..models import (
    MemberRole,
    PracticeDocument,
    PracticeDocumentKind,
    PracticeMember,
    PracticeRecord,
    PracticeStatus,
    Visibility,
)
from ..policies import edits_practice, practice_filter

REFUSAL = gettext_lazy("Nur die Beratungsstelle pflegt die Praxisbeispiele.")
#: the largest document file (PDF) of a record
MAX_DOCUMENT_MB = 20
#: documents whose date is required (legal documents) and those that need a licence (reusable)
LEGAL_KINDS = frozenset({PracticeDocumentKind.AGREEMENT, PracticeDocumentKind.RESOLUTION})
PREFILL_MARK = "Aus Verbund übernommen"

#: size classes by the inhabitants of the members: key → (label, lower bound incl., upper bound excl.)
SIZE_CLASSES: dict[str, tuple[Any, int, int | None]] = {
    "bis-10000": (gettext_lazy("unter 10.000 Einwohner"), 0, 10_000),
    "10000-25000": (gettext_lazy("10.000 bis 25.000 Einwohner"), 10_000, 25_000),
    "25000-50000": (gettext_lazy("25.000 bis 50.000 Einwohner"), 25_000, 50_000),
    "50000-100000": (gettext_lazy("50.000 bis 100.000 Einwohner"), 50_000, 100_000),
    "ueber-100000": (gettext_lazy("über 100.000 Einwohner"), 100_000, None),
}

#: the fields of the record structure a create/update takes (``values``), besides members
TEXT_FIELDS = (
    "title",
    "summary",
    "task_area",
    "legal_form",
    "supervisory_authority",
    "exit_clause",
    "cost_allocation_key",
    "quality_effects",
    "lessons_learned",
    "partner_search_text",
    "award",
    "sources",
)
REQUIRED_TEXT = ("title", "summary", "task_area")
MONEY_FIELDS = ("baseline_costs", "expected_savings", "actual_savings")
DATE_FIELDS = ("supervisory_approval_on", "start_date", "last_reviewed")
LIST_FIELDS = ("contact_persons", "service_keys", "funding", "kpis", "tags")
FIELDS = (
    *TEXT_FIELDS,
    *MONEY_FIELDS,
    *DATE_FIELDS,
    *LIST_FIELDS,
    "slug",
    "status",
    "visibility",
    "duration_years",
    "partner_search",
    "field_of_action",
    "task",
    "alliance",
)
_LIMITS = {"title": 200, "task_area": 100, "legal_form": 30, "supervisory_authority": 200, "award": 300}

# alliance lifecycle → the record structure's stage
_STATUS_OF_ALLIANCE = {
    AllianceStatus.IDEE: PracticeStatus.IDEA,
    AllianceStatus.ANBAHNUNG: PracticeStatus.PREPARATION,
    AllianceStatus.VEREINBARUNG: PracticeStatus.AGREED,
    AllianceStatus.UMSETZUNG: PracticeStatus.OPERATING,
    AllianceStatus.REGELBETRIEB: PracticeStatus.OPERATING,
    AllianceStatus.BEENDET: PracticeStatus.TERMINATED,
}


def legal_form_choices() -> list[tuple[str, str]]:
    """The legal forms (the alliances' vocabulary, KomZG RLP and practice)."""
    return [(value, str(label)) for value, label in LegalForm.choices if value != LegalForm.NONE]


def legal_form_label(value: str) -> str:
    return str(dict(LegalForm.choices).get(value, value))


# --- reading ----------------------------------------------------------------------------------------


def visible_records(principal: Principal) -> QuerySet[PracticeRecord]:
    return PracticeRecord.objects.filter(practice_filter(principal))


def record_for(principal: Principal, slug: str) -> PracticeRecord:
    """The record ``slug`` if ``principal`` reads it, else :class:`NotFound` (also when it exists)."""
    record = (
        visible_records(principal)
        .select_related("task", "field_of_action", "lead_body", "alliance")
        .filter(slug=slug)
        .first()
    )
    if record is None:
        raise NotFound(_("Kein Praxisbeispiel mit dieser Kennung."))
    return record


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    task: str = ""  # a task's slug
    field: str = ""  # a field of action's slug
    size: str = ""  # a key of SIZE_CLASSES
    region: str = ""  # a Kreis prefix (5 digits)
    legal_form: str = ""
    status: str = ""
    partner_search: bool = False


def search(principal: Principal, filters: SearchFilters) -> QuerySet[PracticeRecord]:
    """The records ``principal`` reads that match ``filters`` (full text over title, summary, lessons
    learned and tags; every filter narrows). Unknown filter values are refused by the callers."""
    records = visible_records(principal)
    q = " ".join(filters.q.split())
    for word in q.split(" ") if q else []:
        records = records.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(lessons_learned__icontains=word)
            | Q(task_area__icontains=word)
            | Q(tags__icontains=word)
        )
    if filters.task:
        records = records.filter(task__slug=filters.task)
    if filters.field:
        records = records.filter(field_of_action__slug=filters.field)
    if filters.size in SIZE_CLASSES:
        _label, low, high = SIZE_CLASSES[filters.size]
        records = records.filter(population__gte=low)
        if high is not None:
            records = records.filter(population__lt=high)
    if filters.region:
        inside = PracticeMember.objects.filter(body__ars__startswith=filters.region).values("record_id")
        records = records.filter(pk__in=inside)
    if filters.legal_form:
        records = records.filter(legal_form=filters.legal_form)
    if filters.status:
        records = records.filter(status=filters.status)
    if filters.partner_search:
        records = records.filter(partner_search=True)
    return records.select_related("task", "field_of_action").order_by("title", "id")


def region_choices() -> list[tuple[str, str]]:
    """Landkreise and kreisfreie Städte of the registry as (Kreis prefix, name)."""
    kreise = (
        Body.objects.current()
        .filter(kind__in=[Kind.LANDKREIS, Kind.KREIS, Kind.KREISFREIE_STADT])
        .order_by("name")
        .values_list("ars", "name", "kind")
    )
    return [
        (ars[:5], name if kind == Kind.KREISFREIE_STADT else _("%(name)s (Landkreis)") % {"name": name})
        for ars, name, kind in kreise
    ]


def check_filters(filters: SearchFilters) -> None:
    """:class:`Invalid` naming the filter whose value is unknown."""
    errors: dict[str, list[str]] = {}
    if filters.size and filters.size not in SIZE_CLASSES:
        errors["size"] = [_("Unbekannte Größenklasse.")]
    if filters.region and not re.fullmatch(r"\d{5}", filters.region):
        errors["region"] = [_("Bitte die ersten fünf Ziffern des Regionalschlüssels angeben.")]
    if filters.legal_form and filters.legal_form not in dict(LegalForm.choices):
        errors["legal_form"] = [_("Unbekannte Rechtsform.")]
    if filters.status and filters.status not in dict(PracticeStatus.choices):
        errors["status"] = [_("Unbekannter Stand.")]
    if errors:
        raise Invalid(fields=errors)


# --- values -----------------------------------------------------------------------------------------


def _money(name: str, value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = [_("Bitte einen Betrag angeben.")]
        return None
    if number < 0 or number >= Decimal("1e12"):
        errors[name] = [_("Der Betrag muss zwischen 0 und 999.999.999.999,99 liegen.")]
        return None
    return number.quantize(Decimal("0.01"))


def _date(name: str, value: Any, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = [_("Bitte ein Datum angeben (JJJJ-MM-TT).")]
        return None


#: the parts of a list entry (contact persons, funding, key figures): key → (label, kind, limit);
#: kinds: text, required (text), ars, email, bool, money, number, date
ENTRY_FIELDS: dict[str, dict[str, tuple[Any, str, int]]] = {
    "contact_persons": {
        "name": (gettext_lazy("Name"), "required", 200),
        "function": (gettext_lazy("Funktion"), "text", 200),
        "body_ars": (gettext_lazy("Kommune (Regionalschlüssel)"), "ars", 12),
        "email": (gettext_lazy("E-Mail"), "email", 254),
        "phone": (gettext_lazy("Telefon"), "text", 50),
        "decides": (gettext_lazy("entscheidungsbefugt"), "bool", 0),
    },
    "funding": {
        "programme": (gettext_lazy("Förderprogramm"), "required", 200),
        "amount": (gettext_lazy("Betrag (EUR)"), "money", 0),
        "period": (gettext_lazy("Zeitraum"), "text", 100),
        "notice_date": (gettext_lazy("Bescheid vom"), "date", 0),
        "authority": (gettext_lazy("Bewilligungsbehörde"), "text", 200),
        "reference": (gettext_lazy("Aktenzeichen"), "text", 100),
    },
    "kpis": {
        "name": (gettext_lazy("Kennzahl"), "required", 200),
        "unit": (gettext_lazy("Einheit"), "text", 50),
        "baseline": (gettext_lazy("Ausgangswert"), "number", 0),
        "target": (gettext_lazy("Zielwert"), "number", 0),
        "value": (gettext_lazy("aktueller Wert"), "number", 0),
        "date": (gettext_lazy("Stand vom"), "date", 0),
    },
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _entries(name: str, items: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The entries of the list ``name`` checked and converted (amounts and figures as decimal
    strings, dates ISO; empty parts left out). A fault is an error under ``<name>.<row>.<key>`` (rows
    counted from 1), its message naming the row and the part, e.g. "Zeile 2, Betrag (EUR): …"."""
    spec = ENTRY_FIELDS[name]
    clean_items: list[dict[str, Any]] = []
    for row, item in enumerate(items, start=1):
        entry: dict[str, Any] = {}

        def fault(key: str, message: str, row: int = row) -> None:
            label = spec[key][0] if key in spec else key
            errors[f"{name}.{row}.{key}"] = [
                _("Zeile %(row)s, %(field)s: %(message)s") % {"row": row, "field": label, "message": message}
            ]

        for key in sorted(set(item) - set(spec)):
            fault(key, _("Unbekanntes Feld."))
        for key, (_label, kind, limit) in spec.items():
            value = item.get(key)
            if kind == "bool":
                if value is True or str(value).strip().casefold() in ("1", "true", "on", "ja"):
                    entry[key] = True
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                if kind == "required":
                    fault(key, _("Bitte ausfüllen."))
                continue
            if kind in ("money", "number"):
                number: Decimal | None = None
                if not isinstance(value, bool):
                    try:
                        number = Decimal(str(value).strip())
                    except InvalidOperation:
                        number = None
                if number is None or not number.is_finite():
                    fault(key, _("Bitte eine Zahl angeben."))
                elif kind == "money" and not Decimal(0) <= number < Decimal("1e12"):
                    fault(key, _("Der Betrag muss zwischen 0 und 999.999.999.999,99 liegen."))
                elif abs(number) >= Decimal("1e15"):
                    fault(key, _("Die Zahl ist zu groß."))
                else:
                    # as strings, so the JSON keeps cents exact (the prefill writes amounts so too)
                    exact = number.quantize(Decimal("0.01")) if kind == "money" else number.normalize()
                    entry[key] = f"{exact:f}"
                continue
            if kind == "date":
                day = _date(key, value, {})
                if day is None:
                    fault(key, _("Bitte ein Datum angeben (JJJJ-MM-TT)."))
                else:
                    entry[key] = day.isoformat()
                continue
            text = str(value).strip()
            if "\x00" in text:
                fault(key, _("Das Zeichen NUL ist nicht erlaubt."))
            elif len(text) > limit:
                fault(key, _("Höchstens %(limit)s Zeichen erlaubt.") % {"limit": limit})
            elif kind == "ars" and not re.fullmatch(r"\d{12}", text):
                fault(key, _("Bitte den Regionalschlüssel mit 12 Ziffern angeben."))
            elif kind == "email" and not _EMAIL.match(text):
                fault(key, _("Bitte eine E-Mail-Adresse angeben."))
            else:
                entry[key] = text
        clean_items.append(entry)
    return clean_items


def _clean(values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Check ``values`` (field names of the record structure) and convert them; :class:`Invalid`
    naming every field at fault."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise Invalid(fields={name: [_("Unbekanntes Feld.")] for name in unknown})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            text = str(value or "").strip()
            if "\x00" in text:
                errors[name] = [_("Das Zeichen NUL ist nicht erlaubt.")]
            elif name in _LIMITS and len(text) > _LIMITS[name]:
                errors[name] = [_("Höchstens %(limit)s Zeichen erlaubt.") % {"limit": _LIMITS[name]}]
            clean[name] = text
        elif name in MONEY_FIELDS:
            clean[name] = _money(name, value, errors)
        elif name in DATE_FIELDS:
            clean[name] = _date(name, value, errors)
        elif name in LIST_FIELDS:
            items = list(value or [])
            if name in ("service_keys", "tags"):
                items = [str(i).strip()[:100] for i in items if str(i).strip()]
            elif not all(isinstance(i, dict) for i in items):
                errors[name] = [_("Eine Liste von Einträgen erwartet.")]
            elif name in ENTRY_FIELDS:
                items = _entries(name, items, errors)
            clean[name] = items
        elif name == "slug":
            slug = slugify(str(value or ""))[:80]
            if value and not slug:
                errors[name] = [_("Die Kennung braucht Buchstaben oder Ziffern.")]
            clean[name] = slug
        elif name == "status":
            if value not in dict(PracticeStatus.choices):
                errors[name] = [_("Unbekannter Stand.")]
            clean[name] = value
        elif name == "visibility":
            if value not in dict(Visibility.choices):
                errors[name] = [_("Unbekannte Sichtbarkeit.")]
            clean[name] = value
        elif name == "duration_years":
            if value in (None, ""):
                clean[name] = None
            else:
                try:
                    years = int(value)
                except (TypeError, ValueError):
                    years = -1
                if not 0 < years <= 99:
                    errors[name] = [_("Bitte eine Laufzeit von 1 bis 99 Jahren angeben.")]
                clean[name] = years
        elif name == "partner_search":
            clean[name] = bool(value)
        else:  # field_of_action, task, alliance: model instances or None
            clean[name] = value or None
    if "legal_form" in clean and clean["legal_form"] and clean["legal_form"] not in dict(LegalForm.choices):
        errors["legal_form"] = [_("Unbekannte Rechtsform.")]
    required = REQUIRED_TEXT if creating else [n for n in REQUIRED_TEXT if n in values]
    for name in required:
        if not clean.get(name) and name not in errors:
            errors[name] = [_("Bitte ausfüllen.")]
    if clean.get("partner_search") and not clean.get("partner_search_text", True):
        errors["partner_search_text"] = [_("Bitte beschreiben, was angeboten oder gesucht wird.")]
    if errors:
        raise Invalid(fields=errors)
    return clean


def _unique_slug(base: str) -> str:
    base = (base or "praxisbeispiel")[:70].strip("-") or "praxisbeispiel"
    if base in ("neu", "aus-verbund", "wie-meine"):  # paths of the pages
        base = f"{base}-praxis"
    slug, number = base, 2
    while PracticeRecord.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _german(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if hasattr(value, "pk"):
        return str(value)
    return value


# --- writing ----------------------------------------------------------------------------------------


def practice_create(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    members: Sequence[tuple[Body, str]] = (),
) -> PracticeRecord:
    """A new (unpublished) record with ``values`` (any fields of :data:`FIELDS`; ``title``, ``summary``
    and ``task_area`` required; ``last_reviewed`` defaults to today) and ``members`` as (body, role)
    pairs (roles of :class:`~verbund.advisory.models.MemberRole`). A demo can load a real alliance of
    the programme with its ``sources`` this way."""
    principal = authorize(actor, edits_practice, str(REFUSAL))
    clean = _clean(values, creating=True)
    with transaction.atomic():
        slug = clean.pop("slug", "") or slugify(clean["title"])[:70]
        if "slug" in values and values["slug"] and PracticeRecord.objects.filter(slug=slug).exists():
            raise Invalid(fields={"slug": [_("Diese Kennung ist schon vergeben.")]})
        record = PracticeRecord(
            slug=_unique_slug(slug),
            created_by=actor if principal.is_person else None,  # type: ignore[misc]
            last_reviewed=timezone.localdate(),
        )
        for name, value in clean.items():
            if value is None and name in DATE_FIELDS and name == "last_reviewed":
                continue
            setattr(record, name, value)
        record.save()
        if members:
            _set_members(record, members)
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_SET,
            target=record,
            changes={"Titel": record.title, "Angelegt": True},
        )
    return record


def practice_update(*, actor: Actor, record: PracticeRecord, values: Mapping[str, Any]) -> PracticeRecord:
    """Change the fields in ``values`` (a patch: fields not named stay)."""
    authorize(actor, edits_practice, str(REFUSAL))
    clean = _clean(values, creating=False)
    with transaction.atomic():
        locked = PracticeRecord.objects.select_for_update().get(pk=record.pk)
        if "slug" in clean:
            slug = clean.pop("slug")
            if slug and slug != locked.slug:
                if PracticeRecord.objects.filter(slug=slug).exclude(pk=locked.pk).exists():
                    raise Invalid(fields={"slug": [_("Diese Kennung ist schon vergeben.")]})
                locked.slug = slug
        changes: dict[str, Any] = {}
        for name, value in clean.items():
            if name == "last_reviewed" and value is None:
                continue
            if getattr(locked, name) != value:
                changes[
                    str(getattr(PracticeRecord._meta.get_field(name), "verbose_name", name)).capitalize()
                ] = _german(value)
                setattr(locked, name, value)
        locked.save()
        if changes:
            audit_record(actor=actor, action=audit_actions.PRACTICE_SET, target=locked, changes=changes)
    return locked


def _set_members(
    record: PracticeRecord, members: Sequence[tuple[Body, str]], *, add_only: bool = False
) -> None:
    roles = dict(MemberRole.choices)
    errors = [body.name for body, role in members if role not in roles]
    if errors:
        raise Invalid(
            fields={"members": [_("Unbekannte Rolle bei %(names)s.") % {"names": ", ".join(errors)}]}
        )
    if len({body.pk for body, _role in members}) != len(members):
        raise Invalid(fields={"members": [_("Eine Kommune steht mehrfach in der Liste.")]})
    leads = [body for body, role in members if role == MemberRole.LEAD]
    if len(leads) > 1 and not add_only:
        raise Invalid(fields={"members": [_("Nur eine Kommune kann federführend sein.")]})
    existing = {m.body_id: m for m in record.members.all()}
    if not add_only:
        record.members.exclude(body_id__in=[b.pk for b, _r in members]).delete()
    for body, role in members:
        member = existing.get(body.pk)
        if member is None:
            PracticeMember.objects.create(record=record, body=body, role=role)
        elif not add_only and member.role != role:
            member.role = role
            member.save(update_fields=["role"])
    lead = record.members.filter(role=MemberRole.LEAD).select_related("body").first()
    if record.lead_body_id is None or not add_only:
        record.lead_body = lead.body if lead else None
    _derive(record)
    record.save()


def _derive(record: PracticeRecord) -> None:
    """``population`` and ``kreis_prefixes`` from the members (registry figures)."""
    bodies = list(
        Body.objects.filter(pk__in=record.members.values("body_id")).values_list("ars", "population")
    )
    record.population = sum(p or 0 for _a, p in bodies)
    record.kreis_prefixes = sorted({ars[:5] for ars, _p in bodies})


def practice_members_set(
    *, actor: Actor, record: PracticeRecord, members: Sequence[tuple[Body, str]]
) -> PracticeRecord:
    """Replace the members (body, role); at most one lead, who becomes the lead member."""
    authorize(actor, edits_practice, str(REFUSAL))
    with transaction.atomic():
        locked = PracticeRecord.objects.select_for_update().get(pk=record.pk)
        _set_members(locked, members)
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_SET,
            target=locked,
            changes={"Mitglieder": ", ".join(f"{b.name} ({MemberRole(r).label})" for b, r in members)},
        )
    return locked


def practice_publish(
    *, actor: Actor, record: PracticeRecord, visibility: str | None = None
) -> PracticeRecord:
    """Publish (``published_at`` now) with ``visibility`` (default: the record's). A record needs its
    required fields and at least one member."""
    authorize(actor, edits_practice, str(REFUSAL))
    with transaction.atomic():
        locked = PracticeRecord.objects.select_for_update().get(pk=record.pk)
        if locked.published_at is not None:
            raise Conflict(_("Das Praxisbeispiel ist schon veröffentlicht."))
        if visibility is not None:
            if visibility not in dict(Visibility.choices):
                raise Invalid(fields={"visibility": [_("Unbekannte Sichtbarkeit.")]})
            locked.visibility = visibility
        errors: dict[str, list[str]] = {}
        for name in REQUIRED_TEXT:
            if not getattr(locked, name):
                errors[name] = [_("Bitte ausfüllen, bevor das Beispiel veröffentlicht wird.")]
        if not locked.members.exists():
            errors["members"] = [_("Ein Praxisbeispiel braucht mindestens eine Kommune.")]
        if locked.visibility == Visibility.ALLIANCE and locked.alliance_id is None:
            errors["visibility"] = [_("„Nur der Verbund“ geht nur mit einem Verbund.")]
        if errors:
            raise Invalid(fields=errors)
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at", "visibility", "updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_PUBLISH,
            target=locked,
            changes={"Sichtbarkeit": str(Visibility(locked.visibility).label)},
        )
    return locked


def practice_withdraw(*, actor: Actor, record: PracticeRecord) -> PracticeRecord:
    authorize(actor, edits_practice, str(REFUSAL))
    with transaction.atomic():
        locked = PracticeRecord.objects.select_for_update().get(pk=record.pk)
        if locked.published_at is None:
            raise Conflict(_("Das Praxisbeispiel ist nicht veröffentlicht."))
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_WITHDRAW,
            target=locked,
            changes={"Zurückgezogen": True},
        )
    return locked


def practice_document_add(
    *,
    actor: Actor,
    record: PracticeRecord,
    kind: str,
    title: str,
    file: UploadedFile | None = None,
    url: str = "",
    dated: dt.date | None = None,
    licence: str = "",
    reusable: bool = False,
) -> PracticeDocument:
    """Add a document: a PDF file (at most :data:`MAX_DOCUMENT_MB` MB) or a URL where it is found.
    Legal documents (agreement, council resolution) need their date; reusable ones a licence."""
    principal = authorize(actor, edits_practice, str(REFUSAL))
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    url = (url or "").strip()
    if kind not in dict(PracticeDocumentKind.choices):
        errors["kind"] = [_("Unbekannte Art des Dokuments.")]
    if not title:
        errors["title"] = [_("Bitte ausfüllen.")]
    elif len(title) > 200:
        errors["title"] = [_("Höchstens %(limit)s Zeichen erlaubt.") % {"limit": 200}]
    if bool(file) == bool(url):
        errors["file"] = [_("Bitte eine Datei hochladen oder eine Fundstelle angeben (nicht beides).")]
    if url and not url.startswith(("https://", "http://")):
        errors["url"] = [_("Eine Internetadresse (https://…) erwartet.")]
    if kind in LEGAL_KINDS and dated is None:
        errors["dated"] = [_("Rechtsdokumente brauchen ihr Datum.")]
    if reusable and not licence.strip():
        errors["licence"] = [_("Dokumente zur Nachnutzung brauchen eine Lizenz (z. B. CC BY 4.0).")]
    if errors:
        raise Invalid(fields=errors)
    if file:
        try:
            check_upload(file, name=file.name or "", max_mb=MAX_DOCUMENT_MB)
        except Invalid as exc:
            raise Invalid(fields={"file": [exc.detail]}, code=exc.code) from None
    with transaction.atomic():
        document = PracticeDocument.objects.create(
            record=record,
            kind=kind,
            title=title,
            url=url,
            dated=dated,
            licence=licence.strip()[:100],
            reusable=reusable,
            uploaded_by=actor if principal.is_person else None,  # type: ignore[misc]
        )
        if file:
            name = (file.name or "dokument.pdf").rsplit("/", 1)[-1]
            document.file.save(name, file, save=True)
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_DOCUMENT,
            target=record,
            changes={"Dokument hinzugefügt": title},
        )
    return document


def practice_document_remove(*, actor: Actor, document: PracticeDocument) -> None:
    authorize(actor, edits_practice, str(REFUSAL))
    with transaction.atomic():
        record = document.record
        title = document.title
        if document.file:
            document.file.delete(save=False)
        document.delete()
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_DOCUMENT,
            target=record,
            changes={"Dokument entfernt": title},
        )


# --- prefill ----------------------------------------------------------------------------------------


def settlement_savings(alliance: Alliance) -> tuple[Decimal, int] | None:
    """The saving of the alliance's latest year with finalized final settlements, as the shared
    services part computes it (``SettlementLine.saving``: stand-alone cost estimate minus the share
    of the cost before fees), summed over the members; ``None`` without such a settlement.

    No second formula here: when the programme area defines a uniform one it replaces this
    (``advisory/services/savings.py``)."""
    from verbund.shared_services.models import Settlement, SettlementKind, SettlementLine, SettlementStatus

    settlements = Settlement.objects.filter(
        service__alliance=alliance, kind=SettlementKind.FINAL, status=SettlementStatus.FINALIZED
    )
    year = settlements.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return None
    # the latest finalized version of each service's final settlement of that year
    latest: dict[int, int] = {}
    for pk, service_id in settlements.filter(year=year).order_by("version").values_list("pk", "service_id"):
        latest[service_id] = pk
    lines = SettlementLine.objects.filter(settlement_id__in=latest.values())
    savings = [line.saving for line in lines if line.saving is not None]
    if not savings:
        return None
    return sum(savings, Decimal("0.00")), year


def _funding_of(alliance: Alliance) -> list[dict[str, Any]]:
    from verbund.funding.models import GrantNotice

    notices = GrantNotice.objects.filter(application__alliance=alliance).select_related(
        "application__programme", "template"
    )
    entries = []
    for notice in notices.order_by("issued_at", "pk"):
        authority = notice.template.authority_name if notice.template else ""
        entries.append(
            {
                "reference": notice.reference,
                "programme": notice.application.programme.name,
                "amount": str(notice.amount),
                "period": f"{notice.period_start:%d.%m.%Y}–{notice.period_end:%d.%m.%Y}",
                "notice_date": timezone.localtime(notice.issued_at).date().isoformat(),
                "authority": authority or _("Bewilligungsbehörde"),
            }
        )
    return entries


def prefill_from_alliance(
    *, actor: Actor, alliance: Alliance, record: PracticeRecord | None = None
) -> PracticeRecord:
    """Create (or, with ``record``, complete) a record from what Verbund knows of ``alliance``.

    Never overwrites what the office entered: see the module's doc for the rule."""
    authorize(actor, edits_practice, str(REFUSAL))
    with transaction.atomic():
        if record is None:
            record = PracticeRecord(slug=_unique_slug(alliance.slug), last_reviewed=timezone.localdate())
        else:
            record = PracticeRecord.objects.select_for_update().get(pk=record.pk)
        filled: list[str] = []

        def fill(name: str, value: Any, label: str) -> None:
            if value in (None, "", []):
                return
            current = getattr(record, name)
            if current in (None, "", []):
                setattr(record, name, value)
                filled.append(label)

        fill("title", alliance.name, _("Titel"))
        fill("summary", alliance.public_summary, _("Kurzbeschreibung"))
        if alliance.legal_form != LegalForm.NONE:
            fill("legal_form", alliance.legal_form, _("Rechtsform"))
        fill("start_date", alliance.start_date, _("Beginn"))
        field = alliance.fields.order_by("sort_order", "name").first()
        fill("field_of_action", field, _("Handlungsfeld"))
        service = alliance.shared_services.select_related("task").order_by("start_date", "pk").first()
        if service is not None:
            fill("task", service.task, _("Aufgabe"))
            fill("task_area", service.task.name, _("Aufgabenbereich"))
        elif field is not None:
            fill("task_area", field.name, _("Aufgabenbereich"))
        if record.pk is None or record.alliance_id is None:
            record.alliance = alliance
        if record.pk is None:
            record.status = _STATUS_OF_ALLIANCE.get(alliance.status, PracticeStatus.IDEA)
            filled.append(_("Stand"))
        savings = settlement_savings(alliance)
        if savings is not None:
            amount, year = savings
            if record.actual_savings is None:
                record.actual_savings = amount
                filled.append(
                    _("gemessene Einsparung (Abrechnung %(year)s, Schätzung der geteilten Dienste)")
                    % {"year": year}
                )
        funding = _funding_of(alliance)
        known = {entry.get("reference") for entry in record.funding if isinstance(entry, dict)}
        new = [entry for entry in funding if entry["reference"] not in known]
        if new:
            record.funding = [*record.funding, *new]
            filled.append(_("Förderung (Zuwendungsbescheide)"))
        record.save()
        memberships = Membership.objects.current().filter(alliance=alliance).select_related("body")
        lead_roles = {AllianceMemberRole.FEDERFUEHREND, AllianceMemberRole.ANTRAGSTELLEND}
        ordered = sorted(memberships, key=lambda m: (m.role not in lead_roles, m.body.name))
        members: list[tuple[Body, str]] = []
        has_lead = record.members.filter(role=MemberRole.LEAD).exists()
        for membership in ordered:
            body = membership.body
            if membership.role in lead_roles and not has_lead:
                role, has_lead = MemberRole.LEAD, True
            elif body.kind in (Kind.LANDKREIS, Kind.KREIS):
                role = MemberRole.KREIS
            else:
                role = MemberRole.PARTNER
            members.append((body, role))
        before = set(record.members.values_list("body_id", flat=True))
        _set_members(record, members, add_only=True)
        if {b.pk for b, _r in members} - before:
            filled.append(_("Mitglieder"))
        filled.append(_("Einwohner und Region (Register)"))
        record.sources = _sources_with(record.sources, alliance, filled)
        record.save()
        audit_record(
            actor=actor,
            action=audit_actions.PRACTICE_SET,
            target=record,
            changes={"Aus Verbund übernommen": ", ".join(filled)},
        )
    return record


def _sources_with(sources: str, alliance: Alliance, filled: Iterable[str]) -> str:
    """``sources`` with its prefill block replaced (the office's text stays)."""
    kept = [line for line in sources.splitlines() if not line.startswith(PREFILL_MARK)]
    line = _("%(mark)s (Verbund „%(name)s“, Stand %(date)s): %(fields)s.") % {
        "mark": PREFILL_MARK,
        "name": alliance.name,
        "date": timezone.localdate().strftime("%d.%m.%Y"),
        "fields": ", ".join(filled),
    }
    if alliance.sources and alliance.sources not in sources:
        kept.append(alliance.sources)
    return "\n".join([*[k for k in kept if k.strip()], line])


# --- projects like mine -----------------------------------------------------------------------------

#: the weights of the score (0–100)
WEIGHT_TASK, WEIGHT_SIZE, WEIGHT_NEAR = 50, 30, 20
#: the distance at which "nearby" counts nothing any more (km)
NEAR_KM = 100.0
#: "similar size": the body's inhabitants within this factor of the record's average per member
SIZE_FACTOR = 2.0


@dataclass(frozen=True)
class Similar:
    record: PracticeRecord
    score: int
    same_task: bool
    size_ratio: float | None
    distance_km: float | None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _position(body: Body) -> tuple[float, float] | None:
    if body.centroid_lat is not None and body.centroid_lon is not None:
        return (body.centroid_lat, body.centroid_lon)
    kreis = (
        Body.objects.filter(ars=body.ars[:5] + "0" * 7).values_list("centroid_lat", "centroid_lon").first()
    )
    if kreis and kreis[0] is not None and kreis[1] is not None:
        return (kreis[0], kreis[1])
    return None


def like_mine(
    principal: Principal, body: Body, *, task: Task | None = None, limit: int = 10
) -> list[Similar]:
    """Records ``principal`` reads that are like ``body``'s situation, best first.

    * **Same task**: the record's task is ``task`` (or, without one, one of the tasks ``body`` holds
      by its kind, as the planning engine's recommendations use); a record of another task but of
      the field of action of ``task``'s records counts half. Records matching neither are left out,
      and so are records ``body`` is a member of.
    * **Similar size**: ``r`` = the body's inhabitants / the record's inhabitants per member (a body
      joins as one member). Within 0.5–2× the part is ``1 − |log2 r|`` (1 at equal size), else 0.
    * **Nearby**: the distance from the body's centroid (else its Kreis') to the nearest member's;
      the part is ``1 − d / 100 km`` (0 beyond).
    * Score = 50 × task + 30 × size + 20 × nearby (0–100), ties by title.
    """
    from verbund.planning.selectors.recommendations import tasks_of_body

    task_ids = {task.pk} if task is not None else {t.pk for t in tasks_of_body(body)}
    related_fields = set(
        PracticeRecord.objects.filter(task_id__in=task_ids, field_of_action__isnull=False).values_list(
            "field_of_action_id", flat=True
        )
    )
    candidates = (
        visible_records(principal)
        .filter(Q(task_id__in=task_ids) | Q(field_of_action_id__in=related_fields))
        .exclude(members__body=body)
        .prefetch_related("members__body")
        .distinct()
    )
    here = _position(body)
    results = []
    for record in candidates:
        same_task = record.task_id in task_ids
        task_part = 1.0 if same_task else 0.5
        member_bodies = [m.body for m in record.members.all()]
        ratio = None
        size_part = 0.0
        if body.population and record.population and member_bodies:
            ratio = body.population / (record.population / len(member_bodies))
            if 1 / SIZE_FACTOR <= ratio <= SIZE_FACTOR:
                size_part = 1 - abs(math.log2(ratio)) / math.log2(SIZE_FACTOR)
        distance = None
        near_part = 0.0
        if here is not None:
            positions = [p for p in (_position(b) for b in member_bodies) if p is not None]
            if positions:
                distance = min(_km(here, p) for p in positions)
                near_part = max(0.0, 1 - distance / NEAR_KM)
        score = round(WEIGHT_TASK * task_part + WEIGHT_SIZE * size_part + WEIGHT_NEAR * near_part)
        results.append(Similar(record, score, same_task, ratio, distance))
    results.sort(key=lambda s: (-s.score, s.record.title, s.record.pk))
    return results[:limit]


# --- the members' map -------------------------------------------------------------------------------


def member_map(members: Sequence[PracticeMember]) -> dict[str, Any]:
    """The members on a map (:func:`verbund.registry.selectors.member_map`: boundaries, else
    centroids, Kreise first). Only for a record its reader may see: the caller has passed
    :func:`record_for`."""
    from verbund.registry.selectors import member_map as registry_member_map

    return registry_member_map(members)
