"""Probes of the council search through the API and the pages: search syntax, very long queries and
odd characters give results or a 422, never a 500; names and texts with HTML come back escaped
(only ``<mark>`` is markup); deleted objects never show their text or data; links are http(s)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from verbund.knowledge.models import OParlType
from verbund.knowledge.tests.test_search import council, document

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/knowledge/council/search"
OBJECT = "/api/v1/knowledge/council/objects"
PAGE = "/wissen/ratsinfo/"
SCRIPT = "<script>alert('x')</script>"

QUERIES = [
    "*",
    "name:*",
    "name:Haushalt",
    "text:Haushalt",
    "oparl_object_fts:Haushalt",
    "rowid:1",
    'NEAR("Haushalt" "Plan", 0)',
    "Haushalt NOT Plan AND OR",
    '"Haushalt',
    'Haushalt"""',
    "-Haushalt",
    "- - -",
    "Haushalt* *Plan",
    "(((((Haushalt",
    "Haushalt\u00a0Plan",
    "Haushalt\u200bPlan",
    "😀 Haushalt",
    "Straße ß ẞ İstanbul",
    "x" * 499,
    "Haushalt " * 60,
    "' OR 1=1; DROP TABLE knowledge_oparlobject; --",
    "\\",
    "\ud7ff\ue000\uffff",
]


@pytest.fixture
def plan() -> Any:
    return document(council(), "Der Haushaltsplan 2026. Haushalt und Plan.", name="Haushaltsplan")


def _plain(html: str) -> str:
    return html.replace("<mark>", "").replace("</mark>", "")


@pytest.mark.parametrize("q", QUERIES)
def test_search_syntax_gives_results_or_a_422(client: Client, plan: Any, q: str) -> None:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert response.json()["code"] == "invalid"
    else:
        for hit in response.json()["items"]:
            assert "<" not in _plain(hit["snippet_html"]) and "<" not in _plain(hit["name_html"])
    page = client.get(PAGE, {"q": q})
    assert page.status_code in (200, 422)


@pytest.mark.parametrize("q", ["x" * 501, "Haushalt " * 80])
def test_a_too_long_query_is_a_422_naming_q(client: Client, plan: Any, q: str) -> None:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("q")


@pytest.mark.parametrize(
    ("params", "name"), [({"q": "-Haushalt"}, "q"), ({"from": "2025-02-01", "to": "2025-01-01"}, "to")]
)
def test_a_service_refusal_names_the_parameter(
    client: Client, plan: Any, params: dict[str, str], name: str
) -> None:
    response = client.get(SEARCH, params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{name}: ")


def test_a_nul_in_the_query_is_refused_or_ignored(client: Client, plan: Any) -> None:
    response = client.get(SEARCH, {"q": "Haus\x00halt"})
    assert response.status_code in (200, 422)
    assert client.get(PAGE, {"q": "Haus\x00halt"}).status_code in (200, 422)
    assert client.get(f"{OBJECT}/{plan.pk}").status_code == 200
    assert client.get(f"/wissen/ratsinfo/{plan.pk}/", {"q": "Haus\x00halt"}).status_code == 200


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"page": "-1"}, {"page": "x"}, {"offset": "-5"}, {"limit": "0"}]
)
def test_odd_paging_is_a_422_or_a_page(client: Client, plan: Any, params: dict[str, str]) -> None:
    assert client.get(SEARCH, {"q": "Haushalt", **params}).status_code in (200, 422)
    assert client.get(PAGE, {"q": "Haushalt", **params}).status_code in (200, 404, 422)


def test_html_in_names_and_texts_is_escaped_everywhere(client: Client) -> None:
    source = council(name=SCRIPT)
    obj = document(
        source,
        f"Beschluss zum Radweg {SCRIPT} und <img src=x onerror=alert(1)> Radweg.",
        name=f"Radweg {SCRIPT}",
        reference="<b>Ref</b>",
    )
    hits = client.get(SEARCH, {"q": "Radweg"}).json()["items"]
    assert [h["id"] for h in hits] == [obj.pk]
    assert "<mark>" in hits[0]["snippet_html"] or "<mark>" in hits[0]["name_html"]
    for key in ("snippet_html", "name_html"):
        assert "<" not in _plain(hits[0][key]), hits[0][key]
    for q in ("Radweg", "script", "alert", "img"):
        for url in (PAGE, f"/wissen/ratsinfo/{obj.pk}/"):
            html = client.get(url, {"q": q}).content.decode()
            assert SCRIPT not in html and "<img src=x" not in html and "<b>Ref</b>" not in html


def test_deleted_objects_never_show_text_data_or_links(client: Client) -> None:
    source = council()
    gone = document(
        source,
        "Vertrauliche Anlage zum Grundstückskauf Flur 7.",
        name="Grundstückskauf",
        type=OParlType.FILE,
        deleted=True,
        data={"accessUrl": "https://ris.example.org/geheim.pdf", "text": "Grundstückskauf Flur 7"},
    )
    assert client.get(SEARCH, {"q": "Grundstückskauf"}).json()["count"] == 0
    assert client.get(SEARCH, {"q": "", "type": "File"}).json()["count"] == 0
    detail = client.get(f"{OBJECT}/{gone.pk}").json()
    assert detail["deleted"] is True and detail["text"] == "" and detail["data"] == {}
    html = client.get(f"/wissen/ratsinfo/{gone.pk}/", {"q": "Flur"}).content.decode()
    assert "Flur 7" not in html and "geheim.pdf" not in html
    assert f"/wissen/ratsinfo/{gone.pk}/" not in client.get(PAGE).content.decode()


def test_links_of_an_object_are_http_only(client: Client) -> None:
    obj = document(
        council(),
        "Anlage Radweg",
        type=OParlType.FILE,
        data={"accessUrl": "javascript:alert(1)", "web": "javascript:alert(2)"},
    )
    html = client.get(f"/wissen/ratsinfo/{obj.pk}/").content.decode()
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE)
    detail = client.get(f"{OBJECT}/{obj.pk}").json()
    assert not detail["web_url"].lower().startswith("javascript")


@pytest.mark.parametrize("object_id", ["0", "-1", "99999999999999999999", "abc", "1.5"])
def test_odd_object_ids_are_404_or_422(client: Client, object_id: str) -> None:
    assert client.get(f"{OBJECT}/{object_id}").status_code in (404, 422)
