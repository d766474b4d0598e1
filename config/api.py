"""The Verbund API at ``/api/v1/``: routers of every part, one error shape, Bearer or session auth."""

from verbund.accounts.api import roles_router, users_router
from verbund.accounts.api import router as me_router
from verbund.accounts.auth import TokenOrSessionAuth
from verbund.advisory.api import programme_router
from verbund.advisory.api import router as advisory_router
from verbund.alliances.api import router as alliances_router
from verbund.common.api import VerbundAPI, install_error_handlers
from verbund.emergency.api import router as emergency_router
from verbund.funding.api import router as funding_router
from verbund.knowledge.api import router as knowledge_router
from verbund.notifications.api import router as notifications_router
from verbund.planning.api import router as planning_router
from verbund.registry.api import router as registry_router
from verbund.security.api import router as security_router
from verbund.shared_services.api import router as shared_services_router

api = VerbundAPI(
    title="Verbund API",
    version="1",
    description=(
        "Offene Schnittstelle der Plattform für interkommunale Zusammenarbeit. Listen sind als "
        '`{"items": [...], "count": N}` paginiert (`offset` höchstens 1.000.000.000). Fehler haben '
        'die Form `{"detail": "...", "code": "..."}` und sind je Operation dokumentiert (400: kein '
        "JSON, 401, 403, 404, 409, 422 mit deutscher Begründung). Authentifizierung: "
        "`Authorization: Bearer <Token>` (`manage.py issue_token USERNAME`) oder die Browser-Sitzung; "
        "öffentliche Daten auch ohne Anmeldung."
    ),
    urls_namespace="api",
    auth=TokenOrSessionAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/bodies", registry_router, tags=["Register"])
api.add_router("/me", me_router, tags=["Konto"])
api.add_router("/users", users_router, tags=["Konto"])
api.add_router("/roles", roles_router, tags=["Konto"])
api.add_router("/alliances", alliances_router, tags=["Verbünde"])
api.add_router("/funding", funding_router, tags=["Förderung"])
api.add_router("/shared-services", shared_services_router, tags=["Geteilte Dienste"])
api.add_router("/planning", planning_router, tags=["Planung"])
api.add_router("/notifications", notifications_router, tags=["Benachrichtigungen"])
api.add_router("/security", security_router, tags=["Informationssicherheit"])
api.add_router("/emergency", emergency_router, tags=["Krisenmanagement"])
api.add_router("/knowledge", knowledge_router, tags=["Wissen und Zuständigkeit"])
api.add_router("/advisory", advisory_router, tags=["Beratung"])
api.add_router("/programme", programme_router, tags=["Programm"])
