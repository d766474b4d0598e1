"""Who sees and changes what in the security part: TLP 2.0 and MISP-style distribution, enforced as
one query filter behind every list, detail, search, export, notification and API response.

Seeing a TLP-labelled object (advisory, assessment, incident, file, asset, WiBA answers)
===================================================================================
* **TLP:CLEAR**: every signed-in person.
* **The owner**: staff and heads of the object's ``owner_body`` and the shared security officers
  serving that body (grant :data:`OFFICER`) see the body's objects up to TLP:AMBER+STRICT.
* **TLP:RED**: only the named recipients and the person who created it — nobody else, no role.
  (Recipients and creator count for RED only: someone who left the body, or a name left on the
  list after the label was lowered, sees the object only as the distribution allows.) At least one
  person must be named, from the owner body's community (:func:`recipient_candidates`); the rule is
  checked by :func:`verbund.security.services.sharing.check_sharing`.
* **Distribution** (for TLP:GREEN and TLP:AMBER; AMBER+STRICT and RED never go beyond the owner):
  ``alliance`` – the current members of ``alliance`` (staff, heads, their officers) and its
  coordinators; ``group`` – the bodies of ``sharing_group``; ``all_alliances`` and ``all`` (GREEN
  only) – every person working for a body that belongs to an alliance / every signed-in person.
* **Beratungsstelle**: sees none of it (its "reads everything" stops at INTERNAL and does not apply
  here at all), unless the owner ticked ``advisory_office`` (only for CLEAR, GREEN and AMBER:
  AMBER+STRICT stays in the organisation, RED with the named people). ``all`` reaches it only when
  the person also works for a body: choosing "every signed-in person" is not sharing with it.
* **Plattformbetrieb** and superusers: no exception. System actors with :data:`MANAGE` (the demo
  loader, the feed poller) see everything.

Missing and invisible are the same 404 everywhere (:mod:`.selectors`); reads of TLP:AMBER and RED
objects go to the read log (:func:`verbund.audit.services.record_sensitive_read`).

Changing
========
* Assets, incidents, WiBA answers, help requests of a body: its staff and heads and its officers.
* Importing advisories: any person working for a body (the import belongs to that body when its TLP
  is above CLEAR); provider sources and the quarantine: Plattformbetrieb.
* Triage (SSVC decision) for an alliance: its coordinators and the alliance's security officers.
* Shared officers: the coordinators of the alliance and Plattformbetrieb.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, Exists, Model, Q, QuerySet, Value, When
from django.utils.translation import gettext, gettext_noop

from verbund.alliances import policies as alliance_policies
from verbund.common.principal import Principal, register_grant_kind
from verbund.common.roles import Role

if TYPE_CHECKING:
    from .models import Shared

#: Grant: the bodies a shared security (or data-protection) officer serves, as person or deputy.
OFFICER = register_grant_kind(
    "security.officer", label=gettext_noop("Gemeinsame/r Beauftragte/r"), scope="body"
).name
#: Grant: the alliances whose security officer someone is (triage for the alliance).
ALLIANCE_OFFICER = register_grant_kind(
    "security.alliance_officer", label=gettext_noop("Sicherheitsbeauftragte/r des Verbunds"), scope="alliance"
).name
#: System capability: everything of the part (demo loader, feed poller, imports from the command line).
MANAGE = "security.manage"

#: TLP labels whose objects never go beyond the owner (AMBER+STRICT) or the named people (RED).
_OWNER_ONLY = ("amber+strict",)
_NAMED_ONLY = ("red",)
#: TLP labels an owner may open to the Beratungsstelle (``advisory_office``).
_ADVISORY_OFFICE = ("clear", "green", "amber")


def _serving_now(prefix: str = "") -> Q:
    """Officers (``prefix`` ``"officer__"`` from a share) whose period includes today."""
    from django.utils import timezone

    today = timezone.localdate()
    return Q(**{f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": today})
    )


def officer_body_ids(user_id: int) -> Iterable[int]:
    """Grant provider of :data:`OFFICER`: bodies served now by the user as officer or deputy."""
    from .models import OfficerShare

    return (
        OfficerShare.objects.filter(Q(officer__person_id=user_id) | Q(officer__deputy_id=user_id))
        .filter(_serving_now("officer__"))
        .values_list("body_id", flat=True)
        .distinct()
    )


def officer_people(body_id: int) -> set[int]:
    """The users serving ``body_id`` now as shared officer or deputy (for notifications)."""
    from django.utils import timezone

    from .models import OfficerShare

    today = timezone.localdate()
    rows = (
        OfficerShare.objects.filter(body_id=body_id, officer__starts_on__lte=today)
        .filter(Q(officer__ends_on__isnull=True) | Q(officer__ends_on__gte=today))
        .values_list("officer__person_id", "officer__deputy_id")
    )
    return {user for pair in rows for user in pair if user is not None}


def officer_alliance_ids(user_id: int) -> Iterable[int]:
    """Grant provider of :data:`ALLIANCE_OFFICER`: alliances whose ISB (or deputy) the user is now."""
    from .models import OfficerKind, SharedOfficer

    return (
        SharedOfficer.objects.filter(Q(person_id=user_id) | Q(deputy_id=user_id))
        .filter(_serving_now(), kind=OfficerKind.ISB, alliance__isnull=False)
        .values_list("alliance_id", flat=True)
        .distinct()
    )


# --- whose objects -------------------------------------------------------------------------------


def own_body_ids(principal: Principal) -> frozenset[int]:
    """The bodies whose objects the principal handles: where they work, and those they serve as officer."""
    return principal.body_ids(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG) | principal.granted(OFFICER)


def acts_for(principal: Principal, body_id: int | None) -> bool:
    """Change a body's security data: its staff, heads and officers (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return body_id is not None and int(body_id) in own_body_ids(principal)


