"""The resource pool and mutual aid: resources, requests for help, commitments (Sahana Eden's
request → commit → shipment flow).

* A body lists what it can lend (:func:`resource_create`, :func:`resource_update`); its place
  defaults to the body's centroid. Kinds come from the tactical vocabulary
  (:func:`symbol_choices`, ``VERBUND_DATA_DIR/crisis/taktische_zeichen_taxonomy.json`` read at run
  time, with a small built-in list when the file is missing) or the body's own name of the kind.
* A body in need posts a request (:func:`request_create`); :func:`ranked_offers` ranks the pool's
  offers for it (:mod:`verbund.emergency.ranking`).
* The lender commits (:func:`commit`): the resource's row is locked and the units still free in the
  request's window are counted again inside the transaction, so two lenders' clerks committing the
  same units at once never commit more than there is. The request's status rolls up from its
  commitments (:func:`_roll_up`: open → partly → committed → fulfilled). Handover and return are
  tracked (:func:`handover`, :func:`return_`), a commitment not yet handed over can be cancelled.
* Every change is audited; when the request belongs to an event, each step is written to the
  event's log (category "Ressourcen und Hilfe").

Who: everyone working for a body sees the pool and the requests (:func:`works_for_any_body`); a
body's staff and heads change its resources, lend them and ask for help (:func:`acts_for_body`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.german import format_datetime
from verbund.common.principal import Principal
from verbund.registry.models import Body

from .. import audit_actions, ranking
from ..models import (
    HOLDING,
    AidPriority,
    AidRequest,
    AidStatus,
    Commitment,
    CommitmentStatus,
    Event,
    LogCategory,
    Resource,
    ResourceCategory,
)
from ..policies import acts_for_body, as_principal, sees_event, works_for_any_body
from . import log as log_service

#: the groups of the vocabulary that name what can be lent
_SYMBOL_GROUPS = ("fachaufgaben", "einheiten", "organisationen")
#: when the data file is missing: a few kinds every Kreis lends
FALLBACK_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("fachaufgaben/pumpen", "Pumpen, Lenzen, Beseitigen von Wasserschäden"),
    ("fachaufgaben/versorgung-elektrizitaet", "Versorgung mit Elektrizität"),
    ("fachaufgaben/beleuchtung", "Beleuchtung"),
    ("fachaufgaben/transport", "Transport"),
    ("fachaufgaben/abwehr-wassergefahren", "Abwehr von Wassergefahren, Deichverteidigung"),
    ("fachaufgaben/betreuung", "Betreuung"),
    ("fachaufgaben/unterbringung", "Unterbringung"),
    ("fachaufgaben/iuk", "Information und Kommunikation"),
    ("fachaufgaben/logistik", "Versorgung, Logistik"),
    ("fachaufgaben/versorgung-trinkwasser", "Versorgung mit Trinkwasser"),
)

RESOURCE_FIELDS = (
    "category",
    "symbol",
    "own_type",
    "name",
    "quantity",
    "unit",
    "qualifications",
    "location",
    "latitude",
    "longitude",
    "available_from",
    "available_until",
    "conditions",
    "hourly_rate",
    "daily_rate",
    "consumable",
    "unit_cost",
    "active",
)
_TEXT_LIMITS = {
    "symbol": 100,
    "own_type": 200,
    "name": 200,
    "unit": 30,
    "qualifications": 500,
    "location": 200,
    "conditions": 5000,
}
_MAX_QUANTITY = 1_000_000
_MAX_RATE = Decimal("99999999.99")


# --- the tactical vocabulary ---------------------------------------------------------------------


def symbol_choices() -> tuple[tuple[str, str], ...]:
    """``(symbol, label)`` of the tactical vocabulary (``<group>/<id>``) in the groups that name what
    can be lent: the data directory's file through :func:`verbund.emergency.symbols.vocabulary` (read
    at run time, re-read when it changes); without it the built-in selection plus
    :data:`FALLBACK_SYMBOLS`."""
    from .. import symbols

    known = symbols.vocabulary()
    choices = [(s.id, s.label) for s in known.symbols.values() if s.group in _SYMBOL_GROUPS]
    if known.source == "builtin":
        have = {symbol for symbol, _label in choices}
        choices += [item for item in FALLBACK_SYMBOLS if item[0] not in have]
    return tuple(choices) or FALLBACK_SYMBOLS


def symbol_label(symbol: str) -> str:
    return dict(symbol_choices()).get(symbol, symbol)


# --- helpers ---------------------------------------------------------------------------------------


def _sees_pool(who: Actor | Principal) -> Principal:
    """The principal, if it may see the pool; everyone else gets 404 like for a missing object."""
    principal = as_principal(who)
    if not works_for_any_body(principal):
        raise NotFound()
    return principal


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _refusal_body() -> str:
    return _("Nur wer für die Körperschaft arbeitet, pflegt ihre Ressourcen und Hilfeersuchen.")


def resource_repr(resource: Resource) -> str:
    return _("Ressource Nr. %(number)s") % {"number": resource.pk}


def _aware(value: Any, name: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        errors[name] = [_("Bitte einen Zeitpunkt angeben.")]
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _coordinates(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    lat, lon = values.get("latitude"), values.get("longitude")
    if (lat is None) != (lon is None):
        errors["latitude" if lat is None else "longitude"] = [_("Breite und Länge nur zusammen angeben.")]
        return
    if lat is not None and not -90 <= float(lat) <= 90:
        errors["latitude"] = [_("Die Breite liegt zwischen -90 und 90 Grad.")]
    if lon is not None and not -180 <= float(lon) <= 180:
        errors["longitude"] = [_("Die Länge liegt zwischen -180 und 180 Grad.")]


def clean_resource_values(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The resource fields of ``values`` checked; :class:`Invalid` naming each faulty field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in RESOURCE_FIELDS}
    for name, limit in _TEXT_LIMITS.items():
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if len(cleaned[name]) > limit:
                errors[name] = [_("Höchstens %(max)s Zeichen.") % {"max": limit}]
    if (not partial or "category" in cleaned) and cleaned.get("category") not in ResourceCategory.values:
        errors["category"] = [_("Bitte eine Kategorie wählen.")]
    if (not partial or "name" in cleaned) and not cleaned.get("name"):
        errors["name"] = [_("Bitte eine Bezeichnung angeben.")]
    if cleaned.get("symbol") and cleaned["symbol"] not in dict(symbol_choices()):
        errors["symbol"] = [
            _("Dieses taktische Zeichen kennt Verbund nicht; bitte die eigene Bezeichnung nutzen.")
        ]
    if not partial or "quantity" in cleaned:
        quantity = cleaned.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= _MAX_QUANTITY:
            errors["quantity"] = [_("Die Anzahl ist eine ganze Zahl von 1 bis 1.000.000.")]
    for name in ("hourly_rate", "daily_rate", "unit_cost"):
        if cleaned.get(name) is not None:
            try:
                rate = Decimal(str(cleaned[name]))
            except ArithmeticError:
                errors[name] = [_("Kein gültiger Betrag.")]
                continue
            if rate < 0 or rate > _MAX_RATE or rate != rate.quantize(Decimal("0.01")):
                errors[name] = [_("Ein Betrag ab 0 mit höchstens zwei Nachkommastellen.")]
            else:
                cleaned[name] = rate
    for name in ("available_from", "available_until"):
        if name in cleaned:
            cleaned[name] = _aware(cleaned[name], name, errors)
    start, end = cleaned.get("available_from"), cleaned.get("available_until")
    if start and end and end <= start:
        errors["available_until"] = [_("Das Ende liegt vor dem Beginn.")]
    _coordinates(cleaned, errors)
    if errors:
        raise Invalid(fields=errors)
    return cleaned


# --- resources -------------------------------------------------------------------------------------


def visible_resources(who: Actor | Principal) -> QuerySet[Resource]:
    """The pool (empty for whoever does not work for a body)."""
    if not works_for_any_body(as_principal(who)):
        return Resource.objects.none()
    return Resource.objects.select_related("owner_body")


def get_resource(who: Actor | Principal, resource_id: int) -> Resource:
    resource = visible_resources(who).filter(pk=resource_id).first()
    if resource is None:
        raise NotFound()
    return resource


def resource_create(*, actor: Actor, owner_body: Body, values: Mapping[str, Any]) -> Resource:
    """List a resource of ``owner_body``; place defaults to the body's centroid and name."""
    authorize(actor, lambda p: acts_for_body(p, owner_body.pk), _refusal_body())
    cleaned = clean_resource_values(values)
    if cleaned.get("latitude") is None:
        cleaned["latitude"], cleaned["longitude"] = owner_body.centroid_lat, owner_body.centroid_lon
    if not cleaned.get("location"):
        cleaned["location"] = owner_body.name[:200]
    with transaction.atomic():
        resource = Resource.objects.create(owner_body=owner_body, **cleaned)
        audit_record(
            actor=actor,
            action=audit_actions.RESOURCE_CREATE,
            target=resource,
            object_repr=resource_repr(resource),
            body=owner_body.pk,
        )
    return resource


