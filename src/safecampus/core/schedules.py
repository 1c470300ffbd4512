"""The schedules of the periodic tasks, from settings.TASK_SCHEDULES: five crontab fields
("minute hour day month day-of-week", read by Huey in UTC), each overridable from the
environment (SAFECAMPUS_SCHEDULE_<NAME>), e.g. for a test that cannot wait for 08:30."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from huey import crontab


# huey ships no type information: its crontab answers an untyped validator.
def schedule(name: str):  # type: ignore[no-untyped-def]
    """The crontab of periodic task `name`."""
    spec = settings.TASK_SCHEDULES[name]
    fields = spec.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"schedule {name!r} must be five crontab fields "
            f"(minute hour day month day-of-week), not {spec!r}"
        )
    minute, hour, day, month, day_of_week = fields
    try:
        return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)
    except ValueError as exc:
        raise ImproperlyConfigured(f"schedule {name!r} ({spec!r}): {exc}") from exc
