"""Export and import of an event through the API, the commands and the pages: the same rules as the
service (members export, those who lead the target staff import; a refused file names its place, is a
422 / a form error / a non-zero exit, and nothing is stored)."""

from __future__ import annotations

import gzip
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from verbund.emergency.models import Event, LogEntry
from verbund.emergency.services import log

from .test_transfer import _stored, export_bytes, transfer_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"


@pytest.fixture
def world() -> Any:
    return transfer_world()


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- API ----------------------------------------------------------------------------------------------


def test_api_export_and_import(client: Client, world: Any) -> None:
    client.force_login(world.s2)
    response = client.get(f"{API}/events/{world.event.pk}/export")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"] and ".json" in response["Content-Disposition"]
    data = response.content
    assert json.loads(data)["source"]["event_id"] == world.event.pk
    packed = client.get(f"{API}/events/{world.event.pk}/export", {"gzip": "true"})
    assert packed["Content-Type"] == "application/gzip" and gzip.decompress(packed.content).startswith(b"{")
    client.force_login(world.lead)
    upload = SimpleUploadedFile("lage.json.gz", gzip.compress(data), content_type="application/gzip")
    response = client.post(f"{API}/staffs/{world.target.pk}/import", {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["entries"] == 8 and body["messages"] == 2 and body["features"] == 2
    assert body["source"]["event_id"] == world.event.pk and body["source"]["entries"] == 8
    assert log.verify_chain(body["event"]).ok


def test_api_refusals(client: Client, world: Any) -> None:
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        client.force_login(person)
        assert client.get(f"{API}/events/{world.event.pk}/export").status_code == 404
    data = export_bytes(world.s2, world.event.pk)
    before = _stored()
    client.force_login(world.s2)
    upload = SimpleUploadedFile("lage.json", data)
    assert client.post(f"{API}/staffs/{world.target.pk}/import", {"file": upload}).status_code == 404
    client.force_login(world.kgs)
    upload = SimpleUploadedFile("lage.json", data)
    response = client.post(f"{API}/staffs/{world.target.pk}/import", {"file": upload})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    client.force_login(world.lead)
    doc = json.loads(data)
    doc["log"][16 % len(doc["log"])]["text"] = "geändert"
    upload = SimpleUploadedFile("lage.json", json.dumps(doc).encode())
    response = client.post(f"{API}/staffs/{world.target.pk}/import", {"file": upload})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_file" and "Eintrag Nr. 1" in response.json()["detail"]
    upload = SimpleUploadedFile("lage.json", b"kein json")
    response = client.post(f"{API}/staffs/{world.target.pk}/import", {"file": upload})
    assert response.status_code == 422 and "kein gültiges JSON" in response.json()["detail"]
    assert _stored() == before


# --- commands -----------------------------------------------------------------------------------------


def test_commands_export_and_import(world: Any, tmp_path: Path) -> None:
    target = tmp_path / "lage.json.gz"
    err = StringIO()
    call_command("export_event", str(world.event.pk), "-o", str(target), stderr=err)
    assert "8 Einträge" in err.getvalue()
    assert json.loads(gzip.decompress(target.read_bytes()))["source"]["event_id"] == world.event.pk
    out = StringIO()
    call_command("import_event", str(target), "--staff", str(world.target.pk), stdout=out)
    assert "8 Einträge" in out.getvalue()
    new = Event.objects.exclude(pk=world.event.pk).get()
    assert new.source["imported_by"] == "Lagenimport (Kommandozeile)"
    out = StringIO()
    call_command("verify_log", str(new.pk), stdout=out)
    assert "9 Einträge, Kette in Ordnung" in out.getvalue()


def test_commands_refuse(world: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Unbekannte Lage") as caught:
        call_command("export_event", "424242", "-o", str(tmp_path / "x.json"))
    assert caught.value.returncode == 2
    plain = tmp_path / "lage.json"
    call_command("export_event", str(world.event.pk), "-o", str(plain), stderr=StringIO())
    doc = json.loads(plain.read_bytes())
    doc["log"][2]["author_name"] = "Jemand"
    plain.write_text(json.dumps(doc), encoding="utf-8")
    before = _stored()
    with pytest.raises(CommandError, match=r"log\[2\]\.hash.*Eintrag Nr\. 3") as caught:
        call_command("import_event", str(plain), "--staff", str(world.target.pk))
    assert caught.value.returncode == 1
    with pytest.raises(CommandError, match="Unbekannter Stab"):
        call_command("import_event", str(plain), "--staff", "424242")
    with pytest.raises(CommandError, match="nicht lesbar"):
        call_command("import_event", str(tmp_path / "fehlt.json"), "--staff", str(world.target.pk))
    assert _stored() == before


# --- pages --------------------------------------------------------------------------------------------


def test_pages_offer_export_and_import(client: Client, world: Any) -> None:
    client.force_login(world.lead)
    export_url = reverse("emergency:event_export", kwargs={"event_id": world.event.pk})
    import_url = reverse("emergency:event_import", kwargs={"staff_id": world.target.pk})
    assert (
        export_url
        in client.get(reverse("emergency:event_detail", kwargs={"event_id": world.event.pk})).content.decode()
    )
    assert (
        import_url
        in client.get(
            reverse("emergency:staff_detail", kwargs={"staff_id": world.target.pk})
        ).content.decode()
    )
    response = client.get(export_url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = _body(response)
    page = client.get(import_url)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(import_url, {"file": SimpleUploadedFile("lage.json", data)})
    new = Event.objects.exclude(pk=world.event.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "emergency:event_detail", kwargs={"event_id": new.pk}
    )
    assert LogEntry.objects.filter(event=new).count() == 9


def test_import_page_shows_the_refusal_and_stores_nothing(client: Client, world: Any) -> None:
    client.force_login(world.lead)
    import_url = reverse("emergency:event_import", kwargs={"staff_id": world.target.pk})
    doc = json.loads(export_bytes(world.s2, world.event.pk))
    doc["format"] = "etwas anderes"
    before = _stored()
    response = client.post(import_url, {"file": SimpleUploadedFile("lage.json", json.dumps(doc).encode())})
    assert response.status_code == 200
    assert "kein Export einer Lage aus Verbund" in response.content.decode()
    assert _stored() == before
    client.force_login(world.kgs)
    assert client.get(import_url).status_code == 403
    client.force_login(world.s2)
    assert client.get(import_url).status_code == 404
    assert (
        client.get(reverse("emergency:event_export", kwargs={"event_id": world.event.pk})).status_code == 200
    )
    client.force_login(world.clerk)
    assert (
        client.get(reverse("emergency:event_export", kwargs={"event_id": world.event.pk})).status_code == 404
    )
