"""The matching service (CSAF 9.1.13): advisories imported through the import service are matched
against the members' assets; matches are kept per (vulnerability, asset) across revisions; a new
revision alerts only for new matches or a changed remediation; vanished matches stop being current;
new assets are matched against the stored advisories; the TLP scope keeps an advisory away from
bodies that may not see it; the remediation state is set by the owner body only and audited.

The builders here (:func:`small_document`, :func:`import_document`, :func:`make_asset`,
:func:`security_alliance`) are shared by the other test modules of the alliance view."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.notifications.models import Event
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, Asset, Match, RemediationState
from verbund.security.policies import MANAGE
from verbund.security.services.matching import (
    MATCH_ACTOR,
    match_advisory,
    match_assets,
    rematch_all,
    remediation_digest,
    remediation_set,
)

IMPORTER = SystemActor(name="CSAF-Import (Test)", capabilities=frozenset({MANAGE}))
REAL = Path(settings.VERBUND_DATA_DIR) / "csaf" / "real_advisories"
FIX = "Update auf Version 2.4.1 einspielen."


def small_document(
    *,
    version: int = 1,
    tracking_id: str = "BSP-2026-0001",
    remediation: str = FIX,
    affected: tuple[str, ...] = ("FWX-240",),
    title: str = "Beispiel Firewall X: Schwachstelle ermöglicht Codeausführung",
    tlp: str = "WHITE",
    score: float = 9.8,
) -> dict[str, Any]:
    """A small valid CSAF 2.0 document (csaf_base): Beispiel Firewall X 2.4.0 affected, 2.4.1 fixed."""
    start = dt.datetime(2026, 1, 10, 10, 0, tzinfo=dt.UTC)
    history = [
        {
            "date": (start + dt.timedelta(days=n - 1)).isoformat().replace("+00:00", "Z"),
            "number": str(n),
            "summary": "Erstveröffentlichung" if n == 1 else f"Fassung {n}",
        }
        for n in range(1, version + 1)
    ]
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    return {
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": tlp, "url": "https://www.first.org/tlp/"}},
            "lang": "de-DE",
            "publisher": {
                "category": "vendor",
                "name": "Beispiel GmbH",
                "namespace": "https://beispiel.example",
            },
            "title": title,
            "tracking": {
                "current_release_date": history[-1]["date"],
                "id": tracking_id,
                "initial_release_date": history[0]["date"],
                "revision_history": history,
                "status": "final",
                "version": str(version),
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Beispiel",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "Firewall X",
                            "branches": [
                                {
                                    "category": "product_version",
                                    "name": "2.4.0",
                                    "product": {"name": "Beispiel Firewall X 2.4.0", "product_id": "FWX-240"},
                                },
                                {
                                    "category": "product_version",
                                    "name": "2.4.1",
                                    "product": {"name": "Beispiel Firewall X 2.4.1", "product_id": "FWX-241"},
                                },
                                {
                                    "category": "product_version",
                                    "name": "2.3.9",
                                    "product": {"name": "Beispiel Firewall X 2.3.9", "product_id": "FWX-239"},
                                },
                            ],
                        }
                    ],
                }
            ]
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-10001",
                "product_status": {"known_affected": list(affected), "fixed": ["FWX-241"]},
                "remediations": [
                    {"category": "vendor_fix", "details": remediation, "product_ids": list(affected)}
                ],
                "scores": [
                    {
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": vector,
                            "baseScore": score,
                            "baseSeverity": "CRITICAL" if score >= 9 else "HIGH",
                        },
                        "products": list(affected),
                    }
                ],
            }
        ],
    }


def import_document(document: dict[str, Any] | bytes, **kwargs: Any) -> Advisory:
    """Import through the part's import service (as the feed poller would) and return the advisory."""
    from verbund.security.services.advisories import import_advisory

    return import_advisory(IMPORTER, document, **kwargs).advisory


