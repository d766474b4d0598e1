"""Benchmarks of Verbund (``make bench``). Each module ``bench/bench_*.py`` has ``run()`` yielding dicts,
printed as JSON lines. They run on a fresh database (``var/bench.sqlite3`` unless DATABASE_URL is set)."""


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank, as the latency figures use it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
