"""Running SafeCampus as a real server process in tests (the browser tests, the demo command's
tests): a free port, an environment of its own, waiting until it answers."""

import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

# Settings the server must not inherit from the developer's or CI's environment: external
# services (the tests run self-contained on SQLite) and anything that changes the demo
# logins, the lockout rule or the hosts the server answers.
DROPPED_ENV_PREFIXES = (
    "DATABASE_URL",
    "REDIS_URL",
    "MQTT_URL",
    "SAFECAMPUS_",
    "SECRET_KEY",
    "DJANGO_",
)
DROPPED_ENV = {"ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DEBUG"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED_ENV and not k.startswith(DROPPED_ENV_PREFIXES)
    }
    env.update(
        SAFECAMPUS_DATA_DIR=str(data_dir),
        SECRET_KEY="server-tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_SETTINGS_MODULE="safecampus.config.settings.base",
        PYTHONUNBUFFERED="1",
    )
    return env


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
