"""Running SafeCampus as a real server process in tests (the browser tests, the demo command's
tests): a free port, an environment of its own, waiting until it answers."""

import os
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

import pytest

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


def in_ci() -> bool:
    """CI sets CI=true (GitHub, GitLab and most others; `1` too): there a test that needs a
    service, a browser or a binary must fail when it is missing, not skip. `false`/`0`/empty
    mean a developer's machine."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip for `reason`, except on CI, where what the test needs must be there."""
    if in_ci():
        pytest.fail(f"{reason} — CI is set, so this test may not be skipped", pytrace=False)
    pytest.skip(reason)


# Debian installs daemons such as mosquitto in /usr/sbin, which a non-root PATH often lacks.
SYSTEM_BIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def system_binary(name: str) -> str | None:
    """The path of a system program, looked up on PATH and then in the sbin directories."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_BIN_DIRS])
    return shutil.which(name, path=path)


def chromium_path() -> str | None:
    """Chromium wherever it is installed: $SAFECAMPUS_CHROMIUM, /usr/bin/chromium, or
    `chromium` / `chromium-browser` on PATH. None when there is none."""
    wanted = os.environ.get("SAFECAMPUS_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


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
