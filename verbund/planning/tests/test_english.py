"""English planning pages, and the texts a run stores read back in the reader's language.

``Accept-Language: en`` gives the planning index and a scenario's result page in English. A run
stores German text (warnings, progress notes, refusals of the solvers) whoever started it;
:func:`verbund.planning.messages.stored_text` shows it in the active language by matching it against
the German messages it came from.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from verbund.planning.messages import stored_text
from verbund.planning.models import RunStatus
from verbund.planning.selectors.problem import OVERLAP
from verbund.planning.solvers.core import UNLOCATED
from verbund.planning.solvers.heuristic import MERGING

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def german_afterwards() -> Iterator[None]:
    """LocaleMiddleware leaves the last request's language active in the test process: reset it."""
    yield
    translation.deactivate()


@pytest.mark.django_db
def test_the_planning_index_reads_english(client, pw):
    client.force_login(pw.advisory)
    response = client.get("/planung/", headers=ENGLISH)
    assert response.status_code == 200 and response["Content-Language"] == "en"
    html = response.content.decode()
    for english, german in [
        (
            "Planning: find partners, plan cooperation Land-wide",
            "Partner finden, Kooperation landesweit planen",
        ),
        ("How the calculation works", "So wird gerechnet"),
        ("Find partners for a body", "Partner für eine Körperschaft finden"),
    ]:
        assert english in html, english
        assert german not in html, german


@pytest.mark.django_db
def test_a_scenario_page_reads_english(client, pw, done_scenario):
    client.force_login(pw.advisory)
    done_scenario.statistics["warnings"] = [UNLOCATED % {"count": "3"}]
    done_scenario.save(update_fields=["statistics"])
    html = client.get(done_scenario.get_absolute_url(), headers=ENGLISH).content.decode()
    for english, german in [
        ("Total saving", "Einsparung insgesamt"),
        ("Gap to the exact optimum", "Abstand zum exakten Optimum"),
        ("Parameters of this scenario", "Parameter dieses Szenarios"),
        ("Download CSV", "CSV herunterladen"),
        ("3 bodies without a centroid stay alone (no distances).", "ohne Flächenschwerpunkt bleiben allein"),
    ]:
        assert english in html, english
        assert german not in html, german
    assert done_scenario.name in html  # the name is data and stays as entered


@pytest.mark.django_db
def test_a_scenario_page_stays_german_by_default(client, pw, done_scenario):
    client.force_login(pw.advisory)
    html = client.get(done_scenario.get_absolute_url()).content.decode()
    assert "Einsparung insgesamt" in html and "Total saving" not in html


@pytest.mark.django_db
def test_the_progress_note_of_a_running_scenario_reads_english(client, pw, done_scenario):
    client.force_login(pw.advisory)
    done_scenario.status = RunStatus.RUNNING
    done_scenario.progress = 40
    done_scenario.progress_note = MERGING % {"round": 2}
    done_scenario.save(update_fields=["status", "progress", "progress_note"])
    html = client.get(done_scenario.get_absolute_url(), headers=ENGLISH).content.decode()
    assert "Round 2: merging groups" in html and "Gruppen werden zusammengelegt" not in html


def test_stored_german_texts_are_shown_in_the_active_language():
    warning = UNLOCATED % {"count": "1.234"}
    overlap = OVERLAP % {"alliance": "Nord", "names": "„Süd“"}
    with translation.override("en"):
        assert stored_text(warning) == "1.234 bodies without a centroid stay alone (no distances)."
        assert stored_text(overlap) == "“Nord” overlaps with „Süd“; the alliances form one group."
        assert stored_text("Kandidaten werden bestimmt") == "Determining candidates"
        assert stored_text("ein unbekannter Text") == "ein unbekannter Text"
        assert stored_text("") == ""
    with translation.override("de"):
        assert stored_text(warning) == warning


def test_a_warning_is_stored_in_german_whoever_computes():
    """The solvers write their warnings from a German message (gettext_noop), not in the active language."""
    import numpy as np

    from verbund.planning.solvers.core import _warnings

    class Unlocated:
        located = np.array([True, False, False])

    with translation.override("en"):
        warnings = _warnings(Unlocated())  # type: ignore[arg-type]
    assert warnings == ["2 Körperschaften ohne Flächenschwerpunkt bleiben allein (keine Entfernungen)."]
