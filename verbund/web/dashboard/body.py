"""Start page of the staff (Sachbearbeitung) and heads (Verwaltungsleitung) of a body: the body's
alliances and what waits for it — queries to answer, drawdowns, proofs of use due, settlement drafts,
security advisories affecting its assets, staff duties; heads additionally what they sign.

Every read goes through the owning part's visibility (``visible_to`` / selectors); the lists are
narrowed to the person's own bodies, so nothing of another body shows. A fixed number of queries
however many bodies and alliances the person has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, Membership
from verbund.common.principal import Principal
from verbund.common.roles import Role
from verbund.funding import workflow
from verbund.funding.models import Application, Drawdown, DrawdownStatus, GrantNotice, GrantYear, InfoRequest
from verbund.shared_services.models import Settlement, SettlementStatus

from .common import Group, Item, Section, cut, flag_for, proof_due, url

BODY_ROLES = (Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)
#: Staff duties are shown for the next days.
DUTY_DAYS = 7


# --- shared by the body and the coordinator sections ----------------------------------------------


def alliance_items(alliances: Iterable[Alliance]) -> list[Item]:
    return [
        Item(
            title=alliance.name,
            url=url("alliances:detail", alliance.slug),
            meta=_("Stand: %(status)s") % {"status": alliance.get_status_display()},
        )
        for alliance in alliances
    ]


def proof_items(applications: QuerySet[Application], today: dt.date) -> list[Item]:
    """Proofs of use still to submit for granted applications (due six months after the grant
    period), soonest first, overdue and soon marked."""
    notices = (
        GrantNotice.objects.filter(application__in=applications, application__status=workflow.BEWILLIGT)
        .select_related("application__alliance", "application__applicant")
        .order_by("period_end", "pk")
    )
    items = []
    for notice in notices:
        application = notice.application
        due = proof_due(notice.period_end)
        items.append(
            Item(
                title=_("Verwendungsnachweis: %(title)s") % {"title": application.title},
                url=url("funding:application_detail", application.pk),
                meta=_("%(alliance)s, Antragsteller %(applicant)s")
                % {"alliance": application.alliance.name, "applicant": application.applicant.name},
                date=due,
                date_label=_("fällig am"),
                flag=flag_for(due, today),
                alliance_id=application.alliance_id,
            )
        )
    return items


def drawdown_items(applications: QuerySet[Application], today: dt.date) -> list[Item]:
    """Drawdowns requested and not yet decided, then grant years of this year or earlier with money
    still to draw."""
    pending = (
        Drawdown.objects.filter(
            status=DrawdownStatus.REQUESTED, grant_year__grant__application__in=applications
        )
        .select_related("grant_year__programme_year", "grant_year__grant__application")
        .order_by("requested_at", "pk")
    )
    items = [
        Item(
            title=_("Mittelabruf %(year)s: %(title)s")
            % {
                "year": drawdown.grant_year.programme_year.year,
                "title": drawdown.grant_year.grant.application.title,
            },
            url=url("funding:application_detail", drawdown.grant_year.grant.application_id),
            meta=_("beantragt, wartet auf die Bewilligungsbehörde"),
            date=timezone.localtime(drawdown.requested_at).date(),
            date_label=_("Mittel abgerufen am"),
        )
        for drawdown in pending
    ]
    open_years = (
        GrantYear.objects.filter(
            grant__application__in=applications.filter(status=workflow.BEWILLIGT),
            programme_year__year__lte=today.year,
            amount__gt=F("drawn") + F("pending"),
        )
        .select_related("programme_year", "grant__application")
        .order_by("programme_year__year", "pk")
    )
    items += [
        Item(
            title=_("Mittel %(year)s noch abrufbar: %(title)s")
            % {"year": year.programme_year.year, "title": year.grant.application.title},
            url=url("funding:application_detail", year.grant.application_id),
            meta=_("Haushaltsjahr %(year)s") % {"year": year.programme_year.year},
            date=dt.date(year.programme_year.year, 12, 31),
            date_label=_("Haushaltsjahr endet am"),
            flag=flag_for(dt.date(year.programme_year.year, 12, 31), today),
        )
        for year in open_years
    ]
    return items


def settlement_items(settlements: QuerySet[Settlement]) -> list[Item]:
    rows = settlements.filter(status=SettlementStatus.DRAFT).select_related(
        "service__task", "service__alliance"
    )
    return [
        Item(
            title=_("%(kind)s %(year)s: %(task)s")
            % {"kind": s.get_kind_display(), "year": s.year, "task": s.service.task.name},
            url=url("shared_services:settlement_detail", s.pk),
            meta=s.service.alliance.name,
            date=timezone.localtime(s.computed_at).date() if s.computed_at else None,
            date_label=_("berechnet am"),
            alliance_id=s.service.alliance_id,
        )
        for s in rows.order_by("service__alliance__name", "year", "pk")
    ]


# --- the body section ------------------------------------------------------------------------------


def _security_section(principal: Principal) -> Section:
    # Security's own selectors decide what the person sees (TLP and distribution included).
    from verbund.security.models import AFFECTED, RemediationState
    from verbund.security.policies import own_body_ids
    from verbund.security.selectors import visible_matches

    section = Section(
        "security",
        _("Sicherheitshinweise, die Sie betreffen"),
        _("Kein Sicherheitshinweis betrifft derzeit die Komponenten Ihrer Körperschaft."),
        links=[(_("Zur Sicherheitsübersicht"), url("security:index"))],
    )
    matches = (
        visible_matches(principal)
        .filter(
            current=True,
            status__in=AFFECTED,
            state__in=(RemediationState.OPEN, RemediationState.IN_PROGRESS),
            asset__owner_body_id__in=own_body_ids(principal),
        )
        .select_related("advisory")
        .order_by("-advisory__exploited", "-advisory__max_score", "advisory_id", "pk")
    )
    assets: dict[int, set[int]] = {}
    advisories: dict[int, Any] = {}
    for match in matches[:500]:
        advisories.setdefault(match.advisory_id, match.advisory)
        assets.setdefault(match.advisory_id, set()).add(match.asset_id)
    items = [
        Item(
            title=advisory.title,
            url=url("security:advisory_detail", advisory.pk),
            meta=(_("wird ausgenutzt") + " · " if advisory.exploited else "")
            + _("betroffene Komponenten: %(count)s") % {"count": len(assets[pk])},
            date=timezone.localtime(advisory.current_release_date).date(),
            date_label=_("Fassung vom"),
            flag="overdue" if advisory.exploited else "",
        )
        for pk, advisory in advisories.items()
    ]
    return cut(section, items)


def _duties_section(principal: Principal, now: dt.datetime) -> Section:
    from verbund.emergency.models import Position, Shift

    today = timezone.localdate(now)
    section = Section(
        "duties",
        _("Ihre Dienste im Krisenstab"),
        _("In den nächsten Tagen sind Sie für keinen Dienst eingeteilt und haben keine Stabsfunktion."),
    )
    shifts = (
        Shift.objects.filter(
            person_id=principal.user_id, ends_at__gte=now, starts_at__lt=now + dt.timedelta(days=DUTY_DAYS)
        )
        .select_related("staff")
        .order_by("starts_at", "pk")
    )
    items = [
        Item(
            title=_("Dienst: %(function)s, %(staff)s")
            % {"function": s.get_function_display(), "staff": s.staff.name},
            url=url("emergency:staff_detail", s.staff_id),
            meta=_("bis %(end)s") % {"end": timezone.localtime(s.ends_at).strftime("%d.%m.%Y %H:%M")},
            date=timezone.localtime(s.starts_at).date(),
            date_label=_("ab"),
        )
        for s in shifts
    ]
    positions = (
        Position.objects.filter(person_id=principal.user_id, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("staff")
        .order_by("staff__name", "pk")
    )
    items += [
        Item(
            title=_("Stabsfunktion: %(function)s (%(role)s), %(staff)s")
            % {"function": p.get_function_display(), "role": p.get_role_display(), "staff": p.staff.name},
            url=url("emergency:staff_detail", p.staff_id),
            date=p.starts_on,
            date_label=_("seit"),
        )
        for p in positions
    ]
    return cut(section, items)


def _sign_section(principal: Principal, headed: frozenset[int], alliances: list[Alliance]) -> Section:
    """What the head signs: applications to submit or resubmit, memberships to confirm."""
    section = Section(
        "sign",
        _("Zu unterschreiben"),
        _("Nichts wartet auf Ihre Unterschrift."),
    )
    drafts = (
        Application.objects.visible_to(principal)
        .filter(applicant_id__in=headed, status__in=(workflow.ENTWURF, workflow.RUECKFRAGE))
        .select_related("alliance")
        .order_by("updated_at", "pk")
    )
    items = [
        Item(
            title=_("Antrag einreichen: %(title)s") % {"title": a.title}
            if a.status == workflow.ENTWURF
            else _("Antrag erneut einreichen: %(title)s") % {"title": a.title},
            url=url("funding:application_detail", a.pk),
            meta=a.alliance.name,
        )
        for a in drafts
    ]
    visible = {alliance.pk: alliance for alliance in alliances}
    unconfirmed = (
        Membership.objects.current()
        .filter(body_id__in=headed, confirmed_at__isnull=True, alliance_id__in=list(visible))
        .select_related("body")
        .order_by("alliance_id", "pk")
    )
    items += [
        Item(
            title=_("Mitgliedschaft bestätigen: %(alliance)s") % {"alliance": visible[m.alliance_id].name},
            url=url("alliances:detail", visible[m.alliance_id].slug),
            meta=m.body.name,
            date=m.joined_on,
            date_label=_("beigetreten am"),
        )
        for m in unconfirmed
    ]
    return cut(section, items)


def body_group(principal: Principal, now: dt.datetime) -> Group | None:
    """The body section, or None when the person works for no body (duties alone still show)."""
    today = timezone.localdate(now)
    bodies = principal.body_ids(*BODY_ROLES)
    if not bodies:
        return None
    headed = principal.body_ids(Role.VERWALTUNGSLEITUNG)
    alliances = list(
        Alliance.objects.visible_to(principal)
        .filter(pk__in=Membership.objects.current().filter(body_id__in=bodies).values("alliance_id"))
        .order_by("name", "pk")
    )
    own_applications = Application.objects.visible_to(principal).filter(applicant_id__in=bodies)
    group = Group(
        "body",
        _("Ihre Körperschaft"),
        _("Was für die Körperschaften ansteht, für die Sie arbeiten."),
    )
    group.sections.append(
        cut(
            Section(
                "alliances",
                _("Verbünde Ihrer Körperschaft"),
                _("Ihre Körperschaft gehört noch keinem Verbund an."),
                links=[(_("Alle Verbünde"), url("alliances:directory"))],
            ),
            alliance_items(alliances),
        )
    )
    if headed:
        group.sections.append(_sign_section(principal, headed, alliances))
    questions = (
        InfoRequest.objects.filter(application__in=own_applications, answered_at__isnull=True)
        .select_related("application__alliance")
        .order_by("asked_at", "pk")
    )
    group.sections.append(
        cut(
            Section(
                "questions",
                _("Rückfragen zu Anträgen"),
                _("Keine Rückfrage der Bewilligungsbehörde ist offen."),
            ),
            [
                Item(
                    title=_("Rückfrage beantworten: %(title)s") % {"title": q.application.title},
                    url=url("funding:application_detail", q.application_id),
                    meta=q.application.alliance.name,
                    date=timezone.localtime(q.asked_at).date(),
                    date_label=_("gestellt am"),
                )
                for q in questions
            ],
        )
    )
    group.sections.append(
        cut(
            Section("proofs", _("Verwendungsnachweise"), _("Kein Verwendungsnachweis ist fällig.")),
            proof_items(own_applications, today),
        )
    )
    group.sections.append(
        cut(
            Section("drawdowns", _("Mittelabrufe"), _("Kein Mittelabruf steht an.")),
            drawdown_items(own_applications, today),
        )
    )
    settlements = Settlement.objects.visible_to(principal).filter(
        Q(service__provider_id__in=bodies) | Q(service__recipients__body_id__in=bodies)
    )
    group.sections.append(
        cut(
            Section(
                "settlements",
                _("Abrechnungen zur Durchsicht"),
                _("Keine Abrechnung Ihrer geteilten Dienste ist im Entwurf."),
            ),
            settlement_items(settlements.distinct()),
        )
    )
    group.sections.append(_security_section(principal))
    return group


def duties_group(principal: Principal, now: dt.datetime) -> Group | None:
    """Staff duties of the person (their own shifts and positions)."""
    if not principal.is_person or principal.user_id is None:
        return None
    section = _duties_section(principal, now)
    if not section.items and not principal.body_ids(*BODY_ROLES):
        return None
    return Group("duties", _("Krisenstab"), sections=[section])
