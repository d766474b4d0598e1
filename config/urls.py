"""URL configuration: the web shell, each part's pages, the API and the operator's admin."""

from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("verbund.web.urls")),
    path("koerperschaften/", include("verbund.registry.urls")),
    path("verbuende/", include("verbund.alliances.urls")),
    path("konto/", include("verbund.accounts.urls")),
    path("protokoll/", include("verbund.audit.urls")),
    path("foerderung/", include("verbund.funding.urls")),
    path("dienste/", include("verbund.shared_services.urls")),
    path("planung/", include("verbund.planning.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
