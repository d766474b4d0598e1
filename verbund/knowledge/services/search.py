"""Full-text search across all harvested councils (OParl objects, :mod:`verbund.knowledge.models.oparl`).

Public: council documents need no login, so nothing here takes an actor; deleted objects are never
returned (they are neither in the index nor let through by the query).

* **Query** (:func:`parse_query`, pure): words (all must occur), ``"phrases"``, ``-exclusion`` (of a
  word or phrase) and ``prefix*``. German stop words are left out (as PostgreSQL's ``german``
  configuration does); punctuation, quotes and SQL in a query are only text, never syntax.
* **Index** (migration ``0004_search``): PostgreSQL full-text search with the ``german``
  configuration (a stored ``tsvector``, name and reference weight A above text weight C; ranking
  ``ts_rank_cd``; passages ``ts_headline``); SQLite FTS5 (``unicode61`` without diacritics; ranking
  ``bm25()`` with name and reference weighted 10 : 1 over text; passages ``snippet()`` and
  ``highlight()``). FTS5 has no German stemmer: a word is stemmed here (:func:`german_stem`, the
  Snowball algorithm PostgreSQL uses) and searched as a prefix of its stem, so that
  "Haushaltsplanes" finds "Haushaltsplan" (and, unlike PostgreSQL, also "Haushaltsplanung").
* **Passages** come back as safe HTML: the text escaped, the hits in ``<mark>`` and nothing else.
* **Filters**: the city (the registry body of the source, by ARS), the source, the OParl body
  (``body_url``), types, a date range. Without a query the objects are listed newest first.

:func:`search` returns a lazy :class:`SearchResults` (``count()`` and slices) that Django's
paginator and the API's pagination both take.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.db import connection
from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Substr
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from verbund.common.errors import Invalid, NotFound

from ..models import OParlObject, OParlSource, OParlType

#: Longest query accepted (characters) and most terms used from it.
MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
#: Words of a passage (snippet) around the hits.
SNIPPET_WORDS = 28
#: Characters of the text shown for an object listed without a query.
PREVIEW_CHARS = 240
#: Relative weight of name and reference over the text (FTS5 ``bm25``); PostgreSQL: weights A and C.
FTS_WEIGHTS = (10.0, 10.0, 1.0)
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
#: Characters of a text PostgreSQL looks at for a passage (as many as it indexes).
HEADLINE_CHARS = 500_000
FTS_TABLE = "knowledge_oparl_search"
OBJECT_TABLE = "knowledge_oparlobject"
#: Markers of a hit inside the database's passage (private-use characters), turned into <mark>.
MARK_START, MARK_END = "\ue000", "\ue001"
ARS_RE = re.compile(r"^\d{12}$")


class SortOrder:
    RELEVANCE = "relevance"
    DATE = "date"
    CHOICES = (RELEVANCE, DATE)


# --- German stemming (Snowball "german", as PostgreSQL's german_stem) ------------------------------

_VOWELS = frozenset("aeiouyäöü")
_S_ENDING = frozenset("bdfghklmnrt")
_ST_ENDING = frozenset("bdfghklmnt")
_STEP1 = ("ern", "em", "er", "en", "es", "e", "s")
_STEP2 = ("est", "en", "er", "st")
_STEP3 = ("isch", "lich", "heit", "keit", "end", "ung", "ig", "ik")
_UNMARK = str.maketrans({"U": "u", "Y": "y", "ä": "a", "ö": "o", "ü": "u"})


def _region_after(word: str, start: int) -> int:
    """The start of the region after the first non-vowel following a vowel, from ``start`` on."""
    for i in range(start + 1, len(word)):
        if word[i - 1] in _VOWELS and word[i] not in _VOWELS:
            return i + 1
    return len(word)


def _longest(word: str, suffixes: Iterable[str]) -> str:
    return max((s for s in suffixes if word.endswith(s)), key=len, default="")


def german_stem(word: str) -> str:
    """The Snowball German stem of one lower-case word (``ß`` → ``ss``, umlauts without dots)."""
    chars = list(word.lower().replace("ß", "ss"))
    for i in range(1, len(chars) - 1):  # u and y between vowels count as consonants
        if chars[i] in "uy" and chars[i - 1] in _VOWELS and chars[i + 1] in _VOWELS:
            chars[i] = chars[i].upper()
    word = "".join(chars)
    r1 = max(_region_after(word, 0), 3)
    r2 = _region_after(word, r1)

    suffix = _longest(word, _STEP1)
    if suffix and len(word) - len(suffix) >= r1:
        if suffix in ("ern", "em", "er"):
            word = word[: -len(suffix)]
        elif suffix in ("e", "en", "es"):
            word = word[: -len(suffix)]
            if word.endswith("niss"):
                word = word[:-1]
        elif word[-2:-1] and word[-2] in _S_ENDING:  # "s"
            word = word[:-1]

    suffix = _longest(word, _STEP2)
    if suffix and len(word) - len(suffix) >= r1:
        if suffix != "st":
            word = word[: -len(suffix)]
        elif len(word) >= 6 and word[-3] in _ST_ENDING:  # a valid ending with 3 letters before it
            word = word[:-2]

    suffix = _longest(word, _STEP3)
    if suffix and len(word) - len(suffix) >= r2:
        stem = word[: -len(suffix)]
        if suffix in ("end", "ung"):
            word = stem
            if word.endswith("ig") and not word.endswith("eig") and len(word) - 2 >= r2:
                word = word[:-2]
        elif suffix in ("ig", "ik", "isch"):
            if not stem.endswith("e"):
                word = stem
        elif suffix in ("lich", "heit"):
            word = stem
            if word.endswith(("er", "en")) and len(word) - 2 >= r1:
                word = word[:-2]
        else:  # keit
            word = stem
            for inner in ("lich", "ig"):
                if word.endswith(inner) and len(word) - len(inner) >= r2:
                    word = word[: -len(inner)]
                    break
    return word.translate(_UNMARK)


#: PostgreSQL's German stop words (``tsearch_data/german.stop``, Snowball).
_STOPWORD_TEXT = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen
    anderer anderes anderm andern anderr anders auch auf aus bei bin bis bist da
    damit dann der den des dem die das daß derselbe derselben denselben desselben demselben
    dieselbe dieselben dasselbe dazu dein deine deinem deinen deiner deines denn derer dessen dich
    dir du dies diese diesem diesen dieser dieses doch dort durch ein eine einem
    einen einer eines einig einige einigem einigen einiger einiges einmal er ihn ihm es
    etwas euer eure eurem euren eurer eures für gegen gewesen hab habe haben hat
    hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer ihres
    euch im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen
    jener jenes jetzt kann kein keine keinem keinen keiner keines können könnte machen man
    manche manchem manchen mancher manches mein meine meinem meinen meiner meines mit muss musste
    nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen
    seiner seines selbst sich sie ihnen sind so solche solchem solchen solcher solches soll
    sollte sondern sonst über um und uns unse unsem unsen unser unses unter viel
    vom von vor während war waren warst was weg weil weiter welche welchem welchen
    welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte
    würde würden zu zum zur zwar zwischen
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# --- the query --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class TermKind:
    WORD = "word"
    PHRASE = "phrase"
    PREFIX = "prefix"


@dataclass(frozen=True)
class Term:
    """One term of a query: its kind, the text as typed, its tokens (lower case), negated or not."""

    kind: str
    text: str
    tokens: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into terms. ``typed``: the user asked for something (even if every term was
    a stop word or punctuation, which then finds nothing rather than everything)."""

    terms: tuple[Term, ...] = ()
    typed: bool = False

    @property
    def positive(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.negated)

    @property
    def negative(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.negated)

    @property
    def searchable(self) -> bool:
        return bool(self.positive)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN.findall(text))


