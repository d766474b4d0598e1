"""Shared officers: one information security officer (ISB) or data-protection officer (DSB) serving
several bodies, with a deputy, each body's share of the working time, and its cost.

Decisions
=========
* **Who manages**: the coordinators of the alliance and Plattformbetrieb
  (:func:`verbund.security.policies.manages_officers`); an officer without an alliance only
  Plattformbetrieb. System actors need ``security.manage`` (and ``shared_services.manage`` to open the
  settlement).
* **Shares**: percentages of the officer's working time, each above 0 with at most two decimals,
  one per body; together at most 100 % — **also across every role the same person holds in an
  overlapping period** (an ISB who is also a DSB elsewhere has one working time). The served bodies
  of an alliance's officer must be current members of the alliance.
* **Grants**: nothing to store. While the period runs, the person and the deputy hold the grant
  ``security.officer`` on every served body and, for an ISB of an alliance, ``security.alliance_officer``
  on the alliance; the principal reads both from these rows (:mod:`verbund.security.policies`).
* **Cost**: through the shared-services settlement, not a second engine. :func:`officer_settlement_link`
  creates (or adopts) a :class:`~verbund.shared_services.models.SharedService` of the task
  "Informationssicherheit" (DSB: "Datenschutz") provided by the employing body, with a
  ``fixed_share`` key whose percentages are the working-time shares (members named by ARS). The part
  of the working time given to no served body (100 % − Σ) is borne by the employing body, which is
  therefore a recipient too; so the key always adds up to 100 % and the whole position is paid. When
  the shares change, the key and the recipients follow (finalized settlements keep theirs).
  The cost per body shown is the body's line of the latest settlement of that service, to whoever
  may see that line under the shared-services rules (the body's own staff, the coordinators,
  Plattformbetrieb, readers of everything).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances import policies as alliance_policies
from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Invalid
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.shared_services import policies as service_policies
from verbund.shared_services import services as service_writes
from verbund.shared_services.models import (
    ServiceRecipient,
    Settlement,
    SettlementLine,
    SettlementStatus,
    SharedService,
    Task,
)

from .. import audit_actions
from ..models import OfficerKind, OfficerShare, SharedOfficer
from ..policies import manages_officers

MANAGE_REFUSAL = "Gemeinsame Beauftragte tragen die Verbundkoordination und der Plattformbetrieb ein."
FULL = Decimal("100")
CENT = Decimal("0.01")
#: The task of the shared-services catalogue that carries each kind's cost.
TASK_OF_KIND = {OfficerKind.ISB: "informationssicherheit", OfficerKind.DSB: "datenschutz"}

ShareInput = tuple[Body, Decimal | str | int]


# --- checks --------------------------------------------------------------------------------------------


def _percent(value: Any, body: Body) -> Decimal:
    try:
        percent = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise Invalid(
            fields={
                "shares": [_("%(body)s: „%(value)s“ ist keine Zahl.") % {"body": body.name, "value": value}]
            }
        ) from exc
    if not percent.is_finite() or percent <= 0 or percent > FULL:
        raise Invalid(
            fields={
                "shares": [
                    _("%(body)s: der Anteil liegt über 0 und höchstens bei 100 %%.") % {"body": body.name}
                ]
            }
        )
    if percent != percent.quantize(CENT):
        raise Invalid(
            fields={"shares": [_("%(body)s: höchstens zwei Nachkommastellen.") % {"body": body.name}]}
        )
    return percent.quantize(CENT)


def _clean_shares(shares: Sequence[ShareInput]) -> list[tuple[Body, Decimal]]:
    if not shares:
        raise Invalid(fields={"shares": [_("Mindestens eine Körperschaft mit ihrem Anteil angeben.")]})
    cleaned: list[tuple[Body, Decimal]] = []
    seen: set[int] = set()
    for body, value in shares:
        if body.pk in seen:
            raise Invalid(
                fields={"shares": [_("%(body)s steht zweimal in der Liste.") % {"body": body.name}]}
            )
        seen.add(body.pk)
        cleaned.append((body, _percent(value, body)))
    total = sum((p for _, p in cleaned), Decimal("0"))
    if total > FULL:
        raise Invalid(
            fields={
                "shares": [
                    _("Die Anteile ergeben zusammen %(total)s %%, mehr als 100 %% der Arbeitszeit.")
                    % {"total": _de(total)}
                ]
            }
        )
    return cleaned


def _de(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _overlaps(starts_on: dt.date, ends_on: dt.date | None) -> Q:
    """Officers whose period overlaps ``starts_on`` … ``ends_on`` (open: ``None``)."""
    condition = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    if ends_on is not None:
        condition &= Q(starts_on__lte=ends_on)
    return condition


def _check_person_time(
    person: Any, starts_on: dt.date, ends_on: dt.date | None, total: Decimal, exclude: int | None
) -> None:
    """The same person's shares in every role of an overlapping period add up to at most 100 %."""
    others = SharedOfficer.objects.filter(person=person).filter(_overlaps(starts_on, ends_on))
    if exclude is not None:
        others = others.exclude(pk=exclude)
    elsewhere = sum(
        OfficerShare.objects.filter(officer__in=others).values_list("percent", flat=True), Decimal("0")
    )
    if elsewhere + total > FULL:
        raise Invalid(
            fields={
                "shares": [
                    _(
                        "%(person)s ist im selben Zeitraum schon mit %(elsewhere)s %% beauftragt; "
                        "zusammen mit diesen %(total)s %% wären es mehr als 100 %% der Arbeitszeit."
                    )
                    % {"person": _name(person), "elsewhere": _de(elsewhere), "total": _de(total)}
                ]
            }
        )