def resource_update(*, actor: Actor, resource: Resource, values: Mapping[str, Any]) -> Resource:
    """Change the fields given in ``values``; the audit records which fields changed."""
    authorize(actor, lambda p: acts_for_body(p, resource.owner_body_id), _refusal_body())
    cleaned = clean_resource_values(values, partial=True)
    with transaction.atomic():
        locked = Resource.objects.select_for_update(of=("self",)).get(pk=resource.pk)
        merged = {**{k: getattr(locked, k) for k in RESOURCE_FIELDS}, **cleaned}
        clean_resource_values(merged)  # the whole resource stays consistent (window, coordinates)
        changed = sorted(k for k, v in cleaned.items() if getattr(locked, k) != v)
        if "quantity" in cleaned:
            held = _held_max(locked)
            if cleaned["quantity"] < held:
                raise Invalid(
                    fields={
                        "quantity": [
                            _("%(held)s Einheiten sind zugesagt; die Anzahl kann nicht darunter sinken.")
                            % {"held": held}
                        ]
                    }
                )
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        if changed:
            audit_record(
                actor=actor,
                action=audit_actions.RESOURCE_UPDATE,
                target=locked,
                object_repr=resource_repr(locked),
                changes={"fields": changed},
                body=locked.owner_body_id,
            )
    return locked


