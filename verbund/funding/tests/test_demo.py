"""Demo funding data (``load_demo``): the RLP pilot programme (5 Mio EUR in 2025 and 2026, the
non-public increases set as flagged assumptions) with the real grants of DOMAIN.md §1 as granted
applications with notices, a submitted application and a draft in progress, demo drawdowns;
alliances missing from the database are skipped with a warning; a second run writes nothing. On the
real RLP registry every grant is created and the budget counters equal the grants."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from verbund.accounts.demo import ensure_demo_user
from verbund.accounts.models import Role
from verbund.alliances.demo import load_demo_alliances
from verbund.alliances.tests.test_facts_rlp import rlp_registry  # noqa: F401  (class-scoped fixture)
from verbund.audit.models import AuditEntry
from verbund.funding import rules, workflow
from verbund.funding.demo import DEMO_GRANTS, PROGRAMME_SLUG, load_demo_funding
from verbund.funding.models import Application, Drawdown, GrantNotice, GrantYear, Programme, ProgrammeYear
from verbund.registry.tests.factories import BodyFactory, LandFactory

D = Decimal
CYBER = "interkommunale-cybersicherheit"
CYBER_VGS = ("073355001", "073355002", "073355011", "073355008", "073355009")


@pytest.fixture
def small_registry(db: Any) -> None:
    """Landkreis Kaiserslautern with the five VGs of the cyber alliance and the city of Mainz: the
    cyber alliance is complete, the others lack members (the built-in sample's situation)."""
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(
        landkreis=True, parent=land, ars="073350000000", key="07335", name="Kaiserslautern"
    )
    for key in CYBER_VGS:
        BodyFactory.create(verbandsgemeinde=True, parent=kreis, ars=f"{key}000", key=key, name=f"VG {key}")
    BodyFactory.create(
        kreisfreie_stadt=True,
        parent=land,
        ars="073150000000",
        key="07315000",
        ags="07315000",
        name="Mainz, Stadt",
    )


def test_demo_rule_set_flags_the_non_public_increases_as_assumptions():
    from verbund.funding.demo import demo_rule_set

    rule_set = rules.RuleSet.from_dict(demo_rule_set())
    assert {i.basis for i in rule_set.increases} == {rules.BASIS_ASSUMPTION}
    assert all("nicht öffentlich" in i.note for i in rule_set.increases)
    assert [t.amount for t in rule_set.cap_tiers] == [D("210000.00"), D("320000.00")]


@pytest.mark.django_db
class TestOnAFactoryRegistry:
    def test_loads_what_the_registry_allows_and_warns_about_the_rest(self, small_registry: None) -> None:
        load_demo_alliances()
        ensure_demo_user(
            username="foerderung", first_name="F", last_name="F", roles=[(Role.BEWILLIGUNGSBEHOERDE, None)]
        )
        out = io.StringIO()
        programme = load_demo_funding(stdout=out)

        assert programme.slug == PROGRAMME_SLUG
        assert dict(programme.years.values_list("year", "budget")) == {
            2025: D("5000000.00"),
            2026: D("5000000.00"),
            2027: D("5000000.00"),
        }
        cyber = Application.objects.get(alliance__slug=CYBER)
        assert cyber.status == workflow.BEWILLIGT
        grant = GrantNotice.objects.get(application=cyber)
        assert grant.amount == D("321411.61") and grant.pdf_sha256
        # five VGs of one level: the public cap is 320,000 EUR, so the demo says why it deviates
        assert "Demodaten" in grant.override_reason and "Förderhöchstbetrag" in grant.override_reason
        assert sorted(GrantYear.objects.filter(grant=grant).values_list("amount", flat=True)) == [
            D("160705.80"),
            D("160705.81"),
        ]
        drawdowns = list(
            Drawdown.objects.filter(grant_year__grant=grant).order_by("id").values_list("amount", "status")
        )
        assert drawdowns == [(D("80000.00"), "freigegeben"), (D("40000.00"), "beantragt")]
        text = out.getvalue()
        assert "Demo-Förderung" in text and "Hinweis:" in text  # the alliances without members

    def test_second_run_changes_nothing(self, small_registry: None) -> None:
        load_demo_alliances()
        load_demo_funding()
        before = (Application.objects.count(), GrantNotice.objects.count(), AuditEntry.objects.count())
        load_demo_funding()
        assert (
            Application.objects.count(),
            GrantNotice.objects.count(),
            AuditEntry.objects.count(),
        ) == before

    def test_without_alliances_only_the_programme_is_created(self, db):
        out = io.StringIO()
        load_demo_funding(stdout=out)
        assert Programme.objects.filter(slug=PROGRAMME_SLUG).exists()
        assert Application.objects.count() == 0
        assert "fehlt" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("rlp_registry")
class TestOnTheRealRegistry:
    def test_every_real_grant_is_created_within_the_budget(self):
        load_demo_alliances()
        out = io.StringIO()
        programme = load_demo_funding(stdout=out)

        notices = GrantNotice.objects.filter(application__programme=programme)
        assert notices.count() == len(DEMO_GRANTS) == 9, out.getvalue()
        expected = sum((g.amount for g in DEMO_GRANTS), D("0.00"))
        assert notices.aggregate(s=Sum("amount"))["s"] == expected == D("2633675.01")
        for year in ProgrammeYear.objects.filter(programme=programme):
            assert year.committed == (
                GrantYear.objects.filter(programme_year=year).aggregate(s=Sum("amount"))["s"] or D("0.00")
            )
            assert year.committed <= year.budget
        # the Gemeinde-App is filed by the Verbandsgemeinde for its Ortsgemeinden
        app = Application.objects.get(alliance__slug="gemeinde-app-woerrstadt")
        assert app.applicant.kind == "verbandsgemeinde"
        # five Landkreise of one level forming one area, but not every two of them border each other:
        # the increase "members share no border" applies (DOMAIN.md §2: at least two partners), so
        # 320,000 + 100,000 (assumed) covers the 419,923.40 EUR awarded without a deviation
        staebe = GrantNotice.objects.get(application__alliance__slug="ikz-verwaltungsstaebe")
        assert staebe.override_reason == ""
        cap = next(c for c in staebe.application.checks if c["code"] == "cap")
        assert cap["status"] == "ok" and "Ohne gemeinsame Grenze" in cap["explanation"]
        assert Application.objects.get(alliance__slug=CYBER).applicant.name == "Landstuhl"
        # with the assumed increases, Vier Städte (no shared border) fits exactly: no deviation needed
        cities = GrantNotice.objects.get(application__alliance__slug="vier-staedte-digitales-oekosystem")
        assert cities.override_reason == ""
        statuses = dict(
            Application.objects.filter(
                alliance__slug__in=["krisenvorsorge-stromausfall", "kooperationsverbund-germersheim"]
            ).values_list("alliance__slug", "status")
        )
        assert statuses == {
            "krisenvorsorge-stromausfall": workflow.EINGEREICHT,
            "kooperationsverbund-germersheim": workflow.ENTWURF,
        }
