"""Every write to alliances. Each service is keyword-only, atomic, checks the acting user's right
itself, validates with ``full_clean`` and writes its audit record in the same transaction.

Refusals are German: ``PermissionDenied`` when the user may not do this, ``ValidationError`` when
the data or a rule of the domain forbids it (the API answers 403 / 422; forms show the message).
Callers are expected to have fetched the alliance through
:func:`verbund.alliances.access.access_alliance`, so that an invisible alliance is a 404 before a
service is reached.

Overview (who may call it):

==========================  ==================================================================
``alliance_create``         body staff/heads, Beratungsstelle, Plattformbetrieb; creator coordinates
``alliance_update``         coordinators, Plattformbetrieb, superusers ("changers")
``alliance_publish`` /      changers; publishing needs a public short description
``alliance_unpublish``
``alliance_transition``     changers; rules in :mod:`verbund.alliances.lifecycle`
``member_add``              changers
``member_remove``           changers (sets ``left_on``; the row stays)
``member_set_role``         changers
``membership_confirm``      Verwaltungsleitung of the member body
``agreement_attach``        changers (a new version per title)
``resolution_record``       Verwaltungsleitung of the member body, or a coordinator
``coordinator_assign`` /    changers; the last coordinator cannot be revoked
``coordinator_revoke``
==========================  ==================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from verbund.audit.services import audit_record
from verbund.registry.models import Body

from . import lifecycle
from .access import forget_viewer, viewer_for
from .documents import check_upload
from .models import (
    AgreementDocument,
    Alliance,
    AllianceRole,
    AllianceRoleKind,
    CouncilResolution,
    DecidingOrgan,
    FieldOfAction,
    LegalForm,
    MemberRole,
    Membership,
    Status,
    StatusChange,
)

#: Fields ``alliance_update`` may change. Status, publication and slug have their own services.
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "short_name",
        "description",
        "public_summary",
        "fields",
        "legal_form",
        "start_date",
        "end_date",
        "sources",
    }
)


def _require_change(acting_user: Any, alliance: Alliance) -> None:
    viewer = viewer_for(acting_user, fresh=True)
    if not (viewer.changes_all or viewer.coordinates(alliance)):
        raise PermissionDenied("Nur die Verbundkoordination kann diesen Verbund ändern.")


def _lock(alliance: Alliance) -> Alliance:
    """Re-read the alliance row under a lock, so that concurrent writes to it queue up."""
    return Alliance.objects.select_for_update().get(pk=alliance.pk)


def _field_objects(fields: Iterable[FieldOfAction | str]) -> list[FieldOfAction]:
    items = list(fields)
    slugs = [f for f in items if isinstance(f, str)]
    objects = [f for f in items if isinstance(f, FieldOfAction)]
    if slugs:
        found = {f.slug: f for f in FieldOfAction.objects.filter(slug__in=slugs)}
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            raise ValidationError({"fields": f"Unbekanntes Handlungsfeld: {', '.join(unknown)}."})
        objects += [found[s] for s in slugs]
    return sorted({f.pk: f for f in objects}.values(), key=lambda f: (f.sort_order, f.name))


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A URL slug from the name, unique among alliances ("-2", "-3" … on a clash), never only digits."""
    base = slugify(name.replace("ß", "ss"))[:70].strip("-") or "verbund"
    if base.isdigit():
        base = f"verbund-{base}"
    others = Alliance.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def alliance_create(
    *,
    acting_user: Any,
    name: str,
    short_name: str = "",
    description: str = "",
    public_summary: str = "",
    fields: Iterable[FieldOfAction | str] = (),
    legal_form: str = LegalForm.NONE,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    sources: str = "",
    slug: str | None = None,
) -> Alliance:
    """Create an alliance in status "Idee"; the creator becomes its coordinator.

    ``slug`` defaults to one made from the name (demo data may fix it).
    """
    viewer = viewer_for(acting_user, fresh=True)
    if not viewer.may_create:
        raise PermissionDenied(
            "Einen Verbund anlegen können Beschäftigte einer Körperschaft und die Beratungsstelle."
        )
    alliance = Alliance(
        name=name.strip(),
        short_name=short_name.strip(),
        slug=slug or unique_slug(name),
        description=description,
        public_summary=public_summary.strip(),
        legal_form=legal_form,
        status=Status.IDEE,
        start_date=start_date,
        end_date=end_date,
        sources=sources,
    )
    alliance.full_clean()
    alliance.save()
    field_objects = _field_objects(fields)
    alliance.fields.set(field_objects)
    StatusChange.objects.create(
        alliance=alliance, from_status="", to_status=Status.IDEE, changed_by=acting_user, note="angelegt"
    )
    AllianceRole.objects.create(user=acting_user, alliance=alliance, role=AllianceRoleKind.KOORDINATION)
    forget_viewer(acting_user)
    audit_record(
        actor=acting_user,
        action="alliance.create",
        target=alliance,
        changes={
            "name": alliance.name,
            "slug": alliance.slug,
            "legal_form": alliance.legal_form,
            "fields": [f.slug for f in field_objects],
            "coordinator": acting_user.get_username(),
        },
    )
    return alliance


