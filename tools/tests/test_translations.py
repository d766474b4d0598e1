"""The catalogues are complete: every marked text has an English translation, and no template holds
text a user reads that is not marked for translation (tools/translations.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import translations


@pytest.mark.parametrize("part", translations.parts(), ids=lambda part: part.name)
def test_every_marked_text_has_an_english_translation(part: Path) -> None:
    gaps = [f"{m.where}: {m.msgid!r}" for m in translations.missing(part, "en")]
    assert not gaps, f"{len(gaps)} text(s) without English translation " + "\n".join(gaps[:40])


@pytest.mark.parametrize("part", translations.parts(), ids=lambda part: part.name)
def test_no_template_text_is_left_unmarked(part: Path) -> None:
    problems = [
        f"{path.relative_to(translations.ROOT)}:{problem}"
        for path in sorted((part / "templates").rglob("*.html"))
        if not translations.official_document(path)
        for problem in translations.unmarked(path)
    ]
    assert not problems, f"{len(problems)} unmarked text(s):\n" + "\n".join(problems[:40])


def test_the_checker_finds_unmarked_text_and_accepts_marked_text(tmp_path: Path) -> None:
    template = tmp_path / "t.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Verbünde" %}</h1>\n'
        '<p title="Hinweis">{{ value }} Euro</p>\n'
        "{% blocktranslate %}Frei {{ x }}{% endblocktranslate %} <abbr>PDF</abbr>\n",
        encoding="utf-8",
    )
    problems = translations.unmarked(template)
    assert problems == ["2: title='Hinweis'", "2: 'Euro'"]


def test_the_extractor_reads_python_and_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    part = tmp_path / "teil"
    (part / "templates").mkdir(parents=True)
    (part / "views.py").write_text('from x import gettext as _\nA = _("Antrag")\n', encoding="utf-8")
    (part / "templates" / "a.html").write_text(
        '{% load i18n %}\n  <p>{% translate "Bescheid" %}</p>', encoding="utf-8"
    )
    monkeypatch.setattr(translations, "ROOT", tmp_path)
    found = {message.msgid: message.where for message in translations.extract(part)}
    assert found == {"Antrag": "teil/views.py:2", "Bescheid": "teil/templates/a.html:2"}


def test_official_documents_are_left_to_german(tmp_path):
    """Notices, invoices and letters extend ``common/pdf/…`` and stay German: ``unmarked`` skips them,
    while an ordinary page with the same text is reported."""
    from tools.translations import official_document, templates

    notice = tmp_path / "notice.html"
    notice.write_text('{% extends "common/pdf/letter.html" %}{% block body %}<p>Bescheid</p>{% endblock %}')
    page = tmp_path / "page.html"
    page.write_text('{% extends "base.html" %}{% block content %}<p>Bescheid</p>{% endblock %}')
    assert official_document(notice)
    assert not official_document(page)
    assert translations.unmarked(page)
    listed = {path.name for path in templates()}
    assert "grant_notice.html" not in listed and "letter.html" not in listed
    assert "portfolio.html" in listed
