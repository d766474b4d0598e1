"""Search across the councils (:mod:`verbund.knowledge.services.search`): latency over 100,000 papers
on SQLite (FTS5) and PostgreSQL (``german`` full-text search).

The papers are synthetic, made from the texts of the OParl corpus (``oparl/corpus`` in
``$VERBUND_DATA_DIR``: the downloaded files and the papers' names; without it a built-in text):
each paper 4–7 sentences of the corpus plus two generated sentences (German compound words, a
street, a sum), four cities (Mainz, Trier, Koblenz, Ludwigshafen, each a source with its registry
body), dates 2015–2025, one in ten a File. A few words are rare on purpose (``Wasserstoffbus`` in
12 papers).

Yields the build time (rows written, index maintained by the triggers or the generated column) and
the latency of a search as the API runs it — ``count()`` and the first page of 20 with its
highlighted passages — for a fixed set of queries (rare and common words, stemming, a phrase, a
prefix, an exclusion, filters by city, date and type, a list without a query), each run
:data:`ROUNDS` times after one warm-up: p50/p95 over all and p50 per query.

The harness database is measured in process; the other kind in a subprocess on a temporary
database: PostgreSQL on ``VERBUND_BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``;
skipped when no server answers) when the harness runs on SQLite, a SQLite file in ``var/`` when it
runs on PostgreSQL. ``VERBUND_BENCH_SEARCH_PAPERS`` changes the number of papers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import percentile

PAPERS = int(os.environ.get("VERBUND_BENCH_SEARCH_PAPERS", "100000"))
ROUNDS = 7
PAGE = 20
BATCH = 5_000
PG_URL = os.environ.get("VERBUND_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
CITIES = (
    ("Mainz", "073150000000"),
    ("Trier", "072110000000"),
    ("Koblenz", "071110000000"),
    ("Ludwigshafen", "073140000000"),
)

FALLBACK_TEXT = """
Die Verbandsgemeinden beabsichtigen, ab dem 1. Januar 2026 einen gemeinsamen
Informationssicherheitsbeauftragten zu bestellen und IT-Sicherheitsprodukte gemeinsam zu beschaffen.
Grundlage ist eine Zweckvereinbarung nach dem Landesgesetz über die kommunale Zusammenarbeit. Die
Kosten werden zu 40 Prozent als Sockelbetrag zu gleichen Teilen und zu 60 Prozent nach der
Einwohnerzahl verteilt. Für die Jahre 2026 und 2027 wurde eine Förderung aus dem Programm zur
Förderung der interkommunalen Zusammenarbeit beantragt. Der Verbandsgemeinderat stimmt dem Abschluss
der Zweckvereinbarung zu. Die Verwaltung informiert über die Bildung eines Verwaltungsstabs für
außergewöhnliche Lagen, etwa einen flächendeckenden Stromausfall, Hochwasser oder einen
Cyberangriff. Für den Stromausfall werden zwei Notstromaggregate gemeinsam mit der
Nachbarverbandsgemeinde beschafft. Der Entwurf des Haushaltsplanes wird in den Ausschüssen beraten.
Die Verwaltung wird beauftragt zu prüfen, ob Bürgeranfragen automatisch an das zuständige Fachamt
weitergeleitet werden können.
"""
_PARTS = """
    Haushalt Schul Straßen Feuerwehr Kita Bau Spiel Sport Wasser Abwasser Friedhof Wald Rad Bus Park
    Wohn Gewerbe Kultur Jugend Senioren Klima Energie Breitband Hochwasser Brand Verkehrs Markt Hallen
