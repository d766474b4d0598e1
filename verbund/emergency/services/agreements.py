"""The alliance's agreement on reimbursing mutual aid (:class:`~verbund.emergency.models.AidAgreement`).

Between public bodies nothing is reimbursed unless agreed (DOMAIN.md §7); the rates come from the
alliance's agreement (e.g. a decision of its Verbandsversammlung) or a decree of the Land. What is
agreed: whether aid is reimbursed, an hourly rate for people, a daily rate per resource category,
consumables at cost, and how the members share the reimbursement (``cost_sharing``: an allocation
key of the shared-services engine, or none: the body in need bears it alone).
:func:`verbund.emergency.services.aid.agreement_for` finds the one valid on a date.

Versions, not edits
===================
* The periods of one alliance's agreements never overlap (reimbursing or not: on any day one
  agreement tells what applies); a clash names the agreement it overlaps.
* An agreement that has not started yet may be changed (:func:`agreement_update`) and deleted
  (:func:`agreement_delete`, unless a settlement refers to it).
* Once in force its terms stay as they were: :func:`agreement_new_version` ends it the day before
  the new version starts and creates the new one, in one transaction. :func:`agreement_end` sets or
  moves its last day. Neither may leave a booked settlement (``AidSettlement.agreement``) outside
  the period of the agreement it was computed with.
* The alliance's row is locked while an agreement is written, so two coordinators saving at once
  cannot create overlapping periods.

Who: :func:`~verbund.emergency.policies.sees_aid_agreements` and
:func:`~verbund.emergency.policies.changes_aid_agreements`; others get 404 like for a missing one.
Every change is audited with German keys (``Stundensatz Personal``, ``Tagessatz Pumpe`` …).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.german import format_date, format_money
from verbund.common.principal import Principal
from verbund.shared_services import allocation

from .. import audit_actions
from ..models import AidAgreement, ResourceCategory
from ..policies import aid_agreement_alliances, as_principal, changes_aid_agreements, sees_aid_agreements

#: the terms of an agreement (what a new version may change)
TERM_FIELDS = (
    "reimburse",
    "hourly_rate",
    "daily_rates",
    "consumables_at_cost",
    "cost_sharing",
    "note",
)
#: all the fields a caller gives
AGREEMENT_FIELDS = (*TERM_FIELDS, "valid_from", "valid_until")
#: categories with a daily rate (people are paid by the hour)
DAILY_RATE_CATEGORIES = tuple(c for c in ResourceCategory if c != ResourceCategory.PEOPLE)
_MAX_RATE = Decimal("99999999.99")
_MAX_NOTE = 5000
_CENT = Decimal("0.01")

#: the cost-sharing choices the pages offer (the API takes any valid share key)
SHARING_PRESETS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "equal": {"type": "equal"},
    "population": {"type": "population"},
    "mix": {
        "type": "mix",
        "parts": [
            {"weight": "50.00", "key": {"type": "equal"}},
            {"weight": "50.00", "key": {"type": "population"}},
        ],
    },
}
#: keys that cannot share a reimbursement: a charge (price × units) splits nothing, recorded volumes
#: do not exist for mutual aid
_UNSUITED_KEYS = {"price_per_unit", "volume"}

STATE_FUTURE, STATE_ACTIVE, STATE_ENDED = "kuenftig", "in_kraft", "beendet"
STATE_LABELS = {
    STATE_FUTURE: gettext_noop("noch nicht in Kraft"),
    STATE_ACTIVE: gettext_noop("in Kraft"),
    STATE_ENDED: gettext_noop("beendet"),
}


# --- the allocation engine -------------------------------------------------------------------------


def _key_types(config: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(config, Mapping):
        if isinstance(config.get("type"), str):
            found.add(config["type"])
        for value in config.values():
            found |= _key_types(value)
    elif isinstance(config, list):
        for value in config:
            found |= _key_types(value)
    return found


def clean_cost_sharing(config: Any, member_names: Mapping[str, str]) -> dict[str, Any] | None:
    """``None`` (the body in need bears the cost), or the key normalised by the engine; refusals name
    the field ``cost_sharing`` and where in the key the fault is."""
    if config in (None, "", {}):
        return None
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError as exc:
            raise Invalid(
                fields={
                    "cost_sharing": [
                        _("Kein gültiges JSON: %(error)s (Zeile %(line)s, Spalte %(column)s).")
                        % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
                    ]
                }
            ) from exc
    if not isinstance(config, Mapping):
        raise Invalid(fields={"cost_sharing": [_("Die Kostenteilung ist ein Schlüssel als JSON-Objekt.")]})
    try:
        normalised: dict[str, Any] = allocation.validate_key(dict(config))
    except allocation.KeyConfigError as exc:
        raise Invalid(
            fields={
                "cost_sharing": [
                    _("Der Schlüssel der Kostenteilung ist nicht gültig: %(error)s") % {"error": exc}
                ]
            }
        ) from exc
    unsuited = sorted(_key_types(normalised) & _UNSUITED_KEYS)
    if unsuited:
        raise Invalid(
            fields={
                "cost_sharing": [
                    _(
                        "Die Kostenteilung verteilt eine Erstattung auf die Mitglieder: bitte Grundbetrag, "
                        "Einwohner, Fläche, eine Mischung daraus oder feste Anteile wählen (nicht „%(key)s“)."
                    )
                    % {"key": ", ".join(unsuited)}
                ]
            }
        )
    named = sorted(allocation.named_members(normalised) - set(member_names))
    if named:
        raise Invalid(
            fields={
                "cost_sharing": [
                    _(
                        "Der Schlüssel nennt %(members)s; das ist kein aktuelles Mitglied des Verbunds. "
                        "Mitglieder werden mit ihrem 12-stelligen Regionalschlüssel (ARS) angegeben."
                    )
                    % {"members": ", ".join(named)}
                ]
            }
        )
    return normalised


def describe_cost_sharing(
    config: Mapping[str, Any] | None, member_names: Mapping[str, str] | None = None
) -> str:
    """The cost sharing in words ("nach Einwohnern"; without a key: the body in need bears it)."""
    if not config:
        return _("keine Kostenteilung: die anfragende Körperschaft trägt die Erstattung allein")
    try:
        return str(allocation.describe_config(config, dict(member_names or {})))
    except allocation.KeyConfigError as exc:
        return _("ungültiger Schlüssel: %(error)s") % {"error": exc}


def sharing_preset(config: Mapping[str, Any] | None) -> str | None:
    """The name of the page's choice that ``config`` is, or ``None`` for any other key."""
    for name, preset in SHARING_PRESETS.items():
        if (preset or None) == (dict(config) if config else None):
            return name
    return None


