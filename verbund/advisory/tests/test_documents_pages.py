"""Pages under /beratung/vorlagen/ and /api/v1/advisory/templates: who sees, fills and adds versions."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from verbund.advisory import audit_actions
from verbund.advisory.models import TemplateVersion
from verbund.audit.models import AuditEntry

from .test_documents_services import docx_text, make_world, odt_text

pytestmark = pytest.mark.django_db
API = "/api/v1/advisory/templates"


@pytest.fixture
def world() -> Any:
    return make_world()


def _json(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, payload, content_type="application/json")


# --- pages ------------------------------------------------------------------------------------------


def test_the_home_page_links_the_templates(client: Client, world: Any) -> None:
    client.force_login(world.head)
    html = client.get(reverse("advisory:home")).content.decode()
    assert reverse("advisory:template_list") in html


def test_anonymous_visitors_are_sent_to_the_login(client: Client, world: Any) -> None:
    for url in (
        reverse("advisory:template_list"),
        reverse("advisory:template_detail", args=["zweckvereinbarung"]),
        reverse("advisory:template_download", args=["zweckvereinbarung"]) + f"?verbund={world.alliance.slug}",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/") and "next=" in response["Location"]


def test_list_and_detail_show_the_versions(client: Client, world: Any) -> None:
    client.force_login(world.outsider)
    html = client.get(reverse("advisory:template_list")).content.decode()
    assert "Zweckvereinbarung nach §§ 12, 13 KomZG" in html
    detail = client.get(reverse("advisory:template_detail", args=["zweckvereinbarung"])).content.decode()
    assert "Erste Fassung des Mustertextes der Beratungsstelle" in detail
    assert "{{ aufsichtsbehoerde }}" in detail  # the placeholders are listed
    assert reverse("advisory:template_version_new", args=["zweckvereinbarung"]) not in detail
    version = client.get(reverse("advisory:template_version", args=["zweckvereinbarung", 1]))
    assert version.status_code == 200 and "§ Gegenstand der Vereinbarung" in version.content.decode()
    assert client.get(reverse("advisory:template_version", args=["zweckvereinbarung", 7])).status_code == 404
    assert client.get(reverse("advisory:template_detail", args=["gibt-es-nicht"])).status_code == 404


def test_the_office_checks_then_saves_a_new_version(client: Client, world: Any) -> None:
    client.force_login(world.office)
    url = reverse("advisory:template_version_new", args=["zweckvereinbarung"])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"body": "# T\n{{ verbund.nmae }}", "note": "Test"})
    assert "Zeile 2: Unbekannter Platzhalter „verbund.nmae“." in bad.content.decode()
    checked = client.post(url, {"body": "# T\nFür {{ verbund.name }}", "note": "Test"})
    assert "Kooperationsverbund Beispiel" in checked.content.decode()  # the example data
    assert not TemplateVersion.objects.filter(template=world.template, number=2).exists()
    saved = client.post(url, {"body": "# T\nFür {{ verbund.name }}", "note": "Test", "confirm": "1"})
    assert saved.status_code == 302
    assert TemplateVersion.objects.get(template=world.template, number=2).note == "Test"


def test_others_may_not_add_versions(client: Client, world: Any) -> None:
    client.force_login(world.head)
    url = reverse("advisory:template_version_new", args=["zweckvereinbarung"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "# T", "note": "x", "confirm": "1"}).status_code == 403
    assert not TemplateVersion.objects.filter(template=world.template, number=2).exists()


def test_the_fill_page_offers_own_alliances_and_previews(client: Client, world: Any) -> None:
    client.force_login(world.head)
    url = reverse("advisory:template_fill", args=["zweckvereinbarung"])
    html = client.get(url).content.decode()
    assert world.alliance.name in html and world.hidden.name not in html
    preview = client.get(url, {"verbund": world.alliance.slug, "fassung": "1"}).content.decode()
    assert "Für Verbandsgemeinde Buchenland" in preview
    assert "format=docx" in preview and "format=odt" in preview and "format=pdf" in preview
    foreign = client.get(url, {"verbund": world.hidden.slug, "fassung": "1"})
    assert foreign.status_code == 200 and "Für Verbandsgemeinde Buchenland" not in foreign.content.decode()


def test_a_member_downloads_and_an_outsider_is_refused(client: Client, world: Any) -> None:
    url = reverse("advisory:template_download", args=["zweckvereinbarung"])
    client.force_login(world.clerk_buche)
    response = client.get(url, {"verbund": world.alliance.slug, "format": "docx"})
    assert response.status_code == 200
    assert 'filename="zweckvereinbarung-standesamt-sud-' in response["Content-Disposition"]
    assert "Verbandsgemeinde Buchenland" in docx_text(response.content)
    client.force_login(world.outsider)
    assert client.get(url, {"verbund": world.alliance.slug, "format": "docx"}).status_code == 403
    client.force_login(world.head)
    assert client.get(url, {"verbund": world.hidden.slug, "format": "docx"}).status_code == 404
    assert AuditEntry.objects.filter(action=audit_actions.TEMPLATE_FILL.code).count() == 1


# --- API --------------------------------------------------------------------------------------------


def test_api_lists_and_shows_templates(client: Client, world: Any) -> None:
    assert client.get(API).status_code == 401
    client.force_login(world.outsider)
    body = client.get(API).json()
    assert body["count"] >= 3 and {"zweckvereinbarung", "beschlussvorlage-rat"} <= {
        i["slug"] for i in body["items"]
    }
    detail = client.get(f"{API}/zweckvereinbarung").json()
    assert detail["versions"][0]["number"] == 1 and not detail["may_add_version"]
    assert any(p["name"] == "aufsichtsbehoerde" for p in detail["placeholders"])
    assert client.get(f"{API}/nichts").status_code == 404
    assert "KomZG" in client.get(f"{API}/zweckvereinbarung/versions/1").json()["source"]


def test_api_adds_versions_for_the_office_only(client: Client, world: Any) -> None:
    client.force_login(world.head)
    assert _json(client, f"{API}/zweckvereinbarung/versions", {"body": "# T", "note": "x"}).status_code == 403
    client.force_login(world.office)
    bad = _json(client, f"{API}/zweckvereinbarung/versions", {"body": "# T\n\n\n{{ kosten }}", "note": "x"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "body: Zeile 4: Unbekannter Platzhalter „kosten“."
    made = _json(client, f"{API}/zweckvereinbarung/versions", {"body": "# T\n{{ datum }}", "note": "neu"})
    assert made.status_code == 201 and made.json()["number"] == 2
    assert TemplateVersion.objects.get(template=world.template, number=1).body.startswith(
        "# Zweckvereinbarung"
    )
    # a version is never changed: there is no route that writes one
    assert client.put(
        f"{API}/zweckvereinbarung/versions/1", {"body": "x"}, content_type="application/json"
    ).status_code in (404, 405)


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_api_fills_for_insiders(client: Client, world: Any, fmt: str) -> None:
    url = f"{API}/verwaltungsvereinbarung/fill"
    client.force_login(world.head)
    response = client.get(url, {"alliance": world.alliance.slug, "format": fmt})
    assert response.status_code == 200
    text = (docx_text if fmt == "docx" else odt_text)(response.content)
    assert "Verbandsgemeinde Ahornwald und Verbandsgemeinde Buchenland" in text
    client.force_login(world.outsider)
    assert client.get(url, {"alliance": world.alliance.slug, "format": fmt}).status_code == 403
    assert client.get(url, {"alliance": "unbekannt", "format": fmt}).status_code == 404
    assert client.get(url, {"alliance": world.alliance.slug, "format": "exe"}).status_code == 422


def test_api_fill_pdf_for_the_office(client: Client, world: Any) -> None:
    import pypdf

    client.force_login(world.office)
    response = client.get(
        f"{API}/beschlussvorlage-rat/fill", {"alliance": world.alliance.slug, "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Verbandsgemeinde Buchenland" in text and "Beschlussvorschlag" in text


def test_api_fill_anonymous_is_401(client: Client, world: Any) -> None:
    response = client.get(f"{API}/zweckvereinbarung/fill", {"alliance": world.alliance.slug})
    assert response.status_code == 401


def test_the_pages_show_no_internal_words(client: Client, world: Any) -> None:
    from verbund.web.tests.test_no_internal_words import _Reader, internal_words

    client.force_login(world.office)
    fill = reverse("advisory:template_fill", args=["beschlussvorlage-rat"])
    urls = [
        reverse("advisory:template_list"),
        reverse("advisory:template_detail", args=["zweckvereinbarung"]),
        reverse("advisory:template_version", args=["zweckvereinbarung", 1]),
        reverse("advisory:template_version_new", args=["zweckvereinbarung"]),
        f"{fill}?verbund={world.alliance.slug}&fassung=1",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        reader = _Reader()
        reader.feed(response.content.decode())
        found = [word for text in reader.texts for word in internal_words(text)]
        assert not found, (url, found)
