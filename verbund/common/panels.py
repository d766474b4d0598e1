"""Panels: how a higher part adds a section to a lower part's page without being imported by it.

A lower part (the registry's body page, the alliance page) offers a :class:`PanelHook`; a higher
part registers a function in its ``AppConfig.ready()``. The page calls every registered function
in registration order and renders what they return: already escaped HTML, usually
``render_to_string`` of the higher part's own template. ``None`` or an empty string adds nothing.
A panel does its own access checks with ``request.user``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

T = TypeVar("T")
#: A panel: ``(request, obj) -> HTML or None``.
PanelFunc = Callable[[HttpRequest, T], str | None]


class PanelHook(Generic[T]):
    """The panels registered for one kind of page (``T`` is the object the page shows)."""

    def __init__(self) -> None:
        self._panels: list[PanelFunc[T]] = []

    def register(self, func: PanelFunc[T]) -> PanelFunc[T]:
        """Add a panel (idempotent: a function registered twice renders once)."""
        if func not in self._panels:
            self._panels.append(func)
        return func

    def unregister(self, func: PanelFunc[T]) -> None:
        """Remove a panel (tests)."""
        if func in self._panels:
            self._panels.remove(func)

    def render(self, request: HttpRequest, obj: T) -> list[SafeString]:
        """The rendered panels for ``obj``, in registration order, empty ones left out."""
        rendered = []
        for panel in list(self._panels):
            html = panel(request, obj)
            if html:
                # Panels return template output, which Django has escaped already.
                rendered.append(mark_safe(html))
        return rendered
