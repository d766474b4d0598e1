"""Demo alliances (``load_demo``): the 14 real alliances and model projects of DOMAIN.md §1 with their
members looked up by registry key, published, with sources and reported grants; members missing from
the registry are skipped with a warning; a second run creates nothing and writes no audit entry;
changes made by hand are reconciled without duplicate rows; coordinators are created; on the real
RLP registry every member is found and the demo users of VG Landstuhl see the cyber alliance."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from verbund.accounts.models import User
from verbund.alliances.access import access_alliance, can_change
from verbund.alliances.demo import (
    DEMO_ALLIANCES,
    DEMO_COORDINATORS,
    demo_coordinator_logins,
    load_demo_alliances,
)
from verbund.alliances.models import Alliance, AllianceRole, MemberRole, Membership, Status, StatusChange
from verbund.alliances.selectors import alliance_facts
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
        emh = Alliance.objects.get(slug="modellvorhaben-eifel-mosel-hunsrueck")
        assert emh.status == Status.REGELBETRIEB and emh.legal_form == "zweckvereinbarung"
        assert StatusChange.objects.filter(
            alliance=emh, from_status="", to_status=Status.REGELBETRIEB
        ).exists()
        mainz = Membership.objects.get(alliance__slug="vier-staedte-digitales-oekosystem")
        assert mainz.body.key == "07315000" and mainz.role == MemberRole.FEDERFUEHREND
        text = out.getvalue()
        assert "Demo-Verbünde: 14 angelegt, 0 aktualisiert, 0 unverändert." in text
        # members the registry lacks are skipped with a warning each, never an error
        assert (
            "Hinweis: Krisenvorsorge Stromausfall: VG Herxheim (Schlüssel 073375004) fehlt im Register"
            in text
        )
        assert AuditEntry.objects.filter(actor_label="load_demo", action="alliance.create").count() == 14

    def test_coordinators_and_member_staff(self, small_registry):
        load_demo_alliances()
        cyber = Alliance.objects.get(slug=CYBER)
        coordinator = User.objects.get(username="koordination.cyber")
        assert can_change(coordinator, cyber)
        mainz = User.objects.get(username="koordination.mainz")
        assert can_change(mainz, Alliance.objects.get(slug="vier-staedte-digitales-oekosystem"))
        assert not can_change(mainz, cyber)
        assert [row[0] for row in demo_coordinator_logins()] == [
            c.username for c in DEMO_COORDINATORS.values()
        ]

    def test_second_run_creates_nothing_and_writes_no_audit(self, small_registry):
        load_demo_alliances()
        before = counts()
        out = io.StringIO()
        load_demo_alliances(stdout=out)
        assert counts() == before
        assert "0 angelegt, 0 aktualisiert, 14 unverändert" in out.getvalue()

    def test_changes_by_hand_are_reconciled_without_duplicates(self, small_registry):
        load_demo_alliances()
        cyber = Alliance.objects.get(slug=CYBER)
        cyber.name = "Umbenannt"
        cyber.status = Status.BEENDET
        cyber.save()
        landstuhl = Membership.objects.get(alliance=cyber, body__key="073355011")
        landstuhl.left_on = landstuhl.joined_on
        landstuhl.save()
        weilerbach = Membership.objects.get(alliance=cyber, body__key="073355009")
        weilerbach.role = MemberRole.FEDERFUEHREND
        weilerbach.save()
        extra = Membership.objects.create(
            alliance=cyber, body=small_registry["07335"], joined_on="2026-01-21"
        )
        audit_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

        out = io.StringIO()
        load_demo_alliances(stdout=out)
        cyber.refresh_from_db()
        assert cyber.name == "Interkommunale Cybersicherheit" and cyber.status == Status.UMSETZUNG
        current = Membership.objects.current().filter(alliance=cyber)
        assert sorted(current.values_list("body__key", flat=True)) == sorted(CYBER_VGS)
        assert current.get(body__key="073355009").role == MemberRole.MITGLIED
        extra.refresh_from_db()
        assert extra.left_on is not None  # history kept, not deleted
        # Landstuhl re-joined in a new row; the old one stays as history
        assert Membership.objects.filter(alliance=cyber, body__key="073355011").count() == 2
        new_actions = set(AuditEntry.objects.filter(pk__gt=audit_before).values_list("action", flat=True))
        assert new_actions == {
            "alliance.update",
            "alliance.transition",
            "alliance.member_add",
            "alliance.member_remove",
            "alliance.member_set_role",
        }
        assert "1 aktualisiert" in out.getvalue()
        # and then it is stable again
        before = counts()
        load_demo_alliances()
        assert counts() == before


@pytest.mark.usefixtures("rlp_registry")
@pytest.mark.django_db
class TestOnTheRealRegistry:
    def test_every_member_is_found(self):
        out = io.StringIO()
        load_demo_alliances(stdout=out)
        assert "Hinweis" not in out.getvalue(), out.getvalue()
        for spec in DEMO_ALLIANCES:
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
            assert access_alliance(user, CYBER).slug == CYBER
        out = io.StringIO()
        call_command("load_demo", "--source", "data_dir", stdout=out, stderr=io.StringIO())
        text = out.getvalue()
        assert "koordination.cyber" in text and "Verbundkoordination: Interkommunale Cybersicherheit" in text
        assert "0 angelegt, 0 aktualisiert, 14 unverändert" in text
