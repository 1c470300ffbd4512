"""Contract types for import-linter (`make lint`, pyproject.toml) that need no list of the domain
apps, so that adding an app touches only its own folder and one line of INSTALLED_APPS:

- `app_layers`: the children of the root package are layered — the composition root and the
  cross-domain readers at the top, the platform's layers at the bottom (listed, highest first;
  `a | b` are independent siblings, `a : b` may import each other), and every other child, a
  domain app, between them. A
  package never imports a higher layer. (Cycles between domain apps: acyclic_siblings.)
- `app_interfaces`: an app's own interface modules — its pages, forms and API, named by
  pattern — are imported only from inside that app (and by the composition root). Apps share
  selectors, services and models, never each other's views. Applies to every child of the
  root but the listed ones (the platform offers its forms and fields to all).

Loaded from pyproject.toml (`contract_types`), with scripts/ on the path.
"""

from fnmatch import fnmatch

import grimp
from importlinter import Contract, ContractCheck, fields, output


def _children(graph: grimp.ImportGraph, root: str) -> list[str]:
    return sorted(graph.find_children(root))


def _app_of(module: str, root: str) -> str:
    return ".".join(module.split(".")[: root.count(".") + 2])


def _broken_lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(f"l.{d['line_number']}" for d in details)


class AppLayersContract(Contract):
    type_name = "app_layers"

    root = fields.StringField()
    top = fields.ListField(subfield=fields.StringField())  # highest first
    platform = fields.ListField(subfield=fields.StringField())  # highest first, "a | b"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root: str = self.root  # type: ignore[assignment]
        rank: dict[str, int] = {}
        sibling: dict[str, int] = {}  # independent siblings share a line number
        lines = [*self.top, "<domain>", *self.platform]  # type: ignore[misc]
        for number, line in enumerate(lines):
            independent = "|" in line
            for package in (p.strip() for p in line.replace(":", "|").split("|")):
                rank[package] = number
                if independent:
                    sibling[package] = number
        domain = lines.index("<domain>")
        broken = []
        for app in _children(graph, root):
            app_rank = rank.get(app, domain)
            for module in [app, *graph.find_descendants(app)]:
                for imported in graph.find_modules_directly_imported_by(module):
                    if not imported.startswith(root + "."):
                        continue
                    target = _app_of(imported, root)
                    if target == app:
                        continue
                    target_rank = rank.get(target, domain)
                    upward = target_rank < app_rank
                    across = target_rank == app_rank and sibling.get(app) == app_rank
                    if upward or across:
                        broken.append((module, imported, _broken_lines(graph, module, imported)))
        return ContractCheck(kept=not broken, metadata={"broken": sorted(broken)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, where in check.metadata["broken"]:
            output.print_error(f"{importer} imports {imported} ({where})", bold=False)
            output.new_line()


class AppInterfacesContract(Contract):
    type_name = "app_interfaces"

    root = fields.StringField()
    exclude = fields.ListField(subfield=fields.StringField())  # apps the rule does not cover
    interfaces = fields.ListField(subfield=fields.StringField())  # leaf names: "views", "*_api"
    allowed_importers = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root: str = self.root  # type: ignore[assignment]
        allowed = list(self.allowed_importers or [])  # type: ignore[arg-type]
        broken = []
        for app in _children(graph, root):
            if app in self.exclude:  # type: ignore[operator]
                continue
            for module in sorted(graph.find_descendants(app)):
                leaf = module.rsplit(".", 1)[1]
                if not any(fnmatch(leaf, p) for p in self.interfaces):  # type: ignore[attr-defined]
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(module)):
                    if not _within(importer, [app, *allowed]):
                        broken.append((importer, module, _broken_lines(graph, importer, module)))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, module, where in check.metadata["broken"]:
            output.print_error(f"{importer} imports {module} ({where})", bold=False)
            output.new_line()


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