def clean_query(text: str) -> str:
    """The query without control characters (a NUL is no text), NFC, trimmed."""
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text or "")).strip()


def parse_query(text: str) -> ParsedQuery:
    """Split a user's query into terms (see the module docstring). Pure; never raises."""
    text = clean_query(text)[:MAX_QUERY_LENGTH]
    terms: list[Term] = []
    for match in _PART.finditer(text):
        if len(terms) >= MAX_TERMS:
            break
        sign, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            tokens = _tokens(phrase)
            if tokens:
                kind = TermKind.PHRASE if len(tokens) > 1 else TermKind.WORD
                terms.append(Term(kind, phrase.strip(), tokens, negated=bool(sign)))
            continue
        negated = word.startswith("-") and len(word) > 1
        if negated:
            word = word[1:]
        tokens = _tokens(word)
        if not tokens:
            continue
        if word.endswith("*"):
            terms.append(Term(TermKind.PREFIX, word.rstrip("*"), tokens, negated=negated))
        elif len(tokens) == 1 and tokens[0] in STOPWORDS:
            continue
        else:
            terms.append(Term(TermKind.WORD, word, tokens, negated=negated))
    return ParsedQuery(terms=tuple(terms), typed=bool(text))


# FTS5: every token a quoted string, so nothing the user types is FTS syntax.


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_token(token: str) -> str:
    """A token as FTS5 searches it: its stem as a prefix (from 3 letters), else the token itself."""
    stem = german_stem(token)
    if len(stem) < 3:
        return _fts_string(token)
    if "ß" in token:  # the index keeps ß, the stem writes ss
        return f"({_fts_string(stem)} * OR {_fts_string(token)})"
    return f"{_fts_string(stem)} *"


