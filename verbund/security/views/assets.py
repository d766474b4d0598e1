"""Pages of the security part: assets (filled in by its owner; see verbund/security/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
