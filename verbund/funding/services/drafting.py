"""Drafting: start an application, change the draft, attach files, answer the authority's queries.

The applicant side acts here: staff and heads of the applicant body and the coordinators of the
alliance (:func:`verbund.funding.policies.may_draft`); system actors need ``funding.manage``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.common.access import require
from verbund.common.actors import Actor
from verbund.common.documents import check_upload
from verbund.common.errors import Conflict
from verbund.common.german import format_money
from verbund.registry.models import Body

from .. import policies, rules, workflow
from ..models import (
    Application,
    ApplicationAttachment,
    ApplicationCost,
    ApplicationEvent,
    ApplicationYear,
    CostCategory,
    InfoRequest,
    Programme,
)
from ..selectors import CostRow, current_member_ids, draft_of, one_application_refusal
from ._common import (
    audit,
    field_objects,
    lock,
    money,
    person,
    principal_of_actor,
    year_of,
)

#: Keys ``application_update`` accepts (``participants``: body ids, ``costs``: :class:`CostRow` s,
#: ``requested_by_year``: ``{year: amount}``, ``fields``: slugs of fields of action).
UPDATABLE = frozenset(
    {
        "title",
        "description",
        "fields",
        "participants",
        "costs",
        "requested_amount",
        "requested_by_year",
        "period_start",
        "period_end",
        "special_need_region",
        "baseline_annual_costs",
        "expected_annual_costs",
        "commitment_years",
        "deviation_reason",
    }
)


@transaction.atomic
def application_create(
    *,
    actor: Actor,
    programme: Programme,
    alliance: Alliance,
    applicant: Body,
    title: str,
    description: str = "",
    fields: Iterable[str | FieldOfAction] | None = None,
    participants: Iterable[Body | int] | None = None,
) -> Application:
    """Start a draft for ``alliance`` with ``applicant`` (a current member) applying on its behalf.

    ``participants`` default to all current members; ``fields`` to the alliance's fields of action.
    The running number is taken under a lock on the programme, so numbers never repeat.
    """
    principal = principal_of_actor(actor)
    require(
        policies.may_draft_for(principal, alliance_id=alliance.pk, applicant_id=applicant.pk),
        _("Anträge entwerfen Beschäftigte des antragstellenden Mitglieds und die Verbundkoordination."),
    )
    existing = one_application_refusal(programme, alliance)
    if existing:
        raise Conflict(existing, code="one_application_per_alliance")
    return _create_application_rows(
        actor=actor,
        programme=programme,
        alliance=alliance,
        applicant=applicant,
        title=title,
        description=description,
        fields=fields,
        participants=participants,
    )


def _create_application_rows(
    *,
    actor: Actor,
    programme: Programme,
    alliance: Alliance,
    applicant: Body,
    title: str,
    description: str = "",
    fields: Iterable[str | FieldOfAction] | None = None,
    participants: Iterable[Body | int] | None = None,
) -> Application:
    """The rows of :func:`application_create` (permission checked by it; the caller holds a transaction)."""
    members = current_member_ids(alliance.pk)
    if applicant.pk not in members:
        raise ValidationError(
            {
                "applicant": _(
                    "%(name)s ist kein Mitglied des Verbunds; Dritte können keinen Antrag stellen."
                )
                % {"name": applicant.name}
            }
        )
    participant_ids = (
        [p if isinstance(p, int) else p.pk for p in participants]
        if participants is not None
        else sorted(members)
    )
    outside = set(participant_ids) - members
    if outside:
        raise ValidationError(
            {"participants": _("Beteiligt sein können nur aktuelle Mitglieder des Verbunds.")}
        )
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    number = (Application.objects.filter(programme=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    application = Application(
        programme=locked,
        number=number,
        alliance=alliance,
        applicant=applicant,
        title=title.strip(),
        description=description,
        created_by=person(actor),
    )
    application.full_clean()
    application.save()
    chosen = field_objects(fields) if fields is not None else list(alliance.fields.all())
    application.fields.set(chosen)
    application.participants.set(participant_ids)
    ApplicationEvent.objects.create(
        application=application,
        action="create",
        from_status="",
        to_status=application.status,
        by=application.created_by,
    )
    audit(
        actor=actor,
        action="application.create",
        application=application,
        changes={
            "programme": programme.name,
            "alliance": alliance.name,
            "applicant": applicant.name,
            "title": application.title,
            "participants": _body_names(participant_ids),
        },
    )
    return application


def _clean_costs(rows: Iterable[CostRow | Mapping[str, Any]]) -> list[CostRow]:
    cleaned: dict[tuple[str, int], CostRow] = {}
    for index, raw in enumerate(rows, start=1):
        row = (
            raw
            if isinstance(raw, CostRow)
            else CostRow(
                category=str(raw.get("category", "")),
                year=raw.get("year"),  # type: ignore[arg-type]
                amount=raw.get("amount"),  # type: ignore[arg-type]
                note=str(raw.get("note") or ""),
            )
        )
        if row.category not in rules.COST_CATEGORIES:
            raise ValidationError({"costs": f"Zeile {index}: unbekannte Kostenart „{row.category}“."})
        year = year_of(row.year, "costs")
        key = (row.category, year)
        if key in cleaned:
            raise ValidationError(
                {
                    "costs": _("Zeile %(index)s: %(category)s %(year)s steht doppelt im Kostenplan.")
                    % {"index": index, "category": _(rules.COST_CATEGORIES[row.category]), "year": year}
                }
            )
        cleaned[key] = CostRow(row.category, year, money(row.amount, "costs"), row.note[:300])
    return list(cleaned.values())


def _apply_draft_changes(application: Application, data: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``data`` (keys of :data:`UPDATABLE`) to ``application``; returns ``{field: [old, new]}``.

    No permission or status check (callers do that); the caller holds a transaction.
    """
    unknown = set(data) - UPDATABLE
    if unknown:
        raise ValueError(f"application_update cannot change {sorted(unknown)}")
    before = draft_of(application)
    changes: dict[str, Any] = {}
    simple = {
        "title",
        "description",
        "period_start",
        "period_end",
        "special_need_region",
        "commitment_years",
        "deviation_reason",
    }
    for name in simple & set(data):
        value = data[name]
        if isinstance(value, str) and name not in ("description", "deviation_reason"):
            value = value.strip()
        if getattr(application, name) != value:
            changes[name] = [getattr(application, name), value]
            setattr(application, name, value)
    for name in ("requested_amount", "baseline_annual_costs", "expected_annual_costs"):
        if name in data:
            value = data[name]
            amount = None if value in (None, "") and name != "requested_amount" else money(value or 0, name)
            if getattr(application, name) != amount:
                changes[name] = [getattr(application, name), amount]
                setattr(application, name, amount)
    application.full_clean()
    if changes:
        application.save()
    if "fields" in data:
        new_fields = field_objects(data["fields"])
        old = sorted(application.fields.values_list("slug", flat=True))
        if old != sorted(f.slug for f in new_fields):
            application.fields.set(new_fields)
            changes["fields"] = [
                ", ".join(FieldOfAction.objects.filter(slug__in=old).values_list("name", flat=True)),
                ", ".join(f.name for f in new_fields),
            ]
    if "participants" in data:
        ids = sorted({p if isinstance(p, int) else int(p.pk) for p in data["participants"]})
        if set(ids) - current_member_ids(application.alliance_id):
            raise ValidationError(
                {"participants": _("Beteiligt sein können nur aktuelle Mitglieder des Verbunds.")}
            )
        if ids != sorted(before.participant_ids):
            application.participants.set(ids)
            changes["participants"] = [_body_names(before.participant_ids), _body_names(ids)]
    if "costs" in data:
        rows = _clean_costs(data["costs"])
        old_rows = sorted((r.category, r.year, str(r.amount), r.note) for r in before.costs)
        new_rows = sorted((r.category, r.year, str(r.amount), r.note) for r in rows)
        if old_rows != new_rows:
            ApplicationCost.objects.filter(application=application).delete()
            ApplicationCost.objects.bulk_create(
                [
                    ApplicationCost(
                        application=application,
                        category=r.category,
                        year=r.year,
                        amount=r.amount,
                        note=r.note,
                    )
                    for r in rows
                ]
            )
            changes["costs"] = [_cost_texts(old_rows), _cost_texts(new_rows)]
    if "requested_by_year" in data:
        years = {
            year_of(y, "requested_by_year"): money(a, "requested_by_year")
            for y, a in data["requested_by_year"].items()
        }
        years = {y: a for y, a in years.items() if a > 0}
        if years != before.requested_by_year:
            ApplicationYear.objects.filter(application=application).delete()
            ApplicationYear.objects.bulk_create(
                [ApplicationYear(application=application, year=y, amount=a) for y, a in sorted(years.items())]
            )
            changes["requested_by_year"] = [
                {str(k): str(v) for k, v in before.requested_by_year.items()},
                {str(k): str(v) for k, v in years.items()},
            ]
    return changes


