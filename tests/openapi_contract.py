"""The API's OpenAPI document as a contract (test_api_contract.py).

django-ninja names a component of `/api/v1/openapi.json` after its class (`__name__`): two
classes of one name, in two apps, give one component, the last written, and the document then
describes one of the two operations wrongly. `component_collisions` finds such classes by
walking the operations the API serves; `overwritten_components` watches ninja write the
document and names any component written twice with different content. `example` builds a
value from a documented JSON schema alone, as a client reading the document would.
"""

import dataclasses
import enum
import functools
import re
import typing
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from hypothesis import find, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ninja import NinjaAPI
from ninja.constants import NOT_SET
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.pagination import PaginationBase
from pydantic import BaseModel

# --- component names ---------------------------------------------------------------------------


def api_operations(api: NinjaAPI) -> Iterator[tuple[str, Operation]]:
    """(path, operation) of each documented operation, walked as ninja's own OpenAPI writer
    walks them (the bound routers, nested ones included)."""
    for router in api._get_bound_routers():
        for path, view in router.path_operations.items():
            for operation in view.operations:
                if operation.include_in_schema:
                    yield "/".join(p for p in (router.prefix, path) if p), operation


def _named_classes(annotation: Any, found: dict[type, None]) -> None:
    """Add to `found` each class inside `annotation` that OpenAPI documents as a component of
    its own: pydantic models (and the models of their fields), enums, dataclasses, TypedDicts."""
    if isinstance(annotation, type):
        if annotation in found:
            return
        if issubclass(annotation, BaseModel):
            found[annotation] = None
            for field in annotation.model_fields.values():
                _named_classes(field.annotation, found)
            for computed in annotation.model_computed_fields.values():
                _named_classes(computed.return_type, found)
            return
        if issubclass(annotation, enum.Enum):
            found[annotation] = None
            return
        if dataclasses.is_dataclass(annotation) or typing.is_typeddict(annotation):
            found[annotation] = None
            for hint in typing.get_type_hints(annotation).values():
                _named_classes(hint, found)
            return
    for argument in typing.get_args(annotation):
        _named_classes(argument, found)


def operation_classes(operation: Operation) -> list[type]:
    """The classes documented as components by one operation: those of its parameters and
    bodies, and of its responses. ninja wraps them in models of its own (the body's, the
    query's, each response's), which are not components: only their fields are walked."""
    found: dict[type, None] = {}
    wrappers = [*operation.models, *operation.response_models.values()]
    for wrapper in wrappers:
        if wrapper is None or wrapper is NOT_SET:
            continue
        for field in wrapper.model_fields.values():
            _named_classes(field.annotation, found)
    return list(found)


def _identity(cls: type) -> object:
    # ninja makes a page class ("Paged" + the item's name) for each paginated operation: pages
    # of one paginator over one item class are one component, whichever operation made them.
    if issubclass(cls, PaginationBase.Output):
        return (cls.__bases__, tuple((n, f.annotation) for n, f in cls.model_fields.items()))
    return cls


def component_collisions(api: NinjaAPI) -> dict[str, list[str]]:
    """{component name: the dotted names of the different classes documented under it}, for
    each name that more than one class of `api`'s operations would take."""
    by_name: dict[str, dict[object, type]] = defaultdict(dict)
    for _path, operation in api_operations(api):
        for cls in operation_classes(operation):
            by_name[cls.__name__].setdefault(_identity(cls), cls)
    return {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes.values())
        for name, classes in sorted(by_name.items())
        if len(classes) > 1
    }


class _WatchedSchema(OpenAPISchema):
    """ninja's OpenAPI writer, noting each component it writes twice with different content
    (a collision, or one class documented differently as a body and as a response)."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        self.overwritten: set[str] = set()
        super().__init__(api, path_prefix)

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, schema in definitions.items():
            if name in self.schemas and self.schemas[name] != schema:
                self.overwritten.add(name)
        super().add_schema_definitions(definitions)


def overwritten_components(api: NinjaAPI) -> set[str]:
    return _WatchedSchema(api, "").overwritten


# --- values from the document --------------------------------------------------------------------


def resolve(schema: Mapping, document: Mapping) -> dict:
    """`schema` with its `$ref` to a component replaced by the component (its own keys win)."""
    schema = dict(schema)
    while "$ref" in schema:
        name = schema.pop("$ref").removeprefix("#/components/schemas/")
        schema = {**document["components"]["schemas"][name], **schema}
    return schema


def validator(schema: Mapping, document: Mapping) -> Draft202012Validator:
    """A JSON-schema validator of `schema`, its `$ref`s resolved in the document's components."""
    return Draft202012Validator({**schema, "components": document["components"]})


@functools.cache
def _matching(pattern: str, shortest: int, longest: int) -> str:
    """The simplest string of `shortest`…`longest` characters that `pattern` matches."""
    strings = st.from_regex(pattern, fullmatch=True).filter(lambda s: shortest <= len(s) <= longest)
    return find(strings, lambda s: True, settings=settings(database=None, derandomize=True))


def _number(schema: Mapping, preferred: float) -> float:
    value = preferred
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema:
        value = max(value, schema["exclusiveMinimum"] + 1)
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema:
        value = min(value, schema["exclusiveMaximum"] - 1)
    return value


def _string(schema: Mapping) -> str:
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    match schema.get("format"):
        case "date":
            return date.today().isoformat()
        case "date-time":
            return datetime.now().astimezone().isoformat()
        case "time":
            return time(7, 30).isoformat()
    if "pattern" in schema:
        return _matching(schema["pattern"], shortest, longest)
    text = "测试" * max(1, shortest)
    return text[: max(shortest, min(longest, 2))]


def example(
    schema: Mapping,
    document: Mapping,
    *,
    full: bool,
    hints: Mapping[str, Any],
    name: str | None = None,
) -> Any:
    """A value valid for the documented `schema`: an object has its required properties, or
    with `full` every documented property. `hints` are values by property name (ids of
    records that exist), used where the property's documented schema admits them."""
    schema = resolve(schema, document)
    if name in hints and validator(schema, document).is_valid(hints[name]):
        return hints[name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s, document).get("type") != "null"]
            if not options:
                return None
            return example(options[0], document, full=full, hints=hints, name=name)
    if "allOf" in schema:
        merged: dict = {}
        for part in schema["allOf"]:
            merged |= resolve(part, document)
        return example(merged, document, full=full, hints=hints, name=name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", ()))
        return {
            key: example(value, document, full=full, hints=hints, name=key)
            for key, value in schema.get("properties", {}).items()
            if full or key in required
        }
    if kind == "array":
        count = max(schema.get("minItems", 0), 1 if full else 0)
        count = min(count, schema.get("maxItems", count))
        item = schema.get("items", {})
        return [example(item, document, full=full, hints=hints) for _ in range(count)]
    if kind == "integer":
        return int(_number(schema, 1))
    if kind == "number":
        return _number(schema, 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "string":
        return _string(schema)
    return "测试"  # a schema without a type admits anything


def path_parameters(path: str) -> list[tuple[str, str]]:
    """(the path up to a parameter, the parameter's name) of each `{parameter}` of `path`."""
    return [(path[: m.start()], m.group(1)) for m in re.finditer(r"\{(\w+)\}", path)]
