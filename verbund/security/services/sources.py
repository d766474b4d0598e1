"""CSAF sources: the providers (or aggregators) polled on the queue, and one poll of a source.

:func:`csaf_source_poll` turns a :class:`~verbund.security.models.CsafSource` into the pure
downloader's configuration (:mod:`verbund.security.csaf.download`), runs it with the state kept on the
source (ETags, change marks) and hands every document that passed the hash and signature checks to
the import (:func:`verbund.security.services.advisories.import_or_quarantine`: schema and mandatory
tests); a failed hash or signature, or a document the import refuses, goes to the quarantine with
the German reasons. The source keeps the state, the time of the last run and of the last success
and the errors of the last run (German, naming the URLs).

A poll holds a lease on its source (in the source's state) so that the beat and a "poll now" never
run the same source twice at once; a lease older than :data:`LEASE_TIMEOUT` (a worker that died) is
taken over. The imports act as the system actor :data:`POLLER`; a person who starts a poll is named
in the audit log of the poll.

Stored messages (``last_error``, quarantine reasons) stay German whatever language the person who
started the poll reads, like the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verbund.accounts.principal import principal_for
from verbund.audit.services import audit_record
from verbund.common.actors import Actor, SystemActor, check_actor
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.i18n import _
from verbund.security.csaf.download import (
    LOCAL_HOSTS,
    DownloadedDocument,
    DownloadError,
    Fetcher,
    KeyRing,
    PollState,
    QuarantinedDownload,
    RunReport,
    SourceConfig,
    check_url,
    poll,
)
from verbund.security.csaf.download.http import DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT

from .. import audit_actions
from ..models import CsafSource, Tlp
from ..policies import MANAGE, manages_sources
from .advisories import ImportResult, import_or_quarantine, quarantine_document

logger = logging.getLogger(__name__)

#: Who imports what a poll brings (the beat, and a poll a person starts).
POLLER = SystemActor(name="CSAF-Abruf", capabilities=frozenset({MANAGE}))
#: A poll whose worker died leaves its lease behind; after this long another poll takes over.
LEASE_TIMEOUT = dt.timedelta(hours=2)
#: A source is due a little before its interval is over, so that the beat's jitter skips no round.
DUE_SLACK = dt.timedelta(minutes=1)
#: How many error lines ``last_error`` keeps.
MAX_ERROR_LINES = 50
#: ROLIE feed labels (TLP 1.0 in CSAF 2.0) as the platform's TLP 2.0 labels.
_FEED_TLP = {"WHITE": Tlp.CLEAR, "CLEAR": Tlp.CLEAR, "GREEN": Tlp.GREEN, "AMBER": Tlp.AMBER, "RED": Tlp.RED}
_EDITABLE = (
    "name",
    "discovery",
    "domain",
    "url",
    "active",
    "interval_minutes",
    "min_request_seconds",
    "since",
    "public_keys",
    "owner_body",
)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def poll_interval_minutes() -> int:
    """How often the beat looks for due sources (``SECURITY_CSAF_POLL_MINUTES``, default 15)."""
    return int(_setting("SECURITY_CSAF_POLL_MINUTES", 15))


def source_config(source: CsafSource, *, full: bool = False) -> SourceConfig:
    """The downloader's configuration of ``source`` (:class:`Invalid` if the source is incomplete)."""
    keys = source.public_keys.strip()
    common: dict[str, Any] = {
        "name": source.name,
        "public_keys": (keys,) if keys else (),
        "since": source.since,
        "full": full,
        "min_interval": float(source.min_request_seconds),
        "timeout": float(_setting("SECURITY_CSAF_TIMEOUT_SECONDS", DEFAULT_TIMEOUT)),
        "max_document_size": int(_setting("SECURITY_CSAF_MAX_DOCUMENT_BYTES", DEFAULT_MAX_SIZE)),
        "allow_http_hosts": frozenset(_setting("SECURITY_CSAF_HTTP_HOSTS", LOCAL_HOSTS)),
    }
    try:
        if source.discovery == CsafSource.Discovery.DOMAIN:
            return SourceConfig(domain=source.domain.strip(), **common)
        if source.discovery == CsafSource.Discovery.METADATA:
            return SourceConfig(provider_metadata_url=source.url.strip(), **common)
        return SourceConfig(aggregator_url=source.url.strip(), **common)
    except ValueError as error:
        field_name = "domain" if source.discovery == CsafSource.Discovery.DOMAIN else "url"
        raise Invalid(fields={field_name: [str(error)]}) from None


# --- sources ---------------------------------------------------------------------------------------


def _check_manages(actor: Actor) -> None:
    check_actor(actor)
    if not manages_sources(principal_for(actor)):
        raise Forbidden(_("Sie dürfen CSAF-Quellen nicht verwalten."))


