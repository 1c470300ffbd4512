"""The declarations of the scope matrix, and the checker that runs one.

One `Endpoint` per route and method: the action it checks and the record whose unit that
action must cover; every persona's expected status is derived from the role table
(`access.roles`, the apps' declared actions — printed in docs/permissions.md) and the
personas' units, as docs/permissions.md "What the caller sees" states it:

    no `on` record    allowed: `ok` · the role holds `action` nowhere: 403
    an `on` record    `action` covers the record's unit: `ok` · `view` covers it: 403 · else 404
    not logged in     page 302 to the login page · API 401

`status` names the exceptions (the spot-check secrecy, the team of an inspection, the person
on a record) persona by persona. Every 200 answer to a GET is searched for the markers of the
units and records outside the caller's tree (and for the secret spot check); a refused write
must leave the audit trail (every business write is in it) and the `counted` models as they
were. Every answer carries the Content Security Policy, and an HTML page holds nothing inline
that it would block (tests/csp.py). Each request runs in a savepoint rolled back after it, so
every persona meets the same records. And the secret spot check must not show through anything else: the reads of its
school's and district's people (SECRET_READERS) answer what they answered before it was
planted (`baseline`).
"""

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from ..csp import policy_problems
from ..factories import photo_upload
from .fixtures import ANONYMOUS, MATRIX_PERSONAS, SECRET, SECRET_RECORDS, Matrix

PERSONAS = [*MATRIX_PERSONAS, ANONYMOUS]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
UPLOAD = "<a JPEG file>"  # a page form's value: a small photo


@dataclass(frozen=True)
class Endpoint:
    key: str  # "GET /api/v1/hazards/{hazard_id}" (OpenAPI path) or "GET hazards:detail" (URL name)
    action: str | None  # the action checked; None: any logged-in caller
    on: str | None = None  # the fixture record whose unit `action` must cover
    view: str | None = None  # the action that merely sees `on`: 403 inside it, 404 outside
    seen: str | None = None  # the record `view` is checked on, when not `on` (default `on`)
    inherited: bool = False  # `on` is reference data read below its publisher
    ok: int = 200  # the status of an allowed caller
    args: Mapping[str, Any] = field(default_factory=dict)  # path parameter -> record name
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None  # API: over the schema's example; page: the form
    status: Mapping[str, int] = field(default_factory=dict)  # persona -> status, exceptions
    covered_by: str | None = None  # "tests/test_x.py::test_y": an in-scope success
    counted: tuple[str, ...] = ()  # models ("app.Model") a refused write must leave as they were
    audited: bool = False  # a refusal is itself in the trail (a failed login)
    allow: tuple[str, ...] = ()  # markers the page shows for another reason (a form's hint)
    nowhere: int | None = None  # the status when the role holds `action` nowhere (user pages)
    auth: bool = True  # False: no login needed (anonymous as the others)
    variant: str = ""  # a second declaration of one route (another record, another query)

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def route(self) -> str:
        return self.key.split(" ", 1)[1]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("/")

    @property
    def name(self) -> str:
        return f"{self.key} [{self.variant}]" if self.variant else self.key


@dataclass(frozen=True)
class Excluded:
    """A route the matrix does not run, with the reason (a URL name or "METHOD /api/v1/…")."""

    key: str
    reason: str


def E(key: str, action: str | None = None, on: str | None = None, **kw: Any) -> Endpoint:
    """An endpoint declaration (see the module docstring); path parameters default to `on`."""
    return Endpoint(key, action, on, **kw)


# --- expectations ------------------------------------------------------------------------------


def _covers(outer: str, inner: str) -> bool:
    return inner.startswith(outer)


def holds(matrix: Matrix, persona: str, action: str) -> bool:
    from safecampus.access.roles import roles_for

    return matrix.persona_roles[persona] in roles_for(action)


def covers(matrix: Matrix, persona: str, action: str, unit, inherited: bool = False) -> bool:
    if not holds(matrix, persona, action):
        return False
    mine = matrix.persona_units[persona].path
    return _covers(mine, unit.path) or (inherited and _covers(unit.path, mine))


def expected(endpoint: Endpoint, matrix: Matrix, persona: str) -> int:
    if persona in endpoint.status:
        return endpoint.status[persona]
    if persona == ANONYMOUS and endpoint.auth:
        return 401 if endpoint.is_api else 302
    if endpoint.action is None or persona == ANONYMOUS:
        return endpoint.ok
    if endpoint.nowhere is not None and not holds(matrix, persona, endpoint.action):
        return endpoint.nowhere
    if endpoint.on is None:
        return endpoint.ok if holds(matrix, persona, endpoint.action) else 403
    unit = matrix.object_units[endpoint.on]
    if covers(matrix, persona, endpoint.action, unit, endpoint.inherited):
        return endpoint.ok
    seen = matrix.object_units[endpoint.seen] if endpoint.seen else unit
    if endpoint.view and covers(matrix, persona, endpoint.view, seen, endpoint.inherited):
        return 403
    return 404


