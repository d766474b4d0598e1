"""A member body's asset inventory: create, update, retire, import from a file.

Every write takes the acting user first, is allowed to those who act for the owner body
(:func:`verbund.security.policies.acts_for`), checks the TLP rule (:func:`.sharing.check_sharing`),
runs in one transaction and writes its audit record with the owner body as scope. Audit entries name
an asset by number only (``Komponente Nr. 7``) and record which fields changed, not their values:
the audit log is read by people outside the asset's TLP distribution.

Assets are never deleted: matches refer to them (``retire`` sets them inactive). After a create,
update or import the matcher runs on the assets once the transaction has committed
(:func:`_match_after_commit`).

Re-imports: an asset of the owner body with the same :func:`verbund.security.assets_import.identity`
(vendor, product, version, serial number, CPE, purl, location) is updated, not duplicated, and put
back into operation if it was retired. The sharing chosen for an import applies to the assets it
creates; those it updates keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body

from .. import audit_actions
from ..assets_import import (
    LABELS,
    AssetImportError,
    AssetRow,
    Problem,
    clean_values,
    identity,
    parent_cycle,
    parse_inventory,
)
from ..models import Asset, Distribution, Tlp
from ..policies import acts_for, visibility_filter
from .sharing import check_sharing

#: The asset's own fields a caller may set (the sharing fields and ``platform`` come apart).
ASSET_FIELDS = (
    "name",
    "vendor",
    "version",
    "kind",
    "cpe",
    "purl",
    "model_number",
    "serial_number",
    "sku",
    "hashes",
    "location",
    "responsible",
    "criticality",
    "quantity",
    "note",
)
SHARING_FIELDS = ("tlp", "distribution", "alliance", "sharing_group", "advisory_office")

#: An inventory is the member's own: TLP:AMBER, kept in the organisation until it chooses to share.
DEFAULT_SHARING: dict[str, Any] = {
    "tlp": Tlp.AMBER.value,
    "distribution": Distribution.ORGANISATION.value,
    "alliance": None,
    "sharing_group": None,
    "advisory_office": False,
}


def _refusal() -> str:
    return _(
        "Nur wer für die Körperschaft arbeitet oder ihr Sicherheitsbeauftragter ist, pflegt ihre Komponenten."
    )


def _authorize(actor: Actor, body_id: int | None) -> Principal:
    return authorize(actor, lambda p: acts_for(p, body_id), _refusal())


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _repr(asset: Asset) -> str:
    return _("Komponente Nr. %(number)s") % {"number": asset.pk}


def _visible(principal: Principal, asset: Asset) -> None:
    """Missing and invisible look alike (404), also to a service called with a stale object."""
    if not Asset.objects.filter(visibility_filter(principal, Asset), pk=asset.pk).exists():
        raise NotFound()


def clean_asset_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The asset fields of ``values`` checked and normalised; :class:`Invalid` naming each bad field."""
    cleaned, errors = clean_values({k: v for k, v in values.items() if k in ASSET_FIELDS})
    if errors:
        raise Invalid(fields={name: [f"{LABELS[name]}: {message}"] for name, message in errors.items()})
    return cleaned


def _clean_sharing(
    principal: Principal, owner_body: Body, sharing: Mapping[str, Any], *, recipients: Any = ()
) -> dict[str, Any]:
    """The sharing fields with the defaults filled in, checked by the one sharing rule
    (:func:`.sharing.check_sharing`: label, distribution, the owner body's membership of the alliance
    or group, the named recipients of TLP:RED). ``recipients`` are those of ``sharing`` when it names
    them, else the given default (None: not checked). Returns model values (``alliance_id`` …,
    ``recipients`` as ids when checked)."""
    values: dict[str, Any] = {**DEFAULT_SHARING, **{k: v for k, v in sharing.items() if k in SHARING_FIELDS}}
    named = sharing.get("recipients", recipients)
    if named is not None:
        values["recipients"] = named
    return check_sharing(principal, {"owner_body": owner_body, **values})


