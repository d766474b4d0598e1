"""The OParl harvester on a tiny corpus built here and served by a local HTTP server (no data dir):
paging, embedded and referenced Files with their text and SHA-512, the incremental run with
``modified_since`` and a deleted Paper, checksum and size mismatches, a server error (500) that
leaves ``harvested_until`` alone, retries, the size limit, PDF text, the command and the task."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden
from verbund.knowledge.models import OParlObject, OParlSource
from verbund.knowledge.oparl_client import OParlClient, OParlError
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.services.oparl import (
    CLOCK_SKEW,
    claim,
    extract_text,
    make_client,
    oparl_harvest,
    oparl_harvest_due,
    oparl_source_add,
    with_modified_since,
)

from .oparl_server import OParlTestServer

pytestmark = pytest.mark.django_db

ACTOR = SystemActor(name="Prüfung", capabilities=frozenset({MANAGE}))
T = "https://schema.oparl.org/1.1/"
TEXT_A = "Beschlussvorlage 1/2026\nDie Verbandsgemeinde beschafft gemeinsam zwei Notstromaggregate.\n"
TEXT_B = "Antrag 2/2026: Glasfaser für die Ortsgemeinde Unterbach, Kosten 1.234,50 EUR.\n"
RUN_1 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
RUN_2 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def _file(base: str, number: int, text: str, **override: Any) -> dict[str, Any]:
    content = text.encode("utf-8")
    return {
        "id": f"{base}/file/{number}",
        "type": T + "File",
        "name": f"Datei {number}",
        "mimeType": "text/plain",
        "date": "2026-02-01",
        "size": len(content),
        "sha512Checksum": hashlib.sha512(content).hexdigest(),
        "accessUrl": f"{base}/file/{number}/download.txt",
        "created": "2026-02-01T09:00:00+01:00",
        "modified": "2026-02-01T09:00:00+01:00",
        **override,
    }


def build_tiny(server: OParlTestServer) -> str:
    """System → one Body → papers in two pages; Paper A embeds its File, Paper B only links it."""
    base = server.address
    body = f"{base}/body/1"
    server.put_json(
        f"{base}/system",
        {"id": f"{base}/system", "type": T + "System", "name": "RIS Testhausen", "body": f"{base}/bodies"},
    )
    server.put_json(
        f"{base}/bodies",
        {
            "data": [
                {
                    "id": body,
                    "type": T + "Body",
                    "name": "Verbandsgemeinde Testhausen",
                    "paper": f"{body}/papers",
                    "meeting": f"{body}/meetings",
                    "modified": "2026-01-01T00:00:00+01:00",
                }
            ],
            "links": {},
        },
    )
    file_a = _file(base, 1, TEXT_A)
    server.put_json(
        f"{body}/papers",
        {
            "data": [
                {
                    "id": f"{base}/paper/1",
                    "type": T + "Paper",
                    "body": body,
                    "name": "Notstrom für die Verbandsgemeinde",
                    "reference": "BV/1/2026",
                    "date": "2026-02-01",
                    "mainFile": file_a,
                    "created": "2026-02-01T09:00:00+01:00",
                    "modified": "2026-02-01T09:00:00+01:00",
                }
            ],
            "links": {"next": f"{body}/papers?page=2"},
        },
    )
    server.put_json(
        f"{body}/papers?page=2",
        {
            "data": [
                {
                    "id": f"{base}/paper/2",
                    "type": T + "Paper",
                    "body": body,
                    "name": "Glasfaser Unterbach",
                    "reference": "AN/2/2026",
                    "date": "2026-02-10",
                    "mainFile": f"{base}/file/2",
                    "created": "2026-02-10T09:00:00+01:00",
                    "modified": "2026-02-10T09:00:00+01:00",
                }
            ],
            "links": {},
        },
    )
    server.put_json(
        f"{body}/meetings",
        {
            "data": [
                {
                    "id": f"{base}/meeting/1",
                    "type": T + "Meeting",
                    "name": "1. Sitzung des Rates",
                    "start": "2026-02-20T18:00:00+01:00",
                    "agendaItem": [
                        {
                            "id": f"{base}/agendaitem/1",
                            "type": T + "AgendaItem",
                            "number": "1",
                            "name": "Notstrom",
                        }
                    ],
                }
            ],
            "links": {},
        },
    )
    server.put_json(f"{base}/file/2", _file(base, 2, TEXT_B))
    server.put_bytes(f"{base}/file/1/download.txt", TEXT_A.encode(), "text/plain; charset=utf-8")
    server.put_bytes(f"{base}/file/2/download.txt", TEXT_B.encode(), "text/plain; charset=utf-8")
    return f"{base}/system"


@pytest.fixture
def server() -> Iterator[OParlTestServer]:
    with OParlTestServer() as running:
        running.origin = running.address
        yield running


@pytest.fixture
def source(server: OParlTestServer) -> OParlSource:
    url = build_tiny(server)
    return OParlSource.objects.create(url=url, name="Testhausen")


def _client(**kwargs: Any) -> OParlClient:
    return OParlClient(retries=kwargs.pop("retries", 2), backoff=0, allow_private_hosts=True, **kwargs)


def _row(server: OParlTestServer, path: str) -> OParlObject:
    return OParlObject.objects.get(oparl_id=f"{server.address}/{path}")


def test_full_run_stores_both_pages_and_the_text_of_embedded_and_linked_files(
    server: OParlTestServer, source: OParlSource
) -> None:
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.ok, result.error
    types = sorted(OParlObject.objects.values_list("type", flat=True))
    assert types == ["AgendaItem", "Body", "File", "File", "Meeting", "Paper", "Paper", "System"]
    assert (result.new, result.changed, result.deleted) == (8, 0, 0)
    assert (result.files_ok, result.checksum_failures, result.errors) == (2, 0, 0)
    file_a, file_b = _row(server, "file/1"), _row(server, "file/2")
    assert file_a.text == TEXT_A.strip() and file_b.text == TEXT_B.strip()
    assert file_a.text_sha512 == hashlib.sha512(TEXT_A.encode()).hexdigest()
    paper = _row(server, "paper/2")
    assert paper.text == "Glasfaser Unterbach\nAN/2/2026"
    assert paper.reference == "AN/2/2026" and paper.date == dt.date(2026, 2, 10)
    assert paper.body_url == f"{server.address}/body/1"
    meeting, item = _row(server, "meeting/1"), _row(server, "agendaitem/1")
    assert meeting.date == dt.date(2026, 2, 20) and meeting.body_url == f"{server.address}/body/1"
    assert item.text == "1 Notstrom"
    source.refresh_from_db()
    assert source.harvested_until == RUN_1 and source.last_run_at == RUN_1 and source.last_error == ""
    entry = AuditEntry.objects.get(action="knowledge.oparl_harvest")
    assert entry.changes["Neu"] == 8 and entry.changes["Dateien mit Text"] == 2


def test_a_second_full_run_changes_nothing_and_downloads_nothing(
    server: OParlTestServer, source: OParlSource
) -> None:
    oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    before = list(OParlObject.objects.order_by("pk").values_list("oparl_id", "text", "text_sha512", "data"))
    server.requests.clear()
    result = oparl_harvest(actor=ACTOR, source=source, full=True, client=_client(), now=RUN_2)
    assert (result.new, result.changed, result.deleted, result.unchanged) == (0, 0, 0, 8)
    assert not [url for url in server.requests if url.endswith("download.txt")]
    after = list(OParlObject.objects.order_by("pk").values_list("oparl_id", "text", "text_sha512", "data"))
    assert after == before


def test_incremental_run_asks_modified_since_and_marks_the_deleted_paper(
    server: OParlTestServer, source: OParlSource
) -> None:
    oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    base, body = server.address, f"{server.address}/body/1"
    # the server's answer for the lists changed since the first run: Paper 1 is gone
    # asked from five minutes before the first run started (a server clock running behind)
    changed = with_modified_since(f"{body}/papers", RUN_1 - CLOCK_SKEW)
    assert changed == (f"{body}/papers?modified_since=2026-03-01T10%3A55%3A00%2B01%3A00&omit_internal=true")
    server.put_json(
        changed,
        {
            "data": [
                {
                    "id": f"{base}/paper/1",
                    "type": T + "Paper",
                    "deleted": True,
                    "created": "2026-02-01T09:00:00+01:00",
                    "modified": "2026-03-01T12:00:00+01:00",
                }
            ],
            "links": {},
        },
    )
    server.requests.clear()
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_2)
    assert result.ok, result.error
    assert changed in server.requests
    assert f"{body}/papers" not in server.requests  # nothing read whole but the System and the Bodies
    assert (result.new, result.changed, result.deleted) == (0, 0, 1)
    paper = _row(server, "paper/1")
    assert paper.deleted and paper.text == ""
    assert paper.name == "Notstrom für die Verbandsgemeinde"  # the row still explains itself
    assert not _row(server, "paper/2").deleted
    source.refresh_from_db()
    assert source.harvested_until == RUN_2
    entry = AuditEntry.objects.filter(action="knowledge.oparl_harvest").latest("pk")
    assert entry.changes["Gelöscht"] == 1 and entry.changes["Abruf"] == "Änderungen"


def test_checksum_mismatch_leaves_the_text_empty_and_is_counted(
    server: OParlTestServer, source: OParlSource
) -> None:
    server.put_bytes(f"{server.address}/file/2/download.txt", b"manipulated", "text/plain")
    server.put_json(
        f"{server.address}/file/2",
        _file(server.address, 2, TEXT_B, size=len(b"manipulated")),  # size right, checksum wrong
    )
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.ok  # a bad file does not fail the run
    assert (result.files_ok, result.checksum_failures) == (1, 1)
    assert any("SHA-512" in p and "file/2" in p for p in result.problems)
    bad = _row(server, "file/2")
    assert bad.text == "" and bad.text_sha512 == ""
    assert _row(server, "file/1").text == TEXT_A.strip()


def test_size_mismatch_is_a_checksum_failure(server: OParlTestServer, source: OParlSource) -> None:
    server.put_json(f"{server.address}/file/2", _file(server.address, 2, TEXT_B, size=3))
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.checksum_failures == 1 and any("Größe" in p for p in result.problems)
    assert _row(server, "file/2").text == ""


def test_server_error_names_the_url_and_keeps_harvested_until(
    server: OParlTestServer, source: OParlSource
) -> None:
    oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    page_2 = f"{server.address}/body/1/papers?page=2"
    server.fail[page_2] = 500
    server.requests.clear()
    result = oparl_harvest(actor=ACTOR, source=source, full=True, client=_client(retries=2), now=RUN_2)
    assert not result.ok
    assert page_2 in result.error and "500" in result.error
    assert server.requests.count(page_2) == 3  # tried again twice
    source.refresh_from_db()
    assert source.harvested_until == RUN_1 and source.last_run_at == RUN_2
    assert page_2 in source.last_error
    entry = AuditEntry.objects.filter(action="knowledge.oparl_harvest").latest("pk")
    assert page_2 in entry.changes["Abbruch"]


def test_a_first_run_that_fails_leaves_harvested_until_empty(
    server: OParlTestServer, source: OParlSource
) -> None:
    server.fail[f"{server.address}/body/1/meetings"] = 404
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert not result.ok and f"{server.address}/body/1/meetings" in result.error and "404" in result.error
    source.refresh_from_db()
    assert source.harvested_until is None and "404" in source.last_error


def test_a_passing_server_error_is_tried_again(server: OParlTestServer, source: OParlSource) -> None:
    page_2 = f"{server.address}/body/1/papers?page=2"
    server.fail[page_2] = [503, 500]
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(retries=2), now=RUN_1)
    assert result.ok, result.error
    assert server.requests.count(page_2) == 3
    assert _row(server, "paper/2").name == "Glasfaser Unterbach"


def test_a_file_above_the_size_limit_is_not_downloaded(
    server: OParlTestServer, source: OParlSource, settings: Any
) -> None:
    settings.KNOWLEDGE_OPARL_MAX_FILE_BYTES = 70
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.ok
    assert result.errors == 2 and result.files_ok == 0
    assert any("zu groß" in p for p in result.problems)
    assert not [url for url in server.requests if url.endswith("download.txt")]


def test_pdf_text_is_extracted(server: OParlTestServer, source: OParlSource) -> None:
    from weasyprint import HTML

    pdf = HTML(string="<p>Haushaltssatzung der Verbandsgemeinde für das Jahr 2026</p>").write_pdf()
    assert pdf is not None
    base = server.address
    server.put_bytes(f"{base}/file/2/download.pdf", pdf, "application/pdf")
    server.put_json(
        f"{base}/file/2",
        _file(
            base,
            2,
            "",
            mimeType="application/pdf",
            accessUrl=f"{base}/file/2/download.pdf",
            size=len(pdf),
            sha512Checksum=hashlib.sha512(pdf).hexdigest(),
        ),
    )
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.files_ok == 2, result.problems
    assert "Haushaltssatzung der Verbandsgemeinde" in _row(server, "file/2").text


def test_extract_text_refuses_a_broken_pdf() -> None:
    with pytest.raises(ValueError, match="PDF"):
        extract_text(b"%PDF-1.7 kaputt", "application/pdf")
    assert extract_text("Grüße".encode("cp1252"), "text/plain") == "Grüße"
    assert extract_text(io.BytesIO(b"a\r\nb").getvalue(), "text/plain", "utf-8") == "a\nb"


def test_a_missing_linked_object_is_counted_and_the_run_completes(
    server: OParlTestServer, source: OParlSource
) -> None:
    del server.responses[f"{server.address}/file/2"]
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert result.ok and result.errors == 1
    assert any(f"{server.address}/file/2" in p and "404" in p for p in result.problems)
    assert not OParlObject.objects.filter(oparl_id=f"{server.address}/file/2").exists()
    source.refresh_from_db()
    assert source.harvested_until == RUN_1


def test_a_page_pointing_back_stops_the_run(server: OParlTestServer, source: OParlSource) -> None:
    body = f"{server.address}/body/1"
    server.put_json(f"{body}/papers?page=2", {"data": [], "links": {"next": f"{body}/papers"}})
    result = oparl_harvest(actor=ACTOR, source=source, client=_client(), now=RUN_1)
    assert not result.ok and "schon gelesene Seite" in result.error
    source.refresh_from_db()
    assert source.harvested_until is None


def test_internal_addresses_are_refused_unless_the_source_is_internal(server: OParlTestServer) -> None:
    url = build_tiny(server)
    with pytest.raises(OParlError, match="internen Netz"):
        OParlClient(retries=0).get_json(url)
    # the harvester allows them when the System itself is internal (as this test server is)
    assert make_client(url=url).allow_private_hosts
    assert not make_client(url="https://ris.example.org/oparl/system").allow_private_hosts


def test_harvesting_needs_the_capability(source: OParlSource) -> None:
    with pytest.raises(Forbidden):
        oparl_harvest(actor=SystemActor(name="Niemand"), source=source)
    with pytest.raises(Forbidden):
        oparl_source_add(actor=SystemActor(name="Niemand"), url="https://ris.example.org/oparl")


def test_command_adds_the_source_and_prints_the_counts(server: OParlTestServer, settings: Any) -> None:
    settings.KNOWLEDGE_OPARL_RETRIES = 0  # the 500 below fails at once
    url = build_tiny(server)
    out, err = io.StringIO(), io.StringIO()
    call_command("harvest_oparl", url, "--name", "RIS Testhausen", stdout=out, stderr=err)
    source = OParlSource.objects.get(url=url)
    assert source.name == "RIS Testhausen" and source.harvested_until is not None
    text = out.getvalue()
    assert "Neue OParl-Quelle" in text and "8 neu" in text and "Dateien mit Text 2" in text
    assert AuditEntry.objects.filter(action="knowledge.oparl_source_add").count() == 1
    # again: incremental, nothing new (the test server answers modified_since lists with no change)
    out = io.StringIO()
    call_command("harvest_oparl", url, stdout=out)
    assert "0 neu" in out.getvalue() and OParlSource.objects.count() == 1
    server.fail[f"{server.address}/system"] = 500
    with pytest.raises(CommandError, match="HTTP 500"):
        call_command("harvest_oparl", url, "--full", stdout=io.StringIO(), stderr=io.StringIO())


def test_command_refuses_a_bad_url() -> None:
    with pytest.raises(CommandError, match="Ungültige Adresse"):
        call_command("harvest_oparl", "ftp://ris.example.org/", stdout=io.StringIO())
    assert not OParlSource.objects.exists()


def test_periodic_run_harvests_due_active_sources_only(server: OParlTestServer) -> None:
    from verbund.knowledge.tasks_oparl import harvest_oparl_sources

    due = OParlSource.objects.create(url=build_tiny(server), name="fällig")
    OParlSource.objects.create(url="https://inactive.example.org/system", name="ruht", active=False)
    recent = OParlSource.objects.create(
        url="https://recent.example.org/system", name="eben erst", last_run_at=timezone.now()
    )
    summaries = harvest_oparl_sources()
    assert len(summaries) == 1 and summaries[0].startswith("fällig: 8 neu")
    due.refresh_from_db()
    recent.refresh_from_db()
    assert due.harvested_until is not None and recent.harvested_until is None
    # a round without anything new is logged, not audited
    audited = AuditEntry.objects.filter(action="knowledge.oparl_harvest").count()
    due.last_run_at = None
    due.save()
    results = oparl_harvest_due(actor=ACTOR)
    assert [r.new for r in results] == [0]
    assert AuditEntry.objects.filter(action="knowledge.oparl_harvest").count() == audited


def test_a_source_another_worker_claimed_is_not_harvested_twice(server: OParlTestServer) -> None:
    """Two workers without a shared cache both find a source due; the database lets one take it."""
    source = OParlSource.objects.create(url=build_tiny(server), name="fällig")
    seen_by_second = OParlSource.objects.get(pk=source.pk)  # read before the first worker claims
    moment = timezone.now()
    assert claim(source, moment) and source.last_run_at == moment
    assert not claim(seen_by_second, moment + dt.timedelta(seconds=1))
    assert OParlSource.objects.get(pk=source.pk).last_run_at == moment
    # a source claimed (or run) just now is not due for a round either
    assert oparl_harvest_due(actor=ACTOR) == []
    # a claimed run that never finished (worker killed) is due again after the poll interval
    later = moment + dt.timedelta(minutes=61)
    results = oparl_harvest_due(actor=ACTOR, now=later)
    assert len(results) == 1 and results[0].ok


def test_the_periodic_harvest_is_on_the_beat_schedule() -> None:
    from celery import current_app

    entry = current_app.conf.beat_schedule["knowledge.harvest_oparl"]
    assert entry["task"] == "knowledge.harvest_oparl" and entry["schedule"] == 60 * 60.0


def test_nul_characters_in_a_response_are_dropped() -> None:
    from verbund.knowledge.oparl_client import Response

    body = b'{"id": "x", "name": "Haushalt\\u00002025", "list": ["a\\u0000b", {"k\\u0000": 1}]}'
    assert Response("x", body, "application/json", "utf-8").json() == {
        "id": "x",
        "name": "Haushalt2025",
        "list": ["ab", {"k": 1}],
    }
