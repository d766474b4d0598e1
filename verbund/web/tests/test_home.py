"""The start page: the map container with its data and legend, the programme's figures, funding at a
glance and the registry counts — computed from the test data, and only what the visitor may see."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.models import Alliance, Membership, Status
from verbund.registry.models import Body

from .public_world import public_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> Any:
    return public_world()


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">\s*<span class="vb-figure__value">([^<]+)</span>', html)
    assert match, f"figure {name} missing"
    return match.group(1).strip()


def _map_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="vb-home-map-data" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def _expected(*, public: bool) -> tuple[int, set[int], int, int]:
    """Alliances, member body ids, covered and all Gemeinden of Land 07 — from the database."""
    alliances = Alliance.objects.exclude(status=Status.BEENDET)
    if public:
        alliances = alliances.filter(is_published=True)
    members = set(
        Membership.objects.current().filter(alliance__in=alliances).values_list("body_id", flat=True)
    )
    member_bodies = list(Body.objects.filter(pk__in=members))
    gemeinden = list(Body.objects.current().gemeinden().filter(state="07"))
    covered = [
        g
        for g in gemeinden
        if any(
            g.pk == m.pk or (g.parent_id == m.pk) or (g.parent and g.parent.parent_id == m.pk)
            for m in member_bodies
        )
    ]
    return alliances.count(), members, len(covered), len(gemeinden)


def test_anonymous_visitors_see_the_public_figures(client: Any, world: Any) -> None:
    html = client.get("/").content.decode()
    alliances, members, covered, total = _expected(public=True)

    assert _figure(html, "alliances") == str(alliances)
    assert _figure(html, "members") == str(len(members))
    percent = f"{covered * 100 / total:.1f}".replace(".", ",")
    assert _figure(html, "coverage-07") == f"{percent} %"
    assert f"({covered} von {total})" in html
    assert "Geheimer Entwurf" not in html


def test_the_operator_sees_every_alliance_in_the_figures(client: Any, world: Any) -> None:
    client.force_login(UserFactory.create(operator=True))
    html = client.get("/").content.decode()
    alliances, members, covered, total = _expected(public=False)

    assert _figure(html, "alliances") == str(alliances)
    assert _figure(html, "members") == str(len(members))
    assert f"({covered} von {total})" in html  # the hidden alliance's Landkreis covers everything


def test_the_map_has_its_container_data_and_legend(client: Any, world: Any) -> None:
    html = client.get("/").content.decode()

    assert 'id="vb-home-map"' in html and 'data-vb-home-map="vb-home-map-data"' in html
    assert "web/home-map.js" in html and "vendor/leaflet/leaflet.js" in html
    assert "<script>" not in html  # no inline script (CSP)
    data = _map_data(html)
    located = Body.objects.filter(
        alliance_memberships__alliance=world.active,
        alliance_memberships__left_on__isnull=True,
        centroid_lat__isnull=False,
    ).count()
    assert len(data["features"]) == located
    assert [a[1] for a in data["alliances"]] == ["Gemeinsame Vergabestelle"]
    assert data["colours"][Status.UMSETZUNG] in html  # the legend draws the same colour
    legend = html[html.index('id="vb-home-legend"') :]
    legend = legend[: legend.index("</div>")]
    assert "Umsetzung" in legend and "(Verbünde: 1)" in legend
    assert "Idee" not in legend  # the hidden idea is not public


def test_funding_at_a_glance_shows_budget_granted_and_grants(client: Any, world: Any) -> None:
    html = client.get("/").content.decode()
    table = html[html.index(f'data-programme="{world.programme.slug}"') :]
    table = table[: table.index("</table>")]

    for year in world.programme.years.all():
        row = table[table.index(f'data-year="{year.year}"') :]
        row = row[: row.index("</tr>")]
        budget = f"{year.budget:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        granted = f"{year.committed:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        assert f"{budget} EUR" in row and f"{granted} EUR" in row
        assert re.search(r'kern-table__cell--numeric">1</td>', row)
    assert world.application.title not in html  # no single application for the public
    assert "/foerderung/portfolio/" not in html


def test_the_registry_counts_stay_as_a_smaller_block(client: Any, world: Any) -> None:
    html = client.get("/").content.decode()
    total = Body.objects.current().count()
    assert 'id="vb-registry-heading"' in html
    assert f"Alle {total} Körperschaften durchsuchen" in html


def test_an_empty_database_still_renders(client: Any) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _figure(html, "alliances") == "0"
    assert "Noch keine Verbünde zu zeigen." in html
    assert "Noch kein Förderprogramm" in html