# --- reading ---------------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def state(agreement: AidAgreement, on: dt.date | None = None) -> str:
    """``kuenftig``, ``in_kraft`` or ``beendet`` on ``on`` (default today)."""
    on = on or today()
    if agreement.valid_from > on:
        return STATE_FUTURE
    if agreement.valid_until is not None and agreement.valid_until < on:
        return STATE_ENDED
    return STATE_ACTIVE


def state_label(agreement: AidAgreement, on: dt.date | None = None) -> str:
    return _(STATE_LABELS[state(agreement, on)])


def visible_alliances(who: Actor | Principal) -> QuerySet[Alliance]:
    """The alliances whose agreements the person sees (for the overview)."""
    return Alliance.objects.filter(aid_agreement_alliances(as_principal(who))).order_by("name", "pk")


def get_alliance(who: Actor | Principal, slug: str) -> Alliance:
    """The alliance by its slug, if the person sees its agreements; else 404."""
    alliance = Alliance.objects.filter(slug=slug).first()
    if alliance is None or not sees_aid_agreements(as_principal(who), alliance.pk):
        raise NotFound()
    return alliance


def agreements_of(who: Actor | Principal, alliance: Alliance) -> QuerySet[AidAgreement]:
    """The alliance's agreements, the latest first (404 for whoever may not see them)."""
    if not sees_aid_agreements(as_principal(who), alliance.pk):
        raise NotFound()
    return AidAgreement.objects.filter(alliance=alliance).select_related("alliance", "created_by")


def visible_agreements(who: Actor | Principal) -> QuerySet[AidAgreement]:
    principal = as_principal(who)
    return AidAgreement.objects.filter(
        alliance__in=Alliance.objects.filter(aid_agreement_alliances(principal))
    ).select_related("alliance", "created_by")


def get_agreement(who: Actor | Principal, agreement_id: int) -> AidAgreement:
    agreement = AidAgreement.objects.select_related("alliance", "created_by").filter(pk=agreement_id).first()
    if agreement is None or not sees_aid_agreements(as_principal(who), agreement.alliance_id):
        raise NotFound()
    return agreement


