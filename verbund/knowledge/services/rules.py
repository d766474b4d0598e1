"""Editing the service catalogue's words, the holder rules and the offices' contact data.

* :func:`service_update`: the Beratungsstelle (and the operator) add the words citizens use
  (synonyms), correct the keywords, link the service to a task of the shared-services catalogue
  (through which an alliance's shared service moves the responsibility) and switch it off.
* :func:`holder_rule_create` / :func:`holder_rule_update` / :func:`holder_rule_delete`: which kinds of
  bodies hold a service in a Land, for a LeiKa prefix or one service; ``verified`` needs a source.
* :func:`contact_update`: those who work for a body enter how citizens reach its office.
* :func:`search_services`: the public list's search (name, keywords, synonyms), for pages and API.

Every change is checked first (a refusal names the field and stores nothing) and audited with
German change keys (``{"Synonyme": [alt, neu]}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid
from verbund.registry.labels import STATE_NAMES, state_name
from verbund.registry.models import Body, Kind
from verbund.shared_services.models import Task

from .. import audit_actions
from ..models import GROSSE_KREISANGEHOERIGE_STADT, HolderRule, OfficeContact, Service
from ..policies import edits_catalogue, edits_contact

#: The change keys of the audit are German words (marked here: the audit page shows them translated).
#: the LeiKa prefix of a rule: "99" and one to twelve digits more
PREFIX = re.compile(r"^99\d{1,12}$")
#: the words of one list (synonyms, keywords): at most this many, each at most WORD_LIMIT characters
WORDS_LIMIT = 200
WORD_LIMIT = 200


def _refusal_catalogue() -> str:
    return _("Nur die Beratungsstelle und der Plattformbetrieb pflegen den Leistungskatalog.")


def _refusal_contact() -> str:
    return _("Nur wer für die Körperschaft arbeitet, pflegt die Kontaktdaten ihrer Dienststelle.")


# --- kinds ---------------------------------------------------------------------------------------


def kind_choices() -> list[tuple[str, str]]:
    """The kinds a rule may name: the registry's kinds and große kreisangehörige Städte."""
    return [
        *((str(value), str(label)) for value, label in Kind.choices),
        (GROSSE_KREISANGEHOERIGE_STADT, str(gettext_lazy("Große kreisangehörige Stadt"))),
    ]


def kind_label(kind: str) -> str:
    return dict(kind_choices()).get(kind, kind)


def kind_labels(kinds: Iterable[str]) -> list[str]:
    return [kind_label(k) for k in kinds]


# --- services --------------------------------------------------------------------------------------


def search_services(*, q: str = "", catalogue: str = "", include_inactive: bool = False) -> QuerySet[Service]:
    """Services whose name, keywords or synonyms contain ``q`` (or whose id is ``q``), by name.

    The word lists are JSON; SQLite stores them with ``\\u`` escapes for non-ASCII letters, so the
    escaped spelling is searched too (PostgreSQL's ``jsonb`` text has the letters themselves).
    """
    services = Service.objects.select_related("catalogue")
    if not include_inactive:
        services = services.filter(active=True)
    if catalogue:
        services = services.filter(catalogue__slug=catalogue)
    q = " ".join((q or "").split())[:200]
    if q:
        escaped = json.dumps(q)[1:-1]
        match = Q(name__icontains=q) | Q(external_id=q)
        for spelling in {q, escaped}:
            match |= Q(keywords__icontains=spelling) | Q(synonyms__icontains=spelling)
        services = services.filter(match)
    return services.order_by("name", "external_id")


def clean_words(value: Any, *, field: str) -> list[str]:
    """A list of words (or text with one per line) without blanks and repetitions, in order."""
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise Invalid(fields={field: [_("Eine Liste von Wörtern erwartet.")]})
    words: list[str] = []
    for raw in items:
        word = " ".join(raw.split())
        if not word:
            continue
        if len(word) > WORD_LIMIT:
            raise Invalid(
                fields={
                    field: [
                        _("„%(word)s…“ ist länger als %(limit)s Zeichen.")
                        % {"word": word[:30], "limit": WORD_LIMIT}
                    ]
                }
            )
        if word.casefold() not in (w.casefold() for w in words):
            words.append(word)
    if len(words) > WORDS_LIMIT:
        raise Invalid(fields={field: [_("Höchstens %(limit)s Einträge.") % {"limit": WORDS_LIMIT}]})
    return words


