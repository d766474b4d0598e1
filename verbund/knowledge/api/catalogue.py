"""``/api/v1/knowledge``: the service catalogue, who is responsible, the holder rules, the import.

* ``GET /services`` (``q``, ``catalogue``, ``inactive``; paginated) and ``GET /services/{service_id}``
  — the id is the catalogue's own id of the service. Public.
* ``GET /responsible?service=…&ars=…&on=YYYY-MM-DD`` — who answers a citizen of the municipality
  ``ars`` for the service on the day (default today): the responsible body and, when an alliance's
  shared service moved it there, ``via``; the holder by law, the rule, the reason in words, whether
  the rule is verified and the office's contact. Public. An unknown service or municipality is a 422
  naming ``service`` or ``ars``.
* ``GET /holder-rules`` (``state``; paginated) and ``GET /holder-rules/{rule_id}`` — public;
  ``POST``/``PUT``/``DELETE`` for the Beratungsstelle and the operator (403 for others, 401 without
  login).
* ``POST /catalogues/import`` (multipart: ``file`` in JSON lines, ``name``, ``slug``, ``source``,
  ``licence``) — for the same editors; a bad line is a 422 naming file, line and field, and nothing
  is stored.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, named_refusal
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Forbidden, ImportFileError, Invalid, NotFound
from verbund.registry.labels import state_name

from ..models import HolderRule, Service
from ..policies import edits_catalogue
from ..services import catalogue as catalogue_svc
from ..services import rules as svc
from ..services.responsibility import Responsibility, names_alliance, responsible

router = Router()
_READ_ERRORS: dict[int, Any] = {404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_UPLOAD = 50 * 1024 * 1024

KnowledgeHolderKind = enum.StrEnum(  # type: ignore[misc]
    "KnowledgeHolderKind", [(value.upper(), value) for value, _label in svc.kind_choices()]
)
KnowledgeHolderKind.__doc__ = "Art der Körperschaft (Arten des Registers und grosse_kreisangehoerige_stadt)"


# --- schemas ---------------------------------------------------------------------------------------


class KnowledgeCatalogueRef(Schema):
    slug: str
    name: str


class KnowledgeService(Schema):
    id: str = Field(description="Kennung der Leistung im Katalog")
    name: str
    leika: list[str] = Field(description="LeiKa-Schlüssel (je 14 Ziffern)")
    keywords: list[str]
    synonyms: list[str] = Field(description="Wörter der Bürgerinnen und Bürger (von der Beratungsstelle)")
    catalogue: KnowledgeCatalogueRef
    active: bool


class KnowledgeTaskRef(Schema):
    slug: str
    name: str


class KnowledgeServiceDetail(KnowledgeService):
    description: str
    url: str
    task: KnowledgeTaskRef | None = Field(
        description="Aufgabe der geteilten Dienste; ein geteilter Dienst dafür verlegt die Zuständigkeit"
    )
    updated_at: dt.datetime


class KnowledgeServiceFilter(Schema):
    q: str | None = Field(None, max_length=200, description="Bezeichnung, Schlagwort oder Synonym enthält …")
    catalogue: str | None = Field(None, max_length=50, description="Kennung des Katalogs")
    inactive: bool = Field(False, description="auch Leistungen, die nicht mehr im Katalog sind")


class KnowledgeServiceRef(Schema):
    id: str = Field(description="Kennung der Leistung im Katalog")
    name: str
    leika: list[str]


class KnowledgeBodyRef(Schema):
    ars: str = Field(description="Regionalschlüssel, 12 Ziffern")
    name: str
    kind: str = Field(description="Art der Körperschaft (Register)")


class KnowledgeAllianceRef(Schema):
    slug: str
    name: str


class KnowledgeSharedServiceRef(Schema):
    id: int
    name: str


class KnowledgeAgreementRef(Schema):
    title: str
    signed_on: dt.date | None


class KnowledgeVia(Schema):
    alliance: KnowledgeAllianceRef | None = Field(
        description="leer, wenn der Verbund nicht veröffentlicht ist"
    )
    shared_service: KnowledgeSharedServiceRef | None
    agreement: KnowledgeAgreementRef | None = Field(description="die Rechtsgrundlage (Zweckvereinbarung)")
    since: dt.date = Field(description="seit wann der Anbieter für den Träger handelt")


class KnowledgeResponsible(Schema):
    ars: str
    name: str
    via: KnowledgeVia | None = Field(
        description="der geteilte Dienst eines Verbunds, der die Zuständigkeit verlegt (sonst null)"
    )


class KnowledgeRuleRef(Schema):
    id: int
    label: str
    source: str
    verified: bool


class KnowledgeContact(Schema):
    office: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    hours: str = ""


class KnowledgeResponsibilityOut(Schema):
    service: KnowledgeServiceRef
    municipality: KnowledgeBodyRef
    responsible: KnowledgeResponsible | None = Field(description="wer antwortet; null: unbekannt")
    holder: KnowledgeBodyRef | None = Field(description="wer die Leistung im Land von Rechts wegen trägt")
    rule: KnowledgeRuleRef | None = Field(description="die Zuständigkeitsregel des Landes")
    reason: str = Field(description="die Begründung in Worten")
    verified: bool = Field(description="die Zuständigkeitsregel ist an der Rechtsgrundlage geprüft")
    contact: KnowledgeContact | None = Field(description="Kontakt der Dienststelle; null: nicht hinterlegt")


class KnowledgeResponsibilityQuery(Schema):
    service: str = Field(min_length=1, max_length=64, description="Kennung der Leistung im Katalog")
    ars: str = Field(pattern=r"^[0-9]{12}$", description="Regionalschlüssel der Gemeinde")
    on: dt.date | None = Field(None, description="Stichtag (JJJJ-MM-TT; leer: heute)")


class KnowledgeHolderRuleOut(Schema):
    id: int
    state: str = Field(description="Land, 2 Ziffern (07 = Rheinland-Pfalz)")
    state_name: str
    leika_prefix: str = Field(description="LeiKa-Präfix (leer bei einer Regel für eine Leistung)")
    service: KnowledgeServiceRef | None = Field(description="die Leistung einer Regel für eine Leistung")
    kinds: list[str] = Field(description="zuständige Arten von Körperschaften")
    kind_labels: list[str]
    label: str
    verified: bool
    source: str
    updated_at: dt.datetime


class KnowledgeHolderRuleIn(Schema):
    state: str = Field(pattern=r"^[0-9]{2}$", description="Land, 2 Ziffern")
    leika_prefix: str = Field(
        "", max_length=14, description="LeiKa-Präfix: 99 und 1 bis 12 Ziffern (leer, wenn `service`)"
    )
    service: str | None = Field(
        None, max_length=64, description="Kennung einer Leistung (statt eines Präfixes)"
    )
    kinds: list[KnowledgeHolderKind] = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1, max_length=200)
    verified: bool = False
    source: str = Field("", max_length=300, description="Rechtsgrundlage / Quelle (Pflicht, wenn geprüft)")


class KnowledgeHolderRuleFilter(Schema):
    state: str | None = Field(None, pattern=r"^[0-9]{2}$", description="Land, 2 Ziffern")


class KnowledgeImportIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="Bezeichnung des Katalogs")
    slug: str = Field(
        "",
        max_length=50,
        pattern=r"^[-a-z0-9_]*$",
        description="Kennung des Katalogs (leer: aus der Bezeichnung)",
    )
    source: str = Field("", max_length=500, description="Quelle")
    licence: str = Field("", max_length=100, description="Lizenz")


class KnowledgeImportOut(Schema):
    catalogue: KnowledgeCatalogueRef
    created: int
    updated: int
    unchanged: int
    deactivated: int


# --- conversion ------------------------------------------------------------------------------------


def _service_ref(service: Service) -> dict[str, Any]:
    return {"id": service.external_id, "name": service.name, "leika": list(service.leika or [])}


def _service(service: Service) -> dict[str, Any]:
    return {
        **_service_ref(service),
        "keywords": list(service.keywords or []),
        "synonyms": list(service.synonyms or []),
        "catalogue": {"slug": service.catalogue.slug, "name": service.catalogue.name},
        "active": service.active,
    }


def _body_ref(body: Any) -> dict[str, Any] | None:
    return None if body is None else {"ars": body.ars, "name": body.name, "kind": body.kind}


def _via(result: Responsibility) -> dict[str, Any] | None:
    recipient = result.via
    if recipient is None:
        return None
    shared = recipient.service
    basis = shared.legal_basis
    since = max(recipient.from_date, shared.start_date)
    if not names_alliance(recipient):  # an unpublished alliance: only the provider is named (responsible)
        return {"alliance": None, "shared_service": None, "agreement": None, "since": since}
    return {
        "alliance": {"slug": shared.alliance.slug, "name": shared.alliance.name},
        "shared_service": {"id": shared.pk, "name": shared.name},
        "agreement": None if basis is None else {"title": basis.title, "signed_on": basis.signed_on},
        "since": since,
    }


def responsibility_out(result: Responsibility) -> dict[str, Any]:
    """The answer of ``GET /responsible`` (also for other endpoints that name who is responsible)."""
    rule = result.rule
    return {
        "service": _service_ref(result.service),
        "municipality": _body_ref(result.municipality),
        "responsible": None
        if result.body is None
        else {"ars": result.body.ars, "name": result.body.name, "via": _via(result)},
        "holder": _body_ref(result.holder),
        "rule": None
        if rule is None
        else {"id": rule.pk, "label": rule.label, "source": rule.source, "verified": rule.verified},
        "reason": result.reason,
        "verified": result.verified,
        "contact": result.contact or None,
    }


def _rule_out(rule: HolderRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "state": rule.state,
        "state_name": state_name(rule.state),
        "leika_prefix": rule.leika_prefix,
        "service": _service_ref(rule.service) if rule.service is not None else None,
        "kinds": list(rule.kinds),
        "kind_labels": svc.kind_labels(rule.kinds),
        "label": rule.label,
        "verified": rule.verified,
        "source": rule.source,
        "updated_at": rule.updated_at,
    }


def _get_service(service_id: str) -> Service:
    service = Service.objects.select_related("catalogue", "task").filter(external_id=service_id).first()
    if service is None:
        raise NotFound()
    return service


def _get_rule(rule_id: int) -> HolderRule:
    rule = HolderRule.objects.select_related("service").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    return rule


def _rule_values(data: KnowledgeHolderRuleIn) -> dict[str, Any]:
    service = None
    if data.service:
        service = Service.objects.filter(external_id=data.service).first()
        if service is None:
            raise Invalid(
                _("service: Keine Leistung mit dieser Kennung im Katalog."),
                fields={"service": [_("Keine Leistung mit dieser Kennung im Katalog.")]},
            )
    values = data.dict()
    values["kinds"] = [str(k) for k in data.kinds]
    values["service"] = service
    return values


# --- services --------------------------------------------------------------------------------------


@router.get(
    "/services",
    response={200: Page[KnowledgeService], **_READ_ERRORS},
    url_name="knowledge_services",
    summary="Leistungen",
)
def list_services(
    request: HttpRequest, filters: Query[KnowledgeServiceFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Leistungen der Kataloge, nach Bezeichnung (öffentlich)."""
    services = svc.search_services(
        q=filters.q or "", catalogue=filters.catalogue or "", include_inactive=filters.inactive
    )
    return paginate_api(services, page, convert=_service)


