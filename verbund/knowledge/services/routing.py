"""Routing a citizen's free-text request with the pure engine (:mod:`verbund.knowledge.routing`) over
the catalogue in the database.

* **The router** is built from the active services (name, LeiKa key, keywords, description and the
  Beratungsstelle's synonyms) and the staff corrections (:class:`~verbund.knowledge.models.
  RouteCorrection`), once per process. Each request reads a cheap version stamp (count and latest
  change of the active services and catalogues, count and latest id of the corrections; two
  aggregate queries) and reuses the router while the stamp is unchanged. New corrections alone are
  learned into a copy of the router (no rebuild of the indexes); any other change rebuilds it once
  (one thread builds, the others wait for it). No request builds a router that is current.
* **Corrections** work twice: the engine learns them by similarity (similar wordings profit), and an
  exact memory puts the corrected service first, with confidence 1, for the same wording (case,
  accents and punctuation aside), whatever the engine's weights.
* **The decision** (``auto`` / ``suggest`` / ``human``) compares the router's confidence with the
  thresholds ``KNOWLEDGE_ROUTE_AUTO`` and ``KNOWLEDGE_ROUTE_SUGGEST``, read at each request; a request
  with no result goes to a person whatever the thresholds.
* **Who is responsible** for each service, for the citizen's municipality (ARS), comes from
  :func:`verbund.knowledge.services.responsibility.responsible`.
* **A correction** (:func:`correct`) by staff is stored and audited, and queues
  ``knowledge.retrain_router`` once the transaction commits: the worker rebuilds the router and
  measures it on the judge set of unseen requests (:func:`evaluate`), which the algorithm register shows.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.accounts.models import User
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body, Kind

from .. import audit_actions
from ..models import Catalogue, RouteCorrection, RouterEvaluation, Service
from ..policies import corrects_routes, reads_all_corrections
from ..routing import AUTO, HUMAN, SUGGEST, Correction, Hit, Router, Routing, Thresholds
from ..routing import Catalogue as EngineCatalogue
from ..routing.evaluate import (
    BUILTIN_EXAMPLES,
    BUILTIN_KEYS,
    JUDGE,
    DataError,
    accuracy,
    load_examples,
    load_keys,
    load_requests,
)
from ..routing.text import words
from .responsibility import Responsibility, responsible

logger = logging.getLogger(__name__)

#: The longest request text routed or stored (characters).
MAX_TEXT = 500
#: How many services a request returns.
TOP = 5
#: The labelled requests the router is measured on (request<TAB>service name of the Munich catalogue):
#: the judge set, which nobody read or tuned on, so the register shows the figure for unseen requests.
EVALUATION_SET: Path = JUDGE
DECISIONS = (AUTO, SUGGEST, HUMAN)


# --- thresholds -----------------------------------------------------------------------------------


def thresholds() -> Thresholds:
    """The thresholds of the settings (``KNOWLEDGE_ROUTE_AUTO``, ``KNOWLEDGE_ROUTE_SUGGEST``)."""
    auto = float(getattr(settings, "KNOWLEDGE_ROUTE_AUTO", 0.8))
    suggest = float(getattr(settings, "KNOWLEDGE_ROUTE_SUGGEST", 0.4))
    try:
        return Thresholds(auto=auto, suggest=suggest)
    except ValueError:
        raise ImproperlyConfigured(
            f"KNOWLEDGE_ROUTE_AUTO={auto} and KNOWLEDGE_ROUTE_SUGGEST={suggest}: "
            "0 ≤ suggest ≤ auto ≤ 1 expected."
        ) from None


def responsible_office() -> str:
    """Who answers for the routing (the algorithm register)."""
    return str(getattr(settings, "KNOWLEDGE_ROUTE_RESPONSIBLE", "")) or _(
        "Transfer- und Beratungsstelle der ADD"
    )


# --- building and caching the router ----------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What the router was built from: (count, latest change, latest id) of the active services, the
    latest catalogue import, and (count, latest id) of the corrections."""

    services: tuple[Any, ...]
    corrections_count: int
    corrections_last: int


