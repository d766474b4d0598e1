"""Pages of the security part under ``/sicherheit/`` (German paths, like the rest of the UI).

Each subject module of :mod:`.views` contributes its own ``urlpatterns``.
"""

from django.urls import URLPattern, URLResolver

from .views import advisories, alliance, assets, incidents, officers, sources, wiba

app_name = "security"
urlpatterns: list[URLPattern | URLResolver] = [
    *alliance.urlpatterns,
    *advisories.urlpatterns,
    *assets.urlpatterns,
    *incidents.urlpatterns,
    *wiba.urlpatterns,
    *officers.urlpatterns,
    *sources.urlpatterns,
]