def _clean_source(source: CsafSource) -> None:
    errors: dict[str, list[str]] = {}
    if source.discovery == CsafSource.Discovery.DOMAIN:
        domain = source.domain.strip()
        if not domain:
            errors["domain"] = [_("Bitte die Domain des Anbieters angeben (z. B. cert-bund.de).")]
        elif "/" in domain or " " in domain:
            errors["domain"] = [_("Bitte nur die Domain angeben, ohne https:// und Pfad.")]
    else:
        url = source.url.strip()
        if not url:
            errors["url"] = [_("Bitte die Adresse der provider-metadata.json oder aggregator.json angeben.")]
        else:
            try:
                check_url(url, allow_http_hosts=frozenset(_setting("SECURITY_CSAF_HTTP_HOSTS", LOCAL_HOSTS)))
            except DownloadError as error:
                errors["url"] = [error.message]
    if source.public_keys.strip():
        with KeyRing() as ring:
            try:
                ring.add_key(source.public_keys, origin=_("Feld „OpenPGP-Schlüssel“"))
            except DownloadError as error:
                errors["public_keys"] = [error.message]
    if errors:
        raise Invalid(fields=errors)
    source.full_clean(exclude=["state"])


def csaf_source_create(actor: Actor, *, name: str, discovery: str, **values: Any) -> CsafSource:
    """Add a provider or aggregator to poll (Plattformbetrieb)."""
    _check_manages(actor)
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    source = CsafSource(name=name, discovery=discovery, **values)
    _clean_source(source)
    with transaction.atomic():
        source.save()
        audit_record(actor=actor, action=audit_actions.SOURCE_CREATE, target=source, object_repr=source.name)
    return source


def csaf_source_update(actor: Actor, *, source: CsafSource, **changes: Any) -> CsafSource:
    """Change a source; a changed domain, address or discovery starts its state afresh."""
    _check_manages(actor)
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = CsafSource.objects.select_for_update(of=("self",)).get(pk=source.pk)
        changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not changed:
            return locked
        for name, value in changed.items():
            setattr(locked, name, value)
        _clean_source(locked)
        fields = list(changed)
        if {"discovery", "domain", "url"} & set(changed):
            locked.state = {}
            fields.append("state")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=audit_actions.SOURCE_UPDATE,
            target=locked,
            object_repr=locked.name,
            changes={name: str(value) for name, value in changed.items() if name != "public_keys"},
        )
    return locked


def csaf_sources_due(*, now: dt.datetime | None = None) -> list[int]:
    """The active sources whose interval is over (never polled: due at once)."""
    now = now or timezone.now()
    due = []
    for source_id, last_run, minutes in CsafSource.objects.filter(active=True).values_list(
        "pk", "last_run_at", "interval_minutes"
    ):
        if last_run is None or now - last_run >= dt.timedelta(minutes=max(1, minutes)) - DUE_SLACK:
            due.append(source_id)
    return due


# --- the poll --------------------------------------------------------------------------------------


@dataclass
class SourcePoll:
    """What one poll of a source did."""

    source: CsafSource
    report: RunReport
    #: import outcomes: created, revised, unchanged, older
    outcomes: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def summary(self) -> str:
        return _(
            "{created} neu, {revised} neue Fassungen, {same} bereits bekannt, {quarantined} in Quarantäne, "
            "{errors} Fehler"
        ).format(
            created=self.outcomes.get("created", 0),
            revised=self.outcomes.get("revised", 0),
            same=self.outcomes.get("unchanged", 0) + self.outcomes.get("older", 0),
            quarantined=self.quarantined,
            errors=len(self.report.errors),
        )


def _take_lease(source_id: int, now: dt.datetime) -> CsafSource | None:
    with transaction.atomic():
        source = CsafSource.objects.select_for_update(of=("self",)).filter(pk=source_id).first()
        if source is None:
            raise NotFound(_("Diese CSAF-Quelle gibt es nicht."))
        lease = (source.state or {}).get("lease")
        if isinstance(lease, dict) and lease.get("since"):
            try:
                held_since = dt.datetime.fromisoformat(str(lease["since"]))
            except ValueError:
                held_since = None
            if held_since is not None and now - held_since < LEASE_TIMEOUT:
                return None
        source.state = {**(source.state or {}), "lease": {"since": now.isoformat()}}
        source.last_run_at = now
        source.save(update_fields=["state", "last_run_at"])
    return source


def _finish(source: CsafSource, state: PollState, report: RunReport, finished: dt.datetime) -> None:
    with transaction.atomic():
        locked = CsafSource.objects.select_for_update(of=("self",)).get(pk=source.pk)
        locked.state = state.to_dict()  # the lease goes with it
        errors = report.errors[:MAX_ERROR_LINES]
        if len(report.errors) > MAX_ERROR_LINES:
            errors.append(f"… und {len(report.errors) - MAX_ERROR_LINES} weitere Fehler")
        locked.last_error = "\n".join(errors)
        fields = ["state", "last_error"]
        if report.ok:
            locked.last_success_at = finished
            fields.append("last_success_at")
        locked.save(update_fields=fields)
    source.state, source.last_error = locked.state, locked.last_error
    source.last_success_at = locked.last_success_at


