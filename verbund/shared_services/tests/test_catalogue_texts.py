"""The seeded task catalogue speaks to its readers: no references to the project's internal notes."""

from __future__ import annotations

import pytest

from verbund.common.german import public_text
from verbund.shared_services.models import TaskCostModel


@pytest.mark.django_db
def test_seeded_assumptions_name_no_internal_document():
    texts = list(TaskCostModel.objects.values_list("assumptions", flat=True))
    assert texts, "the migrations seed a cost model per task"
    assert not [text for text in texts if "DOMAIN.md" in text]
    assert any("(Hessischer Rechnungshof)" in text for text in texts)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            "Zulassungsstellen (Hessischer Rechnungshof, DOMAIN.md §5). ",
            "Zulassungsstellen (Hessischer Rechnungshof).",
        ),
        ("in kleinen Standesämtern (DOMAIN.md §5).", "in kleinen Standesämtern."),
        ("DOMAIN.md §2: 175.000 EUR", "175.000 EUR"),
        ("Eigene Annahme der Beratungsstelle.", "Eigene Annahme der Beratungsstelle."),
    ],
)
def test_public_text(stored, shown):
    assert public_text(stored) == shown
