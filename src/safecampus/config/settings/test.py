"""Test settings: the base settings, with an in-memory SQLite database unless DATABASE_URL is set."""

import os
import tempfile

os.environ.setdefault("SAFECAMPUS_DATA_DIR", tempfile.mkdtemp(prefix="safecampus-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from .base import *  # noqa: E402,F403
from .base import DATABASE_URL, HUEY  # noqa: E402

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