def _body_names(ids: Iterable[int]) -> str:
    """The names of the bodies ``ids`` for the audit log ("Altenkirchen, Hamm (Sieg)")."""
    names = Body.objects.filter(pk__in=list(ids)).order_by("name").values_list("name", flat=True)
    return ", ".join(names)


def _cost_texts(rows: Iterable[tuple[str, int, str, str]]) -> list[str]:
    """Cost plan rows ``(category, year, amount, note)`` as the audit log shows them:
    ``"Personal 2026: 90.000,00 EUR"``."""
    labels = dict(CostCategory.choices)
    texts = []
    for category, year, amount, note in rows:
        text = f"{labels.get(category, category)} {year}: {format_money(Decimal(amount))}"
        texts.append(f"{text} ({note})" if note else text)
    return texts


@transaction.atomic
def application_update(*, actor: Actor, application: Application, data: Mapping[str, Any]) -> Application:
    """Change a draft (or an application under query): keys of :data:`UPDATABLE`.

    Cost plan rows and requested years are replaced as a whole. Records what changed.
    """
    unknown = set(data) - UPDATABLE
    if unknown:
        raise ValueError(f"application_update cannot change {sorted(unknown)}")
    principal = principal_of_actor(actor)
    application = lock(application)
    require(policies.may_draft(principal, application), _("Sie dürfen diesen Antrag nicht bearbeiten."))
    if not application.is_editable:
        raise Conflict(
            _("Ein Antrag im Status „%(status)s“ kann nicht mehr geändert werden.")
            % {"status": application.get_status_display()},
            code="invalid_status",
        )
    changes = _apply_draft_changes(application, data)
    if changes:
        audit(actor=actor, action="application.update", application=application, changes=changes)
    return application


