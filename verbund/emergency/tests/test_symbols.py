"""The tactical vocabulary is read from the data directory (with a built-in fallback of real
entries) and every symbol is drawn as a well-formed SVG document of its own, text escaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from verbund.emergency import symbols

SVG = "{http://www.w3.org/2000/svg}"


def test_vocabulary_comes_from_the_data_directory() -> None:
    vocabulary = symbols.vocabulary()
    assert vocabulary.source == "data_dir"
    # 8 + 42 + 8 + 6 + 2 + 36 entries in the file (SOURCES.md)
    assert len(vocabulary.symbols) == 102
    assert symbols.is_known("fachaufgaben/wasserversorgung")
    assert symbols.label("organisationen/thw") == "THW"
    assert not symbols.is_known("fachaufgaben/zauberei")
    groups = [name for name, _members in vocabulary.grouped()]
    assert str(groups[0]) == "Fachaufgaben"


def test_without_the_file_the_builtin_entries_stand_in(settings, tmp_path) -> None:
    settings.VERBUND_DATA_DIR = tmp_path
    vocabulary = symbols.vocabulary()
    assert vocabulary.source == "builtin"
    assert symbols.is_known("fachaufgaben/versorgung-elektrizitaet")
    assert symbols.label("organisationen/feuerwehr") == "Feuerwehr"


def test_a_broken_file_falls_back_and_a_changed_file_is_read_again(settings, tmp_path) -> None:
    settings.VERBUND_DATA_DIR = tmp_path
    path = tmp_path / symbols.TAXONOMY_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{kaputt", encoding="utf-8")
    assert symbols.vocabulary().source == "builtin"
    path.write_text(json.dumps({"taxonomy": {"eigene": [{"id": "x", "label": "Eigenes"}]}}), encoding="utf-8")
    import os

    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert symbols.vocabulary().source == "data_dir"
    assert symbols.is_known("eigene/x") and not symbols.is_known("organisationen/thw")


@pytest.mark.parametrize(
    ("symbol", "kind", "shape"),
    [
        ("fachaufgaben/wasserversorgung", "kraft", "rect"),
        ("organisationen/feuerwehr", "einrichtung", "circle"),
        ("", "schaden", "path"),
        ("", "gebiet", "rect"),
        ("grundzeichen/stelle", "kraft", "circle"),
        ("grundzeichen/befehlsstelle", "kraft", "rect"),
        ("", "sonstiges", "path"),
    ],
)
def test_every_frame_is_a_well_formed_svg(symbol: str, kind: str, shape: str) -> None:
    root = ET.fromstring(symbols.svg(symbol, kind, title="Titel & <mehr>"))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}{shape}") is not None
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Titel & <mehr>"


def test_the_text_is_escaped_and_short() -> None:
    root = ET.fromstring(symbols.svg("", "kraft", '<script>"&'))
    text = root.find(f"{SVG}text")
    assert text is not None and text.text == "<scrip"
    assert symbols.short_text("fachaufgaben/versorgung-elektrizitaet") == "Strom"
    assert symbols.short_text("", "Notunterkunft Halle") == "Notunt"


def test_colours_follow_the_organisation() -> None:
    root = ET.fromstring(symbols.svg("organisationen/thw", "kraft"))
    rect, text = root.find(f"{SVG}rect"), root.find(f"{SVG}text")
    assert rect is not None and rect.get("fill") == "#003399"
    assert text is not None and text.text == "THW"


def test_data_uri_holds_the_same_document() -> None:
    uri = symbols.data_uri("fachaufgaben/betreuung", "einrichtung")
    prefix = "data:image/svg+xml;charset=utf-8,"
    assert uri.startswith(prefix)
    ET.fromstring(unquote(uri[len(prefix) :]))
