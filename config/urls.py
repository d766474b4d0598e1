"""URL configuration: the web shell, each part's pages, the API and the operator's admin."""

from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("verbund.web.urls")),
    # Impressum, Datenschutz, Barrierefreiheit (+ their editor); the open-data catalogue
    path("", include("verbund.web.legal.urls")),
    path("opendata/", include("verbund.web.opendata.urls")),
    # /healthz, /readyz, /metrics: probes and Prometheus (no login; docs/operations.md)
    path("", include("verbund.web.operations.urls")),
    # POST language=en|de: the language switch in the header (Django's set_language: cookie; for a
    # signed-in person also stored in the account, verbund.accounts.language)
    path("sprache/", include("verbund.accounts.language")),
    path("koerperschaften/", include("verbund.registry.urls")),
    path("verbuende/", include("verbund.alliances.urls")),
    path("konto/", include("verbund.accounts.urls")),
    path("protokoll/", include("verbund.audit.urls")),
    path("foerderung/", include("verbund.funding.urls")),
    path("dienste/", include("verbund.shared_services.urls")),
    path("planung/", include("verbund.planning.urls")),
    path("benachrichtigungen/", include("verbund.notifications.urls")),
    path("sicherheit/", include("verbund.security.urls")),
    path("krisenstab/", include("verbund.emergency.urls")),
    path("wissen/", include("verbund.knowledge.urls")),
    path("beratung/", include("verbund.advisory.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# German error pages in the site's layout (verbund/web/templates/{400,403,404,500}.html); 500 renders
# without context processors or database (verbund.web.errors.server_error).
handler400 = "verbund.web.errors.bad_request"
handler403 = "verbund.web.errors.permission_denied"
handler404 = "verbund.web.errors.page_not_found"
handler500 = "verbund.web.errors.server_error"
