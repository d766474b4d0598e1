"""English, and German done right: the visitor's language decides the texts, German stays the default.

* An English browser (``Accept-Language: en``) reads the start page, the directory, the login, the
  account page and the error pages in English; a German one (or one that asks for nothing) in German.
* A crawl with English active, as an anonymous visitor and as the operator, of every page without
  parameters (the same resolver walk as ``test_guards.py``): no German text of any catalogue (a
  msgid whose English differs, at least 10 characters, without placeholders) may appear in the
  HTML. A generic detector of texts that are marked but untranslated, or rendered without gettext.
* Numbers, amounts and dates keep the German notation in both languages (settings:
  ``FORMAT_MODULE_PATH``; the forms read German input).
* The switch (``set_language``) sets the cookie and, for a signed-in person, ``User.language``; at
  sign-in the account's language is applied; the error pages are German in the site's layout.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tools import translations
from verbund.accounts.models import User
from verbund.accounts.tests.factories import UserFactory
from verbund.web.tests.test_guards import PARAMETERLESS, Route, body, site  # noqa: F401  (fixtures)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DE = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}
COOKIE = settings.LANGUAGE_COOKIE_NAME


# --- the detector ---------------------------------------------------------------------------------


@cache
def german_texts() -> dict[str, str]:
    """German msgid → part, for every msgid of every catalogue whose English differs (≥ 10 chars,
    no placeholder): if one of them appears on an English page, a text was left German."""
    found: dict[str, str] = {}
    for part in translations.parts():
        catalogue = translations.load(part, "en")
        for message in catalogue:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            string = message.string if isinstance(message.string, str) else (message.string or ("",))[0]
            if not msgid or len(msgid) < 10 or "%" in msgid or "{" in msgid:
                continue
            if string and string != msgid:
                found[msgid] = part.name
    return found


_READABLE_ATTRIBUTES = frozenset({"aria-label", "title", "placeholder", "alt"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _Reader(HTMLParser):
    """Collects what a person reads: text between tags and the readable attributes, leaving out
    scripts, styles (JSON islands with data are no UI text) and parts marked German on purpose
    (``lang="de"`` below ``<html>``: a legal text, a document title that stays German)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in ("script", "style") or (tag != "html" and (values.get("lang") or "").startswith("de"))
        if not skip and not self._skipping():
            self.texts.extend(v for k, v in attrs if k in _READABLE_ATTRIBUTES and v)
        if tag not in _VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.texts.append(data)


def readable_texts(page: str) -> list[str]:
    reader = _Reader()
    reader.feed(page)
    return [" ".join(text.split()) for text in reader.texts if text.strip()]


def german_left_on(page: str) -> list[str]:
    """The German msgids on ``page``: a text that *is* one, or contains a sentence of one (a long
    msgid of several words, ≥ 25 characters, which no name in the data matches by chance)."""
    texts = readable_texts(page)
    whole = set(texts)
    return sorted(
        f"[{part}] {msgid!r}"
        for msgid, part in german_texts().items()
        if msgid in whole or (len(msgid) >= 25 and " " in msgid and any(msgid in text for text in texts))
    )


def test_the_detector_finds_german_and_passes_english() -> None:
    assert german_texts(), "the catalogues are empty: run `python -m tools.translations compile`"
    assert "Zum Inhalt springen" in german_texts()
    assert german_left_on("<p>Zum Inhalt springen</p>") == ["[web] 'Zum Inhalt springen'"]
    assert german_left_on("<p>Skip to content</p><script>'Zum Inhalt springen'</script>") == []
    assert german_left_on('<nav aria-label="Hauptnavigation"></nav>') == ["[web] 'Hauptnavigation'"]
    # a German name in the data that contains a short msgid is no untranslated text
    assert german_left_on("<td>Gemeinsames Rechenzentrum Süd</td>") == []
    # a part that is German on purpose says so (lang="de"), for screen readers too
    assert german_left_on('<div lang="de"><h2>Zum Inhalt springen</h2><br></div><p>x</p>') == []


