"""The yearly programme report (accessible PDF and XLSX), generated on the queue, and the programme's
aggregate figures as open data.

* :func:`report_request` — the office or the funding authority asks for the report of a year: a
  :class:`~verbund.advisory.models.ProgrammeReport` row "wartet", audited, and the queue task
  (:func:`verbund.advisory.tasks_reports.build_programme_report`) after commit.
* :func:`report_build` — the task's work: the figures of :func:`report_data` (the programme summary
  of :mod:`.programme` up to the year, savings by the uniform method of :mod:`.savings`, conditions at
  risk, evidence highlights, rollout totals) into a tagged PDF/UA-1 (:func:`verbund.common.pdf.render_pdf`)
  and an XLSX workbook (one sheet per subject, header rows, a totals row that equals the summary's
  totals); status "fertig" or "Fehler" with the error; the requester is notified either way.
* :func:`open_data_items` — per year and per Kreis: member bodies, inhabitants in alliances,
  alliances, granted and paid (no personal data; single grants are not shown — the paid sum of a
  Kreis with fewer than :data:`MIN_GRANTS_FOR_PAID` grants in the year is left empty, because it
  would be the drawdown of one or two applications, which is not public).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal
from verbund.notifications.services import Audience, publish, register_event_type

from .. import audit_actions, policies
from ..models.evidence import ProgrammeReport, ReportStatus

FIRST_YEAR = 2000
LAST_YEAR = 2100
#: A Kreis's paid sum of a year is published only with at least this many grants behind it.
MIN_GRANTS_FOR_PAID = 3

READ_REFUSAL = gettext_noop("Programmberichte fordern die Beratungsstelle und die Bewilligungsbehörde an.")
REPORTER = SystemActor(name="Programmbericht (automatisch)", capabilities=frozenset({policies.MANAGE}))

REPORT_DONE = register_event_type(
    "advisory.report_done", label=gettext_lazy("Programmbericht erstellt"), webhooks=False
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- request and read --------------------------------------------------------------------------------


def reports_of(principal: Principal) -> QuerySet[ProgrammeReport]:
    """All reports (shared by the office and the funding authority); none for anybody else."""
    if not policies.reads_programme(principal):
        return ProgrammeReport.objects.none()
    return ProgrammeReport.objects.select_related("requested_by").order_by("-requested_at", "-id")


def get_report(principal: Principal, report_id: int) -> ProgrammeReport:
    report = reports_of(principal).filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report


def report_request(*, actor: Actor, year: int) -> ProgrammeReport:
    """Queue the report of ``year`` (office and funding authority; 422 naming ``year`` out of range)."""
    principal = authorize(actor, policies.reads_programme, _(READ_REFUSAL))
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(
            fields={
                "year": [
                    _("Bitte ein Jahr zwischen %(first)s und %(last)s angeben.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                ]
            }
        )
    if year > timezone.localdate().year:
        raise Invalid(fields={"year": [_("Für ein künftiges Jahr gibt es noch keinen Bericht.")]})
    with transaction.atomic():
        report = ProgrammeReport.objects.create(
            year=year, requested_by_id=principal.user_id if principal.is_person else None
        )
        audit_record(actor=actor, action=audit_actions.REPORT_REQUEST, target=report, changes={"Jahr": year})
        transaction.on_commit(lambda: _enqueue(report.pk), robust=True)
    return report


def _enqueue(report_id: int) -> None:
    from ..tasks_reports import build_programme_report

    build_programme_report.delay(report_id)


# --- contents ---------------------------------------------------------------------------------------


def _years_until(year: int) -> list[int]:
    """The programme's years up to ``year`` (from its first year with figures), at least ``[year]``."""
    from .programme import programme_summary

    everything = programme_summary(today=min(dt.date(year, 12, 31), timezone.localdate()))
    years = [y for y in everything.years if y <= year]
    return years or [year]


