"""Demo data of the security part for ``manage.py load_demo``: the cyber alliance of five
Verbandsgemeinden around Kaiserslautern (alliance ``interkommunale-cybersicherheit`` of
:mod:`verbund.alliances.demo`; DOMAIN.md §1).

* **Inventories** per VG: Windows and Linux servers, firewalls (Fortinet, Sophos), thin clients,
  the OT of the waterworks (Siemens SIMATIC, Phoenix Contact remote access: products the real CISA
  advisories of the data directory name), building automation and common municipal software. The
  products are realistic for such administrations; **which VG runs what is invented** (EXAMPLE).
* **Advisories**: every real CSAF document of ``VERBUND_DATA_DIR/csaf/real_advisories`` through
  :func:`verbund.security.services.advisories.import_advisory`; without the data directory one small
  built-in document of the demo (marked as such), then the matcher
  (:func:`verbund.security.services.matching.match_advisory`) over each.
* **Shared ISB** (``isb.cyber``, deputy ``isb-vertretung.cyber``; demo logins) employed by VG
  Landstuhl, serving the five VGs with shares of 90 % together (the rest is the employer's own),
  settled through a shared service with an example cost plan and a finalized advance settlement.
* **One incident** of VG Ramstein-Miesenbach, TLP:AMBER to the alliance.
* **WiBA progress** on two sample checklists written for the demo (``demo_data/``: our own wording,
  no text of the BSI, whose checklists are copyrighted and never shipped).

Everything goes through the services as the system actor :data:`ACTOR` ("Demodaten", capabilities
``security.manage``, ``shared_services.manage``, ``accounts.manage``). Idempotent and never over
users' work: each item is looked up by its natural key (a body's asset by vendor, name and version; the
officer by alliance and kind; the incident by body and title; a checklist by its file's hash; an
assessment by body and checklist) and left entirely alone when it exists. A missing alliance or body
creates nothing for it and prints a warning.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from verbund.alliances.models import Alliance, Membership
from verbund.common.actors import SystemActor
from verbund.common.errors import Refusal
from verbund.registry.models import Body

from .models import (
    Advisory,
    Asset,
    Distribution,
    Incident,
    OfficerKind,
    SharedOfficer,
    Tlp,
    WibaAnswerValue,
    WibaAssessment,
    WibaChecklist,
)
from .policies import MANAGE

ACTOR = SystemActor(
    name="Demodaten", capabilities=frozenset({MANAGE, "shared_services.manage", "accounts.manage"})
)
CYBER = "interkommunale-cybersicherheit"
BRUCHMUEHLBACH, ENKENBACH, LANDSTUHL, RAMSTEIN, WEILERBACH = (
    "073355001",
    "073355002",
    "073355011",
    "073355008",
    "073355009",
)
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
WIBA_FILES = ("wiba-beispiel-datensicherung.csv", "wiba-beispiel-vorfaelle.csv")
EXAMPLE_NOTE = (
    "Beispieldaten der Demo: realistische Produkte, die Zuordnung zu den Verbandsgemeinden ist erfunden."
)

ISB_USERNAME = "isb.cyber"
DEPUTY_USERNAME = "isb-vertretung.cyber"
INCIDENT_TITLE = "Phishing-Welle mit gefälschten Rechnungen; ein Postfach kompromittiert"

#: Working-time shares of the shared ISB (per cent); together 90 %, the rest stays with VG Landstuhl.
ISB_SHARES = {LANDSTUHL: "22", RAMSTEIN: "20", WEILERBACH: "16", ENKENBACH: "16", BRUCHMUEHLBACH: "16"}

# --- the inventories ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAsset:
    name: str
    vendor: str
    version: str
    kind: str
    criticality: str = "mittel"
    cpe: str = ""
    model_number: str = ""
    location: str = ""
    quantity: int = 1


_COMMON: tuple[DemoAsset, ...] = (
    DemoAsset("Windows Server 2022 Standard", "Microsoft", "21H2", "server", "hoch",
              cpe="cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*", location="Serverraum Rathaus"),
    DemoAsset("Exchange Server 2019", "Microsoft", "CU14", "software", "hoch",
              cpe="cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_14:*:*:*:*:*:*"),
    DemoAsset("Debian Linux", "Debian", "12", "server", "mittel",
              cpe="cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", location="Serverraum Rathaus"),
    DemoAsset("OS", "IGEL", "11.09.100", "client", "mittel", location="Arbeitsplätze", quantity=60),
    DemoAsset("VOIS|MESO (Einwohnerwesen)", "HSH Soft- und Hardware", "2025.2", "software", "hoch"),
    DemoAsset("Infoma newsystem (Finanzwesen)", "Axians Infoma", "25.1", "software", "hoch"),
    DemoAsset("Session (Ratsinformationssystem)", "Somacos", "5.6", "software", "mittel"),
)  # fmt: skip

_PER_VG: dict[str, tuple[DemoAsset, ...]] = {
    LANDSTUHL: (
        DemoAsset("FortiGate 100F (FortiOS)", "Fortinet", "7.2.7", "netz", "kritisch",
                  cpe="cpe:2.3:o:fortinet:fortios:7.2.7:*:*:*:*:*:*:*", location="Rathaus Landstuhl"),
        DemoAsset("SIMATIC S7-400 CPU 414-3 PN/DP V7 (6ES7414-3EM07-0AB0)", "Siemens", "V7.0.2", "ot",
                  "kritisch", model_number="6ES7414-3EM07-0AB0", location="Wasserwerk, Leitstand"),
        DemoAsset("TC ROUTER 3002T-4G", "Phoenix Contact", "2.07.1", "ot", "hoch",
                  location="Pumpstation Hochbehälter (Fernwirktechnik)"),
        DemoAsset("Metasys ADX Server", "Johnson Controls Inc", "12.0", "ot", "mittel",
                  location="Gebäudeleittechnik Rathaus"),
    ),
    RAMSTEIN: (
        DemoAsset("Sophos Firewall XGS 2100 (SFOS)", "Sophos", "20.0.1", "netz", "kritisch",
                  cpe="cpe:2.3:o:sophos:sfos:20.0.1:*:*:*:*:*:*:*"),
        DemoAsset("SIMATIC PCS 7 V9.0", "Siemens", "V9.0 SP2", "ot", "kritisch",
                  location="Kläranlage, Prozessleitsystem"),
        DemoAsset("MXview One Series", "Moxa", "1.3.0", "ot", "mittel",
                  location="Kläranlage, Netzüberwachung"),
        DemoAsset("Data Center Expert", "Schneider Electric", "8.1.1", "server", "mittel",
                  location="Serverraum, USV-Überwachung"),
    ),
    WEILERBACH: (
        DemoAsset("FortiGate 60F (FortiOS)", "Fortinet", "7.0.12", "netz", "kritisch",
                  cpe="cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*"),
        DemoAsset("SIMATIC S7-400 CPU 416-3 PN/DP V7 (6ES7416-3ES07-0AB0)", "Siemens", "V7.0.1", "ot",
                  "kritisch", model_number="6ES7416-3ES07-0AB0", location="Wasserwerk, Aufbereitung"),
        DemoAsset("Adminer", "Adminer", "4.8.1", "software", "niedrig", location="Webserver Bürgerportal"),
    ),
    ENKENBACH: (
        DemoAsset("Sophos Firewall XGS 136 (SFOS)", "Sophos", "19.5.3", "netz", "kritisch"),
        DemoAsset("Compact Controller CC100", "WAGO", "FW22", "ot", "hoch",
                  location="Wasserversorgung, Brunnen"),
        DemoAsset("M24M", "Mobotix", "MX-V4.7.2", "ot", "niedrig", location="Bauhof, Videoüberwachung"),
    ),
    BRUCHMUEHLBACH: (
        DemoAsset("FortiGate 40F (FortiOS)", "Fortinet", "7.4.2", "netz", "kritisch"),
        DemoAsset("TC ROUTER 3002T-4G", "Phoenix Contact", "2.07.2", "ot", "hoch",
                  location="Abwasserpumpwerk (Fernwirktechnik)"),
        DemoAsset("Ubuntu Server", "Canonical", "22.04 LTS", "server", "mittel",
                  cpe="cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*"),
    ),
}  # fmt: skip


# --- WiBA progress: (answered share, pattern) per VG ----------------------------------------------------

#: How many questions of each sample checklist each VG answered, and its share of "nein".
WIBA_PROGRESS: dict[str, tuple[float, int]] = {
    LANDSTUHL: (1.0, 4),  # every question answered; every 4th "nein"
    RAMSTEIN: (0.75, 3),
    WEILERBACH: (0.5, 2),
    ENKENBACH: (0.25, 3),
    # Bruchmühlbach-Miesau has not begun: the alliance view shows it as open.
}
#: The VG that shares its answers with the alliance (TLP:AMBER, distribution alliance).
WIBA_SHARED_BY = WEILERBACH


@dataclass
class _Report:
    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n


def _write(stream: TextIO | Any | None, line: str) -> None:
    if stream is not None:
        stream.write(line if line.endswith("\n") else line + "\n")


def _moment(days_ago: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


# --- users -------------------------------------------------------------------------------------------------


def ensure_demo_security_users() -> list[tuple[str, str, str]]:
    """The demo ISB and deputy (``(username, password, description)`` rows); existing users untouched.

    They hold no role at a body: what they see comes from the officer grants of :func:`load_demo_security`.
    """
    from verbund.accounts.demo import DEMO_PASSWORD, ensure_demo_user

    ensure_demo_user(username=ISB_USERNAME, first_name="Ines", last_name="Sicherheit")
    ensure_demo_user(username=DEPUTY_USERNAME, first_name="Volker", last_name="Vertretung")
    return [
        (ISB_USERNAME, DEMO_PASSWORD, "Gemeinsame Informationssicherheitsbeauftragte (IKZ Cyber Westpfalz)"),
        (DEPUTY_USERNAME, DEMO_PASSWORD, "Vertretung der Informationssicherheitsbeauftragten"),
    ]


# --- the steps ----------------------------------------------------------------------------------------------


def _members(alliance: Alliance) -> dict[str, Body]:
    rows = Membership.objects.current().filter(alliance=alliance).select_related("body")
    return {m.body.key: m.body for m in rows}


def _create_assets(bodies: dict[str, Body], report: _Report) -> list[int]:
    from .services import assets as asset_services

    created: list[int] = []
    for key, body in bodies.items():
        for spec in (*_COMMON, *_PER_VG.get(key, ())):
            name = spec.name
            if Asset.objects.filter(
                owner_body=body, vendor=spec.vendor, name=name, version=spec.version
            ).exists():
                continue
            asset = asset_services.asset_create(
                actor=ACTOR,
                owner_body=body,
                values={
                    "name": name,
                    "vendor": spec.vendor,
                    "version": spec.version,
                    "kind": spec.kind,
                    "criticality": spec.criticality,
                    "cpe": spec.cpe,
                    "model_number": spec.model_number,
                    "location": spec.location,
                    "quantity": spec.quantity,
                    "note": EXAMPLE_NOTE,
                },
                origin="demo",
            )
            created.append(asset.pk)
    report.count("Komponenten", len(created))
    return created


def _advisory_files() -> Iterator[Path]:
    from verbund.common.data import data_dir

    root = data_dir() / "csaf" / "real_advisories"
    if not root.is_dir():
        return iter(())
    files = [p for p in root.rglob("*") if p.is_file() and p.name.endswith((".json", ".json.gz"))]
    return iter(sorted(files, key=lambda p: (p.parent.name, p.name)))


#: A small CSAF 2.0 document of the demo, used only when the data directory is missing. It names the
#: Siemens controller of the demo waterworks, like the real CISA advisory ICSA-18-079-02 does.
BUILTIN_ADVISORY: dict[str, Any] = {
    "document": {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "distribution": {"tlp": {"label": "WHITE"}},
        "lang": "de-DE",
        "notes": [
            {
                "category": "summary",
                "text": "Beispiel-Hinweis der Demo (kein echter Hinweis): ältere Firmware der Steuerung "
                "ist über PROFINET angreifbar.",
            }
        ],
        "publisher": {
            "category": "other",
            "name": "Verbund Demodaten",
            "namespace": "https://verbund.invalid/demo",
        },
        "title": "Beispiel: Siemens SIMATIC S7-400 – Denial of Service über PROFINET",
        "tracking": {
            "current_release_date": "2026-01-15T10:00:00.000Z",
            "id": "VERBUND-DEMO-2026-0001",
            "initial_release_date": "2026-01-15T10:00:00.000Z",
            "revision_history": [
                {"date": "2026-01-15T10:00:00.000Z", "number": "1", "summary": "Erste Fassung (Demo)."}
            ],
            "status": "final",
            "version": "1",
        },
    },
    "product_tree": {
        "branches": [
            {
                "category": "vendor",
                "name": "Siemens",
                "branches": [
                    {
                        "category": "product_name",
                        "name": "SIMATIC S7-400 CPU 414-3 PN/DP V7 (6ES7414-3EM07-0AB0)",
                        "branches": [
                            {
                                "category": "product_version_range",
                                "name": "vers:generic/<7.0.3",
                                "product": {
                                    "name": "SIMATIC S7-400 CPU 414-3 PN/DP V7 < V7.0.3",
                                    "product_id": "CSAFPID-0001",
                                    "product_identification_helper": {
                                        "model_numbers": ["6ES7414-3EM07-0AB0"]
                                    },
                                },
                            }
                        ],
                    }
                ],
            }
        ]
    },
    "vulnerabilities": [
        {
            "notes": [
                {
                    "category": "description",
                    "text": "Speziell präparierte PROFINET-Pakete können die Steuerung anhalten (Beispiel).",
                }
            ],
            "product_status": {"known_affected": ["CSAFPID-0001"]},
            "remediations": [
                {
                    "category": "vendor_fix",
                    "details": "Firmware V7.0.3 oder neuer einspielen.",
                    "product_ids": ["CSAFPID-0001"],
                }
            ],
            "title": "Denial of Service über PROFINET (Beispiel)",
        }
    ],
}


def _import_advisories(report: _Report) -> list[int]:
    from .services.advisories import import_advisory

    ids: list[int] = []
    sources: list[tuple[str, Any]] = [(path.name, path.read_bytes()) for path in _advisory_files()]
    if not sources:
        report.warnings.append(
            "Kein Datenverzeichnis mit CSAF-Hinweisen gefunden; "
            "ein eingebauter Beispiel-Hinweis wird geladen."
        )
        sources = [("verbund-demo-2026-0001.json", json.dumps(BUILTIN_ADVISORY).encode())]
    for name, data in sources:
        try:
            with transaction.atomic():
                result = import_advisory(ACTOR, data, filename=name)
        except Refusal as exc:
            report.warnings.append(f"Hinweis {name} nicht eingelesen: {exc.detail[:300]}")
            continue
        if result.outcome in ("created", "revised"):
            report.count("Sicherheitshinweise")
        ids.append(result.advisory.pk)
    return sorted(set(ids))


def _run_matcher(advisory_ids: list[int], report: _Report) -> None:
    from .services.matching import match_advisory

    found = 0
    for advisory_id in advisory_ids:
        run = match_advisory(advisory_id, actor=ACTOR)
        found += run.created
    report.count("Treffer", found)


def _create_officer(alliance: Alliance, bodies: dict[str, Body], report: _Report) -> None:
    from verbund.accounts.models import User
    from verbund.shared_services import services as service_writes
    from verbund.shared_services.models import PlanKind, SettlementKind

    from .services import officers

    if SharedOfficer.objects.filter(alliance=alliance, kind=OfficerKind.ISB).exists():
        return
    employer = bodies.get(LANDSTUHL)
    shares = [(bodies[key], Decimal(p)) for key, p in ISB_SHARES.items() if key in bodies]
    person = User.objects.filter(username=ISB_USERNAME).first()
    deputy = User.objects.filter(username=DEPUTY_USERNAME).first()
    if employer is None or not shares or person is None or not person.is_active:
        report.warnings.append("Gemeinsame ISB nicht angelegt: VG Landstuhl oder das Demo-Konto fehlt.")
        return
    starts_on = min(dt.date(2026, 2, 1), timezone.localdate())
    officer = officers.officer_create(
        actor=ACTOR,
        kind=OfficerKind.ISB,
        person=person,
        deputy=deputy if deputy is not None and deputy.is_active else None,
        employer=employer,
        alliance=alliance,
        starts_on=starts_on,
        shares=shares,
    )
    report.count("gemeinsame Beauftragte")
    try:
        with transaction.atomic():
            service = officers.officer_settlement_link(actor=ACTOR, officer=officer)
            year = starts_on.year
            plan = service_writes.cost_plan_ensure(
                actor=ACTOR,
                service=service,
                year=year,
                kind=PlanKind.PLAN,
                is_example=True,
                note="Beispielzahlen für die Demo: plausible Größenordnungen, keine Haushaltszahlen.",
            )
            service_writes.cost_item_add(
                actor=ACTOR, plan=plan, category="staff", description="Informationssicherheitsbeauftragte/r",
                fte=Decimal("1.00"), pay_grade="E11",
            )  # fmt: skip
            service_writes.cost_item_add(
                actor=ACTOR, plan=plan, category="overhead", description="Gemeinkosten", percent=Decimal("20")
            )
            service_writes.cost_item_add(
                actor=ACTOR, plan=plan, category="material",
                description="Fortbildung, Zertifizierung, Fachliteratur", amount=Decimal("6000"),
            )  # fmt: skip
            service_writes.cost_item_add(
                actor=ACTOR, plan=plan, category="it", description="Werkzeug für das ISMS (Lizenz)",
                amount=Decimal("4800"),
            )  # fmt: skip
            draft = service_writes.settlement_compute(
                actor=ACTOR, service=service, year=year, kind=SettlementKind.ADVANCE
            )
            service_writes.settlement_finalize(actor=ACTOR, settlement=draft, confirmed=True)
    except Exception as exc:  # the officer stays; the settlement is an extra of the demo
        from django.core.exceptions import ValidationError

        if not isinstance(exc, Refusal | ValidationError):
            raise
        report.warnings.append(f"Abrechnung der gemeinsamen ISB nicht angelegt: {exc}")


def _create_incident(alliance: Alliance, bodies: dict[str, Body], report: _Report) -> None:
    from verbund.audit.models import AuditEntry

    from .services.incidents import incident_create

    body = bodies.get(RAMSTEIN)
    if body is None:
        return
    # Reported before (perhaps renamed or closed since): by its title, or by the demo's audit entry.
    reported = AuditEntry.objects.filter(
        action="security.incident_create", actor_label=ACTOR.name, is_system=True, body_id=body.pk
    )
    if Incident.objects.filter(owner_body=body, title=INCIDENT_TITLE).exists() or reported.exists():
        return
    exchange = Asset.objects.filter(owner_body=body, name="Exchange Server 2019").values_list("pk", flat=True)
    incident = incident_create(
        actor=ACTOR,
        owner_body=body,
        title=INCIDENT_TITLE,
        started_at=_moment(3.2),
        detected_at=_moment(2.9),
        description=(
            "Seit Montag gehen Mails mit gefälschten Rechnungen von einem bekannten Lieferanten ein. Eine "
            "Beschäftigte hat ihre Zugangsdaten auf einer nachgemachten Anmeldeseite eingegeben; über ihr "
            "Postfach wurden 240 weitere Phishing-Mails verschickt. Das Konto ist gesperrt, das Passwort "
            "zurückgesetzt, die Weiterleitungsregel gelöscht. Bitte prüfen Sie Ihre Postfächer auf Mails "
            "des Absenders „rechnung@…“ (Beispieldaten der Demo)."
        ),
        assets=list(exchange),
        tlp=Tlp.AMBER,
        distribution=Distribution.ALLIANCE,
        alliance=alliance,
    )
    report.count("Sicherheitsvorfälle")
    _ask_for_help(incident, alliance, bodies, report)


def _ask_for_help(incident: Incident, alliance: Alliance, bodies: dict[str, Body], report: _Report) -> None:
    """Mutual help: Ramstein-Miesenbach asks the alliance; Landstuhl's administrator helps for a day."""
    from .services.help import help_contribution_record, help_request_create

    request = help_request_create(
        actor=ACTOR,
        incident=incident,
        alliance=alliance,
        needed=(
            "Eine Person mit Exchange-Erfahrung für einen Tag: Postfächer auf Weiterleitungsregeln und "
            "Anmeldungen prüfen (Beispieldaten der Demo)."
        ),
        people=1,
        hours=Decimal("8"),
    )
    helper = bodies.get(LANDSTUHL)
    if helper is not None:
        help_contribution_record(
            actor=ACTOR,
            request=request,
            helper_body=helper,
            hours=Decimal("7.5"),
            hourly_rate=Decimal("68.00"),
            costs=Decimal("0"),
            note="Prüfung der Postfächer und Anmeldeprotokolle",
            confirmed=True,
        )
    report.count("Hilfeersuchen")


