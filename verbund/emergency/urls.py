"""Pages of the emergency part under ``/krisenstab/`` (German paths, like the rest of the UI).

Each subject module of :mod:`.views` contributes its own ``urlpatterns``.
"""

from django.urls import URLPattern, URLResolver

from .views import log, messages, packs, resources, situation, staffs

app_name = "emergency"
urlpatterns: list[URLPattern | URLResolver] = [
    *staffs.urlpatterns,
    *log.urlpatterns,
    *messages.urlpatterns,
    *situation.urlpatterns,
    *resources.urlpatterns,
    *packs.urlpatterns,
]
