"""``/api/v1/security/assets``: a member's asset inventory — list, one asset, create, change
(``PATCH``: only the fields sent), retire, import a file (CSV, XLSX, CycloneDX, SPDX).

Same rules as the pages: an asset outside the caller's TLP distribution answers 404 like a missing one
(reads of TLP:AMBER and RED assets are logged); a visible asset the caller does not act for answers
403; invalid input 422 with the German reason naming the field (an import: every faulty line and
field, nothing stored). Bodies are addressed by their 12-digit ARS, alliances by their slug.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.alliances.models import Alliance
from verbund.common.api import (
    DbId,
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_user,
    choices_enum,
    paginate,
)
from verbund.common.errors import Invalid
from verbund.common.principal import Principal
from verbund.registry.models import Body

from ..models import Asset, AssetKind, Criticality, Distribution, SharingGroup, Tlp
from ..policies import acts_for
from ..selectors import get_shared, visible_assets
from ..services.assets import SHARING_FIELDS, asset_create, asset_import, asset_retire, asset_update

router = Router()

SecurityAssetKind = choices_enum("SecurityAssetKind", AssetKind, "Art der Komponente")
SecurityAssetCriticality = choices_enum("SecurityAssetCriticality", Criticality, "Kritikalität")
SecurityAssetTlp = choices_enum("SecurityAssetTlp", Tlp, "TLP-2.0-Stufe")
SecurityAssetDistribution = choices_enum(
    "SecurityAssetDistribution",
    Distribution,
    "Verteilung (MISP): Körperschaft, Verbund, alle Verbünde, Gruppe, alle",
)

ARS_PATTERN = r"^\d{12}$"


# --- schemas ------------------------------------------------------------------------------------


class SecurityAssetHash(Schema):
    algorithm: str = Field(description="z. B. sha256, sha512, md5, sha3-256", max_length=20)
    value: str = Field(description="hexadezimal", max_length=200)


class SecurityAssetBody(Schema):
    ars: str
    name: str


class SecurityAssetOut(Schema):
    id: int
    name: str
    vendor: str
    version: str
    kind: str = Field(description="server, client, netz, ot, software, sonstiges")
    criticality: str = Field(description="niedrig, mittel, hoch, kritisch")
    cpe: str
    purl: str
    model_number: str
    serial_number: str
    sku: str
    hashes: list[SecurityAssetHash]
    location: str
    responsible: str
    quantity: int
    note: str
    active: bool = Field(description="in Betrieb (außer Betrieb genommene bleiben erhalten)")
    origin: str = Field(description="form, csv, xlsx, cyclonedx, spdx, demo")
    platform_id: int | None = Field(description="die Komponente, auf der diese läuft")
    owner_body: SecurityAssetBody
    tlp: str
    distribution: str
    alliance: str | None = Field(description="Kürzel des Verbunds bei Verteilung an den Verbund")
    sharing_group_id: int | None
    advisory_office: bool
    may_change: bool = Field(description="die anfragende Person darf die Komponente ändern")
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str


class _AssetFields(Schema):
    vendor: str = Field("", max_length=300)
    version: str = Field("", max_length=200)
    kind: SecurityAssetKind = SecurityAssetKind("software")  # type: ignore[valid-type]
    criticality: SecurityAssetCriticality = SecurityAssetCriticality("mittel")  # type: ignore[valid-type]
    cpe: str = Field("", max_length=500, description="CPE-2.3-Zeichenkette")
    purl: str = Field("", max_length=1000, description="Package URL")
    model_number: str = Field("", max_length=200)
    serial_number: str = Field("", max_length=200)
    sku: str = Field("", max_length=200)
    hashes: list[SecurityAssetHash] = Field(default_factory=list, max_length=20)
    location: str = Field("", max_length=300)
    responsible: str = Field("", max_length=300)
    quantity: int = Field(1, ge=1, le=1_000_000)
    note: str = Field("", max_length=5000)
    platform_id: DbId | None = None
    tlp: SecurityAssetTlp = SecurityAssetTlp("amber")  # type: ignore[valid-type]
    distribution: SecurityAssetDistribution = SecurityAssetDistribution("organisation")  # type: ignore[valid-type]
    alliance: str | None = Field(None, max_length=100, description="Kürzel eines Verbunds")
    sharing_group_id: DbId | None = None
    advisory_office: bool = False
    recipients: list[DbId] = Field(
        default_factory=list,
        max_length=200,
        description="Benutzerkennungen der namentlich genannten Empfänger (nur und bei TLP:RED nötig)",
    )


class SecurityAssetIn(_AssetFields):
    """A new asset; without sharing fields TLP:AMBER, only the own body. TLP:RED needs at least one
    named person in ``recipients`` (user ids of the owner body's community)."""

    body: str = Field(pattern=ARS_PATTERN, description="ARS der Körperschaft, die die Komponente betreibt")
    name: str = Field(min_length=1, max_length=300)


class SecurityAssetPatch(_AssetFields):
    """The fields to change; fields not sent stay as they are."""

    body: str | None = Field(None, pattern=ARS_PATTERN)
    name: str | None = Field(None, min_length=1, max_length=300)


class SecurityAssetFilter(Schema):
    body: str | None = Field(None, pattern=ARS_PATTERN, description="ARS der Körperschaft")
    kind: SecurityAssetKind | None = None  # type: ignore[valid-type]
    criticality: SecurityAssetCriticality | None = None  # type: ignore[valid-type]
    q: str | None = Field(
        None, max_length=200, description="Suche in Produkt, Hersteller, Version, CPE, purl"
    )
    include_retired: bool = Field(False, description="auch außer Betrieb genommene")


class SecurityAssetImportIn(Schema):
    """The form fields next to the file of an import."""

    body: str = Field(pattern=ARS_PATTERN, description="ARS der Körperschaft")
    tlp: SecurityAssetTlp = SecurityAssetTlp("amber")  # type: ignore[valid-type]
    distribution: SecurityAssetDistribution = SecurityAssetDistribution("organisation")  # type: ignore[valid-type]
    alliance: str = Field("", max_length=100, description="Kürzel eines Verbunds")
    sharing_group_id: int = Field(0, ge=0, description="Teilungsgruppe (0: keine)")
    advisory_office: bool = False
    recipients: list[DbId] = Field(
        default_factory=list,
        max_length=200,
        description="Benutzerkennungen der namentlich genannten Empfänger (nur und bei TLP:RED nötig)",
    )
    dry_run: bool = Field(False, description="nur prüfen, nichts speichern")


class SecurityAssetImportOut(Schema):
    format: str = Field(description="csv, xlsx, cyclonedx, spdx")
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    asset_ids: list[int]
    ignored_columns: list[str]


# --- helpers ------------------------------------------------------------------------------------


def _out(principal: Principal, asset: Asset) -> SecurityAssetOut:
    owner = asset.owner_body
    return SecurityAssetOut(
        id=asset.pk,
        name=asset.name,
        vendor=asset.vendor,
        version=asset.version,
        kind=asset.kind,
        criticality=asset.criticality,
        cpe=asset.cpe,
        purl=asset.purl,
        model_number=asset.model_number,
        serial_number=asset.serial_number,
        sku=asset.sku,
        hashes=[SecurityAssetHash(**h) for h in asset.hashes or []],
        location=asset.location,
        responsible=asset.responsible,
        quantity=asset.quantity,
        note=asset.note,
        active=asset.active,
        origin=asset.origin,
        platform_id=asset.platform_id,
        owner_body=SecurityAssetBody(ars=owner.ars if owner else "", name=owner.name if owner else ""),
        tlp=asset.tlp,
        distribution=asset.distribution,
        alliance=asset.alliance.slug if asset.alliance_id and asset.alliance else None,
        sharing_group_id=asset.sharing_group_id,
        advisory_office=asset.advisory_office,
        may_change=acts_for(principal, asset.owner_body_id),
        created_at=asset.created_at,
        updated_at=asset.updated_at,
        url=f"/api/v1/security/assets/{asset.pk}",
    )


def _body(ars: str) -> Body:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Invalid(fields={"body": [_("Keine Körperschaft mit dem ARS %(ars)s.") % {"ars": ars}]})
    return body


def _sharing(payload: dict[str, Any]) -> dict[str, Any]:
    """The model values of the sharing fields in ``payload`` (alliance by slug, group by id, the
    named recipients of TLP:RED by user id)."""
    values: dict[str, Any] = {}
    for name in ("tlp", "distribution", "advisory_office"):
        if name in payload:
            values[name] = str(payload[name]) if name != "advisory_office" else bool(payload[name])
    if "recipients" in payload:
        values["recipients"] = list(payload["recipients"] or [])
    if "alliance" in payload:
        slug = payload["alliance"]
        alliance = Alliance.objects.filter(slug=slug).first() if slug else None
        if slug and alliance is None:
            raise Invalid(fields={"alliance": [_("Unbekannter Verbund „%(slug)s“.") % {"slug": slug}]})
        values["alliance"] = alliance
    if "sharing_group_id" in payload:
        group_id = payload["sharing_group_id"]
        group = SharingGroup.objects.filter(pk=group_id).first() if group_id else None
        if group_id and group is None:
            raise Invalid(fields={"sharing_group": [_("Unbekannte Teilungsgruppe.")]})
        values["sharing_group"] = group
    return values


def _platform(principal: Principal, platform_id: int | None) -> Asset | None:
    if platform_id is None:
        return None
    platform = visible_assets(principal).filter(pk=platform_id).first()
    if platform is None:
        raise Invalid(fields={"platform": [_("Die Plattform-Komponente gibt es nicht.")]})
    return platform


def _values(payload: dict[str, Any]) -> dict[str, Any]:
    skip = {"body", "platform_id", "alliance", "sharing_group_id", "recipients", *SHARING_FIELDS}
    values = {k: v for k, v in payload.items() if k not in skip}
    for name in ("kind", "criticality"):
        if name in values:
            values[name] = str(values[name])
    return values


def _refusal() -> str:
    return _(
        "Nur wer für die Körperschaft arbeitet oder ihr Sicherheitsbeauftragter ist, pflegt ihre Komponenten."
    )


def _queryset() -> QuerySet[Asset]:
    return Asset.objects.select_related("owner_body", "alliance")


def _access(request: HttpRequest, asset_id: int, *, change: bool = False) -> Asset:
    principal = api_person(request)
    return get_shared(
        _queryset(),
        principal,
        actor=request.user,
        purpose=_("Komponente über die Schnittstelle gelesen"),
        need=(lambda p, a: acts_for(p, a.owner_body_id)) if change else None,
        refusal=_refusal(),
        pk=asset_id,
    )


# --- endpoints ----------------------------------------------------------------------------------


@router.get(
    "",
    response={200: Page[SecurityAssetOut], 401: ErrorOut},
    url_name="security_asset_list",
    summary="Komponenten",
)
def list_assets(
    request: HttpRequest, page: Query[PageParams], filters: Query[SecurityAssetFilter]
) -> dict[str, Any]:
    """Die Komponenten, die die anfragende Person nach TLP und Verteilung sehen darf."""
    principal = api_person(request)
    assets = visible_assets(principal).select_related("owner_body", "alliance")
    if not filters.include_retired:
        assets = assets.filter(active=True)
    if filters.body:
        assets = assets.filter(owner_body__ars=filters.body)
    if filters.kind:
        assets = assets.filter(kind=str(filters.kind))
    if filters.criticality:
        assets = assets.filter(criticality=str(filters.criticality))
    if filters.q:
        q = filters.q
        assets = assets.filter(
            Q(name__icontains=q)
            | Q(vendor__icontains=q)
            | Q(version__icontains=q)
            | Q(cpe__icontains=q)
            | Q(purl__icontains=q)
        )
    assets = assets.order_by("owner_body__name", "vendor", "name", "version", "id")
    return paginate(assets, page, convert=lambda a: _out(principal, a))


@router.post(
    "",
    response={201: SecurityAssetOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="security_asset_create",
    summary="Komponente erfassen",
)
def create_asset(request: HttpRequest, payload: SecurityAssetIn) -> HttpStatus[SecurityAssetOut]:
    """Nur für die eigene Körperschaft (oder eine, deren Beauftragte/r man ist)."""
    user = api_user(request)
    principal = api_person(request)
    data = payload.model_dump()
    asset = asset_create(
        actor=user,
        owner_body=_body(payload.body),
        values=_values(data),
        sharing=_sharing(data),
        platform=_platform(principal, payload.platform_id),
        origin="api",
    )
    return HttpStatus(201, _out(principal, _queryset().get(pk=asset.pk)))


@router.get(
    "/{int:asset_id}",
    response={200: SecurityAssetOut, 401: ErrorOut, 404: ErrorOut},
    url_name="security_asset_detail",
    summary="Eine Komponente",
)
def get_asset(request: HttpRequest, asset_id: ObjectId) -> SecurityAssetOut:
    return _out(api_person(request), _access(request, asset_id))


@router.patch(
    "/{int:asset_id}",
    response={200: SecurityAssetOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="security_asset_update",
    summary="Komponente ändern",
)
def patch_asset(request: HttpRequest, asset_id: ObjectId, payload: SecurityAssetPatch) -> SecurityAssetOut:
    """Nur die gesendeten Felder werden geändert."""
    user = api_user(request)
    principal = api_person(request)
    asset = _access(request, asset_id, change=True)
    data = payload.model_dump(exclude_unset=True)
    sharing_sent = _sharing(data)
    sharing = None
    if sharing_sent:
        sharing = {name: getattr(asset, name) for name in SHARING_FIELDS}
        sharing.update(sharing_sent)
    kwargs: dict[str, Any] = {}
    if "platform_id" in data:
        kwargs["platform"] = _platform(principal, data["platform_id"])
    if data.get("body"):
        kwargs["owner_body"] = _body(data["body"])
    asset_update(actor=user, asset=asset, values=_values(data), sharing=sharing, **kwargs)
    return _out(principal, _queryset().get(pk=asset.pk))


@router.post(
    "/{int:asset_id}/retire",
    response={200: SecurityAssetOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="security_asset_retire",
    summary="Komponente außer Betrieb nehmen",
)
def retire_asset(request: HttpRequest, asset_id: ObjectId) -> SecurityAssetOut:
    """Die Komponente bleibt erhalten (Treffer verweisen auf sie), wird aber nicht mehr abgeglichen."""
    user = api_user(request)
    asset = _access(request, asset_id, change=True)
    asset_retire(actor=user, asset=asset)
    return _out(api_person(request), _queryset().get(pk=asset.pk))


@router.post(
    "/import",
    response={200: SecurityAssetImportOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="security_asset_import",
    summary="Komponenten aus einer Datei einlesen",
)
def import_assets(
    request: HttpRequest, file: File[UploadedFile], options: Form[SecurityAssetImportIn]
) -> SecurityAssetImportOut:
    """CSV (``;`` oder ``,``, UTF-8), XLSX, CycloneDX-JSON oder SPDX-2-JSON. Alles oder nichts: 422 nennt
    jede fehlerhafte Zeile (oder JSON-Stelle) und das Feld. Dieselbe Komponente (Hersteller, Produkt,
    Version, Seriennummer, CPE, purl, Standort) wird aktualisiert, nicht verdoppelt; die Weitergabe gilt
    für neu angelegte Komponenten. TLP:RED braucht namentliche Empfänger (``recipients``, je eine
    Benutzerkennung als Formularfeld)."""
    user = api_user(request)
    sharing = _sharing(
        {
            "tlp": options.tlp,
            "distribution": options.distribution,
            "advisory_office": options.advisory_office,
            "alliance": options.alliance or None,
            "sharing_group_id": options.sharing_group_id or None,
            "recipients": options.recipients,
        }
    )
    data = file.read(20 * 1024 * 1024 + 1)
    result = asset_import(
        actor=user,
        owner_body=_body(options.body),
        data=data,
        filename=file.name or "komponenten",
        sharing=sharing,
        dry_run=options.dry_run,
    )
    return SecurityAssetImportOut(
        format=result.format,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        dry_run=result.dry_run,
        asset_ids=list(result.asset_ids),
        ignored_columns=list(result.ignored_columns),
    )
