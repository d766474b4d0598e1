"""Creating an alliance, changing its data, publishing it and moving it through its lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid

from .. import events, lifecycle, policies
from ..audit_actions import (
    ALLIANCE_CREATE,
    ALLIANCE_PUBLISH,
    ALLIANCE_TRANSITION,
    ALLIANCE_UNPUBLISH,
    ALLIANCE_UPDATE,
)
from ..models import (
    Alliance,
    AllianceRole,
    AllianceRoleKind,
    FieldOfAction,
    LegalForm,
    Membership,
    Status,
    StatusChange,
)
from ._common import field_objects, lock, person, principal_of_actor, require_change, unique_slug

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
        "reported_grant_eur",
        "reported_grant_note",
    }
)


def _past_moment(changed_at: dt.datetime | None, field: str = "changed_at") -> dt.datetime:
    """``changed_at`` (a past moment, e.g. historic data) or now."""
    now = timezone.now()
    if changed_at is None:
        return now
    if changed_at > now:
        raise ValidationError({field: _("Das Datum kann nicht in der Zukunft liegen.")})
    return changed_at


@transaction.atomic
def alliance_create(
    *,
    actor: Actor,
    name: str,
    short_name: str = "",
    description: str = "",
    public_summary: str = "",
    fields: Iterable[FieldOfAction | str] = (),
    legal_form: str = LegalForm.NONE,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    sources: str = "",
    reported_grant_eur: Decimal | None = None,
    reported_grant_note: str = "",
    slug: str | None = None,
    created_at: dt.datetime | None = None,
    note: str = "angelegt",
) -> Alliance:
    """Create an alliance in status "Idee"; a person who creates it becomes its coordinator.

    ``slug`` defaults to one made from the name (demo data fix it); ``created_at`` dates the first
    step of the timeline for historic data (never in the future).
    """
    principal = principal_of_actor(actor)
    require(
        policies.may_create(principal),
        _("Einen Verbund anlegen können Beschäftigte einer Körperschaft und die Beratungsstelle."),
    )
    changed_at = _past_moment(created_at, "created_at")
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
        reported_grant_eur=reported_grant_eur,
        reported_grant_note=reported_grant_note.strip(),
    )
    alliance.full_clean()
    alliance.save()
    chosen = field_objects(fields)
    alliance.fields.set(chosen)
    StatusChange.objects.create(
        alliance=alliance,
        from_status="",
        to_status=Status.IDEE,
        changed_by=person(actor),
        changed_at=changed_at,
        note=note,
    )
    changes: dict[str, Any] = {
        "name": alliance.name,
        "slug": alliance.slug,
        "legal_form": alliance.legal_form,
        "fields": ", ".join(f.name for f in chosen),
    }
    if not isinstance(actor, SystemActor):
        AllianceRole.objects.create(user_id=actor.pk, alliance=alliance, role=AllianceRoleKind.KOORDINATION)
        changes["coordinator"] = actor.get_username()
    audit_record(actor=actor, action=ALLIANCE_CREATE, target=alliance, changes=changes)
    events.announce(events.FOUNDED, actor=actor, alliance=alliance, also=events.ADVISORY)
    return alliance


@transaction.atomic
def alliance_update(*, actor: Actor, alliance: Alliance, data: Mapping[str, Any]) -> Alliance:
    """Change the alliance's descriptive data: keys of :data:`UPDATABLE_FIELDS` (``fields``: slugs).

    Records ``{field: [old, new]}`` for what actually changed; nothing changed, nothing recorded.
    """
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"alliance_update cannot change {sorted(unknown)}")
    require_change(actor, alliance)
    alliance = lock(alliance)
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
        new_fields = field_objects(data["fields"])
        old_slugs = sorted(alliance.fields.values_list("slug", flat=True))
        new_slugs = sorted(f.slug for f in new_fields)
        if old_slugs != new_slugs:
            changes["fields"] = [
                ", ".join(FieldOfAction.objects.filter(slug__in=old_slugs).values_list("name", flat=True)),
                ", ".join(f.name for f in new_fields),
            ]
            alliance.fields.set(new_fields)
    if not changes:
        return alliance
    if alliance.is_published and "public_summary" in changes and not alliance.public_summary:
        raise ValidationError(
            {
                "public_summary": (
                    _("Ein veröffentlichter Verbund braucht eine Kurzbeschreibung für die Öffentlichkeit.")
                )
            }
        )
    alliance.full_clean()
    scalar = [name for name in changes if name != "fields"]
    if scalar:
        alliance.save(update_fields=[*scalar, "updated_at"])
    audit_record(actor=actor, action=ALLIANCE_UPDATE, target=alliance, changes=changes)
    return alliance


@transaction.atomic
def alliance_publish(*, actor: Actor, alliance: Alliance) -> Alliance:
    """Show the alliance in the public directory (its public fields only)."""
    require_change(actor, alliance)
    alliance = lock(alliance)
    if alliance.is_published:
        return alliance
    if not alliance.public_summary.strip():
        missing = _("Bitte zuerst eine Kurzbeschreibung für die Öffentlichkeit eintragen.")
        raise Conflict(missing, code="public_summary_missing", fields={"public_summary": [missing]})
    alliance.is_published = True
    alliance.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=actor, action=ALLIANCE_PUBLISH, target=alliance, changes={"is_published": [False, True]}
    )
    return alliance


@transaction.atomic
def alliance_unpublish(*, actor: Actor, alliance: Alliance) -> Alliance:
    """Take the alliance out of the public directory."""
    require_change(actor, alliance)
    alliance = lock(alliance)
    if not alliance.is_published:
        return alliance
    alliance.is_published = False
    alliance.save(update_fields=["is_published", "updated_at"])
    audit_record(
        actor=actor, action=ALLIANCE_UNPUBLISH, target=alliance, changes={"is_published": [True, False]}
    )
    return alliance


@transaction.atomic
def alliance_transition(
    *,
    actor: Actor,
    alliance: Alliance,
    to_status: str,
    note: str = "",
    changed_at: dt.datetime | None = None,
) -> StatusChange:
    """Move the alliance to ``to_status`` if the lifecycle allows it; ``Conflict`` (409) says why not.

    The alliance row is locked, so two coordinators moving it at once cannot skip a stage.
    ``changed_at`` dates the step for historic data (never in the future, never before the last step).
    """
    require_change(actor, alliance)
    locked = lock(alliance)
    member_count = Membership.objects.current().filter(alliance=locked).count()
    problems = lifecycle.transition_problems(
        current=locked.status, target=to_status, legal_form=locked.legal_form, member_count=member_count
    )
    if to_status not in lifecycle.STATUS_ORDER:
        raise Invalid(fields={"to_status": problems}, code="unknown_status")
    if problems:
        raise Conflict(" ".join(problems), code="transition_refused")
    moment = _past_moment(changed_at)
    if changed_at is not None:
        last = (
            StatusChange.objects.filter(alliance=locked)
            .order_by("-changed_at")
            .values_list("changed_at", flat=True)
            .first()
        )
        if last is not None and moment < last:
            raise ValidationError({"changed_at": _("Ein Statuswechsel kann nicht vor dem letzten liegen.")})
    from_status = locked.status
    locked.status = to_status
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    change = StatusChange.objects.create(
        alliance=locked,
        from_status=from_status,
        to_status=to_status,
        changed_by=person(actor),
        changed_at=moment,
        note=note.strip(),
    )
    audit_record(
        actor=actor,
        action=ALLIANCE_TRANSITION,
        target=locked,
        changes={"status": [from_status, to_status], **({"note": note.strip()} if note.strip() else {})},
    )
    ended = to_status == lifecycle.BEENDET
    events.announce(
        events.ENDED if ended else events.STATUS_CHANGED,
        actor=actor,
        alliance=locked,
        text=str(locked.get_status_display()),
        also=events.ADVISORY if ended else None,
    )
    alliance.status = locked.status  # the caller's object shows the new status too
    return change
