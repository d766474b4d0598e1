"""Every write of the funding part. Each service is keyword-only, atomic, checks the acting user's right
itself, writes its audit record in the same transaction and notifies the other side after commit.

Refusals: ``PermissionDenied`` (403) when the user may not do this; ``ValidationError`` (422) for bad
input; :class:`~verbund.common.errors.DomainError` for a rule of the domain (a step not allowed in the
current status: 409 ``invalid_status``; failed checks: 422 ``checks_failed``; budget or grant
exhausted: 409 ``budget_exceeded`` / ``drawdown_exceeds_grant``).

Budget integrity under concurrent decisions
===========================================

* ``application_grant`` locks the application row and then the programme's budget years it charges
  (``select_for_update``, in year order so that two grants never wait for each other in a circle),
  re-reads what is committed and refuses when a year's budget would be exceeded; ``committed`` is
  raised with an ``F()`` update and a check constraint (committed ≤ budget) makes the database refuse
  what a bug might let through.
* ``drawdown_request`` / ``_approve`` / ``_return`` lock the grant year (budget line of one grant);
  a request may ask for at most what is granted and neither paid nor already requested, so approving
  can never pay more than the grant; the constraint drawn + pending ≤ amount backs it.

On PostgreSQL the row locks serialise concurrent decisions; SQLite has no row locks, but its
transactions start ``IMMEDIATE`` (settings), which takes the database's write lock at ``BEGIN``, so
writers queue up there as well (``select_for_update`` is a no-op on SQLite).

Overview
========

==============================  ===================================================================
``programme_create/_update``    funding authority (rule set validated, budgets per year)
``programme_year_set``          funding authority; a budget may not fall below what is committed
``application_create``          staff/heads of the applicant body, coordinators of the alliance
``application_update``          the same, while the application is a draft or under query
``application_attach``          the same (PDF, checked like alliance documents)
``application_submit``          Verwaltungsleitung of the applicant body; runs every check
``application_withdraw``        Verwaltungsleitung of the applicant body, before a decision
``application_review``          funding authority: starts the review
``application_request_info``    funding authority: a query; the alliance may edit again
``info_request_answer``         applicant side
``application_resubmit``        Verwaltungsleitung; all queries answered; checks run again
``application_grant``           funding authority: grant notice (amount per year, conditions, PDF)
``application_reject``          funding authority, with reasons
``drawdown_request``            applicant side, up to what is granted and not yet drawn or requested
``drawdown_approve/_return``    funding authority
``use_proof_submit``            Verwaltungsleitung: actual costs and report; settlement computed
``use_proof_accept/_return``    funding authority; accepting closes the application
==============================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from verbund.alliances.access import viewer_for
from verbund.alliances.documents import check_upload
from verbund.alliances.models import Alliance, FieldOfAction, Membership
from verbund.audit.services import audit_record
from verbund.common.errors import DomainError
from verbund.registry.models import Body

from . import notifications, rules, workflow
from .access import can_draft, can_draft_for, can_sign, is_authority
from .models import (
    Application,
    ApplicationAttachment,
    ApplicationCost,
    ApplicationEvent,
    ApplicationYear,
    Drawdown,
    DrawdownStatus,
    GrantNotice,
    GrantYear,
    InfoRequest,
    Preset,
    Programme,
    ProgrammeYear,
    UseProof,
    UseProofCost,
    UseProofStatus,
)
from .notice_pdf import render_grant_notice
from .selectors import CostRow, application_checks, draft_of

ZERO = Decimal("0.00")
MIN_YEAR, MAX_YEAR = 2000, 2100

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

DEFAULT_CONDITIONS = (
    "1. Die Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung (ANBest-P) bzw. für "
    "Gebietskörperschaften (ANBest-K) sind Bestandteil dieses Bescheids.\n"
    "2. Die Zuwendung ist zweckgebunden für das bewilligte Vorhaben zu verwenden.\n"
    "3. Die Mittel dürfen nur insoweit abgerufen werden, als sie innerhalb von zwei Monaten nach der "
    "Auszahlung für fällige Zahlungen benötigt werden.\n"
    "4. Der Verwendungsnachweis ist innerhalb von sechs Monaten nach Ende des Bewilligungszeitraums "
    "vorzulegen (Sachbericht und zahlenmäßiger Nachweis nach Kostenarten).\n"
    "5. Ergibt der Verwendungsnachweis geringere zuwendungsfähige Ausgaben, ermäßigt sich die "
    "Zuwendung; zu viel gezahlte Beträge sind zu erstatten.\n"
    "6. Zuwendungen über 1.000 EUR werden auf der Transparenzplattform veröffentlicht."
)


# --- helpers -------------------------------------------------------------------------------------------


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: f"„{value}“ ist kein Betrag."}) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: "Der Betrag darf nicht negativ sein."})
    if amount != amount.quantize(rules.CENT):
        raise ValidationError({field: "Beträge haben höchstens zwei Nachkommastellen (Cent)."})
    return rules.cents(amount)


def _year(value: Any, field: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"„{value}“ ist kein Jahr."}) from exc
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError({field: f"Das Jahr {year} liegt außerhalb von {MIN_YEAR}–{MAX_YEAR}."})
    return year


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _require_authority(acting_user: Any) -> None:
    _require(is_authority(acting_user), "Das entscheidet die Bewilligungsbehörde.")


def _fresh(acting_user: Any) -> None:
    """Re-read the user's roles for this write (a cached viewer could be stale)."""
    viewer_for(acting_user, fresh=True)


