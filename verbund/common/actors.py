"""Who acts: a person (a :class:`User`) or the system (a :class:`SystemActor`), never a bare string.

Every service takes ``actor: Actor`` and passes it to the audit log. A system actor has a name (shown
in the audit log: "Registerimport", "Demodaten") and an explicit set of *capabilities*; a service
that a system actor calls checks that the capability it needs is among them
(:func:`verbund.accounts.principal.principal_for` turns the actor into a principal, and the policies
of each part ask ``principal.capable(...)``). Strings, ``None`` and anonymous users are refused
with a ``TypeError``: a caller that forgot to say who acts is a bug, not a permission question.

Capabilities are named ``<part>.<what>`` (``registry.import``, ``alliances.manage``); each part
lists its own in its policies module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own: an import, a feed, the demo loader, a scheduled job."""

    #: a short German name for the audit log ("Registerimport")
    name: str
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("A system actor needs a name.")
        if isinstance(self.capabilities, str):
            raise TypeError("capabilities must be a set of names, not one string")
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))

    def __str__(self) -> str:
        return self.name

    def capable(self, capability: str) -> bool:
        return capability in self.capabilities


Actor: TypeAlias = "AbstractBaseUser | SystemActor"


def check_actor(actor: object) -> None:
    """Refuse anything that is not a signed-in, active user or a :class:`SystemActor`."""
    if isinstance(actor, SystemActor):
        return
    from django.contrib.auth.base_user import AbstractBaseUser

    if isinstance(actor, AbstractBaseUser):
        if not actor.is_authenticated or not getattr(actor, "is_active", True):
            raise TypeError("an inactive user cannot act")
        return
    raise TypeError(f"actor must be a User or a SystemActor, not {type(actor).__name__}")


def actor_label(actor: Actor) -> str:
    """The name the audit log keeps for ``actor`` (the user name, or the system actor's name)."""
    if isinstance(actor, SystemActor):
        return actor.name
    return actor.get_username()