@router.get(
    "/services/{service_id}",
    response={200: KnowledgeServiceDetail, **_READ_ERRORS},
    url_name="knowledge_service",
    summary="Leistung",
)
def get_service(request: HttpRequest, service_id: str) -> dict[str, Any]:
    """Eine Leistung mit ihrer Kennung im Katalog (öffentlich)."""
    service = _get_service(service_id[:64])
    task = service.task
    return {
        **_service(service),
        "description": service.description,
        "url": service.url,
        "task": None if task is None else {"slug": task.slug, "name": task.name},
        "updated_at": service.updated_at,
    }


@router.get(
    "/responsible",
    response={200: KnowledgeResponsibilityOut, **_READ_ERRORS},
    url_name="knowledge_responsible",
    summary="Wer ist zuständig?",
)
def get_responsible(request: HttpRequest, query: Query[KnowledgeResponsibilityQuery]) -> dict[str, Any]:
    """Wer einer Bürgerin oder einem Bürger der Gemeinde `ars` für die Leistung antwortet: die
    Körperschaft nach der Zuständigkeitsregel des Landes, verlegt durch einen geteilten Dienst eines
    Verbunds an seinen Anbieter (öffentlich)."""
    service = Service.objects.select_related("catalogue").filter(external_id=query.service).first()
    if service is None:
        raise Invalid(
            _("service: Keine Leistung mit dieser Kennung."),
            fields={"service": [_("Keine Leistung mit dieser Kennung.")]},
        )
    try:
        result = responsible(service, query.ars, on=query.on)
    except NotFound:
        raise Invalid(
            _("ars: Keine Gemeinde mit diesem Regionalschlüssel."),
            fields={"ars": [_("Keine Gemeinde mit diesem Regionalschlüssel.")]},
        ) from None
    return responsibility_out(result)