def _fts_term(term: Term) -> str:
    if term.kind == TermKind.PREFIX:
        return " + ".join([*map(_fts_string, term.tokens[:-1]), _fts_string(term.tokens[-1]) + " *"])
    if len(term.tokens) == 1:
        return _fts_token(term.tokens[0])
    if term.kind == TermKind.WORD:  # "BV/2025/014", "Haushalts-plan": the tokens in a row
        return _fts_string(" ".join(term.tokens))
    parts = [
        _fts_string(t) if "ß" in t or len(german_stem(t)) < 3 else f"{_fts_string(german_stem(t))} *"
        for t in term.tokens
    ]
    return " + ".join(parts)


def fts_match(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH expression of a searchable query."""
    expression = " AND ".join(f"({_fts_term(t)})" for t in parsed.positive)
    if parsed.negative:
        expression = f"({expression}) NOT ({' OR '.join(f'({_fts_term(t)})' for t in parsed.negative)})"
    return expression


def pg_tsquery(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """The PostgreSQL tsquery expression (SQL with parameters) of a searchable query."""
    parts: list[str] = []
    params: list[Any] = []
    for term in (*parsed.positive, *parsed.negative):
        if term.kind == TermKind.PREFIX:
            sql = "to_tsquery('german', %s)"
            # tokens are letters and digits only: nothing in them is tsquery syntax
            params.append(" & ".join([*(f"'{t}'" for t in term.tokens[:-1]), f"'{term.tokens[-1]}':*"]))
        elif term.kind == TermKind.PHRASE:
            sql = "phraseto_tsquery('german', %s)"
            params.append(term.text)
        else:
            sql = "plainto_tsquery('german', %s)"
            params.append(term.text)
        parts.append(f"!!{sql}" if term.negated else sql)
    return "(" + " && ".join(parts) + ")", params


# --- passages as safe HTML ------------------------------------------------------------------------


def pg_escaped(column: str) -> str:
    """SQL: ``column`` HTML-escaped, as the index reads it (migration ``0004_search``)."""
    return f"replace(replace(replace({column}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def marked_html(text: str | None, *, escaped: bool = False) -> SafeString:
    """``text`` with the database's hit markers as HTML: everything escaped, hits in ``<mark>``
    (balanced, whatever the markers were). ``escaped``: the database escaped the text already
    (PostgreSQL, :func:`pg_escaped`); it is read back and escaped here, so nothing else gets through."""
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", text or ""):
        if piece == MARK_START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == MARK_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        elif piece:
            out.append(html.escape(html.unescape(piece) if escaped else piece, quote=True))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # built from escaped text and <mark> only


# --- filters and results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What to narrow a search to; every field optional."""

    city: str | None = None  # ARS of the source's registry body
    source_id: int | None = None
    body_url: str | None = None
    types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def check(self) -> None:
        """Refuse filters that make no sense (German messages naming the field)."""
        fields: dict[str, list[str]] = {}
        if self.city and not ARS_RE.match(self.city):
            fields["city"] = [_("Die Stadt wird mit ihrem zwölfstelligen Regionalschlüssel (ARS) angegeben.")]
        unknown = sorted(set(self.types) - set(OParlType.values))
        if unknown:
            fields["type"] = [_("Unbekannter Typ: %(types)s.") % {"types": ", ".join(unknown)}]
        if self.date_from and self.date_to and self.date_from > self.date_to:
            fields["to"] = [_("Das Datum „bis“ liegt vor dem Datum „von“.")]
        if fields:
            raise Invalid(fields=fields)


@dataclass
class Hit:
    """One object found, with what a result list shows and links to."""

    id: int
    type: str
    type_label: str
    name: str
    reference: str
    date: dt.date | None
    source_id: int
    source_name: str
    city_name: str
    city_ars: str | None
    body_url: str
    oparl_id: str
    web_url: str
    name_html: SafeString
    snippet_html: SafeString
    rank: float | None = None


def web_url(oparl_id: str, web: Any) -> str:
    """The object's web page (OParl ``web``) when it is an http(s) URL, else its OParl id."""
    if isinstance(web, str) and re.match(r"^https?://\S+$", web, re.IGNORECASE):
        return web
    return oparl_id


def city_of(source: OParlSource) -> tuple[str, str | None]:
    """The city's name (the registry body, else the source's name) and its ARS."""
    if source.body is not None:
        return source.body.name, source.body.ars
    return source.name, None


def _objects() -> Any:
    return (
        OParlObject.objects.filter(deleted=False)
        .select_related("source__body")
        .only(
            "id",
            "type",
            "name",
            "reference",
            "date",
            "body_url",
            "oparl_id",
            "source__id",
            "source__name",
            "source__body__name",
            "source__body__ars",
        )
        .annotate(web_link=KT("data__web"))
    )


def _hit(obj: Any, *, name_html: SafeString, snippet_html: SafeString, rank: float | None) -> Hit:
    city_name, city_ars = city_of(obj.source)
    return Hit(
        id=obj.pk,
        type=obj.type,
        type_label=str(OParlType(obj.type).label) if obj.type in OParlType.values else obj.type,
        name=obj.name,
        reference=obj.reference,
        date=obj.date,
        source_id=obj.source.pk,
        source_name=obj.source.name,
        city_name=city_name,
        city_ars=city_ars,
        body_url=obj.body_url,
        oparl_id=obj.oparl_id,
        web_url=web_url(obj.oparl_id, obj.web_link),
        name_html=name_html,
        snippet_html=snippet_html,
        rank=rank,
    )


def _preview(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= PREVIEW_CHARS:
        return text
    return text[:PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"


@dataclass
class _Where:
    sql: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> None:
        self.sql.append(sql)
        self.params.extend(params)

    def add_in(self, column: str, values: Sequence[Any]) -> None:
        self.add(f"{column} IN ({', '.join(['%s'] * len(values))})", *values)


class SearchResults:
    """The results of one search, lazily: ``count()`` and ``results[a:b]`` (a list of :class:`Hit`)
    each run their own queries, as a paginator asks for them."""

    def __init__(self, parsed: ParsedQuery, filters: Filters, sort: str) -> None:
        self.parsed = parsed
        self.filters = filters
        self.sort = sort
        self._count: int | None = None
        self._source_ids: list[int] | None = self._sources_of_city()

    # -- what the paginators use

    def count(self) -> int:
        if self._count is None:
            self._count = self._run_count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, int):
            hits = self._page(index, 1)
            if not hits:
                raise IndexError(index)
            return hits[0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        return self._page(start, stop - start)

    # -- the queries

    @property
    def empty(self) -> bool:
        """Nothing can match: a query of stop words only, or a city without a source."""
        return (self.parsed.typed and not self.parsed.searchable) or self._source_ids == []

    def _sources_of_city(self) -> list[int] | None:
        ids: set[int] | None = None
        if self.filters.city:
            ids = set(OParlSource.objects.filter(body__ars=self.filters.city).values_list("pk", flat=True))
        if self.filters.source_id is not None:
            ids = {self.filters.source_id} if ids is None else ids & {self.filters.source_id}
        return sorted(ids) if ids is not None else None

    def _orm(self) -> Any:
        qs = _objects()
        f = self.filters
        if self._source_ids is not None:
            qs = qs.filter(source_id__in=self._source_ids)
        if f.body_url:
            qs = qs.filter(body_url=f.body_url)
        if f.types:
            qs = qs.filter(type__in=f.types)
        if f.date_from:
            qs = qs.filter(date__gte=f.date_from)
        if f.date_to:
            qs = qs.filter(date__lte=f.date_to)
        return qs

    @property
    def _filtered(self) -> bool:
        """A filter besides "not deleted" applies."""
        f = self.filters
        return bool(self._source_ids is not None or f.body_url or f.types or f.date_from or f.date_to)

    def _where(self) -> _Where:
        where = _Where()
        where.add("o.deleted = %s", False)
        f = self.filters
        if self._source_ids is not None:
            where.add_in("o.source_id", self._source_ids)
        if f.body_url:
            where.add("o.body_url = %s", f.body_url)
        if f.types:
            where.add_in("o.type", f.types)
        if f.date_from:
            where.add("o.date >= %s", f.date_from)
        if f.date_to:
            where.add("o.date <= %s", f.date_to)
        return where

    def _run_count(self) -> int:
        if self.empty:
            return 0
        if not self.parsed.searchable:
            return int(self._orm().count())
        where = self._where()
        if connection.vendor == "postgresql":
            tsquery, tsparams = pg_tsquery(self.parsed)
            sql = (
                f"SELECT count(*) FROM {OBJECT_TABLE} o WHERE o.search_vector @@ {tsquery} "
                f"AND {' AND '.join(where.sql)}"
            )
            params = [*tsparams, *where.params]
        elif not self._filtered:  # deleted objects are not in the index: FTS5 counts alone
            sql = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
            params = [fts_match(self.parsed)]
        else:  # CROSS JOIN: the index drives (SQLite would otherwise scan the objects of a source)
            sql = (
                f"SELECT count(*) FROM {FTS_TABLE} CROSS JOIN {OBJECT_TABLE} o ON o.id = {FTS_TABLE}.rowid "
                f"WHERE {FTS_TABLE} MATCH %s AND {' AND '.join(where.sql)}"
            )
            params = [fts_match(self.parsed), *where.params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0])

    def _page(self, offset: int, limit: int) -> list[Hit]:
        if self.empty or limit <= 0:
            return []
        if not self.parsed.searchable:
            objects = (
                self._orm()
                .annotate(preview=Substr("text", 1, PREVIEW_CHARS + 40))
                .order_by(F("date").desc(nulls_last=True), "-id")
            )
            return [
                _hit(
                    obj,
                    name_html=marked_html(obj.name),
                    snippet_html=marked_html(_preview(obj.preview or "")),
                    rank=None,
                )
                for obj in objects[offset : offset + limit]
            ]
        if connection.vendor == "postgresql":
            ranked = self._ranked_postgresql(offset, limit)
        else:
            ranked = self._ranked_sqlite(offset, limit)
        objects = _objects().in_bulk([row[0] for row in ranked])
        return [
            _hit(objects[pk], name_html=name, snippet_html=snippet, rank=rank)
            for pk, rank, name, snippet in ranked
            if pk in objects
        ]

    def _order(self, rank: str, alias: str = "o") -> str:
        """ORDER BY: the rank (best first) or the date, then the newest, then the id."""
        nulls = " NULLS LAST" if connection.vendor == "postgresql" else ""  # SQLite: NULLs last in DESC
        tail = f"{alias}.date DESC{nulls}, {alias}.id DESC"
        return tail if self.sort == SortOrder.DATE else f"{rank}, {tail}"

    def _ranked_postgresql(self, offset: int, limit: int) -> list[tuple[int, float, SafeString, SafeString]]:
        where = self._where()
        tsquery, tsparams = pg_tsquery(self.parsed)
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
        )
        name_options = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
        sql = f"""
            SELECT page.id, page.rank,
                   ts_headline('german', {pg_escaped("o.name")}, {tsquery}, %s),
                   ts_headline('german', {pg_escaped(f"left(o.text, {HEADLINE_CHARS})")}, {tsquery}, %s)
            FROM (
                SELECT o.id, o.date,
                       ts_rank_cd('{PG_RANK_WEIGHTS}'::float4[], o.search_vector, {tsquery}, 1) AS rank
                FROM {OBJECT_TABLE} o
                WHERE o.search_vector @@ {tsquery} AND {" AND ".join(where.sql)}
                ORDER BY {self._order("rank DESC")}
                LIMIT %s OFFSET %s
            ) AS page JOIN {OBJECT_TABLE} o ON o.id = page.id
            ORDER BY {self._order("page.rank DESC", alias="page")}
        """
        params = [
            *tsparams,
            name_options,
            *tsparams,
            options,
            *tsparams,
            *tsparams,
            *where.params,
            limit,
            offset,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            (int(r[0]), float(r[1]), marked_html(r[2], escaped=True), marked_html(r[3], escaped=True))
            for r in rows
        ]

    def _ranked_sqlite(self, offset: int, limit: int) -> list[tuple[int, float, SafeString, SafeString]]:
        where = self._where()
        match = fts_match(self.parsed)
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        if not self._filtered and self.sort == SortOrder.RELEVANCE:
            # deleted objects are not in the index: FTS5 ranks alone (ties: the newer object first)
            sql = f"""
                SELECT rowid, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE}
                WHERE {FTS_TABLE} MATCH %s ORDER BY score, rowid DESC LIMIT %s OFFSET %s
            """
            params: list[Any] = [match, limit, offset]
        else:  # CROSS JOIN: the index drives
            sql = f"""
                SELECT o.id, bm25({FTS_TABLE}, {weights}) AS score
                FROM {FTS_TABLE} CROSS JOIN {OBJECT_TABLE} o ON o.id = {FTS_TABLE}.rowid
                WHERE {FTS_TABLE} MATCH %s AND {" AND ".join(where.sql)}
                ORDER BY {self._order("score")}
                LIMIT %s OFFSET %s
            """
            params = [match, *where.params, limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ranked = [(int(r[0]), -float(r[1])) for r in cursor.fetchall()]
            if not ranked:
                return []
            ids = [pk for pk, _score in ranked]
            cursor.execute(
                f"SELECT rowid, highlight({FTS_TABLE}, 0, %s, %s), "
                f"snippet({FTS_TABLE}, 2, %s, %s, %s, %s) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})",
                [MARK_START, MARK_END, MARK_START, MARK_END, " … ", SNIPPET_WORDS, match, *ids],
            )
            passages = {int(r[0]): (r[1], r[2]) for r in cursor.fetchall()}
        return [
            (
                pk,
                score,
                marked_html(passages.get(pk, ("", ""))[0]),
                marked_html(passages.get(pk, ("", ""))[1]),
            )
            for pk, score in ranked
        ]


def search(q: str = "", filters: Filters | None = None, *, sort: str = SortOrder.RELEVANCE) -> SearchResults:
    """Search the council documents (see the module docstring). Refuses bad filters (Invalid) and
    a query that only excludes (nothing to look for)."""
    filters = filters or Filters()
    filters.check()
    if sort not in SortOrder.CHOICES:
        raise Invalid(fields={"sort": [_("Unbekannte Sortierung.")]})
    if len(clean_query(q)) > MAX_QUERY_LENGTH:
        raise Invalid(
            fields={
                "q": [_("Die Suche ist zu lang (höchstens %(max)s Zeichen).") % {"max": MAX_QUERY_LENGTH}]
            }
        )
    parsed = parse_query(q)
    if parsed.negative and not parsed.positive:
        raise Invalid(
            fields={
                "q": [_("Bitte mindestens ein Suchwort ohne Minuszeichen angeben; „-wort“ schließt nur aus.")]
            }
        )
    return SearchResults(parsed, filters, sort)


# --- one object -------------------------------------------------------------------------------------


def council_object(object_id: int) -> OParlObject:
    """One harvested object (also a deleted one: its page explains that it is gone); else NotFound."""
    obj = (
        OParlObject.objects.select_related("source__body")
        .annotate(web_link=KT("data__web"))
        .filter(pk=object_id)
        .first()
    )
    if obj is None:
        raise NotFound(_("Dieses Dokument gibt es nicht."))
    return obj


def highlighted_text(obj: OParlObject, q: str) -> SafeString:
    """The object's whole text as safe HTML, with the hits of ``q`` marked (none without a query)."""
    parsed = parse_query(q)
    if obj.deleted or not parsed.searchable or not obj.text:
        return marked_html(obj.text)
    if connection.vendor == "postgresql":
        tsquery, params = pg_tsquery(parsed)
        sql = (
            f"SELECT ts_headline('german', {pg_escaped('text')}, {tsquery}, %s) "
            f"FROM {OBJECT_TABLE} WHERE id = %s"
        )
        params = [*params, f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true", obj.pk]
    else:
        sql = (
            f"SELECT highlight({FTS_TABLE}, 2, %s, %s) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = %s"
        )
        params = [MARK_START, MARK_END, fts_match(parsed), obj.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if not row or not row[0]:  # the hits are in the name only
        return marked_html(obj.text)
    return marked_html(row[0], escaped=connection.vendor == "postgresql")


def related_objects(obj: OParlObject) -> list[OParlObject]:
    """The harvested objects this one names (a paper's files, a file's paper, a meeting's
    protocol…), those of the same source that are not deleted."""
    ids: list[str] = []
    for key in (
        "mainFile",
        "auxiliaryFile",
        "invitation",
        "resultsProtocol",
        "verbatimProtocol",
        "paper",
        "meeting",
        "agendaItem",
        "file",
    ):
        value = obj.data.get(key) if isinstance(obj.data, dict) else None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("id")
            if isinstance(item, str) and item != obj.oparl_id:
                ids.append(item)
    if not ids:
        return []
    return list(
        OParlObject.objects.filter(source_id=obj.source_id, oparl_id__in=ids[:200], deleted=False)
        .only("id", "type", "name", "date", "oparl_id")
        .order_by("type", "-date", "id")
    )


# --- what the filters offer -------------------------------------------------------------------------


def city_choices() -> list[tuple[str, str]]:
    """(ARS, name) of the registry bodies that have a council source."""
    rows = (
        OParlSource.objects.filter(body__isnull=False)
        .values_list("body__ars", "body__name")
        .distinct()
        .order_by("body__name")
    )
    return [(ars, name) for ars, name in rows]


def source_choices() -> list[tuple[int, str]]:
    return list(OParlSource.objects.order_by("name").values_list("pk", "name"))


def body_choices() -> list[tuple[str, str]]:
    """(OParl body URL, its name) of the harvested OParl bodies."""
    rows = (
        OParlObject.objects.filter(type=OParlType.BODY, deleted=False)
        .exclude(Q(oparl_id="") | Q(name=""))
        .order_by("name")
        .values_list("oparl_id", "name", "source__name")
    )
    return [(url, f"{name} ({source})") for url, name, source in rows]