def _held_max(resource: Resource) -> int:
    """The most units held at once by the resource's holding commitments (upper bound: their sum)."""
    total = Commitment.objects.filter(resource=resource, status__in=HOLDING).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


def held_in_window(resource_id: int, starts: dt.datetime, ends: dt.datetime) -> int:
    """Units of the resource held by commitments whose time overlaps ``starts``–``ends``."""
    total = Commitment.objects.filter(
        resource_id=resource_id, status__in=HOLDING, starts_at__lt=ends, ends_at__gt=starts
    ).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


def free_in_window(resource: Resource, starts: dt.datetime, ends: dt.datetime) -> int:
    return max(0, resource.quantity - held_in_window(resource.pk, starts, ends))


# --- requests --------------------------------------------------------------------------------------


def request_repr(aid_request: AidRequest) -> str:
    return _("Hilfeersuchen Nr. %(number)s") % {"number": aid_request.pk}


def visible_requests(who: Actor | Principal) -> QuerySet[AidRequest]:
    """The requests (empty for whoever does not work for a body)."""
    if not works_for_any_body(as_principal(who)):
        return AidRequest.objects.none()
    return AidRequest.objects.select_related("requesting_body")


def get_request(who: Actor | Principal, request_id: int) -> AidRequest:
    aid_request = visible_requests(who).select_related("event").filter(pk=request_id).first()
    if aid_request is None:
        raise NotFound()
    return aid_request


