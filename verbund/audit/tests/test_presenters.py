"""Audit entries read as German sentences: field names are the models' German verbose names, values
German dates, moments in Europe/Berlin, German numbers, Ja/Nein, "leer", choice labels; no raw key,
no Python dict or list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from verbund.audit.actions import ACTIONS, AuditAction, describe
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import change_lines, field_label, format_value, object_type_label, present


def test_values_are_german() -> None:
    assert format_value("2025-01-31") == "31.01.2025"
    assert format_value(dt.date(2025, 1, 31)) == "31.01.2025"
    # 13:05 UTC in winter is 14:05 in Berlin; in summer 15:05.
    assert format_value("2025-01-31T13:05:00+00:00") == "31.01.2025, 14:05 Uhr"
    assert format_value(dt.datetime(2025, 7, 1, 13, 5, tzinfo=ZoneInfo("UTC"))) == "01.07.2025, 15:05 Uhr"
    assert format_value("6500.00") == "6.500,00"
    assert format_value(Decimal("1234.5")) == "1.234,5"
    assert format_value(1250) == "1.250"
    assert format_value(2025, name="year") == "2025"
    assert format_value(True) == "Ja" and format_value(False) == "Nein"
    assert format_value(None) == "leer" and format_value("") == "leer" and format_value([]) == "leer"
    assert format_value(["A", "B"]) == "A, B"
    assert format_value({"name": "Kfz", "year": 2025}) == "Name: Kfz; Jahr: 2025"
    assert format_value("Landstuhl") == "Landstuhl"


def test_field_labels_and_choices_come_from_the_model() -> None:
    assert object_type_label("alliances.alliance") == "Kooperationsverbund"
    assert object_type_label("gibt.es_nicht") == "Es nicht"
    assert field_label("alliances.alliance", "start_date") == "Beginn"
    assert field_label("alliances.alliance", "is_published") == "Veröffentlicht"
    assert field_label("alliances.alliance", "members") != "members"
    assert field_label("x.y", "annual_cost") == "Jahreskosten"
    assert field_label("x.y", "some_thing") == "Some thing"
    lines = change_lines(
        "alliances.alliance",
        {
            "status": ["idee", "anbahnung"],
            "is_published": [False, True],
            "reported_grant_eur": [None, "6500.00"],
            "start_date": "2025-03-01",
        },
    )
    assert [str(line) for line in lines] == [
        "Status: Idee → Anbahnung",
        "Veröffentlicht: Nein → Ja",
        "Gemeldete Förderung (EUR): leer → 6.500,00",
        "Beginn: 01.03.2025",
    ]


def test_no_python_structures_reach_the_text() -> None:
    lines = change_lines("x.y", {"removed": {"items": [1, 2], "flag": None}, "period": [["a", "b"], "c"]})
    text = "; ".join(str(line) for line in lines)
    for raw in ("{", "}", "[", "]", "None", "'"):
        assert raw not in text, text


def test_sentence_of_a_declared_action_and_of_an_old_undeclared_one() -> None:
    action = ACTIONS["alliance.create"]
    assert isinstance(action, AuditAction)
    entry = AuditEntry(
        actor_label="Demodaten",
        is_system=True,
        action="alliance.create",
        object_type="alliances.alliance",
        object_repr="Cyber",
        changes={},
        at=dt.datetime(2025, 1, 31, 13, 5, tzinfo=ZoneInfo("UTC")),
    )
    view = present(entry)
    assert view.sentence == "Demodaten hat den Verbund „Cyber“ angelegt."
    assert view.at_text == "31.01.2025, 14:05 Uhr"
    assert view.object_type_label == "Kooperationsverbund"
    old = AuditEntry(
        actor_label="erika", action="thing_do", object_type="alliances.alliance", object_repr="X"
    )
    assert present(old).sentence == "erika hat Kooperationsverbund „X“ bearbeitet."
    assert describe("alliance.create") == "hat den Verbund … angelegt"


@pytest.mark.parametrize("code", sorted(ACTIONS))
def test_every_declared_action_renders_a_sentence(code: str) -> None:
    text = ACTIONS[code].render(actor="Erika", object_repr="Objekt")
    assert text.startswith("Erika ") and text.endswith(".") and "{" not in text
