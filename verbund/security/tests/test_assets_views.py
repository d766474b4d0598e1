"""Asset pages under /sicherheit/komponenten/: the list shows what the user sees (TLP badge, filters);
a member outside an asset's distribution gets 404 for its page, its edit and retire pages, and does
not find it in the export; a member who sees it but does not act for the owner gets 403 for changes;
the form creates and changes, retire asks first, the import lists each faulty line and field, and the
export (CSV and XLSX) holds exactly the visible list with formulas kept as text."""

from __future__ import annotations

import csv
import io
import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from verbund.audit.models import SensitiveRead
from verbund.security.models import Asset
from verbund.security.services.assets import asset_create, asset_import

from .test_assets_services import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("verbund.security.services.matching")
    module.match_assets = lambda ids: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verbund.security.services.matching", module)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = make_world()
    w.private = asset_create(
        actor=w.clerk_a,
        owner_body=w.vg_a,
        values={"name": "Meldewesen", "vendor": "Kommunix", "version": "5.4", "kind": "software"},
    )
    w.shared = asset_create(
        actor=w.clerk_a,
        owner_body=w.vg_a,
        values={"name": '=HYPERLINK("http://evil.example")', "vendor": "Fortinet", "kind": "netz"},
        sharing={"tlp": "amber", "distribution": "alliance", "alliance": w.alliance},
    )
    w.other = asset_create(actor=w.clerk_b, owner_body=w.vg_b, values={"name": "Bauhof-PC", "kind": "client"})
    return w


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_what_the_user_sees_with_tlp_badges(world: SimpleNamespace) -> None:
    html = client_for(world.clerk_a).get(reverse("security:asset_list")).content.decode()
    assert "Meldewesen" in html and "Bauhof-PC" not in html
    assert "vb-tlp--amber" in html and "TLP:AMBER" in html
    member_b = client_for(world.clerk_b).get(reverse("security:asset_list")).content.decode()
    assert "Bauhof-PC" in member_b and "Fortinet" in member_b and "Meldewesen" not in member_b
    stranger = client_for(world.clerk_c).get(reverse("security:asset_list")).content.decode()
    assert "Fortinet" not in stranger and "Meldewesen" not in stranger


def test_list_filters(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_b)
    url = reverse("security:asset_list")
    assert "Fortinet" not in client.get(url, {"art": "client"}).content.decode()
    assert "Bauhof-PC" not in client.get(url, {"koerperschaft": world.vg_a.ars}).content.decode()
    assert "Bauhof-PC" not in client.get(url, {"q": "fortinet"}).content.decode()
    assert "Fortinet" in client.get(url, {"q": "fortinet"}).content.decode()


@pytest.mark.parametrize("name", ["asset_detail", "asset_edit", "asset_retire"])
def test_a_member_outside_the_distribution_gets_404(world: SimpleNamespace, name: str) -> None:
    for asset in (world.private, world.shared):
        url = reverse(f"security:{name}", kwargs={"asset_id": asset.pk})
        assert client_for(world.clerk_c).get(url).status_code == 404
        assert client_for(world.advisory).get(url).status_code == 404
    url = reverse(f"security:{name}", kwargs={"asset_id": world.private.pk})
    assert client_for(world.clerk_b).get(url).status_code == 404


def test_who_sees_but_does_not_act_for_the_owner_gets_403_for_changes(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_b)
    assert (
        client.get(reverse("security:asset_detail", kwargs={"asset_id": world.shared.pk})).status_code == 200
    )
    assert client.get(reverse("security:asset_edit", kwargs={"asset_id": world.shared.pk})).status_code == 403
    retire = reverse("security:asset_retire", kwargs={"asset_id": world.shared.pk})
    assert client.post(retire).status_code == 403
    assert Asset.objects.get(pk=world.shared.pk).active


def test_detail_logs_the_read_of_an_amber_asset(world: SimpleNamespace) -> None:
    client_for(world.clerk_b).get(reverse("security:asset_detail", kwargs={"asset_id": world.shared.pk}))
    assert SensitiveRead.objects.filter(object_id=str(world.shared.pk), actor=world.clerk_b).exists()