def _stored(shared: dict[str, Any]) -> dict[str, Any]:
    """The sharing values that are columns of the asset (``recipients`` is set after saving)."""
    return {name: value for name, value in shared.items() if name != "recipients"}


def _clean_platform(
    principal: Principal, platform: Asset | None, owner_body: Body, asset: Asset | None
) -> None:
    if platform is None:
        return
    if asset is not None and platform.pk == asset.pk:
        raise Invalid(fields={"platform": [_("Eine Komponente kann nicht auf sich selbst laufen.")]})
    if platform.owner_body_id != owner_body.pk:
        raise Invalid(fields={"platform": [_("Die Plattform muss derselben Körperschaft gehören.")]})
    _visible(principal, platform)
    seen: set[int] = set()
    current: Asset | None = platform
    while current is not None and current.pk not in seen:  # no cycles: a runs on b runs on a
        if asset is not None and current.pk == asset.pk:
            raise Invalid(fields={"platform": [_("Die Plattform läuft selbst auf dieser Komponente.")]})
        seen.add(current.pk)
        current = current.platform


def _match_after_commit(asset_ids: Iterable[int]) -> None:
    ids = sorted(set(asset_ids))
    if ids:
        transaction.on_commit(lambda: run_matching(ids))


def run_matching(asset_ids: list[int]) -> None:
    """Match the given assets against the advisories (the matching service of this part)."""
    try:
        from verbund.security.services.matching import match_assets
    except ModuleNotFoundError as exc:
        # The matching service is written in parallel with this module and wired in by the part's
        # lead; until it exists, assets are stored unmatched. Any other import error is a bug.
        if exc.name != "verbund.security.services.matching":
            raise
        return
    match_assets(asset_ids)


# --- create, update, retire ---------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *,
    actor: Actor,
    owner_body: Body,
    values: Mapping[str, Any],
    sharing: Mapping[str, Any] | None = None,
    platform: Asset | None = None,
    origin: str = "form",
) -> Asset:
    """A new asset of ``owner_body`` (TLP:AMBER, organisation only unless ``sharing`` says otherwise)."""
    principal = _authorize(actor, owner_body.pk)
    cleaned = clean_asset_values(values)
    if not cleaned.get("name"):
        raise Invalid(fields={"name": [_("Produkt: Der Produktname fehlt.")]})
    shared = _clean_sharing(principal, owner_body, sharing or {})
    _clean_platform(principal, platform, owner_body, None)
    asset = Asset(
        owner_body=owner_body,
        platform=platform,
        origin=origin,
        created_by=_person(actor),
        **cleaned,
        **_stored(shared),
    )
    asset.full_clean()
    asset.save()
    asset.recipients.set(shared["recipients"])
    audit_record(
        actor=actor,
        action=audit_actions.ASSET_CREATE,
        target=asset,
        object_repr=_repr(asset),
        body=owner_body,
        changes={"tlp": asset.tlp, "distribution": asset.distribution, "origin": origin},
    )
    _match_after_commit([asset.pk])
    return asset


_UNCHANGED: Any = object()


