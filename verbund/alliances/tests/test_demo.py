"""Demo alliances (``load_demo``): the 14 real alliances and model projects of DOMAIN.md §1 with their
members looked up by registry key, published, with sources and reported grants, created through the
services as the system actor "Demodaten"; members missing from the registry are skipped with a
warning; a second run creates nothing and writes no audit entry; what users changed (a rename, a
removed member, a status, a coordinator role taken away) survives another run untouched;
coordinators are created with ``…@verbund.invalid`` addresses; on the real RLP registry every member
is found, every stage is reached and the demo users of VG Landstuhl see the cyber alliance."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from verbund.accounts.models import User
from verbund.accounts.principal import principal_for
from verbund.alliances import policies, services
from verbund.alliances.demo import (
    DEMO_ALLIANCES,
    DEMO_COORDINATORS,
    demo_coordinator_logins,
    load_demo_alliances,
)
from verbund.alliances.models import Alliance, AllianceRole, MemberRole, Membership, Status, StatusChange
from verbund.alliances.selectors import access_alliance, alliance_facts
from verbund.audit.models import AuditEntry
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory, LandFactory

from .test_facts_rlp import rlp_registry  # noqa: F401  (class-scoped fixture: the real RLP registry)

CYBER = "interkommunale-cybersicherheit"
CYBER_VGS = ("073355001", "073355002", "073355011", "073355008", "073355009")


@pytest.fixture
def small_registry(db) -> dict[str, Body]:
    """Landkreis Kaiserslautern with the five VGs of the cyber alliance, and the city of Mainz."""
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(
        landkreis=True, parent=land, ars="073350000000", key="07335", name="Kaiserslautern"
    )
    bodies = {"07335": kreis}
    for key in CYBER_VGS:
        bodies[key] = BodyFactory.create(
            verbandsgemeinde=True, parent=kreis, ars=f"{key}000", key=key, name=f"VG {key}"
        )
    bodies["07315000"] = BodyFactory.create(
        kreisfreie_stadt=True,
        parent=land,
        ars="073150000000",
        key="07315000",
        ags="07315000",
        name="Mainz, Stadt",
    )
    return bodies


def counts() -> tuple[int, ...]:
    return (
        Alliance.objects.count(),
        Membership.objects.count(),
        StatusChange.objects.count(),
        AllianceRole.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
class TestOnAFactoryRegistry:
    def test_loads_every_alliance_published_with_sources(self, small_registry):
        out = io.StringIO()
        alliances = load_demo_alliances(stdout=out)
        assert len(alliances) == len(DEMO_ALLIANCES) == 14
        assert {a.slug for a in alliances} == {spec.slug for spec in DEMO_ALLIANCES}
        assert all(a.is_published and a.public_summary and a.sources for a in alliances)
        cyber = Alliance.objects.get(slug=CYBER)
        assert sorted(
            Membership.objects.current().filter(alliance=cyber).values_list("body__key", flat=True)
        ) == (sorted(CYBER_VGS))
        assert cyber.status == Status.UMSETZUNG
        assert (
            cyber.reported_grant_eur == Decimal("321411.61")
            and cyber.reported_grant_note == "100 %, 2026–2027"
        )
        assert "ol.wittich.de 186/2026/3" in cyber.sources and "angenommen" in cyber.sources
        assert sorted(f.slug for f in cyber.fields.all()) == [
            "back-office-vergabe-beschaffung",
            "cybersicherheit",
        ]
        # stage by stage, each step dated and noted as taken over from the source
        steps = list(
            StatusChange.objects.filter(alliance=cyber)
            .order_by("changed_at", "id")
            .values_list("to_status", flat=True)
        )
        assert steps == [Status.IDEE, Status.ANBAHNUNG, Status.VEREINBARUNG, Status.UMSETZUNG]
        assert StatusChange.objects.filter(alliance=cyber, changed_at__date="2026-01-21").count() == 4
        # without two members in this small registry, an agreement cannot be reached: a warning
        emh = Alliance.objects.get(slug="modellvorhaben-eifel-mosel-hunsrueck")
        assert emh.status == Status.ANBAHNUNG and emh.legal_form == "zweckvereinbarung"
        mainz = Membership.objects.get(alliance__slug="vier-staedte-digitales-oekosystem")
        assert mainz.body.key == "07315000" and mainz.role == MemberRole.FEDERFUEHREND
        text = out.getvalue()
        assert "Demo-Verbünde: 14 angelegt, 0 schon vorhanden" in text
        assert "Modellvorhaben Eifel-Mosel-Hunsrück: Status „Vereinbarung geschlossen“ nicht erreicht" in text
        # members the registry lacks are skipped with a warning each, never an error
        assert (
            "Hinweis: Krisenvorsorge Stromausfall: VG Herxheim (Schlüssel 073375004) fehlt im Register"
            in text
        )
        created = AuditEntry.objects.filter(action="alliance.create")
        assert created.count() == 14
        assert all(e.actor_label == "Demodaten" and e.is_system and e.alliance_id for e in created)

    def test_coordinators_and_member_staff(self, small_registry):
        load_demo_alliances()
        cyber = Alliance.objects.get(slug=CYBER)
        coordinator = User.objects.get(username="koordination.cyber")
        assert coordinator.email == "koordination.cyber@verbund.invalid"
        assert policies.may_change(principal_for(coordinator), cyber.pk)
        mainz = User.objects.get(username="koordination.mainz")
        four_cities = Alliance.objects.get(slug="vier-staedte-digitales-oekosystem")
        assert policies.may_change(principal_for(mainz), four_cities.pk)
        assert not policies.may_change(principal_for(mainz), cyber.pk)
        assert [row[0] for row in demo_coordinator_logins()] == [
            c.username for c in DEMO_COORDINATORS.values()
        ]

    def test_second_run_creates_nothing_and_writes_no_audit(self, small_registry):
        load_demo_alliances()
        before = counts()
        out = io.StringIO()
        load_demo_alliances(stdout=out)
        assert counts() == before
        assert "0 angelegt, 14 schon vorhanden" in out.getvalue()

    def test_what_users_changed_survives_another_run(self, small_registry):
        load_demo_alliances()
        cyber = Alliance.objects.get(slug=CYBER)
        coordinator = User.objects.get(username="koordination.cyber")
        operator = User.objects.create_user("betrieb.test", is_superuser=True)
        services.alliance_update(actor=coordinator, alliance=cyber, data={"name": "Umbenannt"})
        landstuhl = Membership.objects.get(alliance=cyber, body__key="073355011")
        services.member_remove(actor=coordinator, membership=landstuhl)
        services.alliance_transition(actor=coordinator, alliance=cyber, to_status=Status.REGELBETRIEB)
        # the operator takes the coordination away from the demo coordinator (a second one first)
        services.coordinator_assign(actor=operator, alliance=cyber, user=operator)
        services.coordinator_revoke(actor=operator, alliance=cyber, user=coordinator)
        coordinator.set_password("geheim-und-neu")
        coordinator.save()
        before = counts()
        audit_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

        out = io.StringIO()
        load_demo_alliances(stdout=out)
        load_demo_alliances()
        assert counts() == before
        assert not AuditEntry.objects.filter(pk__gt=audit_before).exists()
        cyber.refresh_from_db()
        assert cyber.name == "Umbenannt" and cyber.status == Status.REGELBETRIEB
        assert not Membership.objects.current().filter(alliance=cyber, body__key="073355011").exists()
        assert Membership.objects.filter(alliance=cyber, body__key="073355011").count() == 1
        assert not AllianceRole.objects.filter(alliance=cyber, user=coordinator).exists()
        coordinator.refresh_from_db()
        assert coordinator.check_password("geheim-und-neu")
        assert "0 angelegt, 14 schon vorhanden" in out.getvalue()

    def test_a_missing_alliance_is_added_and_only_it(self, small_registry):
        load_demo_alliances()
        Alliance.objects.filter(slug="ersthelfer-app").delete()
        cyber = Alliance.objects.get(slug=CYBER)
        services.alliance_update(
            actor=User.objects.get(username="koordination.cyber"), alliance=cyber, data={"name": "Umbenannt"}
        )
        out = io.StringIO()
        load_demo_alliances(stdout=out)
        assert "1 angelegt, 13 schon vorhanden" in out.getvalue()
        assert Alliance.objects.get(slug=CYBER).name == "Umbenannt"
        assert Alliance.objects.filter(slug="ersthelfer-app", is_published=True).exists()


@pytest.mark.usefixtures("rlp_registry")
@pytest.mark.django_db
class TestOnTheRealRegistry:
    def test_every_member_is_found(self):
        out = io.StringIO()
        load_demo_alliances(stdout=out)
        assert "Hinweis" not in out.getvalue(), out.getvalue()
        for spec in DEMO_ALLIANCES:
            assert Alliance.objects.get(slug=spec.slug).status == spec.status, spec.slug
            keys = set(
                Membership.objects.current()
                .filter(alliance__slug=spec.slug)
                .values_list("body__key", flat=True)
            )
            assert keys == {m.key for m in spec.members}, spec.slug
        facts = alliance_facts(Alliance.objects.get(slug=CYBER))
        assert facts.supervisory_authority.value == "Kreisverwaltung Kaiserslautern"
        assert facts.population.value == 10_546 + 19_991 + 26_082 + 16_736 + 14_225
        app = alliance_facts(Alliance.objects.get(slug="gemeinde-app-woerrstadt"))
        assert len(app.ortsgemeinden_via_verbandsgemeinde.value) == 8

    def test_demo_users_of_landstuhl_see_the_cyber_alliance(self):
        call_command("load_demo", "--source", "data_dir", stdout=io.StringIO(), stderr=io.StringIO())
        for username in ("leitung.landstuhl", "sachbearbeitung.landstuhl"):
            user = User.objects.get(username=username)
            assert access_alliance(principal_for(user), CYBER).slug == CYBER
        out = io.StringIO()
        call_command("load_demo", "--source", "data_dir", stdout=out, stderr=io.StringIO())
        text = out.getvalue()
        assert "koordination.cyber" in text and "Verbundkoordination: Interkommunale Cybersicherheit" in text
        assert "Demodaten Verbünde: bereits geladen" in text
