"""Demo funding data for ``manage.py load_demo``: the RLP IKZ pilot programme with the real grants of
DOMAIN.md §1 as granted applications, and a few applications in progress.

* **Programme** "IKZ-Pilotförderung Rheinland-Pfalz": 5,000,000 EUR in 2025 and in 2026, the public
  caps (3 members 210,000 EUR, ≥ 4 members 320,000 EUR), rates up to 100 %, terms of 2 years.
  The increases for members on different administrative levels and for members without a shared
  border are **not public**; the demo sets each to 100,000 EUR with a ceiling of 420,000 EUR (the
  highest observed award) and marks both as an assumption (``basis: "assumption"``). Even so,
  some real awards exceed what the public rules give (e.g. five contiguous VGs of one level,
  321,411.61 EUR > 320,000 EUR): those are granted with a written reason for the deviation that says
  exactly this, so nobody mistakes the demo for the rules.
* **Grants**: the amounts of DOMAIN.md §1 (with "bis zu" / "über" kept in the text; "über 400.000"
  is entered as 400,000 EUR). Cost plans are plausible examples (100 % funding: costs = grant, split
  over IT, services, staff and training in 2026 and 2027) and the split over the budget years 2026
  and 2027 (the years of the costs) is half each; both are labelled as assumptions in the
  description, as are the 2027 budget and the consent to the premature start (the projects began
  on 1 January 2026, the demo submits them on the day it loads).
* **In progress**: Krisenvorsorge Stromausfall (submitted, waiting for the authority) and the
  Kooperationsverbund Germersheim (a draft whose checks still fail), plus one approved and one
  pending drawdown of the cyber alliance's grant when the demo users exist.

Everything is written through the services (:mod:`verbund.funding.services`) as the system actor
:data:`ACTOR` ("Demodaten", capability ``funding.manage``), so every step keeps its lifecycle rules,
its checks and its audit entry; no mail is sent.

Alliances are looked up by slug (:mod:`verbund.alliances.demo`); a missing alliance, or one with too
few members in the registry (the built-in sample lacks some municipalities), is skipped with a
warning. Idempotent and non-destructive: the programme is found by slug, an application by alliance
and title (and an alliance that already has an application in the programme gets no second one);
whatever exists is left alone entirely (no update, no status change, no budget change), so a second
run writes nothing, and only demo parts that never existed are added.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from verbund.alliances.models import Alliance, MemberRole, Membership
from verbund.common.actors import SystemActor
from verbund.common.money import cents

from . import policies, rules, services
from .models import Application, Programme
from .selectors import CostRow, application_checks

#: Who writes the demo data (shown in the audit log).
ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({policies.MANAGE}))
PROGRAMME_SLUG = "ikz-pilot-rlp"
BUDGET = Decimal("5000000.00")
PERIOD = (dt.date(2026, 1, 1), dt.date(2027, 12, 31))
#: Budget years the demo grants are charged to: the years of the cost plan (a year's funds pay that
#: year's costs). 2025 and 2026 are public; 2027 is an assumption (Verpflichtungsermächtigung).
BUDGET_YEARS = (2026, 2027)
PROGRAMME_YEARS = (2025, 2026, 2027)
#: The authority's consent to the premature start (the real projects began on 1 January 2026; the
#: demo submits them today): an assumption of the demo, said so in the note.
PREMATURE_START_CONSENT = dt.date(2025, 12, 1)
COST_YEARS = (2026, 2027)
#: Example cost plan shares (assumption): IT/Software, Leistungen Dritter, Personal, Qualifizierung.
COST_SHARES = (("it_software", 45), ("leistungen_dritter", 30), ("personal", 15), ("qualifizierung", 10))
ASSUMPTION_NOTE = (
    "Annahme für die Demodaten (die Höhe ist nicht öffentlich): so gewählt, dass die beobachteten "
    "Bewilligungen bis 420.000 EUR möglich sind."
)
DEMO_NOTE = (
    "Demodaten: Betrag laut öffentlicher Quelle; Kostenplan und Aufteilung auf die Haushaltsjahre "
    "2026/2027 sind Annahmen."
)


@dataclass(frozen=True)
class DemoGrant:
    slug: str
    title: str
    amount: Decimal
    source: str
    amount_note: str = ""
    #: Registry key of the applicant when the sources do not name one (an assumption, said so).
    applicant_key: str = ""


DEMO_GRANTS: tuple[DemoGrant, ...] = (
    DemoGrant(
        "interkommunale-cybersicherheit",
        "Gemeinsame IT-Sicherheit und gegenseitige Hilfe bei IT-Ausfall",
        Decimal("321411.61"),
        "ol.wittich.de 186/2026/3 (100 %, 2026–2027)",
        applicant_key="073355011",
    ),
    DemoGrant(
        "ikz-verwaltungsstaebe",
        "Gemeinsame Strukturen für Verwaltungsstäbe, Alarmierung und Schulungsplattform",
        Decimal("419923.40"),
        "kreis-bad-duerkheim.de, Pressemitteilung 12/2025",
        "bis zu 419.923,40 EUR",
    ),
    DemoGrant(
        "zentrale-vergabestelle-foerdermittelmanagement",
        "Zentrale Vergabestelle mit Fördermittelmanagement",
        Decimal("353400.00"),
        "ol.wittich.de 774/2026/2 (2026–2027)",
    ),
    DemoGrant(
        "ikz-sicherheitstechnik", "Gemeinsame Sicherheitstechnik", Decimal("420000.00"), "residenzbote.de"
    ),
    DemoGrant(
        "ersthelfer-app",
        "App zur Alarmierung von Ersthelfern",
        Decimal("50000.00"),
        "kaiserslautern-kreis.de, 12/2025",
    ),
    DemoGrant(
        "vier-staedte-digitales-oekosystem",
        "Wissenstransfer, Open Data und KI in vier Städten",
        Decimal("370000.00"),
        "mainz.de; merkurist.de (2026–2027)",
    ),
    DemoGrant(
        "gemeinde-app-woerrstadt",
        "Gemeinde-Apps mit gemeinsamen Inhalten",
        Decimal("83000.00"),
        "heiner-illing.de, 21.12.2025",
    ),
    DemoGrant(
        "kommunaler-vollzugsdienst",
        "Gemeinsamer kommunaler Vollzugsdienst",
        Decimal("215940.00"),
        "mendig.de",
        "bis zu 215.940,00 EUR",
    ),
    DemoGrant(
        "digitale-sozialverwaltung-bitburg-pruem",
        "Zentrale Software für Sozialverwaltung, Kasse und DMS",
        Decimal("400000.00"),
        "bitburg-pruem.de, 10/2025",
        "über 400.000 EUR (genauer Betrag nicht veröffentlicht; hier 400.000,00 EUR angesetzt)",
    ),
)


@dataclass(frozen=True)
class DemoDraft:
    slug: str
    title: str
    requested: Decimal
    costs: tuple[tuple[str, int, Decimal], ...]
    by_year: dict[int, Decimal]
    submit: bool
    description: str


DEMO_DRAFTS: tuple[DemoDraft, ...] = (
    DemoDraft(
        "krisenvorsorge-stromausfall",
        "Gemeinsame Notstromversorgung: Aggregate und Einspeisepunkte",
        Decimal("180000.00"),
        (("sachkosten", 2026, Decimal("150000.00")), ("leistungen_dritter", 2026, Decimal("30000.00"))),
        {2026: Decimal("180000.00")},
        True,
        "Gemeinsam beschaffte Notstromaggregate und Einspeisepunkte; laut ruelzheim.de über fünf Jahre etwa "
        "ein Drittel günstiger als allein. Demodaten: Beträge sind Beispiele.",
    ),
    DemoDraft(
        "kooperationsverbund-germersheim",
        "Gemeinsames Bürgerbüro (Entwurf)",
        Decimal("150000.00"),
        (("personal", 2026, Decimal("90000.00")),),
        {},
        False,
        "Entwurf in Arbeit (Demodaten): Kostenplan und Mittel je Haushaltsjahr fehlen noch.",
    ),
)


def _write(stream: TextIO | Any | None, line: str) -> None:
    if stream is not None:
        stream.write(line if line.endswith("\n") else line + "\n")


def demo_rule_set() -> dict[str, Any]:
    """The RLP pilot preset with the non-public increases set to an explicit assumption."""
    data = rules.preset("rlp_pilot").to_dict()
    data["name"] = "IKZ-Pilotförderung Rheinland-Pfalz (Demodaten)"
    data["increases"] = [
        {
            "condition": rules.MIXED_LEVELS,
            "amount": "100000.00",
            "basis": rules.BASIS_ASSUMPTION,
            "note": ASSUMPTION_NOTE,
        },
        {
            "condition": rules.NOT_CONTIGUOUS,
            "amount": "100000.00",
            "basis": rules.BASIS_ASSUMPTION,
            "note": ASSUMPTION_NOTE,
        },
    ]
    data["cap_ceiling"] = "420000.00"
    return data


def _ensure_programme() -> tuple[Programme, bool]:
    """The demo programme; one that exists already (by slug) is left exactly as it is."""
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    if programme is not None:
        return programme, False
    programme = services.programme_create(
        actor=ACTOR,
        slug=PROGRAMME_SLUG,
        code="IKZ-RLP",
        name="IKZ-Pilotförderung Rheinland-Pfalz",
        description=(
            "Anschubfinanzierung für Kooperationsverbünde (nicht rückzahlbarer Zuschuss): 5 Mio. EUR in "
            "2025 und in 2026 (mdi.rlp.de; add.rlp.de/themen/foerderungen/ikz); die Mittel für 2027 "
            "sind eine Annahme der Demodaten. Ein Mitglied beantragt "
            "im Namen des Verbunds; Ortsgemeinden über ihre Verbandsgemeinde."
        ),
        state="07",
        rule_set=demo_rule_set(),
        eligible_categories=list(rules.COST_CATEGORIES),
        window_opens=dt.date(2025, 1, 1),
        budgets=dict.fromkeys(PROGRAMME_YEARS, BUDGET),
    )
    return programme, True


def _applicant(alliance: Alliance, key: str = "") -> Any | None:
    """The member that applies: ``key`` if given and a member, else the one marked as applicant, else
    the lead, else the first Landkreis, kreisfreie Stadt or Verbandsgemeinde by name."""
    members = list(
        Membership.objects.current().filter(alliance=alliance).select_related("body").order_by("body__name")
    )
    for m in members:
        if key and m.body.key == key:
            return m.body
    for role in (MemberRole.ANTRAGSTELLEND, MemberRole.FEDERFUEHREND):
        for m in members:
            if m.role == role:
                return m.body
    order = ("landkreis", "kreisfreie_stadt", "verbandsgemeinde", "verbandsfreie_gemeinde")
    for kind in order:
        for m in members:
            if m.body.kind == kind:
                return m.body
    return members[0].body if members else None


def _cost_plan(amount: Decimal) -> list[CostRow]:
    shares = [(code, cents(amount * pct / 100)) for code, pct in COST_SHARES]
    shares[0] = (shares[0][0], shares[0][1] + amount - sum(v for _c, v in shares))
    rows = []
    for code, value in shares:
        for year, part in rules.split_evenly(value, list(COST_YEARS)).items():
            rows.append(CostRow(code, year, part))
    return rows


def _exists(programme: Programme, alliance: Alliance, title: str) -> bool:
    """The demo application is there (alliance and title), or the alliance has one in the programme
    already (perhaps renamed by its users): either way the demo adds nothing for this alliance."""
    return Application.objects.filter(alliance=alliance, title=title).exists() or (
        Application.objects.filter(programme=programme, alliance=alliance).exists()
    )


class _Skip(Exception):
    """Roll back one demo application whose checks fail (the reason is in the warnings)."""


def _start(
    programme: Programme,
    alliance: Alliance,
    applicant: Any,
    *,
    title: str,
    description: str,
    data: dict[str, Any],
) -> Application:
    application = services.application_create(
        actor=ACTOR,
        programme=programme,
        alliance=alliance,
        applicant=applicant,
        title=title,
        description=description,
    )
    application = services.application_update(actor=ACTOR, application=application, data=data)
    if application.period_start and application.period_start < timezone.localdate():
        services.premature_start_approve(
            actor=ACTOR,
            application=application,
            approved_on=min(PREMATURE_START_CONSENT, timezone.localdate()),
            note="Demodaten: Zustimmung zum vorzeitigen Maßnahmebeginn angenommen.",
            notify=False,
        )
        application.refresh_from_db()
    return application


def _grant(programme: Programme, spec: DemoGrant, warnings: list[str]) -> Application | None:
    alliance = Alliance.objects.filter(slug=spec.slug).first()
    if alliance is None:
        warnings.append(
            f"Verbund „{spec.slug}“ fehlt (Demo-Verbünde nicht geladen) – Bewilligung übersprungen."
        )
        return None
    if _exists(programme, alliance, spec.title):
        return None
    applicant = _applicant(alliance, spec.applicant_key)
    if applicant is None:
        warnings.append(f"{alliance.name}: keine Mitglieder im Register – Bewilligung übersprungen.")
        return None
    by_year = rules.split_evenly(spec.amount, list(BUDGET_YEARS))
    try:
        with transaction.atomic():
            application = _start(
                programme,
                alliance,
                applicant,
                title=spec.title,
                description=f"{alliance.description}\n\n{DEMO_NOTE} Quelle: {spec.source}."
                + (f" Angabe der Quelle: {spec.amount_note}." if spec.amount_note else "")
                + (" Antragstellendes Mitglied für die Demodaten angenommen." if spec.applicant_key else ""),
                data={
                    "requested_amount": spec.amount,
                    "requested_by_year": by_year,
                    "costs": _cost_plan(spec.amount),
                    "period_start": PERIOD[0],
                    "period_end": PERIOD[1],
                },
            )
            results = application_checks(application)
            if rules.blocking(results):
                failed = "; ".join(f"{r.label}: {r.explanation}" for r in rules.blocking(results))
                warnings.append(
                    f"{alliance.name}: nicht bewilligt, weil Prüfungen nicht erfüllt sind ({failed})."
                )
                raise _Skip
            soft = rules.needing_reason(results)
            reason = ""
            if soft:
                reason = (
                    f"Demodaten: bewilligt laut öffentlicher Quelle ({spec.source}). Der Betrag weicht von "
                    f"den öffentlich bekannten Regeln ab ({', '.join(r.label for r in soft)}); die Gründe, "
                    "etwa nicht öffentliche Erhöhungen, sind nicht bekannt."
                )
                services.application_update(
                    actor=ACTOR, application=application, data={"deviation_reason": reason}
                )
            services.application_submit(actor=ACTOR, application=application, notify=False)
            services.application_review(actor=ACTOR, application=application, notify=False)
            services.application_grant(
                actor=ACTOR,
                application=application,
                amounts_by_year=by_year,
                period_start=PERIOD[0],
                period_end=PERIOD[1],
                override_reason=reason,
            )
    except _Skip:
        return None
    application.refresh_from_db()
    return application


def _draft(programme: Programme, spec: DemoDraft, warnings: list[str]) -> Application | None:
    alliance = Alliance.objects.filter(slug=spec.slug).first()
    if alliance is None:
        warnings.append(f"Verbund „{spec.slug}“ fehlt – Antrag übersprungen.")
        return None
    if _exists(programme, alliance, spec.title):
        return None
    applicant = _applicant(alliance)
    if applicant is None:
        warnings.append(f"{alliance.name}: keine Mitglieder im Register – Antrag übersprungen.")
        return None
    with transaction.atomic():
        application = _start(
            programme,
            alliance,
            applicant,
            title=spec.title,
            description=spec.description,
            data={
                "requested_amount": spec.requested,
                "requested_by_year": spec.by_year,
                "costs": [CostRow(c, y, a) for c, y, a in spec.costs],
                "period_start": PERIOD[0],
                "period_end": PERIOD[1],
            },
        )
        if spec.submit:
            results = application_checks(application)
            if rules.blocking(results) or rules.needing_reason(results):
                warnings.append(f"{alliance.name}: Antrag bleibt Entwurf, weil Prüfungen nicht erfüllt sind.")
            else:
                services.application_submit(actor=ACTOR, application=application)
    return application


def _demo_drawdowns(application: Application) -> None:
    """One approved and one pending drawdown of the cyber grant (only when the grant is new)."""
    first = services.drawdown_request(
        actor=ACTOR,
        application=application,
        year=2026,
        amount="80000.00",
        note="Beschaffung Firewall-Cluster (Demodaten)",
        notify=False,
    )
    services.drawdown_approve(actor=ACTOR, drawdown=first, note="sachlich richtig (Demodaten)")
    services.drawdown_request(
        actor=ACTOR,
        application=application,
        year=2027,
        amount="40000.00",
        note="Schulungen, 1. Rate (Demodaten)",
    )


def load_demo_funding(*, stdout: TextIO | Any | None = None) -> Programme:
    """Create the demo programme, grants and applications in progress (idempotent); returns the programme."""
    warnings: list[str] = []
    with transaction.atomic():
        programme, created = _ensure_programme()
        granted = [a for spec in DEMO_GRANTS if (a := _grant(programme, spec, warnings)) is not None]
        drafts = [a for spec in DEMO_DRAFTS if (a := _draft(programme, spec, warnings)) is not None]
    cyber = next((a for a in granted if a.alliance.slug == "interkommunale-cybersicherheit"), None)
    if cyber is not None:
        with transaction.atomic():
            _demo_drawdowns(cyber)
    total = sum((a.requested_amount for a in granted), Decimal("0.00"))
    _write(
        stdout,
        f"Demo-Förderung: Programm „{programme.name}“ {'angelegt' if created else 'vorhanden'}; "
        f"{len(granted)} Bewilligungen ({rules.eur(total)}) und {len(drafts)} Anträge in Arbeit "
        "neu angelegt.",
    )
    for warning in warnings:
        _write(stdout, f"Hinweis: {warning}")
    return programme
