"""The demo world for the API contract tests: ``load_demo --source sample`` once per test module,
with the path parameters of every API route drawn from it and a Bearer token per demo role.

The data is loaded inside an outer transaction that is rolled back after the module, so each test
(its own savepoint, pytest-django's ``db``) sees it and leaves it as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import transaction

#: Demo accounts by what they stand for (verbund/accounts/demo.py).
ROLES = {
    "operator": "betrieb",
    "funding_authority": "foerderung",
    "advisory": "beratung",
    "coordinator": "koordination.donnersberg",
    "clerk": "sachbearbeitung.donnersbergkreis",
    # the shared information security officer of the cyber alliance (sees its TLP:AMBER data)
    "security_officer": "isb.cyber",
    # S2 of the joint crisis staff of the five Landkreise (sees the exercise's log, messages, map)
    "staff_member": "stab.lage",
}


@dataclass
class ApiWorld:
    """Ids and keys of demo objects for the API's path parameters, and a token per role."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def path_for(self, template: str) -> str | None:
        """``template`` (``/api/v1/alliances/{slug}``) with demo values, or ``None`` if one is missing."""
        params = re.findall(r"{(\w+)}", template)
        values = self.values.get(_family(template), {})
        if any(p not in values for p in params):
            return None
        return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)

    def values_for(self, template: str) -> dict[str, str]:
        """The demo values of ``template``'s path parameters (those the world has)."""
        values = self.values.get(_family(template), {})
        return {p: values[p] for p in re.findall(r"{(\w+)}", template) if p in values}

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}


def _family(template: str) -> str:
    """What a path's parameters belong to: ``/api/v1/funding/programmes/{slug}`` → ``funding/programmes``,
    ``/api/v1/shared-services/{service_id}/volumes`` → ``shared-services/{service_id}``."""
    parts = template.removeprefix("/api/v1/").split("/")
    return "/".join(parts[:2]) if parts[0] in ("funding", "planning", "shared-services") else parts[0]


def _build() -> ApiWorld:
    from verbund.accounts.models import RoleAssignment, User
    from verbund.accounts.services import token_issue
    from verbund.alliances.models import Alliance
    from verbund.funding.models import Application, Drawdown, Programme, UseProof
    from verbund.notifications.models import Notification
    from verbund.planning.models import Scenario
    from verbund.registry.models import Body, BodyBoundary
    from verbund.shared_services.models import CostPlan, Settlement, SharedService

    call_command("load_demo", "--source", "sample", stdout=StringIO(), stderr=StringIO())
    world = ApiWorld()
    for role, username in ROLES.items():
        user = User.objects.get(username=username)
        world.tokens[role] = token_issue(actor=user, user=user, name=f"API-Vertrag {role}")[1]

    boundary = BodyBoundary.objects.select_related("body").order_by("body__ars").first()
    body = boundary.body if boundary else Body.objects.current().order_by("ars").first()
    assert body is not None
    world.values["bodies"] = {"ars": body.ars}

    alliance = Alliance.objects.filter(is_published=True).order_by("pk").first()
    assert alliance is not None
    member = alliance.memberships.filter(left_on__isnull=True).select_related("body").first()
    world.values["alliances"] = {
        "slug": alliance.slug,
        "ars": member.body.ars if member else body.ars,
        "username": ROLES["coordinator"],
    }

    programme = Programme.objects.order_by("pk").first()
    application = Application.objects.order_by("pk").first()
    if programme is not None:
        years = programme.years.order_by("year").values_list("year", flat=True)
        world.values["funding/programmes"] = {"slug": programme.slug, "year": str(years.first() or 2026)}
    if application is not None:
        world.values["funding/applications"] = {"application_id": str(application.pk)}
    drawdown = Drawdown.objects.order_by("pk").first()
    if drawdown is not None:
        world.values["funding/drawdowns"] = {"drawdown_id": str(drawdown.pk)}
    proof = UseProof.objects.order_by("pk").first()
    if proof is not None:
        world.values["funding/proofs"] = {"proof_id": str(proof.pk)}

    service = SharedService.objects.order_by("pk").first()
    settlement = Settlement.objects.order_by("pk").first()
    if service is not None:
        plan = CostPlan.objects.filter(service=service).order_by("year").first()
        world.values["shared-services/{service_id}"] = {
            "service_id": str(service.pk),
            "year": str(plan.year if plan else 2026),
            "kind": plan.kind if plan else "plan",
            "item_id": str(plan.items.values_list("pk", flat=True).first() or 1) if plan else "1",
        }
    if settlement is not None:
        world.values["shared-services/settlements"] = {"settlement_id": str(settlement.pk)}

    scenario = Scenario.objects.order_by("pk").first()
    if scenario is not None:
        # Comparable: the same task in the same Land (else the scenario with itself).
        other = (
            Scenario.objects.filter(task=scenario.task, state=scenario.state).exclude(pk=scenario.pk).first()
            or scenario
        )
        world.values["planning/scenarios"] = {"scenario_id": str(scenario.pk), "other_id": str(other.pk)}
    world.values["planning/tasks"] = {"slug": "standesamt", "state": "07"}

    operator = User.objects.get(username=ROLES["operator"])
    world.values["users"] = {"username": ROLES["clerk"]}
    assignment = RoleAssignment.objects.filter(user__username=ROLES["clerk"]).order_by("pk").first()
    world.values["roles"] = {"role_id": str(assignment.pk if assignment else 1)}
    notification = Notification.objects.filter(recipient=operator).order_by("pk").first()
    world.values["notifications"] = {"notification_id": str(notification.pk if notification else 1)}
    world.values["security"] = _security_values()
    world.values["emergency"] = _emergency_values()
    world.values["knowledge"] = _knowledge_values()
    world.values.setdefault("advisory", {}).update(_practice_values())
    from verbund.advisory.models.events import Event as AdvisoryEvent  # advisory: events

    advisory_event = AdvisoryEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    world.values.setdefault("advisory", {})["event_id"] = str(advisory_event or 1)
    from verbund.advisory.models.evidence import EvidenceFigure  # advisory: evidence

    figure = EvidenceFigure.objects.order_by("pk").values_list("pk", flat=True).first()
    world.values["advisory"]["figure_id"] = str(figure or 1)
    # advisory: templates (a model text seeded by the migration, its first version)
    world.values["advisory"].update({"template_slug": "zweckvereinbarung", "number": "1"})
    # advisory: cases (a case of the demo and its first party, document, appointment; or missing ids)
    from verbund.advisory.models.cases import Appointment, Case, CaseDocument, CaseParty

    for key, model in (
        ("case_id", Case),
        ("party_id", CaseParty),
        ("document_id", CaseDocument),
        ("appointment_id", Appointment),
    ):
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        world.values["advisory"][key] = str(first or 1)
    return world