_UNSET: Any = object()


def service_update(
    *,
    actor: Actor,
    service: Service,
    synonyms: Any = _UNSET,
    keywords: Any = _UNSET,
    task: Task | None = _UNSET,
    active: bool = _UNSET,
) -> Service:
    """Change the words, the task or ``active`` of ``service`` (only what is given)."""
    authorize(actor, edits_catalogue, _refusal_catalogue())
    values: dict[str, Any] = {}
    if synonyms is not _UNSET:
        values["synonyms"] = clean_words(synonyms, field="synonyms")
    if keywords is not _UNSET:
        values["keywords"] = clean_words(keywords, field="keywords")
    if task is not _UNSET:
        values["task"] = task
    if active is not _UNSET:
        values["active"] = bool(active)
    labels = {
        "synonyms": gettext_noop("Synonyme"),
        "keywords": gettext_noop("Schlagworte"),
        "task": gettext_noop("Aufgabe"),
        "active": gettext_noop("Aktiv"),
    }
    with transaction.atomic():
        locked = Service.objects.select_for_update(of=("self",)).select_related("task").get(pk=service.pk)
        changes: dict[str, list[Any]] = {}
        for name, value in values.items():
            old = getattr(locked, name)
            if old == value:
                continue
            if name == "task":
                changes[labels[name]] = [old.name if old else "", value.name if value else ""]
            else:
                changes[labels[name]] = [old, value]
            setattr(locked, name, value)
        if changes:
            locked.save()
            audit_record(actor=actor, action=audit_actions.SERVICE_CHANGE, target=locked, changes=changes)
    return locked


# --- holder rules ----------------------------------------------------------------------------------

RULE_FIELDS = ("state", "leika_prefix", "service", "kinds", "label", "verified", "source")


