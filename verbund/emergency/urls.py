"""Pages of the emergency part under ``/krisenstab/`` (German paths, like the rest of the UI).

Each subject module of :mod:`.views` contributes its own ``urlpatterns``.
"""

from django.urls import URLPattern, URLResolver

from .views import agreements, log, messages, packs, resources, settlements, situation, staffs, transfer

app_name = "emergency"
urlpatterns: list[URLPattern | URLResolver] = [
    *staffs.urlpatterns,
    *log.urlpatterns,
    *messages.urlpatterns,
    *situation.urlpatterns,
    *resources.urlpatterns,
    *agreements.urlpatterns,
    *settlements.urlpatterns,
    *packs.urlpatterns,
    *transfer.urlpatterns,
]
