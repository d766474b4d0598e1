"""Demo data of the advisory part for ``manage.py load_demo``.

* **Good practice**: a record per real alliance of DOMAIN.md §1 that the alliances demo loaded
  (:mod:`verbund.alliances.demo`), filled from Verbund's own data
  (:func:`~verbund.advisory.services.practice.prefill_from_alliance`), with the alliance's public
  summary, a task area and **the public sources** of its facts; published for everyone.
* **Advisory cases** for several real alliances: the topics are plausible questions of such alliances,
  **the cases themselves are invented** (said in each description); advisor is the demo login
  ``beratung``.
* **A workshop** of the office with participants (demo logins who work for a body) and the annual
  conference, both in the future; the places and the agenda are invented.
* **Two years of figures** (evidence) for the Kfz-Zulassung of the Eifel-Mosel-Hunsrück model
  project: **invented example values**, marked as such in their source.

Everything goes through the services as the system actor :data:`ACTOR`. Idempotent: records are
looked up by alliance, cases by title, events by title and start, figures by alliance, year and metric; what
exists is left alone. Alliances the registry lacks are skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.common.actors import SystemActor
from verbund.common.roles import Role

from .models import Case, Event, EventKind, EvidenceFigure, Metric, PracticeRecord
from .policies import MANAGE

ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))
INVENTED_CASE = "Beispielfall der Demodaten (erfunden); der Verbund und seine Mitglieder sind real."
INVENTED_FIGURES = "Beispielwerte der Demodaten (erfunden), keine Angaben des Verbunds"

#: the task area of each real alliance's record (the record structure's words)
TASK_AREAS = {
    "interkommunale-cybersicherheit": "IT-Sicherheit",
    "ikz-verwaltungsstaebe": "Krisenmanagement (Verwaltungsstäbe)",
    "zentrale-vergabestelle-foerdermittelmanagement": "Vergabe und Fördermittelmanagement",
    "ikz-sicherheitstechnik": "Sicherheitstechnik",
    "ersthelfer-app": "Brand- und Katastrophenschutz (Ersthelfer)",
    "vier-staedte-digitales-oekosystem": "Digitalisierung und KI",
    "gemeinde-app-woerrstadt": "Digitalisierung (Gemeinde-App)",
    "krisenvorsorge-stromausfall": "Krisenvorsorge (Notstrom)",
    "kommunaler-vollzugsdienst": "Ordnungswesen (Vollzugsdienst)",
    "kooperationsverbund-germersheim": "Verwaltung allgemein",
    "digitale-sozialverwaltung-bitburg-pruem": "Sozialverwaltung",
    "modellvorhaben-eifel-mosel-hunsrueck": "Kfz-Zulassung und Bußgeldstelle",
    "modellvorhaben-suedwestpfalz": "Vergabe und zentrale Beschaffung",
    "modellvorhaben-vorderpfalz": "Ordnungswesen, Kfz-Zulassung, Eltern- und Wohngeld",
}
#: what the public sources say beyond the alliance's own data (DOMAIN.md §1)
KNOWN_EFFECTS = {
    "krisenvorsorge-stromausfall": (
        "Nach Angabe der Verbandsgemeinden über fünf Jahre etwa ein Drittel günstiger als die Beschaffung "
        "der Notstromaggregate durch jede Verbandsgemeinde allein (ruelzheim.de)."
    ),
    "modellvorhaben-eifel-mosel-hunsrueck": (
        "Gemeinsame Kfz-Zulassung seit 9.1.2023; die Bußgeldstelle der Kreisverwaltung Bernkastel-Wittlich "
        "handelt im Namen und im Auftrag der anderen Landkreise (Zweckvereinbarung, §§ 1, 12, 13 KomZG)."
    ),
}


@dataclass(frozen=True)
class DemoCase:
    alliance: str
    title: str
    description: str
    field: str
    #: the actions after opening, in order (``beginnen``, ``empfehlen`` …)
    actions: tuple[str, ...] = ()
    recommendation: str = ""
    next_step: str = ""
    #: days from today (negative: overdue)
    due_in_days: int | None = None
    initiative: bool = False
    notes: tuple[str, ...] = ()
    #: a document of the case: (file name, title, text)
    document: tuple[str, str, str] | None = None


CASES = (
    DemoCase(
        alliance="zentrale-vergabestelle-foerdermittelmanagement",
        title="Rechtsform der gemeinsamen Vergabestelle",
        description="Zweckvereinbarung oder gemeinsame kommunale Anstalt für die Vergabestelle mit "
        "Fördermittelmanagement? Fragen zur Vertretung der Beschäftigten und zur Haftung.",
        field="back-office-vergabe-beschaffung",
        actions=("beginnen",),
        next_step="Entwurf der Zweckvereinbarung mit den Hauptämtern abstimmen",
        due_in_days=14,
        notes=("Erstgespräch mit der Kreisverwaltung geführt; Mustervereinbarung zugesandt.",),
        document=(
            "gespraechsnotiz-vergabestelle.txt",
            "Gesprächsnotiz Erstgespräch",
            "Gesprächsnotiz (Beispiel der Demodaten, erfunden)\n\nThemen: Rechtsform der gemeinsamen "
            "Vergabestelle, Übergang der Beschäftigten, Haftung, Kostenschlüssel.\nVereinbart: Die "
            "Beratungsstelle sendet die Mustervereinbarung; die Hauptämter prüfen sie bis zum nächsten "
            "Termin.\n",
        ),
    ),
    DemoCase(
        alliance="krisenvorsorge-stromausfall",
        title="Kostenschlüssel für die gemeinsam beschafften Notstromaggregate",
        description="Wie werden Anschaffung, Wartung und Einsatz der Aggregate auf die drei "
        "Verbandsgemeinden verteilt?",
        field="krisenmanagement",
        actions=("beginnen", "empfehlen"),
        recommendation="Sockelbetrag von 20 % zu gleichen Teilen, der Rest nach Einwohnern zum 30.06. des "
        "Vorjahres; Einsatzkosten trägt, wer das Aggregat anfordert.",
        next_step="Rückmeldung der Verbandsgemeinden zur Empfehlung",
        due_in_days=21,
    ),
    DemoCase(
        alliance="interkommunale-cybersicherheit",
        title="Beitritt einer weiteren Verbandsgemeinde",
        description="Eine benachbarte Verbandsgemeinde möchte der Kooperation beitreten: Was ändert sich an "
        "Vereinbarung, Förderung und Kostenschlüssel?",
        field="cybersicherheit",
        next_step="Termin mit der Verbundkoordination vereinbaren",
        due_in_days=7,
    ),
    DemoCase(
        alliance="gemeinde-app-woerrstadt",
        title="Fragen zum Verwendungsnachweis",
        description="Welche Belege gehören in den Verwendungsnachweis der Gemeinde-App?",
        field="verwaltungsdigitalisierung",
        actions=("beginnen", "abschliessen"),
    ),
    DemoCase(
        alliance="vier-staedte-digitales-oekosystem",
        title="Nachnutzung der Ratsinformations-Suche durch weitere Städte",
        description="Die Beratungsstelle prüft, ob weitere Städte die KI-Suche in "
        "Ratsinformationssystemen nachnutzen können.",
        field="wissen-ki",
        actions=("beginnen",),
        next_step="Liste interessierter Städte zusammenstellen",
        due_in_days=-5,
        initiative=True,
    ),
)


class _Report:
    def __init__(self, stdout: TextIO | None) -> None:
        self.stdout = stdout

    def line(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)


def load_demo_advisory(*, stdout: TextIO | None = None) -> None:
    """Good-practice records, cases, a workshop and the annual conference, two years of figures."""
    report = _Report(stdout)
    alliances = {a.slug: a for a in Alliance.objects.filter(slug__in=TASK_AREAS)}
    records = _practice(alliances)
    cases = _cases(alliances)
    events = _events()
    figures = _figures(alliances)
    report.line(
        f"Beratung: {records} Praxisbeispiele, {cases} Beratungsfälle, {events} Veranstaltungen, "
        f"{figures} Kennzahlen angelegt."
    )


def _practice(alliances: dict[str, Alliance]) -> int:
    from verbund.alliances.demo.data import DEMO_ALLIANCES

    from .services.practice import practice_publish, practice_update, prefill_from_alliance

    specs = {spec.slug: spec for spec in DEMO_ALLIANCES}
    created = 0
    for slug, task_area in TASK_AREAS.items():
        alliance = alliances.get(slug)
        if alliance is None or PracticeRecord.objects.filter(alliance=alliance).exists():
            continue
        record = prefill_from_alliance(actor=ACTOR, alliance=alliance)
        spec = specs.get(slug)
        values: dict[str, Any] = {"task_area": task_area}
        if spec is not None:
            values["summary"] = spec.public_summary
            values["sources"] = "\n".join(filter(None, [spec.source_text(), record.sources]))
        if slug in KNOWN_EFFECTS:
            values["quality_effects"] = KNOWN_EFFECTS[slug]
        record = practice_update(actor=ACTOR, record=record, values=values)
        if record.members.exists():
            practice_publish(actor=ACTOR, record=record)
        created += 1
    return created


def _advisor() -> Any:
    return get_user_model().objects.filter(username="beratung").first()


def _cases(alliances: dict[str, Alliance]) -> int:
    from .models import CaseOrigin
    from .services.cases import PartyInput, add_document, add_note, open_case, transition

    today = timezone.localdate()
    advisor = _advisor()
    fields = {f.slug: f for f in FieldOfAction.objects.all()}
    created = 0
    for spec in CASES:
        alliance = alliances.get(spec.alliance)
        if alliance is None or Case.objects.filter(title=spec.title, alliance=alliance).exists():
            continue
        due = today + dt.timedelta(days=spec.due_in_days) if spec.due_in_days is not None else None
        case = open_case(
            actor=ACTOR,
            title=spec.title,
            description=f"{spec.description}\n\n{INVENTED_CASE}",
            origin=CaseOrigin.INITIATIVE if spec.initiative else CaseOrigin.REQUEST,
            field_of_action=fields.get(spec.field),
            advisor=advisor,
            parties=[PartyInput(alliance_id=alliance.pk, requested=not spec.initiative)],
            alliance=alliance,
            next_step=spec.next_step,
            next_step_due=due,
        )
        for text in spec.notes:
            add_note(actor=ACTOR, case_id=case.pk, text=text)
        if spec.document is not None:
            name, title, content = spec.document
            add_document(
                actor=ACTOR, case_id=case.pk, upload=ContentFile(content.encode(), name=name), title=title
            )
        for action in spec.actions:
            transition(
                actor=ACTOR,
                case_id=case.pk,
                action=action,
                recommendation=spec.recommendation if action == "empfehlen" else "",
            )
        created += 1
    return created


def _events() -> int:
    from .services.events import event_create, event_publish, register

    tz = timezone.get_current_timezone()
    year = timezone.localdate().year + 1
    specs: list[dict[str, Any]] = [
        {
            "kind": EventKind.WORKSHOP,
            "title": "Workshop: Zweckvereinbarung und Kostenschlüssel",
            "description": "Wie eine Zweckvereinbarung nach dem KomZG entsteht und wie Verbünde ihre Kosten "
            "fair teilen – mit Beispielen aus dem Programm.",
            "agenda": "09:30 Ankommen\n10:00 Zweckvereinbarung nach §§ 12, 13 KomZG\n11:30 Kostenschlüssel "
            "in der Praxis\n13:00 Mittagspause\n14:00 Fragen der Verbünde\n15:00 Ende",
            "starts_at": dt.datetime(year, 1, 20, 9, 30, tzinfo=tz),
            "ends_at": dt.datetime(year, 1, 20, 15, 0, tzinfo=tz),
            "place": "ADD, Willy-Brandt-Platz 3, 54290 Trier",
            "capacity": 25,
            "registration_deadline": dt.datetime(year, 1, 13, 23, 59, tzinfo=tz),
        },
        {
            "kind": EventKind.CONFERENCE,
            "title": f"Jahreskonferenz Interkommunale Zusammenarbeit {year}",
            "description": "Die Verbünde des Programms berichten; Ministerium und ADD ziehen Bilanz.",
            "agenda": "Begrüßung\nBerichte aus den Verbünden\nAusblick: Ausweitung auf alle Kommunen",
            "starts_at": dt.datetime(year, 6, 15, 10, 0, tzinfo=tz),
            "ends_at": dt.datetime(year, 6, 15, 16, 30, tzinfo=tz),
            "place": "Mainz",
            "capacity": 200,
        },
    ]
    created = 0
    for values in specs:
        if Event.objects.filter(title=values["title"], starts_at=values["starts_at"]).exists():
            continue
        event = event_create(actor=ACTOR, values=values)
        event_publish(actor=ACTOR, event_id=event.pk)
        created += 1
        if values["kind"] == EventKind.WORKSHOP:
            for user, body_id in _participants():
                register(actor=ACTOR, event_id=event.pk, body_id=body_id, user=user)
    return created


def _participants(limit: int = 6) -> list[tuple[Any, int]]:
    """Demo logins who work for a body (heads and coordinators first), with one of their bodies."""
    from verbund.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.filter(
            role__in=(Role.VERWALTUNGSLEITUNG, Role.SACHBEARBEITUNG), body__isnull=False
        )
        .filter(user__username__regex=r"^(leitung|koordination)\.")
        .select_related("user")
        .order_by("user__username")
    )
    seen: dict[int, tuple[Any, int]] = {}
    for row in rows:
        if row.body_id is not None:
            seen.setdefault(row.user_id, (row.user, row.body_id))
    return list(seen.values())[:limit]


def _figures(alliances: dict[str, Alliance]) -> int:
    from .services.evidence import evidence_set

    alliance = alliances.get("modellvorhaben-eifel-mosel-hunsrueck")
    if alliance is None:
        return 0
    this_year = timezone.localdate().year
    rows = [
        (Metric.COST_PER_CASE, "EUR", Decimal("41.80"), (Decimal("36.90"), Decimal("34.20"))),
        (Metric.PROCESSING_DAYS, "Tage", Decimal("6.5"), (Decimal("4.0"), Decimal("3.5"))),
        (Metric.SERVICE_HOURS, "Stunden je Woche", Decimal("28"), (Decimal("34"), Decimal("36"))),
        (Metric.VACANCIES_COVERED, "Stellen", Decimal("0"), (Decimal("1.5"), Decimal("2"))),
    ]
    created = 0
    for offset, year in enumerate((this_year - 2, this_year - 1)):
        for metric, unit, before, after in rows:
            if EvidenceFigure.objects.filter(alliance=alliance, year=year, metric=metric).exists():
                continue
            evidence_set(
                actor=ACTOR,
                alliance=alliance,
                values={
                    "year": year,
                    "metric": metric,
                    "label": "",
                    "unit": unit,
                    "before": before,
                    "after": after[offset],
                    "source": INVENTED_FIGURES,
                },
            )
            created += 1
    return created
