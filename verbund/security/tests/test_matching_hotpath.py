"""Saving an asset matches it without going through every stored advisory, and what a new revision
or a match keeps:

* ``match_assets`` keeps the advisories compiled per process and writes only the advisories that
  may be the saved asset (or that it matches now): its queries and compilations do not grow with
  the number of stored advisories; its results are those of a run over every advisory.
* A vulnerability a new revision drops is kept, not current, with its matches and their remediation
  state; a later revision that lists it again makes it current with that state.
* A match keeps its reason as the matcher's messages and values and shows it in the reader's
  language; the German text stays for the search and the exports.
* A triage records who decided, shown on the alliance and advisory pages.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from verbund.security import matching
from verbund.security.models import Asset, Match, RemediationState, Triage, Vulnerability
from verbund.security.services import matching as matching_service
from verbund.security.services.matching import (
    ADVISORIES,
    match_advisory,
    match_assets,
    rematch_all,
    remediation_set,
)
from verbund.security.services.triage import triage_set
from verbund.security.tests.test_matching_service import (
    REAL,
    _first_product,
    import_document,
    make_asset,
    security_alliance,
    small_document,
)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    ADVISORIES.clear()
    yield
    ADVISORIES.clear()


@pytest.fixture
def vgs(db: Any) -> Any:
    return security_alliance(2)


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the documents compiled while the test runs (every caller goes through the package)."""
    calls: list[str] = []
    original = matching.compile_advisory

    def counting(document: Any, *, key: str | None = None) -> Any:
        calls.append(str(key))
        return original(document, key=key)

    monkeypatch.setattr(matching, "compile_advisory", counting)
    return calls


def other_product(number: int, **kwargs: Any) -> dict[str, Any]:
    """:func:`small_document` about another device of the same vendor ("Gerät <number>")."""
    document = small_document(tracking_id=f"BSP-2026-{1000 + number}", **kwargs)
    return json.loads(json.dumps(document).replace("Firewall X", f"Gerät {number}"))


def _import_others(start: int, count: int) -> None:
    for number in range(start, start + count):
        import_document(other_product(number))


# --- the hot path ---------------------------------------------------------------------------------


def test_saving_one_asset_costs_the_same_queries_and_no_compilation_however_many_advisories(
    vgs, compilations
):
    firewall = import_document(small_document())
    _import_others(1, 3)
    warm = make_asset(vgs.bodies[0], name="Mailserver", vendor="Anderer")
    match_assets([warm.pk])  # the first run in a process compiles every stored advisory once
    assert len(compilations) == 4

    compilations.clear()
    first = make_asset(vgs.bodies[0])
    with CaptureQueriesContext(connection) as few:
        run = match_assets([first.pk])
    assert compilations == [] and run.created == 1 and run.advisories == 4

    _import_others(10, 20)
    match_assets([warm.pk])  # only the new ones are compiled
    assert len(compilations) == 20

    compilations.clear()
    second = make_asset(vgs.bodies[1])
    with CaptureQueriesContext(connection) as many:
        run = match_assets([second.pk])
    assert compilations == [] and run.created == 1 and run.advisories == 24
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Match.objects.get(asset=second).advisory_id == firewall.pk

    # a new revision: only that one is compiled again (in match_advisory), not at the next save
    import_document(small_document(version=2, title="Beispiel Firewall X: neue Überschrift"))
    compilations.clear()
    match_advisory(firewall.pk)
    match_assets([first.pk])
    assert len(compilations) == 1


def test_a_changed_asset_that_is_no_candidate_any_more_retires_its_match(vgs):
    advisory = import_document(small_document())
    _import_others(1, 2)
    asset = make_asset(vgs.bodies[0])
    match_assets([asset.pk])
    assert Match.objects.get(asset=asset).current

    Asset.objects.filter(pk=asset.pk).update(name="Mailserver", vendor="Anderer")
    run = match_assets([asset.pk])
    match = Match.objects.get(asset=asset)
    assert run.retired == 1 and not match.current and match.advisory_id == advisory.pk

    Asset.objects.filter(pk=asset.pk).update(name="Firewall X", vendor="Beispiel")
    run = match_assets([asset.pk])
    assert Match.objects.get(asset=asset).current and [m.pk for m in run.alerted] == [match.pk]


def _rows() -> list[tuple[Any, ...]]:
    return sorted(
        Match.objects.values_list(
            "advisory_id",
            "vulnerability_id",
            "asset_id",
            "product_id",
            "status",
            "confidence",
            "reason",
            "current",
        )
    )


def test_the_cached_candidates_give_what_a_run_over_every_advisory_gives(vgs, settings):
    """Real advisories, assets named like their first products: the cached path and the scan over
    every advisory (beyond the cache's limit) write the same rows."""
    paths = sorted(REAL.rglob("*.json")) if REAL.is_dir() else []
    if not paths:
        pytest.skip(f"no real advisories in {REAL}")
    assets: list[Asset] = []
    for number, path in enumerate(paths):
        document = json.loads(path.read_bytes())
        names = _first_product(document.get("product_tree") or {})
        try:
            import_document(copy.deepcopy(document), tlp="clear", owner_body=None)
        except Exception:  # documents the importer refuses are its tests' business
            continue
        if names:
            assets.append(
                make_asset(vgs.bodies[number % 2], vendor=names[0], name=names[1], version=names[2])
            )
    assets.append(make_asset(vgs.bodies[0]))
    ids = [a.pk for a in assets]
    cached = match_assets(ids)
    rows = _rows()
    assert rows and cached.created == len(rows)

    Match.objects.all().delete()
    settings.SECURITY_MATCH_CACHE_LIMIT = 0
    scanned = match_assets(ids)
    assert _rows() == rows
    assert (scanned.advisories, scanned.created, len(scanned.alerted)) == (
        cached.advisories,
        cached.created,
        len(cached.alerted),
    )


