"""Alarms written in batches (the MQTT ingestor): each press is still its own alarm, incident,
timeline line, audit entries and notifications; the same event id is one alarm within a batch,
against stored alarms and against a racing writer; a bad press costs the others nothing; a
database error writes nothing and acknowledges nothing; presses are acknowledged only after the
commit; the lookups kept between batches follow role changes at once."""

import asyncio
import json
import threading
import time
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.access.models import RoleAssignment
from safecampus.audit.models import AuditEntry
from safecampus.core.errors import BusinessRuleError
from safecampus.devices.ingest import Unknown
from safecampus.devices.messages import Malformed
from safecampus.devices.models import AlarmButton
from safecampus.emergency import realtime, services
from safecampus.emergency.choices import EventKind
from safecampus.emergency.ingest import AlarmHandler
from safecampus.emergency.intake import AlarmMessage
from safecampus.emergency.lookups import ACCESS_CHECK_S, AlarmLookups
from safecampus.emergency.models import Alarm, EmergencyPlan, Incident, IncidentEvent
from safecampus.emergency.services import AlarmIn, alarms_receive_batch
from safecampus.notifications.models import Delivery, Notification, WebhookEndpoint

from .factories import UserFactory

STEPS = [{"text": "一键报警并拨打110", "role": "保安"}, {"text": "报告区教体局", "role": "校长"}]


@pytest.fixture
def plans(world):
    city = EmergencyPlan.objects.create(
        unit=world.city, incident_type="intrusion", title="市级预案", steps=STEPS
    )
    own = EmergencyPlan.objects.create(
        unit=world.a1.unit, incident_type="intrusion", title="甲一小预案", steps=STEPS[:1]
    )
    return city, own


@pytest.fixture
def buttons(world):
    """Two buttons at a1 (district A), one at b1 (district B), with their schools loaded as
    the ingestor loads them."""
    made = [
        AlarmButton.objects.create(
            school=school, name=f"按钮{i}", device_id=f"3706020005134100000{i}", place="gate_house"
        )
        for i, school in enumerate([world.a1, world.a1, world.b1])
    ]
    return list(
        AlarmButton.objects.filter(pk__in=[b.pk for b in made])
        .select_related("school__unit", "school__district")
        .order_by("device_id")
    )


def _item(button, event_id, **kw):
    return AlarmIn(
        school=button.school,
        origin=button.device_id,
        event_id=event_id,
        source="device",
        device=button,
        place="门卫室",
        **kw,
    )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class FakeIngestor:
    """What the alarm handler uses of the ingestor: its stop flag, counters and drop log."""

    def __init__(self):
        self.stop = threading.Event()
        self.counters = Counter()
        self.registry = {}
        self.dropped = []

    def _drop(self, counter, reason, topic, detail):
        self.counters[counter] += 1
        self.dropped.append((counter, topic))


def _press(button, event_id, school_code=None, acks=None):
    """A queued press as the handler's queue holds it, with an ack that records the state of
    the connection when it is called."""
    message = AlarmMessage(button.device_id, event_id, timezone.now().timestamp(), False)

    def ack():
        acks.append(
            (
                event_id,
                len(connection.atomic_blocks),
                Alarm.objects.filter(origin=button.device_id, event_id=event_id).exists(),
            )
        )

    code = school_code or button.school.unit.code
    return (message, code, timezone.now().timestamp(), ack if acks is not None else None)


# --- The batch service ----------------------------------------------------------------------------


