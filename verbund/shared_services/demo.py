"""Demo shared services for ``manage.py load_demo``, on the demo alliances of :mod:`verbund.alliances.demo`.

* **Eifel-Mosel-Hunsrück** (alliance ``modellvorhaben-eifel-mosel-hunsrueck``; LK Cochem-Zell 07135,
  Bernkastel-Wittlich 07231, Vulkaneifel 07233, Eifelkreis Bitburg-Prüm 07232): the joint
  Kfz-Zulassung and the cross-district Bußgeldstelle at Bernkastel-Wittlich, which acts "im Namen und
  im Auftrag" of the others under a Zweckvereinbarung (DOMAIN.md §1). Who runs the joint
  Kfz-Zulassung's back office is not public; the demo lets Cochem-Zell provide it and says so.
* **Zentrale Vergabestelle und Fördermittelmanagement** (alliance
  ``zentrale-vergabestelle-foerdermittelmanagement``; LK Donnersbergkreis 07333 lead, VGs
  Kirchheimbolanden 073335004, Göllheim 073335003, Bruchmühlbach-Miesau 073355001): the shared
  procurement office at the Donnersbergkreis, with the Rosenheim pattern of key (the Landkreis pays a
  fixed share, the Verbandsgemeinden the rest half by equal parts, half by inhabitants), because a
  Landkreis's population contains its municipalities' and cannot be weighed against them.

**The cost plans and volumes are EXAMPLES** (``is_example``; "Beispielzahlen" on every page and
invoice): plausible orders of magnitude, not the bodies' budgets. Population comes from the registry.

Everything goes through :mod:`.services` as the system actor :data:`ACTOR` ("Demodaten", capabilities
``shared_services.manage`` and ``accounts.manage``), so the audit log shows what the demo created.

Non-destructive and idempotent: a service is found by its natural key (alliance and name); when it
exists it is left **entirely alone** — no cost plan, volume, recipient, key or settlement of it is
added, changed or recomputed, whatever users did to it since. Only services that never existed are
created, with their example plans, volumes and settlements. A missing alliance or body creates nothing
for it and prints a warning. Demo logins are created only when missing (``<username>@verbund.invalid``);
an existing user is never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db import transaction

from verbund.alliances.models import Alliance, Membership
from verbund.common.actors import SystemActor
from verbund.common.errors import Refusal
from verbund.registry.models import Body

from . import services
from .allocation import EQUAL, fixed_share, mix
from .models import PlanKind, SettlementKind, SharedService, Task
from .policies import MANAGE

#: Who creates the demo data (named in the audit log); ``accounts.manage`` for the provider clerks.
ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE, "accounts.manage"}))
EXAMPLE_NOTE = "Beispielzahlen für die Demo: plausible Größenordnungen, keine Haushaltszahlen."
EMH = "modellvorhaben-eifel-mosel-hunsrueck"
DONNERSBERG = "zentrale-vergabestelle-foerdermittelmanagement"
#: Share of a year's volume per quarter (seasonal pattern of registrations and proceedings).
QUARTERS = (Decimal("0.24"), Decimal("0.27"), Decimal("0.26"), Decimal("0.23"))

# (category, description, value[, pay grade]): staff → FTE and grade, overhead → percent, else EUR.
Item = tuple[str, str, str] | tuple[str, str, str, str]


@dataclass(frozen=True)
class DemoService:
    alliance: str
    name: str
    task: str
    provider: str
    recipients: tuple[str, ...]
    start_date: dt.date
    key: dict[str, Any]
    description: str
    legal_basis_note: str = ""
    #: {(year, kind): items}
    plans: dict[tuple[int, str], tuple[Item, ...]] = field(default_factory=dict)
    #: {year: {body key: yearly volume}}, recorded by quarter
    volumes: dict[int, dict[str, int]] = field(default_factory=dict)
    #: settlements to compute and finalize: (year, kind)
    settlements: tuple[tuple[int, str], ...] = ()


KFZ_ITEMS: tuple[Item, ...] = (
    ("staff", "Sachbearbeitung Zulassung", "6.50", "E6"),
    ("staff", "Leitung der Zulassungsstelle", "1.00", "E9b"),
    ("overhead", "Gemeinkosten (Arbeitsplatz, Leitung, Querschnitt)", "20"),
    ("material", "Kennzeichen-Schilderstelle, Formulare, Porto", "38000"),
    ("it", "Fachverfahren und Anbindung i-Kfz", "64000"),
    ("revenue", "Zulassungsgebühren (Anteil über der Kostendeckung nicht enthalten)", "390000"),
)
BUSSGELD_ITEMS: tuple[Item, ...] = (
    ("staff", "Sachbearbeitung Verkehrsordnungswidrigkeiten", "8.00", "E6"),
    ("staff", "Sachgebietsleitung", "1.00", "E9b"),
    ("overhead", "Gemeinkosten", "20"),
    ("material", "Porto und Zustellung", "96000"),
    ("it", "OWi-Fachverfahren, Schnittstellen", "52000"),
    ("revenue", "Verwaltungsgebühren und Auslagen", "260000"),
)
VERGABE_ITEMS: tuple[Item, ...] = (
    ("staff", "Vergabesachbearbeitung", "2.00", "E9b"),
    ("staff", "Fördermittelmanagement", "1.00", "E10"),
    ("staff", "Leitung (anteilig)", "0.50", "E11"),
    ("overhead", "Gemeinkosten", "20"),
    ("it", "eVergabe-Plattform und Fördermitteldatenbank", "18000"),
    ("material", "Bekanntmachungen, Fortbildung", "6000"),
    ("revenue", "Zuwendung IKZ-Pilotförderung, Anteil 2026 (353.400 EUR für 2026–2027)", "176700"),
)


def _with(items: tuple[Item, ...], **changes: str) -> tuple[Item, ...]:
    """``items`` with the value of the line ``description`` replaced (a year's actual costs)."""
    return tuple((*item[:2], changes.get(item[1], item[2]), *item[3:]) for item in items)


# Both Eifel-Mosel-Hunsrück services run since 2023: 2025 settled in full, 2026 only advanced.
EMH_SETTLEMENTS = (
    (2025, SettlementKind.ADVANCE),
    (2025, SettlementKind.FINAL),
    (2026, SettlementKind.ADVANCE),
)

DEMO_SERVICES: tuple[DemoService, ...] = (
    DemoService(
        alliance=EMH,
        name="Gemeinsame Kfz-Zulassung Eifel-Mosel-Hunsrück",
        task="kfz-zulassung",
        provider="07135",
        recipients=("07135", "07231", "07233", "07232"),
        start_date=dt.date(2023, 1, 9),
        key=mix(("25", EQUAL), ("75", {"type": "volume", "unit": "Zulassungsvorgängen"})),
        description=(
            "Gemeinsame Kfz-Zulassung seit 9.1.2023: Bürgerinnen und Bürger der vier Landkreise können "
            "jede Zulassungsstelle nutzen. In der Demo trägt der Landkreis Cochem-Zell das gemeinsame "
            "Back-Office (Annahme; wer es tatsächlich führt, ist nicht veröffentlicht). " + EXAMPLE_NOTE
        ),
        legal_basis_note="Zweckvereinbarung (§§ 12, 13 KomZG); Dokument in der Demo nicht hinterlegt",
        plans={
            (2025, PlanKind.PLAN): KFZ_ITEMS,
            (2025, PlanKind.ACTUAL): _with(
                KFZ_ITEMS, **{"Kennzeichen-Schilderstelle, Formulare, Porto": "41250.40"}
            ),
            (2026, PlanKind.PLAN): _with(KFZ_ITEMS, **{"Fachverfahren und Anbindung i-Kfz": "71000"}),
        },
        volumes={
            2024: {"07231": 24100, "07135": 12800, "07233": 12300, "07232": 21400},
            2025: {"07231": 24800, "07135": 13100, "07233": 12600, "07232": 21900},
        },
        settlements=EMH_SETTLEMENTS,
    ),
    DemoService(
        alliance=EMH,
        name="Kreisübergreifende Bußgeldstelle",
        task="bussgeldstelle",
        provider="07231",
        recipients=("07231", "07135", "07233", "07232"),
        start_date=dt.date(2023, 1, 9),
        key=mix(("20", EQUAL), ("80", {"type": "volume", "unit": "Verfahren"})),
        description=(
            "Die Kreisverwaltung Bernkastel-Wittlich bearbeitet die Verkehrsordnungswidrigkeiten der "
            "vier Landkreise im Namen und im Auftrag der anderen (Zweckvereinbarung, §§ 1, 12, 13 KomZG). "
            + EXAMPLE_NOTE
        ),
        legal_basis_note="Zweckvereinbarung (§§ 1, 12, 13 KomZG); Dokument in der Demo nicht hinterlegt",
        plans={
            (2025, PlanKind.PLAN): BUSSGELD_ITEMS,
            (2025, PlanKind.ACTUAL): _with(BUSSGELD_ITEMS, **{"Porto und Zustellung": "101480.15"}),
            (2026, PlanKind.PLAN): _with(BUSSGELD_ITEMS, **{"Porto und Zustellung": "99000"}),
        },
        volumes={
            2024: {"07231": 17900, "07135": 9500, "07233": 8700, "07232": 14800},
            2025: {"07231": 18400, "07135": 9700, "07233": 8900, "07232": 15200},
        },
        settlements=EMH_SETTLEMENTS,
    ),
    DemoService(
        alliance=DONNERSBERG,
        name="Zentrale Vergabestelle und Fördermittelmanagement",
        task="vergabestelle",
        provider="07333",
        recipients=("07333", "073335004", "073335003", "073355001"),
        start_date=dt.date(2026, 1, 1),
        # Members are named by ARS in keys; "{07333}" is replaced by the Donnersbergkreis's ARS.
        key=fixed_share(
            {"{07333}": "40"},
            mix(("50", EQUAL), ("50", {"type": "population", "reference": "30.06. des Vorjahres"})),
        ),
        description=(
            "Gemeinsame Vergabestelle mit Fördermittelmanagement beim Donnersbergkreis für die "
            "Verbandsgemeinden Kirchheimbolanden, Göllheim und Bruchmühlbach-Miesau; die Partner "
            "vertreten einander beim Personal. Schlüssel nach dem Muster des LK Rosenheim (fester Anteil "
            "des Landkreises, der Rest je zur Hälfte Grundbetrag und Einwohner). " + EXAMPLE_NOTE
        ),
        legal_basis_note="Kooperationsvereinbarung; Dokument in der Demo nicht hinterlegt",
        plans={(2026, PlanKind.PLAN): VERGABE_ITEMS},
        settlements=((2026, SettlementKind.ADVANCE),),
    ),
)

#: A clerk of the Bußgeldstelle's provider, so the provider's view can be tried (the Donnersbergkreis
#: has demo users of the accounts part already).
DEMO_PROVIDER_CLERKS = (("sachbearbeitung.bernkastel-wittlich", "07231"),)


@dataclass
class _Report:
    created: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


def _write(stream: TextIO | Any | None, line: str) -> None:
    if stream is not None:
        stream.write(line if line.endswith("\n") else line + "\n")


def _members(alliance: Alliance, keys: Sequence[str]) -> dict[str, Body]:
    memberships = (
        Membership.objects.current().filter(alliance=alliance, body__key__in=keys).select_related("body")
    )
    return {m.body.key: m.body for m in memberships}


def _create_plans(service: SharedService, spec: DemoService) -> None:
    for (year, kind), items in spec.plans.items():
        plan = services.cost_plan_ensure(
            actor=ACTOR, service=service, year=year, kind=kind, is_example=True, note=EXAMPLE_NOTE
        )
        for item in items:
            category, description, value, *grade = item
            if category == "staff":
                services.cost_item_add(
                    actor=ACTOR,
                    plan=plan,
                    category=category,
                    description=description,
                    fte=Decimal(value),
                    pay_grade=grade[0],
                )
            elif category == "overhead":
                services.cost_item_add(
                    actor=ACTOR,
                    plan=plan,
                    category=category,
                    description=description,
                    percent=Decimal(value),
                )
            else:
                services.cost_item_add(
                    actor=ACTOR,
                    plan=plan,
                    category=category,
                    description=description,
                    amount=Decimal(value),
                )


def _create_volumes(service: SharedService, spec: DemoService, bodies: dict[str, Body]) -> None:
    for year, per_body in spec.volumes.items():
        for key, yearly in per_body.items():
            body = bodies.get(key)
            if body is None:
                continue
            quarters = [(Decimal(yearly) * share).quantize(Decimal("1")) for share in QUARTERS]
            quarters[-1] = Decimal(yearly) - sum(quarters[:-1])
            for q, quantity in enumerate(quarters):
                start = dt.date(year, 3 * q + 1, 1)
                end = (dt.date(year, 3 * q + 4, 1) if q < 3 else dt.date(year + 1, 1, 1)) - dt.timedelta(
                    days=1
                )
                services.volume_set(
                    actor=ACTOR,
                    service=service,
                    body=body,
                    period_start=start,
                    period_end=end,
                    quantity=quantity,
                    note=f"{q + 1}. Quartal (Beispielzahl)",
                )


#: An example bank account (a valid IBAN of the kind used in documentation), marked as example data.
DEMO_IBAN = "DE02120300000000202051"


def _create_billing_profile(service: SharedService) -> None:
    """Example billing data of the provider (address, bank, contact), so that demo invoices are whole;
    marked as example data on every invoice."""
    from .models import BillingProfile

    provider = service.provider
    if BillingProfile.objects.filter(body=provider).exists():
        return
    services.billing_profile_set(
        actor=ACTOR,
        service=service,
        body=provider,
        is_example=True,
        department="Finanzabteilung (Beispieldaten)",
        street="Beispielstraße 1",
        postcode=provider.postcode or "55000",
        city=provider.seat or provider.name,
        iban=DEMO_IBAN,
        bank="Beispielbank",
        contact_name="Kasse (Beispiel)",
        contact_phone="0000 000000",
        contact_email="kasse@example.org",
        email="rechnung@example.org",
    )


def _example_leitweg_id(ars: str) -> str:
    """An example Leitweg-ID of the form ARS-BEISPIEL-check digits (valid MOD 97-10, not a real one)."""
    from .models.billing import leitweg_problem

    base = f"{ars}-BEISPIEL"
    return next(f"{base}-{check:02d}" for check in range(100) if not leitweg_problem(f"{base}-{check:02d}"))


def _create_recipient_profiles(service: SharedService) -> None:
    """Example invoicing data of the members (address, Leitweg-ID), so that the demo's invoices can also
    be downloaded as XRechnung; marked as example data like the provider's."""
    from .models import BillingProfile

    for recipient in (link.body for link in service.recipients.select_related("body")):
        if recipient.pk == service.provider_id or BillingProfile.objects.filter(body=recipient).exists():
            continue
        services.billing_profile_set(
            actor=ACTOR,
            service=service,
            body=recipient,
            is_example=True,
            department="Kämmerei (Beispieldaten)",
            street="Beispielstraße 1",
            postcode=recipient.postcode or "55000",
            city=recipient.seat or recipient.name,
            leitweg_id=_example_leitweg_id(recipient.ars),
            email="rechnungseingang@example.org",
        )


def _create_settlements(service: SharedService, spec: DemoService, report: _Report) -> None:
    for year, kind in spec.settlements:
        try:
            draft = services.settlement_compute(actor=ACTOR, service=service, year=year, kind=kind)
            services.settlement_finalize(actor=ACTOR, settlement=draft, confirmed=True)
        except (Refusal, ValidationError) as exc:  # reported, not fatal (e.g. figures missing)
            report.warnings.append(f"{service.name}: Abrechnung {year} ({kind}) nicht berechnet: {exc}")


def _with_ars(config: Any, bodies: dict[str, Body]) -> Any:
    """``config`` with member placeholders ``"{<registry key>}"`` replaced by the bodies' ARS."""
    if isinstance(config, dict):
        return {_with_ars(k, bodies): _with_ars(v, bodies) for k, v in config.items()}
    if isinstance(config, list | tuple):
        return [_with_ars(v, bodies) for v in config]
    if isinstance(config, str) and config.startswith("{") and config.endswith("}") and config[1:-1] in bodies:
        return bodies[config[1:-1]].ars
    return config


def _exists(alliance: Alliance, spec: DemoService, tasks: dict[str, Task]) -> bool:
    """The demo service exists: by its name in the alliance, or (renamed since) by its task and
    providing body there."""
    same_name = SharedService.objects.filter(alliance=alliance, name=spec.name)
    same_role = SharedService.objects.filter(
        alliance=alliance, task=tasks.get(spec.task), provider__key=spec.provider
    )
    return same_name.exists() or same_role.exists()


@transaction.atomic
def load_demo_shared_services(*, stdout: TextIO | Any | None = None) -> list[SharedService]:
    """Create the demo services with example cost plans, volumes and finalized settlements."""
    report = _Report()
    created: list[SharedService] = []
    alliances = {a.slug: a for a in Alliance.objects.filter(slug__in={s.alliance for s in DEMO_SERVICES})}
    tasks = {t.slug: t for t in Task.objects.all()}
    for spec in DEMO_SERVICES:
        alliance = alliances.get(spec.alliance)
        if alliance is None:
            report.warnings.append(f"Verbund „{spec.alliance}“ fehlt; Dienst „{spec.name}“ nicht angelegt.")
            continue
        if _exists(alliance, spec, tasks):
            report.unchanged += 1  # exists: left alone entirely, whatever users did to it
            continue
        bodies = _members(alliance, [spec.provider, *spec.recipients])
        if spec.provider not in bodies:
            report.warnings.append(
                f"Erbringer {spec.provider} ist nicht Mitglied von „{alliance.name}“ (fehlt im Register?); "
                f"Dienst „{spec.name}“ nicht angelegt."
            )
            continue
        missing = [key for key in spec.recipients if key not in bodies]
        for key in missing:
            report.warnings.append(f"{spec.name}: Empfänger {key} fehlt im Register oder im Verbund.")
        with transaction.atomic():
            key = _with_ars(spec.key, bodies)
            service = services.service_create(
                actor=ACTOR,
                alliance=alliance,
                task=tasks[spec.task],
                provider=bodies[spec.provider],
                name=spec.name,
                description=spec.description,
                legal_basis_note=spec.legal_basis_note,
                start_date=spec.start_date,
                allocation_key=key,
                recipients=[bodies[key] for key in spec.recipients if key in bodies],
            )
            _create_plans(service, spec)
            _create_volumes(service, spec, bodies)
            _create_billing_profile(service)
            _create_recipient_profiles(service)
            _create_settlements(service, spec, report)
        report.created += 1
        created.append(service)
    _write(stdout, f"Demo-Dienste: {report.created} angelegt, {report.unchanged} vorhanden.")
    for warning in report.warnings:
        _write(stdout, f"Hinweis: {warning}")
    return created


def ensure_demo_provider_clerks() -> list[tuple[str, str, str]]:
    """Demo logins of provider staff (``(username, password, description)``); missing bodies skipped.

    Through :func:`verbund.accounts.demo.ensure_demo_user`: a login that exists is left alone (no
    password reset, no role added back); a new one gets the e-mail address ``<username>@verbund.invalid``.
    """
    from verbund.accounts.demo import DEMO_PASSWORD, ensure_demo_user
    from verbund.accounts.models import Role

    rows = []
    for username, key in DEMO_PROVIDER_CLERKS:
        body = Body.objects.current().filter(key=key).first()
        if body is None:
            continue
        ensure_demo_user(
            username=username,
            first_name="Sachbearbeitung",
            last_name=body.name,
            roles=[(Role.SACHBEARBEITUNG, body)],
        )
        rows.append((username, DEMO_PASSWORD, f"Sachbearbeitung: {body.name} (erbringt die Bußgeldstelle)"))
    return rows