def _wiba_checklists(report: _Report) -> list[WibaChecklist]:
    import hashlib

    from .services.wiba import wiba_checklist_import

    checklists = []
    for name in WIBA_FILES:
        data = (DEMO_DATA / name).read_bytes()
        existing = WibaChecklist.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
        if existing is None:
            with (DEMO_DATA / name).open("rb") as handle:
                existing = wiba_checklist_import(actor=ACTOR, file=handle, name=name)
            report.count("WiBA-Checklisten")
        checklists.append(existing)
    return checklists


def _wiba_answers(
    alliance: Alliance, bodies: dict[str, Body], checklists: list[WibaChecklist], report: _Report
) -> None:
    from .services.wiba import wiba_answers_save, wiba_assessment_start

    for key, (share, every) in WIBA_PROGRESS.items():
        body = bodies.get(key)
        if body is None:
            continue
        for checklist in checklists:
            if WibaAssessment.objects.filter(owner_body=body, checklist=checklist).exists():
                continue  # begun (by the demo or by people): left alone
            shared = key == WIBA_SHARED_BY
            assessment = wiba_assessment_start(
                actor=ACTOR,
                checklist=checklist,
                body=body,
                tlp=Tlp.AMBER,
                distribution=Distribution.ALLIANCE if shared else Distribution.ORGANISATION,
                alliance=alliance if shared else None,
            )
            questions = list(checklist.questions.order_by("position"))
            answered = questions[: round(len(questions) * share)]
            answers: dict[int, tuple[str, str]] = {}
            for i, question in enumerate(answered, start=1):
                if i % every == 0:
                    answers[question.pk] = (WibaAnswerValue.NO, "Geplant für das nächste Quartal (Demo).")
                elif "Steuerungstechnik" in question.text and key != LANDSTUHL:
                    answers[question.pk] = (WibaAnswerValue.NOT_RELEVANT, "Betrieb durch die Werke (Demo).")
                else:
                    answers[question.pk] = (WibaAnswerValue.YES, "")
            wiba_answers_save(actor=ACTOR, assessment=assessment, answers=answers)
            report.count("WiBA-Bearbeitungen")


