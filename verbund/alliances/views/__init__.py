"""HTML pages of alliances: the directory, an alliance's page with its actions, the forms, downloads,
the open-data exports and the panel on a body's page.

Thin views: forms validate, :mod:`..selectors` and :mod:`..policies` read, :mod:`..services` write.
Every alliance is fetched through :func:`~verbund.alliances.selectors.access_alliance` with the
request's principal (404 when invisible, 403 when visible but not allowed) and every document through
``access_agreement``/``access_resolution`` and ``open_document`` (404 for whoever may not read it).

* :mod:`.directory` — directory, map, exports, body panel;
* :mod:`.detail` — the alliance page and the member search;
* :mod:`.actions` — status, publication, members, documents, coordination;
* :mod:`.edit` — create and edit.
"""

from ._common import RESERVED_SLUGS, STATUS_BADGES
from .actions import (
    agreement_file,
    agreement_upload,
    coordinator_add,
    coordinator_handover,
    coordinator_revoke,
    end,
    member_add,
    member_confirm,
    member_remove,
    publication,
    resolution_file,
    resolution_upload,
    transition,
)
from .detail import CANDIDATES, detail, member_candidates, member_search
from .directory import (
    body_alliances_panel,
    directory,
    directory_map,
    directory_queryset,
    export_csv,
    export_geojson,
    export_json,
    kreis_outlines,
)
from .edit import create, edit

__all__ = [
    "CANDIDATES",
    "RESERVED_SLUGS",
    "STATUS_BADGES",
    "agreement_file",
    "agreement_upload",
    "body_alliances_panel",
    "coordinator_add",
    "coordinator_handover",
    "coordinator_revoke",
    "create",
    "detail",
    "directory",
    "directory_map",
    "directory_queryset",
    "edit",
    "end",
    "export_csv",
    "export_geojson",
    "export_json",
    "kreis_outlines",
    "member_add",
    "member_candidates",
    "member_confirm",
    "member_remove",
    "member_search",
    "publication",
    "resolution_file",
    "resolution_upload",
    "transition",
]
