"""A contract type for import-linter (`make lint`): an app's own interface modules — its pages,
forms and API, named by pattern — are imported only from inside that app (and by the modules
allowed to compose the site, such as config). Apps share selectors, services and models,
never each other's views.

import-linter's built-in types cannot say "only its own app" for every app at once, hence this
one. It is loaded from pyproject.toml (`contract_types`), with scripts/ on the path.
"""

from fnmatch import fnmatch

import grimp
from importlinter import Contract, ContractCheck, fields, output


class AppInterfacesContract(Contract):
    type_name = "app_interfaces"

    apps = fields.ListField(subfield=fields.StringField())
    interfaces = fields.ListField(subfield=fields.StringField())  # leaf names: "views", "*_api"
    allowed_importers = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        allowed = list(self.allowed_importers or [])  # type: ignore[arg-type]
        broken = []
        for app in self.apps:  # type: ignore[attr-defined]
            for module in sorted(graph.find_descendants(app)):
                leaf = module.rsplit(".", 1)[1]
                if not any(fnmatch(leaf, pattern) for pattern in self.interfaces):  # type: ignore[attr-defined]
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(module)):
                    if _within(importer, [app, *allowed]):
                        continue
                    lines = [
                        d["line_number"]
                        for d in graph.get_import_details(importer=importer, imported=module)
                    ]
                    broken.append((importer, module, lines))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, module, lines in check.metadata["broken"]:
            where = ", ".join(f"l.{n}" for n in lines)
            output.print_error(f"{importer} imports {module} ({where})", bold=False)
            output.new_line()


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
