"""Parts name their change keys and coded values in German next to their actions; the presenter uses
them and flags a key nobody named."""

from __future__ import annotations

import pytest

from verbund.audit.actions import AUDIT_LABELS, AUDIT_VALUE_LABELS, audit_labels, audit_value_labels
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import label_of, present


def test_a_declared_label_is_used_and_a_second_different_one_refused() -> None:
    audit_labels({"zz_test_key": "Prüfschlüssel"})
    try:
        assert label_of("x.y", "zz_test_key") == ("Prüfschlüssel", True)
        audit_labels({"zz_test_key": "Prüfschlüssel"})  # the same again: fine
        with pytest.raises(ValueError, match="declared twice"):
            audit_labels({"zz_test_key": "anders"})
    finally:
        AUDIT_LABELS.pop("zz_test_key", None)
    assert label_of("x.y", "zz_test_key") == ("Zz test key", False)


def test_coded_values_show_their_label() -> None:
    audit_value_labels({"zz_code": [("a_b", "Erster Wert")]})
    try:
        entry = AuditEntry(action="alliance.update", object_type="x.y", changes={"zz_code": ["a_b", "c"]})
        (line,) = present(entry).changes
        assert (line.old, line.new) == ("Erster Wert", "c")
        with pytest.raises(ValueError, match="labelled twice"):
            audit_value_labels({"zz_code": [("a_b", "anders")]})
    finally:
        AUDIT_VALUE_LABELS.pop("zz_code", None)


def test_keys_that_are_words_or_numbers_are_their_own_label() -> None:
    assert label_of("", "Antragsberechtigung") == ("Antragsberechtigung", True)
    assert label_of("", "2026") == ("2026", True)
    # Django's automatic verbose name (the attribute name) is no German word
    assert label_of("funding.drawdown", "grant_year")[1] is False
