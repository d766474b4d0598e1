"""The alliance pages in English: the language comes from ``Accept-Language`` or the remembered
choice (cookie ``verbund_sprache``); German stays the default. Open data stays German in every
language (same file for everyone, stable columns)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from .factories import AllianceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """The test client leaves the last request's language active in this thread: reset it, so that
    the tests after these (pure modules, services) read German again."""
    yield
    translation.deactivate()


def english(user: Any = None, *, cookie: bool = False) -> Client:
    client = Client(headers={} if cookie else {"accept-language": "en"})
    if cookie:
        client.cookies["verbund_sprache"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


@pytest.fixture
def published(world: Any, alliance: Any) -> Any:
    alliance.is_published = True
    alliance.public_summary = "Gemeinsamer Schutz der Verwaltungsnetze."
    alliance.save()
    return alliance


def test_the_directory_speaks_english_with_accept_language(published):
    html = html_of(english(), "/verbuende/")
    for text in (
        "Cooperation alliances",
        "Map of the members",
        "Directory",
        "Filter alliances",
        "Fields of action",
    ):
        assert text in html
    for text in ("Kooperationsverbünde", "Karte der Mitglieder", "Verbünde filtern", "Handlungsfelder"):
        assert text not in html
    assert "1 alliance" in html  # the count, in the plural form English needs


def test_the_directory_is_german_by_default(published):
    html = html_of(Client(), "/verbuende/")
    assert "Kooperationsverbünde" in html and "Karte der Mitglieder" in html
    assert "Cooperation alliances" not in html


def test_an_alliance_page_speaks_english_for_an_insider_with_the_cookie(published, world):
    html = html_of(english(world.coordinator, cookie=True), "/verbuende/cyber/")
    for text in (
        "Manage alliance",  # the coordinator's panel
        "Derived information",  # the facts, with their labels and reasons from the pure module
        "Total population",
        "Contiguous territory",
        "Agreements and resolutions",
        "Status: Idea",  # the status label of the lifecycle (pure module) through the model choices
        "Move on to “Initiation”",
    ):
        assert text in html, text
    for text in (
        "Verbund steuern",
        "Abgeleitete Angaben",
        "Einwohner insgesamt",
        "Vereinbarungen und Beschlüsse",
    ):
        assert text not in html, text


def test_a_refusal_of_the_lifecycle_is_english(published, world):
    client = english(world.coordinator)
    response = client.post("/verbuende/cyber/status/", {"to": "umsetzung"}, follow=True)
    html = response.content.decode()
    assert "each stage is passed one by one" in html
    assert "jede Stufe wird einzeln durchlaufen" not in html


def test_open_data_stays_german_for_an_english_reader(published):
    text = english().get("/verbuende/export.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:4] == ["Kürzel", "Name", "Kurzname", "Status"]
    assert ";Idee;" in text and ";Idea;" not in text


def test_the_api_follows_the_language_but_keeps_its_codes(published):
    body = english().get("/api/v1/alliances").json()
    item = next(i for i in body["items"] if i["slug"] == "cyber")
    assert item["status"] == "idee" and item["status_label"] == "Idea"
    AllianceFactory(name="Zweiter Verbund", slug="zweiter")
    assert Client().get("/api/v1/alliances").json()["items"][0]["status_label"] == "Idee"