def _lock(application: Application) -> Application:
    """Re-read the application under a row lock, so that two decisions on it queue up."""
    return (
        Application.objects.select_for_update()
        .select_related("programme", "alliance", "applicant")
        .get(pk=application.pk)
    )


def _check_status(application: Application, action: str) -> None:
    reason = workflow.refusal(action, application.status)
    if reason:
        raise DomainError(reason, code="invalid_status", status=409)


def _transition(application: Application, action: str, acting_user: Any, note: str = "") -> ApplicationEvent:
    """Move ``application`` by ``action`` (status already checked) and record the event."""
    old = application.status
    application.status = workflow.target(action)
    application.save(update_fields=["status", "updated_at"])
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=old,
        to_status=application.status,
        by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        note=note,
    )


def _field_objects(slugs: Iterable[str | FieldOfAction]) -> list[FieldOfAction]:
    items = list(slugs)
    wanted = [s for s in items if isinstance(s, str)]
    found = {f.slug: f for f in FieldOfAction.objects.filter(slug__in=wanted)}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise ValidationError({"fields": f"Unbekanntes Handlungsfeld: {', '.join(unknown)}."})
    return [found[s] for s in wanted] + [f for f in items if isinstance(f, FieldOfAction)]


def _failed_text(results: Sequence[rules.CheckResult]) -> str:
    return " ".join(f"{r.label}: {r.explanation}" for r in results)


def _enforce_checks(results: Sequence[rules.CheckResult], *, reason: str, who: str) -> None:
    """Refuse on a blocking failure, or on an overridable one without a written reason."""
    hard = rules.blocking(results)
    if hard:
        raise DomainError(
            "Der Antrag erfüllt Förderregeln nicht, von denen nicht abgewichen werden kann. "
            + _failed_text(hard),
            code="checks_failed",
            status=422,
        )
    soft = rules.needing_reason(results)
    if soft and not reason.strip():
        raise DomainError(
            f"Nicht erfüllt: {', '.join(r.label for r in soft)}. Eine Abweichung ist nur mit "
            f"schriftlicher Begründung {who} möglich. " + _failed_text(soft),
            code="checks_failed",
            status=422,
        )


# --- Programmes ----------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    acting_user: Any,
    name: str,
    code: str,
    slug: str = "",
    preset: str = Preset.RLP_PILOT,
    rule_set: Mapping[str, Any] | None = None,
    description: str = "",
    state: str = "07",
    eligible_categories: Sequence[str] | None = None,
    window_opens: dt.date | None = None,
    window_closes: dt.date | None = None,
    budgets: Mapping[int, Decimal | str | int] | None = None,
) -> Programme:
    """Create a programme from a preset (:data:`rules.PRESETS`) or an own ``rule_set`` (JSON)."""
    _fresh(acting_user)
    _require_authority(acting_user)
    if rule_set is None:
        if preset not in rules.PRESETS:
            raise ValidationError({"preset": f"Unbekannte Vorlage „{preset}“."})
        data = rules.preset(preset).to_dict()
    else:
        data = dict(rule_set)
    programme = Programme(
        name=name.strip(),
        code=code.strip(),
        slug=slug or slugify(name.replace("ß", "ss"))[:60],
        description=description,
        state=state,
        preset=preset if rule_set is None else Preset.OWN,
        rule_set=data,
        eligible_categories=list(eligible_categories)
        if eligible_categories is not None
        else list(rules.COST_CATEGORIES),
        window_opens=window_opens,
        window_closes=window_closes,
    )
    programme.full_clean()
    programme.save()
    years = {}
    for year, budget in (budgets or {}).items():
        row = ProgrammeYear(
            programme=programme, year=_year(year, "budgets"), budget=_money(budget, "budgets")
        )
        row.full_clean()
        row.save()
        years[row.year] = row.budget
    audit_record(
        actor=acting_user,
        action="programme.create",
        target=programme,
        changes={"name": programme.name, "preset": programme.preset, "rule_set": data, "budgets": years},
    )
    return programme


PROGRAMME_FIELDS = frozenset(
    {
        "name",
        "code",
        "description",
        "rule_set",
        "eligible_categories",
        "window_opens",
        "window_closes",
        "preset",
    }
)


