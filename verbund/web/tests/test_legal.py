"""Legal pages: Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit render for everyone
and are linked in the footer of every page; only Plattformbetrieb edits them (with a preview), every
change is audited; the feedback form of the accessibility statement validates, stores, keeps bots
out (honeypot) and limits a session; the restricted Markdown never lets HTML through."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import present
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden
from verbund.web.legal import markup, services
from verbund.web.legal.defaults import ACCESSIBILITY_SECTIONS, DEFAULTS
from verbund.web.legal.models import AccessibilityFeedback, LegalPage
from verbund.web.legal.views import FEEDBACK_LIMIT

pytestmark = pytest.mark.django_db

LEGAL_URLS = {
    "impressum": "/impressum/",
    "datenschutz": "/datenschutz/",
    "barrierefreiheit": "/barrierefreiheit/",
}


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "page without <h1>"
    return match.group(1).strip()


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(LEGAL_URLS))
def test_legal_pages_render_for_anonymous_visitors_with_the_default_template(client: Any, kind: str) -> None:
    response = client.get(LEGAL_URLS[kind])
    html = response.content.decode()

    assert response.status_code == 200
    assert _h1(html) == DEFAULTS[kind][0]
    assert 'class="vb-placeholder"' in html  # the template's gaps are visible
    assert "Text bearbeiten" not in html  # no edit link for the public


def test_the_accessibility_statement_has_the_sections_of_the_eu_model() -> None:
    headings = markup.headings(DEFAULTS["barrierefreiheit"][1])
    assert list(ACCESSIBILITY_SECTIONS) == [h for h in headings if h in ACCESSIBILITY_SECTIONS]
    assert set(ACCESSIBILITY_SECTIONS) <= set(headings)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/koerperschaften/",
        "/verbuende/",
        "/foerderung/",
        "/impressum/",
        "/opendata/",
        "/konto/anmelden/",
    ],
)
def test_every_page_links_the_legal_pages_in_its_footer(client: Any, url: str) -> None:
    html = client.get(url).content.decode()
    footer = html[html.index("<footer") :]

    for target in LEGAL_URLS.values():
        assert f'href="{target}"' in footer, f"{url}: footer lacks {target}"


def test_a_signed_in_page_links_them_too_and_the_operator_sees_the_editor(client: Any) -> None:
    client.force_login(UserFactory.create(operator=True))
    footer = client.get("/verbuende/").content.decode().split("<footer", 1)[1]
    assert 'href="/impressum/"' in footer and 'href="/betrieb/rechtstexte/"' in footer

    client.force_login(UserFactory.create())
    footer = client.get("/verbuende/").content.decode().split("<footer", 1)[1]
    assert 'href="/datenschutz/"' in footer and "/betrieb/rechtstexte/" not in footer


# --- editing ----------------------------------------------------------------------------------------


def test_only_the_operator_edits(client: Any) -> None:
    url = reverse("legal:edit", args=["impressum"])
    assert client.get(url).status_code == 302  # anonymous: to the login

    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "Impressum", "body": "Böse", "speichern": "1"}).status_code == 403
    assert client.get(reverse("legal:manage")).status_code == 403
    assert client.get(reverse("legal:feedback_list")).status_code == 403
    assert not LegalPage.objects.exists()

    client.force_login(UserFactory.create(operator=True))
    assert client.get(url).status_code == 200
    assert client.get(reverse("legal:edit", args=["unbekannt"])).status_code == 404


def test_the_service_refuses_non_operators_and_system_actors_without_the_capability() -> None:
    with pytest.raises(Forbidden):
        services.legal_page_update(actor=UserFactory.create(), kind="impressum", title="X", body="Y")
    with pytest.raises(Forbidden):
        services.legal_page_update(
            actor=SystemActor(name="Skript", capabilities=frozenset()), kind="impressum", title="X", body="Y"
        )
    with pytest.raises(TypeError):
        services.legal_page_update(actor=None, kind="impressum", title="X", body="Y")  # type: ignore[arg-type]
    assert not LegalPage.objects.exists()


def test_preview_shows_the_rendered_text_without_saving(client: Any) -> None:
    client.force_login(UserFactory.create(operator=True))
    response = client.post(
        reverse("legal:edit", args=["impressum"]),
        {"title": "Impressum", "body": "## Anbieter\n\nStadt **Musterhausen**", "vorschau": "1"},
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "Vorschau (nicht gespeichert)" in html
    assert "<strong>Musterhausen</strong>" in html
    assert not LegalPage.objects.exists()
    assert not AuditEntry.objects.filter(action="legal_page.update").exists()


def test_saving_stores_the_text_shows_it_and_audits_the_change(client: Any) -> None:
    operator = UserFactory.create(operator=True)
    client.force_login(operator)
    body = (
        "## Anbieter\n\nStadtverwaltung Musterhausen\nMarktplatz 1\n\n"
        "- E-Mail: [post@example.org](mailto:post@example.org)"
    )
    response = client.post(
        reverse("legal:edit", args=["impressum"]), {"title": "Impressum", "body": body, "speichern": "1"}
    )

    assert response.status_code == 302 and response["Location"] == "/impressum/"
    page = LegalPage.objects.get(kind="impressum")
    assert page.updated_by == operator and "Marktplatz 1" in page.body
    entry = AuditEntry.objects.get(action="legal_page.update")
    old_length = len(DEFAULTS["impressum"][1])
    assert entry.changes["text_length"] == [old_length, len(page.body)]
    assert entry.changes["lines_added"] > 0 and entry.changes["lines_removed"] > 0
    assert entry.changes["placeholders"][0] == len(markup.placeholders(DEFAULTS["impressum"][1]))
    assert entry.changes["placeholders"][1] == 0
    view = present(entry)
    assert view.sentence.endswith("hat den Rechtstext „Impressum“ geändert.")
    assert not any(line.unlabelled for line in view.changes)

    public = client.get("/impressum/").content.decode()
    assert "Marktplatz 1" in public and 'href="mailto:post@example.org"' in public
    assert 'class="vb-placeholder"' not in public

    # Saving the same text again changes nothing and writes no second entry.
    client.post(
        reverse("legal:edit", args=["impressum"]), {"title": "Impressum", "body": body, "speichern": "1"}
    )
    assert AuditEntry.objects.filter(action="legal_page.update").count() == 1


def test_an_empty_text_is_refused_in_german(client: Any) -> None:
    client.force_login(UserFactory.create(operator=True))
    response = client.post(
        reverse("legal:edit", args=["datenschutz"]), {"title": "Datenschutz", "body": "   ", "speichern": "1"}
    )
    assert response.status_code == 400
    assert (
        "Dieses Feld ist zwingend erforderlich." in response.content.decode()
        or "leer" in response.content.decode()
    )
    assert not LegalPage.objects.exists()


def test_the_markup_never_lets_html_or_script_links_through() -> None:
    html = markup.render(
        "<script>alert(1)</script>\n\n[klick](javascript:alert(1)) [los](javascript:void) "
        "[ok](https://example.org/?a=1&b=2) "
        "[intern](/verbuende/) [[BITTE AUSFÜLLEN: Name]]\n\n<img src=x onerror=alert(1)>"
    )

    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "href='javascript" not in html
    assert " los " in html  # a forbidden target: the text stays, the link goes
    assert 'href="https://example.org/?a=1&amp;b=2"' in html
    assert 'href="/verbuende/"' in html
    assert '<mark class="vb-placeholder">[BITTE AUSFÜLLEN: Name]</mark>' in html


def test_the_markup_knows_headings_lists_and_paragraphs() -> None:
    html = markup.render("# Titel\n\n### Unter\n\nZeile eins\nZeile zwei\n\n- a\n- **b**")
    assert '<h2 class="kern-heading-medium">Titel</h2>' in html
    assert '<h3 class="kern-heading-small">Unter</h3>' in html
    assert "Zeile eins<br>\nZeile zwei" in html
    assert '<ul class="kern-list"><li>a</li><li><strong>b</strong></li></ul>' in html


# --- feedback ---------------------------------------------------------------------------------------

FEEDBACK = {"message": "Die Karte lässt sich nicht mit der Tastatur bedienen.", "page_url": "/verbuende/"}


def test_the_feedback_form_stores_a_message_without_name_or_email(client: Any) -> None:
    response = client.post("/barrierefreiheit/", FEEDBACK)

    assert response.status_code == 302
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.message == FEEDBACK["message"] and feedback.name == "" and feedback.email == ""
    entry = AuditEntry.objects.get(action="accessibility_feedback.submit")
    assert entry.actor_label == "Rückmeldeformular Barrierefreiheit"
    assert "Karte" not in str(entry.changes) and entry.object_repr == f"Rückmeldung Nr. {feedback.pk}"
    assert "Vielen Dank" in client.get(response["Location"]).content.decode()


def test_the_feedback_form_needs_a_message_and_a_valid_email(client: Any) -> None:
    response = client.post("/barrierefreiheit/", {"message": "  ", "email": "keine-adresse"})
    html = response.content.decode()

    assert response.status_code == 400
    assert "Bitte beschreiben Sie das Problem." in html
    assert "gültige E-Mail-Adresse" in html
    assert not AccessibilityFeedback.objects.exists()


def test_the_honeypot_keeps_bots_out(client: Any) -> None:
    response = client.post("/barrierefreiheit/", {**FEEDBACK, "website": "http://spam.example"})

    assert response.status_code == 302  # the bot learns nothing
    assert not AccessibilityFeedback.objects.exists()
    assert not AuditEntry.objects.filter(action="accessibility_feedback.submit").exists()


def test_a_session_may_send_only_a_few_messages_an_hour(client: Any) -> None:
    for _ in range(FEEDBACK_LIMIT):
        assert client.post("/barrierefreiheit/", FEEDBACK).status_code == 302
    response = client.post("/barrierefreiheit/", FEEDBACK)

    assert response.status_code == 429
    assert "später noch einmal" in response.content.decode()
    assert AccessibilityFeedback.objects.count() == FEEDBACK_LIMIT


def test_the_operator_reads_and_closes_feedback(client: Any) -> None:
    services.feedback_submit(
        actor=services.FEEDBACK_FORM,
        name="Erika",
        email="erika@example.org",
        page_url="/",
        message="Kontrast zu gering",
    )
    feedback = AccessibilityFeedback.objects.get()
    client.force_login(UserFactory.create(operator=True))

    html = client.get(reverse("legal:feedback_list")).content.decode()
    assert "Kontrast zu gering" in html and "erika@example.org" in html
    assert "Offene Rückmeldungen: 1." in client.get(reverse("legal:manage")).content.decode()

    response = client.post(reverse("legal:feedback_handle", args=[feedback.pk]))
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.handled_at is not None
    assert AuditEntry.objects.filter(action="accessibility_feedback.handle").count() == 1
    assert "Kontrast zu gering" not in client.get(reverse("legal:feedback_list")).content.decode()
    assert (
        "Kontrast zu gering" in client.get(reverse("legal:feedback_list") + "?status=alle").content.decode()
    )


def test_a_user_who_is_no_operator_cannot_close_feedback(client: Any) -> None:
    feedback = services.feedback_submit(
        actor=services.FEEDBACK_FORM, name="", email="", page_url="", message="Zu kleine Schrift"
    )
    client.force_login(UserFactory.create())
    assert client.post(reverse("legal:feedback_handle", args=[feedback.pk])).status_code == 403
    feedback.refresh_from_db()
    assert feedback.handled_at is None
