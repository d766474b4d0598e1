"""Full-text search over council documents (:mod:`verbund.knowledge.services.search`), on the
database the suite runs on (SQLite FTS5 or PostgreSQL ``german``): ranking for a known passage,
German stemming, query syntax, filters, deleted objects, the index kept in sync, safe highlights,
queries that look like SQL or search syntax, pagination. Rows are created directly (the harvester
fills them in production)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from verbund.common.errors import Invalid
from verbund.knowledge.models import OParlObject, OParlSource, OParlType
from verbund.knowledge.services import search as svc
from verbund.registry.tests.factories import BodyFactory

_serial = itertools.count(1)


def council(name: str = "Ratsinformationssystem Mainz", *, body: Any = None) -> OParlSource:
    n = next(_serial)
    return OParlSource.objects.create(url=f"https://ris{n}.example.org/oparl/v1/system", name=name, body=body)


def document(source: OParlSource, text: str = "", **values: Any) -> OParlObject:
    n = next(_serial)
    values.setdefault("type", OParlType.PAPER)
    values.setdefault("name", f"Drucksache {n}")
    values.setdefault("oparl_id", f"{source.url.removesuffix('/system')}/paper/{n}")
    values.setdefault("body_url", f"{source.url.removesuffix('/system')}/body/1")
    values.setdefault("harvested_at", timezone.now())
    return OParlObject.objects.create(source=source, text=text, **values)


def ids(q: str = "", **filters: Any) -> list[OParlObject]:
    """The objects found (in order; a model instance equals another of the same id)."""
    sort = filters.pop("sort", svc.SortOrder.RELEVANCE)
    return [OParlObject(pk=hit.id) for hit in svc.search(q, svc.Filters(**filters), sort=sort)[0:100]]


FILLER = (
    "Der Rat der Stadt berät über die Verwaltung, die Finanzen und die Beschlüsse der Ausschüsse. "
    "Die Verwaltung legt dem Rat die Vorlage zur Kenntnisnahme vor. "
)


# --- ranking -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_object_with_a_rare_phrase_ranks_first() -> None:
    source = council()
    for n in range(8):
        document(source, FILLER * 3 + f"Stromversorgung Abschnitt {n}.")
    scattered = document(
        source,
        "Ein Stromausfall im Ortsteil. " + FILLER * 2 + "Die Versorgung war flächendeckender als geplant.",
    )
    mentions = document(source, FILLER + "Bericht über den Stromausfall vom Januar.")
    target = document(
        source,
        FILLER + "Für einen flächendeckenden Stromausfall werden zwei Notstromaggregate beschafft. " + FILLER,
        name="Informationsvorlage Verwaltungsstab",
    )

    words = ids("flächendeckenden Stromausfall")
    phrase = ids('"flächendeckenden Stromausfall"')

    assert words[0] == target
    assert set(words) == {target, scattered}
    assert phrase == [target]
    assert mentions in ids("Stromausfall")


@pytest.mark.django_db
def test_name_and_reference_weigh_more_than_the_text() -> None:
    source = council()
    in_text = document(source, FILLER + "Der Bebauungsplan wird ausgelegt. " + FILLER, name="Vorlage 1")
    in_name = document(source, FILLER * 2, name="Bebauungsplan Am Mühlbach")
    by_reference = document(source, FILLER * 2, name="Vorlage 2", reference="BV/2025/014")

    assert ids("Bebauungsplan")[:2] == [in_name, in_text]
    assert ids("BV/2025/014") == [by_reference]


# --- German -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stemming_finds_the_inflected_forms() -> None:
    source = council()
    plan = document(source, "Der Haushaltsplan 2026 wird beraten.")
    genitive = document(source, "Entwurf des Haushaltsplanes für das Jahr 2027.")
    gardens = document(source, "Pflege der städtischen Gärten.")
    document(source, "Etwas ganz anderes: Feuerwehr und Rettungsdienst.")

    assert set(ids("Haushaltsplanes")) == {plan, genitive}
    assert set(ids("Haushaltsplan")) == {plan, genitive}
    assert ids("Garten") == [gardens]
    assert ids("gaerten") == [] or ids("gaerten") == [gardens]  # spelled out: not required


@pytest.mark.django_db
def test_prefix_phrase_and_exclusion() -> None:
    source = council()
    cyber = document(source, "Zweckvereinbarung Interkommunale Cybersicherheit mit Nordtal.")
    flood = document(source, "Hochwasser und Stromausfall im Verwaltungsstab.")
    power = document(source, "Stromausfall: zwei Notstromaggregate werden beschafft.")

    assert ids("Cyber*") == [cyber]
    assert ids('"interkommunale Cybersicherheit"') == [cyber]
    assert ids('"Cybersicherheit interkommunale"') == []
    assert set(ids("Stromausfall")) == {flood, power}
    assert ids("Stromausfall -Hochwasser") == [power]
    assert ids('Stromausfall -"zwei Notstromaggregate"') == [flood]


@pytest.mark.django_db
def test_a_query_of_stop_words_finds_nothing_and_exclusion_alone_is_refused() -> None:
    source = council()
    document(source, "Der Rat und die Verwaltung.")

    assert ids("der und die") == []
    assert svc.search("der und die").count() == 0
    with pytest.raises(Invalid) as refused:
        svc.search("-Verwaltung")
    assert "q" in refused.value.fields


# --- filters ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filters_by_city_source_body_type_and_date() -> None:
    mainz = BodyFactory.create(name="Mainz")
    trier = BodyFactory.create(name="Trier")
    mainz_ris = council("RIS Mainz", body=mainz)
    trier_ris = council("RIS Trier", body=trier)
    unassigned = council("RIS ohne Zuordnung")
    text = "Radverkehrskonzept für die Innenstadt"
    paper_mainz = document(mainz_ris, text, date=dt.date(2025, 3, 1))
    file_mainz = document(mainz_ris, text, type=OParlType.FILE, date=dt.date(2025, 9, 1))
    paper_trier = document(
        trier_ris, text, date=dt.date(2024, 6, 30), body_url="https://trier.example.org/body/7"
    )
    other = document(unassigned, text)

    assert set(ids("Radverkehrskonzept")) == {paper_mainz, file_mainz, paper_trier, other}
    assert set(ids("Radverkehrskonzept", city=mainz.ars)) == {paper_mainz, file_mainz}
    assert ids("Radverkehrskonzept", city=trier.ars) == [paper_trier]
    assert ids("Radverkehrskonzept", source_id=unassigned.pk) == [other]
    assert ids("Radverkehrskonzept", city=mainz.ars, source_id=trier_ris.pk) == []
    assert ids("Radverkehrskonzept", body_url="https://trier.example.org/body/7") == [paper_trier]
    assert ids("Radverkehrskonzept", types=(OParlType.FILE,)) == [file_mainz]
    assert set(ids("Radverkehrskonzept", types=(OParlType.FILE, OParlType.PAPER), city=mainz.ars)) == {
        paper_mainz,
        file_mainz,
    }
    assert ids("Radverkehrskonzept", date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 6, 30)) == [
        paper_mainz
    ]
    assert ids("Radverkehrskonzept", date_to=dt.date(2024, 12, 31)) == [paper_trier]
    # without a query: every object of the filter, newest first, undated last
    assert ids(city=mainz.ars) == [file_mainz, paper_mainz]
    assert ids()[-1] == other
    assert ids("Radverkehrskonzept", sort=svc.SortOrder.DATE)[:3] == [file_mainz, paper_mainz, paper_trier]


@pytest.mark.django_db
def test_bad_filters_are_refused_with_the_field() -> None:
    for filters, field in (
        (svc.Filters(city="07315"), "city"),
        (svc.Filters(types=("Akte",)), "type"),
        (svc.Filters(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1)), "to"),
    ):
        with pytest.raises(Invalid) as refused:
            svc.search("Rat", filters)
        assert field in refused.value.fields
    with pytest.raises(Invalid):
        svc.search("x" * (svc.MAX_QUERY_LENGTH + 1))


# --- deleted objects and the index --------------------------------------------------------------------


@pytest.mark.django_db
def test_deleted_objects_are_never_returned_and_the_index_follows_changes() -> None:
    source = council()
    kept = document(source, "Sanierung der Grundschule am Markt")
    gone = document(source, "Sanierung der Grundschule im Tal", deleted=True)
    later = document(source, "Sanierung der Grundschule an der Mühle")

    assert set(ids("Grundschule")) == {kept, later}
    assert gone not in ids()

    later.deleted = True
    later.save()
    assert ids("Grundschule") == [kept]
    assert svc.search("Grundschule").count() == 1

    gone.deleted = False
    gone.save()
    assert set(ids("Grundschule")) == {kept, gone}

    kept.text = "Neubau der Kindertagesstätte"
    kept.save()
    assert ids("Grundschule") == [gone]
    assert ids("Kindertagesstätte") == [kept]

    OParlObject.objects.filter(pk=gone.pk).update(name="Schulbau", text="Turnhalle")
    assert ids("Grundschule") == []
    assert ids("Turnhalle") == [gone]

    OParlObject.objects.filter(pk=gone.pk).delete()
    assert ids("Turnhalle") == []


# --- highlights ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_highlights_escape_html_and_mark_only_the_hits() -> None:
    source = council()
    document(
        source,
        'Vorher <script>alert("x")</script> & <b>fett</b> die Wasserversorgung der Ortsgemeinde.',
        name="<img src=x onerror=alert(1)> Wasserversorgung",
    )

    hit = svc.search("Wasserversorgung")[0:1][0]

    for html in (hit.snippet_html, hit.name_html):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "<mark>Wasserversorgung</mark>" in html
        without_marks = html.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks and ">" not in without_marks.replace("&gt;", "")
    assert "&lt;b&gt;fett&lt;/b&gt;" in hit.snippet_html and "&amp;" in hit.snippet_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in hit.name_html


@pytest.mark.django_db
def test_the_whole_text_is_highlighted_for_a_query() -> None:
    source = council()
    obj = document(source, "Erster Absatz.\nDie <Wasserversorgung> der Gemeinde.\nLetzter Absatz.")

    marked = svc.highlighted_text(obj, "Wasserversorgung")
    plain = svc.highlighted_text(obj, "")

    assert "&lt;<mark>Wasserversorgung</mark>&gt;" in marked
    assert marked.startswith("Erster Absatz.") and marked.endswith("Letzter Absatz.")
    assert "<mark>" not in plain and "&lt;Wasserversorgung&gt;" in plain


def test_marked_html_balances_the_markers() -> None:
    start, end = svc.MARK_START, svc.MARK_END
    assert svc.marked_html(f"a {start}b{end} <c>") == "a <mark>b</mark> &lt;c&gt;"
    assert svc.marked_html(f"{end}a{start}{start}b") == "a<mark>b</mark>"
    assert svc.marked_html(None) == ""


def test_web_links_are_http_only() -> None:
    oparl_id = "https://ris.example.org/oparl/v1/paper/1"
    assert svc.web_url(oparl_id, "https://ris.example.org/vorlage/1") == "https://ris.example.org/vorlage/1"
    assert svc.web_url(oparl_id, "javascript:alert(1)") == oparl_id
    assert svc.web_url(oparl_id, {"x": 1}) == oparl_id
    assert svc.web_url(oparl_id, None) == oparl_id


# --- hostile queries ----------------------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE knowledge_oparlobject; --",
    '" OR 1=1 --',
    "Haushalt' OR '1'='1",
    "*",
    "-",
    "--",
    '"',
    '""',
    "'",
    "NEAR(Haushalt Plan, 2)",
    "Haushalt OR Plan",
    "name:Haushalt",
    "{name text}: Haushalt",
    "^Haushalt",
    "Haushalt) OR (Plan",
    "!! Haushalt & | : * <-> <2>",
    "Haushalt:* & !Plan",
    "\x00Haushalt\x00",
    "Haus\\halt",
    "%_%",
    "Haushalt" + "*" * 50,
    "a" * 400,
    " ".join(["Haushalt"] * 50),
    "\ue000Haushalt\ue001",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE)
def test_queries_that_look_like_sql_or_syntax_are_harmless(query: str) -> None:
    source = council()
    plan = document(source, "Der Haushaltsplan 2026. Haushalt und Plan.")

    results = svc.search(query)
    count = results.count()
    hits = results[0:20]

    assert count == len(hits) and count <= 1
    assert all(hit.id == plan.pk for hit in hits)
    assert OParlObject.objects.count() == 1
    for hit in hits:
        assert "<" not in hit.snippet_html.replace("<mark>", "").replace("</mark>", "")


# --- pagination ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_of_a_search() -> None:
    source = council()
    made = [
        document(source, f"Spielplatz Nummer {n}", date=dt.date(2025, 1, 1) + dt.timedelta(days=n))
        for n in range(25)
    ]

    results = svc.search("Spielplatz", sort=svc.SortOrder.DATE)
    first, second, last = results[0:10], results[10:20], results[20:30]

    assert results.count() == 25
    assert [len(first), len(second), len(last)] == [10, 10, 5]
    assert [h.id for h in first + second + last] == [d.pk for d in reversed(made)]
    assert results[100:110] == []
    assert results[3].id == made[-4].pk


# --- pure: parsing and stemming -----------------------------------------------------------------------


def test_parse_query() -> None:
    parsed = svc.parse_query('Haushalt "offene Posten" -Entwurf Cyber* -"alter Plan" der BV/2025/014')

    assert [(t.kind, t.text, t.negated) for t in parsed.terms] == [
        (svc.TermKind.WORD, "Haushalt", False),
        (svc.TermKind.PHRASE, "offene Posten", False),
        (svc.TermKind.WORD, "Entwurf", True),
        (svc.TermKind.PREFIX, "Cyber", False),
        (svc.TermKind.PHRASE, "alter Plan", True),
        (svc.TermKind.WORD, "BV/2025/014", False),
    ]
    assert parsed.terms[-1].tokens == ("bv", "2025", "014")
    assert svc.parse_query("").typed is False
    assert svc.parse_query("der die das").searchable is False
    assert svc.parse_query("der die das").typed is True
    assert len(svc.parse_query(" ".join(f"w{n}" for n in range(100))).terms) == svc.MAX_TERMS


def test_german_stem_as_snowball() -> None:
    stems = {
        "Haushaltsplanes": "haushaltsplan",
        "Haushaltsplan": "haushaltsplan",
        "Cybersicherheit": "cybersich",
        "interkommunale": "interkommunal",
        "Gärten": "gart",
        "Straße": "strass",
        "Ergebnisse": "ergebnis",
        "Möglichkeit": "moglich",
        "Ordnungen": "ordnung",
        "beschafft": "beschafft",
    }
    assert {word: svc.german_stem(word) for word in stems} == stems


@pytest.mark.django_db
def test_postgresql_stems_as_the_python_stemmer() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("compares with PostgreSQL's german_stem")
    words = ["Haushaltsplanes", "Cybersicherheit", "Notstromaggregate", "Zweckvereinbarung", "Kenntnisnahme"]
    with connection.cursor() as cursor:
        for word in words:
            cursor.execute("SELECT ts_lexize('german_stem', %s)", [word.lower()])
            assert cursor.fetchone()[0] == [svc.german_stem(word)]
