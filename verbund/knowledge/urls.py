"""Pages of the knowledge part under ``/wissen/`` (German paths, like the rest of the UI).

Each subject module of :mod:`.views` contributes its own ``urlpatterns``.
"""

from django.urls import URLPattern, URLResolver

from .views import assistant, catalogue, home, routing, search

app_name = "knowledge"
urlpatterns: list[URLPattern | URLResolver] = [
    *home.urlpatterns,
    *routing.urlpatterns,
    *catalogue.urlpatterns,
    *search.urlpatterns,
    *assistant.urlpatterns,
]
