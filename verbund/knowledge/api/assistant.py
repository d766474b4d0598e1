"""``POST /api/v1/knowledge/assistant``: a question in German → an answer with numbered citations of
the passages it used (:mod:`verbund.knowledge.services.assistant`). Signed-in callers only (401);
the answer uses only what the caller may see. The question is not stored.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, api_user
from verbund.common.errors import Invalid

from ..services import assistant as svc

router = Router()


class AssistantIn(Schema):
    question: str = Field(
        min_length=1,
        max_length=svc.MAX_QUESTION,
        description="die Frage auf Deutsch (höchstens 1000 Zeichen)",
    )


class AssistantCitation(Schema):
    n: int = Field(description="die Nummer, mit der die Antwort die Stelle zitiert ([n])")
    kind: str = Field(
        description="Art der Quelle: council, alliance, agreement, shared_service, settlement oder funding"
    )
    title: str
    url: str = Field(description="Verweis auf die Quelle (leer: keiner)")
    passage: str = Field(description="die zitierte Textstelle")
    tlp: str = Field(description="Einstufung der Quelle: CLEAR, GREEN, AMBER oder RED")


class AssistantOut(Schema):
    answer: str
    generated: bool = Field(description="true: ein Sprachmodell hat die Antwort geschrieben; false: Zitate")
    citations: list[AssistantCitation] = Field(description="leer, wenn nichts gefunden wurde")
    notice: str = Field(
        description="Hinweis, z. B. warum nicht das Sprachmodell geantwortet hat (leer: keiner)"
    )


@router.post(
    "/assistant",
    response={200: AssistantOut, 401: ErrorOut, 422: ErrorOut},
    url_name="knowledge_assistant",
    summary="Den Assistenten fragen: Antwort mit Quellen",
)
def ask(request: HttpRequest, payload: AssistantIn) -> dict[str, Any]:
    """Beantwortet eine Frage aus den Ratsdokumenten und dem Wissen der Verbünde, die die anfragende
    Person sehen darf, mit nummerierten Quellen; ohne passende Stelle: „Dazu habe ich in den
    Unterlagen nichts gefunden.“ und keine Quellen."""
    user = api_user(request)
    try:
        answer = svc.ask(actor=user, question=payload.question)
    except Invalid as exc:
        if exc.fields:
            detail = "; ".join(f"{name}: {m}" for name, messages in exc.fields.items() for m in messages)
            raise Invalid(detail, code=exc.code, fields=exc.fields) from None
        raise
    return {
        "answer": answer.text,
        "generated": answer.generated,
        "citations": [
            {
                "n": c.n,
                "kind": c.kind,
                "title": c.title,
                "url": c.url,
                "passage": c.passage.text,
                "tlp": c.tlp,
            }
            for c in answer.citations
        ],
        "notice": answer.notice,
    }
