"""Errors of the downloader. Every message is German and names the URL it is about."""

from __future__ import annotations


class DownloadError(Exception):
    """A download failed; ``message`` is German and names ``url``."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class InsecureUrlError(DownloadError):
    """A URL that is not HTTPS (plain HTTP is allowed for 127.0.0.1/localhost only)."""


class HttpStatusError(DownloadError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class TooLargeError(DownloadError):
    """The response is larger than the configured maximum."""


class FormatError(DownloadError):
    """A provider file (metadata, feed, index, hash) cannot be read."""


class DiscoveryError(DownloadError):
    """No provider-metadata.json was found for a domain."""