def may_triage(principal: Principal, alliance_id: int | None) -> bool:
    """Assess advisories for an alliance: its coordinators and its security officers."""
    if principal.is_system:
        return principal.capable(MANAGE)
    if alliance_id is None:
        return False
    return alliance_policies.coordinates(principal, alliance_id) or principal.has_grant(
        ALLIANCE_OFFICER, alliance_id
    )


def triage_alliance_ids(principal: Principal) -> frozenset[int]:
    return principal.granted(alliance_policies.COORDINATOR) | principal.granted(ALLIANCE_OFFICER)


def manages_sources(principal: Principal) -> bool:
    """Provider sources and the quarantine: Plattformbetrieb (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator


def manages_officers(principal: Principal, alliance_id: int | None) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or alliance_policies.coordinates(principal, alliance_id)


# --- the TLP rule ---------------------------------------------------------------------------------

#: The distributions each TLP label allows (TLP 2.0 read with MISP's levels).
ALLOWED_DISTRIBUTIONS: dict[str, frozenset[str]] = {
    "clear": frozenset({"organisation", "alliance", "all_alliances", "group", "all"}),
    "green": frozenset({"organisation", "alliance", "all_alliances", "group", "all"}),
    "amber": frozenset({"organisation", "alliance", "group"}),
    "amber+strict": frozenset({"organisation"}),
    "red": frozenset({"organisation"}),
}

DISTRIBUTION_REFUSALS = {
    "amber": gettext_noop(
        "TLP:AMBER darf nur an die eigene Körperschaft, den eigenen Verbund oder eine benannte Gruppe gehen."
    ),
    "amber+strict": gettext_noop("TLP:AMBER+STRICT bleibt in der eigenen Körperschaft."),
    "red": gettext_noop("TLP:RED geht nur an namentlich genannte Personen."),
}


def distribution_error(tlp: str, distribution: str, *, alliance_id: int | None, group_id: int | None) -> str:
    """Why ``distribution`` is not allowed for ``tlp`` ("" when it is)."""
    if distribution not in ALLOWED_DISTRIBUTIONS.get(tlp, frozenset()):
        return gettext(DISTRIBUTION_REFUSALS.get(tlp, gettext_noop("Unbekannte TLP-Stufe.")))
    if distribution == "alliance" and alliance_id is None:
        return gettext("Für die Verteilung an den Verbund fehlt der Verbund.")
    if distribution == "group" and group_id is None:
        return gettext("Für die Verteilung an eine Gruppe fehlt die Teilungsgruppe.")
    return ""


def advisory_office_error(tlp: str, advisory_office: bool) -> str:
    """Why the Beratungsstelle may not be given ``tlp`` ("" when it may, or is not asked for)."""
    if advisory_office and tlp not in _ADVISORY_OFFICE:
        return gettext(DISTRIBUTION_REFUSALS.get(tlp, gettext_noop("Unbekannte TLP-Stufe.")))
    return ""


def recipient_candidates(body_ids: Iterable[int]) -> QuerySet[Any]:
    """The people who may be named as recipients of a TLP:RED object of one of ``body_ids`` (active
    users): whoever holds a role in the body, in a body it currently shares an alliance with or in a
    sharing group it belongs to; the officers (and deputies) serving the body now; the coordinators
    and security officers of its alliances. TLP:RED goes to named people of the community, never to
    a stranger of the platform."""
    from django.contrib.auth import get_user_model

    from verbund.accounts.models import RoleAssignment
    from verbund.alliances.models import AllianceRole, Membership

    from .models import OfficerKind, OfficerShare, SharedOfficer, SharingGroup

    bodies = sorted({int(b) for b in body_ids})
    alliances = Membership.objects.current().filter(body_id__in=bodies).values("alliance_id")
    partners = Membership.objects.current().filter(alliance_id__in=alliances).values("body_id")
    group_members: Any = SharingGroup.bodies.through
    groups = group_members._default_manager.filter(body_id__in=bodies).values("sharinggroup_id")
    in_groups = group_members._default_manager.filter(sharinggroup_id__in=groups).values("body_id")
    roles = RoleAssignment.objects.filter(
        Q(body_id__in=bodies) | Q(body_id__in=partners) | Q(body_id__in=in_groups)
    ).values("user_id")
    shares = OfficerShare.objects.filter(_serving_now("officer__"), body_id__in=bodies)
    isbs = SharedOfficer.objects.filter(_serving_now(), kind=OfficerKind.ISB, alliance_id__in=alliances)
    coordinators = AllianceRole.objects.filter(alliance_id__in=alliances).values("user_id")
    return get_user_model().objects.filter(
        Q(pk__in=roles)
        | Q(pk__in=shares.values("officer__person_id"))
        | Q(pk__in=shares.exclude(officer__deputy_id=None).values("officer__deputy_id"))
        | Q(pk__in=isbs.values("person_id"))
        | Q(pk__in=isbs.exclude(deputy_id=None).values("deputy_id"))
        | Q(pk__in=coordinators),
        is_active=True,
    )


def visibility_filter(principal: Principal, model: type[Shared]) -> Q:
    """A ``Q`` on a TLP-labelled ``model`` selecting what ``principal`` may see (module doc)."""
    from verbund.alliances.models import Membership

    from .models import SharingGroup

    nothing = Q(pk__in=[])
    if principal.is_system:
        return Q() if principal.capable(MANAGE) else nothing
    if not principal.is_authenticated or principal.user_id is None:
        return nothing
    user_id = principal.user_id
    through: Any = model.recipients.through
    named = Q(pk__in=through._default_manager.filter(user_id=user_id).values(f"{model._meta.model_name}_id"))
    # The named people and the creator are TLP:RED's rule; for every other label what a person sees
    # follows from the bodies they work for now (a former employee loses the body's objects).
    condition = Q(tlp="clear") | (Q(tlp__in=_NAMED_ONLY) & (Q(created_by_id=user_id) | named))
    shareable = Q(tlp__in=("green", "amber"))
    bodies = own_body_ids(principal)
    if bodies:
        condition |= Q(owner_body_id__in=bodies) & ~Q(tlp__in=_NAMED_ONLY)
        member_of = Membership.objects.current().filter(body_id__in=bodies).values("alliance_id")
        condition |= shareable & Q(distribution="alliance", alliance_id__in=member_of)
        group_members: Any = SharingGroup.bodies.through
        groups = group_members._default_manager.filter(body_id__in=bodies).values("sharinggroup_id")
        condition |= shareable & Q(distribution="group", sharing_group_id__in=groups)
    coordinated = principal.granted(alliance_policies.COORDINATOR) | principal.granted(ALLIANCE_OFFICER)
    if coordinated:
        condition |= shareable & Q(distribution="alliance", alliance_id__in=coordinated)
    # "all alliances" reaches whoever coordinates one or works for a body in one: a subquery, so that
    # building the filter asks the database nothing (it is built for every list, and per recipient).
    if coordinated:
        condition |= Q(tlp="green", distribution="all_alliances")
    elif bodies:
        in_an_alliance = Exists(Membership.objects.current().filter(body_id__in=bodies))
        condition |= Q(tlp="green", distribution="all_alliances") & Q(in_an_alliance)
    if bodies or coordinated or not principal.has_platform_role(Role.BERATUNGSSTELLE):
        # "every signed-in person"; the Beratungsstelle sees what is shared with it through
        # ``advisory_office`` (issue: "sees none of it unless a member shares with it").
        condition |= Q(tlp="green", distribution="all")
    if principal.has_platform_role(Role.BERATUNGSSTELLE):
        condition |= Q(advisory_office=True, tlp__in=_ADVISORY_OFFICE)
    return condition


def visible(principal: Principal, model: type[Shared]) -> Q:
    """Alias of :func:`visibility_filter` for readability at call sites: ``filter(visible(p, Asset))``."""
    return visibility_filter(principal, model)


def sees(principal: Principal, obj: Model) -> bool:
    """Whether ``principal`` sees ``obj`` (one query; prefer filtering querysets)."""
    model: Any = type(obj)
    return bool(model._default_manager.filter(visibility_filter(principal, model), pk=obj.pk).exists())


def visibility_principals(user_ids: Iterable[int]) -> dict[int, Principal]:
    """Principals of the active users among ``user_ids``, with what :func:`visibility_filter` reads (the
    roles and the grants :data:`OFFICER`, :data:`ALLIANCE_OFFICER` and the alliances' coordinator), built
    in five queries however many users there are. For deciding who sees what (notifications), never for
    authorising a change (that takes :func:`verbund.common.principal.principal_for`)."""
    from django.contrib.auth import get_user_model

    from verbund.accounts.models import RoleAssignment
    from verbund.alliances.models import AllianceRole

    from .models import OfficerKind, OfficerShare, SharedOfficer

    users = list(
        get_user_model()
        .objects.filter(pk__in={int(u) for u in user_ids}, is_active=True)
        .values_list("pk", "username", "is_superuser")
    )
    ids = [pk for pk, _name, _super in users]
    platform: dict[int, set[str]] = {pk: set() for pk in ids}
    by_body: dict[int, dict[int, set[str]]] = {pk: {} for pk in ids}
    for user_id, role, body_id in RoleAssignment.objects.filter(user_id__in=ids).values_list(
        "user_id", "role", "body_id"
    ):
        if body_id is None:
            platform[user_id].add(role)
        else:
            by_body[user_id].setdefault(body_id, set()).add(role)
    grants: dict[int, dict[str, set[int]]] = {pk: {} for pk in ids}

    def grant(user_id: int | None, kind: str, object_id: int | None) -> None:
        if user_id in grants and object_id is not None:
            grants[user_id].setdefault(kind, set()).add(object_id)

    for user_id, alliance_id in AllianceRole.objects.filter(user_id__in=ids).values_list(
        "user_id", "alliance_id"
    ):
        grant(user_id, alliance_policies.COORDINATOR, alliance_id)
    shares = OfficerShare.objects.filter(
        Q(officer__person_id__in=ids) | Q(officer__deputy_id__in=ids), _serving_now("officer__")
    )
    for person, deputy, body_id in shares.values_list("officer__person_id", "officer__deputy_id", "body_id"):
        grant(person, OFFICER, body_id)
        grant(deputy, OFFICER, body_id)
    isbs = SharedOfficer.objects.filter(
        Q(person_id__in=ids) | Q(deputy_id__in=ids),
        _serving_now(),
        kind=OfficerKind.ISB,
        alliance__isnull=False,
    )
    for person, deputy, alliance_id in isbs.values_list("person_id", "deputy_id", "alliance_id"):
        grant(person, ALLIANCE_OFFICER, alliance_id)
        grant(deputy, ALLIANCE_OFFICER, alliance_id)
    principals = {}
    for pk, name, is_superuser in users:
        roles = platform[pk] | ({Role.PLATTFORMBETRIEB.value} if is_superuser else set())
        principals[pk] = Principal(
            user_id=pk,
            name=name,
            is_authenticated=True,
            is_superuser=is_superuser,
            platform_roles=frozenset(roles),
            body_roles={body: frozenset(held) for body, held in by_body[pk].items()},
            grants={kind: frozenset(objects) for kind, objects in grants[pk].items()},
        )
    return principals


#: Users decided per query by :func:`users_seeing` (one column each).
_SEEING_CHUNK = 100


def users_seeing(user_ids: Iterable[int], *objects: Shared) -> list[int]:
    """The active users among ``user_ids`` who see every one of ``objects`` under TLP and distribution,
    sorted: :func:`visibility_filter` of each user as one column of one query per model (and per
    hundred users), after :func:`visibility_principals` — a constant number of queries."""
    principals = visibility_principals(user_ids)
    kept = set(principals)
    by_model: dict[Any, list[int]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj.pk)
    ordered = sorted(principals)
    for model, pks in by_model.items():
        for start in range(0, len(ordered), _SEEING_CHUNK):
            chunk = [u for u in ordered[start : start + _SEEING_CHUNK] if u in kept]
            if not chunk:
                continue
            columns = {
                f"sees_{user_id}": Case(
                    When(visibility_filter(principals[user_id], model), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
                for user_id in chunk
            }
            rows: QuerySet[Any] = model._default_manager.filter(pk__in=pks).annotate(**columns)
            found = list(rows.values(*columns))
            if len(found) != len(set(pks)):  # an object gone: nobody is told about it
                return []
            for user_id in chunk:
                if not all(row[f"sees_{user_id}"] for row in found):
                    kept.discard(user_id)
    return sorted(kept)


# --- sharing groups, incidents and mutual help ----------------------------------------------------


def may_manage_group(principal: Principal, owner_body_id: int | None) -> bool:
    """Name a sharing group and choose its bodies: whoever acts for the body that created it."""
    return acts_for(principal, owner_body_id)


def reaches_alliance(obj: Shared, alliance_id: int | None) -> bool:
    """Whether the current members of ``alliance_id`` see ``obj`` by its label and distribution (a help
    request is as confidential as its incident, so only such an incident may ask the alliance)."""
    if alliance_id is None:
        return False
    if obj.tlp == "clear":
        return True
    if obj.tlp == "green" and obj.distribution in ("all_alliances", "all"):
        return True
    return obj.tlp in ("green", "amber") and obj.distribution == "alliance" and obj.alliance_id == alliance_id


def may_contribute(principal: Principal, helper_body_id: int | None, requesting_body_id: int | None) -> bool:
    """Record what a body gave: whoever acts for the helping body (not the body that asked)."""
    return helper_body_id != requesting_body_id and acts_for(principal, helper_body_id)
