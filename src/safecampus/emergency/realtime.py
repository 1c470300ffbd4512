"""Command boards in real time: a committed timeline line goes to the boards of every unit above
the school, over the channel layer (Redis pub/sub across processes, in memory in one).

Each unit has a group, `board.<unit code>`; a board joins the groups of the units its duty
officer holds `incident.command` at. Drills go to the district's and school's groups only: they
never alarm the city.

Publishing never waits on the caller's thread. Inside the ASGI server it runs on the server's
event loop (bound by the first board that connects); elsewhere — the ingestor, a management
command — on a loop thread of this module. Delivery over the layer is at most once; what a
board misses there it picks up from the database (`BoardConsumer.catch_up`), so the layer only
decides how soon, never whether, a board hears of an alarm.
"""

import asyncio
import json
import logging
import threading
import time

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("safecampus.emergency.realtime")

_main_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None
_own_lock = threading.Lock()


def group_name(unit_code: str) -> str:
    return f"board.{unit_code}"


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Publish on the ASGI server's loop from now on (called when a board connects)."""
    global _main_loop
    _main_loop = loop


def _loop() -> asyncio.AbstractEventLoop:
    if _main_loop is not None and _main_loop.is_running():
        return _main_loop
    global _own_loop
    with _own_lock:
        if _own_loop is None or not _own_loop.is_running():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=run, name="board-publisher", daemon=True).start()
            started.wait()
            _own_loop = loop
        return _own_loop


def groups_for(event) -> list[str]:
    incident = event.incident
    school = incident.school
    if incident.is_drill:
        codes = [school.unit.code]
        if school.district_id:
            codes.insert(0, school.district.code)
    else:
        codes = school.unit.path.strip("/").split("/")
    return [group_name(c) for c in codes]


def message_for(event) -> dict:
    from .selectors import event_payload

    payload = event_payload(event)
    payload["sent_at"] = time.time()  # for the latency bench; boards ignore it
    return {"type": "board.event", "id": event.pk, "text": json.dumps(payload, ensure_ascii=False)}


async def _send(groups: list[str], message: dict) -> None:
    layer = get_channel_layer()

    async def one(group: str) -> None:
        try:
            # The group rides along: a server process's hub learns which of its boards it is for.
            await layer.group_send(group, {**message, "group": group})
        except Exception:  # a board catches up from the database; the writer must not fail
            logger.exception("could not publish to %s", group)

    # The school's, district's and city's groups at once, not one round trip after another.
    await asyncio.gather(*(one(group) for group in groups))


def publish(event) -> None:
    """Send a timeline line to the boards once its transaction commits (never raises). The
    message is built now, from the objects in hand: it says what the line said when written,
    and the writer does not read it back."""
    try:
        groups, message = groups_for(event), message_for(event)
    except Exception:
        logger.exception("could not build the board message of timeline line %s", event.pk)
        return
    transaction.on_commit(lambda: _submit(groups, message))


def _submit(groups: list[str], message: dict) -> None:
    try:
        asyncio.run_coroutine_threadsafe(_send(groups, message), _loop())
    except Exception:
        logger.exception("could not publish timeline line %s", message["id"])


class BoardHub:
    """The boards of one server process. It joins each unit's group once on the channel layer
    and hands every line it receives to its boards itself, instead of each board joining the
    group: with 50 boards at 100 alarms a second that is 100 layer messages a second for the
    process, not 5,000 (one per board per line)."""

    def __init__(self):
        self.boards: dict[str, set] = {}
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def join(self, board, groups: list[str]) -> None:
        layer = get_channel_layer()
        async with self.lock:
            if self.channel is None:
                self.channel = await layer.new_channel("boards.")
            if self.task is None or self.task.done():
                self.task = asyncio.create_task(self._receive())
            for group in groups:
                if group not in self.boards:
                    await layer.group_add(group, self.channel)
                    self.boards[group] = set()
                self.boards[group].add(board)

    async def leave(self, board, groups: list[str]) -> None:
        layer = get_channel_layer()
        async with self.lock:
            for group in groups:
                members = self.boards.get(group)
                if members is None:
                    continue
                members.discard(board)
                if not members:
                    del self.boards[group]
                    await layer.group_discard(group, self.channel)

    async def _receive(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: the boards catch up from the database
                logger.exception("the board hub lost the channel layer; retrying")
                await asyncio.sleep(1.0)
                continue
            for board in list(self.boards.get(message.get("group"), ())):
                board.push(message["id"], message["text"])


_hubs: dict[asyncio.AbstractEventLoop, BoardHub] = {}


def hub() -> BoardHub:
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    for stale in [other for other in _hubs if other.is_closed()]:
        del _hubs[stale]
    if loop not in _hubs:
        _hubs[loop] = BoardHub()
    return _hubs[loop]