@transaction.atomic
def asset_update(
    *,
    actor: Actor,
    asset: Asset,
    values: Mapping[str, Any],
    sharing: Mapping[str, Any] | None = None,
    owner_body: Body | None = None,
    platform: Asset | None = _UNCHANGED,
) -> Asset:
    """Change an asset's fields given in ``values`` (others stay), its sharing (``sharing``: all of
    the sharing fields, defaults for those left out), its owner body (both the old and the new one
    must be the actor's) and ``platform``."""
    principal = _authorize(actor, asset.owner_body_id)
    asset = Asset.objects.select_for_update(of=("self",)).get(pk=asset.pk)
    _visible(principal, asset)
    owner = owner_body or asset.owner_body
    assert owner is not None
    cleaned = clean_asset_values(values)
    if "name" in cleaned and not cleaned["name"]:
        raise Invalid(fields={"name": [_("Produkt: Der Produktname fehlt.")]})
    new = dict(cleaned)
    named: list[int] | None = None
    if sharing is not None or owner.pk != asset.owner_body_id:
        current = {name: getattr(asset, name) for name in SHARING_FIELDS}
        # Without named recipients in ``sharing`` the asset's own are checked (TLP:RED needs them);
        # names left from an earlier TLP:RED stay unchecked on a lower label (they no longer count).
        wanted = str((current if sharing is None else {**DEFAULT_SHARING, **sharing}).get("tlp") or "")
        kept = list(asset.recipients.values_list("pk", flat=True)) if wanted == Tlp.RED else None
        shared = _clean_sharing(principal, owner, current if sharing is None else sharing, recipients=kept)
        named = shared.get("recipients") if sharing is not None and "recipients" in sharing else None
        new.update(_stored(shared))
    if owner.pk != asset.owner_body_id:
        new["owner_body"] = owner
    if platform is not _UNCHANGED:
        _clean_platform(principal, platform, owner, asset)
        new["platform"] = platform
    elif owner.pk != asset.owner_body_id and asset.platform_id is not None:
        new["platform"] = None  # a platform of the old body cannot stay
    changed = [name for name, value in new.items() if getattr(asset, name) != value]
    before_named = sorted(asset.recipients.values_list("pk", flat=True)) if named is not None else []
    if named is not None and named != before_named:
        asset.recipients.set(named)
    elif not changed:
        return asset
    old_sharing = {"tlp": asset.tlp, "distribution": asset.distribution}
    for name in changed:
        setattr(asset, name, new[name])
    asset.full_clean()
    asset.save(update_fields=[*changed, "updated_at"])
    changes: dict[str, Any] = {"fields": sorted(name.removesuffix("_id") for name in changed)}
    if named is not None and named != before_named:
        changes["recipients"] = {"old": before_named, "new": named}
    for name in ("tlp", "distribution"):
        if name in changed:
            changes[name] = [old_sharing[name], new[name]]
    audit_record(
        actor=actor,
        action=audit_actions.ASSET_UPDATE,
        target=asset,
        object_repr=_repr(asset),
        body=asset.owner_body,
        changes=changes,
    )
    if set(changed) & {*ASSET_FIELDS, "platform", "owner_body"}:
        _match_after_commit([asset.pk])
    return asset


