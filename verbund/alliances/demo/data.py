"""The demo alliances: the real alliances and model projects of DOMAIN.md §1, as data.

Each alliance carries its members (looked up in the registry by key: Landkreis 5 digits,
Verbandsgemeinde 9 digits, Gemeinde and kreisfreie Stadt the 8-digit AGS), their roles where a
source names a lead, fields of action, legal form, status, the grant reported in the press and, in
``sources``, where each fact comes from. Where a source names no legal form but the stage needs one
(a funded project in "Umsetzung" has an agreement), the demo assumes one and says so in ``sources``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..models import LegalForm, MemberRole, Status

LEAD = MemberRole.FEDERFUEHREND
APPLICANT = MemberRole.ANTRAGSTELLEND
ASSUMED_FORM = (
    "Rechtsform: in der Quelle nicht genannt; für die Demodaten angenommen, weil der Status eine "
    "geschlossene Vereinbarung voraussetzt."
)


@dataclass(frozen=True)
class DemoMember:
    key: str
    label: str
    role: str = MemberRole.MITGLIED
    joined_on: dt.date | None = None


@dataclass(frozen=True)
class DemoAlliance:
    slug: str
    name: str
    short_name: str
    public_summary: str
    description: str
    fields: tuple[str, ...]
    members: tuple[DemoMember, ...]
    sources: str
    status: str = Status.UMSETZUNG
    legal_form: str = LegalForm.KOOPERATIONSVEREINBARUNG
    legal_form_assumed: bool = False
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    joined_on: dt.date = dt.date(2025, 12, 1)
    reported_grant_eur: Decimal | None = None
    reported_grant_note: str = ""
    coordinator: str | None = None

    def source_text(self) -> str:
        return f"{self.sources}\n{ASSUMED_FORM}" if self.legal_form_assumed else self.sources


@dataclass(frozen=True)
class DemoCoordinator:
    username: str
    first_name: str
    last_name: str
    #: Key of the body the person works for (Sachbearbeitung), usually the lead member.
    body_key: str | None = None


def _m(key: str, label: str, role: str = MemberRole.MITGLIED, joined_on: dt.date | None = None) -> DemoMember:
    return DemoMember(key=key, label=label, role=role, joined_on=joined_on)


PILOT_2026 = (dt.date(2026, 1, 1), dt.date(2027, 12, 31))

DEMO_ALLIANCES: tuple[DemoAlliance, ...] = (
    DemoAlliance(
        slug="interkommunale-cybersicherheit",
        name="Interkommunale Cybersicherheit",
        short_name="IKZ Cyber Westpfalz",
        public_summary=(
            "Fünf Verbandsgemeinden im Landkreis Kaiserslautern beschaffen IT-Sicherheitsprodukte gemeinsam "
            "und helfen einander, wenn die IT ausfällt (Cyberangriff, Stromausfall), bis hin zum "
            "Zahlungsverkehr."
        ),
        description=(
            "Gemeinsame Beschaffung von IT-Sicherheitsprodukten; gegenseitige Unterstützung bei Ausfall der "
            "IT (Cyberangriff, Stromausfall) einschließlich der Abwicklung von Zahlungen. Vereinbarung am "
            "21.01.2026 unterzeichnet."
        ),
        fields=("cybersicherheit", "back-office-vergabe-beschaffung"),
        members=(
            _m("073355001", "VG Bruchmühlbach-Miesau"),
            _m("073355002", "VG Enkenbach-Alsenborn"),
            _m("073355011", "VG Landstuhl"),
            _m("073355008", "VG Ramstein-Miesenbach"),
            _m("073355009", "VG Weilerbach"),
        ),
        sources=(
            "Mitglieder, Vorhaben und Förderung (321.411,61 EUR, 100 %, 2026–2027): Amtsblatt ol.wittich.de "
            "186/2026/3.\nVereinbarung unterzeichnet am 21.01.2026: ramstein-miesenbach.de."
        ),
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        end_date=PILOT_2026[1],
        joined_on=dt.date(2026, 1, 21),
        reported_grant_eur=Decimal("321411.61"),
        reported_grant_note="100 %, 2026–2027",
        coordinator="koordination.cyber",
    ),
    DemoAlliance(
        slug="ikz-verwaltungsstaebe",
        name="IKZ-Verwaltungsstäbe",
        short_name="Verwaltungsstäbe",
        public_summary=(
            "Fünf Landkreise schaffen gemeinsame Strukturen und Abläufe für ihre Verwaltungsstäbe im "
            "Krisenfall, eine gemeinsame Alarmierung und eine digitale Schulungsplattform."
        ),
        description=(
            "Gemeinsame Strukturen und Prozesse für die Verwaltungsstäbe, gemeinsame Alarmierung, digitale "
            "Schulungsplattform; geregelt durch eine Zweckvereinbarung."
        ),
        fields=("krisenmanagement", "brand-katastrophenschutz"),
        members=(
            _m("07333", "Donnersbergkreis"),
            _m("07331", "Landkreis Alzey-Worms"),
            _m("07332", "Landkreis Bad Dürkheim"),
            _m("07335", "Landkreis Kaiserslautern"),
            _m("07336", "Landkreis Kusel"),
        ),
        sources=(
            "Mitglieder, Vorhaben, Rechtsform (Zweckvereinbarung) und Förderung (bis zu 419.923,40 EUR, "
            "2 Jahre): Pressemitteilung kreis-bad-duerkheim.de, 12/2025."
        ),
        legal_form=LegalForm.ZWECKVEREINBARUNG,
        start_date=PILOT_2026[0],
        end_date=PILOT_2026[1],
        reported_grant_eur=Decimal("419923.40"),
        reported_grant_note="bis zu; Laufzeit 2 Jahre",
    ),
    DemoAlliance(
        slug="zentrale-vergabestelle-foerdermittelmanagement",
        name="Zentrale Vergabestelle und Fördermittelmanagement",
        short_name="Zentrale Vergabestelle",
        public_summary=(
            "Eine gemeinsame Vergabestelle mit Fördermittelmanagement beim Donnersbergkreis für drei "
            "Verbandsgemeinden; die Partner vertreten einander beim Personal."
        ),
        description=(
            "Gemeinsame Vergabestelle mit Fördermittelmanagement, federführend der Donnersbergkreis; "
            "gegenseitige Vertretung des Personals."
        ),
        fields=("back-office-vergabe-beschaffung", "foerdermittelmanagement", "personal"),
        members=(
            _m("07333", "Donnersbergkreis", LEAD),
            _m("073335004", "VG Kirchheimbolanden"),
            _m("073335003", "VG Göllheim"),
            _m("073355001", "VG Bruchmühlbach-Miesau"),
        ),
        sources=(
            "Mitglieder, Federführung, Vorhaben und Förderung (353.400 EUR, 2026–2027): Amtsblatt "
            "ol.wittich.de 774/2026/2."
        ),
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        end_date=PILOT_2026[1],
        reported_grant_eur=Decimal("353400.00"),
        reported_grant_note="2026–2027",
        coordinator="koordination.donnersberg",
    ),
    DemoAlliance(
        slug="ikz-sicherheitstechnik",
        name="IKZ Sicherheitstechnik",
        short_name="Sicherheitstechnik",
        public_summary=(
            "Der Donnersbergkreis und fünf seiner Verbandsgemeinden arbeiten bei Sicherheitstechnik zusammen."
        ),
        description="Gemeinsames Vorhaben zur Sicherheitstechnik.",
        fields=("sonstiges",),
        members=(
            _m("07333", "Donnersbergkreis"),
            _m("073335002", "VG Eisenberg (Pfalz)"),
            _m("073335004", "VG Kirchheimbolanden"),
            _m("073335003", "VG Göllheim"),
            _m("073335007", "VG Nordpfälzer Land"),
            _m("073335006", "VG Winnweiler"),
        ),
        sources="Mitglieder, Thema und Förderung (420.000 EUR): residenzbote.de.",
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        reported_grant_eur=Decimal("420000.00"),
    ),
    DemoAlliance(
        slug="ersthelfer-app",
        name="Ersthelfer-App",
        short_name="Ersthelfer-App",
        public_summary=(
            "Eine App alarmiert registrierte Ersthelferinnen und Ersthelfer in der Nähe eines Notfalls, "
            "über Kreis- und Stadtgrenzen hinweg."
        ),
        description="App zur Alarmierung registrierter Ersthelfer.",
        fields=("brand-katastrophenschutz", "daseinsvorsorge"),
        members=(
            _m("07333", "Donnersbergkreis"),
            _m("07336", "Landkreis Kusel"),
            _m("07312000", "Stadt Kaiserslautern"),
        ),
        sources="Mitglieder, Vorhaben und Förderung (50.000 EUR): kaiserslautern-kreis.de, 12/2025.",
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        reported_grant_eur=Decimal("50000.00"),
    ),
    DemoAlliance(
        slug="vier-staedte-digitales-oekosystem",
        name="Vier Städte – ein digitales Ökosystem",
        short_name="Vier Städte",
        public_summary=(
            "Mainz, Trier, Koblenz und Ludwigshafen teilen Wissen, vereinheitlichen offene Daten und nutzen "
            "KI: eine intelligente Suche in den Ratsinformationssystemen und einen KI-Assistenten für die "
            "Beschäftigten."
        ),
        description=(
            "Wissenstransfer, harmonisierte Open Data, KI: intelligente Suche in Ratsinformationssystemen "
            "und ein interner KI-Assistent für die Beschäftigten. Koordination: Stadt Mainz."
        ),
        fields=("verwaltungsdigitalisierung", "wissen-ki"),
        members=(
            _m("07315000", "Stadt Mainz", LEAD),
            _m("07211000", "Stadt Trier"),
            _m("07111000", "Stadt Koblenz"),
            _m("07314000", "Stadt Ludwigshafen am Rhein"),
        ),
        sources=(
            "Mitglieder, Koordination (Mainz), Vorhaben und Förderung (370.000 EUR, 2026–2027): "
            "Pressemitteilung mainz.de; merkurist.de."
        ),
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        end_date=PILOT_2026[1],
        reported_grant_eur=Decimal("370000.00"),
        reported_grant_note="2026–2027",
        coordinator="koordination.mainz",
    ),
    DemoAlliance(
        slug="gemeinde-app-woerrstadt",
        name="Gemeinde-App",
        short_name="Gemeinde-App Wörrstadt",
        public_summary=(
            "Die Verbandsgemeinde Wörrstadt stellt für sieben Ortsgemeinden und die Stadt Wörrstadt "
            "Gemeinde-Apps mit gemeinsamen Inhalten bereit."
        ),
        description="Gemeinde-Apps mit gemeinsam genutzten Inhalten; die Verbandsgemeinde stellt den Antrag.",
        fields=("verwaltungsdigitalisierung",),
        members=(
            _m("073315006", "VG Wörrstadt", APPLICANT),
            _m("07331056", "Partenheim"),
            _m("07331019", "Ensheim"),
            _m("07331059", "Schornsheim"),
            _m("07331058", "Saulheim"),
            _m("07331029", "Gabsheim"),
            _m("07331033", "Gau-Weinheim"),
            _m("07331063", "Sulzheim"),
            _m("07331073", "Stadt Wörrstadt"),
        ),
        sources="Mitglieder, Vorhaben und Förderung (83.000 EUR): heiner-illing.de, 21.12.2025.",
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        reported_grant_eur=Decimal("83000.00"),
    ),
    DemoAlliance(
        slug="krisenvorsorge-stromausfall",
        name="Krisenvorsorge Stromausfall",
        short_name="Notstrom",
        public_summary=(
            "Drei Verbandsgemeinden beschaffen Notstromaggregate und Einspeisepunkte gemeinsam, über fünf "
            "Jahre rund ein Drittel günstiger als jede für sich."
        ),
        description=(
            "Gemeinsam beschaffte Notstromaggregate und Einspeisepunkte; über 5 Jahre etwa ein Drittel "
            "günstiger als allein. Koordination: VG Herxheim."
        ),
        fields=("krisenmanagement", "back-office-vergabe-beschaffung"),
        members=(
            _m("073375004", "VG Herxheim", LEAD),
            _m("073345003", "VG Jockgrim"),
            _m("073345006", "VG Rülzheim"),
        ),
        sources="Mitglieder, Koordination (Herxheim), Vorhaben und Einsparung: ruelzheim.de.",
        legal_form_assumed=True,
        start_date=dt.date(2025, 1, 1),
        joined_on=dt.date(2025, 1, 1),
    ),
    DemoAlliance(
        slug="kommunaler-vollzugsdienst",
        name="Kommunaler Vollzugsdienst",
        short_name="Vollzugsdienst",
        public_summary=(
            "Drei Verbandsgemeinden im Landkreis Mayen-Koblenz betreiben einen gemeinsamen Vollzugsdienst."
        ),
        description="Gemeinsamer kommunaler Vollzugsdienst.",
        fields=("sonstiges",),
        members=(
            _m("071375001", "VG Pellenz"),
            _m("071375004", "VG Mendig"),
            _m("071375009", "VG Rhein-Mosel"),
        ),
        sources="Mitglieder, Vorhaben und Förderung (bis zu 215.940 EUR): mendig.de.",
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        reported_grant_eur=Decimal("215940.00"),
        reported_grant_note="bis zu",
    ),
    DemoAlliance(
        slug="kooperationsverbund-germersheim",
        name="Kooperationsverbund Germersheim",
        short_name="Germersheim",
        public_summary=(
            "Die Stadt Germersheim und die Verbandsgemeinden Bellheim und Lingenfeld arbeiten zusammen."
        ),
        description="Themen noch nicht veröffentlicht.",
        fields=(),
        members=(
            _m("07334007", "Stadt Germersheim"),
            _m("073345001", "VG Bellheim"),
            _m("073345005", "VG Lingenfeld"),
        ),
        sources="Mitglieder: wochenblatt-reporter.de. Themen und Förderung nicht veröffentlicht.",
        status=Status.ANBAHNUNG,
        legal_form=LegalForm.NONE,
    ),
    DemoAlliance(
        slug="digitale-sozialverwaltung-bitburg-pruem",
        name="Digitale Sozialverwaltung",
        short_name="Sozialverwaltung Bitburg-Prüm",
        public_summary=(
            "Der Eifelkreis Bitburg-Prüm und seine Kommunen führen eine gemeinsame Software für die "
            "Sozialverwaltung, die Kasse und die elektronische Akte ein."
        ),
        description="Zentrale Software für die Sozialverwaltung, Kassenwesen und Dokumentenmanagement (DMS).",
        fields=("verwaltungsdigitalisierung", "daseinsvorsorge"),
        members=(
            _m("07232", "Eifelkreis Bitburg-Prüm", LEAD),
            _m("07232018", "Stadt Bitburg"),
            _m("072325001", "VG Arzfeld"),
            _m("072325005", "VG Südeifel"),
            _m("072325006", "VG Prüm"),
            _m("072325007", "VG Speicher"),
            _m("072325008", "VG Bitburger Land"),
        ),
        sources=(
            "Mitglieder (der Eifelkreis und seine Kommunen), Vorhaben und Förderung (über 400.000 EUR): "
            "bitburg-pruem.de, 10/2025."
        ),
        legal_form_assumed=True,
        start_date=PILOT_2026[0],
        reported_grant_note="über 400.000 EUR (genauer Betrag nicht veröffentlicht)",
    ),
    DemoAlliance(
        slug="modellvorhaben-eifel-mosel-hunsrueck",
        name="Modellvorhaben Eifel-Mosel-Hunsrück",
        short_name="EMH",
        public_summary=(
            "Vier Landkreise betreiben seit 9.1.2023 eine gemeinsame Kfz-Zulassung und eine "
            "kreisübergreifende Bußgeldstelle bei der Kreisverwaltung Bernkastel-Wittlich."
        ),
        description=(
            "Gemeinsame Kfz-Zulassung seit 9.1.2023; kreisübergreifende Bußgeldstelle bei "
            "Bernkastel-Wittlich, die im Namen und im Auftrag der anderen handelt (Zweckvereinbarung, "
            "§§ 1, 12, 13 KomZG). Der Eifelkreis Bitburg-Prüm ist seit 2023 dabei."
        ),
        fields=("verwaltungsdigitalisierung",),
        members=(
            _m("07231", "Landkreis Bernkastel-Wittlich", LEAD),
            _m("07135", "Landkreis Cochem-Zell"),
            _m("07233", "Landkreis Vulkaneifel"),
            _m("07232", "Eifelkreis Bitburg-Prüm", joined_on=dt.date(2023, 1, 9)),
        ),
        sources=(
            "Modellvorhaben der interkommunalen Zusammenarbeit in Rheinland-Pfalz: gemeinsame Kfz-Zulassung "
            "seit 9.1.2023, Bußgeldstelle bei Bernkastel-Wittlich auf Grundlage einer Zweckvereinbarung "
            "(§§ 1, 12, 13 KomZG). Einzelquelle in den Demodaten nicht erfasst."
        ),
        status=Status.REGELBETRIEB,
        legal_form=LegalForm.ZWECKVEREINBARUNG,
        start_date=dt.date(2023, 1, 9),
        joined_on=dt.date(2022, 1, 1),
    ),
    DemoAlliance(
        slug="modellvorhaben-suedwestpfalz",
        name="Modellvorhaben Südwestpfalz",
        short_name="Südwestpfalz",
        public_summary=(
            "Pirmasens, Zweibrücken und der Landkreis Südwestpfalz betreiben eine gemeinsame Vergabestelle "
            "und kaufen zentral ein."
        ),
        description="Gemeinsame Vergabestelle und zentrale Beschaffung.",
        fields=("back-office-vergabe-beschaffung",),
        members=(
            _m("07317000", "Stadt Pirmasens"),
            _m("07320000", "Stadt Zweibrücken"),
            _m("07340", "Landkreis Südwestpfalz"),
        ),
        sources=(
            "Modellvorhaben der interkommunalen Zusammenarbeit in Rheinland-Pfalz (gemeinsame Vergabestelle, "
            "zentrale Beschaffung). Einzelquelle in den Demodaten nicht erfasst."
        ),
        status=Status.REGELBETRIEB,
        legal_form_assumed=True,
        joined_on=dt.date(2022, 1, 1),
    ),
    DemoAlliance(
        slug="modellvorhaben-vorderpfalz",
        name="Modellvorhaben Vorderpfalz",
        short_name="Vorderpfalz",
        public_summary=(
            "Speyer, Frankenthal und der Rhein-Pfalz-Kreis kooperieren bei Verkehrsüberwachung, "
            "Kfz-Zulassung, vorbeugendem Brandschutz sowie Eltern- und Wohngeld."
        ),
        description="Verkehrsüberwachung, Kfz-Zulassung, vorbeugender Brandschutz, Eltern- und Wohngeld.",
        fields=("verwaltungsdigitalisierung", "brand-katastrophenschutz"),
        members=(
            _m("07318000", "Stadt Speyer"),
            _m("07311000", "Stadt Frankenthal (Pfalz)"),
            _m("07338", "Rhein-Pfalz-Kreis"),
        ),
        sources=(
            "Modellvorhaben der interkommunalen Zusammenarbeit in Rheinland-Pfalz (Verkehrsüberwachung, "
            "Kfz-Zulassung, Brandschutz, Eltern-/Wohngeld). Einzelquelle in den Demodaten nicht erfasst."
        ),
        legal_form_assumed=True,
        joined_on=dt.date(2022, 1, 1),
    ),
)

#: Coordinators (Verbundkoordination) of some demo alliances, by slug.
DEMO_COORDINATORS: dict[str, DemoCoordinator] = {
    "interkommunale-cybersicherheit": DemoCoordinator("koordination.cyber", "Karla", "Koordination"),
    "vier-staedte-digitales-oekosystem": DemoCoordinator(
        "koordination.mainz", "Konrad", "Koordination", body_key="07315000"
    ),
    "zentrale-vergabestelle-foerdermittelmanagement": DemoCoordinator(
        "koordination.donnersberg", "Klara", "Koordination", body_key="07333"
    ),
}
