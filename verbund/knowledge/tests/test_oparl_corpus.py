"""The OParl harvester against the shared test corpus (``$VERBUND_DATA_DIR/oparl/corpus``, a
consistent OParl 1.1 snapshot of a fictitious Verbandsgemeinde), served by a local HTTP server from
its ``url_map.json``: everything stored (both pages of papers and meetings), File texts equal to the
downloads and their SHA-512, the incremental run with ``modified_since`` that deletes Paper 5, a
checksum failure and a server error. Skipped when the data directory is missing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from verbund.common.actors import SystemActor
from verbund.common.data import data_file
from verbund.knowledge.models import OParlObject, OParlSource
from verbund.knowledge.oparl_client import OParlClient
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.oparl import CLOCK_SKEW, HarvestResult, oparl_harvest, with_modified_since

from .oparl_server import CORPUS_BASE, OParlTestServer, load_corpus

pytestmark = pytest.mark.django_db

ACTOR = SystemActor(name="Prüfung", capabilities=frozenset({MANAGE}))
V1 = CORPUS_BASE
#: the moment the corpus's incremental answer was made for (its url_map holds exactly this query)
SINCE = dt.datetime(2025, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
EXPECTED = {
    "System": 1,
    "Body": 1,
    "LegislativeTerm": 1,
    "Location": 2,
    "Organization": 5,
    "Person": 6,
    "Membership": 15,
    "Meeting": 4,
    "AgendaItem": 7,
    "Paper": 4,
    "Consultation": 5,
    "File": 8,
}


@pytest.fixture(scope="module")
def corpus() -> tuple[str, dict[str, tuple[bytes, str]]]:
    url_map = data_file("oparl/corpus/url_map.json")
    if url_map is None:
        pytest.skip("OParl-Korpus fehlt: VERBUND_DATA_DIR/oparl/corpus/url_map.json nicht vorhanden")
    return load_corpus(Path(url_map).parent)


@pytest.fixture
def server(corpus: tuple[str, dict[str, tuple[bytes, str]]]) -> Iterator[OParlTestServer]:
    with OParlTestServer(corpus[1]) as running:
        yield running


@pytest.fixture
def source(corpus: tuple[str, dict[str, tuple[bytes, str]]]) -> OParlSource:
    return OParlSource.objects.create(url=corpus[0], name="Beispieltal")


def _harvest(server: OParlTestServer, source: OParlSource) -> HarvestResult:
    client = OParlClient(rewrite=server.rewrite, retries=1, backoff=0, allow_private_hosts=True)
    return oparl_harvest(actor=ACTOR, source=source, client=client)


def test_full_harvest_stores_every_object_once(server: OParlTestServer, source: OParlSource) -> None:
    result = _harvest(server, source)
    assert result.ok, result.error
    assert dict(Counter(OParlObject.objects.values_list("type", flat=True))) == EXPECTED
    assert result.new == sum(EXPECTED.values()) and result.errors == 0
    assert (result.files_ok, result.checksum_failures) == (8, 0)
    # both pages of the paged lists
    papers = set(OParlObject.objects.filter(type="Paper").values_list("oparl_id", flat=True))
    assert papers == {f"{V1}paper/{n}" for n in (1, 2, 3, 4)}
    meetings = set(OParlObject.objects.filter(type="Meeting").values_list("oparl_id", flat=True))
    assert meetings == {f"{V1}meeting/{n}" for n in (1, 2, 3, 4)}
    assert f"{V1}body/1/papers?page=2" in server.requests and f"{V1}body/1/meetings?page=2" in server.requests
    # every object was in a list: no object fetched on its own
    assert not [url for url in server.requests if url.startswith(f"{V1}paper/")]
    paper = OParlObject.objects.get(oparl_id=f"{V1}paper/1")
    assert paper.reference == "BV/2025/014" and paper.date == dt.date(2025, 5, 20)
    assert paper.body_url == f"{V1}body/1" and paper.modified is not None
    assert paper.text == "Zweckvereinbarung Interkommunale Cybersicherheit\nBV/2025/014"
    assert OParlObject.objects.get(oparl_id=f"{V1}meeting/1").date == dt.date(2025, 6, 12)
    source.refresh_from_db()
    assert source.harvested_until == result.started_at and source.last_error == ""


def test_file_texts_match_the_downloads_and_their_checksums(
    server: OParlTestServer, source: OParlSource, corpus: tuple[str, dict[str, tuple[bytes, str]]]
) -> None:
    _harvest(server, source)
    files = OParlObject.objects.filter(type="File")
    assert files.count() == 8
    for row in files:
        download, _type = corpus[1][row.data["accessUrl"]]
        assert row.text == download.decode("utf-8").strip()
        assert row.text_sha512 == row.data["sha512Checksum"] == hashlib.sha512(download).hexdigest()
        assert row.text  # German text, not empty
    assert "Notstromaggregate" in OParlObject.objects.get(oparl_id=f"{V1}file/104").text


def test_incremental_run_removes_the_deleted_paper(server: OParlTestServer, source: OParlSource) -> None:
    _harvest(server, source)
    # Paper 5 as an earlier harvest had stored it (the full lists of the snapshot no longer carry it)
    OParlObject.objects.create(
        source=source,
        oparl_id=f"{V1}paper/5",
        type="Paper",
        body_url=f"{V1}body/1",
        name="Zurückgezogene Vorlage",
        reference="BV/2025/099",
        text="Zurückgezogene Vorlage\nBV/2025/099",
        data={
            "id": f"{V1}paper/5",
            "type": "https://schema.oparl.org/1.1/Paper",
            "name": "Zurückgezogene Vorlage",
        },
        harvested_at=SINCE,
    )
    # the last run started CLOCK_SKEW after the moment the corpus's incremental query asks for
    source.harvested_until = SINCE + CLOCK_SKEW
    source.save()
    expected_url = f"{V1}body/1/papers?modified_since=2025-11-01T00%3A00%3A00%2B01%3A00&omit_internal=true"
    assert with_modified_since(f"{V1}body/1/papers", SINCE) == expected_url
    server.requests.clear()
    result = _harvest(server, source)
    assert result.ok, result.error
    assert expected_url in server.requests
    assert (result.new, result.changed, result.deleted) == (0, 0, 1)
    paper = OParlObject.objects.get(oparl_id=f"{V1}paper/5")
    assert paper.deleted and paper.text == "" and paper.name == "Zurückgezogene Vorlage"
    assert paper.modified == dt.datetime(2025, 11, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert OParlObject.objects.filter(type="Paper", deleted=False).count() == 4
    source.refresh_from_db()
    assert source.harvested_until == result.started_at


def test_a_tampered_download_is_a_checksum_failure(
    server: OParlTestServer, source: OParlSource, corpus: tuple[str, dict[str, tuple[bytes, str]]]
) -> None:
    url = f"{V1}files/103/download.txt"
    body, content_type = corpus[1][url]
    tampered = body.replace(b"Datenschutz", b"Datenschatz")
    assert len(tampered) == len(body) and tampered != body
    server.put_bytes(url, tampered, content_type)
    result = _harvest(server, source)
    assert result.ok and (result.files_ok, result.checksum_failures) == (7, 1)
    assert any(f"{V1}file/103" in problem for problem in result.problems)
    row = OParlObject.objects.get(oparl_id=f"{V1}file/103")
    assert row.text == "" and row.text_sha512 == ""


def test_a_server_error_is_reported_with_its_url(server: OParlTestServer, source: OParlSource) -> None:
    page = f"{V1}body/1/meetings?page=2"
    server.fail[page] = 500
    result = _harvest(server, source)
    assert not result.ok and page in result.error
    source.refresh_from_db()
    assert source.harvested_until is None and page in source.last_error
    # the objects read before the error are kept; the next run completes
    assert OParlObject.objects.filter(type="Body").exists()
    del server.fail[page]
    again = _harvest(server, source)
    assert again.ok and OParlObject.objects.filter(type="Meeting").count() == 4


def test_the_corpus_map_holds_the_incremental_query(corpus: tuple[str, dict[str, tuple[bytes, str]]]) -> None:
    # guards the formatting above against a changed corpus
    incremental = [url for url in corpus[1] if "modified_since" in url]
    assert incremental == [with_modified_since(f"{V1}body/1/papers", SINCE)]
    answer = json.loads(corpus[1][incremental[0]][0])
    assert answer["data"][0]["deleted"] is True