def _rule_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values of a rule; :class:`Invalid` naming every field at fault."""
    errors: dict[str, list[str]] = {}
    state = str(values.get("state") or "").strip()
    if state not in STATE_NAMES:
        errors["state"] = [_("Ein Land mit seinem zweistelligen Schlüssel (01 bis 16) angeben.")]
    prefix = str(values.get("leika_prefix") or "").strip()
    service = values.get("service")
    if service is not None and not isinstance(service, Service):
        raise TypeError("service must be a Service")
    if prefix and not PREFIX.match(prefix):
        errors["leika_prefix"] = [
            _("Ein LeiKa-Präfix beginnt mit 99 und hat 3 bis 14 Ziffern (z. B. 99115 für das Meldewesen).")
        ]
    if bool(prefix) == (service is not None):
        errors.setdefault("leika_prefix", []).append(
            _("Entweder ein LeiKa-Präfix oder eine Leistung angeben, nicht beides.")
            if prefix
            else _("Ein LeiKa-Präfix oder eine Leistung angeben.")
        )
    raw_kinds = values.get("kinds") or []
    allowed = [value for value, _label in kind_choices()]
    if isinstance(raw_kinds, str) or not isinstance(raw_kinds, list | tuple):
        raw_kinds = [raw_kinds]
    unknown = [str(k) for k in raw_kinds if k not in allowed]
    kinds = [k for k in allowed if k in raw_kinds]  # the registry's order, each once
    if unknown:
        errors["kinds"] = [_("Unbekannte Art: %(kinds)s.") % {"kinds": ", ".join(unknown)[:200]}]
    elif not kinds:
        errors["kinds"] = [_("Mindestens eine Art von Körperschaften wählen.")]
    label = " ".join(str(values.get("label") or "").split())
    if not label:
        errors["label"] = [_("Eine Bezeichnung angeben (z. B. Meldebehörde).")]
    elif len(label) > 200:
        errors["label"] = [_("Höchstens 200 Zeichen.")]
    source = " ".join(str(values.get("source") or "").split())
    verified = bool(values.get("verified"))
    if len(source) > 300:
        errors["source"] = [_("Höchstens 300 Zeichen.")]
    elif verified and not source:
        errors["source"] = [_("Eine geprüfte Regel nennt ihre Rechtsgrundlage oder Quelle.")]
    if errors:
        raise Invalid(fields=errors)
    return {
        "state": state,
        "leika_prefix": prefix,
        "service": service,
        "kinds": kinds,
        "label": label,
        "verified": verified,
        "source": source,
    }


def _check_unique(values: Mapping[str, Any], *, exclude: int | None = None) -> None:
    others = HolderRule.objects.filter(state=values["state"])
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if values["service"] is not None:
        if others.filter(service=values["service"]).exists():
            raise Invalid(
                fields={"service": [_("Für dieses Land und diese Leistung gibt es schon eine Regel.")]}
            )
    elif others.filter(service__isnull=True, leika_prefix=values["leika_prefix"]).exists():
        raise Invalid(
            fields={"leika_prefix": [_("Für dieses Land und dieses Präfix gibt es schon eine Regel.")]}
        )


def _audit_value(name: str, value: Any) -> Any:
    """A rule's value as the audit shows it: Land and kinds by name (the kinds as one text: a list
    of two would read as a change from one to the other), the service by its name."""
    if name == "state":
        return f"{state_name(value)} ({value})" if value else ""
    if name == "kinds":
        return ", ".join(kind_labels(value))
    if name == "service":
        return value.name if value is not None else ""
    return value


_RULE_KEYS = {
    "state": gettext_noop("Land"),
    "leika_prefix": gettext_noop("LeiKa-Präfix"),
    "service": gettext_noop("Leistung"),
    "kinds": gettext_noop("Zuständige Arten"),
    "label": gettext_noop("Bezeichnung"),
    "verified": gettext_noop("Geprüft"),
    "source": gettext_noop("Quelle"),
}


def _saved(rule: HolderRule) -> HolderRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # a rule of the same Land and prefix/service came in meanwhile
        raise Invalid(
            fields={
                "leika_prefix": [
                    _("Für dieses Land gibt es schon eine Regel für dieses Präfix oder diese Leistung.")
                ]
            }
        ) from None
    return rule


def holder_rule_create(*, actor: Actor, values: Mapping[str, Any]) -> HolderRule:
    """A new rule: in Land ``state`` the prefix (or the service) is held by bodies of ``kinds``."""
    principal = authorize(actor, edits_catalogue, _refusal_catalogue())
    cleaned = _rule_values(values)
    with transaction.atomic():
        _check_unique(cleaned)
        rule = _saved(HolderRule(**cleaned, updated_by_id=principal.user_id if principal.is_person else None))
        audit_record(
            actor=actor,
            action=audit_actions.HOLDER_RULE_SET,
            target=rule,
            changes={
                _RULE_KEYS[k]: _audit_value(k, cleaned[k])
                for k in RULE_FIELDS
                if cleaned[k] not in ("", None)
            },
        )
    return rule


def holder_rule_update(*, actor: Actor, rule: HolderRule, values: Mapping[str, Any]) -> HolderRule:
    """Change ``rule`` to ``values`` (all fields of a rule); the audit names what changed."""
    principal = authorize(actor, edits_catalogue, _refusal_catalogue())
    cleaned = _rule_values(values)
    with transaction.atomic():
        locked = HolderRule.objects.select_for_update(of=("self",)).select_related("service").get(pk=rule.pk)
        _check_unique(cleaned, exclude=locked.pk)
        changes = {
            _RULE_KEYS[name]: [_audit_value(name, getattr(locked, name)), _audit_value(name, cleaned[name])]
            for name in RULE_FIELDS
            if getattr(locked, name) != cleaned[name]
        }
        if not changes:
            return locked
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.updated_by_id = principal.user_id if principal.is_person else None
        _saved(locked)
        audit_record(actor=actor, action=audit_actions.HOLDER_RULE_SET, target=locked, changes=changes)
    return locked


def holder_rule_delete(*, actor: Actor, rule: HolderRule) -> None:
    """Delete ``rule``: the services it covered have no holder in its Land until another rule does."""
    authorize(actor, edits_catalogue, _refusal_catalogue())
    with transaction.atomic():
        locked = HolderRule.objects.select_for_update(of=("self",)).select_related("service").get(pk=rule.pk)
        audit_record(
            actor=actor,
            action=audit_actions.HOLDER_RULE_DELETE,
            target=locked,
            changes={
                _RULE_KEYS[k]: _audit_value(k, getattr(locked, k))
                for k in ("state", "leika_prefix", "service", "kinds", "verified")
                if getattr(locked, k) not in ("", None)
            },
        )
        locked.delete()


# --- contacts --------------------------------------------------------------------------------------

CONTACT_FIELDS = ("office", "street", "postcode", "city", "phone", "email", "website", "hours")
_CONTACT_KEYS = {
    "office": gettext_noop("Dienststelle"),
    "street": gettext_noop("Straße"),
    "postcode": gettext_noop("Postleitzahl"),
    "city": gettext_noop("Ort"),
    "phone": gettext_noop("Telefon"),
    "email": gettext_noop("E-Mail"),
    "website": gettext_noop("Internetseite"),
    "hours": gettext_noop("Öffnungszeiten"),
}
_LIMITS = {
    "office": 200,
    "street": 200,
    "postcode": 5,
    "city": 100,
    "phone": 50,
    "email": 254,
    "website": 300,
}
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]*$")
_POSTCODE = re.compile(r"^\d{5}$")


def clean_contact(values: Mapping[str, Any]) -> dict[str, str]:
    """The checked contact values; :class:`Invalid` naming every field at fault."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in CONTACT_FIELDS:
        raw = values.get(name)
        text = "" if raw is None else str(raw)
        text = text.strip() if name == "hours" else " ".join(text.split())
        limit = _LIMITS.get(name, 2000)
        if len(text) > limit:
            errors[name] = [_("Höchstens %(limit)s Zeichen.") % {"limit": limit}]
        cleaned[name] = text
    if cleaned["postcode"] and not _POSTCODE.match(cleaned["postcode"]):
        errors["postcode"] = [_("Eine Postleitzahl hat fünf Ziffern.")]
    if cleaned["phone"] and "phone" not in errors and not _PHONE.match(cleaned["phone"]):
        errors["phone"] = [_("Nur Ziffern, Leerzeichen und + ( ) / - (z. B. 06561 123-0).")]
    if cleaned["email"] and "email" not in errors:
        try:
            EmailValidator()(cleaned["email"])
        except ValidationError:
            errors["email"] = [_("Keine gültige E-Mail-Adresse.")]
    if cleaned["website"] and "website" not in errors:
        try:
            URLValidator(schemes=["https"])(cleaned["website"])
        except ValidationError:
            errors["website"] = [
                _("Eine Internetadresse mit https:// angeben (z. B. https://www.vg-beispiel.de).")
            ]
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def contact_update(*, actor: Actor, body: Body, values: Mapping[str, Any]) -> OfficeContact:
    """Set the contact data of ``body``'s office (all fields; empty ones are cleared)."""
    principal = authorize(actor, lambda p: edits_contact(p, body.pk), _refusal_contact())
    cleaned = clean_contact(values)
    with transaction.atomic():
        contact = OfficeContact.objects.select_for_update().filter(body=body).first()
        created = contact is None
        if contact is None:
            contact = OfficeContact(body=body)
        changes = {
            _CONTACT_KEYS[name]: [getattr(contact, name), value]
            for name, value in cleaned.items()
            if getattr(contact, name) != value
        }
        if not changes and not created:
            return contact
        for name, value in cleaned.items():
            setattr(contact, name, value)
        contact.updated_by_id = principal.user_id if principal.is_person else None
        contact.save()
        audit_record(
            actor=actor,
            action=audit_actions.CONTACT_CHANGE,
            target=contact,
            object_repr=body.name,
            changes=changes,
            body=body,
        )
    return contact
