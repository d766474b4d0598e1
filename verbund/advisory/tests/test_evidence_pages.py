"""The pages of evidence, rollout and reports read as German text: no internal words, German numbers,
exactly one heading of the first level (the site-wide crawl needs the full demo; these pages are
checked here with their own data)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from verbund.advisory.models.evidence import Metric
from verbund.advisory.services import evidence as evidence_svc
from verbund.advisory.tests import programme_world as pw
from verbund.advisory.tests.test_rollout_services import plan  # noqa: F401  (fixture)
from verbund.web.tests.test_no_internal_words import _Reader, internal_words

pytestmark = pytest.mark.django_db


def _read(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert html.count("<h1") == 1, url
    reader = _Reader()
    reader.feed(html)
    text = "\n".join(reader.texts)
    found = [word for line in reader.texts for word in internal_words(line)]
    assert not found, f"{url}: {found}"
    return text


def test_the_pages_have_no_internal_words(
    plan: dict[str, Any],  # noqa: F811  (the fixture imported above)
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = pw.world(alliances=1)
    alliance = world["alliances"][0]["alliance"]
    evidence_svc.evidence_set(
        actor=plan["office"],
        alliance=alliance,
        values={
            "year": 2025,
            "metric": Metric.COST_PER_CASE,
            "before": Decimal("1234.5"),
            "after": Decimal("1000"),
            "source": "Kosten- und Leistungsrechnung",
        },
    )
    evidence_svc.evidence_set(
        actor=plan["office"],
        alliance=alliance,
        values={
            "year": 2025,
            "metric": Metric.OTHER,
            "label": "Beschwerden",
            "after": Decimal(3),
            "source": "x",
        },
    )
    client = Client()
    client.force_login(plan["office"])
    text = _read(client, f"/beratung/nachweise/{alliance.slug}/")
    assert "1.234,50" in text
    assert "besser: gesunken (-19,0 %)" in text
    rollout = _read(client, "/beratung/programm/ausrollung/")
    assert "850.000,00" in rollout and "210.000,00 EUR" in rollout
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/beratung/programm/berichte/", {"year": "2025"})
    reports = _read(client, "/beratung/programm/berichte/")
    assert "Bericht 2025 als PDF" in reports