# --- the visitor's language -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "english", "german"),
    [
        ("/", "Skip to content", "Zum Inhalt springen"),
        ("/koerperschaften/", "Public bodies", "Körperschaften"),
        ("/verbuende/", "Alliances", "Verbünde"),
        ("/konto/anmelden/", "Sign in", "Anmelden"),
        ("/gibt-es-nicht/", "Page not found", "Seite nicht gefunden"),
    ],
)
def test_an_english_browser_reads_english_and_a_german_one_german(
    client: Any, url: str, english: str, german: str
) -> None:
    page = client.get(url, **EN).content.decode()
    assert english in page
    assert '<html lang="en">' in page
    page = client.get(url, **DE).content.decode()
    assert german in page and english not in page
    assert '<html lang="de">' in page
    # nothing asked for: German
    assert '<html lang="de">' in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_account_page_in_english(client: Any) -> None:
    user = UserFactory.create()
    client.force_login(user)
    page = client.get(reverse("accounts:account"), **EN).content.decode()
    assert "My account" in page and "API tokens" in page
    assert german_left_on(page) == []
    assert "Mein Konto" in client.get(reverse("accounts:account"), **DE).content.decode()


@pytest.mark.django_db
def test_the_cookie_wins_over_accept_language(client: Any) -> None:
    client.cookies[COOKIE] = "de"
    assert '<html lang="de">' in client.get("/", **EN).content.decode()
    client.cookies[COOKIE] = "en"
    assert '<html lang="en">' in client.get("/", **DE).content.decode()


# --- the crawl ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", PARAMETERLESS, ids=[r.name for r in PARAMETERLESS])
def test_no_german_text_on_english_pages(client: Any, site: SimpleNamespace, route: Route) -> None:  # noqa: F811
    url = reverse(route.name) if ":" in route.name else "/" + route.pattern
    client.cookies[COOKIE] = "en"
    left: dict[str, list[str]] = {}
    for who in ("anonymous", "operator"):
        if who == "operator":
            client.force_login(site.operator)
        response = client.get(url, **EN)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            found = german_left_on(response.content.decode())
            if found:
                left[who] = found
    assert not left, f"German text on the English page {url}: {left}"


# --- switching --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_switch_sets_the_cookie_for_a_visitor(client: Any) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/koerperschaften/"})
    assert response.status_code == 302 and response["Location"] == "/koerperschaften/"
    assert response.cookies[COOKIE].value == "en"
    assert '<html lang="en">' in client.get("/koerperschaften/").content.decode()


@pytest.mark.django_db
def test_the_switch_refuses_a_foreign_next_and_a_get(client: Any) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get(reverse("set_language")).status_code == 405


@pytest.mark.django_db
def test_the_switch_remembers_the_choice_in_the_account(client: Any) -> None:
    user = UserFactory.create()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})  # unknown: ignored
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_signing_in_applies_the_accounts_language(client: Any) -> None:
    user = UserFactory.create(password="Ein-langes-Passwort-2026")
    User.objects.filter(pk=user.pk).update(language="en")
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "Ein-langes-Passwort-2026"},
        **DE,
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert '<html lang="en">' in client.get("/", **DE).content.decode()


@pytest.mark.django_db
def test_signing_in_without_a_choice_remembers_the_language_in_use(client: Any) -> None:
    user = UserFactory.create(password="Ein-langes-Passwort-2026")
    assert user.language == ""
    client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "Ein-langes-Passwort-2026"},
        **EN,
    )
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_the_switch_is_in_the_header_with_both_languages_named_in_their_own(client: Any) -> None:
    page = client.get("/").content.decode()
    form = re.search(r'<form[^>]*action="/sprache/setlang/".*?</form>', page, flags=re.S)
    assert form, "the language switch is in the header"
    buttons = re.findall(r"<button[^>]*>.*?</button>", form.group(0), flags=re.S)
    assert len(buttons) == 2
    german, english = buttons
    assert 'value="de" lang="de"' in german and "aria-current" in german and "Deutsch" in german
    assert 'value="en" lang="en"' in english and "aria-current" not in english and "English" in english
    assert 'aria-label="Sprache"' in form.group(0)
    assert 'name="next" value="/"' in form.group(0)


