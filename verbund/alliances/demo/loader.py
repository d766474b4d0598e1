"""Loading the demo alliances through the services, as the system actor :data:`ACTOR`.

Non-destructive: an alliance that already exists (by its slug) is left **entirely alone** — no
member reconciliation, no status change, no re-adding of a removed member, no coordinator change —
because a coordinator may have worked with it since. Only alliances that never existed are created:
``alliance_create``, ``member_add`` (with the historic joining dates), one ``alliance_transition``
per stage up to the stage of the source (dated to the start, noted as taken over from the source),
``alliance_publish`` and, where the data name one, ``coordinator_assign`` for a demo coordinator
(created with ``ensure_demo_user``: e-mail ``<username>@verbund.invalid``, existing users untouched).
A member missing from the registry (the built-in sample lacks some Landkreise' municipalities) is
skipped with a warning; a stage that then cannot be reached (an agreement needs two members) is
left out with a warning too. Loading never fails for either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from verbund.accounts.demo import DEMO_PASSWORD, ensure_demo_user
from verbund.common.actors import SystemActor
from verbund.common.roles import Role
from verbund.registry.models import Body

from .. import lifecycle, policies
from ..models import Alliance, Membership
from ..services import alliance_create, alliance_publish, alliance_transition, coordinator_assign, member_add
from .data import DEMO_ALLIANCES, DEMO_COORDINATORS, DemoAlliance, DemoCoordinator

#: The demo loader acts as this system actor (alliances and, for its coordinators, accounts).
ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({policies.MANAGE, "accounts.manage"}))
STATUS_NOTE = "Stand aus öffentlicher Quelle übernommen (Demodaten)"


@dataclass
class _Report:
    created: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


def _moment(day: dt.date) -> dt.datetime:
    """Noon of ``day`` (never later than now): the date of the demo's historic steps."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    return min(moment, timezone.now())


def _create(spec: DemoAlliance, bodies: dict[str, Body], report: _Report) -> Alliance:
    today = timezone.localdate()
    members = []
    for member in spec.members:
        body = bodies.get(member.key)
        if body is None:
            report.warnings.append(
                f"{spec.name}: {member.label} (Schlüssel {member.key}) fehlt im Register – übersprungen."
            )
            continue
        members.append((body, member.role, min(member.joined_on or spec.joined_on, today)))
    started = min([spec.joined_on, *(joined for _, _, joined in members)])
    moment = _moment(started)
    alliance = alliance_create(
        actor=ACTOR,
        slug=spec.slug,
        name=spec.name,
        short_name=spec.short_name,
        description=spec.description,
        public_summary=spec.public_summary,
        fields=spec.fields,
        legal_form=spec.legal_form,
        start_date=spec.start_date,
        end_date=spec.end_date,
        sources=spec.source_text(),
        reported_grant_eur=spec.reported_grant_eur,
        reported_grant_note=spec.reported_grant_note,
        created_at=moment,
        note=STATUS_NOTE,
    )
    for body, role, joined_on in members:
        member_add(actor=ACTOR, alliance=alliance, body=body, role=role, joined_on=joined_on)
    _move_to(alliance, spec, moment, report)
    return alliance_publish(actor=ACTOR, alliance=alliance)


def _move_to(alliance: Alliance, spec: DemoAlliance, moment: dt.datetime, report: _Report) -> None:
    """Step through the lifecycle up to the stage of the source, one stage at a time."""
    order = list(lifecycle.STATUS_ORDER)
    while alliance.status != spec.status:
        step = (
            lifecycle.BEENDET if spec.status == lifecycle.BEENDET else order[order.index(alliance.status) + 1]
        )
        problems = lifecycle.transition_problems(
            current=alliance.status,
            target=step,
            legal_form=alliance.legal_form,
            member_count=Membership.objects.current().filter(alliance=alliance).count(),
        )
        if problems:
            report.warnings.append(
                f"{spec.name}: Status „{lifecycle.STATUS_LABELS[step]}“ nicht erreicht – {' '.join(problems)}"
            )
            return
        alliance_transition(
            actor=ACTOR, alliance=alliance, to_status=step, note=STATUS_NOTE, changed_at=moment
        )


def _coordinate(alliance: Alliance, coordinator: DemoCoordinator, bodies: dict[str, Body]) -> None:
    body = bodies.get(coordinator.body_key) if coordinator.body_key else None
    user = ensure_demo_user(
        username=coordinator.username,
        first_name=coordinator.first_name,
        last_name=coordinator.last_name,
        roles=[(Role.SACHBEARBEITUNG, body)] if body is not None else [],
    )
    coordinator_assign(actor=ACTOR, alliance=alliance, user=user)


def _write(stream: TextIO | Any | None, line: str) -> None:
    if stream is not None:
        stream.write(line if line.endswith("\n") else line + "\n")


@transaction.atomic
def load_demo_alliances(*, stdout: TextIO | Any | None = None) -> list[Alliance]:
    """Create the demo alliances that do not exist yet (see the module doc); returns all of them.

    Writes one summary line and one warning line per member missing from the registry to ``stdout``.
    """
    keys = {m.key for spec in DEMO_ALLIANCES for m in spec.members}
    keys |= {c.body_key for c in DEMO_COORDINATORS.values() if c.body_key}
    bodies = {body.key: body for body in Body.objects.current().filter(key__in=keys)}
    existing = {a.slug: a for a in Alliance.objects.filter(slug__in=[s.slug for s in DEMO_ALLIANCES])}
    report = _Report()
    alliances = []
    for spec in DEMO_ALLIANCES:
        alliance = existing.get(spec.slug)
        if alliance is not None:
            report.unchanged += 1
        else:
            alliance = _create(spec, bodies, report)
            coordinator = DEMO_COORDINATORS.get(spec.slug)
            if coordinator is not None:
                _coordinate(alliance, coordinator, bodies)
            report.created += 1
        alliances.append(alliance)
    _write(
        stdout,
        f"Demo-Verbünde: {report.created} angelegt, {report.unchanged} schon vorhanden "
        "(unverändert gelassen).",
    )
    for warning in report.warnings:
        _write(stdout, f"Hinweis: {warning}")
    return alliances


def demo_coordinator_logins() -> list[tuple[str, str, str]]:
    """``(username, password, description)`` of the demo coordinators, for the list of demo logins."""
    names = {spec.slug: spec.name for spec in DEMO_ALLIANCES}
    return [
        (c.username, DEMO_PASSWORD, f"Verbundkoordination: {names[slug]}")
        for slug, c in DEMO_COORDINATORS.items()
    ]
