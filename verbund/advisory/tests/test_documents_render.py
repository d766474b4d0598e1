"""The template language of the model agreements: the check (names and lines), the gaps, the
repetition per member and the signature block (pure: no database)."""

from __future__ import annotations

import importlib

import pytest

from verbund.advisory import documents_render as render

SEEDS = importlib.import_module("verbund.advisory.migrations.0002_seed_templates").SEEDS

TEXT = """# Zweckvereinbarung
Zwischen {{ verbund.mitglieder }}.
## § Gegenstand
(#) Die {{ federfuehrend.name }} erfüllt {{ aufgabe }}.
(#) Die Kosten: {{ kostenschluessel }}
## § Inkrafttreten
(#) Genehmigung durch {{ aufsichtsbehoerde }}.
{% für jedes mitglied %}
- {{ mitglied.name }} beschließt im {{ mitglied.gremium }} am {{ sitzungsdatum }}.
{% ende %}
{{ unterschriften }}
"""
VALUES = {
    "verbund.mitglieder": "Verbandsgemeinde Ahorn und Verbandsgemeinde Buche",
    "federfuehrend.name": "Verbandsgemeinde Ahorn",
    "aufgabe": "Standesamt",
    "kostenschluessel": None,
    "aufsichtsbehoerde": "Kreisverwaltung Südwestpfalz",
}
MEMBERS = [
    {"mitglied.name": "Verbandsgemeinde Ahorn", "mitglied.gremium": "Verbandsgemeinderat"},
    {"mitglied.name": "Verbandsgemeinde Buche", "mitglied.gremium": ""},
]


def test_a_correct_text_has_no_problems() -> None:
    assert render.check(TEXT) == []


def test_an_unknown_placeholder_is_named_with_its_line() -> None:
    problems = render.check("# Titel\nText\nDie {{ verbund.nmae }} beschließt.")
    assert problems == ["Zeile 3: Unbekannter Platzhalter „verbund.nmae“."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ verbund.name.__class__ }}", "Zeile 1: „verbund.name.__class__“ ist kein Platzhalter"),
        ("\n{{ verbund.name|upper }}", "Zeile 2: „verbund.name|upper“ ist kein Platzhalter"),
        ("{{ mitglied.name }}", "Zeile 1: „mitglied.name“ gibt es nur innerhalb"),
        ("a\n{% für jedes mitglied %}\nb", "Zeile 2: „{% für jedes mitglied %}“ wird nicht"),
        ("{% ende %}", "Zeile 1: „{% ende %}“ ohne vorheriges"),
        ("{% if x %}", "Zeile 1: Unbekannte Anweisung „if x“"),
        ("a\nb\nDie {{ verbund.name }", "Zeile 3: Ein Platzhalter ist nicht geschlossen"),
        ("Text {{ unterschriften }}", "Zeile 1: „{{ unterschriften }}“ muss allein"),
    ],
)
def test_mistakes_name_their_line(text: str, expected: str) -> None:
    problems = render.check(text)
    assert problems and problems[0].startswith(expected), problems


def test_validate_refuses_an_empty_text_and_unknown_names() -> None:
    with pytest.raises(render.TemplateError) as raised:
        render.validate("  \n")
    assert raised.value.problems == ["Der Text ist leer."]
    with pytest.raises(render.TemplateError):
        render.fill("{{ geheim }}", {})


def test_missing_data_renders_as_a_visible_gap() -> None:
    document = render.fill(TEXT, VALUES, MEMBERS)
    text = document.text()
    assert "Die Kosten: [Kostenschlüssel eintragen]" in text
    assert "am [Sitzungsdatum eintragen]" in text
    assert "Verbandsgemeinde Buche beschließt im [Gremium eintragen]" in text
    assert set(document.gaps) == {"kostenschluessel", "sitzungsdatum", "mitglied.gremium"}
    assert "{{" not in text and "{%" not in text


def test_sections_and_paragraphs_are_numbered_and_members_repeated() -> None:
    document = render.fill(TEXT, VALUES, MEMBERS)
    headings = [b.full_text for b in document.blocks if b.kind == render.HEADING]
    assert headings == ["§ 1 Gegenstand", "§ 2 Inkrafttreten"]
    numbered = [b.number for b in document.blocks if b.kind == render.NUMBERED]
    assert numbered == ["(1)", "(2)", "(1)"]  # the count starts again after a heading
    bullets = [b.text for b in document.blocks if b.kind == render.BULLET]
    assert [b.split(" beschließt")[0] for b in bullets] == [
        "Verbandsgemeinde Ahorn",
        "Verbandsgemeinde Buche",
    ]
    assert document.title == "Zweckvereinbarung"


def test_a_signature_block_per_member() -> None:
    document = render.fill(TEXT, VALUES, MEMBERS)
    (block,) = [b for b in document.blocks if b.kind == render.SIGNATURE_BLOCK]
    assert [s.name for s in block.signers] == ["Für Verbandsgemeinde Ahorn", "Für Verbandsgemeinde Buche"]


def test_a_value_is_never_evaluated() -> None:
    document = render.fill("Name: {{ verbund.name }}", {"verbund.name": "{{ datum }} {% ende %}"})
    assert document.text() == "Name: {{ datum }} {% ende %}"


@pytest.mark.parametrize("seed", SEEDS, ids=[s["slug"] for s in SEEDS])
def test_the_model_texts_pass_the_check_and_name_their_law(seed: dict[str, str]) -> None:
    assert render.check(seed["body"]) == []
    assert seed["source"]
    assert "ersetzt keine Rechtsberatung" in seed["body"]


def test_the_zweckvereinbarung_covers_what_the_law_asks() -> None:
    (seed,) = [s for s in SEEDS if s["slug"] == "zweckvereinbarung"]
    body = seed["body"]
    for needed in (
        "{{ kostenschluessel }}",
        "{{ aufsichtsbehoerde }}",
        "§ 12 Abs. 2 KomZG",
        "Kündigung",
        "Inkrafttreten",
    ):
        assert needed in body, needed
    assert "KomZG" in seed["source"]


def test_the_resolution_draft_has_its_parts() -> None:
    (seed,) = [s for s in SEEDS if s["slug"] == "beschlussvorlage-rat"]
    for part in ("## Sachverhalt", "## Beschlussvorschlag", "## Finanzielle Auswirkungen"):
        assert part in seed["body"]