# --- German notation in both languages ------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_numbers_amounts_and_dates_keep_the_german_notation(language: str) -> None:
    import datetime as dt

    template = Template(
        "{% load ui humanize %}{{ amount|de_money }}|{{ number|de_number:1 }}|{{ day|de_date }}|"
        "{{ big|intcomma }}|{{ area|floatformat:'2g' }}"
    )
    context = Context(
        {
            "amount": Decimal("1234.5"),
            "number": Decimal("1234.56"),
            "day": dt.date(2026, 12, 3),
            "big": 12500,
            "area": Decimal("1234.5"),
        }
    )
    with translation.override(language):
        assert template.render(context) == "1.234,50 EUR|1.234,6|03.12.2026|12.500|1.234,50"


def test_german_input_is_read_in_english_too() -> None:
    from verbund.ui.forms import money_field

    field = money_field("Betrag")
    with translation.override("en"):
        assert field.clean("6.500,00") == Decimal("6500.00")
        assert field.clean("1.250") == Decimal("1250")
        with pytest.raises(Exception, match="is not a number"):
            field.clean("1,234.50")


# --- error pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_error_pages_are_german_in_the_sites_layout(client: Any) -> None:
    page = client.get("/gibt-es-nicht/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "Seite nicht gefunden" in text and 'aria-label="Hauptnavigation"' in text
    assert "Zur Startseite" in text

    user = UserFactory.create()
    client.force_login(user)
    page = client.get(reverse("accounts:users"))  # a clerk manages no users: 403
    assert page.status_code == 403
    text = page.content.decode()
    assert "Keine Berechtigung" in text and "keine Berechtigung" in text
    assert 'aria-label="Hauptnavigation"' in text
    # the refusal's own reason is shown too
    assert "Benutzerkonten verwalten der Plattformbetrieb und die Verwaltungsleitungen." in text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_403_page_in_english(client: Any) -> None:
    client.force_login(UserFactory.create())
    text = client.get(reverse("accounts:users"), **EN).content.decode()
    assert "Not authorised" in text
    assert "User accounts are managed by platform operations" in text


def test_the_500_page_renders_without_context_processors_or_database(rf: Any) -> None:
    from verbund.web.errors import server_error

    # no database access allowed here (no django_db mark): a query would fail the test
    with translation.override("de"):
        response = server_error(rf.get("/kaputt/"))
    text = response.content.decode()
    assert response.status_code == 500
    assert "Interner Fehler" in text and 'aria-label="Hauptnavigation"' in text
    assert '<html lang="de">' in text
    with translation.override("en"):
        assert "Internal error" in server_error(rf.get("/kaputt/")).content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_csrf_failure_shows_the_german_403_page() -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403
    assert "Das Formular ist abgelaufen" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_400_page(rf: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import SuspiciousOperation

    from verbund.web.errors import bad_request

    request = rf.get("/")
    request.user = AnonymousUser()
    response = bad_request(request, SuspiciousOperation("kaputt"))
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


# --- the audit log: stored German, read in the reader's language --------------------------------------


@pytest.mark.django_db
def test_the_audit_log_stores_german_whatever_the_writer_reads() -> None:
    from verbund.accounts.models import Role, RoleAssignment
    from verbund.accounts.services import role_assign
    from verbund.audit.models import AuditEntry
    from verbund.audit.presenters import present
    from verbund.registry.tests.factories import BodyFactory

    operator = UserFactory.create(operator=True)
    clerk = UserFactory.create(username="erika")
    landstuhl = BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")
    with translation.override("en"):  # an English-reading operator assigns the role
        role_assign(actor=operator, user=clerk, role=Role.SACHBEARBEITUNG, body=landstuhl)
    entry = AuditEntry.objects.get(action="role.assign")
    assert entry.object_repr == "Sachbearbeitung (Landstuhl)"  # stored: German, not "Case officer"
    assert RoleAssignment.objects.filter(user=clerk).exists()
    with translation.override("de"):
        assert (
            present(entry).sentence
            == f"{operator.username} hat die Rolle „Sachbearbeitung (Landstuhl)“ vergeben."
        )
    with translation.override("en"):
        view = present(entry)
        assert view.sentence == f"{operator.username} assigned the role „Sachbearbeitung (Landstuhl)“."
        assert view.object_type_label == "Role assignment"
        lines = [str(line) for line in view.changes]
        assert (
            "Role: Case officer" in lines and "User account: erika" in lines
        )  # the code "sachbearbeitung", labelled
    assert entry.changes["role"] == "sachbearbeitung"  # stored: the code
