"""A custom import-linter contract: each part of Verbund shows the others only its public face.

``lint-imports`` (run by ``make test``) loads it from ``pyproject.toml``. An import from one part
into another (``verbund.funding`` importing ``verbund.alliances.…``) is allowed only into the
imported part's public modules, and their submodules when the module is a package:

    models, services, selectors, policies, schemas, panels, demo

and the modules named in ``extra_public`` (``audit.actions``: every part declares its audit
actions). ``models`` belong to the face because other parts' foreign keys, type hints and querysets name
them; ``demo`` because the web shell's ``load_demo`` reads each part's demo declaration; everything
else (views, forms, api, exports, access helpers, pure engines) is the part's own. Kit parts
(``verbund.common``, ``verbund.ui``) are public as a whole. Tests may import anything.
"""

from __future__ import annotations

from typing import Any, cast

from importlinter import Contract, ContractCheck, fields, output


class PublicFaceContract(Contract):
    type_name = "public_face"

    root = fields.StringField()
    public_modules = fields.ListField(subfield=fields.StringField())
    kit_parts = fields.ListField(subfield=fields.StringField(), required=False)
    #: single modules that are public besides the common faces ("audit.actions")
    extra_public = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        root: str = str(self.root)
        public = {str(m) for m in cast(list[str], self.public_modules)}
        kits = {str(m) for m in cast(list[str], self.kit_parts or [])}
        extra = {f"{root}.{m}" for m in cast(list[str], self.extra_public or [])}
        depth = root.count(".") + 1
        violations: list[tuple[str, str, int | None]] = []
        for importer in sorted(graph.modules):
            if not importer.startswith(root + ".") or ".tests" in importer:
                continue
            importer_part = importer.split(".")[depth]
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if not imported.startswith(root + "."):
                    continue
                names = imported.split(".")
                part = names[depth]
                if part == importer_part or part in kits:
                    continue
                face = names[depth + 1] if len(names) > depth + 1 else None
                # The package root is no face: a name defined in a part's __init__ would bypass it.
                if face in public or any(imported == e or imported.startswith(e + ".") for e in extra):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                line = details[0]["line_number"] if details else None
                violations.append((importer, imported, line))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["violations"]:
            where = f" (l. {line})" if line else ""
            output.print_error(f"{importer} imports {imported}{where}: not a public module of that part")
        output.new_line()
        output.print(
            "A part may import another part's "
            + ", ".join(sorted(cast(list[str], self.public_modules)))
            + " only."
        )
