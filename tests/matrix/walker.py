"""What the matrix must cover, read from the code: every URL pattern of the site (the resolver,
walked recursively) and every operation of the API's OpenAPI document; and the declarations,
gathered from every module of this package (tests/matrix/<app>.py: `ENDPOINTS` and
`EXCLUDED`) — a new app adds its own file, nothing lists them."""

import importlib
import pkgutil
import re
from collections.abc import Iterable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from .dsl import Endpoint, Excluded

# The matrix's own modules; every other module of the package holds declarations.
INFRASTRUCTURE = {"dsl", "fixtures", "walker"}
API_PREFIX = "api/v1/"


def url_patterns(resolver: URLResolver | None = None) -> list[tuple[str, str]]:
    """(route, URL name with its namespaces) of every pattern the site serves."""

    def walk(res: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in res.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
                yield from walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                yield prefix + str(pattern.pattern), name

    return list(walk(resolver or get_resolver(), "", ""))


def operations(document: dict) -> list[str]:
    """ "METHOD /api/v1/path" of every operation of the OpenAPI document."""
    return [
        f"{method.upper()} /api/v1{path.removeprefix('/api/v1')}"
        for path, item in document["paths"].items()
        for method in item
    ]


def declarations(package: str = "tests.matrix") -> tuple[list[Endpoint], list[Excluded]]:
    module = importlib.import_module(package)
    endpoints: list[Endpoint] = []
    excluded: list[Excluded] = []
    for info in pkgutil.iter_modules(module.__path__):
        if info.name in INFRASTRUCTURE or info.name.startswith("_"):
            continue
        declared = importlib.import_module(f"{package}.{info.name}")
        endpoints += getattr(declared, "ENDPOINTS", [])
        excluded += getattr(declared, "EXCLUDED", [])
    return endpoints, excluded


def undeclared(
    patterns: Iterable[tuple[str, str]],
    ops: Iterable[str],
    endpoints: Iterable[Endpoint],
    excluded: Iterable[Excluded],
) -> list[str]:
    """The routes nobody declared: each page's URL name (a pattern is covered by any method
    declared for it), each API operation, and each API URL pattern that no operation of the
    document serves (an undocumented endpoint) — less the declared exclusions."""
    endpoints, excluded = list(endpoints), list(excluded)
    ops = list(ops)
    out = {x.key for x in excluded}
    pages = {e.route for e in endpoints if not e.is_api}
    apis = {e.key for e in endpoints if e.is_api}
    documented = {op.split(" ", 1)[1] for op in ops}
    missing = []
    for route, name in patterns:
        if route.startswith(API_PREFIX):
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            if name not in out and path not in documented:
                missing.append(f"{name} ({route}): served by the API but not in openapi.json")
        elif name not in out and name not in pages:
            missing.append(f"{name} (/{route})")
    missing += [op for op in ops if op not in apis and op not in out]
    return missing


def stale(
    patterns: Iterable[tuple[str, str]], ops: Iterable[str], endpoints: Iterable[Endpoint]
) -> list[str]:
    """Declarations of routes the site no longer serves."""
    names = {name for _, name in patterns}
    ops = set(ops)
    return [e.name for e in endpoints if (e.key not in ops if e.is_api else e.route not in names)]
