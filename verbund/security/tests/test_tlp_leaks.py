"""TLP leaks: who sees which TLP-labelled object, and a 404 everywhere for those outside its distribution.

The world: alliance A (bodies a1, a2) and alliance B (b1, b2), a sharing group G of a1 and b1, an outsider
body with no alliance, A's coordinator (no body), the Beratungsstelle, Plattformbetrieb, a superuser and
a former employee of a1. For incidents, assets, advisories, triages and files one object per allowed
(TLP label × distribution) of a1, plus one per label opened to the Beratungsstelle, is made directly in
the database (so this test depends on no other service). The expected visibility is written down
here independently of :func:`verbund.security.policies.visibility_filter`, then compared.

The URL test is generic: it walks every URL pattern of the ``security`` namespace (and every route of
``/api/v1/security/``), fills each parameter with an object nobody of the principals may see
(:data:`PARAMS`), and asserts 404 for GET and POST. A new page with a parameter not in :data:`PARAMS`
fails the test until its sample object is added there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from verbund.accounts.models import Role, RoleAssignment
from verbund.accounts.principal import principal_for
from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry, SensitiveRead
from verbund.registry.tests.factories import BodyFactory
from verbund.security import policies
from verbund.security.models import (
    Advisory,
    AdvisoryRevision,
    Asset,
    Attachment,
    HelpRequest,
    Incident,
    Match,
    SharingGroup,
    Triage,
    Vulnerability,
    WibaAnswer,
    WibaAssessment,
    WibaChecklist,
    WibaQuestion,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

#: Every (label, distribution) the TLP rule allows (policies.ALLOWED_DISTRIBUTIONS), and the office flag.
COMBOS: list[tuple[str, str, bool]] = [
    (tlp, distribution, False)
    for tlp, allowed in sorted(policies.ALLOWED_DISTRIBUTIONS.items())
    for distribution in sorted(allowed)
] + [(tlp, "organisation", True) for tlp in ("clear", "green", "amber", "amber+strict", "red")]

PRINCIPALS = (
    "a1_clerk",
    "a1_head",
    "a2_clerk",
    "b1_clerk",
    "b2_clerk",
    "outsider",
    "coordinator",
    "advisory",
    "operator",
    "superuser",
    "leaver",
)


def expected(who: str, tlp: str, distribution: str, office: bool) -> bool:
    """The rule, written out per principal (the module doc of verbund.security.policies)."""
    if tlp == "clear":
        return True
    if tlp == "red":
        # named people only: the creator (a1_clerk) and the named recipient (b2_clerk)
        return who in ("a1_clerk", "b2_clerk")
    if who in ("a1_clerk", "a1_head"):
        return True  # the owner's staff and heads, up to AMBER+STRICT
    if tlp == "amber+strict":
        return False
    everyone = distribution == "all" and tlp == "green"
    if who == "a2_clerk":  # member of alliance A, not in group G
        return distribution == "alliance" or (tlp == "green" and distribution in ("all_alliances", "all"))
    if who == "b1_clerk":  # member of alliance B, in group G
        return distribution == "group" or (tlp == "green" and distribution in ("all_alliances", "all"))
    if who == "b2_clerk":  # member of alliance B, not in G (named only for RED)
        return tlp == "green" and distribution in ("all_alliances", "all")
    if who == "coordinator":  # coordinates A, works for no body
        return distribution == "alliance" or (tlp == "green" and distribution in ("all_alliances", "all"))
    if who == "advisory":  # the Beratungsstelle: only what is opened to it
        return office
    if who in ("outsider", "operator", "superuser", "leaver"):
        return everyone
    raise AssertionError(who)


# --- the world ------------------------------------------------------------------------------------------


def _advisory(owner: Any, n: int, **sharing: Any) -> Advisory:
    return Advisory.objects.create(
        publisher_name="Testherausgeber",
        publisher_namespace="https://example.org",
        tracking_id=f"TEST-{n}",
        title=f"Hinweis {n}",
        category="csaf_security_advisory",
        version="1",
        tracking_status="final",
        initial_release_date=NOW,
        current_release_date=NOW,
        owner_body=owner,
        **sharing,
    )


def build_world() -> SimpleNamespace:
    """The bodies, alliances, group and principals of the module doc (no objects yet)."""
    w = SimpleNamespace()
    w.a1, w.a2, w.b1, w.b2, w.o1 = (BodyFactory.create(verbandsgemeinde=True) for _ in range(5))
    w.coordinator = UserFactory.create()
    w.alliance_a = AllianceFactory.create(published=True, members=[w.a1, w.a2], coordinator=w.coordinator)
    w.alliance_b = AllianceFactory.create(published=True, members=[w.b1, w.b2])
    w.group = SharingGroup.objects.create(name="Gruppe G", owner_body=w.a1)
    w.group.bodies.set([w.a1, w.b1])
    w.a1_clerk = UserFactory.create(staff_of=w.a1)
    w.a1_head = UserFactory.create(head_of=w.a1)
    w.a2_clerk = UserFactory.create(staff_of=w.a2)
    w.b1_clerk = UserFactory.create(staff_of=w.b1)
    w.b2_clerk = UserFactory.create(staff_of=w.b2)
    w.outsider = UserFactory.create(staff_of=w.o1)
    w.advisory = UserFactory.create()
    RoleAssignment.objects.create(user=w.advisory, role=Role.BERATUNGSSTELLE)
    w.operator = UserFactory.create(operator=True)
    w.superuser = UserFactory.create(is_superuser=True, is_staff=True)
    w.leaver = UserFactory.create()  # worked for a1 once; no role any more
    return w


def sharing(w: SimpleNamespace, tlp: str, distribution: str, office: bool) -> dict[str, Any]:
    return {
        "owner_body": w.a1,
        "tlp": tlp,
        "distribution": distribution,
        "alliance": w.alliance_a if distribution == "alliance" else None,
        "sharing_group": w.group if distribution == "group" else None,
        "advisory_office": office,
        "created_by": w.a1_clerk,
    }


def make_objects(w: SimpleNamespace) -> dict[str, dict[tuple[str, str, bool], Any]]:
    """One object per combination for each TLP-labelled model (directly in the database)."""
    objects: dict[str, dict[tuple[str, str, bool], Any]] = {m: {} for m in MODELS}
    for n, combo in enumerate(COMBOS):
        values = sharing(w, *combo)
        incident = Incident.objects.create(title=f"Vorfall {n}", started_at=NOW, detected_at=NOW, **values)
        objects["incident"][combo] = incident
        objects["asset"][combo] = Asset.objects.create(name=f"Komponente {n}", **values)
        objects["advisory"][combo] = _advisory(
            w.a1, n, **{k: v for k, v in values.items() if k != "owner_body"}
        )
        public = _advisory(None, 1000 + n, tlp="clear")
        objects["triage"][combo] = Triage.objects.create(advisory=public, decision="act", **values)
        objects["attachment"][combo] = Attachment.objects.create(
            incident=incident, name=f"beleg-{n}.txt", file=f"security/test/beleg-{n}.txt", **values
        )
        if combo[0] == "red":
            for obj in (objects[m][combo] for m in MODELS):
                obj.recipients.set([w.b2_clerk])
    return objects


MODELS: dict[str, Any] = {
    "incident": Incident,
    "asset": Asset,
    "advisory": Advisory,
    "triage": Triage,
    "attachment": Attachment,
}


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = build_world()
    w.objects = make_objects(w)
    return w


def test_every_principal_sees_exactly_what_the_rule_allows(world: SimpleNamespace) -> None:
    for who in PRINCIPALS:
        principal = principal_for(getattr(world, who))
        for name, model in MODELS.items():
            seen = set(
                model.objects.filter(policies.visibility_filter(principal, model)).values_list(
                    "pk", flat=True
                )
            )
            for combo, obj in world.objects[name].items():
                assert (obj.pk in seen) == expected(who, *combo), (who, name, combo)


def test_the_former_employee_keeps_only_red_objects_they_created(world: SimpleNamespace) -> None:
    strict = Incident.objects.create(
        title="alt",
        started_at=NOW,
        detected_at=NOW,
        **{**sharing(world, "amber+strict", "organisation", False), "created_by": world.leaver},
    )
    red = Incident.objects.create(
        title="rot",
        started_at=NOW,
        detected_at=NOW,
        **{**sharing(world, "red", "organisation", False), "created_by": world.leaver},
    )
    seen = set(Incident.objects.visible_to(principal_for(world.leaver)).values_list("pk", flat=True))
    assert red.pk in seen and strict.pk not in seen


def test_a_body_taken_out_of_the_group_no_longer_sees(world: SimpleNamespace) -> None:
    shared = world.objects["incident"][("amber", "group", False)]
    assert policies.sees(principal_for(world.b1_clerk), shared)
    world.group.bodies.remove(world.b1)
    assert not policies.sees(principal_for(world.b1_clerk), shared)


def test_system_actors_see_only_with_the_capability(world: SimpleNamespace) -> None:
    from verbund.common.principal import principal_of_system

    strict = world.objects["incident"][("red", "organisation", False)]
    assert policies.sees(principal_of_system("Demo", {policies.MANAGE}), strict)
    assert not policies.sees(principal_of_system("Anderes", set()), strict)


# --- every security URL answers 404 outside the distribution ------------------------------------------

HIDDEN = ("amber+strict", "organisation", False)
MISSING = 999_999
#: Principals none of whom may see the hidden objects (a2 and b1 are insiders of A and G).
OUTSIDE = ("a2_clerk", "b1_clerk", "b2_clerk", "outsider", "coordinator", "advisory", "operator", "superuser")
#: A parameter that names no TLP object (it neither selects principals nor makes a URL checked).
NEUTRAL: tuple[str, ...] = ()


def _hidden(w: SimpleNamespace, name: str) -> Any:
    return w.objects[name][HIDDEN]


def _vulnerability(w: SimpleNamespace) -> Vulnerability:
    advisory = _hidden(w, "advisory")
    vulnerability, _ = Vulnerability.objects.get_or_create(advisory=advisory, key="CVE-2026-0001", position=0)
    return vulnerability


def _match(w: SimpleNamespace) -> Match:
    match, _ = Match.objects.get_or_create(
        advisory=_hidden(w, "advisory"),
        vulnerability=_vulnerability(w),
        asset=_hidden(w, "asset"),
        defaults={
            "product_id": "CSAFPID-1",
            "status": "known_affected",
            "confidence": "high",
            "reason": "Test",
        },
    )
    return match


def _revision(w: SimpleNamespace) -> AdvisoryRevision:
    revision, _ = AdvisoryRevision.objects.get_or_create(
        advisory=_hidden(w, "advisory"),
        version="1",
        defaults={
            "tracking_status": "final",
            "current_release_date": NOW,
            "document": {},
            "sha256": "0" * 64,
        },
    )
    return revision


def _assessment(w: SimpleNamespace) -> WibaAssessment:
    checklist, _ = WibaChecklist.objects.get_or_create(topic="Backup", number="1")
    assessment, _ = WibaAssessment.objects.get_or_create(
        checklist=checklist, owner_body=w.a1, defaults={"tlp": "amber+strict", "distribution": "organisation"}
    )
    return assessment


def _answer(w: SimpleNamespace) -> WibaAnswer:
    assessment = _assessment(w)
    question, _ = WibaQuestion.objects.get_or_create(
        checklist=assessment.checklist, position=1, defaults={"text": "?"}
    )
    answer, _ = WibaAnswer.objects.get_or_create(
        assessment=assessment, question=question, defaults={"value": "nein"}
    )
    return answer


def _help_request(w: SimpleNamespace) -> HelpRequest:
    request, _ = HelpRequest.objects.get_or_create(
        incident=_hidden(w, "incident"), alliance=w.alliance_a, defaults={"needed": "Hilfe"}
    )
    return request


def _foreign_group(w: SimpleNamespace) -> SharingGroup:
    """A group none of the checked principals belongs to (of a body nobody here works for, with a1)."""
    group = SharingGroup.objects.filter(name="Gruppe H").first()
    if group is None:
        other = BodyFactory.create(verbandsgemeinde=True)
        group = SharingGroup.objects.create(name="Gruppe H", owner_body=other)
        group.bodies.set([other, w.a1])
    return group


Sample = tuple[Callable[[SimpleNamespace], Any], tuple[str, ...]] | None

#: URL parameter → (its value for a hidden object, the principals that must get 404); ``None`` for
#: parameters that address no TLP-labelled object (their pages have other rules, tested elsewhere).
PARAMS: dict[str, Sample] = {
    "incident_id": (lambda w: _hidden(w, "incident").pk, OUTSIDE),
    "attachment_id": (lambda w: _hidden(w, "attachment").pk, OUTSIDE),
    "request_id": (lambda w: _help_request(w).pk, OUTSIDE),
    "advisory_id": (lambda w: _hidden(w, "advisory").pk, OUTSIDE),
    "revision_id": (lambda w: _revision(w).pk, OUTSIDE),
    "asset_id": (lambda w: _hidden(w, "asset").pk, OUTSIDE),
    "triage_id": (lambda w: _hidden(w, "triage").pk, OUTSIDE),
    "match_id": (lambda w: _match(w).pk, OUTSIDE),
    "vulnerability_id": (lambda w: _vulnerability(w).pk, OUTSIDE),
    "assessment_id": (lambda w: _assessment(w).pk, OUTSIDE),
    "answer_id": (lambda w: _answer(w).pk, OUTSIDE),
    # a question of the checklist (the same for everyone): the assessment in the same URL decides
    "question_id": (lambda w: _answer(w).question_id, NEUTRAL),
    "group_id": (lambda w: _foreign_group(w).pk, OUTSIDE),
    # an alliance is public (its directory entry): a page addressed by its slug alone is no TLP
    # object; with a TLP object in the same URL (a triage of a hidden advisory) it must be 404
    "slug": (lambda w: w.alliance_a.slug, NEUTRAL),
    # not TLP-labelled: the BSI's checklists are the same for everyone; officers have their own rules
    "checklist_id": None,
    "officer_id": None,
    # provider sources and their quarantine: Plattformbetrieb's, no member data
    "source_id": None,
    "document_id": None,
}


def security_routes() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(name, pattern, parameter names) of every page of the ``security`` namespace."""

    def walk(
        patterns: list[Any], prefix: str, namespace: str | None
    ) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "security":
                route = prefix + str(p.pattern)
                yield p.name or route, route, tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))

    yield from walk(get_resolver().url_patterns, "/", None)