def may_see(who: Actor | Principal, alliance_id: int) -> bool:
    return sees_aid_agreements(as_principal(who), alliance_id)


def may_change(who: Actor | Principal, alliance_id: int) -> bool:
    return changes_aid_agreements(as_principal(who), alliance_id)


def member_names(alliance: Alliance | int) -> dict[str, str]:
    """ARS → name of the alliance's current members (how keys name members)."""
    alliance_id = alliance if isinstance(alliance, int) else alliance.pk
    return dict(
        Membership.objects.current().filter(alliance_id=alliance_id).values_list("body__ars", "body__name")
    )


@dataclass(frozen=True)
class Term:
    label: str
    text: str


def terms(agreement: AidAgreement, names: Mapping[str, str] | None = None) -> list[Term]:
    """The terms in words, for the pages and the settlement's explanation."""
    if not agreement.reimburse:
        return [
            Term(
                _("Erstattung"),
                _(
                    "Hilfe zwischen den Mitgliedern wird nicht erstattet "
                    "(keine Erstattung zwischen öffentlichen Stellen)."
                ),
            )
        ]
    rows = [
        Term(_("Erstattung"), _("Hilfe zwischen den Mitgliedern wird erstattet.")),
        Term(
            _("Personal"),
            _("%(rate)s je Stunde") % {"rate": format_money(agreement.hourly_rate)}
            if agreement.hourly_rate is not None
            else _("kein Stundensatz vereinbart (nur eigene Sätze der Ressourcen)"),
        ),
    ]
    rates = agreement.daily_rates or {}
    for category in DAILY_RATE_CATEGORIES:
        rate = rates.get(category.value)
        if rate not in (None, ""):
            rows.append(
                Term(str(category.label), _("%(rate)s je Tag") % {"rate": format_money(Decimal(str(rate)))})
            )
    if not any(rates.get(c.value) not in (None, "") for c in DAILY_RATE_CATEGORIES):
        rows.append(Term(_("Tagessätze"), _("keine vereinbart (nur eigene Sätze der Ressourcen)")))
    rows.append(
        Term(
            _("Verbrauchsmaterial"),
            _("zum Selbstkostenpreis") if agreement.consumables_at_cost else _("wird nicht erstattet"),
        )
    )
    rows.append(Term(_("Kostenteilung"), describe_cost_sharing(agreement.cost_sharing, names)))
    return rows


# --- checking values -------------------------------------------------------------------------------