def stamp() -> Stamp:
    services = Service.objects.filter(active=True).aggregate(
        n=Count("id"), changed=Max("updated_at"), last=Max("id"), imported=Max("catalogue__imported_at")
    )
    corrections = RouteCorrection.objects.filter(service__active=True).aggregate(
        n=Count("id"), last=Max("id")
    )
    return Stamp(
        services=(services["n"], services["changed"], services["last"], services["imported"]),
        corrections_count=int(corrections["n"] or 0),
        corrections_last=int(corrections["last"] or 0),
    )


def _record(service: Service) -> dict[str, Any]:
    return {
        "id": service.external_id,
        "name": service.name,
        "leika": ",".join(str(k) for k in service.leika or []),
        "keywords": list(service.keywords or []),
        "description": service.description,
        "synonyms": list(service.synonyms or []),
    }


def engine_catalogue() -> EngineCatalogue:
    """The active services as the engine sees them (ordered by id, so builds are reproducible)."""
    fields = ("external_id", "name", "leika", "keywords", "description", "synonyms")
    return EngineCatalogue.from_records(
        _record(s) for s in Service.objects.filter(active=True).only(*fields).order_by("pk")
    )


def _corrections(after: int = 0) -> list[Correction]:
    rows = (
        RouteCorrection.objects.filter(pk__gt=after, service__active=True)
        .order_by("pk")
        .values_list("text", "service__external_id")
    )
    return [Correction(text, service_id) for text, service_id in rows]


def example_files() -> tuple[Path, ...]:
    """The files of ``KNOWLEDGE_ROUTE_EXAMPLES``: ``builtin`` (Verbund's example requests for the
    Munich catalogue), comma-separated paths, or nothing."""
    value = str(getattr(settings, "KNOWLEDGE_ROUTE_EXAMPLES", "builtin")).strip()
    if not value:
        return ()
    files: list[Path] = []
    for part in value.split(","):
        part = part.strip()
        if part == "builtin":
            files.extend(BUILTIN_EXAMPLES)
        elif part:
            files.append(Path(part))
    return tuple(files)


def example_keys() -> dict[str, str]:
    """The LeiKa keys of the services the built-in examples name (when they are used), so that a
    catalogue other than Munich's gets the examples of the services with the same key."""
    return load_keys(BUILTIN_KEYS) if BUILTIN_EXAMPLES[0] in example_files() else {}


def example_problem() -> str | None:
    """What is wrong with the files of ``KNOWLEDGE_ROUTE_EXAMPLES`` (a missing file, a malformed line),
    or ``None``; the system check ``knowledge.E001`` reports it at start."""
    try:
        load_examples(example_files(), EngineCatalogue([]), example_keys())
    except (OSError, DataError) as exc:
        return f"KNOWLEDGE_ROUTE_EXAMPLES: {exc}"
    return None


def examples(catalogue: EngineCatalogue) -> list[Correction]:
    """The example requests of :func:`example_files` for the services the catalogue has. A file that
    cannot be read is logged as an error and routing goes on without examples (the system check
    names it at start)."""
    files = example_files()
    try:
        found, missing = load_examples(files, catalogue, example_keys())
    except (OSError, DataError) as exc:
        logger.error("KNOWLEDGE_ROUTE_EXAMPLES: %s; routing without example requests", exc)
        return []
    if missing:
        total = missing + len(found)
        logger.info("Routing examples: %d of %d name a service the catalogue lacks", missing, total)
    return [Correction(e.text, e.service_id) for e in found]


def build_router() -> Router:
    """A new router over the active services, the example requests and all corrections (about
    a second for the Munich catalogue's 287 services with the built-in examples)."""
    catalogue = engine_catalogue()
    return Router(
        catalogue, corrections=_corrections(), thresholds=thresholds(), examples=examples(catalogue)
    )


def _key(text: str) -> str:
    """A request's wording without case, accents and punctuation (the key of the exact memory)."""
    return " ".join(words(text))