def forbidden_markers(matrix: Matrix, persona: str) -> list[str]:
    """The markers a 200 answer to `persona` must not contain: those of units neither above nor
    below the persona's unit, and the secret spot check's unless the persona sits at or above
    its organizer (the city) — or is on its team."""
    if persona == ANONYMOUS:
        return []
    mine = matrix.persona_units[persona].path
    found = [
        marker
        for marker, unit in matrix.markers.items()
        if not (_covers(mine, unit.path) or _covers(unit.path, mine))
    ]
    if "secret" not in matrix.objects:  # before it is planted (baseline)
        return found
    organizer = matrix.objects["secret_campaign"].unit.path
    if not _covers(mine, organizer) and persona not in matrix.secret_team:
        found.append(SECRET)
    return found


# --- running -----------------------------------------------------------------------------------


def _value(matrix: Matrix, value: Any) -> Any:
    """A record's id for its name ("hazard"), an attribute of it ("point.token"), else as is."""
    if isinstance(value, str):
        name, _, attribute = value.partition(".")
        if name in matrix.objects:
            return getattr(matrix.objects[name], attribute or "pk")
    return value


def url(endpoint: Endpoint, matrix: Matrix) -> str:
    args = {k: _value(matrix, v) for k, v in endpoint.args.items()}
    if endpoint.is_api:
        path = endpoint.route
        for name in re.findall(r"\{(\w+)\}", path):
            if name not in args:
                assert endpoint.on, f"{endpoint.name}: no record for {{{name}}}"
                args[name] = matrix.objects[endpoint.on].pk
            path = path.replace(f"{{{name}}}", str(args[name]))
    else:
        path = reverse(endpoint.route, kwargs=args)
    query = {k: _value(matrix, v) for k, v in endpoint.query.items()}
    if query:
        from urllib.parse import urlencode

        path += "?" + urlencode(query)
    return path


def _request_body(endpoint: Endpoint, matrix: Matrix, document: Mapping) -> tuple[Any, str | None]:
    """The body of a write: the API's from its documented schema (required fields, the
    fixture's records for the fields that name one) under the declared values; a page's form."""
    from ..openapi_contract import example, resolve

    given = {k: _value(matrix, v) for k, v in (endpoint.body or {}).items()}
    if not endpoint.is_api:
        return {k: photo_upload() if v == UPLOAD else v for k, v in given.items()}, None
    operation = document["paths"][endpoint.route][endpoint.method.lower()]
    if "requestBody" not in operation:
        return None, None
    ((media, content),) = operation["requestBody"]["content"].items()
    schema = resolve(content["schema"], document)
    body = example(schema, document, full=False, hints={**matrix.hints, **given})
    body.update(given)
    if media == "application/json":
        return json.dumps(body), media
    fields = {}
    for key, value in body.items():
        if schema["properties"].get(key, {}).get("format") == "binary":
            fields[key] = photo_upload()
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = str(value)
    return encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "json" in kind:
        return json.dumps(json.loads(content or b"null"), ensure_ascii=False)
    if "spreadsheet" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(v)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    if kind.startswith(("text/", "image/svg")):
        return content.decode("utf-8", "replace")
    return ""


def _forget_messages(client) -> None:
    """The client is reused by every check: a flash message left by one request (in its
    cookie, which no rollback undoes) must not show on the next check's page."""
    client.cookies.pop("messages", None)


def _counts(endpoint: Endpoint) -> dict[str, int]:
    from django.apps import apps

    from safecampus.audit.models import AuditEntry

    found = {} if endpoint.audited else {"audit.AuditEntry": AuditEntry.objects.count()}
    for label in endpoint.counted:
        found[label] = apps.get_model(label)._base_manager.count()
    return found


