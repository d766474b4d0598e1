"""The grant notice (Zuwendungsbescheid) as a PDF, generated with fpdf2 when the grant is made.

The layout follows the usual structure of a Zuwendungsbescheid under § 44 LHO: addressee, subject,
I. Bewilligung (amount, financing type, rate, eligible expenditure, period), II. amounts per budget
year, III. Nebenbestimmungen, IV. Begründung (the checks and, if any, the reason for a deviation),
V. Rechtsbehelfsbelehrung (placeholder text: the authority must insert its own).

Only the PDF core font (Helvetica, Latin-1) is used, so that no font file has to be shipped; the
few characters outside Latin-1 (dashes, typographic quotes, €) are replaced by their ASCII twins.
The creation date is the notice's date, so the same notice always gives the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone, translation
from fpdf import FPDF

from verbund.common.pdf import latin1

from . import rules

if TYPE_CHECKING:
    from .models import GrantNotice


class _Notice(FPDF):
    def __init__(self, reference: str) -> None:
        super().__init__(format="A4")
        self.reference = reference
        self.set_margins(22, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", size=8)
        self.cell(
            0, 6, latin1(f"Zuwendungsbescheid {self.reference} – Seite {self.page_no()}/{{nb}}"), align="C"
        )


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _row(pdf: FPDF, key: str, value: str) -> None:
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(62, 5, latin1(key))
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, latin1(value), new_x="LMARGIN", new_y="NEXT")


@translation.override("de")
def render_grant_notice(grant: GrantNotice) -> bytes:
    """The PDF of ``grant`` (its application, years and checks must be loaded or loadable).

    An official document: German whatever the language of the person who grants (labels of coded
    values such as the financing type included)."""
    application = grant.application
    programme = application.programme
    issued = grant.issued_at
    issued_date = timezone.localtime(issued).date()
    pdf = _Notice(grant.reference)
    pdf.set_title(latin1(f"Zuwendungsbescheid {grant.reference}"))
    pdf.set_author("Bewilligungsbehörde")
    pdf.set_creator("Verbund")
    pdf.set_creation_date(issued)
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.set_font("Helvetica", size=9)
    _paragraph(pdf, f"Bewilligungsbehörde · {programme.name}")
    pdf.set_font("Helvetica", size=10)
    addressee = rules_label(application.applicant.kind, application.applicant.name)
    _paragraph(pdf, f"{addressee}\nfür den Verbund „{application.alliance.name}“")
    pdf.set_xy(130, 20)
    pdf.multi_cell(
        0,
        5,
        latin1(f"Aktenzeichen: {grant.reference}\nDatum: {issued_date:%d.%m.%Y}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(55)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, latin1("Zuwendungsbescheid"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    subject = f"Zuwendung aus dem Programm „{programme.name}“ für das Vorhaben „{application.title}“"
    if application.submitted_at:
        subject += f" (Antrag {application.reference} vom {application.submitted_at:%d.%m.%Y})"
    _paragraph(pdf, subject + ".")

    _heading(pdf, "I. Bewilligung")
    rate = rules.funding_rate(grant.amount, grant.planned_eligible_costs)
    _row(pdf, "Zuwendung", f"{rules.eur(grant.amount)} (nicht rückzahlbarer Zuschuss)")
    _row(pdf, "Finanzierungsart", grant.get_financing_display())
    _row(pdf, "Zuwendungsfähige Ausgaben", rules.eur(grant.planned_eligible_costs))
    if rate is not None:
        _row(pdf, "Fördersatz", rules.percent(rate))
    _row(pdf, "Bewilligungszeitraum", f"{grant.period_start:%d.%m.%Y} bis {grant.period_end:%d.%m.%Y}")
    participants = ", ".join(b.name for b in application.participants.order_by("name"))
    _row(pdf, "Beteiligte Mitglieder", participants or "–")

    _heading(pdf, "II. Verteilung auf Haushaltsjahre")
    for part in grant.years.select_related("programme_year").order_by("programme_year__year"):
        _row(pdf, f"Haushaltsjahr {part.programme_year.year}", rules.eur(part.amount))
    _paragraph(
        pdf,
        "Die Mittel werden auf Abruf ausgezahlt (Mittelabruf), höchstens bis zur Höhe der Bewilligung "
        "des jeweiligen Haushaltsjahres.",
    )

    _heading(pdf, "III. Nebenbestimmungen")
    _paragraph(pdf, grant.conditions)

    _heading(pdf, "IV. Begründung")
    _paragraph(
        pdf,
        "Der Antrag wurde nach den Regeln des Programms geprüft (Landeshaushaltsordnung § 44 mit den "
        "Verwaltungsvorschriften). Ergebnis der Prüfungen:",
    )
    for check in application.checks or []:
        _paragraph(pdf, f"- {check.get('label')}: {check.get('status_label')} – {check.get('explanation')}")
    if grant.override_reason:
        _paragraph(pdf, f"Abweichung von den Förderregeln, begründet: {grant.override_reason}")

    _heading(pdf, "V. Rechtsbehelfsbelehrung")
    _paragraph(
        pdf,
        "[Vorlage – von der Bewilligungsbehörde zu ergänzen] Gegen diesen Bescheid kann innerhalb eines "
        "Monats nach Bekanntgabe Widerspruch erhoben werden.",
    )
    _paragraph(
        pdf, "Zuwendungen über 1.000 EUR werden auf der Transparenzplattform des Landes veröffentlicht."
    )
    return bytes(pdf.output())


def rules_label(kind: str, name: str) -> str:
    from verbund.registry.selectors import body_label

    return body_label(kind, name)
