"""schemathesis: requests generated from the OpenAPI schema never get a server error."""

import pytest
import schemathesis
from django.test import Client
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from .factories import api_token
from .fuzzing import FUZZ, wsgi_schema

UPLOADS = r"/(imports/\{key\}|photos)$"  # the file uploads (multipart bodies)


@pytest.fixture
def api_schema(db, bearer):
    with wsgi_schema() as schema:
        yield schema


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
