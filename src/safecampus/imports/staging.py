"""An uploaded workbook waiting between the page's steps (columns, preview, import): the file in
IMPORT_STAGING_DIR under a random name, what goes with it in the user's session. A staged file
is removed after its import, or after a day."""

import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest

SESSION_KEY = "imports"
MAX_AGE = 24 * 3600


@dataclass
class Staged:
    token: str
    key: str
    filename: str
    school: int | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the options form's raw data
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(settings.IMPORT_STAGING_DIR) / f"{self.token}.xlsx"

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise Http404(self.token) from None


def _sweep(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def stage(request: HttpRequest, *, key: str, data: bytes, filename: str, **extra: Any) -> Staged:
    folder = Path(settings.IMPORT_STAGING_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    staged = Staged(token=secrets.token_urlsafe(18), key=key, filename=filename, **extra)
    staged.path.write_bytes(data)
    save(request, staged)
    return staged


def save(request: HttpRequest, staged: Staged) -> None:
    store = request.session.get(SESSION_KEY, {})
    store[staged.token] = asdict(staged)
    request.session[SESSION_KEY] = store


def staged_get(request: HttpRequest, key: str, token: str) -> Staged:
    """A file this user staged for this import (another user's token is not found)."""
    found = request.session.get(SESSION_KEY, {}).get(token)
    if found is None or found["key"] != key:
        raise Http404(token)
    return Staged(**found)


def unstage(request: HttpRequest, staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)
    store = request.session.get(SESSION_KEY, {})
    store.pop(staged.token, None)
    request.session[SESSION_KEY] = store