def event_visible(who: Actor | Principal, event: Event | None) -> bool:
    """Whether ``who`` may see (the title of) the event a request belongs to."""
    if event is None:
        return False
    return sees_event(as_principal(who), staff_id=event.staff_id, event_id=event.pk)


def _log(aid_request: AidRequest, text: str, actor: Actor) -> None:
    """Write a step of the request to its event's log (inside the caller's transaction)."""
    if aid_request.event_id is None:
        return
    event = aid_request.event or Event.objects.get(pk=aid_request.event_id)
    log_service.system_entry(
        event, text=text, category=LogCategory.RESOURCE, author_name=log_service.author_name(actor)
    )


def request_create(
    *,
    actor: Actor,
    body: Body,
    category: str,
    description: str,
    quantity: int,
    needed_from: dt.datetime,
    needed_until: dt.datetime,
    place: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    symbol: str = "",
    priority: str = AidPriority.NORMAL,
    event: Event | None = None,
) -> AidRequest:
    """``body`` asks for help; place and coordinates default to the body's name and centroid."""
    principal = authorize(actor, lambda p: acts_for_body(p, body.pk), _refusal_body())
    errors: dict[str, list[str]] = {}
    if category not in ResourceCategory.values:
        errors["category"] = [_("Bitte eine Kategorie wählen.")]
    if symbol and symbol not in dict(symbol_choices()):
        errors["symbol"] = [_("Dieses taktische Zeichen kennt Verbund nicht.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Bitte beschreiben, was gebraucht wird.")]
    elif len(description) > 5000:
        errors["description"] = [_("Höchstens %(max)s Zeichen.") % {"max": 5000}]
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= _MAX_QUANTITY:
        errors["quantity"] = [_("Die Anzahl ist eine ganze Zahl von 1 bis 1.000.000.")]
    if priority not in AidPriority.values:
        errors["priority"] = [_("Unbekannte Dringlichkeit.")]
    start = _aware(needed_from, "needed_from", errors)
    end = _aware(needed_until, "needed_until", errors)
    if start is None and "needed_from" not in errors:
        errors["needed_from"] = [_("Bitte angeben, ab wann die Hilfe gebraucht wird.")]
    if end is None and "needed_until" not in errors:
        errors["needed_until"] = [_("Bitte angeben, bis wann die Hilfe gebraucht wird.")]
    if start and end and end <= start:
        errors["needed_until"] = [_("Das Ende liegt vor dem Beginn.")]
    place = (place or "").strip() or body.name
    if len(place) > 200:
        errors["place"] = [_("Höchstens %(max)s Zeichen.") % {"max": 200}]
    coordinates: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    _coordinates(coordinates, errors)
    if latitude is None and longitude is None:
        latitude, longitude = body.centroid_lat, body.centroid_lon
        if latitude is None or longitude is None:
            errors["latitude"] = [
                _("Für diese Körperschaft ist kein Schwerpunkt bekannt; bitte Koordinaten angeben.")
            ]
    if event is not None and not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    if errors:
        raise Invalid(fields=errors)
    assert start is not None and end is not None and latitude is not None and longitude is not None
    with transaction.atomic():
        aid_request = AidRequest.objects.create(
            requesting_body=body,
            event=event,
            category=category,
            symbol=symbol,
            description=description,
            quantity=quantity,
            place=place[:200],
            latitude=latitude,
            longitude=longitude,
            needed_from=start,
            needed_until=end,
            priority=priority,
            created_by=_person(actor),
        )
        audit_record(
            actor=actor,
            action=audit_actions.REQUEST_CREATE,
            target=aid_request,
            object_repr=request_repr(aid_request),
            body=body.pk,
        )
        _log(
            aid_request,
            _("%(request)s gestellt von %(body)s: %(quantity)s × %(category)s in %(place)s")
            % {
                "request": request_repr(aid_request),
                "body": body.name,
                "quantity": quantity,
                "category": ResourceCategory(category).label,
                "place": aid_request.place,
            },
            actor,
        )
    return aid_request