def make_asset(
    body: Any, *, name: str = "Firewall X", vendor: str = "Beispiel", version: str = "2.4.0", **kw: Any
) -> Asset:
    return Asset.objects.create(owner_body=body, name=name, vendor=vendor, version=version, **kw)


def security_alliance(members: int = 2, **kwargs: Any) -> SimpleNamespace:
    """An alliance of ``members`` Verbandsgemeinden, with a head, a clerk per member and a coordinator."""
    bodies = [BodyFactory.create(verbandsgemeinde=True) for _ in range(members)]
    coordinator = UserFactory.create()
    alliance = AllianceFactory.create(members=bodies, coordinator=coordinator, **kwargs)
    heads = [UserFactory.create(head_of=body) for body in bodies]
    clerks = [UserFactory.create(staff_of=body) for body in bodies]
    return SimpleNamespace(
        alliance=alliance, bodies=bodies, heads=heads, clerks=clerks, coordinator=coordinator
    )


@pytest.fixture
def vgs(db: Any) -> SimpleNamespace:
    return security_alliance(2)


# --- a small document -----------------------------------------------------------------------------


def test_a_new_advisory_matches_affected_and_fixed_assets_and_alerts_only_the_affected(vgs):
    affected = make_asset(vgs.bodies[0])
    fixed = make_asset(vgs.bodies[1], version="2.4.1")
    make_asset(vgs.bodies[1], name="Mailserver", vendor="Anderer")
    advisory = import_document(small_document())

    run = match_advisory(advisory.pk)

    matches = {m.asset_id: m for m in Match.objects.filter(advisory=advisory)}
    assert set(matches) == {affected.pk, fixed.pk}
    hit = matches[affected.pk]
    assert (hit.status, hit.confidence, hit.current) == ("known_affected", "hoch", True)
    assert hit.product_id == "FWX-240" and hit.vulnerability.cve == "CVE-2026-10001"
    assert "Firewall X" in hit.reason or "2.4.0" in hit.reason
    assert hit.remediations == [{"category": "vendor_fix", "details": FIX, "url": ""}]
    assert hit.remediation_digest == remediation_digest(hit.remediations)
    assert hit.alerted_at is not None and matches[fixed.pk].alerted_at is None
    assert matches[fixed.pk].status == "fixed"
    assert [m.pk for m in run.alerted] == [hit.pk]
    events = Event.objects.filter(event_type="security.match_alert")
    assert [e.body_id for e in events] == [vgs.bodies[0].pk]
    assert events[0].title.startswith("BSP-2026-0001")
    assert vgs.bodies[1].name not in events[0].display_text


def test_a_new_revision_alerts_again_only_when_the_remediation_changed(vgs):
    asset = make_asset(vgs.bodies[0])
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    match = Match.objects.get(asset=asset)
    remediation_set(actor=vgs.clerks[0], match_id=match.pk, state=RemediationState.DONE, note="eingespielt")
    first_alert = Match.objects.get(pk=match.pk).alerted_at

    # revision 2: another title, same remediation -> the row is updated, no alert, state kept
    import_document(small_document(version=2, title="Beispiel Firewall X: neue Überschrift"))
    run = match_advisory(advisory.pk)
    match.refresh_from_db()
    assert run.alerted == [] and match.alerted_at == first_alert
    assert match.state == RemediationState.DONE and match.current
    assert Event.objects.filter(event_type="security.match_alert").count() == 1

    # revision 3: the remediation changed -> alert again, "done" is open again
    import_document(small_document(version=3, remediation="Update auf Version 2.4.2 einspielen."))
    run = match_advisory(advisory.pk)
    match.refresh_from_db()
    assert [m.pk for m in run.alerted] == [match.pk]
    assert match.alerted_at is not None and first_alert is not None and match.alerted_at > first_alert
    assert match.state == RemediationState.OPEN and match.state_changed_by is None
    assert match.remediations[0]["details"] == "Update auf Version 2.4.2 einspielen."
    assert Match.objects.filter(asset=asset).count() == 1  # the same row, keyed by (vulnerability, asset)
    assert Event.objects.filter(event_type="security.match_alert").count() == 2


