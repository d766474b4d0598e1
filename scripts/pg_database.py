"""Create or drop a PostgreSQL database (used by .ci/run; needs no psql client).

Usage: python scripts/pg_database.py create|drop postgres://user@host:port/postgres NAME
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql


def main(action: str, url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        # pytest-django creates test_<name> itself; drop a leftover one of an interrupted run too.
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(f"test_{name}"))
        )
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in {"create", "drop"}:
        sys.exit(__doc__)
    main(*sys.argv[1:])
