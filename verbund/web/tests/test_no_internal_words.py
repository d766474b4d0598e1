"""No internal words reach a reader: a crawl of the demo product as the people who use it.

The demo data (``load_demo``: registry sample or real directory, alliances, funding, shared services,
planning with finished runs) is loaded once; then the site is crawled by following links, as an
anonymous visitor, the advisory office (reads everything that is not confidential), the funding
authority and an alliance coordinator. Every page's readable text (and every CSV it links to) must
not contain what only developers understand: references to the project's own documents
("DOMAIN.md §5"), raw keys and identifiers ("verbandsgemeinde", "kreisfreie_stadt",
"max_population"), a Land by its number ("Land 07"), Python's ``None``/``True``/``False``, or a number
in English notation ("12000.00 EUR", "0.2000").

Left out: what a person edits or copies as it is, not reads as the product's text: the contents of
text areas (the funding authority's rule set in JSON is an expert field), ``<code>`` and ``<pre>``.

The crawl visits at most a few pages of each URL shape (``/planung/szenarien/<n>/``) so that it stays
small while reaching every kind of page the demo has.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from verbund.accounts.models import User

INTERNAL = {
    "Verweis auf interne Dokumente": re.compile(r"\b[A-Z]+\.md\b"),
    "Bezeichner mit Unterstrich": re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])"),
    "roher Schlüssel einer Art": re.compile(
        r"(?<![\w-])(verbandsgemeinde|verbandsfreie_gemeinde|ortsgemeinde|landkreis|kreisfreie_stadt)(?![\w-])"
    ),
    "Land als Nummer": re.compile(r"\bLand \d\d\b"),
    "Python-Wert": re.compile(r"(?<![\w-])(None|True|False)(?![\w-])"),
    # German notation groups thousands in threes after a dot; a dot with 1–2 or 4+ digits behind it
    # (not part of a date such as 04.12.2026 or of an identifier such as EUPL-1.2) is a decimal point.
    "englische Zahl": re.compile(r"(?<![\w.\-/])\d+\.(?:\d{1,2}|\d{4,})(?![\d.])"),
}
# Allowed on purpose: versions of licences and standards ("Namensnennung 2.0", "BITV 2.0", "WCAG 2.1",
# "CC BY 4.0"), section numbers of laws ("§ 2.1"); times of day as German writes them ("um 7.30 Uhr").
ALLOWED = re.compile(
    r"(Version|Namensnennung|Lizenz|§|Nr\.|Ziffer|Stufe|XRechnung|UBL|PDF/UA-|BITV|WCAG|OParl|CSAF|TLS|CVSS|CPE|cpe:"
    r"|CC BY(?:-[A-Z]{2})*)\s*[\d.–-]*$"
)
TIME_OF_DAY = re.compile(r"\s*Uhr\b")

SKIP = re.compile(
    r"^/(admin|api|static|media|i18n|konto/abmelden|abmelden|betrieb/sicherung)|"
    r"\.(pdf|xlsx|zip|json|jsonld|geojson|xml)$|/(abmelden|logout)/"
)
PER_SHAPE = 3
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._english = 0  # depth inside an element marked lang="en" (English text may write 0.8)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "style", "code", "pre", "textarea"}:
            self._skip += 1
        if tag not in VOID and (self._english or (values.get("lang") or "").startswith("en")):
            self._english += 1
        href = values.get("href") or ""
        if tag == "a" and href.startswith("/") and "?" not in href:
            self.links.append(href.split("#")[0])
        for name in ("aria-label", "title", "placeholder", "alt"):
            if values.get(name):
                self.texts.append(values[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code", "pre", "textarea"} and self._skip:
            self._skip -= 1
        if tag not in VOID and self._english:
            self._english -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._english and data.strip():
            self.texts.append(data.strip())


def _shape(url: str) -> str:
    return re.sub(r"/\d+(?=/|$|\.)", "/<n>", url)


def internal_words(text: str) -> list[str]:
    found = []
    for name, pattern in INTERNAL.items():
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()]
            if name == "englische Zahl" and (ALLOWED.search(before) or TIME_OF_DAY.match(text, match.end())):
                continue
            found.append(
                f"{name}: {match.group(0)!r} in …{text[max(0, match.start() - 50) : match.end() + 30]!r}"
            )
    return found


def crawl(client: Client, start: str = "/") -> tuple[int, dict[str, list[str]]]:
    """The number of pages read and, by URL, the internal words found there, over the pages
    reachable from ``start``."""
    seen: set[str] = set()
    per_shape: dict[str, int] = defaultdict(int)
    queue = [start]
    findings: dict[str, list[str]] = {}
    read = 0
    while queue:
        url = queue.pop(0)
        if url in seen or SKIP.search(url) or per_shape[_shape(url)] >= PER_SHAPE:
            continue
        seen.add(url)
        per_shape[_shape(url)] += 1
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not ("html" in content_type or "csv" in content_type):
            continue
        read += 1
        if "csv" in content_type:
            text = response.content.decode("utf-8-sig")
            links: list[str] = []
        else:
            reader = _Reader()
            reader.feed(response.content.decode())
            text, links = "\n".join(reader.texts), reader.links
        if words := internal_words(text):
            findings[url] = words
        queue.extend(link for link in links if link not in seen)
    return read, findings


USERS = (None, "beratung", "foerderung", "koordination.donnersberg")


def main() -> None:
    """In a subprocess on a fresh SQLite file (``DATABASE_URL``): migrate, load the demo, crawl as each
    of :data:`USERS`, print the findings as JSON (the test database is not touched)."""
    import json

    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    result = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for username in USERS:
            client = Client()
            if username:
                client.force_login(User.objects.get(username=username))
            read, findings = crawl(client)
            result[username or "anonym"] = {"read": read, "findings": findings}
    print(json.dumps(result, ensure_ascii=False))


def test_no_internal_words_on_any_page(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from verbund.web.tests.test_no_internal_words import main; main()",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == {username or "anonym" for username in USERS}
    # The crawl must have reached the product, not stopped at a login or an error page.
    assert all(crawled["read"] >= 20 for crawled in result.values()), {
        who: crawled["read"] for who, crawled in result.items()
    }
    report = "\n".join(
        f"{who} {url}\n  " + "\n  ".join(words[:4])
        for who, crawled in result.items()
        for url, words in sorted(crawled["findings"].items())
    )
    assert not report, f"Interne Begriffe:\n{report}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kosten 12000.00 EUR", ["englische Zahl"]),
        ("Kosten 12.000,00 EUR am 04.12.2026", []),
        (
            "Träger: verbandsgemeinde, kreisfreie_stadt",
            ["roher Schlüssel einer Art", "Bezeichner mit Unterstrich"],
        ),
        ("Quelle: Rechnungshof (DOMAIN.md §5)", ["Verweis auf interne Dokumente"]),
        ("Region: Land 07", ["Land als Nummer"]),
        ("höchstens max_population: None", ["Bezeichner mit Unterstrich", "Python-Wert"]),
        ("Datenlizenz Deutschland – Namensnennung – Version 2.0, info@verbund.invalid", []),
        ("Verbund ist freie Software (EUPL-1.2), Lizenz dl-by-de/2.0", []),
        ("vereinbar mit BITV 2.0 und EN 301 549 (WCAG 2.1, Stufe AA)", []),
        ("Fixkosten 0.2000 EUR je Fall", ["englische Zahl"]),
        ("Lizenz CC BY 4.0, Korpus CC BY-SA 4.0; geöffnet um 7.30 Uhr", []),
        ("7.30 Euro", ["englische Zahl"]),
    ],
)
def test_the_detector(text, expected):
    assert sorted({word.split(":")[0] for word in internal_words(text)}) == sorted(set(expected))


def test_text_marked_english_is_not_read_as_german() -> None:
    reader = _Reader()
    reader.feed('<p>Kosten 1.5 EUR</p><div lang="en"><p>a cosine of 0.8<br> on</p></div><p>danach 2.5</p>')
    assert reader.texts == ["Kosten 1.5 EUR", "danach 2.5"]