def test_create_and_edit_through_the_form(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    data = {
        "name": "Windows Server",
        "vendor": "Microsoft",
        "version": "2022",
        "kind": "server",
        "criticality": "hoch",
        "quantity": "1",
        "cpe": "cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*",
        "owner_body": str(world.vg_a.pk),
        "tlp": "amber",
        "distribution": "organisation",
    }
    bad = client.post(reverse("security:asset_create"), {**data, "cpe": "cpe:2.3:o:microsoft"})
    assert bad.status_code == 200 and "11 Bestandteile" in bad.content.decode()
    response = client.post(reverse("security:asset_create"), data)
    asset = Asset.objects.get(name="Windows Server")
    assert response.status_code == 302 and response["Location"] == reverse(
        "security:asset_detail", kwargs={"asset_id": asset.pk}
    )
    edit = reverse("security:asset_edit", kwargs={"asset_id": asset.pk})
    assert client.get(edit).status_code == 200
    client.post(edit, {**data, "version": "2022 CU5", "platform": ""})
    asset.refresh_from_db()
    assert asset.version == "2022 CU5"


def test_retire_asks_first_then_keeps_the_asset(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    url = reverse("security:asset_retire", kwargs={"asset_id": world.private.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Außer Betrieb nehmen" in page.content.decode()
    assert Asset.objects.get(pk=world.private.pk).active
    assert client.post(url).status_code == 302
    assert Asset.objects.get(pk=world.private.pk).active is False
    listed = client.get(reverse("security:asset_list")).content.decode()
    assert "Meldewesen" not in listed
    assert (
        "Meldewesen" in client.get(reverse("security:asset_list"), {"ausser_betrieb": "1"}).content.decode()
    )


def test_import_page_lists_each_faulty_line_and_stores_nothing(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    before = Asset.objects.count()
    upload = SimpleUploadedFile(
        "inventar.csv", "Produkt;CPE;Kritikalität\nA;;hoch\nB;cpe:2.3:q;mittel\nC;;extrem\n".encode()
    )
    response = client.post(
        reverse("security:asset_import"),
        {"file": upload, "owner_body": world.vg_a.pk, "tlp": "amber", "distribution": "organisation"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "inventar.csv, Zeile 3, Feld CPE" in html and "inventar.csv, Zeile 4, Feld Kritikalität" in html
    assert Asset.objects.count() == before
    good = SimpleUploadedFile("inventar.csv", b"Produkt;Hersteller\nA;B\n")
    response = client.post(
        reverse("security:asset_import"),
        {"file": good, "owner_body": world.vg_a.pk, "tlp": "amber", "distribution": "organisation"},
    )
    assert response.status_code == 302
    assert Asset.objects.count() == before + 1


def test_import_page_preview_stores_nothing(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    upload = SimpleUploadedFile("inventar.csv", b"Produkt;Hersteller\nNeu;B\n")
    response = client.post(
        reverse("security:asset_import"),
        {
            "file": upload,
            "owner_body": world.vg_a.pk,
            "tlp": "amber",
            "distribution": "organisation",
            "dry_run": "on",
        },
    )
    assert response.status_code == 200 and "Vorschau" in response.content.decode()
    assert not Asset.objects.filter(name="Neu").exists()


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_export_holds_exactly_the_visible_list(world: SimpleNamespace) -> None:
    rows = _csv_rows(client_for(world.clerk_b).get(reverse("security:asset_export_csv")).content)
    names = {row[0] for row in rows[1:]}
    assert names == {"Bauhof-PC", '\'=HYPERLINK("http://evil.example")'}
    stranger = client_for(world.clerk_c)
    assert _csv_rows(stranger.get(reverse("security:asset_export_csv")).content)[1:] == []
    filtered = stranger.get(reverse("security:asset_export_csv"), {"koerperschaft": world.vg_a.ars})
    assert _csv_rows(filtered.content)[1:] == []
    workbook = load_workbook(io.BytesIO(stranger.get(reverse("security:asset_export_xlsx")).content))
    assert workbook.active is not None and workbook.active.max_row == 1
    assert SensitiveRead.objects.filter(actor=world.clerk_b, object_id=str(world.shared.pk)).exists()


def test_xlsx_export_keeps_formulas_as_text(world: SimpleNamespace) -> None:
    content = client_for(world.clerk_a).get(reverse("security:asset_export_xlsx")).content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if str(cell.value).startswith("=HYPERLINK")]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_a_csv_export_imports_again_without_duplicates(world: SimpleNamespace) -> None:
    content = client_for(world.clerk_a).get(reverse("security:asset_export_csv")).content
    result = asset_import(actor=world.clerk_a, owner_body=world.vg_a, data=content, filename="export.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_list_page_and_api_list_need_the_same_queries_for_more_assets(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_b)
    pages = (reverse("security:asset_list"), "/api/v1/security/assets")
    before = [_queries(client, url) for url in pages]
    for number in range(12):
        asset_create(
            actor=world.clerk_a,
            owner_body=world.vg_a,
            values={"name": f"Client {number}"},
            sharing={"distribution": "alliance", "alliance": world.alliance},
        )
    assert [_queries(client, url) for url in pages] == before
