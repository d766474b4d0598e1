"""The refusal contract: every refusal a service raises, and how views and the API show it.

Services raise a :class:`Refusal` (or one of its kinds) with a German ``detail`` and a stable,
machine-readable ``code``. The API maps every refusal to ``{"detail": "...", "code": "..."}`` with
its ``status`` (:mod:`verbund.common.api`); HTML views turn it into field errors or a message
(:mod:`verbund.ui.views`). Django's own ``ValidationError`` (from ``full_clean``), ``PermissionDenied``
and ``Http404`` are accepted too: :func:`as_refusal` translates them, so that both faces handle one
hierarchy.

* :class:`NotFound` (404): missing, or invisible to this principal — the two look alike.
* :class:`Forbidden` (403): visible, but this action is not allowed.
* :class:`Invalid` (422): input that breaks a rule; ``fields`` names the fields at fault.
* :class:`Conflict` (409): the object's state does not allow the action (now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .i18n import _


class Refusal(Exception):
    """A rule of the domain refused an action. ``code`` is stable; ``detail`` is German."""

    status = 400
    code = "refused"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if not detail and fields:
            detail = "; ".join(message for messages in fields.values() for message in messages)
        super().__init__(detail)
        # str(): a lazily translated text becomes the text of the active language now
        self.detail = str(detail) if detail else self.default_detail()
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        #: field name → German messages ("" or "__all__" for the whole form)
        self.fields: dict[str, list[str]] = {name: list(msgs) for name, msgs in (fields or {}).items()}

    @classmethod
    def default_detail(cls) -> str:
        return _("Die Aktion ist nicht möglich.")

    def __str__(self) -> str:
        return self.detail


#: The name kept from the first parts; a ``DomainError`` is a :class:`Refusal`.
DomainError = Refusal


class NotFound(Refusal):
    status = 404
    code = "not_found"

    @classmethod
    def default_detail(cls) -> str:
        return _("Nicht gefunden.")


class Forbidden(Refusal):
    status = 403
    code = "forbidden"

    @classmethod
    def default_detail(cls) -> str:
        return _("Sie haben keine Berechtigung für diese Aktion.")


class Invalid(Refusal):
    status = 422
    code = "invalid"

    @classmethod
    def default_detail(cls) -> str:
        return _("Die Eingabe ist ungültig.")


class Conflict(Refusal):
    status = 409
    code = "conflict"

    @classmethod
    def default_detail(cls) -> str:
        return _("Die Aktion passt nicht zum aktuellen Stand.")


class ImportFileError(Invalid):
    """A file to import is malformed. The message names the file, line and field."""

    code = "invalid_file"

    def __init__(self, detail: str, *, path: str = "", line: int | None = None, field: str = "") -> None:
        where = ", ".join(
            part
            for part in (
                path,
                _("Zeile %(line)s") % {"line": line} if line is not None else "",
                _("Feld %(field)s") % {"field": field} if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {detail}" if where else detail)
        self.path = path
        self.line = line
        self.field = field


def as_refusal(exc: BaseException) -> Refusal | None:
    """The :class:`Refusal` that ``exc`` stands for, or ``None`` when it is not a refusal at all.

    Django's ``ValidationError`` becomes :class:`Invalid` (keeping the fields and the first code),
    ``PermissionDenied`` :class:`Forbidden`, ``Http404`` and ``ObjectDoesNotExist`` :class:`NotFound`.
    """
    from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
    from django.http import Http404

    if isinstance(exc, Refusal):
        return exc
    if isinstance(exc, ValidationError):
        fields: dict[str, list[str]] = {}
        code = None
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                for error in errors:
                    code = code or error.code
                    fields.setdefault(name, []).extend(error.messages)
        else:
            code = next((e.code for e in exc.error_list if e.code), None)
            fields["__all__"] = list(exc.messages)
        detail = "; ".join(message for messages in fields.values() for message in messages)
        return Invalid(detail, code=code or Invalid.code, fields=fields)
    if isinstance(exc, PermissionDenied):
        return Forbidden(str(exc) or "")
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return NotFound()
    return None
