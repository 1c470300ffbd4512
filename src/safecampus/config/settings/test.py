"""Test settings: the base settings, with an in-memory SQLite database unless DATABASE_URL is set."""

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from safecampus.core.crypto import key_create

os.environ.setdefault("SAFECAMPUS_DATA_DIR", tempfile.mkdtemp(prefix="safecampus-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")


def _redis_url_of_this_worker(url: str, worker: str) -> str:
    """Under pytest-xdist (worker gw0, gw1, …) each worker uses the Redis database after the
    configured one by its number: a test's cache.clear() or a channel group of one worker must
    not reach the other's. A process a test starts inherits the environment and the configured
    URL (kept aside in SAFECAMPUS_TEST_REDIS_URL), so it lands on the same database."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


if os.environ.get("REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = _redis_url_of_this_worker(
        os.environ.setdefault("SAFECAMPUS_TEST_REDIS_URL", os.environ["REDIS_URL"]),
        os.environ["PYTEST_XDIST_WORKER"],
    )

from .base import *  # noqa: E402,F403
from .base import DATABASE_URL, HUEY, SAFECAMPUS_AUDIT_KEY_FILE, SAFECAMPUS_THROTTLES  # noqa: E402

# A throw-away audit key in the temporary data dir (processes the tests start inherit the dir).
key_create(SAFECAMPUS_AUDIT_KEY_FILE)

if not DATABASE_URL:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Hashing dominates test time otherwise; real hashers are exercised by the login tests.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
HUEY = {**HUEY, "immediate": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The rate limits far above what any test sends (the scope matrix, the fuzzing and the import
# tests repeat requests as one user, the login tests fail from one address); the tests of the
# limits themselves put the production values back (tests/test_throttle.py).
SAFECAMPUS_THROTTLES = {
    name: (count * 1000, seconds) for name, (count, seconds) in SAFECAMPUS_THROTTLES.items()
}
