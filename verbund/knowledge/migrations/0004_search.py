"""Full-text search over the harvested council documents (:mod:`verbund.knowledge.services.search`).

The model stays as it is; the index lives beside it, per database:

* **PostgreSQL**: a stored generated column ``search_vector`` (``tsvector``, configuration
  ``german``: name and reference weight A, text weight C; the text's first
  :data:`TEXT_LIMIT` characters, since a ``tsvector`` holds at most 1 MB; all HTML-escaped, see
  :func:`pg_escaped`) with a GIN index. Django does not know the column; the server fills it on
  every insert and update.
* **SQLite**: an FTS5 table ``knowledge_oparl_search`` (columns name, reference, text; tokenizer
  ``unicode61`` without diacritics) with external content (the object table), kept in sync by
  three triggers. Deleted objects are not in the index.

Caution (SQLite): a later migration that rebuilds ``knowledge_oparlobject`` (Django remakes a SQLite
table to alter a column) drops the triggers with the old table; it must recreate them (run
:func:`sqlite_forwards` again after dropping the index).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

#: Characters of an object's text that PostgreSQL indexes (a tsvector is at most 1 MB).
TEXT_LIMIT = 500_000


def pg_escaped(column: str) -> str:
    """``column`` HTML-escaped in SQL (``&``, ``<``, ``>``): PostgreSQL's parser takes ``<word>`` for a
    tag and ``ts_headline`` drops tags, so index and passages both read the escaped text."""
    return f"replace(replace(replace({column}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


_TEXT = f"left(coalesce(text, ''), {TEXT_LIMIT})"
POSTGRESQL_FORWARDS = [
    f"""
    ALTER TABLE knowledge_oparlobject ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german'::regconfig, {pg_escaped("coalesce(name, '')")}), 'A')
        || setweight(to_tsvector('german'::regconfig, {pg_escaped("coalesce(reference, '')")}), 'A')
        || setweight(to_tsvector('german'::regconfig, {pg_escaped(_TEXT)}), 'C')
    ) STORED
    """,
    "CREATE INDEX knowledge_oparl_search_vector ON knowledge_oparlobject USING gin (search_vector)",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS knowledge_oparl_search_vector",
    "ALTER TABLE knowledge_oparlobject DROP COLUMN IF EXISTS search_vector",
]

_FTS = "knowledge_oparl_search"
SQLITE_FORWARDS = [
    f"""
    CREATE VIRTUAL TABLE {_FTS} USING fts5(
        name, reference, text,
        content='knowledge_oparlobject', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    f"""
    INSERT INTO {_FTS}(rowid, name, reference, text)
    SELECT id, name, reference, text FROM knowledge_oparlobject WHERE deleted = 0
    """,
    f"""
    CREATE TRIGGER {_FTS}_insert AFTER INSERT ON knowledge_oparlobject WHEN new.deleted = 0 BEGIN
        INSERT INTO {_FTS}(rowid, name, reference, text) VALUES (new.id, new.name, new.reference, new.text);
    END
    """,
    f"""
    CREATE TRIGGER {_FTS}_delete AFTER DELETE ON knowledge_oparlobject WHEN old.deleted = 0 BEGIN
        INSERT INTO {_FTS}({_FTS}, rowid, name, reference, text)
        VALUES ('delete', old.id, old.name, old.reference, old.text);
    END
    """,
    f"""
    CREATE TRIGGER {_FTS}_update AFTER UPDATE OF name, reference, text, deleted ON knowledge_oparlobject
    WHEN old.name IS NOT new.name OR old.reference IS NOT new.reference OR old.text IS NOT new.text
        OR old.deleted IS NOT new.deleted
    BEGIN
        INSERT INTO {_FTS}({_FTS}, rowid, name, reference, text)
        SELECT 'delete', old.id, old.name, old.reference, old.text WHERE old.deleted = 0;
        INSERT INTO {_FTS}(rowid, name, reference, text)
        SELECT new.id, new.name, new.reference, new.text WHERE new.deleted = 0;
    END
    """,
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {_FTS}_update",
    f"DROP TRIGGER IF EXISTS {_FTS}_delete",
    f"DROP TRIGGER IF EXISTS {_FTS}_insert",
    f"DROP TABLE IF EXISTS {_FTS}",
]

FORWARDS = {"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}
BACKWARDS = {"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}


def _run(statements: dict[str, list[str]], schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(
            f"Volltextsuche: Datenbank {vendor!r} wird nicht unterstützt (PostgreSQL, SQLite)."
        )
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def forwards(apps: Any, schema_editor: Any) -> None:
    _run(FORWARDS, schema_editor)


def backwards(apps: Any, schema_editor: Any) -> None:
    _run(BACKWARDS, schema_editor)


def sqlite_forwards(schema_editor: Any) -> None:
    """The SQLite index and triggers (for a later migration that had to rebuild the table)."""
    _run({"sqlite": SQLITE_FORWARDS}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0003_oparl"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