def test_a_batch_gives_each_new_alarm_what_a_single_alarm_gets(world, plans, buttons):
    a, a2, b = buttons
    with CaptureQueriesContext(connection) as queries:
        results = alarms_receive_batch(
            [_item(a, "E-1"), _item(a2, "E-1"), _item(b, "E-1", note="有人翻墙")]
        )
    alarms = [alarm for alarm, created in results]
    assert [created for _, created in results] == [True, True, True]
    assert len({alarm.incident_id for alarm in alarms}) == 3  # simultaneous alarms: all shown
    for alarm in alarms:
        alarm = Alarm.objects.select_related("incident").get(pk=alarm.pk)
        incident = alarm.incident
        assert incident.status == "raised" and incident.source == "device"
        events = list(incident.events.all())
        assert [e.kind for e in events] == [EventKind.ALARM]
        assert events[0].data["alarm"] == alarm.pk and events[0].data["device"] == alarm.origin
        for obj in (alarm, incident):
            assert AuditEntry.objects.filter(
                object_type=obj._meta.label_lower, object_id=str(obj.pk), action="create"
            ).exists()
    # Each school's own plan, else the nearest above; the steps as they were.
    assert alarms[0].incident.plan == plans[1] and alarms[0].incident.plan_steps == STEPS[:1]
    assert alarms[2].incident.plan == plans[0] and alarms[2].incident.plan_steps == STEPS
    assert IncidentEvent.objects.get(incident=alarms[2].incident).note == "有人翻墙"
    told = {
        incident_id: set(
            Notification.objects.filter(dedupe_key=f"incident:{incident_id}:raised").values_list(
                "user__username", flat=True
            )
        )
        for incident_id in (a.incident_id for a in alarms)
    }
    assert told[alarms[0].incident_id] == {"principal_a1", "director_a1", "district_a"}
    assert told[alarms[2].incident_id] == {"district_b"}  # b1 has no principal in the fixture
    # One INSERT per table for the whole batch.
    inserts = Counter(
        q["sql"].split('"')[1] for q in queries.captured_queries if q["sql"].startswith("INSERT")
    )
    assert inserts == {
        "emergency_incident": 1,
        "emergency_alarm": 1,
        "audit_auditentry": 2,
        "emergency_incidentevent": 1,
        "notifications_notification": 1,
    }


def test_a_batch_costs_the_same_statements_for_one_alarm_or_many(world, plans, buttons):
    lookups = AlarmLookups(ttl=60, clock=Clock())  # a clock that stands still: all kept
    alarms_receive_batch([_item(b, f"W-{i}") for i, b in enumerate(buttons)], lookups=lookups)
    counts = []
    for n in (1, 12):
        with CaptureQueriesContext(connection) as queries:
            alarms_receive_batch(
                [_item(buttons[i % 3], f"N{n}-{i}") for i in range(n)], lookups=lookups
            )
        counts.append(len(queries.captured_queries))
    # 13: four of them are the audit chain's, two per audited INSERT (audit/chain.py).
    assert counts[0] == counts[1] <= 13, counts


def test_the_same_event_id_within_a_batch_and_against_stored_alarms_is_one_alarm(
    world, plans, buttons
):
    a, _, b = buttons
    stored, _ = services.alarm_receive(
        school=a.school, origin=a.device_id, event_id="E-1", source="device", device=a
    )
    results = alarms_receive_batch(
        [
            _item(a, "E-1"),  # stored already
            _item(a, "E-2"),
            _item(b, "E-2"),  # another device: another alarm
            _item(a, "E-2"),  # re-sent within the batch
            _item(a, "E-1"),
        ]
    )
    assert results[0] == (stored, False) and results[4] == (stored, False)
    assert results[1][1] is True and results[2][1] is True
    assert results[3] == (results[1][0], False)
    assert Alarm.objects.count() == 3 and Incident.objects.count() == 3
    assert IncidentEvent.objects.count() == 3
    assert Notification.objects.filter(dedupe_key__startswith="incident:").count() == 3 + 3 + 1


def test_a_writer_racing_with_one_event_id_meets_the_constraint_and_the_rest_is_written(
    world, plans, buttons, monkeypatch
):
    a, a2, b = buttons
    raced, _ = services.alarm_receive(
        school=a.school, origin=a.device_id, event_id="R-1", source="device", device=a
    )
    # As if the other writer committed between our (first) look-up and our insert.
    look_up = services._alarms_stored
    calls = []
    monkeypatch.setattr(
        services,
        "_alarms_stored",
        lambda keys: calls.append(1) or ({} if len(calls) == 1 else look_up(keys)),
    )
    results = alarms_receive_batch([_item(a2, "R-1"), _item(a, "R-1"), _item(b, "R-1")])
    assert len(calls) == 2  # the first attempt met the constraint and left nothing
    assert results[1] == (raced, False)
    assert results[0][1] is True and results[2][1] is True
    assert Alarm.objects.filter(event_id="R-1").count() == 3
    # Nothing of the raced press was left behind: one incident and one line per alarm.
    assert Incident.objects.count() == 3 and IncidentEvent.objects.count() == 3


