"""schemathesis: requests generated from the OpenAPI schema never get a server error."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from .factories import api_token

UPLOADS = r"/(import|photos)$"  # the file uploads (multipart bodies)
METHODS = [DataGenerationMethod.positive, DataGenerationMethod.negative]


@pytest.fixture
def api_schema(db, bearer):
    # Django's test client reconnects close_old_connections after each of its requests, so
    # it is used (here and in `bearer`) before the signal is disconnected below.
    raw = Client().get("/api/v1/openapi.json").json()
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


schema = schemathesis.from_pytest_fixture("api_schema")
# schemathesis cannot encode its own negative multipart bodies, so the upload is fuzzed with
# valid-shaped bodies only (arbitrary bytes as the file).
upload_schema = schemathesis.from_pytest_fixture(
    "api_schema", data_generation_methods=[DataGenerationMethod.positive]
)


@pytest.fixture
def bearer(world):
    raw = api_token(world.users["city_admin"])
    # The fuzzing must run authenticated, or it only ever meets the 401.
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    return {"Authorization": f"Bearer {raw}"}


FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@schema.exclude(path_regex=UPLOADS).parametrize()
@FUZZ
def test_the_api_never_answers_a_server_error(case, bearer):
    response = case.call_wsgi(headers=bearer)
    case.validate_response(response, checks=(not_a_server_error,))


@upload_schema.include(path_regex=UPLOADS).parametrize()
@FUZZ
def test_the_upload_endpoints_never_answer_a_server_error(case, bearer):
    response = case.call_wsgi(headers=bearer)
    case.validate_response(response, checks=(not_a_server_error,))