def _name(user: Any) -> str:
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _check_people(person: Any, deputy: Any) -> None:
    if person is None or not getattr(person, "is_active", False):
        raise Invalid(fields={"person": [_("Bitte eine aktive Person als Beauftragte/n wählen.")]})
    if deputy is not None:
        if deputy.pk == person.pk:
            raise Invalid(fields={"deputy": [_("Die Vertretung muss eine andere Person sein.")]})
        if not deputy.is_active:
            raise Invalid(fields={"deputy": [_("Die Vertretung muss ein aktives Benutzerkonto haben.")]})


def _check_members(alliance: Alliance | None, bodies: Sequence[Body]) -> None:
    if alliance is None:
        return
    members = set(
        Membership.objects.current()
        .filter(alliance=alliance, body__in=bodies)
        .values_list("body_id", flat=True)
    )
    outside = [b.name for b in bodies if b.pk not in members]
    if outside:
        raise Invalid(
            fields={
                "shares": [
                    _("%(bodies)s ist kein aktuelles Mitglied des Verbunds %(alliance)s.")
                    % {"bodies": ", ".join(outside), "alliance": alliance.name}
                ]
            }
        )


def _check_period(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise Invalid(fields={"ends_on": [_("Das Ende darf nicht vor dem Beginn liegen.")]})


def _authorize(actor: Actor, alliance_id: int | None) -> Principal:
    return authorize(actor, lambda p: manages_officers(p, alliance_id), _(MANAGE_REFUSAL))


def _share_record(shares: Sequence[tuple[Body, Decimal]]) -> str:
    return "; ".join(f"{body.name}: {_de(percent)} %" for body, percent in shares)


def _write_shares(officer: SharedOfficer, shares: Sequence[tuple[Body, Decimal]]) -> None:
    wanted = {body.pk: percent for body, percent in shares}
    OfficerShare.objects.filter(officer=officer).exclude(body_id__in=wanted).delete()
    existing = {s.body_id: s for s in OfficerShare.objects.filter(officer=officer)}
    for body, percent in shares:
        share = existing.get(body.pk) or OfficerShare(officer=officer, body=body)
        if share.pk is None or share.percent != percent:
            share.percent = percent
            share.full_clean()
            share.save()


# --- writes --------------------------------------------------------------------------------------------


@transaction.atomic
def officer_create(
    *,
    actor: Actor,
    kind: str,
    person: Any,
    employer: Body,
    starts_on: dt.date,
    shares: Sequence[ShareInput],
    alliance: Alliance | None = None,
    deputy: Any = None,
    ends_on: dt.date | None = None,
) -> SharedOfficer:
    """Record a shared officer serving the bodies of ``shares`` (``(body, percent)`` pairs)."""
    _authorize(actor, alliance.pk if alliance else None)
    if kind not in OfficerKind.values:
        raise Invalid(fields={"kind": [_("Unbekannte Funktion.")]})
    _check_people(person, deputy)
    _check_period(starts_on, ends_on)
    cleaned = _clean_shares(shares)
    _check_members(alliance, [b for b, _p in cleaned])
    _check_person_time(person, starts_on, ends_on, sum((p for _b, p in cleaned), Decimal("0")), None)
    officer = SharedOfficer(
        kind=kind,
        person=person,
        deputy=deputy,
        employer=employer,
        alliance=alliance,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    officer.full_clean()
    officer.save()
    _write_shares(officer, cleaned)
    audit_record(
        actor=actor,
        action=audit_actions.OFFICER_SET,
        target=officer,
        alliance=alliance,
        body=employer,
        changes={
            "person": _name(person),
            "deputy": _name(deputy),
            "employer": employer.name,
            "Anteile": _share_record(cleaned),
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    return officer


@transaction.atomic
def officer_update(
    *,
    actor: Actor,
    officer: SharedOfficer,
    person: Any,
    deputy: Any,
    starts_on: dt.date,
    ends_on: dt.date | None,
    shares: Sequence[ShareInput],
) -> SharedOfficer:
    """Change the person, deputy, period and shares; a linked settlement's key and recipients follow."""
    _authorize(actor, officer.alliance_id)
    officer = SharedOfficer.objects.select_for_update(of=("self",)).get(pk=officer.pk)
    _check_people(person, deputy)
    _check_period(starts_on, ends_on)
    cleaned = _clean_shares(shares)
    _check_members(officer.alliance, [b for b, _p in cleaned])
    _check_person_time(person, starts_on, ends_on, sum((p for _b, p in cleaned), Decimal("0")), officer.pk)
    before = {
        "person": _name(officer.person),
        "deputy": _name(officer.deputy),
        "starts_on": officer.starts_on,
        "ends_on": officer.ends_on,
        "Anteile": _share_record(
            [(s.body, s.percent) for s in officer.shares.select_related("body").order_by("body__name")]
        ),
    }
    officer.person, officer.deputy = person, deputy
    officer.starts_on, officer.ends_on = starts_on, ends_on
    officer.full_clean()
    officer.save()
    _write_shares(officer, cleaned)
    after = {
        "person": _name(person),
        "deputy": _name(deputy),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "Anteile": _share_record(sorted(cleaned, key=lambda item: item[0].name)),
    }
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(
            actor=actor,
            action=audit_actions.OFFICER_SET,
            target=officer,
            alliance=officer.alliance_id,
            body=officer.employer_id,
            changes=changes,
        )
    if officer.service_id is not None:
        _sync_service(actor, officer)
    return officer


@transaction.atomic
def officer_end(*, actor: Actor, officer: SharedOfficer, ends_on: dt.date) -> SharedOfficer:
    """End the role on ``ends_on`` (inclusive): from the next day the grants are gone."""
    _authorize(actor, officer.alliance_id)
    officer = SharedOfficer.objects.select_for_update(of=("self",)).get(pk=officer.pk)
    if officer.ends_on is not None and officer.ends_on <= ends_on:
        raise Conflict(_("Die Funktion endet bereits am %(date)s.") % {"date": f"{officer.ends_on:%d.%m.%Y}"})
    _check_period(officer.starts_on, ends_on)
    old = officer.ends_on
    officer.ends_on = ends_on
    officer.full_clean()
    officer.save(update_fields=["ends_on"])
    audit_record(
        actor=actor,
        action=audit_actions.OFFICER_END,
        target=officer,
        alliance=officer.alliance_id,
        body=officer.employer_id,
        changes={"ends_on": [old, ends_on]},
    )
    return officer


# --- the settlement -------------------------------------------------------------------------------------


def officer_key(officer: SharedOfficer) -> dict[str, Any]:
    """The ``fixed_share`` key of the officer's shares (by ARS); the unassigned rest to the employer."""
    percents: dict[str, Decimal] = {}
    for share in officer.shares.select_related("body"):
        percents[share.body.ars] = percents.get(share.body.ars, Decimal("0")) + share.percent
    rest = FULL - sum(percents.values(), Decimal("0"))
    if rest > 0:
        employer_ars = officer.employer.ars
        percents[employer_ars] = percents.get(employer_ars, Decimal("0")) + rest
    return {
        "type": "fixed_share",
        "shares": {ars: str(p.quantize(CENT)) for ars, p in sorted(percents.items())},
    }


def _key_bodies(officer: SharedOfficer) -> list[Body]:
    """The bodies the key names: the served ones and, when time is left, the employer."""
    bodies = {s.body_id: s.body for s in officer.shares.select_related("body")}
    if sum((s.percent for s in officer.shares.all()), Decimal("0")) < FULL:
        bodies.setdefault(officer.employer_id, officer.employer)
    return sorted(bodies.values(), key=lambda b: b.ars)


def _service_name(officer: SharedOfficer) -> str:
    label = (
        _("Gemeinsame/r Informationssicherheitsbeauftragte/r")
        if officer.kind == OfficerKind.ISB
        else _("Gemeinsame/r Datenschutzbeauftragte/r")
    )
    return f"{label} ({_name(officer.person)})"[:200]


def _sync_service(actor: Actor, officer: SharedOfficer) -> None:
    """Recipients and key of the linked service follow the shares (new bodies from today or the
    service's start; bodies no longer served end yesterday)."""
    service = officer.service
    assert service is not None
    wanted = {b.pk: b for b in _key_bodies(officer)}
    today = timezone.localdate()
    open_rows = {
        r.body_id: r for r in ServiceRecipient.objects.filter(service=service, until_date__isnull=True)
    }
    for body_id, body in wanted.items():
        if body_id not in open_rows:
            service_writes.recipient_add(
                actor=actor, service=service, body=body, from_date=max(today, service.start_date)
            )
    service_writes.service_set_key(actor=actor, service=service, config=officer_key(officer))
    for body_id, row in open_rows.items():
        if body_id not in wanted:
            service_writes.recipient_end(
                actor=actor, recipient=row, until_date=max(today - dt.timedelta(days=1), row.from_date)
            )


@transaction.atomic
def officer_settlement_link(
    *, actor: Actor, officer: SharedOfficer, service: SharedService | None = None
) -> SharedService:
    """Settle the officer's cost through a shared service of the alliance (see the module doc).

    Without ``service`` a new one is created: task "Informationssicherheit" (or "Datenschutz"),
    provided by the employing body, from the officer's start (or the alliance's first day as a
    member), key = the shares. With ``service`` (of the same alliance) that one is adopted and its
    key and recipients are set from the shares.
    """
    _authorize(actor, officer.alliance_id)
    officer = (
        SharedOfficer.objects.select_for_update(of=("self",))
        .select_related("alliance", "employer")
        .get(pk=officer.pk)
    )
    alliance = officer.alliance
    if alliance is None:
        raise Conflict(
            _("Nur die Beauftragten eines Verbunds werden über einen geteilten Dienst abgerechnet.")
        )
    if not Membership.objects.current().filter(alliance=alliance, body=officer.employer).exists():
        raise Invalid(
            fields={
                "employer": [
                    _(
                        "%(body)s ist kein aktuelles Mitglied des Verbunds; die Kosten können nur über einen "
                        "Dienst abgerechnet werden, den ein Mitglied erbringt."
                    )
                    % {"body": officer.employer.name}
                ]
            }
        )
    if service is None and officer.service_id is not None:
        raise Conflict(
            _("Die Kosten werden bereits über „%(service)s“ abgerechnet.") % {"service": officer.service}
        )
    if service is not None:
        if service.alliance_id != alliance.pk:
            raise Invalid(fields={"service": [_("Der Dienst gehört zu einem anderen Verbund.")]})
        officer.service = service
        officer.save(update_fields=["service"])
        _sync_service(actor, officer)
    else:
        task = Task.objects.filter(slug=TASK_OF_KIND[OfficerKind(officer.kind)]).first()
        if task is None:
            raise Conflict(_("Die Aufgabe „Informationssicherheit“ fehlt im Aufgabenkatalog."))
        start = officer.starts_on
        if alliance.start_date and alliance.start_date > start:
            start = alliance.start_date
        service = service_writes.service_create(
            actor=actor,
            alliance=alliance,
            task=task,
            provider=officer.employer,
            name=_service_name(officer),
            description=_(
                "Kosten der gemeinsamen Stelle, verteilt nach den vereinbarten Anteilen an der Arbeitszeit; "
                "den nicht zugeordneten Rest trägt die Anstellungskörperschaft."
            ),
            start_date=start,
            allocation_key=officer_key(officer),
            recipients=_key_bodies(officer),
        )
        officer.service = service
        officer.save(update_fields=["service"])
    audit_record(
        actor=actor,
        action=audit_actions.OFFICER_SET,
        target=officer,
        alliance=alliance,
        body=officer.employer_id,
        changes={"service": str(service)},
    )
    return service


# --- reading ---------------------------------------------------------------------------------------------


def sees_officer(principal: Principal, officer: SharedOfficer) -> bool:
    """Who sees an officer and the shares (organisational data, not TLP): the person and deputy,
    whoever manages officers of the alliance, readers of everything, staff of the employer, of a
    served body and of the alliance's current members."""
    return bool(visible_officers(principal).filter(pk=officer.pk).exists())


def visible_officers(principal: Principal) -> QuerySet[SharedOfficer]:
    """The officers ``principal`` sees (see :func:`sees_officer`)."""
    base = SharedOfficer.objects.select_related("person", "deputy", "employer", "alliance", "service")
    if principal.is_system:
        return base.all() if principal.capable("security.manage") else base.none()
    if not principal.is_authenticated:
        return base.none()
    if principal.reads_everything():
        return base.all()
    condition = Q(person_id=principal.user_id) | Q(deputy_id=principal.user_id)
    coordinated = principal.granted(alliance_policies.COORDINATOR)
    if coordinated:
        condition |= Q(alliance_id__in=coordinated)
    bodies = principal.body_ids()
    if bodies:
        member_of = Membership.objects.current().filter(body_id__in=bodies).values("alliance_id")
        condition |= (
            Q(employer_id__in=bodies)
            | Q(pk__in=OfficerShare.objects.filter(body_id__in=bodies).values("officer_id"))
            | Q(alliance_id__in=member_of)
        )
    return base.filter(condition)


@dataclass(frozen=True)
class ShareRow:
    body: Body
    percent: Decimal
    #: the body's share of the latest settlement (``None``: none yet, or not visible to the reader)
    cost: Decimal | None
    #: False when the reader may not see this body's cost (the row says "nicht einsehbar")
    cost_visible: bool


@dataclass(frozen=True)
class OfficerCosts:
    rows: list[ShareRow]
    settlement: Settlement | None
    #: the employer's part for the working time not assigned to a served body
    unassigned_percent: Decimal
    unassigned_cost: Decimal | None
    total_percent: Decimal


def latest_settlement(service: SharedService | None) -> Settlement | None:
    """The service's latest settlement: the latest year, final before advance, finalized before a
    draft, the highest version."""
    if service is None:
        return None
    candidates = Settlement.objects.filter(service=service)
    finalized = candidates.filter(status=SettlementStatus.FINALIZED)
    chosen = finalized if finalized.exists() else candidates
    return chosen.order_by("-year", "-kind", "-version").first()  # "final" > "advance"


def officer_costs(principal: Principal, officer: SharedOfficer) -> OfficerCosts:
    """Each served body's share and its cost from the latest settlement (three queries)."""
    shares = list(officer.shares.select_related("body").order_by("body__name"))
    settlement = latest_settlement(officer.service)
    lines: dict[int, Decimal] = {}
    if settlement is not None:
        lines = dict(SettlementLine.objects.filter(settlement=settlement).values_list("body_id", "share"))
    service = officer.service

    def visible(body_id: int) -> bool:
        return service is not None and service_policies.sees_line_of(principal, service, body_id)

    total = sum((s.percent for s in shares), Decimal("0"))
    unassigned = FULL - total
    employer_line = lines.get(officer.employer_id) if visible(officer.employer_id) else None
    unassigned_cost = employer_line
    rows = []
    for share in shares:
        show = visible(share.body_id)
        cost = lines.get(share.body_id) if show else None
        if share.body_id == officer.employer_id and cost is not None and unassigned > 0:
            # The employer's line carries its own share and the unassigned rest: split it by percent.
            cost = (cost * share.percent / (share.percent + unassigned)).quantize(CENT)
            unassigned_cost = None if employer_line is None else employer_line - cost
        rows.append(ShareRow(body=share.body, percent=share.percent, cost=cost, cost_visible=show))
    if unassigned <= 0:
        unassigned_cost = None
    return OfficerCosts(
        rows=rows,
        settlement=settlement,
        unassigned_percent=unassigned,
        unassigned_cost=unassigned_cost,
        total_percent=total,
    )


def is_current(officer: SharedOfficer, on: dt.date | None = None) -> bool:
    day = on or timezone.localdate()
    return officer.starts_on <= day and (officer.ends_on is None or officer.ends_on >= day)