@transaction.atomic
def programme_update(*, acting_user: Any, programme: Programme, data: Mapping[str, Any]) -> Programme:
    """Change a programme's descriptive data, rules or window. Records ``{field: [old, new]}``.

    A rule change applies to checks from now on; decisions already taken keep the checks stored with
    them (``Application.checks``) and their grant notice.
    """
    unknown = set(data) - PROGRAMME_FIELDS
    if unknown:
        raise ValueError(f"programme_update cannot change {sorted(unknown)}")
    _fresh(acting_user)
    _require_authority(acting_user)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    changes = {}
    for name, value in data.items():
        old = getattr(programme, name)
        if old != value:
            changes[name] = [old, value]
            setattr(programme, name, value)
    if not changes:
        return programme
    programme.full_clean()
    programme.save()
    programme.__dict__.pop("rules", None)
    audit_record(actor=acting_user, action="programme.update", target=programme, changes=changes)
    return programme


@transaction.atomic
def programme_year_set(
    *, acting_user: Any, programme: Programme, year: int, budget: Decimal | str
) -> ProgrammeYear:
    """Create a budget year or change its budget; never below what grants have already committed."""
    _fresh(acting_user)
    _require_authority(acting_user)
    year = _year(year, "year")
    amount = _money(budget, "budget")
    row = ProgrammeYear.objects.select_for_update().filter(programme=programme, year=year).first()
    if row is None:
        row = ProgrammeYear(programme=programme, year=year, budget=amount)
        row.full_clean()
        row.save()
        audit_record(
            actor=acting_user, action="programme.year_add", target=programme, changes={str(year): str(amount)}
        )
        return row
    if amount < row.committed:
        raise DomainError(
            f"Für {year} sind bereits {rules.eur(row.committed)} bewilligt; die Mittel können nicht auf "
            f"{rules.eur(amount)} sinken.",
            code="budget_below_committed",
            status=409,
        )
    if amount != row.budget:
        audit_record(
            actor=acting_user,
            action="programme.year_budget",
            target=programme,
            changes={str(year): [str(row.budget), str(amount)]},
        )
        row.budget = amount
        row.save(update_fields=["budget"])
    return row


# --- Drafting ------------------------------------------------------------------------------------------


def _current_member_ids(alliance_id: int) -> set[int]:
    return set(Membership.objects.current().filter(alliance_id=alliance_id).values_list("body_id", flat=True))