def test_a_bad_item_is_answered_alone(world, plans, buttons):
    a, _, b = buttons
    future = timezone.now() + timedelta(hours=1)
    results = alarms_receive_batch(
        [_item(a, "G-1"), _item(a, "F-1", pressed_at=future), _item(b, "G-2")]
    )
    assert isinstance(results[1], BusinessRuleError)
    assert results[0][1] is True and results[2][1] is True
    assert not Alarm.objects.filter(event_id="F-1").exists()


def _refuse_alarm_inserts():
    """A database that refuses to store alarms (a trigger), for this test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION pg_temp.refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'database refuses'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON emergency_alarm "
                "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
            )
        else:
            cursor.execute(
                "CREATE TEMP TRIGGER test_refuse BEFORE INSERT ON emergency_alarm "
                "BEGIN SELECT RAISE(ABORT, 'database refuses'); END"
            )


def _allow_alarm_inserts():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER test_refuse ON emergency_alarm")
        else:
            cursor.execute("DROP TRIGGER test_refuse")


def test_a_database_error_writes_nothing_of_the_batch(world, plans, buttons):
    _refuse_alarm_inserts()
    with pytest.raises(DatabaseError):
        alarms_receive_batch([_item(buttons[0], "D-1"), _item(buttons[2], "D-2")])
    assert not Incident.objects.exists() and not Notification.objects.exists()


# --- The ingestor's handler -----------------------------------------------------------------------


def test_the_handler_drops_only_the_bad_presses_and_acks_each_after_the_commit(
    world, plans, buttons
):
    a, a2, b = buttons
    handler = AlarmHandler(FakeIngestor())
    acks = []
    ghost = AlarmButton(device_id="37060200051341999999", school=world.a1)
    batch = [
        _press(a, "H-1", acks=acks),
        _press(ghost, "H-2", school_code="TA01", acks=acks),  # not registered
        _press(a2, "H-3", school_code="TB01", acks=acks),  # not its school
        _press(b, "H-4", acks=acks),
        _press(a, "H-1", acks=acks),  # re-sent
    ]
    depth = len(connection.atomic_blocks)
    handler._take(batch)
    # Every press acknowledged — the dropped ones too — each after the batch's transaction
    # ended (back at the test's own depth) and with the alarm visible.
    assert acks == [
        ("H-1", depth, True),
        ("H-2", depth, False),
        ("H-3", depth, False),
        ("H-4", depth, True),
        ("H-1", depth, True),
    ]
    assert handler.ingestor.dropped == [
        ("unknown", f"TA01/{ghost.device_id}/alarm"),
        ("malformed", f"TB01/{a2.device_id}/alarm"),
    ]
    assert handler.ingestor.counters["alarms"] == 3
    assert handler.flush()[0] == 2  # two new alarms; the re-sent one was found
    assert sorted(Alarm.objects.values_list("event_id", flat=True)) == ["H-1", "H-4"]


def test_the_handler_acknowledges_nothing_the_database_refused_and_writes_it_on_retry(
    world, plans, buttons, monkeypatch
):
    from safecampus.emergency import ingest

    # After a database error the handler drops its connection (a fresh one for the retry);
    # here that would end the test's own transaction, so it is only recorded.
    closed = []
    monkeypatch.setattr(ingest, "connection", SimpleNamespace(close=lambda: closed.append(1)))
    handler = AlarmHandler(FakeIngestor())
    acks = []
    batch = [_press(buttons[0], "X-1", acks=acks), _press(buttons[2], "X-2", acks=acks)]
    _refuse_alarm_inserts()
    handler.ingestor.stop.set()  # stopping: no retry now; the broker delivers them again
    handler._take(batch)
    assert acks == [] and handler.ingestor.counters["db_errors"] == 1 and closed == [1]
    assert not Alarm.objects.exists()
    _allow_alarm_inserts()
    handler.ingestor.stop.clear()
    handler._take(batch)
    assert [a[0] for a in acks] == ["X-1", "X-2"] and all(a[2] for a in acks)


def test_the_handler_writes_what_queued_up_in_one_transaction(world, plans, buttons):
    handler = AlarmHandler(FakeIngestor())
    acks = []
    for i in range(5):
        handler.queue.put(_press(buttons[i % 3], f"Q-{i}", acks=acks))
    with CaptureQueriesContext(connection) as queries:
        handler.work_until(time.monotonic() + 0.3)
    assert [a[0] for a in acks] == [f"Q-{i}" for i in range(5)] and handler.queue.empty()
    inserts = [
        q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "emergency_alarm"')
    ]
    assert len(inserts) == 1


def test_the_board_hears_each_alarm_of_a_batch_after_commit(
    world, plans, buttons, monkeypatch, django_capture_on_commit_callbacks
):
    from safecampus.config.asgi import application
    from safecampus.emergency import consumers

    monkeypatch.setattr(
        consumers, "database_sync_to_async", lambda f, **kw: sync_to_async(f, thread_sensitive=True)
    )

    def write():
        with django_capture_on_commit_callbacks(execute=True):
            return alarms_receive_batch([_item(buttons[0], "B-1"), _item(buttons[1], "B-2")])

    async def run():
        board = WebsocketCommunicator(
            application, "/ws/emergency/board/?after=0", headers=[(b"origin", b"http://testserver")]
        )
        board.scope["user"] = world.users["district_a"]
        connected, _ = await board.connect()
        assert connected
        assert json.loads(await board.receive_from(timeout=3))["kind"] == "hello"
        results = await sync_to_async(write, thread_sensitive=True)()
        live = []
        while len(live) < len(results):  # lines may share a frame (a JSON array)
            frame = json.loads(await board.receive_from(timeout=3))
            live.extend(frame if isinstance(frame, list) else [frame])
        await board.disconnect()
        return results, live

    results, live = async_to_sync(run)()
    assert [m["data"]["alarm"] for m in live] == [alarm.pk for alarm, _ in results]
    assert all(m["kind"] == "alarm" and m["alert"] == "siren" for m in live)


def test_a_batch_reaches_the_servers_hubs_in_one_layer_message(
    world, plans, buttons, django_capture_on_commit_callbacks
):
    """One channel-layer message per committed batch, each line naming its board groups: the
    school's, district's and city's for a real alarm, not the city's for a drill."""
    items = [
        _item(buttons[0], "H-1"),
        _item(buttons[2], "H-2"),
        _item(buttons[1], "H-3", is_drill=True),
    ]

    def write():
        with django_capture_on_commit_callbacks(execute=True):
            return alarms_receive_batch(items)

    async def run():  # on one event loop: the Redis layer's channels belong to their loop
        layer = get_channel_layer()
        hub = await layer.new_channel("test-hub.")
        await layer.group_add(realtime.HUBS, hub)
        results = await sync_to_async(write, thread_sensitive=True)()
        got = []
        while sum(len(m["lines"]) for m in got) < len(results):
            got.append(await asyncio.wait_for(layer.receive(hub), 3))
        await layer.group_discard(realtime.HUBS, hub)
        return results, got

    results, received = async_to_sync(run)()
    lines = [
        IncidentEvent.objects.get(incident__alarms=alarm, kind=EventKind.ALARM).pk
        for alarm, _ in results
    ]
    assert len(received) == 1 and [line[0] for line in received[0]["lines"]] == lines
    groups = {line[0]: set(line[1]) for line in received[0]["lines"]}
    city, a, b = (
        realtime.group_name(u.code) for u in (world.city, world.district_a, world.district_b)
    )
    a1, b1 = realtime.group_name(world.a1.unit.code), realtime.group_name(world.b1.unit.code)
    assert list(groups.values()) == [{city, a, a1}, {city, b, b1}, {a, a1}]
    assert json.loads(received[0]["lines"][2][2])["incident"]["is_drill"] is True


def test_the_hub_hands_a_line_to_each_board_of_its_groups_once():
    class Board:
        def __init__(self):
            self.got = []

        def push(self, event_id, text):
            self.got.append(event_id)

    city, district, both = Board(), Board(), Board()
    hub = realtime.BoardHub()
    hub.boards = {"board.c": {city, both}, "board.d": {district, both}}
    hub.dispatch([[1, ["board.c", "board.d", "board.s"], "{}"], [2, ["board.d"], "{}"]])
    assert (city.got, district.got, both.got) == ([1], [1, 2], [1, 2])


# --- Lookups kept between batches -----------------------------------------------------------------


def test_kept_lookups_follow_role_changes_at_once_and_the_rest_within_the_ttl(
    world, plans, buttons
):
    a = buttons[0]
    clock = Clock()
    lookups = AlarmLookups(ttl=60, clock=clock)
    lookups.prepare([a.school], "intrusion")
    assert lookups.plan(a.school, "intrusion") == plans[1]
    assert {u.username for u in lookups.recipients(a.school)} == {
        "principal_a1",
        "director_a1",
        "district_a",
    }
    # A new principal is notified from the next batch on (the access data version moved).
    newcomer = UserFactory(username="principal_a1_new")
    RoleAssignment.objects.create(user=newcomer, role="principal", unit=world.a1.unit)
    plans[1].active = False
    plans[1].save()
    clock.now += ACCESS_CHECK_S
    lookups.prepare([a.school], "intrusion")
    assert "principal_a1_new" in {u.username for u in lookups.recipients(a.school)}
    assert lookups.plan(a.school, "intrusion") == plans[1]  # kept for up to a minute
    clock.now += 60
    lookups.prepare([a.school], "intrusion")
    assert lookups.plan(a.school, "intrusion") == plans[0]


def test_urgent_deliveries_go_to_the_endpoints_above_the_school(world, plans, buttons):
    WebhookEndpoint.objects.create(
        unit=world.district_a, channel="webhook", name="甲区值班", url="https://a.example/hook"
    )
    WebhookEndpoint.objects.create(
        unit=world.district_b, channel="webhook", name="乙区值班", url="https://b.example/hook"
    )
    results = alarms_receive_batch([_item(buttons[0], "U-1"), _item(buttons[2], "U-2")])
    for (alarm, _), name in zip(results, ["甲区值班", "乙区值班"], strict=True):
        posted = Delivery.objects.filter(
            dedupe_key=f"incident:{alarm.incident_id}:raised", endpoint__isnull=False
        )
        assert [d.endpoint.name for d in posted] == [name]
    # A drill alarms nobody outside the school's people.
    ((drill, _),) = alarms_receive_batch([_item(buttons[0], "U-3", is_drill=True)])
    assert not Delivery.objects.filter(
        dedupe_key=f"incident:{drill.incident_id}:raised", endpoint__isnull=False
    ).exists()


def test_unknown_presses_are_not_alarms(world, buttons):
    handler = AlarmHandler(FakeIngestor())
    message = AlarmMessage("37060200051341999999", "Z-1", None, False)
    with pytest.raises(Unknown):
        handler.write(message, "TA01", timezone.now().timestamp())
    with pytest.raises(Malformed):
        handler.write(AlarmMessage(buttons[0].device_id, "Z-2", None, False), "TB01", 0.0)
    assert not Alarm.objects.exists()


# --- psycopg array quoting ------------------------------------------------------------------------


def test_the_fast_array_dumper_writes_what_psycopg_writes():
    from psycopg.adapt import PyFormat, Transformer
    from psycopg.types.array import ListDumper
    from psycopg.types.json import Jsonb

    from safecampus.core.pgarrays import FastListDumper

    samples = [
        ['a"b', "c\\d", "plain", "", None, "x,y", "NULL", " sp ", "{}", "中文"],
        [Jsonb({"text": "一键报警", "q": 'say "hi"', "b": "back\\slash"}), None, Jsonb([])],
        [["nested", 'q"'], ["\\"]],
    ]
    tx = Transformer()
    for values in samples:
        slow = ListDumper(list, tx).upgrade(values, PyFormat.TEXT).dump(values)
        fast = FastListDumper(list, tx).upgrade(values, PyFormat.TEXT)
        assert type(fast) is FastListDumper
        assert bytes(fast.dump(values)) == bytes(slow)
