"""Environment helpers: every setting comes from the environment, secrets also from *_FILE."""

import os
from pathlib import Path
from typing import overload


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    """Value of NAME, or the contents of the file named by NAME_FILE (Docker/K8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600}


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit "COUNT/PERIOD" (e.g. "20/15m": 20 in 15 minutes; units s, m, h) as
    (count, seconds). A malformed value stops start-up, naming the variable."""
    value = (env(name) or default).strip()
    count, _slash, period = value.partition("/")
    try:
        number, unit = (period[:-1] or "1"), _RATE_UNITS[period[-1:]]
        rate = int(count), int(number) * unit
    except (KeyError, ValueError):
        rate = (0, 0)
    if rate[0] < 1 or rate[1] < 1:
        raise ValueError(f'{name}="{value}": expected COUNT/PERIOD such as 20/15m (s, m or h)')
    return rate