# Who must not learn of the secret spot check before it starts, not even from a count: its
# school's principal, safety director and staff, its district's officer and auditor. (The
# markers keep its name from every persona outside the organizers and its team.)
SECRET_READERS = ("principal_a1", "director_a1", "staff_a1", "district_a", "auditor_a")
# What differs between two answers to the same request: form tokens, keys drawn per page,
# times of day and "… ago" (the rest of an answer is the same byte for byte).
_UNSTEADY = [
    (re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"'), r"\1TOKEN"),
    (re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"), "KEY"),
    (re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"), "TIME"),
    (re.compile(r"\d+\s*(秒|分钟|小时)"), "AGO"),
    # the secret an enrolment page draws for a new second factor, and its QR code
    (re.compile(r'<svg[^>]*class="segno".*?</svg>', re.S), "QR"),
    (re.compile(r'(data-testid="enrol-secret">)[^<]*'), r"\1SECRET"),
]


def steady(text: str) -> str:
    for pattern, replacement in _UNSTEADY:
        text = pattern.sub(replacement, text)
    return text


def _records(endpoint: Endpoint, matrix: Matrix) -> set[str]:
    """The fixture records (and units) an endpoint's URL names, the secret's included."""
    values = [endpoint.on, *endpoint.args.values(), *endpoint.query.values()]
    names = {v.partition(".")[0] for v in values if isinstance(v, str)}
    return names & (set(matrix.objects) | set(SECRET_RECORDS))


def baseline(endpoints, matrix: Matrix) -> dict[tuple[str, str], str]:
    """What each of SECRET_READERS is answered, before the secret spot check is planted, by
    every read that is not about one record: the lists and their counts, the home pages'
    figures, exports, the pages of a unit (A1's profile, its lists …), the unread count on
    every page. `check` compares the same answers after: not one character may differ."""
    seen = {}
    for endpoint in endpoints:
        if endpoint.method != "GET" or not _records(endpoint, matrix) <= set(matrix.units):
            continue
        target = url(endpoint, matrix)
        for persona in SECRET_READERS:
            if expected(endpoint, matrix, persona) != 200:
                continue
            with transaction.atomic():  # as in `check`: an export's audit entry is undone
                response = matrix.clients[persona].get(target)
                _forget_messages(matrix.clients[persona])
                if response.status_code == 200:
                    seen[endpoint.name, persona] = steady(_text(response))
                transaction.set_rollback(True)
    cache.clear()  # what was cached before the secret must not answer after it
    return seen


def _difference(before: str, after: str) -> str:
    start = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), None)
    start = min(len(before), len(after)) if start is None else start
    return f"…{after[max(0, start - 80) : start + 80]}… (before: …{before[start : start + 40]}…)"


def data_versions() -> int:
    """The sum of the data versions (core/dataversion.py): it moves when a request wrote to a
    table whose figures are cached."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(version), 0) FROM core_dataversion")
        return int(cursor.fetchone()[0])


def _request(client, endpoint: Endpoint, target: str, data, media):
    if endpoint.method == "GET":
        return client.get(target)
    if media is not None:
        return client.generic(endpoint.method, target, data, content_type=media)
    if data:  # a page's form
        return client.post(target, data)
    return client.generic(endpoint.method, target)


def check(
    endpoint: Endpoint, matrix: Matrix, document: Mapping, personas=PERSONAS
) -> tuple[list[str], int]:
    """Run `endpoint` for every persona: the problems found, and how many checks ran. Every
    request runs in a savepoint rolled back after it, so each persona meets the records (and
    the row counts) of the fixture; a request that moved a data version leaves figures cached
    under a version the rollback hands out again, so the cache is cleared after it."""
    problems: list[str] = []
    checks = 0
    target = url(endpoint, matrix)
    writes = endpoint.method in WRITES
    counts = _counts(endpoint) if writes else None
    data, media = _request_body(endpoint, matrix, document) if writes else (None, None)
    fresh_files = not endpoint.is_api and UPLOAD in (endpoint.body or {}).values()
    versions = data_versions()
    for persona in personas:
        want = expected(endpoint, matrix, persona)
        client = matrix.clients[persona]
        if fresh_files and checks:  # a page's upload is read once
            data, media = _request_body(endpoint, matrix, document)
        with transaction.atomic():
            response = _request(client, endpoint, target, data, media)
            _forget_messages(client)
            got = response.status_code
            checks += 2
            problems += [f"{persona}: {p}" for p in policy_problems(response)]
            if got != want:
                said = response.content[:200].decode("utf-8", "replace") if got == 422 else ""
                problems.append(f"{persona}: {got}, declared {want} {said}".rstrip())
            elif counts is not None and (want in (401, 403, 404) or persona == ANONYMOUS):
                checks += 1
                after = _counts(endpoint)
                if after != counts:
                    changed = {k: (counts[k], after[k]) for k in counts if counts[k] != after[k]}
                    problems.append(f"{persona}: refused ({got}) but changed {changed}")
            if endpoint.method == "GET" and got == 200:
                checks += 1
                text = _text(response)
                leaked = [
                    m
                    for m in forbidden_markers(matrix, persona)
                    if m in text and m not in endpoint.allow
                ]
                if leaked:
                    problems.append(f"{persona}: 200 shows what is outside its scope: {leaked}")
                seen_before = matrix.baseline.get((endpoint.name, persona))
                if seen_before is not None:
                    checks += 1
                    now = steady(text)
                    if now != seen_before:
                        problems.append(
                            f"{persona}: the secret spot check shows through: "
                            + _difference(seen_before, now)
                        )
            moved = data_versions() != versions
            transaction.set_rollback(True)
        if moved:
            cache.clear()
    return problems, checks
