"""The registry's rules through the principal: every body is public, changing a body's data is for
its own staff and Plattformbetrieb, importing needs the capability ``registry.import`` (or
Plattformbetrieb); one body is reached through ``access_body`` (404 unknown, 403 not allowed)."""

from __future__ import annotations

import pytest

from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import ANONYMOUS, Principal, principal_of_system
from verbund.common.roles import Role
from verbund.registry import policies
from verbund.registry.models import Body
from verbund.registry.selectors import access_body

from .factories import BodyFactory


def person(user_id: int, *roles: str) -> Principal:
    return Principal(user_id=user_id, name="p", is_authenticated=True, platform_roles=frozenset(roles))


OPERATOR = person(1, Role.PLATTFORMBETRIEB)
ADVISOR = person(2, Role.BERATUNGSSTELLE)
IMPORTER = principal_of_system("Registerimport", {policies.IMPORT})
DEMO = principal_of_system("Demodaten", {"alliances.manage"})


def staff(body_id: int, role: str = Role.SACHBEARBEITUNG) -> Principal:
    return Principal(user_id=3, name="amt", is_authenticated=True, body_roles={body_id: frozenset({role})})


@pytest.mark.django_db
@pytest.mark.parametrize("principal", [ANONYMOUS, OPERATOR, ADVISOR, IMPORTER, DEMO])
def test_every_body_is_visible_to_everyone(principal: Principal) -> None:
    bodies = BodyFactory.create_batch(3)
    dissolved = BodyFactory.create(dissolved=True)
    visible = set(Body.objects.visible_to(principal))
    assert {*bodies, dissolved} <= visible
    assert visible == set(Body.objects.all())
    assert access_body(principal, dissolved.ars) == dissolved


def test_changing_a_body_is_for_its_staff_and_plattformbetrieb() -> None:
    assert policies.may_change_body(staff(7), 7)
    assert policies.may_change_body(staff(7, Role.VERWALTUNGSLEITUNG), 7)
    assert not policies.may_change_body(staff(7), 8)
    assert policies.may_change_body(OPERATOR, 8)
    assert not policies.may_change_body(ADVISOR, 8)  # reads everything, changes nothing
    assert not policies.may_change_body(ANONYMOUS, 8)
    assert not policies.may_change_body(IMPORTER, 8)
    assert not policies.may_change_body(OPERATOR, None)


def test_importing_needs_the_capability_or_plattformbetrieb() -> None:
    assert policies.may_import(IMPORTER)
    assert policies.may_import(OPERATOR)
    assert not policies.may_import(DEMO)
    assert not policies.may_import(ADVISOR)
    assert not policies.may_import(staff(7, Role.VERWALTUNGSLEITUNG))
    assert not policies.may_import(ANONYMOUS)
    # a system actor cannot borrow a person's role
    assert not policies.may_import(
        Principal(name="x", is_system=True, platform_roles=frozenset({Role.PLATTFORMBETRIEB}))
    )


@pytest.mark.django_db
def test_access_body_is_404_for_an_unknown_ars_and_403_when_not_allowed() -> None:
    body = BodyFactory.create()

    def may_change(p: Principal, b: Body) -> bool:
        return policies.may_change_body(p, b.pk)

    with pytest.raises(NotFound) as missing:
        access_body(OPERATOR, "071119999999")
    assert missing.value.status == 404
    with pytest.raises(NotFound):
        access_body(OPERATOR, "071119999999", need=may_change)
    with pytest.raises(Forbidden) as refused:
        access_body(staff(body.pk + 1), body.ars, need=may_change, refusal="Nur die eigene Verwaltung.")
    assert (refused.value.status, refused.value.detail) == (403, "Nur die eigene Verwaltung.")
    assert access_body(staff(body.pk), body.ars, need=may_change) == body
    assert access_body(ANONYMOUS, body.ars) == body
