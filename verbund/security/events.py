"""The events the security part publishes (verbund.notifications) and who receives them.

* **New matches** (:data:`MATCH_ALERT`): per body whose assets an advisory newly affects, or whose
  remediation for a matched product changed (CSAF 9.1.13): its staff, heads and shared officers.
* **A triage** (:data:`TRIAGE_DECIDED`): the alliance's security officer or coordinator assessed an
  advisory; per affected member body: its staff, heads and shared officers.

TLP: the recipients are resolved when the event is published and each one is kept only if they may
see the advisory (and, for a triage, the triage) under TLP and distribution. The text names the
advisory (its tracking id and title only when it is TLP:CLEAR, else its number) and the recipient's
own body, never another member, an asset or a count of another body. The link leads to the
recipient's own matches of the advisory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.common.actors import Actor
from verbund.common.principal import principal_for
from verbund.common.roles import Role
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Advisory, Match, OfficerShare, Triage
from .policies import visibility_filter

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
    """The users among ``user_ids`` who may see every one of ``objects`` (TLP and distribution)."""
    from django.contrib.auth import get_user_model

    kept = []
    for user in get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).order_by("pk"):
        principal = principal_for(user)
        if all(
            type(obj).objects.filter(visibility_filter(principal, type(obj)), pk=obj.pk).exists()
            for obj in objects
        ):
            kept.append(user.pk)
    return kept


def _german(label: object) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(label() if callable(label) else label)


def matches_path(advisory_id: int) -> str:
    return reverse("security:match_list") + f"?hinweis={advisory_id}"


def matches_alerted(*, actor: Actor, matches: Iterable[Match]) -> int:
    """One event per (advisory, body) of the alerting ``matches``; returns how many were published."""
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
        publish(
            MATCH_ALERT,
            actor=actor,
            title=advisory_name(advisory),
            text=gettext_noop(
                "Der Sicherheitshinweis betrifft %(count)s Komponente(n) Ihrer Körperschaft, oder seine "
                "Abhilfen haben sich geändert. Bitte prüfen und den Stand der Behebung eintragen."
            ),
            text_params={"count": len(assets)},
            path=matches_path(advisory_id),
            audience=Audience.users(*recipients),
            body_id=body_id,
            payload={"advisory": advisory_id, "assets": len(assets)},
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
