"""Pages of the emergency part: staffs (filled in by its owner; see verbund/emergency/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
