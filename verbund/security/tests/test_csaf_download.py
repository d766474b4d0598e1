"""The downloader against the provider fixtures served by a local HTTP server: discovery by each route
and through an aggregator, ROLIE and directory distributions, incremental runs via changes.csv,
wrong hashes and signatures going to quarantine, ETags (304: nothing downloaded again), the rate
limit, size limit and HTTPS rule, and the deviations of the real cisagov/CSAF feed."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from verbund.security.csaf.download import (
    DiscoveryRoutes,
    DownloadedDocument,
    Fetcher,
    PollState,
    QuarantinedDownload,
    RunReport,
    SourceConfig,
    poll,
)

from .test_csaf_download_support import (
    CISA_DIRECTORY,
    CISA_DOCUMENTS,
    TEST_KEY_FINGERPRINT,
    copy_provider,
    fixtures_dir,
    install_cisa_feed,
    serving,
    sign_files,
    write_hashes,
)

DOCUMENT = "avendor-advisory-0004.json"


class Collector:
    """The two callbacks, remembering what they got."""

    def __init__(self) -> None:
        self.documents: list[DownloadedDocument] = []
        self.quarantined: list[QuarantinedDownload] = []

    def on_document(self, document: DownloadedDocument) -> None:
        self.documents.append(document)

    def on_quarantine(self, item: QuarantinedDownload) -> None:
        self.quarantined.append(item)

    @property
    def filenames(self) -> list[str]:
        return sorted(document.filename for document in self.documents)


def local_routes() -> DiscoveryRoutes:
    return DiscoveryRoutes(
        well_known="http://{domain}/.well-known/csaf/provider-metadata.json",
        security_txt="http://{domain}/.well-known/security.txt",
        dns="http://{domain}/",
    )


def run(config: SourceConfig, state: PollState | None = None, **kwargs) -> tuple[RunReport, Collector]:
    collector = Collector()
    report = poll(
        config,
        on_document=collector.on_document,
        on_quarantine=collector.on_quarantine,
        state=state,
        **kwargs,
    )
    return report, collector


def metadata_config(url: str, **kwargs) -> SourceConfig:
    return SourceConfig(provider_metadata_url=url, min_interval=0, **kwargs)


@pytest.fixture
def server(tmp_path):
    fixtures_dir()
    root = tmp_path / "www"
    root.mkdir()
    with serving(root) as running:
        yield running


# --- discovery -------------------------------------------------------------------------------------


class TestDiscovery:
    def test_well_known_route(self, server):
        copy_provider(
            "gocsaf_simple_directory_provider",
            server.root / ".well-known" / "csaf",
            server.url + "/.well-known/csaf",
        )
        report, got = run(SourceConfig(domain=server.domain, routes=local_routes(), min_interval=0))
        assert report.ok, report.errors
        assert report.providers == [server.url + "/.well-known/csaf/provider-metadata.json"]
        assert got.filenames == [DOCUMENT]
        document = got.documents[0]
        assert document.signature_fingerprint == TEST_KEY_FINGERPRINT
        assert document.hashes == ("sha512", "sha256")
        assert document.publisher_name == "ACME Inc"
        assert (
            document.content
            == (fixtures_dir() / "gocsaf_simple_directory_provider" / "white" / DOCUMENT).read_bytes()
        )
        # the route was the first one tried
        assert server.paths[0] == "/.well-known/csaf/provider-metadata.json"

    def test_security_txt_route(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        (server.root / ".well-known").mkdir()
        shutil.copy(server.root / "security.txt", server.root / ".well-known" / "security.txt")
        report, got = run(SourceConfig(domain=server.domain, routes=local_routes(), min_interval=0))
        assert report.ok, report.errors
        assert server.paths[:3] == [
            "/.well-known/csaf/provider-metadata.json",
            "/.well-known/security.txt",
            "/provider-metadata.json",
        ]
        assert got.filenames == [DOCUMENT]

    def test_dns_route(self, server):
        copy_provider("gocsaf_simple_rolie_provider", server.root / "dns", server.url + "/dns")
        server.aliases["/"] = "/dns/provider-metadata.json"
        report, got = run(SourceConfig(domain=server.domain, routes=local_routes(), min_interval=0))
        assert report.ok, report.errors
        assert "/.well-known/security.txt" in server.paths
        assert report.providers == [server.url + "/"]
        assert got.filenames == [DOCUMENT]

    def test_no_route_gives_a_german_error_naming_the_domain(self, server):
        report, got = run(SourceConfig(domain=server.domain, routes=local_routes(), min_interval=0))
        assert not report.ok
        assert f"Für {server.domain} wurde keine provider-metadata.json gefunden" in report.errors[0]
        assert "HTTP 404" in report.errors[0]
        assert got.documents == []

    def test_aggregator_lists_providers_and_publishers(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root / "dir", server.url + "/dir")
        copy_provider("gocsaf_simple_rolie_provider", server.root / "rolie", server.url + "/rolie")
        aggregator = {
            "aggregator": {"category": "lister", "name": "Test", "namespace": "https://lister.example"},
            "aggregator_version": "2.0",
            "canonical_url": server.url + "/aggregator.json",
            "csaf_providers": [
                {
                    "metadata": {
                        "url": server.url + "/dir/provider-metadata.json",
                        "publisher": {"name": "Dir"},
                    }
                },
                # the provider itself is gone; its mirror is used
                {
                    "metadata": {
                        "url": server.url + "/gone/provider-metadata.json",
                        "publisher": {"name": "Gone"},
                    },
                    "mirrors": [server.url + "/rolie/provider-metadata.json"],
                },
            ],
            "last_updated": "2024-01-01T00:00:00Z",
        }
        (server.root / "aggregator.json").write_text(json.dumps(aggregator))
        report, got = run(SourceConfig(aggregator_url=server.url + "/aggregator.json", min_interval=0))
        assert report.ok, report.errors
        assert report.providers == [
            server.url + "/dir/provider-metadata.json",
            server.url + "/rolie/provider-metadata.json",
        ]
        assert sorted(document.url for document in got.documents) == [
            f"{server.url}/dir/white/{DOCUMENT}",
            f"{server.url}/rolie/white/{DOCUMENT}",
        ]


# --- distributions ---------------------------------------------------------------------------------


class TestRolie:
    @pytest.mark.parametrize(("sha256", "sha512"), [(True, True), (True, False), (False, True)])
    def test_feed_with_the_hashes_it_offers(self, server, sha256, sha512):
        copy_provider("gocsaf_simple_rolie_provider", server.root, server.url, sha256=sha256, sha512=sha512)
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert report.ok, report.errors
        assert got.filenames == [DOCUMENT]
        expected = tuple(name for name, on in (("sha256", sha256), ("sha512", sha512)) if on)
        assert got.documents[0].hashes == expected
        assert got.documents[0].tlp_label == "WHITE"
        # only the links of the feed are followed, nothing is guessed
        assert ("/white/" + DOCUMENT + ".sha256" in server.paths) is sha256
        assert ("/white/" + DOCUMENT + ".sha512" in server.paths) is sha512

    def test_service_document_leads_to_the_feeds(self, server):
        copy_provider("gocsaf_simple_rolie_provider", server.root, server.url)
        metadata = json.loads((server.root / "provider-metadata.json").read_text())
        metadata["distributions"] = [{"rolie": {"feeds": [], "services": [server.url + "/service.json"]}}]
        (server.root / "provider-metadata.json").write_text(json.dumps(metadata))
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert report.ok, report.errors
        assert "/service.json" in server.paths
        assert got.filenames == [DOCUMENT]


class TestDirectory:
    def test_full_run_reads_index_txt(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert report.ok, report.errors
        assert "/white/index.txt" in server.paths
        # not listed in index.txt: not fetched
        assert "/white/avendor-advisory-0004-not-listed.json" not in server.paths
        assert got.filenames == [DOCUMENT]
        assert got.documents[0].updated == datetime(2020, 1, 1, tzinfo=UTC)

    def test_incremental_run_reads_changes_csv_since_the_last_change(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        state = PollState()
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert report.ok and got.filenames == [DOCUMENT]
        assert state.changed == {server.url + "/white/": "2020-01-01T00:00:00+00:00"}

        # the provider publishes a second document
        white = server.root / "white"
        new = white / "avendor-advisory-0005.json"
        new.write_text(
            (white / DOCUMENT).read_text().replace("Avendor-advisory-0004", "Avendor-advisory-0005")
        )
        write_hashes(new)
        sign_files([new])
        (white / "changes.csv").write_text(
            '"avendor-advisory-0005.json","2024-05-01T10:00:00+00:00"\n'
            '"avendor-advisory-0004.json","2020-01-01T00:00:00+00:00"\n'
        )
        (white / "index.txt").write_text("avendor-advisory-0004.json\navendor-advisory-0005.json\n")
        server.clear_log()

        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert report.ok, report.errors
        assert "/white/changes.csv" in server.paths
        assert "/white/index.txt" not in server.paths
        assert got.filenames == ["avendor-advisory-0005.json"]
        # the old one (at the mark itself) is only asked for conditionally and answered 304
        assert report.unchanged == 1
        assert state.changed[server.url + "/white/"] == "2024-05-01T10:00:00+00:00"

    def test_explicit_time_range(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        config = metadata_config(
            server.url + "/provider-metadata.json", since=datetime(2021, 1, 1, tzinfo=UTC)
        )
        report, got = run(config)
        assert report.ok, report.errors
        assert got.documents == []
        config = metadata_config(
            server.url + "/provider-metadata.json",
            since=datetime(2019, 1, 1, tzinfo=UTC),
            until=datetime(2020, 6, 1, tzinfo=UTC),
        )
        report, got = run(config)
        assert got.filenames == [DOCUMENT]


# --- checks and quarantine -------------------------------------------------------------------------


class TestQuarantine:
    def test_wrong_hash(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        (server.root / "white" / (DOCUMENT + ".sha256")).write_text("0" * 64 + f"  {DOCUMENT}\n")
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert report.ok, report.errors
        assert got.documents == []
        [item] = got.quarantined
        assert "SHA-256-Prüfsumme stimmt nicht" in item.reason
        assert f"{server.url}/white/{DOCUMENT}.sha256" in item.reason
        assert item.content == (server.root / "white" / DOCUMENT).read_bytes()
        assert report.quarantined == [f"{server.url}/white/{DOCUMENT}"]

    def test_wrong_signature(self, server):
        copy_provider("gocsaf_simple_rolie_provider", server.root, server.url)
        document = server.root / "white" / DOCUMENT
        document.write_text(document.read_text().replace("Test CSAF document", "Manipulated CSAF document"))
        write_hashes(document)  # the hashes match the changed document; the signature does not
        _report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert got.documents == []
        [item] = got.quarantined
        assert f"OpenPGP-Signatur {server.url}/white/{DOCUMENT}.asc" in item.reason
        assert "passt nicht zum Dokument" in item.reason

    def test_key_with_another_fingerprint_is_not_used(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        metadata = json.loads((server.root / "provider-metadata.json").read_text())
        metadata["public_openpgp_keys"][0]["fingerprint"] = "0" * 40
        (server.root / "provider-metadata.json").write_text(json.dumps(metadata))
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert any("0" * 40 in warning and TEST_KEY_FINGERPRINT in warning for warning in report.warnings)
        assert got.documents == []
        assert "kein öffentlicher OpenPGP-Schlüssel" in got.quarantined[0].reason

    def test_key_configured_on_the_source(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        metadata = json.loads((server.root / "provider-metadata.json").read_text())
        del metadata["public_openpgp_keys"]
        (server.root / "provider-metadata.json").write_text(json.dumps(metadata))
        key = (fixtures_dir() / "gocsaf_simple_directory_provider" / "openpgp" / "pubkey.asc").read_text()
        report, got = run(metadata_config(server.url + "/provider-metadata.json", public_keys=(key,)))
        assert report.ok, report.errors
        assert got.documents[0].signature_fingerprint == TEST_KEY_FINGERPRINT

    def test_missing_signature(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        (server.root / "white" / (DOCUMENT + ".asc")).unlink()
        report, got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert got.documents == [] and report.quarantined
        assert "keine OpenPGP-Signatur" in got.quarantined[0].reason
        # a source may accept unsigned documents; the warning stays
        _report, got = run(metadata_config(server.url + "/provider-metadata.json", require_signature=False))
        assert got.filenames == [DOCUMENT]
        assert got.documents[0].signature_fingerprint is None
        assert any("keine OpenPGP-Signatur" in warning for warning in got.documents[0].warnings)

    def test_document_too_large(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        _report, got = run(metadata_config(server.url + "/provider-metadata.json", max_document_size=100))
        assert got.documents == []
        [item] = got.quarantined
        assert "zu groß" in item.reason and item.url.endswith(DOCUMENT)
        assert item.content is None

    def test_a_failing_import_is_an_error_and_retried(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        state = PollState()

        def broken(document: DownloadedDocument) -> None:
            raise RuntimeError("Datenbank nicht erreichbar")

        report = poll(
            metadata_config(server.url + "/provider-metadata.json"),
            on_document=broken,
            on_quarantine=lambda item: None,
            state=state,
        )
        assert report.errors == [
            f"Übernahme von {server.url}/white/{DOCUMENT} fehlgeschlagen: Datenbank nicht erreichbar"
        ]
        assert state.changed == {} and state.validators == {}
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert got.filenames == [DOCUMENT]


# --- polling ---------------------------------------------------------------------------------------


class TestPolling:
    @pytest.mark.parametrize("provider", ["gocsaf_simple_directory_provider", "gocsaf_simple_rolie_provider"])
    def test_etag_304_downloads_nothing_again(self, server, provider):
        copy_provider(provider, server.root, server.url)
        state = PollState(json.loads(json.dumps(PollState().to_dict())))
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert got.filenames == [DOCUMENT]
        saved = json.loads(json.dumps(state.to_dict()))  # what the caller persists
        server.clear_log()

        report, got = run(metadata_config(server.url + "/provider-metadata.json"), PollState(saved))
        assert report.ok, report.errors
        assert got.documents == [] and got.quarantined == []
        assert not [path for path in server.paths if path.endswith(DOCUMENT)]
        assert report.not_modified
        conditional = [
            headers
            for path, headers in server.requests
            if path in ("/white/changes.csv", "/white/white-feed.json")
        ]
        assert conditional and all("If-None-Match" in headers for headers in conditional)

    def test_a_changed_document_behind_an_unchanged_feed_url_is_fetched(self, server):
        copy_provider("gocsaf_simple_rolie_provider", server.root, server.url)
        state = PollState()
        run(metadata_config(server.url + "/provider-metadata.json"), state)
        feed = server.root / "white" / "white-feed.json"
        feed.write_text(
            feed.read_text().replace(
                '"updated": "2020-01-01T00:00:00Z",\n        "content"',
                '"updated": "2024-01-01T00:00:00Z",\n        "content"',
            )
        )
        server.clear_log()
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert report.ok, report.errors
        # the feed changed; the document did not (304)
        assert report.unchanged == 1 and got.documents == []

    def test_rate_limit_between_requests(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        now = [0.0]
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += seconds

        fetcher = Fetcher(min_interval=2.5, clock=lambda: now[0], sleep=sleep)
        _report, got = run(metadata_config(server.url + "/provider-metadata.json"), fetcher=fetcher)
        assert got.filenames == [DOCUMENT]
        assert len(fetcher.requests_made) >= 6
        assert slept == [2.5] * (len(fetcher.requests_made) - 1)

    def test_transient_failure_keeps_the_marks(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        server.failing.add("/white/" + DOCUMENT)
        state = PollState()
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert report.errors == [
            f"Abruf von {server.url}/white/{DOCUMENT} fehlgeschlagen: HTTP 500 forced failure."
        ]
        assert state.to_dict() == {"validators": {}, "changed": {}}
        server.failing.clear()
        report, got = run(metadata_config(server.url + "/provider-metadata.json"), state)
        assert got.filenames == [DOCUMENT]

    def test_https_is_required_for_other_hosts(self, server):
        copy_provider("gocsaf_simple_directory_provider", server.root, server.url)
        metadata = json.loads((server.root / "provider-metadata.json").read_text())
        metadata["distributions"] = [{"directory_url": "http://csaf.example.invalid/white/"}]
        (server.root / "provider-metadata.json").write_text(json.dumps(metadata))
        report, _got = run(metadata_config(server.url + "/provider-metadata.json"))
        assert report.errors == [
            "Unsichere Adresse http://csaf.example.invalid/white/index.txt: CSAF-Dokumente werden nur über "
            "HTTPS abgerufen (http ist nur für 127.0.0.1 und localhost erlaubt)."
        ]


# --- the real cisagov/CSAF feed ----------------------------------------------------------------------


class TestCisaFeed:
    def test_directory_with_repository_paths_in_index_txt(self, server):
        url = install_cisa_feed(server, rolie=False)
        report, got = run(metadata_config(url))
        assert report.ok, report.errors
        assert got.filenames == sorted(CISA_DOCUMENTS)
        assert all(document.hashes == ("sha512",) for document in got.documents)
        assert all(document.signature_fingerprint == TEST_KEY_FINGERPRINT for document in got.documents)
        assert {document.url for document in got.documents} == {
            f"{server.url}/{CISA_DIRECTORY}2024/{name}" for name in CISA_DOCUMENTS
        }
        # the right URL was found at the first try: no 404 for the literal repository path
        assert not [path for path in server.paths if "white/csaf_files" in path]

    def test_incremental_via_unquoted_changes_csv(self, server):
        url = install_cisa_feed(server, rolie=False)
        report, got = run(metadata_config(url, since=datetime(2024, 9, 15, tzinfo=UTC)))
        assert report.ok, report.errors
        assert f"/{CISA_DIRECTORY}changes.csv" in server.paths
        assert f"/{CISA_DIRECTORY}index.txt" not in server.paths
        assert got.filenames == ["va-24-201-01.json", "va-24-254-02.json", "va-24-262-01.json"]

    def test_rolie_links_with_ref(self, server):
        url = install_cisa_feed(server, directory=False)
        report, got = run(metadata_config(url))
        assert report.ok, report.errors
        assert got.filenames == sorted(CISA_DOCUMENTS)
        assert all(document.hashes == ("sha512",) for document in got.documents)
        assert {document.tlp_label for document in got.documents} == {"WHITE"}

    def test_both_distributions_download_each_document_once(self, server):
        url = install_cisa_feed(server)
        report, got = run(metadata_config(url))
        assert report.ok, report.errors
        assert got.filenames == sorted(CISA_DOCUMENTS)

    def test_cisa_signature_without_cisa_key_goes_to_quarantine(self, server):
        url = install_cisa_feed(server, resign=False, rolie=False)
        _report, got = run(metadata_config(url))
        assert got.documents == []
        assert len(got.quarantined) == 4
        assert all("unbekannten Schlüssel CAC5AC4F74164B17" in item.reason for item in got.quarantined)


def test_support_fills_the_go_templates(server):
    copy_provider("gocsaf_simple_rolie_provider", server.root, server.url, sha256=False)
    feed = (server.root / "white" / "white-feed.json").read_text()
    assert "{{" not in feed and ".sha256" not in feed
    assert json.loads(feed)["feed"]["entry"][0]["link"][1]["href"].endswith(".sha512")
    assert Path(server.root / "provider-metadata.json").read_text().count(server.url) == 3