def report_data(year: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the report shows for ``year`` (plain data; money as ``Decimal``)."""
    from . import evidence, rollout
    from .programme import programme_summary

    today = today or timezone.localdate()
    day = min(dt.date(year, 12, 31), today)
    years = _years_until(year)
    summary = programme_summary(years=years, today=day)
    return {
        "year": year,
        "as_of": day,
        "summary": summary,
        "highlights": evidence.highlights(year=year),
        "rollout": rollout.totals_for_report(),
        "generated_at": timezone.localtime(),
    }


def _d(value: Any) -> Decimal:
    return Decimal(str(value or "0"))


# --- XLSX -------------------------------------------------------------------------------------------


def _sheet(
    workbook: Any, title: str, headers: list[str], rows: list[list[Any]], total: list[Any] | None
) -> Any:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    if total is not None:
        sheet.append(total)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            12, len(header) + 2
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    return sheet


def build_xlsx(data: dict[str, Any]) -> bytes:
    """The workbook: one sheet per subject, German headers, totals rows (numbers as numbers)."""
    from openpyxl import Workbook

    from verbund.common.spreadsheet import workbook_bytes

    summary = data["summary"]
    workbook = Workbook()
    overview = workbook.active
    overview.title = _("Überblick")
    overview.append([_("Programmbericht"), data["year"]])
    overview.append([_("Stand"), data["as_of"].strftime("%d.%m.%Y")])
    participation = summary.participation
    overview.append([_("Körperschaften in Verbünden"), participation.get("bodies", 0)])
    overview.append([_("Verbünde"), participation.get("alliances", 0)])
    overview.append([_("erreichte Gemeinden"), participation.get("municipalities", 0)])
    overview.append([_("Einwohner in Verbünden"), participation.get("inhabitants", 0)])

    total = summary.money
    _sheet(
        workbook,
        _("Geld je Jahr"),
        [
            _("Jahr"),
            _("Mittel (EUR)"),
            _("bewilligt (EUR)"),
            _("ausgezahlt (EUR)"),
            _("zurückgefordert (EUR)"),
            _("Bewilligungen"),
        ],
        [
            [r["year"], _d(r["budget"]), _d(r["granted"]), _d(r["paid"]), _d(r["repaid"]), r["grants"]]
            for r in summary.money_by_year
        ],
        [_("Summe"), _d(total["budget"]), _d(total["granted"]), _d(total["paid"]), _d(total["repaid"]), None],
    )
    kreis_rows = summary.participation_by_kreis
    _sheet(
        workbook,
        _("Teilnahme nach Kreis"),
        [
            _("Kreis (ARS)"),
            _("Kreis"),
            _("Körperschaften"),
            _("erreichte Gemeinden"),
            _("Einwohner in Verbünden"),
            _("Einwohner insgesamt"),
        ],
        [
            [
                r["kreis"],
                r["name"],
                r["bodies"],
                r["municipalities"],
                r["inhabitants"],
                r["inhabitants_total"],
            ]
            for r in kreis_rows
        ],
        [
            _("Summe"),
            "",
            participation.get("bodies", 0),
            participation.get("municipalities", 0),
            participation.get("inhabitants", 0),
            participation.get("inhabitants_total", 0),
        ],
    )
    _sheet(
        workbook,
        _("Teilnahme je Jahr"),
        [
            _("Jahr"),
            _("Körperschaften"),
            _("Verbünde"),
            _("erreichte Gemeinden"),
            _("Einwohner in Verbünden"),
        ],
        [
            [r["year"], r["bodies"], r["alliances"], r["municipalities"], r["inhabitants"]]
            for r in summary.participation_by_year
        ],
        None,
    )
    measured = summary.savings["measured"]
    _sheet(
        workbook,
        _("Einsparungen"),
        [
            _("Jahr"),
            _("Kosten allein (EUR)"),
            _("Kosten gemeinsam vor Gebühren (EUR)"),
            _("Einsparung (EUR)"),
            _("Einsparung (%)"),
            _("Dienste"),
        ],
        [
            [
                r["year"],
                _d(r["standalone"]),
                _d(r["shared"]),
                _d(r["saving"]),
                None if r["percent"] is None else _d(r["percent"]),
                r["services"],
            ]
            for r in summary.savings_by_year
        ],
        [
            _("Summe gemessen"),
            _d(measured["standalone"]),
            _d(measured["shared"]),
            _d(measured["saving"]),
            None if measured["percent"] is None else _d(measured["percent"]),
            None,
        ],
    )
    planned = summary.savings["planned"]
    sheet = workbook[_("Einsparungen")]
    sheet.append([])
    sheet.append(
        [
            _("geplant laut Anträgen"),
            _d(planned["baseline"]),
            _d(planned["expected"]),
            _d(planned["saving"]),
            None if planned["percent"] is None else _d(planned["percent"]),
            planned["applications"],
        ]
    )
    _sheet(
        workbook,
        _("Handlungsfelder"),
        [_("Handlungsfeld"), _("Verbünde")],
        [[r["name"], r["count"]] for r in summary.fields_of_action],
        None,
    )
    _sheet(
        workbook,
        _("Rechtsformen"),
        [_("Rechtsform"), _("Verbünde")],
        [[r["label"], r["count"]] for r in summary.legal_forms],
        [_("Summe"), sum(r["count"] for r in summary.legal_forms)],
    )
    _sheet(
        workbook,
        _("Reifegrad"),
        [_("Stand"), _("Verbünde")],
        [[r["label"], r["count"]] for r in summary.maturity],
        [_("Summe"), sum(r["count"] for r in summary.maturity)],
    )
    _sheet(
        workbook,
        _("Auflagen gefährdet"),
        [_("Verbund"), _("Auflage"), _("fällig")],
        [
            [
                r["alliance_name"],
                r["label"],
                dt.date.fromisoformat(r["due"]).strftime("%d.%m.%Y") if r["due"] else "",
            ]
            for r in summary.conditions.get("at_risk", [])
        ],
        None,
    )
    _sheet(
        workbook,
        _("Nachweise"),
        [_("Verbund"), _("Kennzahl"), _("vorher"), _("im Jahr"), _("Einheit"), _("Bewertung"), _("Quelle")],
        [
            [h["alliance"], h["metric"], h["before"], h["after"], h["unit"], h["words"], h["source"]]
            for h in data["highlights"]
        ],
        None,
    )
    rollout = data["rollout"]
    if rollout is not None:
        _sheet(
            workbook,
            _("Ausrollung"),
            [
                _("Kreis"),
                _("neue Verbünde"),
                _("Kommunen"),
                _("Einwohner"),
                _("Zuschüsse (EUR)"),
                _("Einsparung je Jahr (EUR)"),
            ],
            [[r.name, r.groups, r.bodies, r.population, r.grants, r.saving] for r in rollout["rows"]],
            [
                _("Summe"),
                rollout["groups"],
                rollout["bodies"],
                rollout["population"],
                rollout["grants"],
                rollout["saving"],
            ],
        )
    workbook.properties.title = _("Programmbericht %(year)s") % {"year": data["year"]}
    workbook.properties.language = "de"
    return workbook_bytes(workbook)


# --- PDF --------------------------------------------------------------------------------------------


def build_pdf(data: dict[str, Any]) -> bytes:
    from verbund.common.pdf import render_pdf

    title = _("Programmbericht %(year)s der IKZ-Förderung") % {"year": data["year"]}
    return render_pdf(
        "advisory/reports/report_pdf.html",
        data,
        title=title,
        author=_("Transfer- und Beratungsstelle"),
        subject=_("Jahresbericht des Förderprogramms interkommunale Zusammenarbeit"),
    )


# --- the queue's work -------------------------------------------------------------------------------


def report_build(report_id: int) -> ProgrammeReport | None:
    """Build the report ``report_id`` (the queue task). ``None``: no such report (deleted meanwhile)."""
    with transaction.atomic():
        report = ProgrammeReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status == ReportStatus.DONE:
            return report
        report.status = ReportStatus.RUNNING
        report.error = ""
        report.save(update_fields=["status", "error"])
    try:
        with translation.override(settings.LANGUAGE_CODE):  # an official report: German
            data = report_data(report.year)
            pdf = build_pdf(data)
            xlsx = build_xlsx(data)
    except Exception as exc:  # the report records any failure and tells the requester
        report.status = ReportStatus.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        _notify(report)
        return report
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    report.pdf.save(f"programmbericht-{report.year}-{stamp}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"programmbericht-{report.year}-{stamp}.xlsx", ContentFile(xlsx), save=False)
    report.status = ReportStatus.DONE
    report.finished_at = timezone.now()
    report.save(update_fields=["pdf", "xlsx", "status", "finished_at"])
    _notify(report)
    return report


def _notify(report: ProgrammeReport) -> None:
    if report.requested_by_id is None:
        return
    done = report.status == ReportStatus.DONE
    publish(
        REPORT_DONE,
        actor=REPORTER,
        title=_("Programmbericht %(year)s") % {"year": report.year},
        text=(
            gettext_noop("Der Programmbericht %(year)s ist fertig (PDF und Tabelle).")
            if done
            else gettext_noop("Der Programmbericht %(year)s konnte nicht erstellt werden.")
        ),
        text_params={"year": report.year},
        path=reverse("advisory:reports"),
        audience=Audience.users(report.requested_by_id),
        payload={"report": report.pk, "year": report.year, "status": report.status},
    )


# --- open data --------------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = (
    "Jahr",
    "Kreis (ARS)",
    "Kreis",
    "Körperschaften in Verbünden",
    "Einwohner in Verbünden",
    "Verbünde",
    "Bewilligt (EUR)",
    "Ausgezahlt (EUR)",
)


def open_data_items(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per year for the Land (``kreis`` empty) and one per year and Kreis.

    Bodies and inhabitants come from the programme summary (members at the end of the year);
    alliances per Kreis are those with a member body in the Kreis; money follows the applicant's
    Kreis, as the summary does. ``paid`` is ``None`` where fewer than :data:`MIN_GRANTS_FOR_PAID`
    grants of the Kreis lie behind it, and for the Land too when the hidden cells of the year together
    hold fewer than that many grants (else the Land total minus the shown Kreise would reveal them).
    """
    from verbund.alliances.models import Membership
    from verbund.funding.models import GrantYear

    from .programme import programme_summary

    today = today or timezone.localdate()
    everything = programme_summary(today=today)
    years = everything.years
    memberships = list(Membership.objects.values_list("alliance_id", "joined_on", "left_on", "body__ars"))
    money = {
        (row["year"], row["kreis"]): row
        for row in GrantYear.objects.annotate(
            year=F("programme_year__year"), kreis=Substr("grant__application__applicant__ars", 1, 5)
        )
        .values("year", "kreis")
        .annotate(granted=Sum("amount"), paid=Sum("drawn"), grants=Count("grant_id", distinct=True))
        .order_by()
    }
    items: list[dict[str, Any]] = []
    for year in years:
        summary = programme_summary(years=[year], today=today)
        day = min(dt.date(year, 12, 31), today)
        valid = [m for m in memberships if m[1] <= day and (m[2] is None or m[2] > day)]
        alliances_by_kreis: dict[str, set[int]] = {}
        for alliance_id, _joined, _left, ars in valid:
            alliances_by_kreis.setdefault(ars[:5], set()).add(alliance_id)
        money_year = summary.money_by_year[0] if summary.money_by_year else {}
        items.append(
            {
                "year": year,
                "kreis": "",
                "kreis_name": _("Land insgesamt"),
                "bodies": summary.participation.get("bodies", 0),
                "inhabitants": summary.participation.get("inhabitants", 0),
                "alliances": summary.participation.get("alliances", 0),
                "granted": str(_d(money_year.get("granted"))),
                "paid": str(_d(money_year.get("paid"))),
            }
        )
        land_row = items[-1]
        kreise = {r["kreis"]: r for r in summary.participation_by_kreis}
        keys = sorted(set(kreise) | {k for (y, k) in money if y == year and k})
        #: grants behind the Kreis cells whose paid sum is hidden: if they are fewer than the minimum
        #: together, the Land total would give them away by subtraction, so it is hidden too
        hidden_grants = 0
        for key in keys:
            row = kreise.get(key, {})
            cell = money.get((year, key), {})
            grants = int(cell.get("grants") or 0)
            items.append(
                {
                    "year": year,
                    "kreis": key,
                    "kreis_name": row.get("name", key),
                    "bodies": row.get("bodies", 0),
                    "inhabitants": row.get("inhabitants", 0),
                    "alliances": len(alliances_by_kreis.get(key, ())),
                    "granted": str(_d(cell.get("granted")).quantize(Decimal("0.01"))),
                    "paid": str(_d(cell.get("paid")).quantize(Decimal("0.01")))
                    if grants >= MIN_GRANTS_FOR_PAID
                    else None,
                }
            )
            if 0 < grants < MIN_GRANTS_FOR_PAID:
                hidden_grants += grants
        if 0 < hidden_grants < MIN_GRANTS_FOR_PAID:
            land_row["paid"] = None
    return items