@transaction.atomic
def alliance_update(*, acting_user: Any, alliance: Alliance, data: Mapping[str, Any]) -> Alliance:
    """Change the alliance's descriptive data: keys of :data:`UPDATABLE_FIELDS` (``fields``: slugs).

    Records ``{field: [old, new]}`` for what actually changed; nothing changed, nothing recorded.
    """
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"alliance_update cannot change {sorted(unknown)}")
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name == "fields":
            continue
        if isinstance(value, str) and name not in ("description", "sources"):
            value = value.strip()
        old = getattr(alliance, name)
        if old != value:
            changes[name] = [old, value]
            setattr(alliance, name, value)
    if "fields" in data:
        new_fields = _field_objects(data["fields"])
        old_slugs = sorted(alliance.fields.values_list("slug", flat=True))
        new_slugs = sorted(f.slug for f in new_fields)
        if old_slugs != new_slugs:
            changes["fields"] = [old_slugs, new_slugs]
            alliance.fields.set(new_fields)
    if not changes:
        return alliance
    if alliance.is_published and "public_summary" in changes and not alliance.public_summary:
        raise ValidationError(
            {
                "public_summary": (
                    "Ein veröffentlichter Verbund braucht eine Kurzbeschreibung für die Öffentlichkeit."
                )
            }
        )
    alliance.full_clean()
    scalar = [name for name in changes if name != "fields"]
    if scalar:
        alliance.save(update_fields=[*scalar, "updated_at"])
    audit_record(actor=acting_user, action="alliance.update", target=alliance, changes=changes)
    return alliance


@transaction.atomic
def alliance_publish(*, acting_user: Any, alliance: Alliance) -> Alliance:
    """Show the alliance in the public directory (its public fields only)."""
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    if alliance.is_published:
        return alliance
    if not alliance.public_summary.strip():
        raise ValidationError(
            {"public_summary": "Bitte zuerst eine Kurzbeschreibung für die Öffentlichkeit eintragen."}
        )
    alliance.is_published = True
    alliance.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=acting_user, action="alliance.publish", target=alliance, changes={"is_published": [False, True]}
    )
    return alliance


@transaction.atomic
def alliance_unpublish(*, acting_user: Any, alliance: Alliance) -> Alliance:
    """Take the alliance out of the public directory."""
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    if not alliance.is_published:
        return alliance
    alliance.is_published = False
    alliance.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=acting_user,
        action="alliance.unpublish",
        target=alliance,
        changes={"is_published": [True, False]},
    )
    return alliance


