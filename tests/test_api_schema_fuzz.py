"""schemathesis: requests generated from the OpenAPI schema never get a server error."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from .factories import api_token

IMPORT = "/api/v1/schools/import"
METHODS = [DataGenerationMethod.positive, DataGenerationMethod.negative]


@pytest.fixture
def api_schema(db):
    raw = Client().get("/api/v1/openapi.json").json()
    # ninja writes OpenAPI 3.1; schemathesis 3 generates from it as 3.0.
    return schemathesis.from_dict(
        raw, app=get_wsgi_application(), data_generation_methods=METHODS, force_schema_version="30"
    )


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


@schema.exclude(path=IMPORT).parametrize()
@FUZZ
def test_the_api_never_answers_a_server_error(case, bearer):
    response = case.call_wsgi(headers=bearer)
    case.validate_response(response, checks=(not_a_server_error,))


@upload_schema.include(path=IMPORT).parametrize()
@FUZZ
def test_the_import_endpoint_never_answers_a_server_error(case, bearer):
    response = case.call_wsgi(headers=bearer)
    case.validate_response(response, checks=(not_a_server_error,))
