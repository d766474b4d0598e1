"""Reads of the registry across models."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from .models import Body, Kind, RegistryImport


def latest_gv100ad_import() -> RegistryImport | None:
    return RegistryImport.objects.filter(source=RegistryImport.Source.GV100AD).order_by("-imported_at", "-id").first()


def registry_attribution() -> str:
    """The attribution Destatis requires, for the issue last imported."""
    latest = latest_gv100ad_import()
    if latest is None or latest.gebietsstand is None:
        return ""
    return (
        "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, "
        f"Stand {latest.gebietsstand:%d.%m.%Y}"
    )


def registry_overview() -> dict[str, Any]:
    """Counts of current bodies by kind, for the start page (one query)."""
    counts = dict(
        Body.objects.current().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    labels = dict(Kind.choices)
    rows = [{"kind": k, "label": labels[k], "count": counts[k]} for k in labels if counts.get(k)]
    return {"total": sum(counts.values()), "rows": rows}
