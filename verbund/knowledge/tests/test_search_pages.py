"""The public search pages (``/wissen/ratsinfo/``) and the API (``/api/v1/knowledge/council/…``):
no login, highlighted passages, filters, links to the source, deleted objects, errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from verbund.knowledge.models import OParlType
from verbund.registry.tests.factories import BodyFactory

from .test_search import council, document

SEARCH = "/wissen/ratsinfo/"
API = "/api/v1/knowledge/council/search"


@pytest.fixture
def world(db: Any) -> Any:
    mainz = BodyFactory.create(name="Mainz")
    trier = BodyFactory.create(name="Trier")
    mainz_ris = council("RIS Mainz", body=mainz)
    trier_ris = council("RIS Trier", body=trier)
    paper = document(
        mainz_ris,
        "Beschlussvorlage: Die Stadt beschafft Notstromaggregate für einen flächendeckenden Stromausfall.",
        name="Notstrom für die <Feuerwehr>",
        reference="BV/2025/021",
        date=dt.date(2025, 6, 3),
        data={"web": "https://ris.mainz.example.org/vorlage/21", "mainFile": {"id": "https://m/file/1"}},
    )
    attachment = document(
        mainz_ris,
        "Anlage: Angebot für Notstromaggregate.",
        type=OParlType.FILE,
        name="Anlage 1 Angebot",
        oparl_id="https://m/file/1",
        date=dt.date(2025, 6, 1),
        data={"accessUrl": "https://ris.mainz.example.org/dokument/1.pdf"},
    )
    trier_paper = document(trier_ris, "Stromausfall im Rathaus Trier.", date=dt.date(2024, 2, 1))
    gone = document(
        mainz_ris, "Gelöschte Vorlage über Notstromaggregate.", name="Zurückgezogen", deleted=True
    )
    return type(
        "World",
        (),
        {
            "mainz": mainz,
            "trier": trier,
            "paper": paper,
            "attachment": attachment,
            "trier_paper": trier_paper,
            "gone": gone,
        },
    )


# --- the page ----------------------------------------------------------------------------------------


def test_the_search_page_is_public_and_lists_the_newest_without_a_query(client: Client, world: Any) -> None:
    response = client.get(SEARCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert html.index("Notstrom für die &lt;Feuerwehr&gt;") < html.index("Anlage 1 Angebot")
    assert "Zurückgezogen" not in html
    assert "3 Dokumente, neueste zuerst" in html


def test_results_show_passage_type_date_city_and_links(client: Client, world: Any) -> None:
    response = client.get(SEARCH, {"q": "Notstromaggregate"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 Treffer" in html
    assert "<mark>Notstromaggregate</mark>" in html
    assert "Drucksache" in html and "Datei" in html
    assert "03.06.2025" in html and "Mainz" in html and "BV/2025/021" in html
    assert 'href="https://ris.mainz.example.org/vorlage/21"' in html  # the object's web page
    assert f'href="{world.attachment.oparl_id}"' in html  # no web page: its OParl id
    assert f'href="/wissen/ratsinfo/{world.paper.pk}/?q=Notstromaggregate"' in html
    assert "Zurückgezogen" not in html
    assert "<Feuerwehr>" not in html


def test_the_page_filters(client: Client, world: Any) -> None:
    def found(**params: Any) -> set[int]:
        html = client.get(SEARCH, {"q": "Stromausfall", **params}).content.decode()
        return {obj.pk for obj in (world.paper, world.trier_paper) if f"/wissen/ratsinfo/{obj.pk}/" in html}

    assert found() == {world.paper.pk, world.trier_paper.pk}
    assert found(stadt=world.mainz.ars) == {world.paper.pk}
    assert found(stadt=world.trier.ars) == {world.trier_paper.pk}
    assert found(typ=OParlType.FILE) == set()
    assert found(von="01.01.2024", bis="31.12.2024") == {world.trier_paper.pk}
    assert found(von="2025-01-01", sortierung="date") == {world.paper.pk}


def test_bad_filters_show_an_error_and_no_results(client: Client, world: Any) -> None:
    response = client.get(SEARCH, {"q": "Stromausfall", "von": "2025-02-01", "bis": "2025-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Das Datum „bis“ liegt vor dem Datum „von“." in html
    assert "Treffer" not in html

    only_excluding = client.get(SEARCH, {"q": "-Stromausfall"}).content.decode()
    assert "Minuszeichen" in only_excluding

    unknown_city = client.get(SEARCH, {"q": "Stromausfall", "stadt": "999999999999"}).content.decode()
    assert "Bitte prüfen Sie Ihre Angaben" in unknown_city


def test_the_object_page_shows_the_text_marked_and_its_files(client: Client, world: Any) -> None:
    response = client.get(f"/wissen/ratsinfo/{world.paper.pk}/", {"q": "Notstromaggregate"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<mark>Notstromaggregate</mark>" in html
    assert "https://ris.mainz.example.org/vorlage/21" in html
    assert f'href="/wissen/ratsinfo/{world.attachment.pk}/"' in html  # its main file

    attachment = client.get(f"/wissen/ratsinfo/{world.attachment.pk}/").content.decode()
    assert "https://ris.mainz.example.org/dokument/1.pdf" in attachment
    assert "<mark>" not in attachment


def test_a_deleted_object_explains_itself_and_a_missing_one_is_404(client: Client, world: Any) -> None:
    response = client.get(f"/wissen/ratsinfo/{world.gone.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "gelöscht" in html
    assert "Gelöschte Vorlage über Notstromaggregate" not in html
    assert client.get("/wissen/ratsinfo/999999/").status_code == 404


# --- the API -----------------------------------------------------------------------------------------


def test_api_search_answers_hits_with_passages_and_links(client: Client, world: Any) -> None:
    response = client.get(API, {"q": "Notstromaggregate"})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    first = next(item for item in body["items"] if item["id"] == world.paper.pk)
    assert first["type"] == "Paper" and first["type_label"] == "Drucksache"
    assert first["city"] == {"ars": world.mainz.ars, "name": "Mainz"}
    assert first["web_url"] == "https://ris.mainz.example.org/vorlage/21"
    assert first["date"] == "2025-06-03" and first["reference"] == "BV/2025/021"
    assert "<mark>Notstromaggregate</mark>" in first["snippet_html"]
    assert first["name_html"] == "Notstrom für die &lt;Feuerwehr&gt;"
    assert first["rank"] > 0
    assert world.gone.pk not in [item["id"] for item in body["items"]]


def test_api_search_filters_and_pages(client: Client, world: Any) -> None:
    def found(**params: Any) -> list[int]:
        response = client.get(API, {"q": "Stromausfall", **params})
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert set(found()) == {world.paper.pk, world.trier_paper.pk}
    assert found(city=world.trier.ars) == [world.trier_paper.pk]
    assert found(type="File") == []
    assert found(**{"from": "2025-01-01"}) == [world.paper.pk]
    assert found(**{"to": "2024-12-31"}) == [world.trier_paper.pk]
    assert found(body=world.paper.body_url) == [world.paper.pk]
    assert found(sort="date") == [world.paper.pk, world.trier_paper.pk]
    assert found(limit=1, offset=1, sort="date") == [world.trier_paper.pk]
    everything = client.get(API, {"type": ["Paper", "File"]}).json()
    assert everything["count"] == 3


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"city": "07"}, "city"),
        ({"type": "Akte"}, "type"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "Das Datum „bis“ liegt vor dem Datum „von“."),
        ({"q": "-Stromausfall"}, "Minuszeichen"),
        ({"q": "x" * 501}, "q"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_api_refuses_bad_parameters(client: Client, world: Any, params: dict[str, str], says: str) -> None:
    response = client.get(API, params)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert says in response.json()["detail"]


def test_api_search_costs_the_same_queries_for_more_hits(client: Client, world: Any) -> None:
    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(API, {"q": "Notstromaggregate", "limit": str(limit)}).status_code == 200
        return len(captured)

    for n in range(20):
        document(world.paper.source, f"Notstromaggregate Nummer {n}")
    assert queries(2) == queries(20)


def test_api_object(client: Client, world: Any) -> None:
    response = client.get(f"/api/v1/knowledge/council/objects/{world.paper.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["text"].startswith("Beschlussvorlage")
    assert body["data"]["web"] == "https://ris.mainz.example.org/vorlage/21"
    assert body["deleted"] is False and body["city"]["name"] == "Mainz"

    gone = client.get(f"/api/v1/knowledge/council/objects/{world.gone.pk}").json()
    assert gone["deleted"] is True and gone["text"] == "" and gone["data"] == {}

    missing = client.get("/api/v1/knowledge/council/objects/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_every_input_of_the_search_page_has_a_label(client: Client, world: Any) -> None:
    html = client.get(SEARCH, {"q": "Stromausfall"}).content.decode()

    labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(?:hidden|submit|button)"', tag):
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag)
        assert "aria-label=" in tag or (input_id and input_id[1] in labels), f"input without a label: {tag}"
    assert re.search(r'<html[^>]*\blang="de"', html)
