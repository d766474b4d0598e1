"""CSAF sources on the queue: a full poll against the provider fixtures served locally ends with the
advisories in the database; the state (ETags, change marks), last run, success and errors kept on
the source; a wrong hash and an invalid document in quarantine with their reasons; one poll per
source at a time (lease); which sources are due; the Celery tasks and the beat entry; who may manage
sources."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from celery import current_app

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden, Invalid
from verbund.security import tasks
from verbund.security.models import Advisory, AdvisoryRevision, CsafSource, QuarantinedDocument
from verbund.security.services.sources import (
    POLLER,
    csaf_source_create,
    csaf_source_poll,
    csaf_source_update,
    csaf_sources_due,
    source_config,
)

from .test_csaf_download_support import (
    CISA_DOCUMENTS,
    TEST_KEY_FINGERPRINT,
    copy_provider,
    fixtures_dir,
    install_cisa_feed,
    public_test_key,
    serving,
    sign_files,
    write_hashes,
)

pytestmark = pytest.mark.django_db

CISA_IDS = {"VA-24-201-01", "VA-24-254-01", "VA-24-254-02", "VA-24-262-01"}


@pytest.fixture
def server(tmp_path):
    fixtures_dir()
    root = tmp_path / "www"
    root.mkdir()
    with serving(root) as running:
        yield running


def make_source(url: str, **values) -> CsafSource:
    values.setdefault("min_request_seconds", 0)
    return CsafSource.objects.create(
        name="Testanbieter", discovery=CsafSource.Discovery.METADATA, url=url, **values
    )


class TestFullPoll:
    def test_cisa_feed_ends_with_advisories_in_the_database(self, server):
        source = make_source(install_cisa_feed(server))
        result = csaf_source_poll(POLLER, source=source)
        assert result is not None
        assert result.report.ok, result.report.errors
        assert result.outcomes == {"created": 4}
        assert set(Advisory.objects.values_list("tracking_id", flat=True)) == CISA_IDS
        assert set(Advisory.objects.values_list("source", flat=True)) == {source.pk}
        revision = AdvisoryRevision.objects.get(advisory__tracking_id="VA-24-201-01")
        assert revision.source_url == f"{server.url}/cisa/csaf_files/IT/white/2024/va-24-201-01.json"
        assert revision.filename == "va-24-201-01.json"
        assert revision.signature == f"OpenPGP {TEST_KEY_FINGERPRINT}"
        assert revision.received_by == "CSAF-Abruf"

        source.refresh_from_db()
        assert source.last_run_at is not None and source.last_success_at is not None
        assert source.last_error == ""
        assert "lease" not in source.state
        directory = f"{server.url}/cisa/csaf_files/IT/white/"
        assert source.state["changed"] == {
            directory: "2024-10-03T16:03:00+00:00",
            directory + "cisa-csaf-it-feed-tlp-white.json": "2024-10-03T16:03:00+00:00",
        }
        assert f"{server.url}/cisa/csaf_files/IT/white/2024/va-24-201-01.json" in source.state["validators"]

        # the next poll asks conditionally and stores nothing again
        server.clear_log()
        again = csaf_source_poll(POLLER, source=source)
        assert again is not None and again.report.ok
        assert again.outcomes == {} and again.quarantined == 0
        assert not [path for path in server.paths if path.endswith(tuple(CISA_DOCUMENTS))]
        assert AdvisoryRevision.objects.count() == 4

    def test_a_new_revision_replaces_the_advisory(self, server):
        source = make_source(install_cisa_feed(server, rolie=False))
        csaf_source_poll(POLLER, source=source)
        white = server.root / "cisa" / "csaf_files" / "IT" / "white"
        document = white / "2024" / "va-24-262-01.json"
        data = json.loads(document.read_text())
        tracking = data["document"]["tracking"]
        tracking["revision_history"].append(
            {"date": "2024-11-01T10:00:00.000Z", "number": "1.1.0", "summary": "Update"}
        )
        tracking["version"] = "1.1.0"
        tracking["current_release_date"] = "2024-11-01T10:00:00.000Z"
        document.write_text(json.dumps(data, indent=2))
        write_hashes(document)
        sign_files([document])
        changes = white / "changes.csv"
        changes.write_text(
            "csaf_files/IT/white/2024/va-24-262-01.json,2024-11-01T10:00:00.000Z\n" + changes.read_text()
        )
        result = csaf_source_poll(POLLER, source=source)
        assert result is not None
        assert result.report.ok, result.report.errors
        assert result.outcomes == {"revised": 1}
        advisory = Advisory.objects.get(tracking_id="VA-24-262-01")
        assert advisory.version == "1.1.0"
        assert advisory.revisions.count() == 2


class TestQuarantine:
    def test_wrong_hash(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        document = "avendor-advisory-0004.json"
        (server.root / "white" / (document + ".sha512")).write_text("f" * 128 + f"  {document}\n")
        source = make_source(server.url + "/provider-metadata.json")
        result = csaf_source_poll(POLLER, source=source)
        assert result is not None and result.quarantined == 1
        assert not Advisory.objects.exists()
        kept = QuarantinedDocument.objects.get()
        assert kept.source == source
        assert kept.url == f"{server.url}/white/{document}"
        assert "SHA-512-Prüfsumme stimmt nicht" in kept.reasons[0]["text"]
        assert kept.sha256 and kept.content.startswith("{")

    def test_invalid_document_is_kept_with_the_failed_tests(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        white = server.root / "white"
        invalid = white / "rhsa-2021_3029.json"
        shutil.copy(fixtures_dir().parent / "invalid_fixtures" / "rhsa-2021_3029.json", invalid)
        write_hashes(invalid)
        sign_files([invalid])
        (white / "index.txt").write_text("avendor-advisory-0004.json\nrhsa-2021_3029.json\n")
        (white / "changes.csv").unlink()
        source = make_source(server.url + "/provider-metadata.json")
        result = csaf_source_poll(POLLER, source=source)
        assert result is not None
        assert result.report.ok, result.report.errors
        assert result.outcomes == {"created": 1} and result.quarantined == 1
        kept = QuarantinedDocument.objects.get()
        assert kept.filename == "rhsa-2021_3029.json"
        assert any(reason["test"].startswith("6.1.") for reason in kept.reasons)
        assert Advisory.objects.get().tracking_id == "Avendor-advisory-0004"


class TestPollBookkeeping:
    def test_unreachable_provider_is_an_error_on_the_source(self, server):
        source = make_source(server.url + "/missing/provider-metadata.json")
        result = csaf_source_poll(POLLER, source=source)
        assert result is not None and not result.ok
        source.refresh_from_db()
        assert source.last_run_at is not None and source.last_success_at is None
        assert source.last_error == (
            f"Abruf von {server.url}/missing/provider-metadata.json fehlgeschlagen: HTTP 404 File not found."
        )
        assert source.state == {"validators": {}, "changed": {}}

    def test_one_poll_per_source_at_a_time(self, server):
        now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
        source = make_source(server.url + "/provider-metadata.json")
        source.state = {"lease": {"since": (now - dt.timedelta(minutes=5)).isoformat()}}
        source.save()
        assert csaf_source_poll(POLLER, source=source, now=now) is None
        assert server.paths == []
        # a lease left behind by a worker that died is taken over
        later = now + dt.timedelta(hours=3)
        assert csaf_source_poll(POLLER, source=source, now=later) is not None
        source.refresh_from_db()
        assert source.last_run_at == later and "lease" not in source.state

    def test_due_sources(self):
        now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
        never = make_source("https://a.example/provider-metadata.json")
        recent = make_source(
            "https://b.example/provider-metadata.json", last_run_at=now - dt.timedelta(minutes=5)
        )
        over = make_source(
            "https://c.example/provider-metadata.json", last_run_at=now - dt.timedelta(minutes=14.5)
        )
        hourly = make_source(
            "https://d.example/provider-metadata.json",
            last_run_at=now - dt.timedelta(minutes=20),
            interval_minutes=60,
        )
        make_source("https://e.example/provider-metadata.json", active=False)
        assert sorted(csaf_sources_due(now=now)) == sorted([never.pk, over.pk])
        assert recent.pk not in csaf_sources_due(now=now) and hourly.pk not in csaf_sources_due(now=now)

    def test_source_config(self):
        source = make_source(
            "https://a.example/.well-known/csaf/provider-metadata.json",
            min_request_seconds=2.5,
            public_keys=public_test_key(),
        )
        config = source_config(source, full=True)
        assert config.provider_metadata_url == "https://a.example/.well-known/csaf/provider-metadata.json"
        assert config.min_interval == 2.5 and config.full
        assert config.public_keys == (public_test_key().strip(),)
        domain = CsafSource(name="BSI", discovery=CsafSource.Discovery.DOMAIN, domain="cert-bund.de")
        assert source_config(domain).domain == "cert-bund.de"
        with pytest.raises(Invalid):
            source_config(CsafSource(name="leer", discovery=CsafSource.Discovery.DOMAIN))


class TestTasks:
    def test_beat_polls_the_due_sources(self, server):
        source = make_source(install_cisa_feed(server, rolie=False))
        CsafSource.objects.create(
            name="später",
            discovery=CsafSource.Discovery.METADATA,
            url="https://x.example/p.json",
            last_run_at=dt.datetime.now(dt.UTC),
        )
        assert tasks.poll_due_sources.apply().get() == [source.pk]
        assert Advisory.objects.filter(source=source).count() == 4

    def test_poll_source_task(self, server):
        source = make_source(install_cisa_feed(server, directory=False))
        summary = tasks.poll_source.apply(args=[source.pk]).get()
        assert summary == "4 neu, 0 neue Fassungen, 0 bereits bekannt, 0 in Quarantäne, 0 Fehler"

    def test_beat_entry_every_15_minutes(self, settings):
        tasks.add_beat_schedule()
        entry = current_app.conf.beat_schedule[tasks.BEAT_ENTRY]
        assert entry == {"task": "security.poll_due_sources", "schedule": 900.0}
        assert tasks.poll_source.name in current_app.tasks
        settings.SECURITY_CSAF_POLL_MINUTES = 30
        tasks.add_beat_schedule()
        assert current_app.conf.beat_schedule[tasks.BEAT_ENTRY]["schedule"] == 1800.0
        settings.SECURITY_CSAF_POLL_MINUTES = 15
        tasks.add_beat_schedule()


class TestManaging:
    def test_only_plattformbetrieb_polls_and_edits(self, server):
        source = make_source(server.url + "/provider-metadata.json")
        with pytest.raises(Forbidden):
            csaf_source_poll(UserFactory.create(), source=source)
        with pytest.raises(Forbidden):
            csaf_source_create(UserFactory.create(), name="x", discovery="domain", domain="cert-bund.de")

    def test_a_poll_started_by_a_person_is_audited(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        operator = UserFactory.create(operator=True)
        source = make_source(server.url + "/provider-metadata.json")
        result = csaf_source_poll(operator, source=source)
        assert result is not None and result.outcomes == {"created": 1}
        entry = AuditEntry.objects.get(action="security.source_poll")
        assert entry.changes["created"] == 1

    def test_create_and_update_check_the_input(self):
        operator = UserFactory.create(operator=True)
        with pytest.raises(Invalid) as caught:
            csaf_source_create(operator, name="x", discovery="metadata", url="http://csaf.example/p.json")
        assert "HTTPS" in caught.value.fields["url"][0]
        with pytest.raises(Invalid) as caught:
            csaf_source_create(operator, name="x", discovery="domain", domain="https://cert-bund.de/")
        assert "ohne https://" in caught.value.fields["domain"][0]
        with pytest.raises(Invalid) as caught:
            csaf_source_create(
                operator, name="x", discovery="domain", domain="cert-bund.de", public_keys="kein Schlüssel"
            )
        assert "keinen OpenPGP-Schlüssel" in caught.value.fields["public_keys"][0]
        assert not CsafSource.objects.exists()

        source = csaf_source_create(
            operator, name="BSI", discovery="domain", domain="cert-bund.de", public_keys=public_test_key()
        )
        source.state = {"validators": {"https://x": {"etag": "1"}}}
        source.save()
        updated = csaf_source_update(operator, source=source, domain="bsi.bund.de", interval_minutes=30)
        assert updated.domain == "bsi.bund.de" and updated.interval_minutes == 30
        assert updated.state == {}
        actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
        assert actions == ["security.source_create", "security.source_update"]