def _emergency_values() -> dict[str, str]:
    """Ids of the emergency demo (the joint staff's exercise, its messages, map, the mutual aid)."""
    from verbund.emergency.models import (
        AidAgreement,
        AidSettlement,
        Commitment,
        Event,
        MapFeature,
        Message,
        Task,
    )

    def first(model: Any, field: str = "pk") -> str:
        return str(model.objects.order_by("pk").values_list(field, flat=True).first() or 1)

    request = Commitment.objects.order_by("pk").values_list("request_id", flat=True).first()
    return {
        "event_id": first(Event),
        "seq": "1",
        "number": first(Message, "number"),
        "task_id": first(Task),
        "uid": first(MapFeature, "uid"),
        "request_id": str(request or 1),
        "commitment_id": first(Commitment),
        "settlement_id": first(AidSettlement),
        "agreement_id": first(AidAgreement),
        "staff_id": str(Event.objects.order_by("pk").values_list("staff_id", flat=True).first() or 1),
    }


def _practice_values() -> dict[str, str]:
    """A good-practice record of the demo (its slug), an alliance and a body for "like mine"."""
    from verbund.advisory.models import PracticeRecord
    from verbund.alliances.models import Alliance
    from verbund.registry.models import Body

    slug = PracticeRecord.objects.order_by("pk").values_list("slug", flat=True).first()
    alliance = Alliance.objects.order_by("pk").values_list("slug", flat=True).first()
    ars = Body.objects.filter(state="07").order_by("ars").values_list("ars", flat=True).first()
    return {
        "slug": str(slug or "kein-praxisbeispiel"),
        "alliance_slug": str(alliance or "kein-verbund"),
        "ars": str(ars or "073355011001"),
    }


def _knowledge_values() -> dict[str, str]:
    """Ids of the knowledge demo: a service of the catalogue (its catalogue id), a holder rule, and
    an Ortsgemeinde of Rhineland-Palatinate to ask who is responsible for it."""
    from verbund.knowledge.models import HolderRule, OParlObject, Service
    from verbund.registry.models import Body

    service = Service.objects.filter(active=True).order_by("pk").values_list("external_id", flat=True).first()
    rule = HolderRule.objects.order_by("pk").values_list("pk", flat=True).first()
    ars = (
        Body.objects.current()
        .filter(state="07", kind="ortsgemeinde")
        .order_by("ars")
        .values_list("ars", flat=True)
        .first()
    )
    council_object = OParlObject.objects.filter(deleted=False).order_by("pk").values_list("pk", flat=True)
    return {
        "service_id": str(service or "1063441"),
        "rule_id": str(rule or 1),
        "object_id": str(council_object.first() or 1),
        "ars": str(ars or "073355011001"),
    }


def _security_values() -> dict[str, str]:
    """Ids of the security demo (the cyber alliance's advisories, assets, matches, incident …)."""
    from verbund.security.models import (
        AdvisoryRevision,
        Asset,
        HelpRequest,
        Incident,
        Match,
        SharedOfficer,
        WibaAssessment,
        WibaChecklist,
        WibaQuestion,
    )

    def first(model: Any) -> str:
        return str(model.objects.order_by("pk").values_list("pk", flat=True).first() or 1)

    revision = AdvisoryRevision.objects.order_by("pk").first()
    officer = SharedOfficer.objects.select_related("alliance").order_by("pk").first()
    return {
        "advisory_id": str(revision.advisory_id if revision else 1),
        "revision_id": str(revision.pk if revision else 1),
        "asset_id": first(Asset),
        "match_id": first(Match),
        "incident_id": first(Incident),
        "request_id": first(HelpRequest),
        "officer_id": first(SharedOfficer),
        "slug": officer.alliance.slug if officer and officer.alliance else "interkommunale-cybersicherheit",
        "assessment_id": first(WibaAssessment),
        "checklist_id": first(WibaChecklist),
        "question_id": str(
            WibaQuestion.objects.filter(checklist__assessments__pk=first(WibaAssessment))
            .order_by("position")
            .values_list("pk", flat=True)
            .first()
            or 1
        ),
    }


def api_world_fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[ApiWorld]:
    """The world as a module fixture; a test module declares it with
    ``api_world = pytest.fixture(scope="module", name="api_world")(api_world_fixture)``."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _build()
        yield world
        transaction.set_rollback(True)
