"""``/api/v1/knowledge/route``: a citizen's free-text request → the best services, who answers for
each in the citizen's municipality, and the decision. Public (no login); the router is built once per
process (:mod:`verbund.knowledge.services.routing`).

``q`` is required (at most 500 characters); ``ars`` (12 digits) is optional: without it
``responsible`` is null. A malformed or unknown ``ars`` is a 422 naming ``ars``.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, named_refusal
from verbund.common.errors import Invalid

from ..services import routing as svc
from ..services.responsibility import Responsibility, names_alliance

router = Router()


class RouteService(Schema):
    id: str = Field(description="Kennung der Leistung im Katalog")
    name: str
    leika: str | None = Field(description="LeiKa-Schlüssel (14 Ziffern; der erste, falls mehrere)")


class RouteResponsible(Schema):
    ars: str = Field(description="Regionalschlüssel der zuständigen Körperschaft")
    name: str = Field(description="Name der zuständigen Körperschaft")
    via: str | None = Field(
        description="der geteilte Dienst eines Verbunds, über den die Zuständigkeit wechselt (sonst null)"
    )


class RouteItem(Schema):
    service: RouteService
    score: float = Field(description="Punktzahl der Zuordnung (höher ist besser)")
    responsible: RouteResponsible | None = Field(
        description="wer für die Gemeinde `ars` zuständig ist; null ohne `ars` oder wenn unbekannt"
    )


class RouteOut(Schema):
    items: list[RouteItem] = Field(description="höchstens fünf Leistungen, die beste zuerst")
    decision: Literal["auto", "suggest", "human"] = Field(
        description="auto: weiterleiten; suggest: Vorschläge; human: eine Person hilft weiter"
    )


class RouteQuery(Schema):
    q: str = Field(
        min_length=1,
        max_length=svc.MAX_TEXT,
        description="das Anliegen in eigenen Worten (höchstens 500 Zeichen)",
    )
    ars: str | None = Field(
        None,
        pattern=r"^[0-9]{12}$",
        description="Regionalschlüssel der Gemeinde der Bürgerin oder des Bürgers",
    )


def _via(responsibility: Responsibility) -> str | None:
    recipient = responsibility.via
    if recipient is None:
        return None
    shared = recipient.service
    if not names_alliance(recipient):
        return shared.provider.name
    return f"{shared.name} ({shared.alliance.name})"


def _responsible(responsibility: Responsibility | None) -> dict[str, Any] | None:
    if responsibility is None or responsibility.body is None:
        return None
    body = responsibility.body
    return {"ars": body.ars, "name": body.name, "via": _via(responsibility)}


@router.get(
    "/route",
    response={200: RouteOut, 422: ErrorOut},
    url_name="knowledge_route",
    summary="Ein Anliegen zuordnen: Leistungen, Zuständigkeit, Entscheidung",
)
def route(request: HttpRequest, params: Query[RouteQuery]) -> dict[str, Any]:
    """Die fünf passendsten Leistungen des Katalogs für ein Anliegen in eigenen Worten („Perso weg“),
    die beste zuerst, je mit der zuständigen Stelle für die Gemeinde `ars`, und die Entscheidung:
    automatisch weiterleiten (`auto`), Vorschläge machen (`suggest`) oder an eine Person geben
    (`human`). Öffentlich, ohne Anmeldung."""
    try:
        result = svc.route(params.q, params.ars or "")
    except Invalid as exc:
        raise named_refusal(exc) from None
    return {
        "items": [
            {
                "service": {
                    "id": item.service.external_id,
                    "name": item.service.name,
                    "leika": (item.service.leika or [None])[0],
                },
                "score": item.score,
                "responsible": _responsible(item.responsibility),
            }
            for item in result.items
        ],
        "decision": result.decision,
    }