"""
_HEADS = "plan satzung konzept sanierung gebühr haus platz weg netz schutz förderung bericht ordnung vertrag"
_STREETS = "Hauptstraße,Bahnhofstraße,Kirchgasse,Rheinufer,Marktplatz,Schillerstraße,Am Mühlbach,Lindenallee"
PARTS, HEADS, STREETS = _PARTS.split(), _HEADS.split(), _STREETS.split(",")
QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("rare word", "Wasserstoffbus", {}),
    ("common word", "Verwaltung", {}),
    ("stemming", "Haushaltsplanes", {}),
    ("phrase", '"interkommunalen Zusammenarbeit"', {}),
    ("prefix", "Notstrom*", {}),
    ("two words", "Cybersicherheit Förderung", {}),
    ("exclusion", "Stromausfall -Hochwasser", {}),
    ("city filter", "Schulsanierung", {"city": CITIES[1][1]}),
    (
        "date range",
        "Spielplatz",
        {"date_from": dt.date(2020, 1, 1), "date_to": dt.date(2021, 12, 31)},
    ),
    ("type filter", "Abwassersatzung", {"types": ("File",)}),
    ("no query, city", "", {"city": CITIES[0][1]}),
    ("sentence", "Kosten nach der Einwohnerzahl verteilt", {}),
]


def corpus_sentences() -> tuple[list[str], list[str], str]:
    """Sentences and paper names of the OParl corpus (or the built-in text) and where they came from."""
    from verbund.common.data import data_dir

    corpus = data_dir() / "oparl" / "corpus"
    texts: list[str] = []
    names: list[str] = []
    url_map = corpus / "url_map.json"
    if url_map.is_file():
        for entry in json.loads(url_map.read_text(encoding="utf-8")).get("responses", {}).values():
            path = corpus / entry["file"]
            if not path.is_file():
                continue
            if entry.get("content_type", "").startswith("text/plain"):
                texts.append(path.read_text(encoding="utf-8"))
            elif path.suffix == ".json":
                item = json.loads(path.read_text(encoding="utf-8"))
                if str(item.get("type", "")).endswith(("/Paper", "/File")) and item.get("name"):
                    names.append(item["name"])
    source = str(corpus) if texts else "built-in text"
    if not texts:
        texts = [FALLBACK_TEXT]
    sentences = [
        " ".join(s.split())
        for text in texts
        for s in re.split(r"(?<=[.:;])\s+|\n+", text)
        if len(s.split()) >= 4
    ]
    return sentences, names or ["Beschlussvorlage", "Informationsvorlage", "Antrag"], source


def _compound(rng: random.Random) -> str:
    return rng.choice(PARTS) + rng.choice(HEADS)


def _papers(count: int) -> tuple[int, str, float]:
    """Write ``count`` papers; returns (rows, where the text came from, seconds)."""
    from django.db import connection
    from django.utils import timezone

    from verbund.knowledge.models import OParlObject, OParlSource
    from verbund.registry.models import Body, Kind

    sentences, names, origin = corpus_sentences()
    rng = random.Random(14)
    sources = []
    for name, ars in CITIES:
        body = Body.objects.create(
            key=ars[:5],
            ars=ars,
            name=name,
            kind=Kind.KREISFREIE_STADT,
            is_stadt=True,
            state="07",
            gebietsstand=dt.date(2025, 11, 30),
        )
        sources.append(
            OParlSource.objects.create(
                url=f"https://ris.{name.lower()}.example.org/oparl/v1/system",
                name=f"Ratsinformationssystem {name}",
                body=body,
            )
        )
    now = timezone.now()
    rare = set(rng.sample(range(count), min(12, count)))
    started = time.perf_counter()
    batch: list[OParlObject] = []
    for n in range(count):
        source = sources[n % len(sources)]
        base = source.url.removesuffix("/system")
        is_file = n % 10 == 9
        text = rng.sample(sentences, k=min(len(sentences), rng.randint(4, 7)))
        euros = f"{rng.randint(5, 900)}.{rng.randint(100, 999)}"
        text.insert(
            rng.randrange(len(text) + 1),
            f"Die {_compound(rng)} an der {rng.choice(STREETS)} kostet {euros} Euro.",
        )
        text.append(
            f"Der Ausschuss für {_compound(rng)} und {_compound(rng)} empfiehlt die {_compound(rng)}."
        )
        if n % 5 == 0:
            text.append(f"Der Entwurf des Haushaltsplanes {2015 + n % 11} sieht {_compound(rng)} vor.")
        if n in rare:
            text.append("Geprüft wird auch ein Wasserstoffbus für den Stadtverkehr.")
        reference = f"{'BV' if n % 3 else 'IV'}/{2015 + n % 11}/{n:06d}"
        batch.append(
            OParlObject(
                source=source,
                oparl_id=f"{base}/{'file' if is_file else 'paper'}/{n}",
                type="File" if is_file else "Paper",
                body_url=f"{base}/body/1",
                name=f"{rng.choice(names)} {_compound(rng)}"
                if not is_file
                else f"Anlage {n % 7 + 1} {_compound(rng)}",
                reference="" if is_file else reference,
                date=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365)),
                data={"web": f"{base.removesuffix('/oparl/v1')}/vorlage/{n}"},
                text=" ".join(text),
                harvested_at=now,
            )
        )
        if len(batch) >= BATCH:
            OParlObject.objects.bulk_create(batch)
            batch = []
    if batch:
        OParlObject.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_oparlobject")
    return OParlObject.objects.count(), origin, time.perf_counter() - started


def measure() -> Iterator[dict[str, Any]]:
    """Build the papers on the current database and time the queries."""
    from django.db import connection

    from verbund.knowledge.services import search as svc

    rows, origin, build_s = _papers(PAPERS)
    yield {
        "metric": "search_build_s",
        "database": connection.vendor,
        "value": round(build_s, 1),
        "papers": rows,
        "rows_per_s": round(rows / build_s) if build_s else None,
        "text_from": origin,
    }
    samples: list[float] = []
    for label, q, filters in QUERIES:

        def run(q: str = q, filters: dict[str, Any] = filters) -> int:
            results = svc.search(q, svc.Filters(**filters))
            count = results.count()
            results[0:PAGE]
            return count

        hits = run()  # warm-up
        times = []
        for _round in range(ROUNDS):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
        samples += times
        yield {
            "metric": "search_query_ms",
            "database": connection.vendor,
            "query": label,
            "q": q,
            "hits": hits,
            "p50": round(percentile(times, 0.5), 1),
            "max": round(max(times), 1),
        }
    yield {
        "metric": "search_latency_ms",
        "database": connection.vendor,
        "papers": rows,
        "queries": len(QUERIES),
        "samples": len(samples),
        "p50": round(percentile(samples, 0.5), 1),
        "p95": round(percentile(samples, 0.95), 1),
    }


def _in_subprocess(url: str, vendor: str) -> Iterator[dict[str, Any]]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_knowledge_search"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        yield {"metric": "search_latency_ms", "database": vendor, "error": done.stderr[-2000:]}
    for line in lines:
        result = json.loads(line)
        result["temporary_database"] = True
        yield result


def _temporary_postgres() -> Iterator[dict[str, Any]]:
    try:
        import psycopg
        from psycopg import sql

        name = f"verbund_bench_search_{os.getpid()}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:
        yield {
            "metric": "search_latency_ms",
            "database": "postgresql",
            "skipped": f"needs PostgreSQL ({PG_URL}): {exc}",
        }
        return
    try:
        yield from _in_subprocess(PG_URL.rsplit("/", 1)[0] + "/" + name, "postgresql")
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _temporary_sqlite() -> Iterator[dict[str, Any]]:
    path = ROOT / "var" / f"bench_knowledge_search_{os.getpid()}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    try:
        yield from _in_subprocess(f"sqlite:///{path}", "sqlite")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def run() -> Iterator[dict[str, Any]]:
    from django.db import connection

    yield from measure()
    yield from (_temporary_sqlite() if connection.vendor == "postgresql" else _temporary_postgres())


def _main() -> None:
    """Subprocess entry: migrate the temporary database and measure there."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for result in measure():
        result.setdefault("benchmark", "knowledge_search")
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    _main()