# --- holder rules ----------------------------------------------------------------------------------


@router.get(
    "/holder-rules",
    response={200: Page[KnowledgeHolderRuleOut], **_READ_ERRORS},
    url_name="knowledge_holder_rules",
    summary="Zuständigkeitsregeln",
)
def list_holder_rules(
    request: HttpRequest, filters: Query[KnowledgeHolderRuleFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Welche Arten von Körperschaften eine Leistung in einem Land tragen (öffentlich)."""
    rules = HolderRule.objects.select_related("service")
    if filters.state:
        rules = rules.filter(state=filters.state)
    return paginate_api(rules.order_by("state", "leika_prefix", "id"), page, convert=_rule_out)


@router.get(
    "/holder-rules/{rule_id}",
    response={200: KnowledgeHolderRuleOut, **_READ_ERRORS},
    url_name="knowledge_holder_rule",
    summary="Zuständigkeitsregel",
)
def get_holder_rule(request: HttpRequest, rule_id: ObjectId) -> dict[str, Any]:
    return _rule_out(_get_rule(rule_id))


@router.post(
    "/holder-rules",
    response={201: KnowledgeHolderRuleOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="knowledge_holder_rule_create",
    summary="Zuständigkeitsregel anlegen",
)
def create_holder_rule(request: HttpRequest, data: KnowledgeHolderRuleIn) -> HttpStatus:
    """Eine neue Regel (Beratungsstelle, Plattformbetrieb). Eine geprüfte Regel nennt ihre Quelle."""
    user = api_user(request)
    try:
        rule = svc.holder_rule_create(actor=user, values=_rule_values(data))
    except Invalid as exc:
        raise named_refusal(exc) from None
    return HttpStatus(201, _rule_out(rule))


@router.put(
    "/holder-rules/{rule_id}",
    response={200: KnowledgeHolderRuleOut, **_WRITE_ERRORS},
    url_name="knowledge_holder_rule_update",
    summary="Zuständigkeitsregel ändern",
)
def update_holder_rule(
    request: HttpRequest, rule_id: ObjectId, data: KnowledgeHolderRuleIn
) -> dict[str, Any]:
    """Die Regel ganz ersetzen (Beratungsstelle, Plattformbetrieb)."""
    user = api_user(request)
    rule = _get_rule(rule_id)
    if not edits_catalogue(api_person(request)):
        raise Forbidden(_("Nur die Beratungsstelle und der Plattformbetrieb pflegen den Leistungskatalog."))
    try:
        rule = svc.holder_rule_update(actor=user, rule=rule, values=_rule_values(data))
    except Invalid as exc:
        raise named_refusal(exc) from None
    return _rule_out(rule)


@router.delete(
    "/holder-rules/{rule_id}",
    response={204: None, **_WRITE_ERRORS},
    url_name="knowledge_holder_rule_delete",
    summary="Zuständigkeitsregel löschen",
)
def delete_holder_rule(request: HttpRequest, rule_id: ObjectId) -> HttpStatus:
    user = api_user(request)
    rule = _get_rule(rule_id)
    svc.holder_rule_delete(actor=user, rule=rule)
    return HttpStatus(204, None)


# --- import ----------------------------------------------------------------------------------------


@router.post(
    "/catalogues/import",
    response={201: KnowledgeImportOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="knowledge_catalogue_import",
    summary="Leistungskatalog einlesen",
)
def import_catalogue(
    request: HttpRequest, file: File[UploadedFile], form: Form[KnowledgeImportIn]
) -> HttpStatus:
    """Einen Katalog aus JSON Lines einlesen (eine Leistung je Zeile: id, name, leika, keywords,
    description, url). Die ganze Datei wird vorher geprüft; eine fehlerhafte Zeile wird mit Nummer
    und Feld genannt, und nichts wird gespeichert. Ein erneutes Einlesen desselben Katalogs (`slug`)
    aktualisiert ihn."""
    user = api_user(request)
    if not edits_catalogue(api_person(request)):
        raise Forbidden(_("Nur die Beratungsstelle und der Plattformbetrieb pflegen den Leistungskatalog."))
    path = file.name or "katalog.jsonl"
    if (file.size or 0) > MAX_UPLOAD:
        raise Invalid(
            _("file: Die Datei ist größer als 50 MB."),
            fields={"file": [_("Die Datei ist größer als 50 MB.")]},
        )
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("Die Datei ist nicht in UTF-8 kodiert."), path=path) from None
    records = catalogue_svc.parse_lines(text.splitlines(), path=path)
    result = catalogue_svc.import_services(
        actor=user,
        records=records,
        name=form.name,
        slug=form.slug,
        source=form.source,
        licence=form.licence,
        path=path,
    )
    return HttpStatus(
        201,
        {
            "catalogue": {"slug": result.catalogue.slug, "name": result.catalogue.name},
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "deactivated": result.deactivated,
        },
    )