def test_a_match_that_disappears_is_kept_but_no_longer_current_and_alerts_when_it_returns(vgs):
    asset = make_asset(vgs.bodies[0], version="2.3.9")
    advisory = import_document(small_document(affected=("FWX-240", "FWX-239")))
    match_advisory(advisory.pk)
    assert Match.objects.get(asset=asset).current

    import_document(small_document(version=2, affected=("FWX-240",)))
    run = match_advisory(advisory.pk)
    match = Match.objects.get(asset=asset)
    assert run.retired == 1 and not match.current

    import_document(small_document(version=3, affected=("FWX-240", "FWX-239")))
    run = match_advisory(advisory.pk)
    match.refresh_from_db()
    assert match.current and [m.pk for m in run.alerted] == [match.pk]


def test_new_and_retired_assets_are_matched_against_the_stored_advisories(vgs):
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    assert not Match.objects.exists()

    asset = make_asset(vgs.bodies[1])
    run = match_assets([asset.pk])
    match = Match.objects.get(asset=asset)
    assert match.current and match.advisory == advisory and [m.pk for m in run.alerted] == [match.pk]

    Asset.objects.filter(pk=asset.pk).update(active=False)
    run = match_assets([asset.pk])
    assert run.retired == 1 and not Match.objects.get(asset=asset).current


def test_rematch_all_builds_everything_again_and_changes_nothing_the_second_time(vgs):
    first = import_document(small_document())
    second = import_document(small_document(tracking_id="BSP-2026-0002"))
    for body in vgs.bodies:
        make_asset(body)
    operator = UserFactory.create(operator=True)

    run = rematch_all(actor=operator)
    assert (run.advisories, run.created, len(run.alerted)) == (2, 4, 4)
    assert set(Match.objects.values_list("advisory_id", flat=True)) == {first.pk, second.pk}
    again = rematch_all(actor=operator)
    assert (again.created, again.updated, again.retired, again.alerted) == (0, 0, 0, [])
    assert AuditEntry.objects.filter(action="security.match_run").count() == 2


def test_rematch_all_is_for_officers_coordinators_and_operators_only(vgs):
    with pytest.raises(Forbidden):
        rematch_all(actor=vgs.clerks[0])
    rematch_all(actor=vgs.coordinator)


def test_an_amber_advisory_of_one_member_is_not_matched_against_another_members_assets(vgs):
    own = make_asset(vgs.bodies[0])
    make_asset(vgs.bodies[1])
    advisory = import_document(small_document(tlp="AMBER"), owner_body=vgs.bodies[0])
    assert advisory.tlp == "amber" and advisory.distribution == "organisation"

    match_advisory(advisory.pk)
    assert list(Match.objects.values_list("asset_id", flat=True)) == [own.pk]

    # shared with the alliance, the other member's asset is matched too
    Advisory.objects.filter(pk=advisory.pk).update(distribution="alliance", alliance=vgs.alliance)
    match_advisory(advisory.pk)
    assert Match.objects.count() == 2


def test_only_the_owner_body_sets_the_remediation_state_and_it_is_audited(vgs):
    asset = make_asset(vgs.bodies[0])
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    match = Match.objects.get(asset=asset)

    with pytest.raises(NotFound):  # the other member does not see the asset
        remediation_set(actor=vgs.clerks[1], match_id=match.pk, state=RemediationState.DONE)
    with pytest.raises(Invalid):
        remediation_set(actor=vgs.clerks[0], match_id=match.pk, state="kaputt")
    remediation_set(
        actor=vgs.heads[0], match_id=match.pk, state=RemediationState.IN_PROGRESS, note="Ticket 42"
    )

    match.refresh_from_db()
    assert (match.state, match.state_note, match.state_changed_by) == ("in_arbeit", "Ticket 42", vgs.heads[0])
    entry = AuditEntry.objects.get(action="security.remediation_set")
    assert entry.object_repr == f"Treffer Nr. {match.pk}" and entry.body_id == vgs.bodies[0].pk
    assert "Ticket 42" not in json.dumps(entry.changes)


