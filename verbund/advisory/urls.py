"""Pages of the advisory part under ``/beratung/`` (German paths, like the rest of the UI).

Each subject module of :mod:`.views` contributes its own ``urlpatterns``.
"""

from django.urls import URLPattern, URLResolver

from .views import cases, documents, events, evidence, home, practice, programme

app_name = "advisory"
urlpatterns: list[URLPattern | URLResolver] = [
    *home.urlpatterns,
    *cases.urlpatterns,
    *practice.urlpatterns,
    *documents.urlpatterns,
    *events.urlpatterns,
    *evidence.urlpatterns,
    *programme.urlpatterns,
]
