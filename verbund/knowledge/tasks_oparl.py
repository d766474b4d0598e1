"""The periodic harvest of the OParl sources (Celery; registered from :class:`KnowledgeConfig`).

:func:`harvest_oparl_sources` runs every ``KNOWLEDGE_OPARL_POLL_MINUTES`` (default 60) and harvests
each active source whose last run is that long ago, incrementally
(:func:`verbund.knowledge.services.oparl.oparl_harvest_due`). A cache lock keeps two rounds from
running at once in one worker (with a shared cache, ``CACHE_URL``, across workers too); whatever the
cache, each source is claimed in the database before it is harvested, so two workers never harvest
the same source at once. A round that stored nothing and met no problem is only logged, not audited.
"""

from __future__ import annotations

from celery import shared_task

ENTRY = "knowledge.harvest_oparl"
LOCK = "knowledge:oparl-harvest"


@shared_task(name="knowledge.harvest_oparl", ignore_result=True)
def harvest_oparl_sources() -> list[str]:
    """Harvest the due sources; returns each run's summary."""
    from django.core.cache import cache

    from verbund.common.actors import SystemActor

    from .policies import MANAGE
    from .services.oparl import oparl_harvest_due, poll_minutes

    # the lock expires on its own after a poll interval (a killed worker does not block forever)
    if not cache.add(LOCK, 1, timeout=max(60, int(poll_minutes() * 60))):
        return []
    try:
        actor = SystemActor(name="OParl-Abruf (regelmäßig)", capabilities=frozenset({MANAGE}))
        return [result.summary() for result in oparl_harvest_due(actor=actor)]
    finally:
        cache.delete(LOCK)


def add_beat_schedule() -> None:
    """Add :func:`harvest_oparl_sources` to the beat schedule (merged with the other entries)."""
    from celery import current_app

    from .services.oparl import poll_minutes

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[ENTRY] = {"task": "knowledge.harvest_oparl", "schedule": poll_minutes() * 60.0}
    current_app.conf.beat_schedule = schedule