def memory_of(router_: Router) -> dict[str, str]:
    """The exact memory of the corrections: wording → the service of its latest correction."""
    return {_key(c.text): c.service_id for c in router_.corrections}


def remembered(routing: Routing, memory: dict[str, str], text: str, k: int = TOP) -> Routing:
    """``routing`` with the service staff chose for exactly this wording first (confidence 1): the
    engine learns from corrections by similarity, and this guarantees that the same wording routes
    to the corrected service whatever the engine's weights."""
    service_id = memory.get(_key(text))
    if service_id is None:
        return routing
    top = max((hit.score for hit in routing.items), default=0.0)
    others = tuple(hit for hit in routing.items if hit.service_id != service_id)
    return Routing((Hit(service_id, top), *others)[:k], AUTO, 1.0)


@dataclass
class _Built:
    stamp: Stamp
    router: Router
    memory: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.memory = memory_of(self.router)


_lock = threading.Lock()
_built: _Built | None = None


def _learned(built: _Built, current: Stamp) -> Router | None:
    """The router of ``built`` plus the corrections added since, when only corrections were added."""
    old = built.stamp
    if current.services != old.services or current.corrections_last <= old.corrections_last:
        return None
    added = _corrections(after=old.corrections_last)
    if current.corrections_count != old.corrections_count + len(added):
        return None  # some were deleted too: rebuild
    router = copy.copy(built.router)  # the indexes are shared; the learned part is the copy's own
    router.corrections = list(built.router.corrections)
    router.learn(added)
    return router


def _current() -> _Built:
    global _built
    current = stamp()
    built = _built
    if built is not None and built.stamp == current:
        return built
    with _lock:
        built = _built
        if built is not None and built.stamp == current:
            return built
        fresh = _learned(built, current) if built is not None else None
        if fresh is None:
            fresh = build_router()
        _built = _Built(current, fresh)
        return _built


def router() -> Router:
    """The router of the current catalogue and corrections (built once per process and change)."""
    return _current().router


def reset() -> None:
    """Forget the router of this process (the next request builds it)."""
    global _built
    with _lock:
        _built = None


def rebuild() -> Router:
    """Build the router anew for this process (after corrections; the retraining task)."""
    global _built
    with _lock:
        current = stamp()
        fresh = build_router()
        _built = _Built(current, fresh)
        return fresh


# --- routing a request ------------------------------------------------------------------------------


@dataclass
class RoutedService:
    service: Service
    score: float
    #: who answers the citizen; ``None`` without a municipality
    responsibility: Responsibility | None = None

    @property
    def office(self) -> Body | None:
        return self.responsibility.body if self.responsibility is not None else None


@dataclass
class Route:
    text: str
    decision: str
    confidence: float
    items: list[RoutedService] = field(default_factory=list)
    municipality: Body | None = None

    @property
    def best(self) -> RoutedService | None:
        return self.items[0] if self.items else None


def clean_text(text: Any, *, field_name: str = "q") -> str:
    """The request text, stripped; refuses an empty or too long text naming ``field_name``."""
    value = " ".join(str(text or "").split())
    if not value:
        raise Invalid(fields={field_name: [_("Bitte beschreiben Sie Ihr Anliegen.")]})
    if len(value) > MAX_TEXT:
        raise Invalid(fields={field_name: [_("Höchstens %(limit)s Zeichen erlaubt.") % {"limit": MAX_TEXT}]})
    return value


def municipality(ars: str, *, field_name: str = "ars") -> Body:
    """The body with the 12-digit ``ars``; a malformed or unknown key is refused naming the field."""
    ars = (ars or "").strip()
    if not ars.isdigit() or len(ars) != 12:
        raise Invalid(fields={field_name: [_("Der Regionalschlüssel hat 12 Ziffern.")]})
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Invalid(fields={field_name: [_("Keine Gemeinde mit diesem Regionalschlüssel.")]})
    return body


