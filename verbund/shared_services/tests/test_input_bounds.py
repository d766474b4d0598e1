"""Inputs that ended in a server error: a huge volume or a very long line in a volume CSV (issue 11)."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.shared_services import services
from verbund.shared_services.models import VolumeRecord
from verbund.shared_services.services import VolumeImportError

pytestmark = pytest.mark.django_db


def _csv(*rows: str) -> io.BytesIO:
    return io.BytesIO(("ars;von;bis;menge;bemerkung\n" + "\n".join(rows) + "\n").encode())


@pytest.mark.parametrize("quantity", ["1e30", "1E+30", "100000000000", "99999999999,99"])
def test_a_huge_volume_in_a_csv_is_refused_with_line_and_field(
    ss: SimpleNamespace, service: Any, quantity: str
) -> None:
    file = _csv(f"{ss.vg_b.ars};01.01.2025;31.12.2025;{quantity};")
    with pytest.raises(VolumeImportError) as refused:
        services.volume_import_csv(actor=ss.clerk_a, service=service, file=file)
    assert "Zeile 2" in str(refused.value)
    assert "menge" in str(refused.value)
    assert not VolumeRecord.objects.exists()


def test_a_very_long_line_in_a_csv_is_refused(ss: SimpleNamespace, service: Any) -> None:
    file = _csv(f"{ss.vg_b.ars};01.01.2025;31.12.2025;12;" + "x" * 300_000)
    with pytest.raises(VolumeImportError) as refused:
        services.volume_import_csv(actor=ss.clerk_a, service=service, file=file)
    assert "Zeile 2" in str(refused.value)
    assert not VolumeRecord.objects.exists()


def test_a_note_beyond_its_field_is_refused_not_cut(ss: SimpleNamespace, service: Any) -> None:
    file = _csv(f"{ss.vg_b.ars};01.01.2025;31.12.2025;12;" + "x" * 201)
    with pytest.raises(VolumeImportError) as refused:
        services.volume_import_csv(actor=ss.clerk_a, service=service, file=file)
    assert "Zeile 2, Feld bemerkung" in str(refused.value)
    assert not VolumeRecord.objects.exists()


@pytest.mark.parametrize("quantity", ["1e30", "1E+30", "100000000000", 1e30])
def test_the_api_refuses_a_huge_volume_with_422(ss: SimpleNamespace, service: Any, quantity: Any) -> None:
    client = Client()
    client.force_login(ss.clerk_a)
    response = client.post(
        f"/api/v1/shared-services/{service.pk}/volumes",
        json.dumps(
            {
                "ars": ss.vg_b.ars,
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "quantity": quantity,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert not VolumeRecord.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        "ars;von;bis;menge\n{ars};01.01.2025;31.12.2025;1e30\n",
        "ars;von;bis;menge;bemerkung\n{ars};01.01.2025;31.12.2025;1;" + "y" * 200_000 + "\n",
        'ars;von;bis;menge;bemerkung\n{ars};01.01.2025;31.12.2025;1;"' + "z\n" * 70_000 + "\n",
    ],
    ids=["huge", "long-line", "unclosed-quote"],
)
def test_the_api_and_the_form_refuse_a_bad_csv_naming_the_line(
    ss: SimpleNamespace, service: Any, content: str
) -> None:
    client = Client()
    client.force_login(ss.clerk_a)
    data = content.replace("{ars}", ss.vg_b.ars).encode()
    response = client.post(
        f"/api/v1/shared-services/{service.pk}/volumes/import",
        {"file": SimpleUploadedFile("mengen.csv", data)},
    )
    assert response.status_code == 422, response.content
    assert "Zeile 2" in response.json()["detail"]
    page = client.post(
        f"/dienste/{service.pk}/mengen/?jahr=2025", {"file": SimpleUploadedFile("mengen.csv", data)}
    )
    assert page.status_code == 200
    assert "Zeile 2" in page.content.decode()
    assert not VolumeRecord.objects.exists()


def test_the_form_refuses_a_huge_volume(ss: SimpleNamespace, service: Any) -> None:
    client = Client()
    client.force_login(ss.clerk_a)
    page = client.post(
        f"/dienste/{service.pk}/mengen/?jahr=2025",
        {
            "ars": ss.vg_b.ars,
            "period_start": "01.01.2025",
            "period_end": "31.12.2025",
            "quantity": "1e30",
            "note": "",
        },
    )
    assert page.status_code == 200
    assert not VolumeRecord.objects.exists()
