"""Demo data of the emergency part for ``manage.py load_demo``: the joint administrative staff of the
five Landkreise of the alliance ``ikz-verwaltungsstaebe`` (Donnersbergkreis, Alzey-Worms, Bad
Dürkheim, Kaiserslautern, Kusel; DOMAIN.md §1, §7).

* **The joint staff** with its functions after the IMK guidance (Leitung, Koordinierungsgruppe,
  S2 Lage, S4 Versorgung, Bürgerinformation und Medienarbeit), each held by a demo person of one of
  the five Kreise, with deputies, and a duty roster for the next days with one substitution from a
  neighbouring Kreis. **The people are invented** (demo logins ``stab.*``); the alliance and its
  members are real (public sources in :mod:`verbund.alliances.demo`).
* **A past exercise**: a power cut in the Westpfalz ("Übung Stromausfall Westpfalz"), opened with
  level 2, a log of the exercise's course, messages (written, screened, assigned, answered, one
  turned into a task), a situation picture (the affected area, damage points, an emergency
  shelter, generators deployed) and a situation report; then closed.
* **Resource pools** of the five Kreise and some of their Verbandsgemeinden, and one mutual-aid
  request fulfilled (generators lent by one Kreis to another, handed over and returned).

Everything goes through the services as the system actor :data:`ACTOR`. Idempotent: the staff is
looked up by its alliance and name, the exercise by its title, a resource by body and name; what
exists is left alone. Without the alliance (a registry without those Kreise) nothing is created and
a warning is printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TextIO

from django.utils import timezone

from verbund.alliances.models import Alliance, Membership
from verbund.common.actors import SystemActor
from verbund.common.roles import Role
from verbund.registry.models import Body

from .models import Event, LogCategory, Staff, StaffFunction
from .policies import MANAGE

ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE, "accounts.manage"}))
ALLIANCE = "ikz-verwaltungsstaebe"
STAFF_NAME = "Gemeinsamer Verwaltungsstab der IKZ-Verwaltungsstäbe"
EXERCISE = "Übung Stromausfall Westpfalz"
DONNERSBERG, ALZEY_WORMS, BAD_DUERKHEIM, KAISERSLAUTERN, KUSEL = "07333", "07331", "07332", "07335", "07336"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    kreis: str
    function: str
    deputy: bool = False
    phone: str = ""


#: The demo people of the joint staff (invented names; one function each).
PEOPLE = (
    Person("stab.leitung", "Lena", "Leitner", DONNERSBERG, StaffFunction.LDS, phone="06352 710-100"),
    Person("stab.leitung-vertretung", "Paul", "Pfeiffer", KUSEL, StaffFunction.LDS, deputy=True),
    Person("stab.koordination", "Karin", "Koch", ALZEY_WORMS, StaffFunction.KGS, phone="06731 408-200"),
    Person("stab.lage", "Sven", "Sauer", BAD_DUERKHEIM, StaffFunction.S2, phone="06322 961-300"),
    Person("stab.versorgung", "Vera", "Vogt", KAISERSLAUTERN, StaffFunction.S4, phone="0631 7105-400"),
    Person("stab.presse", "Mara", "Meyer", KUSEL, StaffFunction.BUMA, phone="06381 424-500"),
)


class _Report:
    def __init__(self, stdout: TextIO | None) -> None:
        self.stdout = stdout

    def line(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)


def _members(alliance: Alliance) -> dict[str, Body]:
    rows = Membership.objects.current().filter(alliance=alliance).select_related("body")
    return {m.body.key[:5]: m.body for m in rows}


def ensure_demo_emergency_users() -> list[tuple[str, str, str]]:
    """The demo people of the joint staff, clerks of their Kreis (``(username, password, description)``
    rows); existing users untouched. Without the Kreise in the registry: none."""
    from verbund.accounts.demo import DEMO_PASSWORD, ensure_demo_user

    bodies = {b.key: b for b in Body.objects.current().filter(key__in=[p.kreis for p in PEOPLE])}
    rows: list[tuple[str, str, str]] = []
    for person in PEOPLE:
        body = bodies.get(person.kreis)
        if body is None:
            continue
        ensure_demo_user(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            roles=[(Role.SACHBEARBEITUNG, body)],
        )
        label = StaffFunction(person.function).label
        role = "Vertretung " if person.deputy else ""
        rows.append(
            (person.username, DEMO_PASSWORD, f"{role}{label}, gemeinsamer Verwaltungsstab ({body.name})")
        )
    return rows


def load_demo_emergency(*, stdout: TextIO | None = None) -> None:
    """The joint staff, its roster, the exercise, the resource pools and one mutual-aid request."""
    report = _Report(stdout)
    alliance = Alliance.objects.filter(slug=ALLIANCE).first()
    if alliance is None:
        report.line(f"Krisenmanagement: Verbund „{ALLIANCE}“ fehlt, keine Demodaten angelegt.")
        return
    members = _members(alliance)
    staff = _ensure_staff(alliance, members, report)
    if staff is None:
        return
    _ensure_roster(staff, members)
    _ensure_pools(members, report)
    _ensure_agreement(alliance, report)
    _ensure_exercise(staff, members, report)


#: The alliance's agreement on reimbursing mutual aid (the decision is invented for the demo).
AGREEMENT_NOTE = (
    "Beschluss der Verbandsversammlung vom 14.11.2024 (TOP 6) über die Erstattung gegenseitiger Hilfe "
    "zwischen den Mitgliedern (Demodaten, erfunden)"
)


def _ensure_agreement(alliance: Alliance, report: _Report) -> None:
    """The alliance's agreement from 01.01.2025: hourly rate 45,00 EUR, daily rates for generators,
    pumps and vehicles, consumables at cost, the reimbursement shared by population (in equal parts when
    the registry has no population figure for a member, as the built-in sample). Left alone when the
    alliance has any agreement already."""
    from decimal import Decimal

    from .models import AidAgreement, ResourceCategory
    from .services import agreements

    if AidAgreement.objects.filter(alliance=alliance).exists():
        return
    without_figures = alliance.memberships.filter(
        left_on__isnull=True, body__population__isnull=True
    ).exists()
    agreements.agreement_create(
        actor=ACTOR,
        alliance=alliance,
        values={
            "reimburse": True,
            "hourly_rate": Decimal("45.00"),
            "daily_rates": {
                ResourceCategory.GENERATOR.value: Decimal("120.00"),
                ResourceCategory.PUMP.value: Decimal("80.00"),
                ResourceCategory.VEHICLE.value: Decimal("150.00"),
            },
            "consumables_at_cost": True,
            "cost_sharing": {"type": "equal"} if without_figures else {"type": "population"},
            "valid_from": dt.date(2025, 1, 1),
            "note": AGREEMENT_NOTE,
        },
    )
    report.line("Krisenmanagement: Vereinbarung über die Erstattung gegenseitiger Hilfe angelegt.")


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def _ensure_staff(alliance: Alliance, members: dict[str, Body], report: _Report) -> Staff | None:
    from .services import staffs

    staff = Staff.objects.filter(alliance=alliance, name=STAFF_NAME).first()
    if staff is not None:
        return staff
    staff = staffs.staff_create(actor=ACTOR, name=STAFF_NAME, alliance=alliance)
    start = timezone.localdate() - dt.timedelta(days=60)
    for person in PEOPLE:
        user = _user(person.username)
        body = members.get(person.kreis)
        if user is None or body is None:
            report.line(
                f"Krisenmanagement: {person.username} oder sein Landkreis fehlt, Funktion nicht besetzt."
            )
            continue
        staffs.position_set(
            actor=ACTOR,
            staff=staff,
            function=person.function,
            person=user,
            body=body,
            role="vertretung" if person.deputy else "inhaber",
            phone=person.phone,
            starts_on=start,
        )
    report.line(f"Krisenmanagement: {STAFF_NAME} mit {staff.positions.count()} Funktionen angelegt.")
    return staff


def _ensure_roster(staff: Staff, members: dict[str, Body]) -> None:
    """Day and night shifts of S2 for the next three days; the night of the second day the deputy
    head of staff from Kusel stands in for the head of staff (a substitution from a neighbouring Kreis)."""
    from .models import Position, Shift
    from .services import staffs

    if Shift.objects.filter(staff=staff).exists():
        return
    base = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    s2 = _user("stab.lage")
    if s2 is not None and BAD_DUERKHEIM in members:
        for day in range(3):
            staffs.shift_add(
                actor=ACTOR,
                staff=staff,
                function=StaffFunction.S2,
                person=s2,
                body=members[BAD_DUERKHEIM],
                starts_at=base + dt.timedelta(days=day),
                ends_at=base + dt.timedelta(days=day, hours=12),
                reachable="06322 961-300",
            )
    head = Position.objects.filter(staff=staff, function=StaffFunction.LDS, role="inhaber").first()
    deputy = _user("stab.leitung-vertretung")
    if head is not None and deputy is not None and KUSEL in members:
        try:
            staffs.shift_add(
                actor=ACTOR,
                staff=staff,
                function=StaffFunction.LDS,
                person=deputy,
                body=members[KUSEL],
                starts_at=base + dt.timedelta(days=1, hours=12),
                ends_at=base + dt.timedelta(days=2),
                reachable="06381 424-100",
                substitutes=head,
            )
        except Exception as exc:  # a registry without neighbour data may refuse the substitution
            from verbund.common.errors import as_refusal

            if as_refusal(exc) is None:
                raise


#: The course of the exercise: (minutes after the start, author username, function, category, text).
COURSE = (
    (0, "stab.lage", StaffFunction.S2, LogCategory.SITUATION,
     "Meldung des Netzbetreibers: großflächiger Stromausfall im Raum Kaiserslautern–Kusel, "
     "voraussichtliche Dauer mindestens 24 Stunden."),
    (12, "stab.leitung", StaffFunction.LDS, LogCategory.DECISION,
     "Gemeinsamer Verwaltungsstab wird in Stufe 2 aufgerufen; Stabsraum Kreisverwaltung Kaiserslautern."),
    (35, "stab.versorgung", StaffFunction.S4, LogCategory.MEASURE,
     "Notstromversorgung der Wasserwerke geprüft: zwei Anlagen ohne eigenen Netzersatz."),
    (50, "stab.koordination", StaffFunction.KGS, LogCategory.STAFF,
     "Verbindung zu den Verbandsgemeinden über Satellitentelefon und Digitalfunk hergestellt."),
    (75, "stab.presse", StaffFunction.BUMA, LogCategory.PRESS,
     "Bürgertelefon geschaltet; erste Pressemitteilung zu Anlaufstellen (Leuchttürme) veröffentlicht."),
    (110, "stab.versorgung", StaffFunction.S4, LogCategory.RESOURCE,
     "Landkreis Bad Dürkheim stellt zwei Netzersatzanlagen für die Wasserwerke bereit."),
    (180, "stab.lage", StaffFunction.S2, LogCategory.SITUATION,
     "Netz in Teilen wieder zugeschaltet; Wasserversorgung durchgehend gesichert."),
    (240, "stab.leitung", StaffFunction.LDS, LogCategory.DECISION,
     "Übungsende. Auswertung in der nächsten Sitzung der IKZ-Verwaltungsstäbe."),
)  # fmt: skip


def _ensure_exercise(staff: Staff, members: dict[str, Body], report: _Report) -> Event | None:
    from .services import events as event_services
    from .services import log

    existing = Event.objects.filter(staff=staff, title=EXERCISE).first()
    if existing is not None:
        return existing
    event = event_services.event_open(
        actor=ACTOR,
        staff=staff,
        title=EXERCISE,
        level=2,
        exercise=True,
        description=(
            "Übungsannahme: Ausfall des Mittelspannungsnetzes nach Sturmschäden; betroffen sind Teile der "
            "Landkreise Kaiserslautern und Kusel."
        ),
    )
    start = event.opened_at - dt.timedelta(hours=5)
    for minutes, username, function, category, text in COURSE:
        author = _user(username)
        log.append(
            actor=author if author is not None else ACTOR,
            event_id=event.pk,
            text=text,
            category=category,
            function=function if author is not None else "",
            occurred_at=start + dt.timedelta(minutes=minutes),
        )
    _exercise_extras(event, report)
    _ensure_mutual_aid(members, event, report)
    event_services.event_close(actor=ACTOR, event_id=event.pk)
    report.line(f"Krisenmanagement: Übung „{EXERCISE}“ mit {len(COURSE)} Tagebucheinträgen angelegt.")
    return event


def _exercise_extras(event: Event, report: _Report) -> None:
    """Messages, the situation picture and the report of the exercise (see the module doc)."""
    from .services import messages, situation

    def who(username: str) -> Any:
        return _user(username) or ACTOR

    ring = [
        (7.33, 49.50),
        (7.52, 49.50),
        (7.80, 49.40),
        (7.80, 49.47),
        (7.52, 49.58),
        (7.33, 49.58),
        (7.33, 49.50),
    ]
    area = {"type": "Polygon", "coordinates": [[list(point) for point in ring]]}

    def point(lon: float, lat: float) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [lon, lat]}

    power = "fachaufgaben/versorgung-elektrizitaet"
    features = (
        ("gebiet", "", "Stromausfall (Übungsannahme)", area, "stab.lage"),
        ("schaden", "", "Wasserwerk ohne Netzersatz", point(7.3986, 49.5420), "stab.lage"),
        (
            "einrichtung",
            "",
            "Anlaufstelle (Leuchtturm) Kreisverwaltung Kusel",
            point(7.4017, 49.5376),
            "stab.versorgung",
        ),
        ("kraft", power, "2 Netzersatzanlagen (LK Bad Dürkheim)", point(7.3995, 49.5435), "stab.versorgung"),
    )
    for kind, symbol, label, geometry, author in features:
        situation.add_feature(
            actor=who(author), event_id=event.pk, kind=kind, symbol=symbol, label=label, geometry=geometry
        )

    first = messages.write_message(
        actor=who("stab.koordination"),
        event_id=event.pk,
        sender="Wasserzweckverband Kusel",
        subject="Wasserwerk ohne Netzersatz",
        text="Hochbehälter reichen noch etwa sechs Stunden; wir brauchen zwei Netzersatzanlagen.",
        priority="blitz",
        place="Wasserwerk Kusel",
        latitude=49.5420,
        longitude=7.3986,
    )
    messages.screen_message(
        actor=who("stab.koordination"), event_id=event.pk, number=first.number, note="an S4", functions=["S4"]
    )
    messages.answer_message(
        actor=who("stab.versorgung"),
        event_id=event.pk,
        number=first.number,
        answer="Zwei Anlagen des Landkreises Bad Dürkheim sind angefordert, Eintreffen in etwa zwei Stunden.",
    )
    second = messages.write_message(
        actor=who("stab.koordination"),
        event_id=event.pk,
        sender="Bürgertelefon",
        subject="Anfragen zu Anlaufstellen",
        text="Viele Anrufe: Wo kann man Handys laden und Notrufe absetzen?",
        priority="sofort",
    )
    messages.screen_message(
        actor=who("stab.koordination"), event_id=event.pk, number=second.number, functions=["BuMA"]
    )
    messages.create_task(
        actor=who("stab.presse"),
        event_id=event.pk,
        number=second.number,
        title="Liste der Anlaufstellen auf der Website und im Radio veröffentlichen",
        owner_function="BuMA",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    messages.write_message(
        actor=who("stab.lage"),
        event_id=event.pk,
        sender="Netzbetreiber",
        subject="Wiederversorgung",
        text="Teilnetze Kusel-Nord und Landstuhl sind seit 14:10 Uhr wieder in Betrieb.",
    )
    situation.write_report(actor=who("stab.lage"), event_id=event.pk)


# --- resource pools and mutual aid --------------------------------------------------------------------

#: What each Kreis lends (category, symbol, name, quantity, unit, daily rate): typical equipment of a
#: Kreis's civil protection depot; the quantities are invented.
_POWER = "fachaufgaben/versorgung-elektrizitaet"
KREIS_POOL = (
    ("stromerzeuger", _POWER, "Netzersatzanlage 100 kVA", 2, "Stück", "120.00"),
    ("pumpe", "fachaufgaben/pumpen", "Tragkraftspritze PFPN 10-1000", 4, "Stück", "40.00"),
    ("sandsaecke", "", "Sandsäcke, befüllt", 5000, "Stück", None),
    ("fahrzeug", "fachaufgaben/transport", "Gerätewagen Logistik (GW-L2)", 1, "Fahrzeug", "150.00"),
    ("it", "fachaufgaben/iuk", "Satellitentelefon mit Notstrom", 3, "Stück", "15.00"),
)  # fmt: skip
#: What a Verbandsgemeinde lends.
VG_POOL = (
    ("stromerzeuger", _POWER, "Stromerzeuger 13 kVA", 2, "Stück", "45.00"),
    ("personal", "", "Bauhof-Trupp (Motorsäge, Räumen)", 4, "Personen", None),
)  # fmt: skip


def _pool_bodies(members: dict[str, Body]) -> list[tuple[Body, tuple[Any, ...]]]:
    bodies: list[tuple[Body, tuple[Any, ...]]] = []
    for kreis in members.values():
        bodies.append((kreis, KREIS_POOL))
        vgs = Body.objects.current().filter(parent=kreis, kind="verbandsgemeinde").order_by("key")[:2]
        bodies.extend((vg, VG_POOL) for vg in vgs)
    return bodies


def _ensure_pools(members: dict[str, Body], report: _Report) -> None:
    from decimal import Decimal

    from .models import Resource
    from .services import resources

    created = 0
    for body, pool in _pool_bodies(members):
        for category, symbol, name, quantity, unit, rate in pool:
            if Resource.objects.filter(owner_body=body, name=name).exists():
                continue
            values: dict[str, Any] = {
                "category": category,
                "symbol": symbol,
                "name": name,
                "quantity": quantity,
                "unit": unit,
                "conditions": "Abholung durch die anfragende Stelle; Rückgabe gereinigt und betankt.",
                "qualifications": "Motorsägenschein, Maschinist/in" if category == "personal" else "",
            }
            if rate is not None:
                values["daily_rate"] = Decimal(rate)
            resources.resource_create(actor=ACTOR, owner_body=body, values=values)
            created += 1
    if created:
        report.line(
            f"Krisenmanagement: {created} Ressourcen in den Pools der Landkreise und Verbandsgemeinden."
        )


def _ensure_mutual_aid(members: dict[str, Body], event: Event, report: _Report) -> None:
    """Kusel asks for two generators during the exercise; Bad Dürkheim lends them, hands them over and
    gets them back, reimbursed under the alliance's agreement (:func:`_ensure_agreement`)."""
    from .models import AidRequest, Resource
    from .services import resources

    kusel, lender = members.get(KUSEL), members.get(BAD_DUERKHEIM)
    if kusel is None or lender is None:
        return
    description = "Zwei Netzersatzanlagen für die Wasserwerke ohne eigenen Netzersatz"
    if AidRequest.objects.filter(requesting_body=kusel, description=description).exists():
        return
    generators = Resource.objects.filter(owner_body=lender, category="stromerzeuger", quantity__gte=2).first()
    if generators is None:
        return
    start = timezone.now() - dt.timedelta(hours=5)
    aid = resources.request_create(
        actor=ACTOR,
        body=kusel,
        category="stromerzeuger",
        symbol=generators.symbol,
        description=description,
        quantity=2,
        needed_from=start,
        needed_until=start + dt.timedelta(hours=24),
        place="Wasserwerk Kusel",
        priority="dringend",
        event=event,
    )
    commitment = resources.commit(actor=ACTOR, aid_request=aid, resource=generators, quantity=2)
    resources.handover(
        actor=ACTOR,
        commitment=commitment,
        at=start + dt.timedelta(hours=2),
        condition="betriebsbereit, vollgetankt",
    )
    resources.return_(
        actor=ACTOR,
        commitment=commitment,
        at=start + dt.timedelta(hours=4, minutes=30),
        condition="ohne Schäden, Tank halb voll",
        quantity=2,
    )
    report.line("Krisenmanagement: ein Hilfeersuchen (Netzersatzanlagen) erfüllt und zurückgegeben.")
    _ensure_settlement(aid, report)


def _ensure_settlement(aid: Any, report: _Report) -> None:
    """Book and set the reimbursement of the request (Erstattungsabrechnung): under the alliance's
    agreement when there is one (rates, shared by its key), else all amounts 0 with the note that
    nothing is reimbursed between public bodies. Left alone when a version is set already; when the
    key cannot be computed (a registry without population figures) a line says why."""
    from verbund.common.errors import Invalid
    from verbund.common.german import format_money

    from .models import AidSettlement, AidSettlementStatus
    from .services import settlements

    if AidSettlement.objects.filter(request=aid, status=AidSettlementStatus.FINAL).exists():
        return
    try:
        draft = settlements.settlement_compute(actor=ACTOR, aid_request=aid)
    except Invalid as refused:  # e.g. a registry without population figures (the sample data)
        report.line(f"Krisenmanagement: Erstattungsabrechnung nicht berechnet: {refused.detail}")
        return
    done = settlements.settlement_finalize(actor=ACTOR, settlement=draft, confirmed=True)
    report.line(
        f"Krisenmanagement: Erstattungsabrechnung zu Hilfeersuchen Nr. {aid.pk} festgesetzt "
        f"({format_money(done.total)})."
    )
