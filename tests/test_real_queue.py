"""The task queue for real: `safecampus run_huey` as production runs it — a separate process, the
queue on Redis, the periodic schedule on — against a PostgreSQL database of its own
(tests/realservices.py; skipped without DATABASE_URL and REDIS_URL, failing on CI instead).

The rest of the suite runs Huey `immediate` (settings/test.py), so only this module shows that
the schedule fires, that the periodic jobs find their work when it is due and not before, and
that a job run again (every minute) does nothing twice.

The consumer's first periodic run is at its start, the next ones a minute apart (Huey reads
the crontabs once a minute). The daily hazard job is rescheduled to every minute for this
consumer (SAFECAMPUS_SCHEDULE_HAZARD_DEADLINES), so that it runs twice here too.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from safecampus.core.schedules import schedule

from .realservices import Service, layers, wait_for

ESCALATE = "safecampus.emergency.tasks.alarms_escalate_periodic"
HAZARDS = "safecampus.hazards.tasks.hazard_deadlines_daily"
SEND = "safecampus.notifications.tasks.deliveries_send"
# Two periodic runs, a minute apart, after the consumer's start: generous for a loaded machine.
RUNS_TIMEOUT = 240
DUE_IN_S = 20  # the second alarm becomes due this long after it is arranged


# --- The schedules are settings --------------------------------------------------------------


def test_a_schedule_comes_from_the_settings_and_a_wrong_one_is_refused(settings):
    settings.TASK_SCHEDULES = {
        **settings.TASK_SCHEDULES,
        "every_minute": "* * * * *",
        "daily": "30 0 * * *",
        "four_fields": "30 0 * *",
        "nonsense": "61 * * * *",
    }
    at = datetime(2026, 3, 2, 0, 30)
    assert schedule("every_minute")(at) and schedule("every_minute")(at.replace(minute=31))
    assert schedule("daily")(at) and not schedule("daily")(at.replace(minute=31))
    for wrong in ("four_fields", "nonsense"):
        with pytest.raises(ImproperlyConfigured):
            schedule(wrong)


def test_the_shipped_schedules_are_those_documented():
    from django.conf import settings

    assert settings.TASK_SCHEDULES == {
        "audit_prune": "17 19 * * *",
        "audit_chain_head": "47 19 * * *",
        "hazard_deadlines": "30 0 * * *",
        "device_faults": "*/10 * * * *",
        "alarms_escalate": "* * * * *",
        "deliveries_sweep": "* * * * *",
    }


# --- A consumer on Redis -----------------------------------------------------------------------

# The consumer's log lines, as run_huey's own handler writes them (local time: settings.TIME_ZONE
# once Django is set up): "[2026-12-08 03:23:12,212] INFO:huey:Worker-1:Executing <task>: <id>".
_EXECUTING = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\] INFO:huey:[^\n]*?Executing ([\w.]+): ([\w-]+)$",
    re.M,
)


def runs_started(consumer: Service, task: str) -> list[datetime]:
    """When each run of `task` started, from the consumer's log, once per run."""
    from django.conf import settings

    local = ZoneInfo(settings.TIME_ZONE)
    seen: dict[str, datetime] = {}
    for at, name, task_id in _EXECUTING.findall(consumer.output()):
        if name == task:
            stamp = datetime.strptime(at, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=local)
            seen.setdefault(task_id, stamp)
    return sorted(seen.values())


def runs_finished(consumer: Service, task: str) -> int:
    finished = re.findall(rf"{re.escape(task)}: ([\w-]+) executed in", consumer.output())
    return len(set(finished))


@pytest.fixture(scope="module")
def real_layers(tmp_path_factory):
    with layers(tmp_path_factory) as made:
        yield made


@pytest.fixture
def consumer(real_layers):
    """`safecampus run_huey` with the periodic schedule, killed at the end whatever happens."""
    started: list[Service] = []

    def start() -> Service:
        started.append(
            Service(
                "run_huey",
                ["run_huey", "--workers", "2"],
                real_layers,
                SAFECAMPUS_SCHEDULE_HAZARD_DEADLINES="* * * * *",
                LOG_LEVEL="INFO",
            )
        )
        return started[-1]

    yield start
    for service in started:
        service.stop()


