"""The downloader's pure parts without a server: the HTTPS rule, security.txt, directory paths (also
cisagov/CSAF's repository paths), changes.csv (quoted or not), ROLIE links with "ref", hash files, the
rate limiter, the source configuration."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from verbund.security.csaf.download import (
    FormatError,
    InsecureUrlError,
    PollState,
    RateLimiter,
    SourceConfig,
    check_url,
    directory_candidates,
    parse_changes_csv,
    parse_index_txt,
    parse_rolie_feed,
    parse_security_txt,
)
from verbund.security.csaf.download.distributions import in_range, parse_rolie_service
from verbund.security.csaf.download.verify import parse_hash_file


class TestHttpsRule:
    def test_https_and_local_http_pass(self):
        assert check_url("https://csaf.example/provider-metadata.json")
        assert check_url("http://127.0.0.1:8000/x.json")
        assert check_url("http://localhost/x.json")

    @pytest.mark.parametrize("url", ["http://csaf.example/x.json", "ftp://csaf.example/x.json", "x.json"])
    def test_other_urls_are_refused_naming_the_url(self, url):
        with pytest.raises(InsecureUrlError) as caught:
            check_url(url)
        assert url in caught.value.message
        assert "https" in caught.value.message.lower()


class TestSecurityTxt:
    def test_relative_and_absolute_csaf_lines(self):
        text = (
            "Contact: mailto:psirt@example.com\n"
            "CSAF: /provider-metadata.json\n"
            "csaf: https://other.example/.well-known/csaf/provider-metadata.json\n"
        )
        assert parse_security_txt(text, "https://example.com/.well-known/security.txt") == [
            "https://example.com/provider-metadata.json",
            "https://other.example/.well-known/csaf/provider-metadata.json",
        ]

    def test_signed_security_txt(self):
        text = (
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
            "CSAF: https://example.com/csaf/provider-metadata.json\n"
            "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n"
        )
        assert parse_security_txt(text, "https://example.com/.well-known/security.txt") == [
            "https://example.com/csaf/provider-metadata.json"
        ]

    def test_no_csaf_line(self):
        assert parse_security_txt("Contact: mailto:x@example.com\n", "https://example.com/") == []


class TestDirectoryPaths:
    def test_relative_path(self):
        assert directory_candidates("https://p.example/csaf/white/", "2024/a-1.json") == (
            "https://p.example/csaf/white/2024/a-1.json",
        )

    def test_directory_url_without_slash(self):
        assert directory_candidates("https://p.example/csaf/white", "a-1.json")[0] == (
            "https://p.example/csaf/white/a-1.json"
        )

    def test_repository_path_of_cisagov(self):
        candidates = directory_candidates(
            "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/IT/white/",
            "csaf_files/IT/white/2024/va-24-201-01.json",
        )
        assert candidates[0] == (
            "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/IT/white/2024/va-24-201-01.json"
        )
        # the literal reading stays as a fallback
        assert candidates[1].endswith("/white/csaf_files/IT/white/2024/va-24-201-01.json")

    def test_year_fallback_when_the_prefix_does_not_overlap(self):
        candidates = directory_candidates("https://p.example/feed/", "somewhere/else/2023/x.json")
        assert candidates == (
            "https://p.example/feed/somewhere/else/2023/x.json",
            "https://p.example/feed/2023/x.json",
        )

    def test_absolute_url_kept(self):
        assert directory_candidates("https://p.example/", "https://q.example/a.json") == (
            "https://q.example/a.json",
        )

    def test_leaving_the_directory_is_refused(self):
        with pytest.raises(FormatError, match="verlässt das Verzeichnis"):
            directory_candidates("https://p.example/white/", "../secret.json")


class TestChangesCsv:
    def test_quoted_as_the_standard_writes_it(self):
        refs, warnings = parse_changes_csv(
            '"avendor-advisory-0004.json","2020-01-01T00:00:00+00:00"\n', "https://p.example/white/"
        )
        assert warnings == []
        assert refs[0].url == "https://p.example/white/avendor-advisory-0004.json"
        assert refs[0].updated == datetime(2020, 1, 1, tzinfo=UTC)

    def test_unquoted_with_repository_paths_and_milliseconds(self):
        refs, warnings = parse_changes_csv(
            "csaf_files/IT/white/2024/va-24-254-02.json,2024-10-03T16:03:00.000Z\n",
            "https://p.example/cisagov/CSAF/develop/csaf_files/IT/white/",
        )
        assert warnings == []
        assert (
            refs[0].url == "https://p.example/cisagov/CSAF/develop/csaf_files/IT/white/2024/va-24-254-02.json"
        )
        assert refs[0].updated == datetime(2024, 10, 3, 16, 3, tzinfo=UTC)

    def test_bad_lines_are_skipped_with_line_and_field(self):
        text = "a.json,2024-01-01T00:00:00Z\nb.json,gestern\nc.json\n\n"
        refs, warnings = parse_changes_csv(text, "https://p.example/white/")
        assert [ref.url for ref in refs] == ["https://p.example/white/a.json"]
        assert "changes.csv, Zeile 2, Feld „Zeitpunkt“" in warnings[0]
        assert "https://p.example/white/changes.csv" in warnings[0]
        assert "Zeile 3" in warnings[1]

    def test_index_txt(self):
        refs, warnings = parse_index_txt("a.json\n\n2024/b.json\n../c.json\n", "https://p.example/white/")
        assert [ref.url for ref in refs] == [
            "https://p.example/white/a.json",
            "https://p.example/white/2024/b.json",
        ]
        assert "Zeile 4" in warnings[0]


class TestRolie:
    def test_rel_and_ref_links(self):
        feed = {
            "feed": {
                "entry": [
                    {
                        "id": "A",
                        "link": [
                            {"rel": "self", "href": "https://p.example/a.json"},
                            {"rel": "hash", "href": "https://p.example/a.json.sha256"},
                            {"rel": "signature", "href": "https://p.example/a.json.asc"},
                        ],
                        "updated": "2024-01-01T00:00:00Z",
                    },
                    {
                        "id": "B",
                        "link": [
                            {"rel": "self", "href": "https://p.example/b.json"},
                            {"ref": "hash", "href": "https://p.example/b.json.sha512"},
                            {"ref": "signature", "href": "https://p.example/b.json.asc"},
                        ],
                    },
                    {"id": "C", "content": {"src": "https://p.example/c.json"}},
                    {"id": "D", "link": []},
                ]
            }
        }
        refs, warnings = parse_rolie_feed(feed, "https://p.example/feed.json", tlp_label="WHITE")
        assert [ref.url for ref in refs] == [
            "https://p.example/a.json",
            "https://p.example/b.json",
            "https://p.example/c.json",
        ]
        assert refs[0].hash_urls == (("sha256", "https://p.example/a.json.sha256"),)
        assert refs[1].hash_urls == (("sha512", "https://p.example/b.json.sha512"),)
        assert refs[1].signature_url == "https://p.example/b.json.asc"
        assert refs[0].updated == datetime(2024, 1, 1, tzinfo=UTC)
        assert refs[0].tlp_label == "WHITE"
        assert "Eintrag 3 (D)" in warnings[0]

    def test_not_a_feed(self):
        with pytest.raises(FormatError, match=re.escape("https://p.example/feed.json")):
            parse_rolie_feed({"service": {}}, "https://p.example/feed.json")

    def test_service_document(self):
        service = {
            "service": {"workspace": [{"collection": [{"href": "white.json"}, {"href": "https://q/x.json"}]}]}
        }
        assert parse_rolie_service(service, "https://p.example/csaf/service.json") == [
            "https://p.example/csaf/white.json",
            "https://q/x.json",
        ]


class TestHashFile:
    def test_sha256sum_format_and_bare_value(self):
        value = "cb263bf1beab18b893de63f2966d0d8c5f38d60101c24d3fd7a5feebaad02c3b"
        assert parse_hash_file(f"{value}  a.json\n".encode(), "sha256", "u") == value
        assert parse_hash_file(value.upper().encode(), "sha256", "u") == value

    def test_garbage_is_a_format_error_naming_the_url(self):
        with pytest.raises(FormatError, match=re.escape("https://p.example/a.json.sha512")):
            parse_hash_file(b"<html>not found</html>", "sha512", "https://p.example/a.json.sha512")


class TestRateLimiter:
    def test_waits_the_rest_of_the_interval(self):
        now = [100.0]
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += seconds

        limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
        limiter.wait()
        now[0] += 0.5
        limiter.wait()
        now[0] += 5.0
        limiter.wait()
        assert slept == [1.5]


class TestConfigAndState:
    def test_exactly_one_way_to_find_the_provider(self):
        with pytest.raises(ValueError, match="genau eines"):
            SourceConfig()
        with pytest.raises(ValueError, match="genau eines"):
            SourceConfig(domain="a.example", aggregator_url="https://b.example/aggregator.json")

    def test_times_need_a_zone(self):
        with pytest.raises(ValueError, match="Zeitzone"):
            SourceConfig(domain="a.example", since=datetime(2024, 1, 1))  # noqa: DTZ001 - the point of the test

    def test_state_round_trip(self):
        state = PollState(
            {
                "validators": {"https://a/x": {"etag": '"1"'}},
                "changed": {"https://a/": "2024-01-01T00:00:00+00:00"},
            }
        )
        again = PollState(state.to_dict())
        assert again.validators_for("https://a/x") == {"etag": '"1"'}
        assert again.changed_since("https://a/") == datetime(2024, 1, 1, tzinfo=UTC)

    def test_time_range(self):
        since, until = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
        assert in_range(None, since, until)
        assert in_range(since, since, until)
        assert not in_range(datetime(2023, 12, 31, tzinfo=UTC), since, until)
        assert not in_range(datetime(2024, 2, 2, tzinfo=UTC), since, until)
