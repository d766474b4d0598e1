"""Start page of an alliance's coordinators (Verbundkoordination): per coordinated alliance its
state — lifecycle, members and the confirmations still missing, applications, the next proof of use,
settlement drafts and the open advisory cases they may read. One query per kind of row for all their
alliances together."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, Membership
from verbund.alliances.policies import COORDINATOR
from verbund.common.german import format_date, format_number
from verbund.common.principal import Principal
from verbund.funding import workflow
from verbund.funding.models import Application
from verbund.shared_services.models import Settlement

from .body import proof_items, settlement_items
from .common import LIMIT, Group, Item, Section, url
from .office import case_items, visible_cases


def coordinator_group(principal: Principal, now: dt.datetime) -> Group | None:
    coordinated = principal.granted(COORDINATOR)
    if not coordinated:
        return None
    today = timezone.localdate(now)
    alliances = list(
        Alliance.objects.visible_to(principal)
        .filter(pk__in=coordinated)
        .annotate(
            members=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
        )
        .order_by("name", "pk")
    )
    ids = [a.pk for a in alliances]
    unconfirmed: dict[int, list[Membership]] = defaultdict(list)
    for m in (
        Membership.objects.current()
        .filter(alliance_id__in=ids, confirmed_at__isnull=True)
        .select_related("body")
        .order_by("body__name", "pk")
    ):
        unconfirmed[m.alliance_id].append(m)
    applications = Application.objects.visible_to(principal).filter(alliance_id__in=ids)
    open_apps: dict[int, list[Application]] = defaultdict(list)
    for a in applications.filter(status__in=workflow.OPEN).order_by("updated_at", "pk"):
        open_apps[a.alliance_id].append(a)
    proofs: dict[int, list[Item]] = defaultdict(list)
    for item in proof_items(applications, today):
        proofs[item.alliance_id].append(item)
    drafts: dict[int, list[Item]] = defaultdict(list)
    for item in settlement_items(
        Settlement.objects.visible_to(principal).filter(service__alliance_id__in=ids)
    ):
        drafts[item.alliance_id].append(item)
    cases: dict[int, list[Item]] = defaultdict(list)
    for item in case_items(visible_cases(principal).filter(alliance_id__in=ids), today):
        cases[item.alliance_id].append(item)

    group = Group(
        "coordinator",
        _("Ihre Verbünde (Koordination)"),
        _("Der Stand der Verbünde, die Sie koordinieren."),
    )
    for alliance in alliances:
        missing = unconfirmed[alliance.pk]
        next_proof = proofs[alliance.pk][0] if proofs[alliance.pk] else None
        section = Section(
            f"alliance-{alliance.pk}",
            alliance.name,
            _("Für diesen Verbund steht nichts an."),
            links=[
                (_("Zum Verbund"), url("alliances:detail", alliance.slug)),
                (_("Geteilte Dienste"), url("shared_services:alliance_services", alliance.slug)),
            ],
            figures=[
                (_("Stand"), alliance.get_status_display()),
                (_("Mitglieder"), format_number(getattr(alliance, "members", 0))),
                (_("Bestätigungen fehlen"), format_number(len(missing))),
                (_("Offene Anträge"), format_number(len(open_apps[alliance.pk]))),
                (
                    _("Nächster Verwendungsnachweis"),
                    format_date(next_proof.date) if next_proof and next_proof.date else _("keiner fällig"),
                ),
                (_("Abrechnungsentwürfe"), format_number(len(drafts[alliance.pk]))),
                (_("Offene Beratungsfälle"), format_number(len(cases[alliance.pk]))),
            ],
        )
        items = [
            Item(
                title=_("Bestätigung fehlt: %(body)s") % {"body": m.body.name},
                url=url("alliances:detail", alliance.slug),
                date=m.joined_on,
                date_label=_("beigetreten am"),
            )
            for m in missing
        ]
        items += [
            Item(
                title=_("Antrag: %(title)s") % {"title": a.title},
                url=url("funding:application_detail", a.pk),
                meta=a.get_status_display(),
            )
            for a in open_apps[alliance.pk]
        ]
        items += proofs[alliance.pk] + drafts[alliance.pk] + cases[alliance.pk]
        section.total = len(items)
        section.items = items[: LIMIT * 2]
        group.sections.append(section)
    if not group.sections:
        return None
    return group