def test_the_consumer_escalates_alarms_and_reminds_of_deadlines_once_each_and_on_time(
    real_layers, consumer
):
    db = real_layers.db
    city = real_layers.setup("queue_city", due_in_s=DUE_IN_S)
    late, soon, drill = (city["incidents"][k] for k in ("late", "soon", "drill"))
    soon_due = datetime.fromisoformat(city["soon_due"])
    escalated_at = lambda pk: db.value(  # noqa: E731
        "SELECT escalated_at FROM emergency_incident WHERE id = %s", (pk,)
    )
    assert escalated_at(late) is None and escalated_at(soon) is None  # the queue is not running

    worker = consumer()
    # Until both alarms have escalated and each job has run (and finished) at least twice: the
    # overdue alarm escalates at the first run, the other at the next, when it is due.
    wait_for(
        lambda: (
            escalated_at(late)
            and escalated_at(soon)
            and len(runs_started(worker, ESCALATE)) >= 2
            and runs_finished(worker, ESCALATE) >= len(runs_started(worker, ESCALATE))
            and runs_finished(worker, HAZARDS) >= 2
        ),
        RUNS_TIMEOUT,
        "both alarms to escalate and two runs of each job",
        worker,
    )
    runs = runs_started(worker, ESCALATE)
    assert len(runs) >= 2

    # On time: the overdue alarm at the first run; the other not before it was due, and by the
    # first run that started after that (a second of slack for the log's clock).
    assert escalated_at(late) >= runs[0]
    assert escalated_at(late) < runs[1]
    assert escalated_at(soon) >= soon_due
    first_after_due = min(r for r in runs if r.timestamp() >= soon_due.timestamp() - 1)
    later = [r for r in runs if r > first_after_due]
    assert escalated_at(soon) >= first_after_due
    assert not later or escalated_at(soon) < later[0]
    assert escalated_at(drill) is None  # a drill never alarms the city

    # Once: one escalation line and one message to the city's duty officer per alarm, whatever
    # the number of runs, and each e-mail sent once by the queued task.
    events = db.rows(
        "SELECT incident_id, COUNT(*) FROM emergency_incidentevent WHERE kind = 'escalated' "
        "GROUP BY incident_id ORDER BY incident_id"
    )
    assert events == sorted([(late, 1), (soon, 1)])
    officer = city["users"]["city_officer"]
    told = db.rows(
        "SELECT n.id, d.status, d.attempts FROM notifications_notification n "
        "LEFT JOIN notifications_delivery d ON d.notification_id = n.id AND d.channel = 'email' "
        "WHERE n.user_id = %s AND n.kind = 'incident.escalated'",
        (officer,),
    )
    assert len(told) == 2
    wait_for(
        lambda: (
            db.value("SELECT COUNT(*) FROM notifications_delivery WHERE status = 'pending'") == 0
        ),
        RUNS_TIMEOUT,
        "the queued deliveries to be sent",
        worker,
    )
    sent = db.rows(
        "SELECT d.status, d.attempts FROM notifications_delivery d "
        "JOIN notifications_notification n ON n.id = d.notification_id "
        "WHERE n.user_id = %s AND n.kind = 'incident.escalated' AND d.channel = 'email'",
        (officer,),
    )
    assert sent == [("sent", 1), ("sent", 1)]

    # The hazard job ran at least twice: the reminder due today went out once, the one due
    # tomorrow not yet, and the overdue hazard reached the district officer once.
    hazards = city["hazards"]
    reminders = db.rows("SELECT url FROM notifications_notification WHERE kind = 'hazard.reminder'")
    assert [url for (url,) in reminders] == [f"/hazards/{hazards['due']}/"]
    overdue = db.rows(
        "SELECT user_id, url FROM notifications_notification WHERE kind = 'hazard.overdue'"
    )
    assert overdue == [(city["users"]["district_a"], f"/hazards/{hazards['overdue']}/")]
    assert "Traceback" not in worker.output()
    worker.stop()  # the fixture would; here to see that SIGTERM ends it
    assert not worker.running()
