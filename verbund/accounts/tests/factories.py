"""factory_boy factories for accounts, for this part's tests and for the parts above it::

    user = UserFactory.create()                            # password: PASSWORD
    head = UserFactory.create(head_of=body)                # Verwaltungsleitung of body
    clerk = UserFactory.create(staff_of=body)              # Sachbearbeitung of body
    operator = UserFactory.create(operator=True)           # Plattformbetrieb
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)

(``.create()`` rather than calling the class: factory_boy types only ``create`` as returning the model.)

Roles are written directly (no audit record), as fixtures; tests of the services call the services.
"""

from __future__ import annotations

from typing import Any, cast

import factory
from factory.django import DjangoModelFactory

from verbund.accounts.models import Role, RoleAssignment, User

PASSWORD = "geheim-genug-123"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def head_of(self, create: bool, body: Any, **kwargs: Any) -> None:
        if create and body is not None:
            RoleAssignment.objects.create(user=cast(User, self), role=Role.VERWALTUNGSLEITUNG, body=body)

    @factory.post_generation
    def staff_of(self, create: bool, body: Any, **kwargs: Any) -> None:
        if create and body is not None:
            RoleAssignment.objects.create(user=cast(User, self), role=Role.SACHBEARBEITUNG, body=body)

    @factory.post_generation
    def operator(self, create: bool, value: Any, **kwargs: Any) -> None:
        if create and value:
            RoleAssignment.objects.create(user=cast(User, self), role=Role.PLATTFORMBETRIEB)


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.BERATUNGSSTELLE
    body = None
