"""Start page of the funding authority (Bewilligungsbehörde): its queue — applications to review,
drawdowns to pay, proofs of use to check — read through the funding part's own
:func:`verbund.funding.selectors.work_queue`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.common.principal import Principal
from verbund.funding import workflow
from verbund.funding.policies import is_authority
from verbund.funding.selectors import work_queue

from .common import Group, Item, Section, cut, url


def authority_group(principal: Principal, now: dt.datetime) -> Group | None:
    if not is_authority(principal):
        return None
    queue = work_queue(principal)
    to_review: list[Item] = []
    to_check: list[Item] = []
    for a in queue.applications:
        submitted = timezone.localtime(a.submitted_at).date() if a.submitted_at else None
        item = Item(
            title=f"{a.reference} {a.title}",
            url=url("funding:application_detail", a.pk),
            meta=f"{a.alliance.name} · {a.get_status_display()}",
            date=submitted,
            date_label=_("eingereicht am"),
            alliance_id=a.alliance_id,
        )
        (to_check if a.status == workflow.NACHWEIS else to_review).append(item)
    drawdowns = [
        Item(
            title=_("Mittelabruf %(year)s: %(title)s")
            % {"year": d.grant_year.programme_year.year, "title": d.grant_year.grant.application.title},
            url=url("funding:application_detail", d.grant_year.grant.application_id),
            meta=d.grant_year.grant.application.alliance.name,
            date=timezone.localtime(d.requested_at).date(),
            date_label=_("Mittel abgerufen am"),
        )
        for d in queue.drawdowns
    ]
    queue_link = [(_("Zum Arbeitsvorrat der Förderung"), url("funding:queue"))]
    return Group(
        "authority",
        _("Bewilligungsbehörde"),
        _("Was auf Ihre Prüfung und Entscheidung wartet."),
        sections=[
            cut(
                Section(
                    "review", _("Anträge zu prüfen"), _("Kein Antrag wartet auf Prüfung."), links=queue_link
                ),
                to_review,
            ),
            cut(Section("payments", _("Mittelabrufe freizugeben"), _("Kein Mittelabruf wartet.")), drawdowns),
            cut(
                Section("checks", _("Verwendungsnachweise zu prüfen"), _("Kein Verwendungsnachweis wartet.")),
                to_check,
            ),
        ],
    )
