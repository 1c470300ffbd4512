"""schemathesis against the platform's OpenAPI schema, driving the WSGI app in the test's
transaction (test_api_schema_fuzz.py).

`wsgi_schema` loads the document; `aim` points a generated request at the records of
fuzz_records.py (path ids and the body fields that name a record); `call` sends it as a persona
inside a savepoint that is rolled back, so that every request meets the records as the fixture
made them (a hazard drawn "reported" is still reported, a deactivated account is not); `CHECKS`
are the checks every answer passes; `Reached` counts the statuses answered per operation.
"""

import contextlib
import io
import json
import re
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from safecampus.core.excel import CONTROL_RE

METHODS = [DataGenerationMethod.positive, DataGenerationMethod.negative]
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
BASE = "/api/v1"

# Every answer: no server error, a status the operation documents, the documented media type
# and the documented body for that status.
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


def fuzz_settings(max_examples: int) -> settings:
    """Reproducible (derandomized, no example database) and bounded: the fuzz tests of the
    module run in a few minutes on a CI machine. No shrinking: a failure is reported with the
    request that met it, and shrinking against a stateful app mostly wanders."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


# Examples per operation: the writes as the persona who may (positive and negative data), the
# same writes as the outsider (positive data only: a refused body would answer 422 first), the
# reads as a district officer.
WRITES = fuzz_settings(12)
OUTSIDER_WRITES = fuzz_settings(3)
READS = fuzz_settings(5)
# The stateful run: sequences of up to 8 calls that follow the links (create → read → steps).
STATEFUL = settings(fuzz_settings(15), stateful_step_count=8)


def FUZZ(test):  # noqa: N802 (a decorator named as the settings object it replaced)
    """The settings of the apps' own fuzz tests (test_buildings.py, test_emergency_plans.py),
    with the `fuzz` marker, so that CI runs every fuzz test in one pass."""
    return pytest.mark.fuzz(fuzz_settings(10)(test))


@contextlib.contextmanager
def wsgi_schema():
    # Django's test client reconnects close_old_connections after each of its requests, so it
    # is used (here and by the callers, for tokens) before the signal is disconnected below.
    raw = Client().get(f"{BASE}/openapi.json").json()
    # Like Django's test client: the WSGI requests run inside the test's transaction, so the
    # handler must not close (or hand back to the pool) the connection between requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # ninja writes OpenAPI 3.1; schemathesis 3 generates from it as 3.0.
        yield schemathesis.from_dict(
            raw,
            app=get_wsgi_application(),
            data_generation_methods=METHODS,
            force_schema_version="30",
        )
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operation_name(case) -> str:
    """ "POST /hazards/{hazard_id}/assign": the method and the path below /api/v1."""
    return f"{case.method.upper()} {case.operation.path.removeprefix(BASE)}"


def _pool(pools: dict[str, list], path: str, name: str) -> list:
    """The ids for `{name}` in `path`: the pool of the longest path before it that the records
    know ("/hazards/photos/", not "/photos/")."""
    before = path.split(f"{{{name}}}")[0]
    known = [key for key in pools if before.endswith(key)]
    assert known, f"{path}: no record for {{{name}}}; add one to fuzz_records.py"
    return pools[max(known, key=len)]


def _clean(value):
    """The value with its C0/C1 control characters (tab, LF and CR are text) replaced by a
    letter, keys included (replaced, not removed: a one-character field stays filled): the
    platform refuses them in any field with a 400 (core.middleware, documented on every
    operation that takes input), so a request of valid data that means to be carried out must
    not hold them. The requests of invalid data keep theirs."""
    if isinstance(value, str):
        return CONTROL_RE.sub("x", value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def aim(
    case, records, data: st.DataObject | None, writer=None, *, only_state: bool = False
) -> None:
    """Point a generated request of valid data at the records: each `{id}` of the path drawn
    from the pool of its kind (mostly from the records in the state the writer's step starts
    from); each body field that names a record, a unit or a file set to one that exists (the
    writer's own `hints` first); no control characters. A request of invalid data keeps what
    was generated: the API must refuse it (422) whatever it names. `only_state`: the path's
    records only from the writer's state (the outsider's, whose answer depends on the record)."""
    if case.data_generation_method == DataGenerationMethod.negative:
        return
    state = writer.state if writer else {}
    # Without `data` (a stateful step) the path's ids are the ones its link carried.
    for name in list(case.path_parameters or {}) if data is not None else []:
        pool = _pool(records.pools, case.operation.path, name)
        if name in state:
            ready = records.states[state[name]]
            pool = ready if only_state else ready * 3 + pool
        case.path_parameters[name] = data.draw(st.sampled_from(pool), label=name)
    if case.query:
        case.query = _clean(case.query)
    if case.cookies:  # the session cookie of the documented cookie auth, not used here
        case.cookies = _clean(case.cookies)
    if isinstance(case.body, dict):
        body = _clean(case.body)
        own = {k: records.values[v] for k, v in (writer.hints if writer else {}).items()}
        hints = {**records.hints, **own}
        for key in body:
            if key in hints:
                body[key] = hints[key]
            if isinstance(body[key], bytes):  # a file: werkzeug sends (stream, name) as one
                body[key] = (io.BytesIO(body[key]), f"{key}.jpg")
        case.body = body
    elif isinstance(case.body, str):
        case.body = _clean(case.body)


def call(case, token: str | None):
    """Send the request with the bearer token, in a savepoint rolled back after the answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with transaction.atomic():
        response = case.call_wsgi(headers=headers)
        transaction.set_rollback(True)
    return response


def message(body: str) -> str:
    """The message of an error answer (the details of a 422), for the summary."""
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return body[:160]
    details = [f"{'.'.join(d.get('loc', []))}: {d.get('message')}" for d in error["details"][:2]]
    return f"{error.get('message')} {details if details else ''}"[:240]


class Reached:
    """The statuses answered per operation across a run."""

    def __init__(self):
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.refusals: dict[str, dict[int, str]] = defaultdict(dict)  # a message of each

    def add(self, case, response) -> None:
        name, status = operation_name(case), response.status_code
        self.statuses[name][status] += 1
        if status >= 400 and case.data_generation_method == DataGenerationMethod.positive:
            self.refusals[name][status] = message(response.get_data(as_text=True))

    def succeeded(self) -> list[str]:
        return sorted(
            name
            for name, counts in self.statuses.items()
            if any(200 <= status < 300 for status in counts)
        )

    def summary(self, total: int) -> str:
        never = sorted(set(self.statuses) - set(self.succeeded()))
        lines = [f"write operations reaching 2xx: {len(self.succeeded())}/{total}"]
        for name in never:
            lines.append(f"  never 2xx: {name} {dict(self.statuses[name])}")
            lines += [f"    {status}: {text}" for status, text in self.refusals[name].items()]
        return "\n".join(lines)


def path_regex(names) -> str:
    """A schemathesis path filter matching exactly these operations' paths."""
    paths = sorted({name.split(" ", 1)[1] for name in names})
    return "^" + BASE + "(" + "|".join(re.escape(p) for p in paths) + ")$"
