"""The public-face contract: imports into another part's internals break it, imports of the face,
of kit parts, of the part itself and from tests keep it."""

from __future__ import annotations

import grimp

from tools.import_contracts import PublicFaceContract


def _contract() -> PublicFaceContract:
    return PublicFaceContract(
        name="faces",
        session_options={},
        contract_options={
            "root": "verbund",
            "public_modules": ["models", "services", "selectors", "policies"],
            "kit_parts": ["common"],
            "extra_public": ["audit.actions"],
        },
    )


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="import x")
    return graph


def test_internal_import_breaks_the_contract_and_names_it() -> None:
    check = _contract().check(_graph(("verbund.funding.views", "verbund.alliances.forms")), verbose=False)
    assert not check.kept
    assert check.metadata["violations"] == [("verbund.funding.views", "verbund.alliances.forms", 3)]


def test_faces_kits_own_part_and_tests_keep_it() -> None:
    graph = _graph(
        ("verbund.funding.views", "verbund.alliances.models"),
        ("verbund.funding.views", "verbund.alliances.services.members"),
        ("verbund.funding.views", "verbund.common.german"),
        ("verbund.funding.audit_actions", "verbund.audit.actions"),
        ("verbund.funding.views", "verbund.funding.forms"),
        ("verbund.funding.tests.test_views", "verbund.alliances.tests.factories"),
        ("verbund.funding.views", "django.db"),
    )
    assert _contract().check(graph, verbose=False).kept


def test_importing_a_parts_package_root_breaks_the_contract() -> None:
    check = _contract().check(_graph(("verbund.funding.views", "verbund.alliances")), verbose=False)
    assert not check.kept
