"""Create or drop a PostgreSQL database (used by .ci/run; needs no psql client).

Usage: python scripts/pg_database.py create|drop postgres://user@host:port/postgres NAME
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql


def main(action: str, url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # pytest-django creates test_<name> (and test_<name>_gw<N> per xdist worker) itself; drop
        # leftovers of an interrupted run too.
        leftovers = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            (f"test_{name}", f"test_{name}_gw%"),
        ).fetchall()
        for database in [name, *(row[0] for row in leftovers)]:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in {"create", "drop"}:
        sys.exit(__doc__)
    main(*sys.argv[1:])
