"""Benchmarks of Verbund (``make bench``). Each module ``bench/bench_*.py`` has ``run()`` yielding dicts,
printed as JSON lines. They run on a fresh database (``var/bench.sqlite3`` unless DATABASE_URL is set)."""