@transaction.atomic
def application_create(
    *,
    acting_user: Any,
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
    _fresh(acting_user)
    _require(
        can_draft_for(acting_user, alliance_id=alliance.pk, applicant_id=applicant.pk),
        "Anträge entwerfen Beschäftigte des antragstellenden Mitglieds und die Verbundkoordination.",
    )
    return create_application_rows(
        actor=acting_user,
        programme=programme,
        alliance=alliance,
        applicant=applicant,
        title=title,
        description=description,
        fields=fields,
        participants=participants,
    )


def create_application_rows(
    *,
    actor: Any,
    programme: Programme,
    alliance: Alliance,
    applicant: Body,
    title: str,
    description: str = "",
    fields: Iterable[str | FieldOfAction] | None = None,
    participants: Iterable[Body | int] | None = None,
) -> Application:
    """The rows of :func:`application_create` without the permission check (for demo data and
    imports, whose ``actor`` is the system); callers hold a transaction."""
    acting_user = actor
    members = _current_member_ids(alliance.pk)
    if applicant.pk not in members:
        raise ValidationError(
            {
                "applicant": f"{applicant.name} ist kein Mitglied des Verbunds; Dritte können keinen "
                "Antrag stellen."
            }
        )
    participant_ids = (
        [p if isinstance(p, int) else p.pk for p in participants]
        if participants is not None
        else sorted(members)
    )
    outside = set(participant_ids) - members
    if outside:
        raise ValidationError({"participants": "Beteiligt sein können nur aktuelle Mitglieder des Verbunds."})
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    number = (Application.objects.filter(programme=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    application = Application(
        programme=locked,
        number=number,
        alliance=alliance,
        applicant=applicant,
        title=title.strip(),
        description=description,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    application.full_clean()
    application.save()
    field_objects = _field_objects(fields) if fields is not None else list(alliance.fields.all())
    application.fields.set(field_objects)
    application.participants.set(participant_ids)
    ApplicationEvent.objects.create(
        application=application,
        action="create",
        from_status="",
        to_status=application.status,
        by=application.created_by,
    )
    audit_record(
        actor=acting_user,
        action="application.create",
        target=application,
        changes={
            "programme": programme.slug,
            "alliance": alliance.slug,
            "applicant": applicant.ars,
            "title": application.title,
            "participants": participant_ids,
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
        year = _year(row.year, "costs")
        key = (row.category, year)
        if key in cleaned:
            raise ValidationError(
                {
                    "costs": f"Zeile {index}: {rules.COST_CATEGORIES[row.category]} {year} steht doppelt "
                    "im Kostenplan."
                }
            )
        cleaned[key] = CostRow(row.category, year, _money(row.amount, "costs"), row.note[:300])
    return list(cleaned.values())


def apply_draft_changes(application: Application, data: Mapping[str, Any]) -> dict[str, Any]:
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
            amount = None if value in (None, "") and name != "requested_amount" else _money(value or 0, name)
            if getattr(application, name) != amount:
                changes[name] = [getattr(application, name), amount]
                setattr(application, name, amount)
    application.full_clean()
    if changes:
        application.save()
    if "fields" in data:
        new_fields = _field_objects(data["fields"])
        old = sorted(application.fields.values_list("slug", flat=True))
        if old != sorted(f.slug for f in new_fields):
            application.fields.set(new_fields)
            changes["fields"] = [old, sorted(f.slug for f in new_fields)]
    if "participants" in data:
        ids = sorted({p if isinstance(p, int) else int(p.pk) for p in data["participants"]})
        if set(ids) - _current_member_ids(application.alliance_id):
            raise ValidationError(
                {"participants": "Beteiligt sein können nur aktuelle Mitglieder des Verbunds."}
            )
        if ids != sorted(before.participant_ids):
            application.participants.set(ids)
            changes["participants"] = [sorted(before.participant_ids), ids]
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
            changes["costs"] = [old_rows, new_rows]
    if "requested_by_year" in data:
        years = {
            _year(y, "requested_by_year"): _money(a, "requested_by_year")
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


@transaction.atomic
def application_update(*, acting_user: Any, application: Application, data: Mapping[str, Any]) -> Application:
    """Change a draft (or an application under query): keys of :data:`UPDATABLE`.

    Cost plan rows and requested years are replaced as a whole. Records what changed.
    """
    unknown = set(data) - UPDATABLE
    if unknown:
        raise ValueError(f"application_update cannot change {sorted(unknown)}")
    _fresh(acting_user)
    application = _lock(application)
    _require(can_draft(acting_user, application), "Sie dürfen diesen Antrag nicht bearbeiten.")
    if not application.is_editable:
        raise DomainError(
            f"Ein Antrag im Status „{application.get_status_display()}“ kann nicht mehr geändert werden.",
            code="invalid_status",
            status=409,
        )
    changes = apply_draft_changes(application, data)
    if changes:
        audit_record(actor=acting_user, action="application.update", target=application, changes=changes)
    return application


@transaction.atomic
def application_attach(
    *, acting_user: Any, application: Application, upload: File | IO[bytes], title: str
) -> ApplicationAttachment:
    """Attach a PDF (checked: type and size, as alliance documents). Council resolutions are not
    attached here: they are recorded with the alliance and taken from there."""
    _fresh(acting_user)
    application = _lock(application)
    _require(can_draft(acting_user, application), "Sie dürfen diesem Antrag keine Anlagen hinzufügen.")
    if not application.is_editable:
        raise DomainError(
            "Anlagen können nur im Entwurf oder bei einer Rückfrage ergänzt werden.",
            code="invalid_status",
            status=409,
        )
    if not title.strip():
        raise ValidationError({"title": "Bitte die Anlage bezeichnen."})
    checked = check_upload(upload)
    attachment = ApplicationAttachment(
        application=application,
        title=title.strip()[:200],
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=acting_user,
    )
    attachment.file.save(
        checked.original_name or "anlage.pdf",
        upload if isinstance(upload, File) else File(upload),
        save=False,
    )
    attachment.save()
    audit_record(
        actor=acting_user,
        action="application.attach",
        target=application,
        changes={"title": attachment.title, "sha256": checked.sha256, "size": checked.size},
    )
    return attachment


# --- Submission and review -----------------------------------------------------------------------------


def _store_checks(application: Application, results: Sequence[rules.CheckResult]) -> None:
    application.checks = [r.as_dict() for r in results]
    application.save(update_fields=["checks", "updated_at"])


@transaction.atomic
def application_submit(
    *, acting_user: Any, application: Application, today: dt.date | None = None
) -> list[rules.CheckResult]:
    """Sign and submit: every check runs again; a blocking failure refuses, an overridable one needs
    the applicant's written reason (``deviation_reason``). Notifies the funding authority."""
    _fresh(acting_user)
    application = _lock(application)
    _require(
        can_sign(acting_user, application),
        "Einreichen kann nur die Verwaltungsleitung des antragstellenden Mitglieds.",
    )
    _check_status(application, "submit")
    results = application_checks(application, today=today)
    _enforce_checks(
        results,
        reason=application.deviation_reason,
        who="des Antragstellers (Feld „Begründung für Abweichungen“)",
    )
    _store_checks(application, results)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at"])
    _transition(application, "submit", acting_user)
    audit_record(
        actor=acting_user,
        action="application.submit",
        target=application,
        changes={
            "requested_amount": application.requested_amount,
            "checks": {r.code: r.status for r in results},
        },
    )
    notifications.notify_authority(
        application,
        "neuer Antrag eingereicht",
        f"{application.applicant.name} hat einen Förderantrag eingereicht.",
    )
    return results


@transaction.atomic
def application_withdraw(*, acting_user: Any, application: Application, reason: str = "") -> Application:
    """The applicant withdraws before a decision."""
    _fresh(acting_user)
    application = _lock(application)
    _require(
        can_sign(acting_user, application),
        "Zurückziehen kann nur die Verwaltungsleitung des antragstellenden Mitglieds.",
    )
    _check_status(application, "withdraw")
    was_submitted = application.submitted_at is not None
    _transition(application, "withdraw", acting_user, reason)
    audit_record(
        actor=acting_user, action="application.withdraw", target=application, changes={"reason": reason}
    )
    if was_submitted:
        notifications.notify_authority(
            application, "Antrag zurückgezogen", reason or "Der Antrag wurde zurückgezogen."
        )
    return application


@transaction.atomic
def application_review(*, acting_user: Any, application: Application) -> Application:
    """The funding authority starts reviewing a submitted application."""
    _fresh(acting_user)
    _require_authority(acting_user)
    application = _lock(application)
    _check_status(application, "review")
    _transition(application, "review", acting_user)
    audit_record(actor=acting_user, action="application.review", target=application)
    notifications.notify_applicant(
        application, "Prüfung begonnen", "Die Bewilligungsbehörde prüft Ihren Antrag."
    )
    return application


@transaction.atomic
def application_request_info(*, acting_user: Any, application: Application, question: str) -> InfoRequest:
    """A query of the authority; the application can be edited again until it is resubmitted."""
    _fresh(acting_user)
    _require_authority(acting_user)
    if not question.strip():
        raise ValidationError({"question": "Bitte die Rückfrage formulieren."})
    application = _lock(application)
    _check_status(application, "request_info")
    info = InfoRequest.objects.create(
        application=application, question=question.strip(), asked_by=acting_user
    )
    _transition(application, "request_info", acting_user, question.strip())
    audit_record(
        actor=acting_user,
        action="application.request_info",
        target=application,
        changes={"question": info.question},
    )
    notifications.notify_applicant(
        application,
        "Rückfrage der Bewilligungsbehörde",
        f"Rückfrage:\n{info.question}\n\nBitte beantworten und erneut einreichen.",
    )
    return info


@transaction.atomic
def info_request_answer(*, acting_user: Any, info_request: InfoRequest, answer: str) -> InfoRequest:
    """The applicant side answers a query (the answer can be changed until resubmission)."""
    _fresh(acting_user)
    application = _lock(info_request.application)
    _require(can_draft(acting_user, application), "Sie dürfen diese Rückfrage nicht beantworten.")
    if application.status != workflow.RUECKFRAGE:
        raise DomainError(
            "Rückfragen werden beantwortet, solange der Antrag im Status „Rückfrage“ ist.",
            code="invalid_status",
            status=409,
        )
    if not answer.strip():
        raise ValidationError({"answer": "Bitte eine Antwort eingeben."})
    info = InfoRequest.objects.select_for_update().get(pk=info_request.pk)
    old = info.answer
    info.answer = answer.strip()
    info.answered_at = timezone.now()
    info.answered_by = acting_user
    info.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(
        actor=acting_user,
        action="application.answer",
        target=application,
        changes={"answer": [old, info.answer]},
    )
    return info


@transaction.atomic
def application_resubmit(
    *, acting_user: Any, application: Application, today: dt.date | None = None
) -> list[rules.CheckResult]:
    """Back to the authority after a query: every query answered, every check run again."""
    _fresh(acting_user)
    application = _lock(application)
    _require(
        can_sign(acting_user, application),
        "Erneut einreichen kann nur die Verwaltungsleitung des antragstellenden Mitglieds.",
    )
    _check_status(application, "resubmit")
    if InfoRequest.objects.filter(application=application, answered_at__isnull=True).exists():
        raise DomainError("Bitte zuerst jede Rückfrage beantworten.", code="unanswered_query", status=422)
    results = application_checks(application, today=today)
    # The window is a rule of first submission; an answer to a query may come after it closed.
    results = [r for r in results if r.code != "window"]
    _enforce_checks(
        results,
        reason=application.deviation_reason,
        who="des Antragstellers (Feld „Begründung für Abweichungen“)",
    )
    _store_checks(application, results)
    _transition(application, "resubmit", acting_user, "erneut eingereicht")
    audit_record(
        actor=acting_user,
        action="application.resubmit",
        target=application,
        changes={"checks": {r.code: r.status for r in results}},
    )
    notifications.notify_authority(
        application, "Rückfrage beantwortet", "Der Antrag wurde nach der Rückfrage erneut eingereicht."
    )
    return results


# --- Decision ------------------------------------------------------------------------------------------


@transaction.atomic
def application_grant(
    *,
    acting_user: Any,
    application: Application,
    amounts_by_year: Mapping[int, Decimal | str],
    conditions: str = DEFAULT_CONDITIONS,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
) -> GrantNotice:
    """Grant (possibly less than requested), charged to the budget years in ``amounts_by_year``.

    The budget years are locked and re-read before the checks run on the amounts granted, so two
    grants decided at the same moment cannot together exceed a year's budget. A failed check that
    may be overridden needs ``override_reason``; the budget can never be overridden.
    """
    _fresh(acting_user)
    _require_authority(acting_user)
    application = _lock(application)
    _check_status(application, "grant")
    return issue_grant(
        actor=acting_user,
        application=application,
        amounts_by_year=amounts_by_year,
        conditions=conditions,
        period_start=period_start,
        period_end=period_end,
        override_reason=override_reason,
        today=today,
    )


def issue_grant(
    *,
    actor: Any,
    application: Application,
    amounts_by_year: Mapping[int, Decimal | str],
    conditions: str = DEFAULT_CONDITIONS,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
    notify: bool = True,
) -> GrantNotice:
    """The grant of :func:`application_grant` without the permission check: budget locks, checks,
    notice, PDF, audit (as ``actor``). For demo data; callers hold a transaction and the locked
    application in status "in Prüfung"."""
    acting_user = actor
    amounts = {_year(y, "amounts_by_year"): _money(a, "amounts_by_year") for y, a in amounts_by_year.items()}
    amounts = {y: a for y, a in amounts.items() if a > 0}
    total = rules.cents(sum(amounts.values(), ZERO))
    if total <= 0:
        raise ValidationError({"amounts_by_year": "Bitte den bewilligten Betrag je Haushaltsjahr angeben."})
    if total > application.requested_amount:
        raise ValidationError(
            {
                "amounts_by_year": "Bewilligt werden kann höchstens der beantragte Betrag "
                f"({rules.eur(application.requested_amount)})."
            }
        )
    # Lock the budget years in year order (a fixed order: concurrent grants never deadlock).
    years = {
        y.year: y
        for y in ProgrammeYear.objects.select_for_update()
        .filter(programme=application.programme, year__in=list(amounts))
        .order_by("year")
    }
    missing = sorted(set(amounts) - set(years))
    if missing:
        raise DomainError(
            f"Das Programm hat keine Mittel für {', '.join(map(str, missing))}.",
            code="budget_exceeded",
            status=409,
        )
    draft = draft_of(application)
    draft.requested_amount = total
    draft.requested_by_year = dict(amounts)
    start = period_start or application.period_start
    end = period_end or application.period_end
    draft.period_start, draft.period_end = start, end
    results = [r for r in application_checks(application, draft, today=today) if r.code != "window"]
    budget = next(r for r in results if r.code == "budget")
    if budget.status == rules.FAIL:
        raise DomainError(budget.explanation, code="budget_exceeded", status=409)
    _enforce_checks(results, reason=override_reason, who="der Bewilligungsbehörde")
    if start is None or end is None:
        raise ValidationError({"period_start": "Bitte den Bewilligungszeitraum angeben."})
    for year, amount in amounts.items():
        # The F() update and the check constraint (committed ≤ budget) are the last line of defence.
        ProgrammeYear.objects.filter(pk=years[year].pk).update(committed=F("committed") + amount)
    codes = application.programme.category_codes
    planned = rules.cents(sum((v for k, v in draft.cost_totals().items() if k in codes), ZERO))
    grant = GrantNotice(
        application=application,
        amount=total,
        planned_eligible_costs=planned,
        financing=application.programme.rules.financing,
        period_start=start,
        period_end=end,
        conditions=conditions.strip() or DEFAULT_CONDITIONS,
        override_reason=override_reason.strip(),
        issued_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    grant.full_clean(exclude=["pdf", "pdf_sha256"])
    grant.save()
    GrantYear.objects.bulk_create(
        [GrantYear(grant=grant, programme_year=years[y], amount=a) for y, a in sorted(amounts.items())]
    )
    application.decided_at = timezone.now()
    application.save(update_fields=["decided_at"])
    _store_checks(application, results)
    _transition(application, "grant", acting_user, f"bewilligt: {rules.eur(total)}")
    pdf = render_grant_notice(grant)
    grant.pdf.save(f"bescheid-{application.reference}.pdf", ContentFile(pdf), save=False)
    grant.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    grant.save(update_fields=["pdf", "pdf_sha256"])
    audit_record(
        actor=acting_user,
        action="application.grant",
        target=application,
        changes={
            "amount": total,
            "years": {str(y): str(a) for y, a in amounts.items()},
            "period": [start, end],
            "override_reason": grant.override_reason,
            "checks": {r.code: r.status for r in results},
        },
    )
    if notify:
        notifications.notify_applicant(
            application,
            "Zuwendungsbescheid erlassen",
            f"Bewilligt: {rules.eur(total)} für {start:%d.%m.%Y} bis {end:%d.%m.%Y}. "
            "Der Bescheid liegt als PDF bereit.",
        )
    return grant


@transaction.atomic
def application_reject(*, acting_user: Any, application: Application, reasons: str) -> Application:
    """Refuse the application, with the reasons (they are sent to the applicant)."""
    _fresh(acting_user)
    _require_authority(acting_user)
    if not reasons.strip():
        raise ValidationError({"reasons": "Eine Ablehnung braucht eine Begründung."})
    application = _lock(application)
    _check_status(application, "reject")
    application.rejection_reason = reasons.strip()
    application.decided_at = timezone.now()
    application.save(update_fields=["rejection_reason", "decided_at"])
    _transition(application, "reject", acting_user, reasons.strip())
    audit_record(
        actor=acting_user,
        action="application.reject",
        target=application,
        changes={"reasons": reasons.strip()},
    )
    notifications.notify_applicant(application, "Antrag abgelehnt", f"Begründung:\n{reasons.strip()}")
    return application


# --- Drawdowns -----------------------------------------------------------------------------------------


def _grant_year_locked(application: Application, year: int) -> GrantYear:
    grant_year = (
        GrantYear.objects.select_for_update()
        .filter(grant__application=application, programme_year__year=year)
        .select_related("programme_year")
        .first()
    )
    if grant_year is None:
        raise ValidationError({"year": f"Für {year} wurde nichts bewilligt."})
    return grant_year


@transaction.atomic
def drawdown_request(
    *, acting_user: Any, application: Application, year: int, amount: Decimal | str, note: str = ""
) -> Drawdown:
    """Request a payment from the grant of ``year``: at most granted − paid − already requested."""
    _fresh(acting_user)
    _require(
        can_draft(acting_user, application),
        "Mittel rufen das antragstellende Mitglied und die Verbundkoordination ab.",
    )
    amount = _money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": "Der Betrag muss größer als 0 sein."})
    grant_year = _grant_year_locked(application, _year(year, "year"))
    status = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
    if status != workflow.BEWILLIGT:
        raise DomainError(
            "Mittel können nur abgerufen werden, solange der Antrag bewilligt und der Verwendungsnachweis "
            "noch nicht eingereicht ist.",
            code="invalid_status",
            status=409,
        )
    if amount > grant_year.available:
        raise DomainError(
            f"Abrufbar sind für {grant_year.programme_year.year} noch {rules.eur(grant_year.available)} "
            f"(bewilligt {rules.eur(grant_year.amount)}, ausgezahlt {rules.eur(grant_year.drawn)}, "
            f"beantragt {rules.eur(grant_year.pending)}); {rules.eur(amount)} ist zu viel.",
            code="drawdown_exceeds_grant",
            status=409,
        )
    GrantYear.objects.filter(pk=grant_year.pk).update(pending=F("pending") + amount)
    drawdown = Drawdown.objects.create(
        grant_year=grant_year, amount=amount, note=note.strip(), requested_by=acting_user
    )
    audit_record(
        actor=acting_user,
        action="drawdown.request",
        target=drawdown,
        changes={"application": application.pk, "year": grant_year.programme_year.year, "amount": amount},
    )
    notifications.notify_authority(
        application,
        "Mittelabruf",
        f"Abgerufen werden {rules.eur(amount)} ({grant_year.programme_year.year}).",
    )
    return drawdown


def _decide_drawdown(acting_user: Any, drawdown: Drawdown, *, approve: bool, note: str) -> Drawdown:
    _fresh(acting_user)
    _require_authority(acting_user)
    grant_year = (
        GrantYear.objects.select_for_update()
        .select_related("grant__application__programme", "grant__application__alliance")
        .get(pk=drawdown.grant_year_id)
    )
    drawdown = Drawdown.objects.select_for_update().get(pk=drawdown.pk)
    if drawdown.status != DrawdownStatus.REQUESTED:
        raise DomainError(
            f"Dieser Mittelabruf ist bereits {drawdown.get_status_display()}.",
            code="invalid_status",
            status=409,
        )
    if approve:
        GrantYear.objects.filter(pk=grant_year.pk).update(
            pending=F("pending") - drawdown.amount, drawn=F("drawn") + drawdown.amount
        )
        drawdown.status = DrawdownStatus.APPROVED
    else:
        GrantYear.objects.filter(pk=grant_year.pk).update(pending=F("pending") - drawdown.amount)
        drawdown.status = DrawdownStatus.RETURNED
    drawdown.decided_at = timezone.now()
    drawdown.decided_by = acting_user
    drawdown.decision_note = note.strip()
    drawdown.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    application = grant_year.grant.application
    audit_record(
        actor=acting_user,
        action="drawdown.approve" if approve else "drawdown.return",
        target=drawdown,
        changes={"application": application.pk, "amount": drawdown.amount, "note": drawdown.decision_note},
    )
    verb = "freigegeben" if approve else "zurückgegeben"
    notifications.notify_applicant(
        application,
        f"Mittelabruf {verb}",
        f"Der Mittelabruf über {rules.eur(drawdown.amount)} wurde {verb}. {note}".strip(),
    )
    return drawdown


@transaction.atomic
def drawdown_approve(*, acting_user: Any, drawdown: Drawdown, note: str = "") -> Drawdown:
    """Pay a requested drawdown (it moves from requested to drawn)."""
    return _decide_drawdown(acting_user, drawdown, approve=True, note=note)


@transaction.atomic
def drawdown_return(*, acting_user: Any, drawdown: Drawdown, reason: str) -> Drawdown:
    """Return a drawdown request unpaid (its amount becomes available again)."""
    if not reason.strip():
        raise ValidationError({"reason": "Bitte begründen, warum der Abruf zurückgegeben wird."})
    return _decide_drawdown(acting_user, drawdown, approve=False, note=reason)


# --- Proof of use --------------------------------------------------------------------------------------


@transaction.atomic
def use_proof_submit(
    *, acting_user: Any, application: Application, actual_costs: Mapping[str, Decimal | str], report: str
) -> UseProof:
    """Submit the proof of use: actual costs per category and the report; the settlement (what the
    alliance is entitled to, what it must repay) is computed at once and shown to both sides."""
    _fresh(acting_user)
    application = _lock(application)
    _require(can_sign(acting_user, application), "Den Verwendungsnachweis reicht die Verwaltungsleitung ein.")
    _check_status(application, "submit_proof")
    if not report.strip():
        raise ValidationError({"report": "Bitte den Sachbericht eingeben."})
    grant = GrantNotice.objects.get(application=application)
    years = list(GrantYear.objects.select_for_update().filter(grant=grant).order_by("programme_year__year"))
    if any(y.pending for y in years):
        raise DomainError(
            "Es sind noch Mittelabrufe offen; bitte deren Entscheidung abwarten.",
            code="pending_drawdowns",
            status=409,
        )
    costs = {}
    for category, value in actual_costs.items():
        if category not in rules.COST_CATEGORIES:
            raise ValidationError({"actual_costs": f"Unbekannte Kostenart „{category}“."})
        costs[category] = _money(value, "actual_costs")
    eligible = rules.cents(
        sum((v for k, v in costs.items() if k in application.programme.category_codes), ZERO)
    )
    drawn = rules.cents(sum((y.drawn for y in years), ZERO))
    settlement = rules.settle(
        financing=grant.financing,
        granted=grant.amount,
        planned_eligible=grant.planned_eligible_costs,
        actual_eligible=eligible,
        drawn=drawn,
    )
    proof = UseProof.objects.create(
        application=application,
        report=report.strip(),
        submitted_by=acting_user,
        actual_eligible_costs=eligible,
        entitled_amount=settlement.entitled,
        repayment_amount=settlement.repayment,
        outstanding_amount=settlement.outstanding,
        explanation=settlement.explanation,
    )
    UseProofCost.objects.bulk_create(
        [UseProofCost(proof=proof, category=k, amount=v) for k, v in sorted(costs.items())]
    )
    _transition(application, "submit_proof", acting_user)
    audit_record(
        actor=acting_user,
        action="use_proof.submit",
        target=application,
        changes={
            "actual_costs": {k: str(v) for k, v in costs.items()},
            "entitled": settlement.entitled,
            "repayment": settlement.repayment,
        },
    )
    notifications.notify_authority(application, "Verwendungsnachweis eingereicht", settlement.explanation)
    return proof


def _decide_proof(acting_user: Any, proof: UseProof, *, accept: bool, note: str) -> UseProof:
    _fresh(acting_user)
    _require_authority(acting_user)
    application = _lock(proof.application)
    proof = UseProof.objects.select_for_update().get(pk=proof.pk)
    if proof.status != UseProofStatus.SUBMITTED:
        raise DomainError(
            f"Dieser Verwendungsnachweis ist bereits {proof.get_status_display()}.",
            code="invalid_status",
            status=409,
        )
    _check_status(application, "accept_proof" if accept else "return_proof")
    proof.status = UseProofStatus.ACCEPTED if accept else UseProofStatus.RETURNED
    proof.decided_at = timezone.now()
    proof.decided_by = acting_user
    proof.decision_note = note.strip()
    proof.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    _transition(application, "accept_proof" if accept else "return_proof", acting_user, note.strip())
    audit_record(
        actor=acting_user,
        action="use_proof.accept" if accept else "use_proof.return",
        target=application,
        changes={"proof": proof.pk, "repayment": proof.repayment_amount, "note": proof.decision_note},
    )
    if accept:
        message = (
            "Der Verwendungsnachweis ist geprüft und angenommen; das Verfahren ist abgeschlossen. "
            + proof.explanation
        )
        if proof.repayment_amount:
            message += f"\nBitte erstatten Sie {rules.eur(proof.repayment_amount)}."
        notifications.notify_applicant(application, "Verwendungsnachweis angenommen", message)
    else:
        notifications.notify_applicant(
            application, "Verwendungsnachweis zurückgegeben", f"Bitte überarbeiten: {note.strip()}"
        )
    return proof


@transaction.atomic
def use_proof_accept(*, acting_user: Any, proof: UseProof, note: str = "") -> UseProof:
    """Accept the proof of use: the settlement stands (repayment if any) and the application is closed."""
    return _decide_proof(acting_user, proof, accept=True, note=note)


@transaction.atomic
def use_proof_return(*, acting_user: Any, proof: UseProof, reason: str) -> UseProof:
    """Send the proof back for correction; the application is granted again (no new drawdowns expected)."""
    if not reason.strip():
        raise ValidationError({"reason": "Bitte begründen, was zu überarbeiten ist."})
    return _decide_proof(acting_user, proof, accept=False, note=reason)
