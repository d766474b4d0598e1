"""HTTP for the staff assistant: one chat completion from an OpenAI-compatible endpoint.

``POST {url}/chat/completions`` with ``{"model", "messages", "temperature": 0}`` and, when a key is
configured, ``Authorization: Bearer …``. Redirects are not followed (the passages go exactly where
the operator configured them, nowhere else); the answer is read up to :data:`MAX_RESPONSE_BYTES`.
Every failure (connection, timeout, status other than 2xx, an answer that is not the expected JSON)
is one :class:`EndpointError` with a German message that names neither the question nor the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from django.utils.translation import gettext as _

USER_AGENT = "Verbund-Assistent/1.0"
#: an answer of a few paragraphs is a few kB; anything far larger is not a chat completion
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
_CHUNK = 64 * 1024


class EndpointError(Exception):
    """The endpoint did not give an answer; the message is German and safe to show."""


@dataclass(frozen=True)
class Endpoint:
    url: str  # the base URL, e.g. ``http://llm.intern:8000/v1``
    model: str
    api_key: str = ""
    timeout: float = 30.0

    @property
    def completions_url(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"


def chat(endpoint: Endpoint, messages: list[dict[str, str]], *, max_tokens: int = 800) -> str:
    """The text of the first choice of a chat completion over ``messages``."""
    payload: dict[str, Any] = {"messages": messages, "temperature": 0, "max_tokens": max_tokens}
    if endpoint.model:
        payload["model"] = endpoint.model
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    try:
        with requests.post(
            endpoint.completions_url,
            json=payload,
            headers=headers,
            timeout=endpoint.timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise EndpointError(_("Die Antwort des Sprachmodells ist zu groß."))
    except requests.Timeout as exc:
        raise EndpointError(_("Das Sprachmodell hat nicht rechtzeitig geantwortet.")) from exc
    except requests.RequestException as exc:
        raise EndpointError(_("Das Sprachmodell ist nicht erreichbar.")) from exc
    if not 200 <= status < 300:
        raise EndpointError(
            _("Das Sprachmodell hat mit dem Status %(status)s geantwortet.") % {"status": status}
        )
    try:
        data = json.loads(bytes(body).decode("utf-8"))
        content = data["choices"][0]["message"]["content"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
        raise EndpointError(_("Die Antwort des Sprachmodells ist unverständlich.")) from exc
    if not isinstance(content, str) or not content.strip():
        raise EndpointError(_("Das Sprachmodell hat eine leere Antwort gegeben."))
    return content.strip()