def api_routes() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    from config.api import api

    schema = api.get_openapi_schema()
    for route in schema["paths"]:
        if route.startswith("/api/v1/security/"):
            yield route, route, tuple(re.findall(r"{(\w+)}", route))


def _fill(route: str, values: dict[str, Any]) -> str:
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), route)


def _checks(
    world: SimpleNamespace, routes: list[tuple[str, str, tuple[str, ...]]]
) -> list[tuple[str, str, tuple[str, ...]]]:
    unknown = sorted({p for _, _, params in routes for p in params if p not in PARAMS})
    assert not unknown, (
        f"Add a hidden sample object for these URL parameters to PARAMS in {__file__}: {unknown}"
    )
    checks = []
    for name, route, params in routes:
        if not params or any(PARAMS[p] is None for p in params):
            continue
        samples = [PARAMS[p] for p in params]
        if all(s is not None and s[1] is NEUTRAL for s in samples):
            continue
        values = {p: s[0](world) for p, s in zip(params, samples, strict=True) if s is not None}
        # the principals that must get 404: outside every TLP object the URL names
        outside = set(PRINCIPALS)
        for s in samples:
            assert s is not None
            if s[1] is not NEUTRAL:
                outside &= set(s[1])
        checks.append((name, _fill(route, values), tuple(sorted(outside))))
    return checks


