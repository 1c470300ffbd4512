"""schemathesis against the platform's OpenAPI schema, driving the WSGI app in the test's
transaction (test_api_schema_fuzz.py, and each app's own fuzzing of its endpoints as a persona
who may write them)."""

import contextlib

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod

METHODS = [DataGenerationMethod.positive, DataGenerationMethod.negative]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@contextlib.contextmanager
def wsgi_schema():
    # Django's test client reconnects close_old_connections after each of its requests, so it
    # is used (here and by the callers, for tokens) before the signal is disconnected below.
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