@transaction.atomic
def asset_retire(*, actor: Actor, asset: Asset) -> Asset:
    """Take an asset out of operation (kept, not deleted: its matches and incidents refer to it)."""
    principal = _authorize(actor, asset.owner_body_id)
    asset = Asset.objects.select_for_update(of=("self",)).get(pk=asset.pk)
    _visible(principal, asset)
    if not asset.active:
        return asset
    asset.active = False
    asset.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action=audit_actions.ASSET_DELETE,
        target=asset,
        object_repr=_repr(asset),
        body=asset.owner_body,
        changes={"active": [True, False]},
    )
    _match_after_commit([asset.pk])  # its matches stop being current
    return asset


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetImportResult:
    format: str
    created: int
    updated: int
    unchanged: int
    dry_run: bool = False
    asset_ids: tuple[int, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    #: the first rows as they would be stored (for a preview): (where, state, values)
    preview: tuple[tuple[str, str, dict[str, Any]], ...] = field(default=(), repr=False)

    @property
    def summary(self) -> str:
        text = _("%(created)s neu, %(updated)s geändert, %(unchanged)s unverändert.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.ignored_columns:
            text += " " + _("Nicht gelesene Spalten: %(columns)s.") % {
                "columns": ", ".join(self.ignored_columns)
            }
        return text


FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "cyclonedx": "CycloneDX", "spdx": "SPDX"}
PREVIEW_ROWS = 20


def _unique(rows: list[AssetRow], fmt: str, filename: str) -> tuple[list[AssetRow], dict[str, str]]:
    """Rows with distinct identities. In a table a repeated row is an error (naming both lines); in an
    SBOM the same package often appears under several parents: it is one asset (the first one)."""
    first: dict[tuple[str, ...], AssetRow] = {}
    aliases: dict[str, str] = {}
    problems: list[Problem] = []
    unique: list[AssetRow] = []
    for row in rows:
        key = identity(row.values)
        earlier = first.get(key)
        if earlier is None:
            first[key] = row
            unique.append(row)
        elif fmt in ("csv", "xlsx"):
            problems.append(
                Problem(
                    row.where,
                    LABELS["name"],
                    _(
                        "dieselbe Komponente wie in %(where)s (Hersteller, Produkt, Version, Seriennummer, "
                        "CPE, purl und Standort gleich); bitte die Zeilen mit der Spalte Anzahl "
                        "zusammenfassen."
                    )
                    % {"where": earlier.where},
                )
            )
        else:
            aliases[row.key] = earlier.key
    if problems:
        raise AssetImportError(problems[:50], filename=filename, more=max(len(problems) - 50, 0))
    # the same package under several parents is one asset: that may close a circle of "runs on"
    cycle = parent_cycle(unique, aliases)
    if cycle:
        raise AssetImportError(
            [
                Problem(
                    next(row.where for row in unique if row.key == cycle[0]),
                    "",
                    _("Die Komponenten wären Teil voneinander (%(cycle)s); bitte die Verschachtelung prüfen.")
                    % {"cycle": _(" enthält ").join(reversed(cycle))},
                )
            ],
            filename=filename,
        )
    return unique, aliases


def _platform_loop(changed: list[Asset], in_file: Iterable[Asset]) -> Asset | None:
    """The first of ``changed`` that would run on itself through the platforms (of the file's assets,
    and of assets already stored that the chain reaches), or ``None``."""
    platform_of = {asset.pk: asset.platform_id for asset in in_file}
    for start in changed:
        seen = {start.pk}
        current = start.platform_id
        while current is not None:
            if current == start.pk:
                return start
            if current in seen:
                break
            seen.add(current)
            if current not in platform_of:
                platform_of[current] = (
                    Asset.objects.filter(pk=current).values_list("platform_id", flat=True).first()
                )
            current = platform_of[current]
    return None


@transaction.atomic
def asset_import(
    *,
    actor: Actor,
    owner_body: Body,
    data: bytes,
    filename: str,
    sharing: Mapping[str, Any] | None = None,
    dry_run: bool = False,
) -> AssetImportResult:
    """Read assets of ``owner_body`` from a CSV, XLSX, CycloneDX or SPDX file (:mod:`..assets_import`).

    All or nothing: any faulty line refuses the file (:class:`AssetImportError`, 422, each line and
    field named) and nothing is stored. ``dry_run`` checks and counts without storing.
    """
    principal = _authorize(actor, owner_body.pk)
    shared = _clean_sharing(principal, owner_body, sharing or {})
    named = shared["recipients"]
    shared = _stored(shared)
    inventory = parse_inventory(data, filename)
    rows, aliases = _unique(inventory.rows, inventory.format, filename)
    existing: dict[tuple[str, ...], Asset] = {}
    # Only assets the importer sees: a TLP:RED entry of a colleague is neither revealed nor changed.
    mine = Asset.objects.filter(visibility_filter(principal, Asset), owner_body=owner_body)
    for asset in mine.order_by("-active", "id"):
        existing.setdefault(identity({name: getattr(asset, name) for name in ASSET_FIELDS}), asset)
    origin = inventory.format
    person = _person(actor)
    created: list[tuple[AssetRow, Asset]] = []
    updated: list[tuple[AssetRow, Asset, list[str]]] = []
    unchanged: list[tuple[AssetRow, Asset]] = []
    by_key: dict[str, Asset] = {}
    preview: list[tuple[str, str, dict[str, Any]]] = []
    for row in rows:
        asset = existing.get(identity(row.values))
        if asset is None:
            asset = Asset(owner_body=owner_body, origin=origin, created_by=person, **shared)
            for name, value in row.values.items():
                setattr(asset, name, value)
            created.append((row, asset))
            state = _("neu")
        else:
            changed = [
                n
                for n in ASSET_FIELDS
                if n in row.given and n in row.values and getattr(asset, n) != row.values[n]
            ]
            for name in changed:
                setattr(asset, name, row.values[name])
            if not asset.active:
                asset.active = True
                changed.append("active")
            if changed:
                updated.append((row, asset, changed))
                state = _("geändert")
            else:
                unchanged.append((row, asset))
                state = _("unverändert")
        by_key[row.key or row.where] = asset
        if len(preview) < PREVIEW_ROWS:
            preview.append((row.where, state, dict(row.values)))
    if dry_run:
        transaction.set_rollback(True)
        return AssetImportResult(
            format=origin,
            created=len(created),
            updated=len(updated),
            unchanged=len(unchanged),
            dry_run=True,
            ignored_columns=inventory.ignored_columns,
            preview=tuple(preview),
        )
    Asset.objects.bulk_create([asset for _row, asset in created], batch_size=500)
    if any(asset.pk is None for _row, asset in created):  # a database that returns no ids
        raise RuntimeError("bulk_create returned no primary keys")
    if named:  # TLP:RED: the named people of every asset the import creates
        through: Any = Asset.recipients.through
        through._default_manager.bulk_create(
            [through(asset_id=asset.pk, user_id=user_id) for _row, asset in created for user_id in named],
            batch_size=1000,
        )
    # Platforms (SBOM nesting) once every asset has its id; an asset's parent is in the same file.
    platform_changed: list[Asset] = []
    for row in rows:
        parent_key = aliases.get(row.parent, row.parent)
        if not parent_key:
            continue
        asset, parent = by_key[row.key or row.where], by_key.get(parent_key)
        if parent is not None and parent is not asset and asset.platform_id != parent.pk:
            asset.platform = parent
            platform_changed.append(asset)
    looping = _platform_loop(platform_changed, by_key.values())
    if looping is not None:
        row = next(row for row in rows if by_key[row.key or row.where] is looping)
        raise AssetImportError(
            [
                Problem(
                    row.where,
                    "",
                    _(
                        "Die Komponente liefe über bereits erfasste Plattform-Zuordnungen auf sich selbst; "
                        "bitte die Plattform der Komponente prüfen."
                    ),
                )
            ],
            filename=filename,
        )
    fields_changed = {name for _row, _asset, names in updated for name in names}
    to_update = {asset.pk: asset for _row, asset, _names in updated}
    for asset in platform_changed:
        to_update[asset.pk] = asset
    if to_update:
        names = sorted(fields_changed | ({"platform"} if platform_changed else set()) | {"updated_at"})
        now = timezone.now()
        for asset in to_update.values():
            asset.updated_at = now
        Asset.objects.bulk_update(list(to_update.values()), names, batch_size=500)
    created_ids = [asset.pk for _row, asset in created]
    updated_ids = [asset.pk for _row, asset, _names in updated]
    audit_record(
        actor=actor,
        action=audit_actions.ASSET_IMPORT,
        object_type="security.asset",
        object_repr=_("Komponentenliste (%(format)s)") % {"format": FORMAT_LABELS.get(origin, origin)},
        body=owner_body,
        changes={
            "file": filename[:200],
            "format": origin,
            "created": len(created_ids),
            "updated": len(updated_ids),
            "unchanged": len(unchanged),
            "tlp": shared["tlp"],
            "distribution": shared["distribution"],
        },
    )
    _match_after_commit([*created_ids, *updated_ids, *(a.pk for a in platform_changed)])
    return AssetImportResult(
        format=origin,
        created=len(created_ids),
        updated=len(updated_ids),
        unchanged=len(unchanged),
        asset_ids=tuple(asset.pk for asset in by_key.values()),
        ignored_columns=inventory.ignored_columns,
        preview=tuple(preview),
    )