@transaction.atomic
def alliance_transition(
    *, acting_user: Any, alliance: Alliance, to_status: str, note: str = ""
) -> StatusChange:
    """Move the alliance to ``to_status`` if the lifecycle allows it; ``ValidationError`` says why not.

    The alliance row is locked, so two coordinators moving it at once cannot skip a stage.
    """
    _require_change(acting_user, alliance)
    locked = _lock(alliance)
    member_count = Membership.objects.current().filter(alliance=locked).count()
    problems = lifecycle.transition_problems(
        current=locked.status, target=to_status, legal_form=locked.legal_form, member_count=member_count
    )
    if problems:
        raise ValidationError(problems, code="transition_refused")
    from_status = locked.status
    locked.status = to_status
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    change = StatusChange.objects.create(
        alliance=locked,
        from_status=from_status,
        to_status=to_status,
        changed_by=acting_user,
        note=note.strip(),
    )
    audit_record(
        actor=acting_user,
        action="alliance.transition",
        target=locked,
        changes={"status": [from_status, to_status], **({"note": note.strip()} if note.strip() else {})},
    )
    alliance.status = locked.status  # the caller's object shows the new status too
    return change


@transaction.atomic
def member_add(
    *,
    acting_user: Any,
    alliance: Alliance,
    body: Body,
    role: str = MemberRole.MITGLIED,
    joined_on: dt.date | None = None,
    note: str = "",
) -> Membership:
    """Add ``body`` as a member from ``joined_on`` (default today); a former member re-joins in a new row."""
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    if body.dissolved_on is not None:
        raise ValidationError(
            {"body": f"{body.name} ist aufgelöst (Gebietsstand {body.dissolved_on:%d.%m.%Y})."}
        )
    joined_on = joined_on or timezone.localdate()
    if joined_on > timezone.localdate():
        # A future member would count as current today; enter the membership when it takes effect.
        raise ValidationError({"joined_on": "Der Beitritt kann nicht in der Zukunft liegen."})
    last_left = (
        Membership.objects.filter(alliance=alliance, body=body, left_on__isnull=False)
        .aggregate(last=Max("left_on"))
        .get("last")
    )
    if last_left is not None and joined_on < last_left:
        raise ValidationError(
            {
                "joined_on": (
                    f"Der erneute Beitritt kann nicht vor dem letzten Austritt ({last_left:%d.%m.%Y}) liegen."
                )
            }
        )
    membership = Membership(alliance=alliance, body=body, role=role, joined_on=joined_on, note=note.strip())
    membership.full_clean()
    membership.save()
    audit_record(
        actor=acting_user,
        action="alliance.member_add",
        target=alliance,
        changes={"member": body.ars, "name": body.name, "role": role, "joined_on": joined_on},
    )
    return membership


@transaction.atomic
def member_remove(
    *, acting_user: Any, membership: Membership, left_on: dt.date | None = None, note: str = ""
) -> Membership:
    """End a membership on ``left_on`` (default today). The row stays: history is never overwritten."""
    _require_change(acting_user, membership.alliance)
    _lock(membership.alliance)
    membership = Membership.objects.select_related("body", "alliance").get(pk=membership.pk)
    if not membership.is_current:
        raise ValidationError(
            f"{membership.body.name} ist bereits am {membership.left_on:%d.%m.%Y} ausgetreten."
        )
    membership.left_on = left_on or timezone.localdate()
    if membership.left_on > timezone.localdate():
        # The row stops counting as current at once, so a future date would hide a member today.
        raise ValidationError({"left_on": "Der Austritt kann nicht in der Zukunft liegen."})
    if note.strip():
        membership.note = note.strip()
    membership.full_clean()
    membership.save(update_fields=["left_on", "note"])
    audit_record(
        actor=acting_user,
        action="alliance.member_remove",
        target=membership.alliance,
        changes={"member": membership.body.ars, "name": membership.body.name, "left_on": membership.left_on},
    )
    return membership


