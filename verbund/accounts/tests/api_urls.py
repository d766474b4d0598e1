"""A URLconf for the accounts API tests: the site's URLs, with the users and roles routers mounted at
``/api/v1/users`` and ``/api/v1/roles`` in front (``config/api.py`` mounts them for the product)."""

from django.urls import path
from ninja import NinjaAPI

from config.urls import urlpatterns as site_urlpatterns
from verbund.accounts.api import roles_router, users_router
from verbund.accounts.auth import TokenOrSessionAuth
from verbund.common.api import install_error_handlers

api = NinjaAPI(urls_namespace="accounts-test-api", auth=TokenOrSessionAuth(), docs_url=None)
install_error_handlers(api)
api.add_router("/users", users_router, tags=["Konto"])
api.add_router("/roles", roles_router, tags=["Konto"])

urlpatterns = [path("api/v1/", api.urls), *site_urlpatterns]
