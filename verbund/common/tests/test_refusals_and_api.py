"""The refusal contract: one hierarchy, Django's exceptions translated, the API's one error shape
(also for unknown paths and wrong methods), and access_object's 404/403 rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from verbund.common.access import access_object, require
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound, Refusal, as_refusal
from verbund.common.principal import ANONYMOUS, Principal
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory


def test_refusal_kinds_have_status_code_and_german_default() -> None:
    assert (NotFound().status, NotFound().code, NotFound().detail) == (404, "not_found", "Nicht gefunden.")
    assert Forbidden().status == 403 and Invalid().status == 422 and Conflict().status == 409
    refusal = Refusal("Kaputt.", code="broken", status=418)
    assert (refusal.status, refusal.code, str(refusal)) == (418, "broken", "Kaputt.")
    assert Invalid(fields={"amount": ["Zu hoch."]}).detail == "Zu hoch."


def test_django_exceptions_become_refusals() -> None:
    invalid = as_refusal(ValidationError({"name": ["Bitte einen Namen angeben."]}, code="required"))
    assert isinstance(invalid, Invalid)
    assert invalid.fields == {"name": ["Bitte einen Namen angeben."]}
    assert isinstance(as_refusal(ValidationError("Nein.", code="nope")), Invalid)
    assert as_refusal(ValidationError("Nein.", code="nope")).code == "nope"  # type: ignore[union-attr]
    assert isinstance(as_refusal(PermissionDenied("Nicht Ihres.")), Forbidden)
    assert isinstance(as_refusal(Http404()), NotFound)
    assert as_refusal(ValueError("bug")) is None


@pytest.mark.django_db
def test_access_object_gives_404_for_missing_and_403_for_not_allowed() -> None:
    body = BodyFactory.create(verbandsgemeinde=True)
    with pytest.raises(NotFound):
        access_object(Body.objects, ANONYMOUS, ars="000000000000")
    assert access_object(Body.objects, ANONYMOUS, ars=body.ars) == body
    with pytest.raises(Forbidden, match="Nur die Körperschaft"):
        access_object(
            Body.objects,
            ANONYMOUS,
            ars=body.ars,
            need=lambda p, b: p.works_for(b.pk),
            refusal="Nur die Körperschaft selbst.",
        )
    staff = Principal(user_id=1, is_authenticated=True, body_roles={body.pk: frozenset({"sachbearbeitung"})})
    assert access_object(Body.objects, staff, ars=body.ars, need=lambda p, b: p.works_for(b.pk)) == body
    with pytest.raises(Forbidden):
        require(False, "Nein.")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/gibt-es-nicht", "/api/v1/bodies/x/y/z/w", "/api/v2/"])
def test_unknown_api_paths_answer_json(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Diesen Endpunkt gibt es nicht.", "code": "not_found"}


@pytest.mark.django_db
def test_wrong_method_answers_json_with_allow(client) -> None:
    response = client.delete("/api/v1/bodies")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_not_found_from_an_endpoint_keeps_one_message(client) -> None:
    response = client.get("/api/v1/bodies/000000000000")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}


def test_html_404_is_not_turned_into_json(client, db) -> None:
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