@transaction.atomic
def member_set_role(*, acting_user: Any, membership: Membership, role: str) -> Membership:
    """Change a current member's role (federführend, antragstellend, Mitglied).

    There is at most one federführendes member; to hand the lead over, set the old lead to
    "Mitglied" first.
    """
    _require_change(acting_user, membership.alliance)
    _lock(membership.alliance)
    membership = Membership.objects.select_related("body", "alliance").get(pk=membership.pk)
    if not membership.is_current:
        raise ValidationError("Die Rolle eines ehemaligen Mitglieds kann nicht mehr geändert werden.")
    if membership.role == role:
        return membership
    old = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        actor=acting_user,
        action="alliance.member_set_role",
        target=membership.alliance,
        changes={"member": membership.body.ars, "role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_confirm(*, acting_user: Any, membership: Membership) -> Membership:
    """The head (Verwaltungsleitung) of the member body confirms its membership."""
    membership = (
        Membership.objects.select_for_update().select_related("body", "alliance").get(pk=membership.pk)
    )
    viewer = viewer_for(acting_user, fresh=True)
    if not viewer.heads(membership.body_id):
        raise PermissionDenied(
            f"Die Mitgliedschaft bestätigt die Verwaltungsleitung von {membership.body.name}."
        )
    if not membership.is_current:
        raise ValidationError("Eine beendete Mitgliedschaft kann nicht mehr bestätigt werden.")
    if membership.is_confirmed:
        raise ValidationError(
            f"Die Mitgliedschaft wurde bereits am {membership.confirmed_at:%d.%m.%Y} bestätigt."
        )
    membership.confirmed_at = timezone.now()
    membership.confirmed_by = acting_user
    membership.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=acting_user,
        action="alliance.membership_confirm",
        target=membership.alliance,
        changes={"member": membership.body.ars, "confirmed_at": membership.confirmed_at},
    )
    return membership


@transaction.atomic
def agreement_attach(
    *,
    acting_user: Any,
    alliance: Alliance,
    title: str,
    file: File | IO[bytes],
    signed_on: dt.date | None = None,
    file_name: str = "",
) -> AgreementDocument:
    """Store a signed agreement (PDF) as the next version of ``title`` (1, 2, 3 …)."""
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Bitte einen Titel angeben (z. B. „Zweckvereinbarung“)."})
    if signed_on and signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "Das Unterschriftsdatum kann nicht in der Zukunft liegen."})
    checked = check_upload(file, name=file_name)
    latest = AgreementDocument.objects.filter(alliance=alliance, title=title).aggregate(v=Max("version"))["v"]
    document = AgreementDocument(
        alliance=alliance,
        title=title,
        version=(latest or 0) + 1,
        signed_on=signed_on,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=acting_user,
        uploaded_at=timezone.now(),
    )
    # Validate before storing the file: a refused document leaves nothing behind.
    document.full_clean(exclude=["file"])
    document.file.save(
        checked.original_name or "vereinbarung.pdf", _as_file(file, checked.original_name), save=False
    )
    with _file_removed_on_error(document.file):
        document.save()
        audit_record(
            actor=acting_user,
            action="alliance.agreement_attach",
            target=alliance,
            changes={
                "document": document.pk,
                "title": title,
                "version": document.version,
                "sha256": checked.sha256,
                "size": checked.size,
                "signed_on": signed_on,
            },
        )
    return document