def test_match_advisory_of_an_unknown_advisory_is_not_found(db):
    with pytest.raises(NotFound):
        match_advisory(999_999, actor=MATCH_ACTOR)


# --- real advisories ------------------------------------------------------------------------------


def _real(relative: str) -> bytes:
    path = REAL / relative
    if not path.is_file():
        pytest.skip(f"real advisory {relative} not found in VERBUND_DATA_DIR={settings.VERBUND_DATA_DIR}")
    return path.read_bytes()


def test_real_bsi_revisions_keep_the_match_and_alert_only_the_newly_affected_asset(vgs):
    rev15 = _real("bsi_cert_bund/wid-sec-w-2023-2649_rev15.json")
    rev29 = _real("bsi_cert_bund/wid-sec-w-2023-2649_rev29.json")
    debian = make_asset(
        vgs.bodies[0],
        vendor="Debian",
        name="Debian Linux",
        version="12",
        cpe="cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*",
    )
    igel = make_asset(vgs.bodies[1], vendor="IGEL", name="OS", version="11.09.100")
    advisory = import_document(rev15)
    match_advisory(advisory.pk)
    first = Match.objects.get(asset=debian)
    assert first.current and first.status == "known_affected" and first.vulnerability.cve == "CVE-2023-5178"
    assert not Match.objects.filter(asset=igel).exists()

    import_document(rev29)
    run = match_advisory(advisory.pk)
    again = Match.objects.get(asset=debian)
    assert again.pk == first.pk and again.alerted_at == first.alerted_at  # no new remediation: silent
    assert [m.asset_id for m in run.alerted] == [igel.pk]


@pytest.mark.parametrize(
    "relative",
    sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*.json")) if REAL.is_dir() else ["(keine Daten)"],
)
def test_every_real_advisory_imports_and_matches_without_error(db, relative):
    raw = _real(relative)
    document = json.loads(raw)
    body = BodyFactory.create(verbandsgemeinde=True)
    # an asset named like the first product of the tree, so that most documents give a match
    names = _first_product(document.get("product_tree") or {})
    asset = make_asset(body, vendor=names[0], name=names[1], version=names[2]) if names else None
    try:
        advisory = import_document(raw, tlp="clear" if _tlp(document) is None else None, owner_body=None)
    except Exception as exc:  # documents the import refuses are the importer's tests' business
        if type(exc).__name__ == "AdvisoryRefused" or (
            isinstance(exc, Invalid) and _tlp(document) != "WHITE"
        ):
            pytest.skip(f"import refused: {exc}")
        raise
    run = match_advisory(advisory.pk)
    rows = list(Match.objects.filter(advisory=advisory))
    assert run.created == len(rows)
    assert all(m.reason and m.remediation_digest and m.vulnerability.advisory_id == advisory.pk for m in rows)
    if asset is not None:
        assert all(m.asset_id == asset.pk for m in rows)
    again = match_advisory(advisory.pk)
    assert (again.created, again.retired, again.alerted) == (0, 0, [])


def _tlp(document: dict[str, Any]) -> str | None:
    return (((document.get("document") or {}).get("distribution") or {}).get("tlp") or {}).get("label")


def _first_product(tree: dict[str, Any]) -> tuple[str, str, str] | None:
    def walk(branches: list[Any], path: dict[str, str]) -> tuple[str, str, str] | None:
        for branch in branches or []:
            here = dict(path)
            here[branch.get("category", "")] = branch.get("name", "")
            if "product" in branch and here.get("vendor") and here.get("product_name"):
                return here["vendor"], here["product_name"], here.get("product_version", "")
            found = walk(branch.get("branches") or [], here)
            if found:
                return found
        return None

    return walk(copy.deepcopy(tree.get("branches") or []), {})