def request_cancel(*, actor: Actor, aid_request: AidRequest) -> AidRequest:
    """The body in need withdraws its request; commitments not yet handed over are cancelled."""
    authorize(actor, lambda p: acts_for_body(p, aid_request.requesting_body_id), _refusal_body())
    with transaction.atomic():
        # lock order as in commit: resources first, then the request
        commitments = list(
            Commitment.objects.filter(request_id=aid_request.pk).values_list("resource_id", flat=True)
        )
        list(Resource.objects.select_for_update(of=("self",)).filter(pk__in=commitments).order_by("pk"))
        locked = (
            AidRequest.objects.select_for_update(of=("self",)).select_related("event").get(pk=aid_request.pk)
        )
        if locked.status in (AidStatus.CANCELLED, AidStatus.FULFILLED):
            raise Conflict(_("Das Hilfeersuchen ist schon abgeschlossen."))
        if locked.commitments.filter(status=CommitmentStatus.OUT).exists():
            raise Conflict(_("Es ist schon Hilfe übergeben; erst die Rückgabe eintragen."))
        locked.commitments.filter(status=CommitmentStatus.COMMITTED).update(status=CommitmentStatus.CANCELLED)
        locked.status = AidStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=audit_actions.REQUEST_CANCEL,
            target=locked,
            object_repr=request_repr(locked),
            body=locked.requesting_body_id,
        )
        _log(locked, _("%(request)s zurückgezogen") % {"request": request_repr(locked)}, actor)
    return locked


def committed_quantity(aid_request: AidRequest) -> int:
    total = aid_request.commitments.exclude(status=CommitmentStatus.CANCELLED).aggregate(n=Sum("quantity"))[
        "n"
    ]
    return int(total or 0)


