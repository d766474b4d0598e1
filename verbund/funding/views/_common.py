"""What the funding pages share: a small POST form whose outcome is a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest


def post_form(
    request: HttpRequest, form: forms.Form, act: Callable[[dict[str, Any]], object], done: str, invalid: str
) -> None:
    """Run ``act`` on the cleaned data of a valid ``form`` and say ``done``; else say ``invalid``."""
    if form.is_valid():
        act(form.cleaned_data)
        messages.success(request, done)
    else:
        messages.error(request, invalid)
