"""The operator's machine endpoints: probes and metrics (no pages, no login)."""

from django.urls import path

from . import health, metrics

app_name = "operations"
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
