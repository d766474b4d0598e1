"""The principal: roles, grants, the superuser rule, sensitivity that no role bypasses, actors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from verbund.accounts.principal import principal_for
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.common.actors import SystemActor, check_actor
from verbund.common.principal import ANONYMOUS, Principal, Sensitivity, register_grant_kind
from verbund.common.roles import Role
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db

TLP = register_grant_kind("test.tlp_recipient", label="Empfänger (Test)", scope="advisory").name


def test_roles_of_a_person_are_read_into_an_immutable_principal() -> None:
    body = BodyFactory.create(verbandsgemeinde=True)
    user = UserFactory.create(head_of=body)
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    principal = principal_for(user)
    assert principal.is_person and principal.user_id == user.pk
    assert principal.heads(body.pk) and principal.works_for(body.pk)
    assert principal.body_ids(Role.VERWALTUNGSLEITUNG) == {body.pk}
    assert principal.reads_everything()
    assert not principal.is_operator
    with pytest.raises(AttributeError):
        principal.user_id = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        principal.body_roles[99] = frozenset()  # type: ignore[index]


def test_a_role_granted_later_is_seen_by_a_fresh_principal() -> None:
    body = BodyFactory.create(verbandsgemeinde=True)
    user = UserFactory.create()
    before = principal_for(user)
    RoleAssignmentFactory.create(user=user, role=Role.SACHBEARBEITUNG, body=body)
    assert not before.works_for(body.pk)
    assert principal_for(user).works_for(body.pk)


def test_superuser_is_plattformbetrieb_and_nothing_more() -> None:
    root = UserFactory.create(is_superuser=True)
    principal = principal_for(root)
    assert principal.is_operator
    assert principal.platform_roles == {Role.PLATTFORMBETRIEB}
    assert not principal.has_platform_role(Role.BEWILLIGUNGSBEHOERDE)
    assert not principal.body_roles and not principal.grants


def test_sensitivity_above_internal_needs_a_grant_whatever_the_role() -> None:
    advisory = Principal(user_id=1, is_authenticated=True, platform_roles=frozenset({Role.BERATUNGSSTELLE}))
    operator = Principal(user_id=2, is_authenticated=True, platform_roles=frozenset({Role.PLATTFORMBETRIEB}))
    recipient = Principal(user_id=3, is_authenticated=True, grants={TLP: frozenset({7})})
    assert advisory.reads_everything(Sensitivity.INTERNAL)
    assert not advisory.reads_everything(Sensitivity.CONFIDENTIAL)
    assert not operator.reads_everything(Sensitivity.STRICT)
    assert not advisory.clears(Sensitivity.CONFIDENTIAL, grant_kind=TLP, object_id=7)
    assert not operator.clears(Sensitivity.CONFIDENTIAL, grant_kind=TLP, object_id=7)
    assert recipient.clears(Sensitivity.CONFIDENTIAL, grant_kind=TLP, object_id=7)
    assert not recipient.clears(Sensitivity.STRICT, grant_kind=TLP, object_id=8)
    assert ANONYMOUS.clears(Sensitivity.PUBLIC)


def test_system_actor_has_only_its_capabilities() -> None:
    actor = SystemActor(name="Import", capabilities=frozenset({"registry.import"}))
    principal = principal_for(actor)
    assert principal.is_system and not principal.is_person
    assert principal.capable("registry.import")
    assert not principal.capable("alliances.manage")
    assert not principal.reads_everything()
    people = Principal(user_id=1, is_authenticated=True, capabilities=frozenset({"registry.import"}))
    assert not people.capable("registry.import")  # people act through roles, never capabilities


@pytest.mark.parametrize("actor", ["load_demo", None, 42])
def test_strings_and_other_objects_are_no_actors(actor: object) -> None:
    with pytest.raises(TypeError):
        principal_for(actor)
    with pytest.raises(TypeError):
        check_actor(actor)


def test_anonymous_user_is_the_anonymous_principal_but_no_actor() -> None:
    assert principal_for(AnonymousUser()) == ANONYMOUS
    with pytest.raises(TypeError):
        check_actor(AnonymousUser())
    with pytest.raises(TypeError):
        SystemActor(name="x", capabilities="registry.import")  # type: ignore[arg-type]