def test_every_security_page_with_an_id_answers_404_outside_the_distribution(world: SimpleNamespace) -> None:
    checks = _checks(world, list(security_routes()))
    assert any(name == "incident_detail" for name, _, _ in checks)
    failures = []
    for who in OUTSIDE:
        client = Client()
        client.force_login(getattr(world, who))
        for name, url, outside in checks:
            if who not in outside:
                continue
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                # 405: the method is refused before any object is looked up (same for every id)
                if status not in (404, 405):
                    failures.append(f"{who} {method.upper()} {url} ({name}): {status}")
    assert not failures, "\n".join(failures)


def test_every_security_api_route_with_an_id_answers_404_outside_the_distribution(
    world: SimpleNamespace,
) -> None:
    """GET answers 404; any other method answers exactly what it answers for an id that does not exist
    (ninja checks a request body before the object is looked up, so a 422 there tells nothing)."""
    routes = list(api_routes())
    checks = _checks(world, routes)
    assert any("/incidents/{incident_id}" in name for name, _, _ in checks)
    methods = {
        route: [m for m in ops if m in ("get", "post", "patch", "put", "delete")]
        for route, ops in _api_methods()
    }
    missing = {
        name: _fill(name, dict.fromkeys(re.findall(r"{(\w+)}", name), MISSING)) for name, _, _ in checks
    }
    failures = []
    for who in OUTSIDE:
        client = Client()
        client.force_login(getattr(world, who))
        for name, url, outside in checks:
            if who not in outside:
                continue
            for method in methods.get(name, ["get"]):
                call = getattr(client, method)
                if method == "get":
                    response, reference = call(url), call(missing[name])
                else:
                    response = call(url, data="{}", content_type="application/json")
                    reference = call(missing[name], data="{}", content_type="application/json")
                if response.status_code != reference.status_code or response.content != reference.content:
                    got, unknown = response.status_code, reference.status_code
                    failures.append(f"{who} {method.upper()} {url}: {got}, for an unknown id: {unknown}")
                elif method == "get" and response.status_code != 404:
                    failures.append(f"{who} GET {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def _api_methods() -> Iterator[tuple[str, dict[str, Any]]]:
    from config.api import api

    for route, ops in api.get_openapi_schema()["paths"].items():
        if route.startswith("/api/v1/security/"):
            yield route, ops


# --- reads and the audit log -------------------------------------------------------------------------


def test_amber_and_red_detail_reads_are_logged_and_clear_ones_are_not(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.a1_clerk)
    for combo in (
        ("amber", "alliance", False),
        ("amber+strict", "organisation", False),
        ("red", "organisation", False),
    ):
        incident = world.objects["incident"][combo]
        before = SensitiveRead.objects.filter(
            object_id=str(incident.pk), object_type="security.incident"
        ).count()
        assert client.get(f"/sicherheit/vorfaelle/{incident.pk}/").status_code == 200
        assert client.get(f"/api/v1/security/incidents/{incident.pk}").status_code == 200
        rows = SensitiveRead.objects.filter(object_id=str(incident.pk), object_type="security.incident")
        assert rows.count() == before + 2
        assert all(r.object_repr == f"Sicherheitsvorfall Nr. {incident.pk}" for r in rows)
    for combo in (("clear", "organisation", False), ("green", "alliance", False)):
        incident = world.objects["incident"][combo]
        assert client.get(f"/sicherheit/vorfaelle/{incident.pk}/").status_code == 200
        assert not SensitiveRead.objects.filter(
            object_id=str(incident.pk), object_type="security.incident"
        ).exists()


def test_an_attachment_download_is_checked_and_logged(
    world: SimpleNamespace, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    incident = world.objects["incident"][("amber", "alliance", False)]
    attachment = Attachment.objects.create(
        incident=incident, name="log.txt", **sharing(world, "amber", "alliance", False)
    )
    attachment.file.save("log.bin", ContentFile(b"geheim"), save=True)
    url = f"/sicherheit/vorfaelle/{incident.pk}/dateien/{attachment.pk}/"
    member = Client()
    member.force_login(world.a2_clerk)
    response = member.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"geheim"  # type: ignore[attr-defined]
    assert SensitiveRead.objects.filter(
        object_type="security.attachment", object_id=str(attachment.pk)
    ).exists()
    for who in ("b1_clerk", "outsider", "advisory", "operator"):
        other = Client()
        other.force_login(getattr(world, who))
        assert other.get(url).status_code == 404, who


def test_the_audit_log_names_incidents_by_number_only(world: SimpleNamespace) -> None:
    from verbund.security.services.incidents import incident_create, incident_update

    incident = incident_create(
        actor=world.a1_clerk,
        owner_body=world.a1,
        title="Verschlüsselungstrojaner im Rathaus-Netz",
        description="Geheime Einzelheiten",
        started_at=timezone.now() - dt.timedelta(hours=3),
        detected_at=timezone.now() - dt.timedelta(hours=1),
        alliance=world.alliance_a,
    )
    incident_update(
        actor=world.a1_clerk, incident=incident, title="Trojaner Emotet im Rathaus", description="mehr"
    )
    entries = AuditEntry.objects.filter(object_type="security.incident", object_id=str(incident.pk))
    assert entries.count() == 2
    for entry in entries:
        assert entry.object_repr == f"Sicherheitsvorfall Nr. {incident.pk}"
        text = str(entry.changes) + entry.object_repr
        assert "Trojaner" not in text and "Geheime" not in text and "Emotet" not in text


def test_notifications_reach_only_those_who_see_the_incident(world: SimpleNamespace) -> None:
    from verbund.notifications.models import Event
    from verbund.security.services.incidents import incident_create

    a2_head = UserFactory.create(head_of=world.a2)
    for combo, reached in (
        (("amber", "alliance"), True),
        (("amber+strict", "organisation"), False),
    ):
        incident = incident_create(
            actor=world.a1_clerk,
            owner_body=world.a1,
            title="Ausfall",
            started_at=timezone.now() - dt.timedelta(hours=2),
            detected_at=timezone.now() - dt.timedelta(hours=1),
            tlp=combo[0],
            distribution=combo[1],
            alliance=world.alliance_a if combo[1] == "alliance" else None,
        )
        event = Event.objects.filter(payload__incident=incident.pk).first()
        users = set(event.audience["users"]) if event else set()
        assert (a2_head.pk in users) is reached, combo
        assert world.a1_head.pk in users
        assert world.outsider.pk not in users and world.b1_clerk.pk not in users
        assert event is not None and "Ausfall" not in event.title


def test_the_list_search_and_api_list_show_only_visible_incidents(world: SimpleNamespace) -> None:
    visible = {obj.pk for combo, obj in world.objects["incident"].items() if expected("b1_clerk", *combo)}
    client = Client()
    client.force_login(world.b1_clerk)
    body = client.get("/api/v1/security/incidents?limit=500").json()
    assert {item["id"] for item in body["items"]} == visible
    assert body["count"] == len(visible)
    page = client.get("/sicherheit/vorfaelle/?q=Vorfall").content.decode()
    for combo, obj in world.objects["incident"].items():
        assert (f'/sicherheit/vorfaelle/{obj.pk}/"' in page) is (obj.pk in visible), combo