def _rate(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[name] = [_("Kein gültiger Betrag.")]
        return None
    if not rate.is_finite() or rate < 0 or rate > _MAX_RATE or rate != rate.quantize(_CENT):
        errors[name] = [_("Ein Betrag ab 0 mit höchstens zwei Nachkommastellen.")]
        return None
    return rate.quantize(_CENT)


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    errors[name] = [_("Kein gültiges Datum (TT.MM.JJJJ).")]
    return None


def clean_values(values: Mapping[str, Any], alliance: Alliance) -> dict[str, Any]:
    """All the fields of an agreement checked and normalised; :class:`Invalid` naming each faulty field
    (``daily_rates.pumpe`` for one category's rate)."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(values) - set(AGREEMENT_FIELDS))
    if unknown:
        errors["__all__"] = [_("Unbekannte Angaben: %(names)s.") % {"names": ", ".join(unknown)}]
    cleaned: dict[str, Any] = {
        "reimburse": bool(values.get("reimburse", False)),
        "consumables_at_cost": bool(values.get("consumables_at_cost", True)),
        "hourly_rate": _rate(values.get("hourly_rate"), "hourly_rate", errors),
        "note": str(values.get("note") or "").strip(),
    }
    if len(cleaned["note"]) > _MAX_NOTE:
        errors["note"] = [_("Höchstens %(max)s Zeichen.") % {"max": _MAX_NOTE}]
    rates_in = values.get("daily_rates") or {}
    daily: dict[str, str] = {}
    if not isinstance(rates_in, Mapping):
        errors["daily_rates"] = [_("Die Tagessätze sind ein Objekt: Kategorie → Betrag.")]
    else:
        allowed = {c.value for c in DAILY_RATE_CATEGORIES}
        for code, raw in rates_in.items():
            code = str(code)
            if code not in allowed:
                errors[f"daily_rates.{code}"] = [
                    _("Keine Kategorie mit Tagessatz; erlaubt: %(codes)s (Personal: Stundensatz).")
                    % {"codes": ", ".join(sorted(allowed))}
                ]
                continue
            rate = _rate(raw, f"daily_rates.{code}", errors)
            if rate is not None:
                daily[code] = str(rate)
    cleaned["daily_rates"] = {c.value: daily[c.value] for c in DAILY_RATE_CATEGORIES if c.value in daily}
    cleaned["valid_from"] = _date(values.get("valid_from"), "valid_from", errors)
    if cleaned["valid_from"] is None and "valid_from" not in errors:
        errors["valid_from"] = [_("Bitte angeben, ab wann die Vereinbarung gilt.")]
    cleaned["valid_until"] = _date(values.get("valid_until"), "valid_until", errors)
    if cleaned["valid_from"] and cleaned["valid_until"] and cleaned["valid_until"] < cleaned["valid_from"]:
        errors["valid_until"] = [_("Das Ende liegt nicht vor dem Beginn.")]
    try:
        cleaned["cost_sharing"] = clean_cost_sharing(values.get("cost_sharing"), member_names(alliance))
    except Invalid as exc:
        errors.update(exc.fields)
    if not cleaned["reimburse"]:
        refusal = _("Ohne Erstattung gibt es nichts zu vereinbaren; bitte leer lassen.")
        if cleaned["hourly_rate"] is not None:
            errors.setdefault("hourly_rate", [refusal])
        if cleaned["daily_rates"]:
            errors.setdefault("daily_rates", [refusal])
        if cleaned.get("cost_sharing"):
            errors.setdefault("cost_sharing", [refusal])
    if errors:
        raise Invalid(fields=errors)
    return cleaned


# --- audit -----------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "ja" if value else "nein"


def audit_terms(agreement: AidAgreement) -> dict[str, str]:
    """The agreement's terms as the audit log keeps them: German keys, German values."""
    with translation.override("de"):
        rates = agreement.daily_rates or {}
        result = {
            "Erstattung": _yes_no(agreement.reimburse),
            "Stundensatz Personal": format_money(agreement.hourly_rate),
        }
        for category in DAILY_RATE_CATEGORIES:
            rate = rates.get(category.value)
            result[f"Tagessatz {category.label}"] = format_money(Decimal(rate) if rate else None)
        result["Verbrauchsmaterial zum Selbstkostenpreis"] = _yes_no(agreement.consumables_at_cost)
        result["Gültig ab"] = format_date(agreement.valid_from)
        result["Gültig bis"] = format_date(agreement.valid_until, empty="unbefristet")
        result["Kostenteilung"] = describe_cost_sharing(
            agreement.cost_sharing, member_names(agreement.alliance_id)
        )
        result["Grundlage"] = agreement.note or "–"
        return result


def _diff(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, list[str]]:
    return {key: [before.get(key, "–"), value] for key, value in after.items() if before.get(key) != value}


def _record(actor: Actor, action: Any, agreement: AidAgreement, changes: Mapping[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=agreement,
        object_repr=agreement.alliance.name,
        changes=dict(changes),
        alliance=agreement.alliance_id,
    )


# --- writing ---------------------------------------------------------------------------------------


def _refusal() -> str:
    return _("Nur die Verbundkoordination ändert die Vereinbarung über gegenseitige Hilfe.")


def _authorize(actor: Actor, alliance_id: int) -> Principal:
    """404 for whoever does not see the agreements, 403 for whoever sees them but may not change them."""
    principal = authorize(actor)
    if not sees_aid_agreements(principal, alliance_id):
        raise NotFound()
    return authorize(actor, lambda p: changes_aid_agreements(p, alliance_id), _refusal())


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _lock_alliance(alliance_id: int) -> Alliance:
    return Alliance.objects.select_for_update().get(pk=alliance_id)


def _check_overlap(
    alliance_id: int, start: dt.date, end: dt.date | None, *, exclude: tuple[int, ...] = ()
) -> None:
    clash_q = Q(alliance_id=alliance_id) & (Q(valid_until__isnull=True) | Q(valid_until__gte=start))
    if end is not None:
        clash_q &= Q(valid_from__lte=end)
    clash = AidAgreement.objects.filter(clash_q).exclude(pk__in=exclude).order_by("valid_from").first()
    if clash is not None:
        raise Invalid(
            fields={
                "valid_from": [
                    _(
                        "Der Zeitraum überschneidet sich mit der Vereinbarung Nr. %(number)s "
                        "(gültig %(from)s bis %(until)s). Eine Vereinbarung in Kraft bitte mit "
                        "„Neue Fassung“ ablösen oder zuerst befristen."
                    )
                    % {
                        "number": clash.pk,
                        "from": format_date(clash.valid_from),
                        "until": format_date(clash.valid_until, empty=_("unbefristet")),
                    }
                ]
            },
            code="agreement_overlap",
        )


def _settlements_outside(agreement: AidAgreement, start: dt.date, end: dt.date | None) -> None:
    """A booked settlement must stay inside the period of the agreement it was computed with."""
    from ..models import AidSettlement

    tz = timezone.get_current_timezone()
    outside = Q(request__needed_from__lt=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end is not None:
        outside |= Q(
            request__needed_from__gte=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    settlement = AidSettlement.objects.filter(outside, agreement=agreement).order_by("pk").first()
    if settlement is not None:
        raise Conflict(
            _(
                "Die Erstattungsabrechnung Nr. %(number)s wurde nach dieser Vereinbarung für ein Ersuchen "
                "außerhalb des neuen Zeitraums berechnet; der Zeitraum kann so nicht geändert werden."
            )
            % {"number": settlement.pk},
            code="agreement_settled",
        )


@transaction.atomic
def agreement_create(*, actor: Actor, alliance: Alliance, values: Mapping[str, Any]) -> AidAgreement:
    """A new agreement of ``alliance`` (its period must not overlap another of the alliance)."""
    _authorize(actor, alliance.pk)
    cleaned = clean_values(values, alliance)
    locked = _lock_alliance(alliance.pk)
    _check_overlap(locked.pk, cleaned["valid_from"], cleaned["valid_until"])
    agreement = AidAgreement.objects.create(alliance=locked, created_by=_person(actor), **cleaned)
    _record(actor, audit_actions.AGREEMENT_CREATE, agreement, audit_terms(agreement))
    return agreement


def _lock(agreement: AidAgreement) -> AidAgreement:
    _lock_alliance(agreement.alliance_id)
    return AidAgreement.objects.select_for_update().select_related("alliance").get(pk=agreement.pk)


@transaction.atomic
def agreement_update(*, actor: Actor, agreement: AidAgreement, values: Mapping[str, Any]) -> AidAgreement:
    """Change an agreement that has not started yet (terms and period); one in force gets a new
    version instead (:class:`Conflict` ``agreement_in_force``)."""
    _authorize(actor, agreement.alliance_id)
    locked = _lock(agreement)
    if state(locked) != STATE_FUTURE:
        raise Conflict(
            _(
                "Die Vereinbarung ist seit %(date)s in Kraft; ihre Bedingungen bleiben, wie sie galten. "
                "Bitte eine neue Fassung ab einem Stichtag anlegen oder sie befristen."
            )
            % {"date": format_date(locked.valid_from)},
            code="agreement_in_force",
        )
    merged = {name: getattr(locked, name) for name in AGREEMENT_FIELDS}
    merged.update(values)
    cleaned = clean_values(merged, locked.alliance)
    if cleaned["valid_from"] <= today():
        # moving the start into the past would put terms in force that nobody saw before
        raise Invalid(
            fields={"valid_from": [_("Eine noch nicht gültige Vereinbarung beginnt frühestens morgen.")]}
        )
    _check_overlap(locked.alliance_id, cleaned["valid_from"], cleaned["valid_until"], exclude=(locked.pk,))
    _settlements_outside(locked, cleaned["valid_from"], cleaned["valid_until"])
    before = audit_terms(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.save()
    changes = _diff(before, audit_terms(locked))
    if changes:
        _record(actor, audit_actions.AGREEMENT_SET, locked, changes)
    return locked


@transaction.atomic
def agreement_new_version(
    *, actor: Actor, agreement: AidAgreement, valid_from: Any, values: Mapping[str, Any]
) -> AidAgreement:
    """New terms from ``valid_from``: the agreement ends the day before, the new version (the terms of
    ``values`` over the old ones; the old end unless ``values`` gives ``valid_until``) starts that day."""
    _authorize(actor, agreement.alliance_id)
    locked = _lock(agreement)
    errors: dict[str, list[str]] = {}
    start = _date(valid_from, "valid_from", errors)
    if start is None and not errors:
        errors["valid_from"] = [_("Bitte angeben, ab wann die neue Fassung gilt.")]
    if errors:
        raise Invalid(fields=errors)
    assert start is not None
    if start <= locked.valid_from:
        raise Invalid(
            fields={
                "valid_from": [
                    _("Die neue Fassung beginnt nach dem Beginn der bisherigen (%(date)s).")
                    % {"date": format_date(locked.valid_from)}
                ]
            }
        )
    if locked.valid_until is not None and start > locked.valid_until:
        raise Invalid(
            fields={
                "valid_from": [
                    _(
                        "Die bisherige Fassung endet schon am %(date)s; für die Zeit danach bitte eine "
                        "neue Vereinbarung anlegen."
                    )
                    % {"date": format_date(locked.valid_until)}
                ]
            }
        )
    merged: dict[str, Any] = {name: getattr(locked, name) for name in TERM_FIELDS}
    merged["valid_until"] = locked.valid_until
    merged.update({k: v for k, v in values.items() if k != "valid_from"})
    merged["valid_from"] = start
    cleaned = clean_values(merged, locked.alliance)
    old_end = start - dt.timedelta(days=1)
    _settlements_outside(locked, locked.valid_from, old_end)
    before = audit_terms(locked)
    locked.valid_until = old_end
    locked.save(update_fields=["valid_until", "updated_at"])
    _check_overlap(locked.alliance_id, cleaned["valid_from"], cleaned["valid_until"], exclude=(locked.pk,))
    new = AidAgreement.objects.create(alliance=locked.alliance, created_by=_person(actor), **cleaned)
    _record(actor, audit_actions.AGREEMENT_END, locked, _diff(before, audit_terms(locked)))
    changes: dict[str, Any] = {"Vorherige Fassung": f"Nr. {locked.pk}"}
    changes.update(_diff(before, audit_terms(new)))
    _record(actor, audit_actions.AGREEMENT_VERSION, new, changes)
    return new


@transaction.atomic
def agreement_end(*, actor: Actor, agreement: AidAgreement, valid_until: Any) -> AidAgreement:
    """Set (or move) the agreement's last day; it may not end before it began."""
    _authorize(actor, agreement.alliance_id)
    locked = _lock(agreement)
    errors: dict[str, list[str]] = {}
    end = _date(valid_until, "valid_until", errors)
    if end is None and not errors:
        errors["valid_until"] = [_("Bitte den letzten Tag angeben.")]
    if errors:
        raise Invalid(fields=errors)
    assert end is not None
    if end < locked.valid_from:
        raise Invalid(
            fields={
                "valid_until": [
                    _(
                        "Die Vereinbarung beginnt am %(date)s; sie endet nicht davor. Eine noch nicht "
                        "gültige Vereinbarung kann gelöscht werden."
                    )
                    % {"date": format_date(locked.valid_from)}
                ]
            }
        )
    if end == locked.valid_until:
        return locked
    _check_overlap(locked.alliance_id, locked.valid_from, end, exclude=(locked.pk,))
    _settlements_outside(locked, locked.valid_from, end)
    before = audit_terms(locked)
    locked.valid_until = end
    locked.save(update_fields=["valid_until", "updated_at"])
    _record(actor, audit_actions.AGREEMENT_END, locked, _diff(before, audit_terms(locked)))
    return locked


@transaction.atomic
def agreement_delete(*, actor: Actor, agreement: AidAgreement) -> None:
    """Delete an agreement that has not started and that no settlement refers to."""
    _authorize(actor, agreement.alliance_id)
    locked = _lock(agreement)
    if state(locked) != STATE_FUTURE:
        raise Conflict(
            _("Eine Vereinbarung, die schon galt, wird nicht gelöscht, sondern befristet."),
            code="agreement_in_force",
        )
    if locked.settlements.exists():
        raise Conflict(
            _("Eine Erstattungsabrechnung beruht auf dieser Vereinbarung; sie kann nicht gelöscht werden."),
            code="agreement_settled",
        )
    before = audit_terms(locked)
    _record(
        actor,
        audit_actions.AGREEMENT_DELETE,
        locked,
        {"Gültig ab": before["Gültig ab"], "Nummer": str(locked.pk)},
    )
    locked.delete()