@transaction.atomic
def application_attach(
    *, actor: Actor, application: Application, upload: File | IO[bytes], title: str
) -> ApplicationAttachment:
    """Attach a PDF (checked: type and size, as alliance documents). Council resolutions are not
    attached here: they are recorded with the alliance and taken from there."""
    principal = principal_of_actor(actor)
    application = lock(application)
    require(
        policies.may_draft(principal, application), _("Sie dürfen diesem Antrag keine Anlagen hinzufügen.")
    )
    if not application.is_editable:
        raise Conflict(
            _("Anlagen können nur im Entwurf oder bei einer Rückfrage ergänzt werden."),
            code="invalid_status",
        )
    if not title.strip():
        raise ValidationError({"title": _("Bitte die Anlage bezeichnen.")})
    checked = check_upload(upload)
    attachment = ApplicationAttachment(
        application=application,
        title=title.strip()[:200],
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=person(actor),
    )
    attachment.file.save(
        checked.original_name or "anlage.pdf",
        upload if isinstance(upload, File) else File(upload),
        save=False,
    )
    attachment.save()
    audit(
        actor=actor,
        action="application.attach",
        application=application,
        changes={"title": attachment.title, "sha256": checked.sha256, "size": checked.size},
    )
    return attachment


@transaction.atomic
def info_request_answer(*, actor: Actor, info_request: InfoRequest, answer: str) -> InfoRequest:
    """The applicant side answers a query (the answer can be changed until resubmission)."""
    principal = principal_of_actor(actor)
    application = lock(info_request.application)
    require(policies.may_draft(principal, application), _("Sie dürfen diese Rückfrage nicht beantworten."))
    if application.status != workflow.RUECKFRAGE:
        raise Conflict(
            _("Rückfragen werden beantwortet, solange der Antrag im Status „Rückfrage“ ist."),
            code="invalid_status",
        )
    if not answer.strip():
        raise ValidationError({"answer": _("Bitte eine Antwort eingeben.")})
    info = InfoRequest.objects.select_for_update().get(pk=info_request.pk)
    old = info.answer
    info.answer = answer.strip()
    info.answered_at = timezone.now()
    info.answered_by = person(actor)
    info.save(update_fields=["answer", "answered_at", "answered_by"])
    audit(
        actor=actor,
        action="application.answer",
        application=application,
        changes={"answer": [old, info.answer]},
    )
    return info