class _Handover:
    """The downloader's callbacks: the import, and the quarantine."""

    def __init__(self, source: CsafSource, result: SourcePoll) -> None:
        self.source = source
        self.result = result

    def document(self, document: DownloadedDocument) -> None:
        feed_tlp = _FEED_TLP.get((document.tlp_label or "").upper())
        # A restricted feed makes its documents at least as restricted; the document's own stricter
        # label wins (the import refuses to make a document more open).
        requested = feed_tlp if feed_tlp not in (None, Tlp.CLEAR) else None
        signature = (
            f"OpenPGP {document.signature_fingerprint}"
            if document.signature_fingerprint
            else "nicht signiert"
        )
        try:
            outcome = self._import(document, requested, signature)
        except Invalid as refusal:
            if requested is not None and "tlp" in refusal.fields:
                try:
                    outcome = self._import(document, None, signature)
                except Invalid as again:
                    outcome = self._refuse(document, again)
            else:
                outcome = self._refuse(document, refusal)
        if isinstance(outcome, ImportResult):
            self.result.outcomes[outcome.outcome] = self.result.outcomes.get(outcome.outcome, 0) + 1
        else:
            self.result.quarantined += 1

    def _import(self, document: DownloadedDocument, tlp: str | None, signature: str) -> Any:
        return import_or_quarantine(
            POLLER,
            document.content,
            source=self.source,
            url=document.url,
            filename=document.filename,
            signature=signature[:200],
            tlp=tlp,
            owner_body=self.source.owner_body,
        )

    def _refuse(self, document: DownloadedDocument, refusal: Invalid) -> Any:
        # Not a schema failure but a rule of the platform (no TLP label, no owner for a restricted
        # document): kept in quarantine, so the next poll does not try again and again.
        reasons: Sequence[str] = [
            message for messages in refusal.fields.values() for message in messages
        ] or [str(refusal)]
        return quarantine_document(
            POLLER,
            document.content,
            reasons=list(reasons),
            source=self.source,
            url=document.url,
            filename=document.filename,
        )

    def quarantine(self, item: QuarantinedDownload) -> None:
        quarantine_document(
            POLLER,
            item.content or b"",
            reasons=[item.reason],
            source=self.source,
            url=item.url,
            filename=item.filename,
        )
        self.result.quarantined += 1


def csaf_source_poll(
    actor: Actor,
    *,
    source: CsafSource | int,
    full: bool = False,
    fetcher: Fetcher | None = None,
    now: dt.datetime | None = None,
) -> SourcePoll | None:
    """Poll ``source`` once; ``None`` when another poll of it is running.

    ``full``: read index.txt and every feed entry again, without conditional requests (after keys
    were added, for instance). Provider failures do not raise: they are in the result's report and
    in the source's ``last_error``.
    """
    _check_manages(actor)
    source_id = source.pk if isinstance(source, CsafSource) else int(source)
    started = now or timezone.now()
    leased = _take_lease(source_id, started)
    if leased is None:
        logger.info("CSAF-Quelle %s wird bereits abgerufen.", source_id)
        return None
    state = PollState(leased.state)
    try:
        config = source_config(leased, full=full)
    except Invalid as refusal:
        report = RunReport(started_at=started, finished_at=started, errors=[str(refusal)])
        _finish(leased, state, report, started)
        return SourcePoll(source=leased, report=report)
    result = SourcePoll(source=leased, report=RunReport(started_at=started))
    handover = _Handover(leased, result)
    try:
        result.report = poll(
            config,
            on_document=handover.document,
            on_quarantine=handover.quarantine,
            state=state,
            fetcher=fetcher,
        )
    except Exception as error:  # the lease must not outlive a programming error
        result.report.errors.append(f"Abruf abgebrochen: {error}")
        _finish(leased, state, result.report, timezone.now())
        raise
    _finish(leased, state, result.report, started)
    if not isinstance(actor, SystemActor):
        audit_record(
            actor=actor,
            action=audit_actions.SOURCE_POLL,
            target=leased,
            object_repr=leased.name,
            changes={
                **result.outcomes,
                "quarantined": result.quarantined,
                "errors": result.report.errors[:10],
            },
        )
    logger.info("CSAF-Quelle %s (%s): %s", leased.pk, leased.name, result.summary)
    return result


__all__ = [
    "POLLER",
    "SourcePoll",
    "csaf_source_create",
    "csaf_source_poll",
    "csaf_source_update",
    "csaf_sources_due",
    "poll_interval_minutes",
    "source_config",
]