@transaction.atomic
def resolution_record(
    *,
    acting_user: Any,
    alliance: Alliance,
    body: Body,
    decided_on: dt.date,
    decided_by: str,
    subject: str,
    file: File | IO[bytes] | None = None,
    decided_by_other: str = "",
    file_name: str = "",
) -> CouncilResolution:
    """Record a council resolution of a current member body, optionally with its PDF.

    Allowed for the Verwaltungsleitung of that body and for coordinators of the alliance.
    """
    viewer = viewer_for(acting_user, fresh=True)
    if not (viewer.heads(body.pk) or viewer.coordinates(alliance)):
        raise PermissionDenied(
            f"Den Beschluss von {body.name} trägt die Verwaltungsleitung von {body.name} "
            "oder die Verbundkoordination ein."
        )
    alliance = _lock(alliance)
    if not Membership.objects.current().filter(alliance=alliance, body=body).exists():
        raise ValidationError({"body": f"{body.name} ist kein Mitglied des Verbunds."})
    resolution = CouncilResolution(
        alliance=alliance,
        body=body,
        decided_on=decided_on,
        decided_by=decided_by,
        decided_by_other=decided_by_other.strip() if decided_by == DecidingOrgan.SONSTIGES else "",
        subject=subject.strip(),
        uploaded_by=acting_user,
        uploaded_at=timezone.now(),
    )
    if file is not None:
        checked = check_upload(file, name=file_name)
        resolution.original_name = checked.original_name
        resolution.content_type = checked.content_type
        resolution.size = checked.size
        resolution.sha256 = checked.sha256
    # Validate before storing the file: a refused resolution leaves nothing behind.
    resolution.full_clean(exclude=["file"])
    if file is not None:
        resolution.file.save(
            resolution.original_name or "beschluss.pdf", _as_file(file, resolution.original_name), save=False
        )
    with _file_removed_on_error(resolution.file):
        resolution.save()
        audit_record(
            actor=acting_user,
            action="alliance.resolution_record",
            target=alliance,
            changes={
                "resolution": resolution.pk,
                "member": body.ars,
                "decided_on": decided_on,
                "decided_by": resolution.organ_label,
                "subject": resolution.subject,
                "sha256": resolution.sha256,
            },
        )
    return resolution


@transaction.atomic
def coordinator_assign(*, acting_user: Any, alliance: Alliance, user: Any) -> AllianceRole:
    """Make ``user`` a coordinator (Verbundkoordination) of the alliance."""
    _require_change(acting_user, alliance)
    if not getattr(user, "is_active", False):
        raise ValidationError("Nur aktive Benutzerkonten können die Koordination übernehmen.")
    role = AllianceRole(user=user, alliance=alliance, role=AllianceRoleKind.KOORDINATION)
    role.full_clean()
    role.save()
    forget_viewer(user)
    audit_record(
        actor=acting_user,
        action="alliance.coordinator_assign",
        target=alliance,
        changes={"coordinator": user.get_username()},
    )
    return role


@transaction.atomic
def coordinator_revoke(*, acting_user: Any, alliance: Alliance, user: Any) -> None:
    """Take the coordinator role from ``user``. The last coordinator stays: assign a successor first."""
    _require_change(acting_user, alliance)
    alliance = _lock(alliance)
    roles = AllianceRole.objects.filter(alliance=alliance, role=AllianceRoleKind.KOORDINATION)
    role = roles.filter(user=user).first()
    if role is None:
        raise ValidationError(f"{user} ist nicht Koordination dieses Verbunds.")
    if roles.count() == 1:
        raise ValidationError(
            "Der Verbund braucht mindestens eine Koordination; bitte zuerst eine Nachfolge benennen."
        )
    role.delete()
    forget_viewer(user)
    audit_record(
        actor=acting_user,
        action="alliance.coordinator_revoke",
        target=alliance,
        changes={"coordinator": user.get_username()},
    )


# --- helpers for stored files ----------------------------------------------------------------------


def _as_file(upload: File | IO[bytes], name: str) -> File:
    upload.seek(0)
    return upload if isinstance(upload, File) else File(upload, name=name or "dokument.pdf")


@contextmanager
def _file_removed_on_error(field_file: Any) -> Iterator[None]:
    """Delete the just-stored file if the database write after it fails, so no orphan stays behind.

    (A rollback of an outer transaction of the caller can still leave an unreferenced file; it is
    never reachable, because files are only handed out for rows that exist.)
    """
    try:
        yield
    except BaseException:
        if field_file:
            field_file.storage.delete(field_file.name)
        raise