@transaction.atomic
def load_demo_security(*, stdout: TextIO | Any | None = None) -> dict[str, int]:
    """Create what never existed (see the module doc); returns the counts of what was created."""
    report = _Report()
    alliance = Alliance.objects.filter(slug=CYBER).first()
    if alliance is None:
        _write(stdout, f"Hinweis: Verbund „{CYBER}“ fehlt; keine Demodaten der Informationssicherheit.")
        return {}
    bodies = _members(alliance)
    missing = [key for key in _PER_VG if key not in bodies]
    for key in missing:
        report.warnings.append(f"Verbandsgemeinde {key} fehlt im Register oder im Verbund; übersprungen.")
    _create_officer(alliance, bodies, report)
    try:
        new_assets = _create_assets(bodies, report)
    except ImportError:
        new_assets = []
        report.warnings.append("Die Bestandsverwaltung fehlt; keine Komponenten angelegt.")
    try:
        advisory_ids = _import_advisories(report)
    except ImportError:
        advisory_ids = list(Advisory.objects.values_list("pk", flat=True))
        report.warnings.append("Der Import von Sicherheitshinweisen fehlt; keine Hinweise eingelesen.")
    if advisory_ids and (new_assets or report.created.get("Sicherheitshinweise")):
        _run_matcher(advisory_ids, report)
    _create_incident(alliance, bodies, report)
    checklists = _wiba_checklists(report)
    _wiba_answers(alliance, bodies, checklists, report)
    summary = ", ".join(f"{n} {what}" for what, n in report.created.items()) or "nichts Neues"
    _write(stdout, f"Demodaten Informationssicherheit: {summary}.")
    for warning in report.warnings:
        _write(stdout, f"Hinweis: {warning}")
    return dict(report.created)
