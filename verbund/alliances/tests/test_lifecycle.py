"""The lifecycle rules without a database: one stage at a time, "beendet" from anywhere but itself,
and "Vereinbarung geschlossen" only with a legal form and at least two members."""

from __future__ import annotations

import itertools

import pytest

from verbund.alliances import lifecycle
from verbund.alliances.lifecycle import (
    ANBAHNUNG,
    BEENDET,
    IDEE,
    REGELBETRIEB,
    STATUS_ORDER,
    UMSETZUNG,
    VEREINBARUNG,
    allowed_targets,
    transition_problems,
)
from verbund.alliances.models import LegalForm, Status

EXPECTED_ALLOWED = {
    (IDEE, ANBAHNUNG),
    (IDEE, BEENDET),
    (ANBAHNUNG, VEREINBARUNG),
    (ANBAHNUNG, BEENDET),
    (VEREINBARUNG, UMSETZUNG),
    (VEREINBARUNG, BEENDET),
    (UMSETZUNG, REGELBETRIEB),
    (UMSETZUNG, BEENDET),
    (REGELBETRIEB, BEENDET),
}


def test_model_choices_follow_the_lifecycle_module() -> None:
    assert [value for value, _ in Status.choices] == list(STATUS_ORDER)
    assert LegalForm.NONE == lifecycle.NO_LEGAL_FORM


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUS_ORDER, STATUS_ORDER)))
def test_every_pair_of_stages(current: str, target: str) -> None:
    """With a legal form and enough members, exactly the expected pairs are allowed."""
    problems = transition_problems(
        current=current, target=target, legal_form="zweckvereinbarung", member_count=5
    )
    assert (problems == []) == ((current, target) in EXPECTED_ALLOWED)
    if problems:
        assert all(isinstance(p, str) and p for p in problems)


def test_allowed_targets() -> None:
    assert allowed_targets(IDEE) == (ANBAHNUNG, BEENDET)
    assert allowed_targets(REGELBETRIEB) == (BEENDET,)
    assert allowed_targets(BEENDET) == ()
    with pytest.raises(ValueError):
        allowed_targets("unbekannt")


def test_skipping_a_stage_names_the_next_one() -> None:
    (problem,) = transition_problems(current=IDEE, target=UMSETZUNG, legal_form="none", member_count=3)
    assert "Anbahnung" in problem and "Umsetzung" in problem


def test_agreement_needs_legal_form_and_two_members() -> None:
    problems = transition_problems(current=ANBAHNUNG, target=VEREINBARUNG, legal_form="none", member_count=1)
    assert len(problems) == 2
    assert any("Rechtsform" in p for p in problems)
    assert any("mindestens 2 Mitglieder" in p and "derzeit 1" in p for p in problems)
    assert transition_problems(current=ANBAHNUNG, target=VEREINBARUNG, legal_form="none", member_count=2) == [
        problems[0]
    ]
    assert (
        transition_problems(
            current=ANBAHNUNG, target=VEREINBARUNG, legal_form="kooperationsvereinbarung", member_count=2
        )
        == []
    )


def test_ending_needs_no_legal_form() -> None:
    assert transition_problems(current=IDEE, target=BEENDET, legal_form="none", member_count=0) == []


def test_nothing_after_the_end_and_unknown_targets() -> None:
    (problem,) = transition_problems(current=BEENDET, target=IDEE, legal_form="none", member_count=2)
    assert "beendet" in problem
    assert transition_problems(current=IDEE, target="fertig", legal_form="none", member_count=2)
    assert transition_problems(current=IDEE, target=IDEE, legal_form="none", member_count=2)