#: Kinds of bodies that run an administration citizens go to (not an Ortsgemeinde).
ADMINISTRATION_KINDS = frozenset(
    {
        Kind.KREISFREIE_STADT,
        Kind.VERBANDSGEMEINDE,
        Kind.VERBANDSFREIE_GEMEINDE,
        Kind.AMT,
        Kind.SAMTGEMEINDE,
        Kind.VERWALTUNGSGEMEINSCHAFT,
        Kind.VERWALTUNGSVERBAND,
        Kind.VG_TRAEGERMODELL,
        Kind.ERFUELLENDE_GEMEINDE,
        Kind.LANDKREIS,
        Kind.KREIS,
    }
)


def administration_of(body: Body) -> Body:
    """The administration citizens of ``body`` go to when no service fits (the body itself, its
    Verbandsgemeinde …)."""
    for candidate in [body, *body.ancestors()]:
        if candidate.kind in ADMINISTRATION_KINDS:
            return candidate
    return body


def route(text: Any, ars: str = "", *, k: int = TOP, on: dt.date | None = None) -> Route:
    """The ``k`` best services for the request ``text`` (best first), the decision, and for a
    municipality ``ars`` who answers for each service. Public: no actor."""
    value = clean_text(text)
    place = municipality(ars) if ars else None
    built = _current()
    routing = remembered(built.router.route(value, k=k), built.memory, value, k)
    decision = HUMAN if not routing.items else thresholds().decide(routing.confidence)
    ids = [hit.service_id for hit in routing.items]
    services = {
        s.external_id: s
        for s in Service.objects.filter(external_id__in=ids, active=True).select_related("task")
    }
    items = []
    for hit in routing.items:
        service = services.get(hit.service_id)
        if service is None:  # deactivated a moment ago (the next request rebuilds the router)
            continue
        items.append(
            RoutedService(
                service=service,
                score=hit.score,
                responsibility=responsible(service, place.ars, on=on) if place is not None else None,
            )
        )
    if not items:
        decision = HUMAN
    return Route(value, decision, routing.confidence, items, place)


# --- corrections -------------------------------------------------------------------------------------


def active_services() -> Sequence[Service]:
    """The services staff may choose as the right one."""
    return list(Service.objects.filter(active=True).only("pk", "external_id", "name").order_by("name", "pk"))


def correct(
    *, actor: Actor, text: str, service_id: str, ars: str = "", routed_id: str = ""
) -> RouteCorrection:
    """Store that ``text`` belongs to the service ``service_id`` (its catalogue id; the router had
    proposed ``routed_id``); audited. The router learns it in every process with the next request;
    the retraining task (queued on commit) measures the new router."""
    authorize(
        actor,
        corrects_routes,
        _("Zuordnungen korrigieren Mitarbeitende einer Körperschaft und die Beratungsstelle."),
    )
    value = clean_text(text, field_name="text")
    service = Service.objects.filter(external_id=str(service_id or ""), active=True).first()
    if service is None:
        raise Invalid(fields={"service": [_("Bitte eine Leistung aus dem Katalog wählen.")]})
    place = municipality(ars) if ars else None
    routed = Service.objects.filter(external_id=str(routed_id)).first() if routed_id else None
    with transaction.atomic():
        correction = RouteCorrection.objects.create(
            text=value,
            ars=place.ars if place is not None else "",
            routed=routed,
            service=service,
            created_by=actor if isinstance(actor, User) else None,
        )
        changes: dict[str, Any] = {"Richtige Leistung": service.name}
        if routed is not None:
            changes["Vorgeschlagen"] = routed.name
        if place is not None:
            changes["Gemeinde"] = place.name
        # the request text stays in the correction only (it can be deleted there), not in the log
        audit_record(
            actor=actor,
            action=audit_actions.ROUTE_CORRECT,
            target=correction,
            object_repr=_("Korrektur Nr. %(number)s") % {"number": correction.pk},
            changes=changes,
        )
        enqueue_retrain()
    return correction


def corrections_of(principal: Principal) -> QuerySet[RouteCorrection]:
    """The corrections ``principal`` sees: all for the Beratungsstelle and the operator, else their own."""
    rows = RouteCorrection.objects.select_related("service", "routed", "created_by")
    if reads_all_corrections(principal):
        return rows
    if not principal.is_person or principal.user_id is None:
        return rows.none()
    return rows.filter(created_by_id=principal.user_id)


