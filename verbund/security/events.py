"""The events the security part publishes (verbund.notifications) and who receives them.

* **New matches** (:data:`MATCH_ALERT`): per body whose assets an advisory newly affects, or whose
  remediation for a matched product changed (CSAF 9.1.13): its staff, heads and shared officers.
* **A triage** (:data:`TRIAGE_DECIDED`): the alliance's security officer or coordinator assessed an
  advisory; per affected member body: its staff, heads and shared officers.

TLP: the recipients are resolved when the event is published and each one is kept only if they may
see the advisory (and, for a triage, the triage) under TLP and distribution. A match alert goes only
to those who also see at least one of the matched assets (a TLP:RED asset: its named people and its
creator), and its count is the number of matched assets the recipient sees: recipients who see
different assets get separate events. The text names the advisory (its tracking id and title only
when it is TLP:CLEAR, else its number) and the recipient's own body, never another member, an asset
or a count of another body. The link leads to the recipient's own matches of the advisory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.common.actors import Actor
from verbund.common.roles import Role
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Advisory, Match, OfficerShare, Triage
from .policies import users_seeing, visibility_filter, visibility_principals

# Never to webhooks: a match says what a member runs and where it is weak, a triage is TLP-labelled.
MATCH_ALERT = register_event_type(
    "security.match_alert", label=gettext_lazy("Neue Treffer im Bestand"), webhooks=False
)
TRIAGE_DECIDED = register_event_type(
    "security.triage_decided", label=gettext_lazy("Sicherheitshinweis im Verbund bewertet"), webhooks=False
)


def advisory_name(advisory: Advisory) -> str:
    """How a notification names an advisory: its id and title when public, else only its number
    (e-mails leave the platform; security events never go to webhooks)."""
    if advisory.tlp == "clear":
        return f"{advisory.tracking_id}: {advisory.title}"[:250]
    return f"Sicherheitshinweis Nr. {advisory.pk}"


def body_recipients(body_id: int) -> set[int]:
    """Staff and heads of ``body_id`` and the shared officers (and deputies) serving it now."""
    from django.db.models import Q
    from django.utils import timezone

    today = timezone.localdate()
    ids = Audience.body(body_id, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG).resolve()
    shares = (
        OfficerShare.objects.filter(body_id=body_id, officer__starts_on__lte=today)
        .filter(Q(officer__ends_on__isnull=True) | Q(officer__ends_on__gte=today))
        .values_list("officer__person_id", "officer__deputy_id")
    )
    for person, deputy in shares:
        ids.update(i for i in (person, deputy) if i is not None)
    return ids


def seeing(user_ids: Iterable[int], *objects: Advisory | Triage) -> list[int]:
    """The users among ``user_ids`` who may see every one of ``objects`` (TLP and distribution), in a
    constant number of queries however many users and objects (:func:`.policies.users_seeing`)."""
    return users_seeing(user_ids, *objects)


#: Users decided per query by :func:`assets_seen` (one column each).
_SEEN_CHUNK = 100


def assets_seen(user_ids: Iterable[int], asset_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """For each active user among ``user_ids``: which of ``asset_ids`` they see (TLP and distribution),
    in a constant number of queries (:func:`.policies.visibility_principals`, then one query per
    hundred users with :func:`.policies.visibility_filter` of each user as a column)."""
    from django.db.models import BooleanField, Case, Value, When

    from .models import Asset

    principals = visibility_principals(user_ids)
    pks = sorted({int(a) for a in asset_ids})
    seen: dict[int, set[int]] = {user_id: set() for user_id in principals}
    ordered = sorted(principals)
    for start in range(0, len(ordered) if pks else 0, _SEEN_CHUNK):
        chunk = ordered[start : start + _SEEN_CHUNK]
        columns = {
            f"sees_{user_id}": Case(
                When(visibility_filter(principals[user_id], Asset), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            for user_id in chunk
        }
        for row in Asset.objects.filter(pk__in=pks).annotate(**columns).values("pk", *columns):
            for user_id in chunk:
                if row[f"sees_{user_id}"]:
                    seen[user_id].add(row["pk"])
    return {user_id: frozenset(assets) for user_id, assets in seen.items()}


def _german(label: object) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(label() if callable(label) else label)


def matches_path(advisory_id: int) -> str:
    return reverse("security:match_list") + f"?hinweis={advisory_id}"


def matches_alerted(*, actor: Actor, matches: Iterable[Match]) -> int:
    """One event per (advisory, body) of the alerting ``matches`` and per set of those assets its
    recipients see (module doc); returns how many were published."""
    grouped: dict[tuple[int, int], set[int]] = defaultdict(set)
    advisories: dict[int, Advisory] = {}
    asset_ids = {m.asset_id for m in matches}
    from .models import Asset

    owners = dict(Asset.objects.filter(pk__in=asset_ids).values_list("pk", "owner_body_id"))
    for match in matches:
        body_id = owners.get(match.asset_id)
        if body_id is None:
            continue
        advisories.setdefault(match.advisory_id, match.advisory)
        grouped[(match.advisory_id, body_id)].add(match.asset_id)
    published = 0
    for (advisory_id, body_id), assets in sorted(grouped.items()):
        advisory = advisories[advisory_id]
        recipients = seeing(body_recipients(body_id), advisory)
        if not recipients:
            continue
        # Who sees which of the matched assets (a TLP:RED asset only its named people and creator):
        # one event per set of assets seen, counting only those.
        audiences: dict[frozenset[int], list[int]] = defaultdict(list)
        for user_id, seen in assets_seen(recipients, assets).items():
            if seen:
                audiences[seen].append(user_id)
        for seen, users in sorted(audiences.items(), key=lambda item: sorted(item[1])):
            publish(
                MATCH_ALERT,
                actor=actor,
                title=advisory_name(advisory),
                text=gettext_noop(
                    "Der Sicherheitshinweis betrifft %(count)s Komponente(n) Ihrer Körperschaft, oder "
                    "seine Abhilfen haben sich geändert. Bitte prüfen und den Stand der Behebung eintragen."
                ),
                text_params={"count": len(seen)},
                path=matches_path(advisory_id),
                audience=Audience.users(*sorted(users)),
                body_id=body_id,
                payload={"advisory": advisory_id, "assets": len(seen)},
            )
            published += 1
    return published


def triage_decided(*, actor: Actor, triage: Triage, body_ids: Iterable[int]) -> int:
    """Tell the affected member bodies of the triage's alliance (see the module doc)."""
    advisory = triage.advisory
    published = 0
    for body_id in sorted(set(body_ids)):
        recipients = seeing(body_recipients(body_id), advisory, triage)
        if not recipients:
            continue
        publish(
            TRIAGE_DECIDED,
            actor=actor,
            title=advisory_name(advisory),
            text=gettext_noop(
                "Der Verbund hat den Sicherheitshinweis bewertet: %(decision)s. Ihre Körperschaft ist "
                "betroffen; bitte die Treffer prüfen."
            ),
            text_params={"decision": _german(triage.get_decision_display)},
            path=matches_path(advisory.pk),
            audience=Audience.users(*recipients),
            alliance_id=triage.alliance_id,
            body_id=body_id,
            payload={"advisory": advisory.pk, "decision": triage.decision},
        )
        published += 1
    return published