def _roll_up(aid_request: AidRequest) -> str:
    """The request's status from its commitments (the caller holds the request's lock)."""
    if aid_request.status == AidStatus.CANCELLED:
        return aid_request.status
    rows = aid_request.commitments.exclude(status=CommitmentStatus.CANCELLED)
    committed = int(rows.aggregate(n=Sum("quantity"))["n"] or 0)
    delivered = int(
        rows.filter(status__in=(CommitmentStatus.OUT, CommitmentStatus.RETURNED)).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    if delivered >= aid_request.quantity:
        status = AidStatus.FULFILLED
    elif committed >= aid_request.quantity:
        status = AidStatus.COMMITTED
    elif committed > 0:
        status = AidStatus.PARTLY
    else:
        status = AidStatus.OPEN
    if status != aid_request.status:
        aid_request.status = status
        aid_request.save(update_fields=["status"])
    return status


# --- ranking ---------------------------------------------------------------------------------------


def _seconds(value: dt.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def as_offer(resource: Resource) -> ranking.Offer:
    return ranking.Offer(
        id=resource.pk,
        body_id=resource.owner_body_id,
        category=resource.category,
        symbol=resource.symbol,
        quantity=resource.quantity,
        latitude=resource.latitude,
        longitude=resource.longitude,
        available_from=_seconds(resource.available_from),
        available_until=_seconds(resource.available_until),
        hourly_rate=_float(resource.hourly_rate),
        daily_rate=_float(resource.daily_rate),
        unit_cost=_float(resource.unit_cost),
        consumable=resource.consumable,
    )


def as_need(aid_request: AidRequest, missing: int | None = None) -> ranking.Need:
    return ranking.Need(
        category=aid_request.category,
        symbol=aid_request.symbol,
        quantity=aid_request.quantity if missing is None else missing,
        latitude=aid_request.latitude,
        longitude=aid_request.longitude,
        starts=aid_request.needed_from.timestamp(),
        ends=aid_request.needed_until.timestamp(),
        body_id=aid_request.requesting_body_id,
    )


@dataclass(frozen=True)
class RankedOffer:
    resource: Resource
    ranked: ranking.Ranked
    explanation: str


def ranked_offers(who: Actor | Principal, aid_request: AidRequest, *, limit: int = 20) -> list[RankedOffer]:
    """The pool's offers for the request, best first, each with its reason."""
    _sees_pool(who)
    missing = aid_request.quantity - committed_quantity(aid_request)
    if missing <= 0:
        return []
    candidates = Resource.objects.filter(active=True, category=aid_request.category).exclude(
        owner_body_id=aid_request.requesting_body_id
    )
    if aid_request.symbol:
        candidates = candidates.filter(symbol=aid_request.symbol)
    candidates = candidates.filter(
        Q(available_from__isnull=True) | Q(available_from__lte=aid_request.needed_from),
        Q(available_until__isnull=True) | Q(available_until__gte=aid_request.needed_until),
    ).select_related("owner_body")
    resources = {r.pk: r for r in candidates}
    holds = [
        ranking.Hold(resource_id=rid, quantity=qty, starts=s.timestamp(), ends=e.timestamp())
        for rid, qty, s, e in Commitment.objects.filter(
            resource_id__in=list(resources),
            status__in=HOLDING,
            starts_at__lt=aid_request.needed_until,
            ends_at__gt=aid_request.needed_from,
        ).values_list("resource_id", "quantity", "starts_at", "ends_at")
    ]
    index = ranking.OfferIndex([as_offer(r) for r in resources.values()], holds)
    return [
        RankedOffer(resource=resources[r.offer_id], ranked=r, explanation=ranking.explain(r))
        for r in index.rank(as_need(aid_request, missing), limit=limit)
    ]


# --- commitments -----------------------------------------------------------------------------------


def commitment_repr(commitment: Commitment) -> str:
    return _("Zusage Nr. %(number)s zu Hilfeersuchen Nr. %(request)s") % {
        "number": commitment.pk,
        "request": commitment.request_id,
    }


def visible_commitments(who: Actor | Principal) -> QuerySet[Commitment]:
    """The commitments (empty for whoever does not work for a body)."""
    if not works_for_any_body(as_principal(who)):
        return Commitment.objects.none()
    return Commitment.objects.select_related(
        "request", "request__requesting_body", "resource", "resource__owner_body"
    )


def get_commitment(who: Actor | Principal, commitment_id: int) -> Commitment:
    commitment = visible_commitments(who).filter(pk=commitment_id).first()
    if commitment is None:
        raise NotFound()
    return commitment


def commit(*, actor: Actor, aid_request: AidRequest, resource: Resource, quantity: int) -> Commitment:
    """The lender commits ``quantity`` units of ``resource`` for the request's window. The resource's
    row is locked and its free units counted again inside the transaction: never more than is free."""
    authorize(
        actor,
        lambda p: acts_for_body(p, resource.owner_body_id),
        _("Nur wer für die verleihende Körperschaft arbeitet, sagt ihre Ressourcen zu."),
    )
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise Invalid(fields={"quantity": [_("Bitte mindestens eine Einheit zusagen.")]})
    with transaction.atomic():
        locked = (
            Resource.objects.select_for_update(of=("self",))
            .select_related("owner_body")
            .filter(pk=resource.pk)
            .first()
        )
        if locked is None:
            raise NotFound()
        request_row = (
            AidRequest.objects.select_for_update(of=("self",))
            .select_related("event", "requesting_body")
            .filter(pk=aid_request.pk)
            .first()
        )
        if request_row is None:
            raise NotFound()
        if request_row.status in (AidStatus.CANCELLED, AidStatus.FULFILLED):
            raise Conflict(_("Das Hilfeersuchen ist abgeschlossen."))
        problems: list[str] = []
        if not locked.active:
            problems.append(_("Die Ressource ist nicht im Pool."))
        if locked.owner_body_id == request_row.requesting_body_id:
            problems.append(_("Eine Körperschaft leiht sich nichts selbst."))
        if locked.category != request_row.category or (
            request_row.symbol and locked.symbol != request_row.symbol
        ):
            problems.append(_("Die Ressource passt nicht zur erbetenen Art."))
        if (locked.available_from and locked.available_from > request_row.needed_from) or (
            locked.available_until and locked.available_until < request_row.needed_until
        ):
            problems.append(_("Die Ressource ist nicht über den ganzen Zeitraum verfügbar."))
        if problems:
            raise Invalid(fields={"resource": problems})
        free = free_in_window(locked, request_row.needed_from, request_row.needed_until)
        if quantity > free:
            raise Conflict(
                _("Im Zeitraum sind nur noch %(free)s Einheiten frei.") % {"free": free},
                code="not_enough_free",
            )
        missing = request_row.quantity - committed_quantity(request_row)
        if quantity > missing:
            raise Invalid(
                fields={
                    "quantity": [
                        _("Es fehlen nur noch %(missing)s Einheiten.") % {"missing": max(0, missing)}
                    ]
                }
            )
        commitment = Commitment.objects.create(
            request=request_row,
            resource=locked,
            quantity=quantity,
            starts_at=request_row.needed_from,
            ends_at=request_row.needed_until,
            committed_by=_person(actor),
            committed_at=timezone.now(),
        )
        _roll_up(request_row)
        audit_record(
            actor=actor,
            action=audit_actions.COMMIT,
            target=commitment,
            object_repr=request_repr(request_row),
            changes={"Anzahl": quantity, "Ressource": resource_repr(locked)},
            body=locked.owner_body_id,
        )
        _log(
            request_row,
            _("%(body)s sagt %(quantity)s × %(name)s zu (%(request)s)")
            % {
                "body": locked.owner_body.name,
                "quantity": quantity,
                "name": locked.name,
                "request": request_repr(request_row),
            },
            actor,
        )
    return commitment


def _lock_commitment(commitment_id: int) -> tuple[Commitment, AidRequest]:
    row = Commitment.objects.filter(pk=commitment_id).values_list("resource_id", "request_id").first()
    if row is None:
        raise NotFound()
    Resource.objects.select_for_update(of=("self",)).filter(pk=row[0]).first()
    request_row = AidRequest.objects.select_for_update(of=("self",)).select_related("event").get(pk=row[1])
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("resource", "resource__owner_body")
        .get(pk=commitment_id)
    )
    return commitment, request_row


def _party(principal: Principal, commitment: Commitment) -> bool:
    return acts_for_body(principal, commitment.resource.owner_body_id) or acts_for_body(
        principal, commitment.request.requesting_body_id
    )


def _authorize_party(actor: Actor, commitment: Commitment) -> None:
    authorize(
        actor,
        lambda p: _party(p, commitment),
        _("Nur die verleihende und die anfragende Körperschaft tragen Übergabe und Rückgabe ein."),
    )


#: how long before the need starts a handover may lie (the lender may bring things the evening before)
HANDOVER_EARLIEST = dt.timedelta(days=1)


def _when(value: dt.datetime | None, name: str) -> dt.datetime:
    errors: dict[str, list[str]] = {}
    when = _aware(value, name, errors) or timezone.now()
    if errors:
        raise Invalid(fields=errors)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid(fields={name: [_("Der Zeitpunkt liegt in der Zukunft.")]})
    return when


def handover(
    *, actor: Actor, commitment: Commitment, at: dt.datetime | None = None, condition: str = ""
) -> Commitment:
    """The committed units are handed over (time, condition)."""
    _authorize_party(actor, commitment)
    when = _when(at, "handed_over_at")
    with transaction.atomic():
        locked, request_row = _lock_commitment(commitment.pk)
        if locked.status != CommitmentStatus.COMMITTED:
            raise Conflict(_("Nur eine zugesagte, noch nicht übergebene Hilfe kann übergeben werden."))
        if when < request_row.needed_from - HANDOVER_EARLIEST:
            raise Invalid(
                fields={
                    "handed_over_at": [
                        _("Die Übergabe liegt mehr als einen Tag vor dem Beginn des Bedarfs (%(start)s).")
                        % {"start": format_datetime(timezone.localtime(request_row.needed_from))}
                    ]
                }
            )
        locked.status = CommitmentStatus.OUT
        locked.handed_over_at = when
        locked.condition_out = (condition or "").strip()[:500]
        locked.save(update_fields=["status", "handed_over_at", "condition_out"])
        _roll_up(request_row)
        audit_record(
            actor=actor,
            action=audit_actions.HANDOVER,
            target=locked,
            object_repr=request_repr(request_row),
            body=locked.resource.owner_body_id,
        )
        _log(
            request_row,
            _("%(commitment)s übergeben: %(quantity)s × %(name)s")
            % {
                "commitment": commitment_repr(locked),
                "quantity": locked.quantity,
                "name": locked.resource.name,
            },
            actor,
        )
    return locked


def return_(
    *,
    actor: Actor,
    commitment: Commitment,
    at: dt.datetime | None = None,
    condition: str = "",
    quantity: int | None = None,
    hours: Decimal | str | None = None,
) -> Commitment:
    """The units come back (time, condition, how many; hours worked for people). Consumables may come
    back fewer or none: the rest was used up."""
    _authorize_party(actor, commitment)
    when = _when(at, "returned_at")
    errors: dict[str, list[str]] = {}
    worked: Decimal | None = None
    if hours not in (None, ""):
        try:
            worked = Decimal(str(hours))
        except ArithmeticError:
            worked = None
            errors["hours"] = [_("Keine gültige Stundenzahl.")]
        if worked is not None and (
            worked < 0 or worked > Decimal("99999999") or worked != worked.quantize(Decimal("0.01"))
        ):
            errors["hours"] = [_("Stunden ab 0 mit höchstens zwei Nachkommastellen.")]
    with transaction.atomic():
        locked, request_row = _lock_commitment(commitment.pk)
        if locked.status != CommitmentStatus.OUT:
            raise Conflict(_("Nur übergebene Hilfe kann zurückgegeben werden."))
        back = locked.quantity if quantity is None else quantity
        if not isinstance(back, int) or isinstance(back, bool) or not 0 <= back <= locked.quantity:
            errors["returned_quantity"] = [
                _("Zurück kommen 0 bis %(max)s Einheiten.") % {"max": locked.quantity}
            ]
        if locked.handed_over_at and when < locked.handed_over_at:
            errors["returned_at"] = [_("Die Rückgabe liegt vor der Übergabe.")]
        if errors:
            raise Invalid(fields=errors)
        locked.status = CommitmentStatus.RETURNED
        locked.returned_at = when
        locked.condition_back = (condition or "").strip()[:500]
        locked.returned_quantity = back
        locked.hours = worked
        locked.save(update_fields=["status", "returned_at", "condition_back", "returned_quantity", "hours"])
        _roll_up(request_row)
        audit_record(
            actor=actor,
            action=audit_actions.RETURN,
            target=locked,
            object_repr=request_repr(request_row),
            changes={"returned_quantity": back},
            body=locked.resource.owner_body_id,
        )
        _log(
            request_row,
            _("%(commitment)s zurück: %(back)s von %(quantity)s × %(name)s")
            % {
                "commitment": commitment_repr(locked),
                "back": back,
                "quantity": locked.quantity,
                "name": locked.resource.name,
            },
            actor,
        )
    return locked


def commitment_cancel(*, actor: Actor, commitment: Commitment) -> Commitment:
    """A commitment not yet handed over is cancelled (by the lender or the body in need)."""
    _authorize_party(actor, commitment)
    with transaction.atomic():
        locked, request_row = _lock_commitment(commitment.pk)
        if locked.status != CommitmentStatus.COMMITTED:
            raise Conflict(_("Nur eine noch nicht übergebene Zusage kann storniert werden."))
        locked.status = CommitmentStatus.CANCELLED
        locked.save(update_fields=["status"])
        _roll_up(request_row)
        audit_record(
            actor=actor,
            action=audit_actions.COMMIT_CANCEL,
            target=locked,
            object_repr=request_repr(request_row),
            body=locked.resource.owner_body_id,
        )
        _log(request_row, _("%(commitment)s storniert") % {"commitment": commitment_repr(locked)}, actor)
    return locked
