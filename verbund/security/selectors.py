"""Reading the security part: every single object through :func:`get_shared` (TLP and distribution
applied, 404 for missing-or-invisible, TLP:AMBER and RED reads written to the read log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import record_sensitive_read
from verbund.common.access import access_object
from verbund.common.principal import Principal, Sensitivity

from .models import TLP_SENSITIVITY, Advisory, Asset, Match
from .policies import own_body_ids, triage_alliance_ids, visibility_filter

M = TypeVar("M", bound=Model)


def log_read(actor: Any, obj: Any, *, purpose: str = "") -> None:
    """Write a read of ``obj`` to the read log when it is TLP:AMBER, AMBER+STRICT or RED."""
    sensitivity = TLP_SENSITIVITY.get(getattr(obj, "tlp", "clear"), Sensitivity.PUBLIC)
    if sensitivity > Sensitivity.INTERNAL and actor is not None and getattr(actor, "is_authenticated", False):
        record_sensitive_read(actor=actor, target=obj, sensitivity=int(sensitivity), purpose=purpose)


def get_shared(
    queryset: QuerySet[M],
    principal: Principal,
    *,
    actor: Any = None,
    purpose: str = "",
    need: Callable[[Principal, Any], bool] | None = None,
    refusal: str = "",
    **lookup: Any,
) -> M:
    """One TLP-labelled object ``principal`` may see (else 404; 403 if ``need`` refuses).

    Give ``actor`` (the request's user) to log reads of confidential objects with ``purpose``.
    """
    obj: M = access_object(queryset, principal, need=need, refusal=refusal, **lookup)
    log_read(actor, obj, purpose=purpose)
    return obj


def visible_advisories(principal: Principal) -> QuerySet[Advisory]:
    return Advisory.objects.filter(visibility_filter(principal, Advisory))


def visible_assets(principal: Principal) -> QuerySet[Asset]:
    return Asset.objects.filter(visibility_filter(principal, Asset))


def visible_matches(principal: Principal) -> QuerySet[Match]:
    """Matches of advisories and assets the principal both sees (a match is as confidential as its
    asset: it says what a member runs and where it is weak)."""
    return Match.objects.filter(
        asset__in=visible_assets(principal).values("pk"),
        advisory__in=visible_advisories(principal).values("pk"),
    )


def security_alliances(principal: Principal) -> QuerySet[Alliance]:
    """Alliances whose security view the principal opens: those of the bodies they work for or serve,
    those they coordinate, and those whose security officer they are."""
    bodies = own_body_ids(principal)
    member_of = Membership.objects.current().filter(body_id__in=bodies).values("alliance_id")
    return Alliance.objects.filter(pk__in=member_of) | Alliance.objects.filter(
        pk__in=triage_alliance_ids(principal)
    )
