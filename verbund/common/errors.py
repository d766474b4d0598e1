"""Errors that domain code raises and that the API and views map to one shape."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken. ``code`` is stable and machine-readable; ``detail`` German."""

    status = 400
    code = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class ImportFileError(DomainError):
    """A file to import is malformed. The message names the file, line and field."""

    status = 422
    code = "invalid_file"

    def __init__(self, detail: str, *, path: str = "", line: int | None = None, field: str = "") -> None:
        where = ", ".join(
            part
            for part in (path, f"Zeile {line}" if line is not None else "", f"Feld {field}" if field else "")
            if part
        )
        super().__init__(f"{where}: {detail}" if where else detail)
        self.path = path
        self.line = line
        self.field = field