# --- vulnerabilities a revision drops ------------------------------------------------------------


def two_vulnerabilities(*, version: int, second: bool = True) -> dict[str, Any]:
    """:func:`small_document` with a second vulnerability (CVE-2026-10002) unless ``second`` is False."""
    document = small_document(version=version)
    if second:
        extra = copy.deepcopy(document["vulnerabilities"][0])
        extra["cve"] = "CVE-2026-10002"
        document["vulnerabilities"].append(extra)
    return document


def test_a_dropped_vulnerability_is_kept_with_its_remediation_and_comes_back(vgs, client):
    asset = make_asset(vgs.bodies[0])
    advisory = import_document(two_vulnerabilities(version=1))
    match_advisory(advisory.pk)
    kept = Match.objects.get(asset=asset, vulnerability__cve="CVE-2026-10002")
    remediation_set(
        actor=vgs.clerks[0], match_id=kept.pk, state=RemediationState.IN_PROGRESS, note="Wartungsfenster"
    )

    import_document(two_vulnerabilities(version=2, second=False))
    match_advisory(advisory.pk)
    dropped = Vulnerability.objects.get(advisory=advisory, cve="CVE-2026-10002")
    assert not dropped.current
    kept.refresh_from_db()
    assert not kept.current and (kept.state, kept.state_note) == (
        RemediationState.IN_PROGRESS,
        "Wartungsfenster",
    )
    assert list(
        Vulnerability.objects.filter(advisory=advisory, current=True).values_list("cve", flat=True)
    ) == ["CVE-2026-10001"]
    client.force_login(vgs.clerks[0])
    detail = client.get(f"/api/v1/security/advisories/{advisory.pk}").json()
    assert [v["cve"] for v in detail["vulnerabilities"]] == ["CVE-2026-10001"]
    page = client.get(f"/sicherheit/hinweise/{advisory.pk}/").content.decode()
    assert "Nur in früheren Fassungen genannt" in page and "CVE-2026-10002" in page

    import_document(two_vulnerabilities(version=3))
    run = match_advisory(advisory.pk)
    dropped.refresh_from_db()
    kept.refresh_from_db()
    assert dropped.current and dropped.pk == kept.vulnerability_id
    assert (
        kept.current and kept.state == RemediationState.IN_PROGRESS and kept.state_note == "Wartungsfenster"
    )
    assert [m.pk for m in run.alerted] == [kept.pk]
    assert Match.objects.filter(asset=asset).count() == 2


# --- the reason in the reader's language ---------------------------------------------------------


def test_the_reason_is_kept_as_messages_and_shown_in_the_readers_language(vgs, client):
    asset = make_asset(vgs.bodies[0])
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    match = Match.objects.get(asset=asset)
    assert match.reason_parts and all(
        isinstance(m, str) and isinstance(v, dict) for m, v in match.reason_parts
    )
    with translation.override("de"):
        assert match.reason_display == match.reason
    with translation.override("en"):
        english = match.reason_display
        assert str(translation.gettext(match.reason_parts[0][0])) != match.reason_parts[0][0]
    assert english != match.reason and "2.4.0" in english
    assert "Version" in match.reason  # the German text, whatever language the run was in

    client.force_login(vgs.clerks[0])
    with translation.override("en"):
        page = client.get(f"/sicherheit/treffer/{match.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _escaped(english) in page and _escaped(match.reason) not in page

    # rows written before the parts were kept show their German text
    Match.objects.filter(pk=match.pk).update(reason_parts=[])
    match.refresh_from_db()
    with translation.override("en"):
        assert match.reason_display == match.reason
    # a rematch fills them in without alerting
    run = rematch_all(actor=vgs.coordinator)
    match.refresh_from_db()
    assert match.reason_parts and run.alerted == []


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


# --- who decided ---------------------------------------------------------------------------------

ACT_POINTS: dict[str, Any] = {
    "exploitation": "active",
    "automatable": True,
    "technical_impact": "total",
    "mission_impact": "high",
}


def test_the_triage_records_who_decided_and_the_pages_show_it(vgs, client):
    make_asset(vgs.bodies[0])
    advisory = import_document(small_document())
    match_advisory(advisory.pk)
    triage = triage_set(
        actor=vgs.coordinator, alliance_id=vgs.alliance.pk, advisory_id=advisory.pk, **ACT_POINTS
    )
    assert Triage.objects.get(pk=triage.pk).decided_by == vgs.coordinator

    client.force_login(vgs.coordinator)
    name = _escaped(str(vgs.coordinator))
    page = client.get(f"/sicherheit/verbund/{vgs.alliance.slug}/").content.decode()
    assert f"bewertet von {name}" in page
    page = client.get(f"/sicherheit/hinweise/{advisory.pk}/").content.decode()
    assert f"bewertet von {name}" in page
    page = client.get(f"/sicherheit/verbund/{vgs.alliance.slug}/bewerten/{advisory.pk}/").content.decode()
    assert f"Bewertet von {name}" in page


def test_the_cache_does_not_outgrow_the_stored_advisories(vgs):
    _import_others(1, 3)
    asset = make_asset(vgs.bodies[0])
    match_assets([asset.pk])
    assert len(ADVISORIES.sync() or {}) == 3
    Match.objects.all().delete()
    from verbund.security.models import Advisory

    Advisory.objects.filter(tracking_id="BSP-2026-1001").delete()
    assert sorted(ADVISORIES.sync() or {}) == sorted(Advisory.objects.values_list("pk", flat=True))
    assert len(ADVISORIES._compiled) == 2  # the bound is the point of the test
    assert matching_service.ADVISORIES is ADVISORIES
