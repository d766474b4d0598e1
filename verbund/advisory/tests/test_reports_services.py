"""The yearly programme report (PDF and XLSX on the queue) and the programme's open data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from verbund.accounts.tests.factories import UserFactory
from verbund.advisory.models.evidence import ProgrammeReport, ReportStatus
from verbund.advisory.services import reports as svc
from verbund.advisory.services.programme import programme_summary
from verbund.advisory.tests import programme_world as pw
from verbund.common.errors import Forbidden, Invalid
from verbund.notifications.models import Event

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def world() -> dict[str, Any]:
    made = pw.world(alliances=2)
    made["office"] = pw.office()
    made["authority"] = pw.authority()
    return made


def _request(client: Client, year: int, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/beratung/programm/berichte/", {"year": str(year)})


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_the_task_writes_a_tagged_pdf_with_the_year_and_a_workbook_matching_the_summary(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(world["office"])
    response = _request(client, YEAR, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    report = ProgrammeReport.objects.get()
    assert report.status == ReportStatus.DONE, report.error
    assert report.requested_by == world["office"]
    pdf = report.pdf.open("rb").read()
    assert pdf.startswith(b"%PDF")
    import pikepdf

    document = pikepdf.open(io.BytesIO(pdf))
    assert "/StructTreeRoot" in document.Root and document.Root.MarkInfo.Marked is True  # tagged
    assert str(document.Root.Lang) == "de"
    with document.open_metadata() as meta:
        assert meta.get("pdfuaid:part") == "1"
        assert f"Programmbericht {YEAR}" in str(meta["dc:title"])
    text = _pdf_text(pdf)
    assert f"Programmbericht {YEAR}" in text
    assert "Berichtsjahr 2025" in text

    summary = programme_summary(years=svc._years_until(YEAR), today=dt.date(YEAR, 12, 31))
    workbook = load_workbook(io.BytesIO(report.xlsx.open("rb").read()), data_only=True)
    money = list(workbook["Geld je Jahr"].iter_rows(values_only=True))
    assert money[0][0] == "Jahr"
    total = money[-1]
    assert total[0] == "Summe"
    assert (
        Decimal(str(total[2])) == Decimal(summary.money["granted"]) == Decimal("20000.00")
    )  # 2025 only: 2 × 10.000
    assert Decimal(str(total[3])) == Decimal(summary.money["paid"]) == Decimal("8000.00")
    assert Decimal(str(total[1])) == Decimal(summary.money["budget"])
    # the rows add up to the totals row
    assert sum(Decimal(str(row[2])) for row in money[1:-1]) == Decimal(str(total[2]))
    participation = list(workbook["Teilnahme nach Kreis"].iter_rows(values_only=True))
    assert participation[-1][2] == summary.participation["bodies"] == 3
    assert participation[-1][4] == summary.participation["inhabitants"]
    savings = list(workbook["Einsparungen"].iter_rows(values_only=True))
    measured = next(row for row in savings if row and row[0] == "Summe gemessen")
    assert Decimal(str(measured[3])) == Decimal(summary.savings["measured"]["saving"])

    # the requester is told
    event = Event.objects.get(event_type="advisory.report_done")
    assert event.audience["users"] == [world["office"].pk]
    assert event.audience["roles"] == [] and event.audience["alliances"] == []
    # the list shows the downloads; the files are delivered to readers of the programme only
    page = client.get("/beratung/programm/berichte/").content.decode()
    assert f"/beratung/programm/berichte/{report.pk}/bericht.pdf" in page
    download = client.get(f"/beratung/programm/berichte/{report.pk}/bericht.xlsx")
    assert download.status_code == 200
    stranger = Client()
    stranger.force_login(UserFactory.create(staff_of=world["shared_vg"]))
    assert stranger.get(f"/beratung/programm/berichte/{report.pk}/bericht.pdf").status_code == 404
    assert stranger.get("/beratung/programm/berichte/").status_code == 404


def test_a_failure_is_recorded_and_told(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: dict[str, Any]) -> bytes:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(svc, "build_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        svc.report_request(actor=world["authority"], year=YEAR)
    report = ProgrammeReport.objects.get()
    assert report.status == ReportStatus.FAILED and "kaputt" in report.error
    assert not report.pdf
    event = Event.objects.get(event_type="advisory.report_done")
    assert "nicht erstellt" in event.text


def test_who_may_request(world: dict[str, Any]) -> None:
    clerk = UserFactory.create(staff_of=world["shared_vg"])
    with pytest.raises(Forbidden):
        svc.report_request(actor=clerk, year=YEAR)
    with pytest.raises(Invalid) as caught:
        svc.report_request(actor=world["office"], year=timezone.localdate().year + 1)
    assert set(caught.value.fields) == {"year"}
    assert not ProgrammeReport.objects.exists()


def test_the_open_data_dataset_is_listed_and_downloadable(world: dict[str, Any]) -> None:
    client = Client()
    catalogue = client.get("/opendata/catalog.jsonld").json()
    keys = {d["@id"].rsplit("#", 1)[1] for d in catalogue["dcat:dataset"]}
    assert "programm" in keys
    assert "Kennzahlen je Jahr und Kreis" in client.get("/opendata/").content.decode()

    response = client.get("/opendata/programm.json")
    assert response.status_code == 200
    assert 'rel="license"' in response["Link"]
    data = response.json()
    assert data["license"]["id"]
    rows = {(r["year"], r["kreis"]): r for r in data["items"]}
    land = rows[(YEAR, "")]
    summary = programme_summary(years=[YEAR])
    assert land["bodies"] == summary.participation["bodies"] == 3
    assert land["alliances"] == 2
    assert Decimal(land["granted"]) == Decimal("20000.00")  # 2 × 10.000 in 2025
    # the only Kreis is hidden (two grants), so the Land total would reveal it: hidden as well
    assert land["paid"] is None
    kreis = rows[(YEAR, world["kreis"].ars[:5])]
    assert kreis["alliances"] == 2 and Decimal(kreis["granted"]) == Decimal("20000.00")
    # two grants in the Kreis: their paid sum would be the drawdowns of single applications
    assert kreis["paid"] is None

    text = client.get("/opendata/programm.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:3] == ["Jahr", "Kreis (ARS)", "Kreis"]
    assert any(row[0] == str(YEAR) and row[1] == "" and row[6] == "20000,00" for row in table[1:])
    # nothing personal: no names of people, no single applications
    assert "Vorhaben" not in text and "@" not in text