def delete_correction(*, actor: Actor, correction_id: int) -> None:
    """Delete a correction (e.g. a text with personal data); audited. The router forgets it with the
    next request (rebuilt) and the retraining task measures it anew."""
    principal = authorize(actor)
    with transaction.atomic():
        correction = (
            corrections_of(principal).select_for_update(of=("self",)).filter(pk=correction_id).first()
        )
        if correction is None:
            raise NotFound()
        audit_record(
            actor=actor,
            action=audit_actions.ROUTE_CORRECTION_DELETE,
            target=correction,
            object_repr=_("Korrektur Nr. %(number)s") % {"number": correction.pk},
            changes={"Richtige Leistung": correction.service.name},
        )
        correction.delete()
        enqueue_retrain()


def enqueue_retrain() -> None:
    """Queue ``knowledge.retrain_router`` once the current transaction commits."""

    def send() -> None:
        from ..tasks import retrain_router

        retrain_router.delay()

    transaction.on_commit(send, robust=True)


# --- measuring ----------------------------------------------------------------------------------------


def evaluate(router_: Router | None = None, *, path: Path | None = None) -> RouterEvaluation | None:
    """Measure the router on the labelled requests of ``path`` (default :data:`EVALUATION_SET`),
    mapped to the catalogue in the database by service name, and record the result. ``None`` (and
    nothing recorded) when the catalogue lacks a service of the set (another catalogue than
    Munich's is loaded) or has no services."""
    path = path or EVALUATION_SET
    router_ = router_ or router()
    catalogue = router_.catalogue
    if not len(catalogue):
        return None
    try:
        examples = load_requests(path, catalogue)
    except (DataError, OSError) as exc:
        logger.info("Routing not measured on %s: %s", path.name, exc)
        return None
    if not examples:
        return None
    memory = memory_of(router_)
    routings = [remembered(router_.route(e.text), memory, e.text) for e in examples]
    ranked = [[hit.service_id for hit in r.items] for r in routings]
    limits = thresholds()
    decisions = [HUMAN if not r.items else limits.decide(r.confidence) for r in routings]
    auto = [i for i, d in enumerate(decisions) if d == AUTO]
    auto_right = sum(1 for i in auto if ranked[i][:1] == [examples[i].service_id])
    details = {
        "top5": round(accuracy(ranked, examples, 5), 4),
        "services": len(catalogue),
        "corrections": len(router_.corrections),
        "examples": len(router_.examples),
        "thresholds": {"auto": limits.auto, "suggest": limits.suggest},
        "decisions": {d: decisions.count(d) for d in DECISIONS},
        "auto_right": round(auto_right / len(auto), 4) if auto else None,
        "file": path.name,
    }
    return RouterEvaluation.objects.create(
        measured_at=timezone.now(),
        dataset=_("Zurückgehaltene Anliegen (%(file)s)") % {"file": path.name},
        requests=len(examples),
        top1=round(accuracy(ranked, examples, 1), 4),
        top3=round(accuracy(ranked, examples, 3), 4),
        details=details,
    )


def retrain() -> RouterEvaluation | None:
    """Rebuild the router of this process and measure it (the task ``knowledge.retrain_router``)."""
    return evaluate(rebuild())


# --- the algorithm register ------------------------------------------------------------------------------


def register_facts() -> dict[str, Any]:
    """What the algorithm register shows about the data and the measurements."""
    return {
        "services": Service.objects.filter(active=True).count(),
        "catalogues": list(Catalogue.objects.filter(services__active=True).distinct().order_by("name")),
        "synonyms": sum(
            len(s or []) for s in Service.objects.filter(active=True).values_list("synonyms", flat=True)
        ),
        "corrections": RouteCorrection.objects.count(),
        "examples": len(router().examples),
        "evaluations": list(RouterEvaluation.objects.all()[:5]),
        "thresholds": thresholds(),
        "responsible": responsible_office(),
        "max_text": MAX_TEXT,
        "top": TOP,
    }
