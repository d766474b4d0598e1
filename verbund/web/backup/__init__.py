"""Backup and restore of a whole Verbund installation: ``manage.py backup`` and ``manage.py restore``.

An archive (``verbund-backup-<Zeitpunkt>.zip``) holds

- ``manifest.json``: the format version, Verbund's version, when and from which database kind it
  was written, the latest applied migration of every app, every table with its columns, row count
  and the SHA-256 of its data, and every stored file with its size and SHA-256;
- ``data/<app>.<model>.jsonl``: the rows of every table, one JSON array per line in the order of the
  manifest's columns, values in portable form (ISO dates, decimals as text), read and written in
  batches, never a whole table in memory; many-to-many tables are tables of their own;
- ``files/<name>``: every file a ``FileField`` names, read through the storage API (local disk or S3).

A ZIP and not a tar: the manifest is written last (it carries the checksums) and read first, and ZIP
reads any member directly.

The restore goes into an *empty* database of either kind (SQLite ↔ PostgreSQL): primary keys are
kept, so every reference stays right, also the ``ContentType`` ids that the admin log and the
permissions point to; the rows that ``migrate`` created in the empty database (content types,
permissions, seeded catalogues) are replaced by the archive's in the same transaction. See
:mod:`.create`, :mod:`.restore` and docs/operations.md.
"""
