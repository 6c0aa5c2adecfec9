"""A contract type for import-linter (pyproject.toml, `[tool.importlinter]`): a package may import only
itself, the standard library and the modules it names (directly; what those import is their own business).
Used for bot.core (the pure domain) and store."""

from __future__ import annotations

import sys
from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class OnlyContract(Contract):
    """`source_modules` (and their descendants) import nothing but themselves, the standard library and
    `allowed_modules` (external packages, or modules of the project, with everything below them)."""

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = [str(m) for m in self.allowed_modules]  # type: ignore[attr-defined]
        sources = [m.name for m in self.source_modules]  # type: ignore[attr-defined]
        broken: list[dict[str, Any]] = []
        for source in sources:
            for importer in sorted({source, *graph.find_descendants(source)}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    top = imported.split(".")[0]
                    inside = any(imported == s or imported.startswith(s + ".") for s in [*sources, *allowed])
                    if inside or top in set(sys.stdlib_module_names):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = [d["line_number"] for d in details]
                    broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for b in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in b["lines"])
            output.print_error(f"{b['importer']} imports {b['imported']} ({lines})")
